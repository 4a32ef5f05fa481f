-- 017_profile.sql — why a pending order closed, and the person's own data.
--
-- close_reason: a pending booking closed before payment says why, so the
-- buyer's booking page can tell them (docs/bookings.md, "Closed on
-- release").  'hold_released': the buyer gave the hold back (DELETE
-- /api/seats/lock, whole or one seat), which closes the order in the same
-- request; a payment that still arrives for it is refunded, never issued.
-- 'hold_expired': cron/expire ended it after the hold and its grace ran out.
alter table bookings add column close_reason text
    check (close_reason in ('hold_released', 'hold_expired'));

-- Sessions the person can see and end (GET /api/auth/sessions): the
-- browser or app that signed in (its User-Agent, at most 200 bytes, as
-- sent) and when the session last refreshed its access token.
alter table refresh_families add column user_agent text
    check (length(user_agent) <= 200);
alter table refresh_families add column last_used_at timestamptz;

-- Account deletion (docs/privacy.md, "Deletion"): the users row stays,
-- pseudonymised (email and phone NULL, name 'deleted user'), because the
-- bookings, tickets and payments that reference it are financial records
-- kept for the law's periods; deleted_at says it is gone and no session
-- may start or refresh for it.  A deleted row needs neither identifier.
alter table users add column deleted_at timestamptz;
alter table users drop constraint users_check;
alter table users add constraint users_identified
    check (email is not null or phone is not null or deleted_at is not null);

-- The Google subject bound to a deleted account is erased.
grant delete on user_identities to ztic_app;

-- Consent records (docs/privacy.md, "Consent"): append only, one row per
-- change, so what the person agreed to and when is provable; the latest
-- row per purpose is the current choice (none: not given).
--   marketing           news and offers from ztic
--   organizer_contact   organizers of events the person booked may write
--                       about their other events
-- Not tenant data (no tenant_id, no row-level security), like users.
create table consents (
    id          uuid primary key default gen_random_uuid(),
    user_id     uuid not null references users (id),
    purpose     text not null check (purpose in ('marketing', 'organizer_contact')),
    granted     boolean not null,
    created_at  timestamptz not null default clock_timestamp()
);

create index consents_user_idx on consents (user_id, purpose, created_at);

grant select, insert on consents to ztic_app;
