-- 020_api_tokens_webhooks.sql — organizer API tokens and outgoing webhooks
-- (docs/api-tokens.md, docs/webhooks.md).
--
--   api_tokens          named tokens of a tenant with scopes and an optional
--                       expiry; only a keyed hash of the secret is stored
--                       (HMAC-SHA256, key derived from ZT_TOKEN_PEPPER)
--   webhook_endpoints   HTTPS endpoints an owner registered for event types,
--                       with their signing secret (and the previous one
--                       during a rotation)
--   webhook_deliveries  one row per (event, endpoint): written in the same
--                       transaction as the change (the outbox pattern),
--                       sent by cron/webhooks with retries and backoff
--   webhook_attempts    the delivery log: one row per try (status, time,
--                       the first bytes of the answer)
--
-- Row-level security: tenant_isolation + admin_read (zt_apply_tenant_rls)
-- on the four tables.  apitoken_read lets the request that presents a
-- token (app.apitoken_id, set before anyone is known) see and touch that
-- one row, to compare the hash and note the last use.

create table api_tokens (
    id            uuid primary key default gen_random_uuid(),
    tenant_id     uuid not null references tenants (id),
    name          text not null check (length(name) between 1 and 80),
    -- "zt_live_" and the first characters of the secret, for lists
    prefix        text not null check (length(prefix) between 8 and 24),
    token_hash    bytea not null unique check (length(token_hash) = 32),
    scopes        text[] not null
                  check (cardinality(scopes) between 1 and 5
                         and scopes <@ array['events:read', 'events:write',
                             'orders:read', 'refunds', 'checkin']::text[]),
    created_by    uuid not null references users (id),
    created_at    timestamptz not null default now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoked_by    uuid references users (id),
    check (expires_at is null or expires_at > created_at),
    check ((revoked_at is null) = (revoked_by is null))
);
create index api_tokens_tenant_idx on api_tokens (tenant_id, created_at);

select zt_apply_tenant_rls('api_tokens');
alter policy tenant_isolation on api_tokens
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy apitoken_read on api_tokens for select
    using (id = (select nullif(current_setting('app.apitoken_id', true), '')::uuid));
create policy apitoken_touch on api_tokens for update
    using (id = (select nullif(current_setting('app.apitoken_id', true), '')::uuid))
    with check (id = (select nullif(current_setting('app.apitoken_id', true), '')::uuid));

-- never deleted: a revoked token stays as the record
grant select, insert on api_tokens to ztic_app;
grant update (last_used_at, revoked_at, revoked_by) on api_tokens to ztic_app;

create table webhook_endpoints (
    id               uuid primary key default gen_random_uuid(),
    tenant_id        uuid not null references tenants (id),
    url              text not null check (length(url) between 9 and 2048
                                          and url ~ '^https?://'),
    events           text[] not null
                     check (cardinality(events) between 1 and 7
                            and events <@ array['booking.confirmed',
                                'booking.refunded', 'ticket.checked_in',
                                'ticket.transferred', 'event.published',
                                'event.cancelled', 'payout.paid']::text[]),
    description      text not null default ''
                     check (length(description) <= 200),
    secret           text not null check (length(secret) between 32 and 80),
    -- the secret before the last rotation, still signing until
    -- prev_until (receivers accept either during the overlap)
    prev_secret      text check (length(prev_secret) between 32 and 80),
    prev_until       timestamptz,
    status           text not null default 'active'
                     check (status in ('active', 'disabled')),
    -- first failure of the current run of failures (null: last try ok)
    failing_since    timestamptz,
    disabled_at      timestamptz,
    disabled_reason  text,
    created_by       uuid not null references users (id),
    created_at       timestamptz not null default now(),
    deleted_at       timestamptz,
    unique (tenant_id, id)
);
create index webhook_endpoints_tenant_idx on webhook_endpoints (tenant_id)
    where deleted_at is null;

create table webhook_deliveries (
    id               uuid primary key default gen_random_uuid(),
    tenant_id        uuid not null,
    endpoint_id      uuid not null,
    event_type       text not null,
    -- the exact body sent (and signed), the same on every try
    body             text not null,
    status           text not null default 'pending'
                     check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    -- tries stop after this (24 hours; a redelivery starts a new window)
    retry_until      timestamptz not null default now() + interval '24 hours',
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    last_status      integer,
    last_error       text,
    foreign key (tenant_id, endpoint_id)
        references webhook_endpoints (tenant_id, id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at)
    where status = 'pending';
create index webhook_deliveries_endpoint_idx
    on webhook_deliveries (endpoint_id, created_at);

create table webhook_attempts (
    id               bigserial primary key,
    tenant_id        uuid not null,
    delivery_id      uuid not null references webhook_deliveries (id),
    at               timestamptz not null default now(),
    http_status      integer,
    duration_ms      integer not null,
    -- at most 256 bytes of the answer, printable ASCII
    response_prefix  text not null default ''
                     check (length(response_prefix) <= 256),
    error            text
);
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id, at);

select zt_apply_tenant_rls('webhook_endpoints');
select zt_apply_tenant_rls('webhook_deliveries');
select zt_apply_tenant_rls('webhook_attempts');
alter policy tenant_isolation on webhook_endpoints
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
alter policy tenant_isolation on webhook_deliveries
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
alter policy tenant_isolation on webhook_attempts
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

grant select, insert, update on webhook_endpoints, webhook_deliveries
    to ztic_app;
grant select, insert on webhook_attempts to ztic_app;
grant usage on sequence webhook_attempts_id_seq to ztic_app;
