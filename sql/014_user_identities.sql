-- 014_user_identities.sql — accounts at outside identity providers.
--
-- Sign in with Google (docs/auth.md, "Sign in with Google") finds the user
-- by the provider's subject (`sub`, stable for the life of the Google
-- account) before it looks at the email: the email of a Google account can
-- change, and a subject already bound to a user wins over an email that
-- now names another user.  The first sign-in binds the subject to the user
-- with the token's verified email (found or created).
--
-- Like users and refresh_families, this table is global (no tenant_id) and
-- has no row-level security: the auth responder reads it by subject before
-- anyone is known, and organizer views never join it.

create table user_identities (
    provider        text not null check (provider in ('google')),
    subject         text not null check (length(subject) between 1 and 255),
    user_id         uuid not null references users (id) on delete cascade,
    -- the email the provider gave at the last sign-in (informational: the
    -- account's own email is users.email)
    email           text not null default '',
    created_at      timestamptz not null default now(),
    last_login_at   timestamptz not null default now(),
    primary key (provider, subject)
);

create index user_identities_user_idx on user_identities (user_id);

grant select, insert, update on user_identities to ztic_app;
