-- 019_promo.sql — promo codes and vouchers (docs/commerce.md).
--
--   promo_codes        a code of a tenant, for one event (event_id) or every
--                      event of the tenant (NULL); what it does (kind,
--                      value), its caps (max_uses overall, per_user), its
--                      window, what it applies to (ticket types, price
--                      categories, a minimum quantity). `used` counts the
--                      uses that stand and is moved only by the guarded
--                      UPDATE of lib/zt_promo.c (… AND used < max_uses) in
--                      the booking's transaction: of two buyers racing for
--                      the last use, the second waits on the row lock and
--                      then finds the guard false. The CHECK makes an
--                      overuse an error even for a writer that forgets it.
--   promo_redemptions  one row per booking that used a code; released_at
--                      when that booking, still pending, expired or was
--                      cancelled (the trigger below gives the use back)
--
-- Codes are stored lowercase (the lookup lowercases what the buyer typed),
-- so codes are case-insensitive and unique per tenant whatever the case.
--
-- bookings.promo_code_id references the code under the booking's tenant
-- (tenant_id, promo_code_id): another tenant's code cannot be attached
-- even by a writer that forgets to check. bookings.discount_paise is what
-- the code took off the list prices; subtotal_paise stays the sum of the
-- (discounted) ticket prices, so zt_booking_verify holds unchanged.
--
-- ticket_types.hidden: a type sold only with a code that unlocks it
-- (kind 'unlock', or any code limited to that type).
--
-- Row-level security: tenant_isolation + admin_read like every tenant table.

alter table ticket_types add column hidden boolean not null default false;

create table promo_codes (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null references tenants (id),
    event_id            uuid,
    code                text not null
                        check (code ~ '^[a-z0-9][a-z0-9_-]{2,39}$'),
    kind                text not null
                        check (kind in ('percent', 'amount', 'price',
                                        'unlock')),
    -- percent: 1..100; amount: paise off each ticket; price: the price of
    -- each ticket; unlock: 0
    value               bigint not null default 0 check (value >= 0),
    max_uses            integer check (max_uses > 0),
    per_user            integer check (per_user > 0),
    used                integer not null default 0 check (used >= 0),
    valid_from          timestamptz,
    valid_until         timestamptz,
    ticket_type_ids     uuid[],
    price_category_ids  uuid[],
    min_quantity        integer not null default 1
                        check (min_quantity between 1 and 100),
    -- single-use codes generated together share a batch
    batch_id            uuid,
    disabled_at         timestamptz,
    created_by          uuid references users (id),
    created_at          timestamptz not null default now(),
    check (kind <> 'percent' or value between 1 and 100),
    check (max_uses is null or used <= max_uses),
    check (valid_until is null or valid_from is null
           or valid_until > valid_from),
    unique (tenant_id, code),
    unique (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);
create index promo_codes_batch_idx on promo_codes (batch_id)
    where batch_id is not null;

alter table bookings
    add column promo_code_id uuid,
    add column discount_paise bigint not null default 0
        check (discount_paise >= 0),
    add foreign key (tenant_id, promo_code_id)
        references promo_codes (tenant_id, id);

create table promo_redemptions (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    code_id     uuid not null,
    booking_id  uuid not null unique,
    user_id     uuid not null references users (id),
    created_at  timestamptz not null default now(),
    released_at timestamptz,
    foreign key (tenant_id, code_id) references promo_codes (tenant_id, id),
    foreign key (tenant_id, booking_id) references bookings (tenant_id, id)
);
create index promo_redemptions_user_idx on promo_redemptions (code_id, user_id)
    where released_at is null;

select zt_apply_tenant_rls('promo_codes');
select zt_apply_tenant_rls('promo_redemptions');
alter policy tenant_isolation on promo_codes
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
alter policy tenant_isolation on promo_redemptions
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

-- A use counts from the booking that made it (pending included: a hold on
-- the use while the buyer pays) and is given back when that booking, still
-- pending, expires or is cancelled (superseded, its order failed). A
-- confirmed booking keeps its use, refunded or not. Runs as the writer,
-- under its row policies (every writer of bookings.status is scoped to the
-- booking's tenant).
create function zt_promo_release() returns trigger
language plpgsql as $$
begin
    update promo_redemptions set released_at = now()
     where booking_id = new.id and released_at is null;
    if found then
        update promo_codes set used = used - 1 where id = new.promo_code_id;
    end if;
    return null;
end
$$;

create trigger bookings_promo_release after update of status on bookings
    for each row
    when (old.status = 'pending' and new.status in ('expired', 'cancelled')
          and new.promo_code_id is not null)
    execute function zt_promo_release();

grant select, insert, update on promo_codes, promo_redemptions to ztic_app;

-- ---------------------------------------------------------------------------
-- Ticket transfer (docs/commerce.md, "Ticket transfer")
--
--   tickets.status 'transferred'  the old row of a ticket given to someone
--                                 else: its QR payload (which carries the
--                                 ticket id) no longer admits
--   tickets.transfers             how many times this admission changed
--                                 hands (the new row gets the old one's + 1)
--   events.transfer_cutoff_hours  transfers close this long before the
--                                 start; NULL: transfers off (the default)
--   events.max_transfers          the organizer's rule on chains
--   ticket_transfers              one offer: from the holder to an email or
--                                 phone, pending → accepted | cancelled;
--                                 at most one pending per ticket
-- ---------------------------------------------------------------------------

alter table tickets drop constraint tickets_status_check;
alter table tickets add constraint tickets_status_check
    check (status in ('live', 'cancelled', 'refunded', 'transferred'));
alter table tickets add column transfers integer not null default 0
    check (transfers >= 0);
alter table events
    add column transfer_cutoff_hours integer
        check (transfer_cutoff_hours between 0 and 8760),
    add column max_transfers integer not null default 1
        check (max_transfers between 0 and 10);

create table ticket_transfers (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid not null,
    event_id        uuid not null,
    ticket_id       uuid not null,
    from_user       uuid not null references users (id),
    to_email        text check (length(to_email) between 3 and 254),
    to_phone        text check (length(to_phone) between 8 and 20),
    status          text not null default 'pending'
                    check (status in ('pending', 'accepted', 'cancelled')),
    new_ticket_id   uuid,
    accepted_by     uuid references users (id),
    created_at      timestamptz not null default now(),
    decided_at      timestamptz,
    check (num_nonnulls(to_email, to_phone) = 1),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
);
create unique index ticket_transfers_pending_idx on ticket_transfers (ticket_id)
    where status = 'pending';
create index ticket_transfers_to_email_idx on ticket_transfers (to_email)
    where status = 'pending';
create index ticket_transfers_to_phone_idx on ticket_transfers (to_phone)
    where status = 'pending';

select zt_apply_tenant_rls('ticket_transfers');
alter policy tenant_isolation on ticket_transfers
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
-- the sender and the person it is addressed to (by the email or phone of
-- their account) find it without knowing its tenant
create policy party_read on ticket_transfers for select
    using (from_user = (select nullif(current_setting('app.user_id', true), '')::uuid)
           or exists (select 1 from users u
                       where u.id = (select nullif(current_setting('app.user_id', true), '')::uuid)
                         and (u.email = to_email or u.phone = to_phone)));

grant select, insert, update on ticket_transfers to ztic_app;
