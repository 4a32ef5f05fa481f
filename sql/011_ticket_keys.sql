-- 011_ticket_keys.sql — Ed25519 keys that sign tickets' QR payloads.
--
-- Each tenant signs its tickets with its own Ed25519 key (docs/tickets.md).
-- A row per key: kid (a random 32-bit number, unique per tenant, carried in
-- every payload), the public key, and the 32-byte seed sealed with
-- XChaCha20-Poly1305 under ZT_TICKET_MASTER_KEY (associated data: tenant id
-- and kid), so a copy of the database signs nothing.
--
-- status: one 'active' key per tenant signs; 'retired' keys (rotated away)
-- still verify the payloads they signed; 'revoked' keys verify nothing.
--
-- Row-level security:
--   * tenant_isolation + admin_read (zt_apply_tenant_rls): the team lists,
--     rotates and revokes its keys.
--   * signer_read / signer_insert: a signed-in buyer reading their booking
--     (app.user_id, no tenant) sees, and may create the first, key of a
--     tenant they hold a ticket of: the booking answer signs there.
--
-- Column privileges: ztic_app may not SELECT secret_box.  The one reader is
-- zt_ticket_signing_key(), SECURITY DEFINER but bound by the caller's row
-- policies (FORCE row level security binds the owner too), which returns
-- the sealed seed of the active key of a tenant the caller may see.  A SQL
-- injection that reads tables reads public keys only.

create table ticket_keys (
    tenant_id   uuid not null references tenants (id),
    kid         bigint not null check (kid between 1 and 4294967295),
    public_key  bytea not null check (length(public_key) = 32),
    -- nonce (24) || ciphertext of the seed (32) || tag (16)
    secret_box  bytea not null check (length(secret_box) = 72),
    status      text not null default 'active'
                check (status in ('active', 'retired', 'revoked')),
    created_at  timestamptz not null default now(),
    retired_at  timestamptz,
    revoked_at  timestamptz,
    primary key (tenant_id, kid),
    check ((status = 'revoked') = (revoked_at is not null))
);

-- one signing key per tenant: two first signings race, one row wins
create unique index ticket_keys_active_idx on ticket_keys (tenant_id)
    where status = 'active';

select zt_apply_tenant_rls('ticket_keys');
alter policy tenant_isolation on ticket_keys
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

create policy signer_read on ticket_keys for select
    using (exists (
        select 1 from tickets t
         where t.tenant_id = ticket_keys.tenant_id
           and t.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)));

create policy signer_insert on ticket_keys for insert
    with check (status = 'active' and exists (
        select 1 from tickets t
         where t.tenant_id = ticket_keys.tenant_id
           and t.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)));

-- The sealed seed of p_tenant's active key, as the caller's policies allow
-- (no row: none, or not the caller's to see).
create function zt_ticket_signing_key(p_tenant uuid)
returns table (kid bigint, secret_box bytea)
language sql stable security definer set search_path = public as $$
    select k.kid, k.secret_box from ticket_keys k
     where k.tenant_id = p_tenant and k.status = 'active'
$$;
revoke all on function zt_ticket_signing_key(uuid) from public;
grant execute on function zt_ticket_signing_key(uuid) to ztic_app;

-- never deleted: a revoked key is the record of what no longer verifies
grant select (tenant_id, kid, public_key, status, created_at, retired_at,
              revoked_at) on ticket_keys to ztic_app;
grant insert (tenant_id, kid, public_key, secret_box, status) on ticket_keys
    to ztic_app;
grant update (status, retired_at, revoked_at) on ticket_keys to ztic_app;
