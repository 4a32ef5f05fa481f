-- 001_core.sql — the core data model of ztic.
--
-- Applied by sql/ztic-migrate as ztic_owner inside one transaction.
-- Conventions (see docs/schema.md):
--   * uuid keys from gen_random_uuid(); money is bigint paise, never negative;
--     every instant is timestamptz.
--   * every tenant-scoped table carries tenant_id, and children reference
--     their parent through (tenant_id, parent_id) so a row can never point at
--     another tenant's parent: foreign-key checks bypass row-level security,
--     so without the composite key tenant A could attach rows to B's event.
--   * row-level security and its policies live in 002_rls.sql; the grants for
--     ztic_app are at the end of this file.

-- Nobody but the owner creates objects in public, and functions are not
-- executable by PUBLIC unless granted below.
revoke all on schema public from public;
grant usage on schema public to ztic_app;
alter default privileges revoke execute on functions from public;

-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------

-- Keeps updated_at honest without relying on every writer.
create function zt_touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;

-- ---------------------------------------------------------------------------
-- Platform: admins, tenants, users, memberships
-- ---------------------------------------------------------------------------

create table platform_admins (
    id                  uuid primary key default gen_random_uuid(),
    email               text not null unique
                        check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+$'),
    name                text not null default '',
    -- Raw TOTP secret (RFC 6238 key bytes); the admin console decides how
    -- it is provisioned. Readable by the app role only.
    totp_secret         bytea not null check (length(totp_secret) >= 10),
    -- Counter returned by oath_totp_validate3 for the last accepted code;
    -- a code with a counter <= this one is a replay.
    totp_last_counter   bigint not null default -1,
    disabled_at         timestamptz,
    created_at          timestamptz not null default now()
);

-- The platform itself: cron programs that must find work across tenants
-- (expired orders, payouts) set app.admin_id to this row, read across
-- tenants like an admin, and write scoped to one tenant like everyone else.
-- Nobody signs in as it: its TOTP secret is 32 random bytes never shown.
insert into platform_admins (id, email, name, totp_secret)
values ('00000000-0000-4000-8000-000000000001', 'system@ztic.invalid',
        'ztic system (cron)',
        uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- True when the transaction runs on behalf of an enabled platform admin
-- (app.admin_id set with set_config after the admin passed TOTP). Used by
-- the admin read policies and the tenant status guard.
create function zt_admin_session() returns boolean
language sql stable as $$
    select exists (
        select 1 from platform_admins
         where id = nullif(current_setting('app.admin_id', true), '')::uuid
           and disabled_at is null)
$$;

-- A tenant is an organizer: a fest committee, a club, a promoter. Every
-- column here may be shown publicly once the tenant is active (the public
-- read policy exposes whole rows), so anything private lives in
-- tenant_payout_details.
create table tenants (
    id              uuid primary key default gen_random_uuid(),
    slug            text not null unique
                    check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
    name            text not null check (length(name) between 1 and 200),
    institution     text,
    -- {"accent": "#rrggbb", "logoUrl": "https://…", "tagline": "…"}
    branding        jsonb not null default '{}'
                    check (jsonb_typeof(branding) = 'object'),
    -- Public support contact of the organizer, shown on event pages.
    contact_email   text check (contact_email = lower(contact_email)
                                and contact_email ~ '^[^@\s]+@[^@\s]+$'),
    contact_phone   text check (contact_phone ~ '^\+[1-9][0-9]{6,14}$'),
    status          text not null default 'pending'
                    check (status in ('pending', 'active', 'suspended')),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create trigger tenants_touch before update on tenants
    for each row execute function zt_touch_updated_at();

-- Approval and suspension belong to platform admins: an organizer scoped to
-- its own tenant must not be able to activate itself. The owner role (ops,
-- demo seed) may, since it already owns everything.
create function zt_tenants_guard_status() returns trigger
language plpgsql as $$
begin
    if (tg_op = 'INSERT' and new.status <> 'pending')
       or (tg_op = 'UPDATE' and new.status is distinct from old.status) then
        if not zt_admin_session()
           and not pg_has_role(current_user,
                               (select relowner from pg_class where oid = tg_relid),
                               'MEMBER') then
            raise exception 'tenant status may only be changed by a platform admin'
                using errcode = 'insufficient_privilege';
        end if;
    end if;
    return new;
end
$$;

create trigger tenants_guard_status before insert or update on tenants
    for each row execute function zt_tenants_guard_status();

-- Where an organizer's money goes. Tenant-scoped and never public.
create table tenant_payout_details (
    tenant_id           uuid primary key references tenants (id),
    method              text not null check (method in ('upi', 'bank')),
    upi_id              text check (upi_id ~ '^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9.-]{1,63}$'),
    bank_account_name   text,
    bank_account_number text check (bank_account_number ~ '^[0-9]{6,20}$'),
    bank_ifsc           text check (bank_ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
    -- Razorpay Route linked account, once onboarded.
    provider_account_id text,
    updated_at          timestamptz not null default now(),
    check ((method = 'upi' and upi_id is not null)
        or (method = 'bank' and bank_account_name is not null
            and bank_account_number is not null and bank_ifsc is not null))
);

create trigger tenant_payout_details_touch before update on tenant_payout_details
    for each row execute function zt_touch_updated_at();

-- Users are global (one person, many tenants). Writers normalise before
-- insert: email lower-cased and trimmed, phone in E.164; the checks refuse
-- anything else so two spellings can never make two accounts.
create table users (
    id              uuid primary key default gen_random_uuid(),
    email           text unique
                    check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+$'),
    phone           text unique check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name            text not null default '',
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    last_login_at   timestamptz,
    check (email is not null or phone is not null)
);

create trigger users_touch before update on users
    for each row execute function zt_touch_updated_at();

create table memberships (
    tenant_id   uuid not null references tenants (id),
    user_id     uuid not null references users (id),
    role        text not null check (role in ('owner', 'manager', 'scanner')),
    created_at  timestamptz not null default now(),
    primary key (tenant_id, user_id)
);

create index memberships_user_idx on memberships (user_id);

-- ---------------------------------------------------------------------------
-- Catalogue: events, price categories, seats, GA ticket types
-- ---------------------------------------------------------------------------

create table events (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null references tenants (id),
    slug                text not null
                        check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,94}[a-z0-9])?$'),
    title               text not null check (length(title) between 1 and 200),
    description         text not null default '',
    category            text,
    tags                text[] not null default '{}',
    city                text,
    venue_name          text,
    venue_address       text,
    starts_at           timestamptz not null,
    ends_at             timestamptz not null,
    -- An IANA zone name (abbreviations like IST are ambiguous: PostgreSQL
    -- reads IST as Israel); validated by zt_events_before_write().
    timezone            text not null default 'Asia/Kolkata'
                        check (timezone = 'UTC'
                               or timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$'),
    poster_url          text,
    status              text not null default 'draft'
                        check (status in ('draft', 'published', 'cancelled', 'completed')),
    -- Set when first published. A cancelled event stays publicly visible
    -- (so ticket holders can see why) only if it had been published.
    published_at        timestamptz,
    sales_starts_at     timestamptz,
    sales_ends_at       timestamptz,
    -- Most tickets one buyer may hold for this event, all orders together.
    per_user_limit      integer not null default 10
                        check (per_user_limit between 1 and 100),
    -- 'none': no refunds. 'before_start': refundable until
    -- refund_cutoff_hours before starts_at, minus a fee given either as a
    -- flat refund_fee_paise or as refund_fee_bps of the ticket price.
    refund_policy       text not null default 'none'
                        check (refund_policy in ('none', 'before_start')),
    refund_cutoff_hours integer check (refund_cutoff_hours >= 0),
    refund_fee_paise    bigint check (refund_fee_paise >= 0),
    refund_fee_bps      integer check (refund_fee_bps between 0 and 10000),
    layout_kind         text not null default 'ga'
                        check (layout_kind in ('reserved', 'ga', 'hybrid')),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    unique (tenant_id, slug),
    unique (tenant_id, id),
    check (ends_at > starts_at),
    check (sales_ends_at is null or sales_starts_at is null
           or sales_ends_at > sales_starts_at),
    check (status = 'draft' or published_at is not null
           or status = 'cancelled'),
    check ((refund_policy = 'none' and refund_cutoff_hours is null
            and refund_fee_paise is null and refund_fee_bps is null)
        or (refund_policy = 'before_start' and refund_cutoff_hours is not null
            and num_nonnulls(refund_fee_paise, refund_fee_bps) <= 1))
);

create trigger events_touch before update on events
    for each row execute function zt_touch_updated_at();

-- Stamps published_at on first publication, so writers only flip status,
-- and refuses a zone name PostgreSQL does not know.
create function zt_events_before_write() returns trigger
language plpgsql as $$
begin
    perform now() at time zone new.timezone;  -- raises if unknown
    if new.status in ('published', 'completed') and new.published_at is null then
        new.published_at := now();
    end if;
    return new;
end
$$;

create trigger events_before_write before insert or update on events
    for each row execute function zt_events_before_write();

-- The public catalogue: upcoming published events, by city and by tag.
create index events_listing_idx on events (starts_at) where status = 'published';
create index events_city_idx on events (city, starts_at) where status = 'published';
create index events_tags_idx on events using gin (tags);

-- The public predicate, in one place: what anyone may see of an event.
create function zt_event_is_public(p_status text, p_published_at timestamptz)
returns boolean
language sql immutable as $$
    select p_status in ('published', 'completed')
        or (p_status = 'cancelled' and p_published_at is not null)
$$;

create table price_categories (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    event_id    uuid not null,
    name        text not null check (length(name) between 1 and 100),
    price_paise bigint not null check (price_paise >= 0),
    colour      text not null default '#888888' check (colour ~ '^#[0-9a-fA-F]{6}$'),
    sort_order  integer not null default 0,
    unique (event_id, name),
    unique (event_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);

-- A flat seat table: section and row are labels. x/y are the seat centre in
-- layout units (1 unit = one seat pitch, origin top-left, stage above y=0).
create table seats (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null,
    event_id            uuid not null,
    section             text not null default '',
    row_label           text not null,
    seat_label          text not null,
    x                   real not null,
    y                   real not null,
    price_category_id   uuid not null,
    -- Not for sale (camera position, sound desk, house seats).
    blocked             boolean not null default false,
    accessible          boolean not null default false,
    unique (event_id, section, row_label, seat_label),
    unique (event_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade,
    -- Same event, so a seat can never be priced by another event's category.
    foreign key (event_id, price_category_id)
        references price_categories (event_id, id)
);

-- General admission. sold counts units committed by confirmed orders and is
-- moved only by a guarded UPDATE (docs/schema.md); the CHECK makes an
-- oversell an error even when a writer forgets the guard.
create table ticket_types (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid not null,
    event_id        uuid not null,
    name            text not null check (length(name) between 1 and 100),
    description     text not null default '',
    price_paise     bigint not null check (price_paise >= 0),
    capacity        integer not null check (capacity > 0),
    sold            integer not null default 0 check (sold >= 0),
    sales_starts_at timestamptz,
    sales_ends_at   timestamptz,
    per_order_limit integer not null default 10 check (per_order_limit > 0),
    sort_order      integer not null default 0,
    created_at      timestamptz not null default now(),
    check (sold <= capacity),
    check (sales_ends_at is null or sales_starts_at is null
           or sales_ends_at > sales_starts_at),
    unique (event_id, name),
    unique (event_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);

-- ---------------------------------------------------------------------------
-- Orders: bookings, tickets, payments, refunds, payouts, check-ins
-- ---------------------------------------------------------------------------

create table bookings (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid not null,
    event_id        uuid not null,
    user_id         uuid not null references users (id),
    status          text not null default 'pending'
                    check (status in ('pending', 'confirmed', 'expired',
                                      'cancelled', 'refunded')),
    subtotal_paise  bigint not null default 0 check (subtotal_paise >= 0),
    fee_paise       bigint not null default 0 check (fee_paise >= 0),
    tax_paise       bigint not null default 0 check (tax_paise >= 0),
    total_paise     bigint not null default 0 check (total_paise >= 0),
    currency        text not null default 'INR' check (currency = 'INR'),
    -- The Redis hold this order was made from (zt:{ev:<event>}:hold:<id>).
    hold_id         text,
    -- A pending booking not paid by then is expired by the cron sweeper.
    expires_at      timestamptz,
    -- Buyer details as given at checkout, so organizer views never need to
    -- read the global users table.
    buyer_name      text,
    buyer_email     text,
    buyer_phone     text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    confirmed_at    timestamptz,
    cancelled_at    timestamptz,
    check (total_paise = subtotal_paise + fee_paise + tax_paise),
    check (status <> 'confirmed' or confirmed_at is not null),
    check (status <> 'pending' or expires_at is not null),
    unique (tenant_id, id),
    unique (id, event_id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
);

create trigger bookings_touch before update on bookings
    for each row execute function zt_touch_updated_at();

create index bookings_user_idx on bookings (user_id, created_at);
create index bookings_event_idx on bookings (event_id, status);
create index bookings_pending_expiry_idx on bookings (expires_at)
    where status = 'pending';
-- One open order per hold: a retried POST /api/bookings finds the first one.
create unique index bookings_open_hold_idx on bookings (event_id, hold_id)
    where hold_id is not null and status in ('pending', 'confirmed');

create table tickets (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid not null,
    event_id        uuid not null,
    booking_id      uuid not null,
    -- Holder of the ticket: the buyer when issued (copy bookings.user_id).
    user_id         uuid not null references users (id),
    seat_id         uuid,
    ticket_type_id  uuid,
    price_paise     bigint not null check (price_paise >= 0),
    status          text not null default 'live'
                    check (status in ('live', 'cancelled', 'refunded')),
    checked_in_at   timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    check (num_nonnulls(seat_id, ticket_type_id) = 1),
    unique (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id),
    foreign key (tenant_id, booking_id) references bookings (tenant_id, id),
    -- The ticket's event is its booking's event, its seat's event, its
    -- ticket type's event.
    foreign key (booking_id, event_id) references bookings (id, event_id),
    foreign key (event_id, seat_id) references seats (event_id, id),
    foreign key (event_id, ticket_type_id) references ticket_types (event_id, id)
);

create trigger tickets_touch before update on tickets
    for each row execute function zt_touch_updated_at();

-- THE oversell guard for reserved seating: one live ticket per seat, ever,
-- whatever Redis believes.
create unique index tickets_live_seat_idx on tickets (event_id, seat_id)
    where status = 'live' and seat_id is not null;
create index tickets_booking_idx on tickets (booking_id);
create index tickets_user_idx on tickets (user_id);
create index tickets_ticket_type_idx on tickets (ticket_type_id)
    where ticket_type_id is not null;

-- One row per provider payment attempt. A booking gets a row with the
-- provider order at checkout; provider_payment_id arrives with the payment.
-- A second capture on the same order gets its own row (and is refunded).
create table payments (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null,
    booking_id          uuid not null,
    provider            text not null default 'razorpay'
                        check (provider in ('razorpay')),
    provider_order_id   text,
    provider_payment_id text,
    status              text not null default 'created'
                        check (status in ('created', 'authorized', 'captured',
                                          'failed', 'refunded')),
    amount_paise        bigint not null check (amount_paise >= 0),
    -- Sum of refunds issued against this payment; moved by a guarded UPDATE
    -- like ticket_types.sold so refunds can never exceed the payment.
    refunded_paise      bigint not null default 0,
    currency            text not null default 'INR' check (currency = 'INR'),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    captured_at         timestamptz,
    check (refunded_paise between 0 and amount_paise),
    unique (provider, provider_payment_id),
    unique (tenant_id, id),
    foreign key (tenant_id, booking_id) references bookings (tenant_id, id)
);

create trigger payments_touch before update on payments
    for each row execute function zt_touch_updated_at();

create index payments_booking_idx on payments (booking_id);
create index payments_order_idx on payments (provider, provider_order_id);

create table refunds (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null,
    payment_id          uuid not null,
    amount_paise        bigint not null check (amount_paise > 0),
    status              text not null default 'pending'
                        check (status in ('pending', 'processed', 'failed')),
    provider_refund_id  text unique,
    -- Sent as X-Refund-Idempotency; unique so a retried refund is one refund.
    idempotency_key     text not null unique,
    reason              text not null default '',
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    processed_at        timestamptz,
    unique (tenant_id, id),
    foreign key (tenant_id, payment_id) references payments (tenant_id, id)
);

create trigger refunds_touch before update on refunds
    for each row execute function zt_touch_updated_at();

create index refunds_payment_idx on refunds (payment_id);

-- Settlement of one event to its organizer: net = gross - refunds - fees.
create table payouts (
    id                      uuid primary key default gen_random_uuid(),
    tenant_id               uuid not null,
    event_id                uuid not null,
    gross_paise             bigint not null check (gross_paise >= 0),
    refunds_paise           bigint not null default 0 check (refunds_paise >= 0),
    fees_paise              bigint not null default 0 check (fees_paise >= 0),
    net_paise               bigint not null check (net_paise >= 0),
    status                  text not null default 'pending'
                            check (status in ('pending', 'processing', 'paid', 'failed')),
    provider_transfer_id    text unique,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    paid_at                 timestamptz,
    check (net_paise = gross_paise - refunds_paise - fees_paise),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
);

create trigger payouts_touch before update on payouts
    for each row execute function zt_touch_updated_at();

-- At most one live payout per event; a failed one may be retried.
create unique index payouts_event_idx on payouts (event_id)
    where status <> 'failed';

-- Every scan at a gate. 'admitted' happens at most once per ticket (the
-- partial unique index); later scans of the same ticket are 'duplicate'.
create table checkins (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    ticket_id   uuid not null,
    scanned_by  uuid references users (id),
    at          timestamptz not null default now(),
    gate        text not null default '',
    result      text not null default 'admitted'
                check (result in ('admitted', 'duplicate')),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id)
);

create unique index checkins_admitted_idx on checkins (ticket_id)
    where result = 'admitted';

-- Append-only (ztic_app may only SELECT and INSERT). tenant_id is null for
-- platform-level actions, which only admin sessions see.
create table audit_log (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid references tenants (id),
    actor_user_id   uuid references users (id),
    actor_admin_id  uuid references platform_admins (id),
    action          text not null,
    target          text not null default '',
    details         jsonb not null default '{}',
    at              timestamptz not null default now()
);

create index audit_log_tenant_idx on audit_log (tenant_id, at);

-- ---------------------------------------------------------------------------
-- Sessions and sign-in (global, no tenant_id, no RLS: see docs/schema.md)
-- ---------------------------------------------------------------------------

-- One family per login; rotating a token keeps the family. Reusing a rotated
-- token (outside the grace window) revokes the whole family.
create table refresh_families (
    id                  uuid primary key default gen_random_uuid(),
    user_id             uuid not null references users (id) on delete cascade,
    active_tenant_id    uuid references tenants (id),
    created_at          timestamptz not null default now(),
    -- Absolute end of the login, however often it is refreshed.
    expires_at          timestamptz not null,
    revoked_at          timestamptz,
    check (expires_at > created_at)
);

create index refresh_families_user_idx on refresh_families (user_id);

create table refresh_tokens (
    id          uuid primary key default gen_random_uuid(),
    family_id   uuid not null references refresh_families (id) on delete cascade,
    -- Keyed BLAKE2b-256 of the 32 random bytes given to the client.
    token_hash  bytea not null unique check (length(token_hash) = 32),
    parent_id   uuid references refresh_tokens (id) on delete cascade,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    -- When this token was exchanged, and for what: a repeat within the grace
    -- window (a racing tab) answers with the successor instead of revoking.
    rotated_at  timestamptz,
    successor_id uuid references refresh_tokens (id) on delete set null
);

create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_expiry_idx on refresh_tokens (expires_at);

create table otp_challenges (
    id          uuid primary key default gen_random_uuid(),
    channel     text not null check (channel in ('email', 'sms', 'whatsapp')),
    -- Normalised like users.email / users.phone.
    identifier  text not null,
    -- Keyed HMAC-SHA256 of the code (ZT_OTP_PEPPER).
    code_hash   bytea not null check (length(code_hash) = 32),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    attempts    integer not null default 0 check (attempts >= 0),
    consumed_at timestamptz,
    check (expires_at > created_at)
);

create index otp_challenges_identifier_idx on otp_challenges (identifier, created_at);
create index otp_challenges_expiry_idx on otp_challenges (expires_at);

-- Provider callbacks seen so far: a replayed event id changes nothing.
create table webhook_events (
    id                  uuid primary key default gen_random_uuid(),
    provider            text not null,
    provider_event_id   text not null,
    event_type          text,
    received_at         timestamptz not null default now(),
    processed_at        timestamptz,
    payload             jsonb not null,
    unique (provider, provider_event_id)
);

-- Messages to send, written in the same transaction as the change that
-- causes them, sent by the cron outbox sender with retries and backoff.
create table outbox (
    id              uuid primary key default gen_random_uuid(),
    channel         text not null check (channel in ('email', 'sms', 'whatsapp')),
    recipient       text not null,
    -- {"template": "booking.confirmed", ...template data}
    payload         jsonb not null check (jsonb_typeof(payload) = 'object'),
    attempts        integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    created_at      timestamptz not null default now(),
    sent_at         timestamptz,
    last_error      text
);

create index outbox_due_idx on outbox (next_attempt_at) where sent_at is null;

-- ---------------------------------------------------------------------------
-- Order confirmation check
-- ---------------------------------------------------------------------------

-- Raises unless booking p_booking_id adds up: total = subtotal + fee + tax,
-- subtotal = sum of its live ticket prices, and it has at least one live
-- ticket. Reads under the caller's row-level security, so call it with
-- app.tenant_id set to the booking's tenant (the confirming transaction has
-- it set anyway). Runs automatically at COMMIT of any transaction that
-- confirms a booking (deferred constraint triggers below); writers may call
-- it earlier to fail fast.
create function zt_booking_verify_totals(p_booking_id uuid) returns void
language plpgsql stable as $$
declare
    b       record;
    n_live  bigint;
    s_live  bigint;
begin
    select subtotal_paise, fee_paise, tax_paise, total_paise
      into b from bookings where id = p_booking_id;
    if not found then
        raise exception 'booking % not found (is app.tenant_id set?)', p_booking_id
            using errcode = 'no_data_found';
    end if;
    if b.total_paise <> b.subtotal_paise + b.fee_paise + b.tax_paise then
        raise exception 'booking % total % is not subtotal % + fee % + tax %',
            p_booking_id, b.total_paise, b.subtotal_paise, b.fee_paise, b.tax_paise
            using errcode = 'check_violation';
    end if;
    select count(*), coalesce(sum(price_paise), 0) into n_live, s_live
      from tickets where booking_id = p_booking_id and status = 'live';
    if n_live = 0 then
        raise exception 'booking % has no live tickets', p_booking_id
            using errcode = 'check_violation';
    end if;
    if s_live <> b.subtotal_paise then
        raise exception 'booking % subtotal % is not the sum % of its % live tickets',
            p_booking_id, b.subtotal_paise, s_live, n_live
            using errcode = 'check_violation';
    end if;
end
$$;

create function zt_bookings_verify_on_confirm() returns trigger
language plpgsql as $$
begin
    perform zt_booking_verify_totals(new.id);
    return null;
end
$$;

-- Deferred to COMMIT so the confirming transaction may insert tickets and
-- flip the status in either order.
create constraint trigger bookings_verify_confirm_insert
    after insert on bookings deferrable initially deferred
    for each row when (new.status = 'confirmed')
    execute function zt_bookings_verify_on_confirm();

create constraint trigger bookings_verify_confirm_update
    after update on bookings deferrable initially deferred
    for each row when (new.status = 'confirmed' and old.status <> 'confirmed')
    execute function zt_bookings_verify_on_confirm();

-- ---------------------------------------------------------------------------
-- Grants for the application role (it owns nothing)
-- ---------------------------------------------------------------------------

grant select, update on platform_admins to ztic_app;
grant select, insert, update on tenants to ztic_app;
grant select, insert, update, delete on tenant_payout_details to ztic_app;
grant select, insert, update on users to ztic_app;
grant select, insert, update, delete on memberships to ztic_app;
grant select, insert, update, delete on events, price_categories, seats,
    ticket_types to ztic_app;
grant select, insert, update on bookings, tickets, payments, refunds,
    payouts to ztic_app;
grant select, insert on checkins, audit_log to ztic_app;
grant select, insert, update, delete on refresh_families, refresh_tokens,
    otp_challenges, webhook_events, outbox to ztic_app;

grant execute on function zt_admin_session() to ztic_app;
grant execute on function zt_event_is_public(text, timestamptz) to ztic_app;
grant execute on function zt_booking_verify_totals(uuid) to ztic_app;
