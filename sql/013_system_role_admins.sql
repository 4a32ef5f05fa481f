-- 013_system_role_admins.sql — the system scope belongs to its own role;
-- platform admins sign in with a one-time code and TOTP (docs/admin.md).
--
-- Until now every program connected as ztic_app, and a transaction that set
-- app.admin_id to an enabled platform admin (the cron row of 001 is one,
-- with a well-known id) read every tenant: row-level security was only as
-- strong as the absence of SQL injection in the attendee and organizer
-- responders (issue #19). Now:
--
--   * ztic_system is a login role of its own, a member of ztic_app (so it
--     may do all the app does) with the platform's tables on top. The cron
--     programs that find work across tenants (ztic-expire, ztic-refunds),
--     the webhooks responder and the admin responder connect as it
--     (ZT_PG_SYSTEM_DSN, docs/operations.md); the attendee and organizer
--     responders keep ztic_app and never get that connection string.
--     scripts/dev creates the role (CREATE ROLE needs a superuser, the
--     migrations run as the owner); this migration checks it is there.
--   * zt_admin_session() is true only for a role that is ztic_system (or a
--     member of it) or the owner of the tables (ops, seeds, which may switch
--     row-level security off anyway). For ztic_app, setting app.admin_id
--     changes nothing: every admin_read policy, the admin insert of
--     audit_log and the tenant status guard answer as without it.
--   * ztic_app loses every privilege on platform_admins (it could read and
--     update totp_secret). The one step a web responder needed from the
--     system scope, the dev stack approving a new organization at once,
--     is zt_tenant_auto_approve(): SECURITY DEFINER with a fixed
--     search_path, it activates only the pending tenant already in the
--     transaction's tenant scope, and only when platform_settings says so
--     (scripts/dev sets it on the dev stack, never elsewhere).
--   * A suspended tenant's events leave the catalogue and take no holds,
--     but their ticket holders still see them (ticket_holder_read).

do $$
begin
    if not exists (select from pg_roles where rolname = 'ztic_system') then
        raise exception 'role ztic_system is missing: create it first '
            '(scripts/dev does; production: docs/operations.md, "Database roles")';
    end if;
    if not pg_has_role('ztic_system', 'ztic_app', 'USAGE') then
        raise exception 'ztic_system must be a member of ztic_app '
            '(GRANT ztic_app TO ztic_system, docs/operations.md)';
    end if;
    if (select rolbypassrls or rolsuper from pg_roles where rolname = 'ztic_system') then
        raise exception 'ztic_system must not bypass row-level security';
    end if;
end
$$;

-- ---------------------------------------------------------------------------
-- The admin session: only for the system role (and the owner)
-- ---------------------------------------------------------------------------

-- True exactly when app.admin_id names an enabled, enrolled platform admin
-- and the current role is ztic_system (or a member of it) or the owner of
-- platform_admins. The role test comes first: for ztic_app no query runs.
create or replace function zt_admin_session() returns boolean
language plpgsql stable as $$
declare
    v text := current_setting('app.admin_id', true);
begin
    if v is null or v = '' then
        return false;
    end if;
    if not (pg_has_role(current_user, 'ztic_system', 'USAGE')
            or pg_has_role(current_user,
                           (select relowner from pg_class
                             where oid = 'public.platform_admins'::regclass),
                           'USAGE')) then
        return false;
    end if;
    return exists (select 1 from platform_admins
                    where id = v::uuid and disabled_at is null
                      and enrolled_at is not null);
end
$$;

-- ---------------------------------------------------------------------------
-- Platform admins: enrolment, lockout, sealed TOTP secrets
-- ---------------------------------------------------------------------------

-- totp_secret now holds the secret sealed with ZT_ADMIN_MASTER_KEY
-- (libsodium secretbox: 24-byte nonce || ciphertext, lib/zt_admin.c);
-- null until the invitee has started enrolment.
alter table platform_admins alter column totp_secret drop not null;
alter table platform_admins
    -- the second consecutive TOTP code was confirmed: the admin may sign in
    add column enrolled_at      timestamptz,
    add column invited_by       uuid references platform_admins (id),
    -- failed second factors in a row; at ZT_ADMIN_MAX_FAILS, locked_until
    add column failed_attempts  integer not null default 0 check (failed_attempts >= 0),
    add column locked_until     timestamptz,
    -- enrolment: the counter of the first confirmed code (the second must
    -- be the next step)
    add column enrol_counter    bigint;

-- The cron row of 001 is enrolled (it acts, it never signs in: its secret
-- is raw random bytes no key opens). Nobody else exists yet.
update platform_admins set enrolled_at = created_at;

-- Admin sessions: a random token in an HttpOnly cookie at /api/admin/;
-- only its keyed hash is stored. 30 minutes idle, 8 hours absolute
-- (ZT_ADMIN_IDLE, ZT_ADMIN_MAX_AGE); every request re-reads the admin.
create table admin_sessions (
    id              uuid primary key default gen_random_uuid(),
    admin_id        uuid not null references platform_admins (id),
    token_hash      bytea not null unique check (length(token_hash) = 32),
    created_at      timestamptz not null default now(),
    last_seen_at    timestamptz not null default now(),
    expires_at      timestamptz not null,
    ended_at        timestamptz,
    -- 'enrol': may only finish enrolment; 'full': the console
    kind            text not null default 'full' check (kind in ('enrol', 'full'))
);

create index admin_sessions_admin_idx on admin_sessions (admin_id);

-- Enrolment links: the invitation token's keyed hash, one use.
create table admin_invitations (
    id              uuid primary key default gen_random_uuid(),
    admin_id        uuid not null references platform_admins (id),
    token_hash      bytea not null unique check (length(token_hash) = 32),
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    used_at         timestamptz
);

-- ---------------------------------------------------------------------------
-- Tenants: rejection, and the dev stack's automatic approval
-- ---------------------------------------------------------------------------

alter table tenants drop constraint tenants_status_check;
alter table tenants add constraint tenants_status_check
    check (status in ('pending', 'active', 'suspended', 'rejected'));

-- A suspended tenant's events leave the catalogue (public_read wants an
-- active tenant), but the people who bought tickets keep seeing the event
-- of their bookings: paid bookings stay valid. plpgsql like 005's helpers
-- (planned once, runs only when the arms before it did not decide; the
-- policy's name sorts it after public_read and tenant_isolation).
create function zt_event_booked_by_user(p_event uuid) returns boolean
language plpgsql stable as $$
declare
    v text := current_setting('app.user_id', true);
begin
    if v is null or v = '' then
        return false;
    end if;
    return exists (select 1 from bookings b
                    where b.event_id = p_event and b.user_id = v::uuid
                      and b.status in ('confirmed', 'refunded'));
end
$$;

grant execute on function zt_event_booked_by_user(uuid) to ztic_app;

create policy ticket_holder_read on events for select
    using (zt_event_booked_by_user(id));

-- Platform-wide switches, one row; the owner sets them (scripts/dev on the
-- dev stack), no application role may.
create table platform_settings (
    one                     boolean primary key default true check (one),
    auto_approve_tenants    boolean not null default false
);
insert into platform_settings default values;

-- Activate the pending tenant p_tenant when the platform approves new
-- organizations at once (the dev stack). Runs as the owner, so the status
-- guard lets it through; row-level security still applies (tables are
-- FORCEd), so only the tenant in the caller's app.tenant_id scope can be
-- touched. True when it was activated.
create function zt_tenant_auto_approve(p_tenant uuid) returns boolean
language plpgsql security definer
set search_path = pg_catalog, public, pg_temp as $$
begin
    if not (select auto_approve_tenants from public.platform_settings) then
        return false;
    end if;
    update public.tenants set status = 'active'
     where id = p_tenant and status = 'pending'
       and id = nullif(current_setting('app.tenant_id', true), '')::uuid;
    return found;
end
$$;

revoke all on function zt_tenant_auto_approve(uuid) from public;
grant execute on function zt_tenant_auto_approve(uuid) to ztic_app;

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------

revoke all on platform_admins from ztic_app;
grant select, insert, update on platform_admins to ztic_system;
grant select, insert, update, delete on admin_sessions, admin_invitations
    to ztic_system;
grant select on platform_settings to ztic_system;
