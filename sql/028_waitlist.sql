-- 028_waitlist.sql — waiting lists of sold-out ticket types and price
-- categories (docs/commerce.md, "Waiting list").
--
--   waitlist_entries  one person in the line of one list: a GA ticket type
--                     (ticket_type_id) or a seated price category
--                     (price_category_id) of an event, with the quantity
--                     wanted.  seq orders the line (first come, first
--                     offered).  status moves waiting → offered → booked |
--                     expired, or waiting | offered → left (the person left
--                     the list) or cancelled (the organizer removed it).
--                     An offer is a Redis hold of the person (hold_id,
--                     lib/zt_hold.c) until offer_expires_at; offered_seats
--                     / offered_quantity say what it held.
--
-- One live entry per person per list: the partial unique index below (a
-- second join is 409, and a person may join again after an offer expired
-- or they left).  Row-level security: tenant_isolation + admin_read like
-- every tenant table, and buyer_read so a person reads their own entries
-- in the user scope.  Buyers write in the event's tenant scope acting as
-- themselves (lib/zt_waitlist.c), like ticket transfers.

create table waitlist_entries (
    id                  uuid primary key default gen_random_uuid(),
    seq                 bigint generated always as identity,
    tenant_id           uuid not null,
    event_id            uuid not null,
    ticket_type_id      uuid,
    price_category_id   uuid,
    user_id             uuid not null references users (id),
    quantity            integer not null check (quantity between 1 and 100),
    status              text not null default 'waiting'
                        check (status in ('waiting', 'offered', 'booked',
                                          'expired', 'left', 'cancelled')),
    hold_id             text,
    offered_at          timestamptz,
    offer_expires_at    timestamptz,
    offered_seats       uuid[],
    offered_quantity    integer,
    -- the organizer's member who offered by hand; NULL: the cron's offer
    offered_by          uuid references users (id),
    offers              integer not null default 0,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    check ((ticket_type_id is null) <> (price_category_id is null)),
    check (status <> 'offered'
           or (hold_id is not null and offer_expires_at is not null)),
    unique (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade,
    foreign key (event_id, ticket_type_id)
        references ticket_types (event_id, id) on delete cascade,
    foreign key (event_id, price_category_id)
        references price_categories (event_id, id) on delete cascade
);
create unique index waitlist_entries_one_per_person on waitlist_entries
    (event_id, coalesce(ticket_type_id, price_category_id), user_id)
    where status in ('waiting', 'offered');
create index waitlist_entries_line on waitlist_entries (event_id, seq)
    where status in ('waiting', 'offered');
create index waitlist_entries_user on waitlist_entries (user_id);

select zt_apply_tenant_rls('waitlist_entries');
alter policy tenant_isolation on waitlist_entries
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy buyer_read on waitlist_entries for select
    using (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid));

grant select, insert, update on waitlist_entries to ztic_app;
