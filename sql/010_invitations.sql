-- 010_invitations.sql — team invitations that wait for the invitee.
--
-- Inviting someone to a team used to find or create their user row and add
-- the membership at once, answering with that row (phone, name): any
-- self-onboarded owner could look up every user by email or phone
-- (issue #16, item 2). An invitation now only records what the inviter
-- typed; nothing about the invitee's account is read or written until the
-- invitee, signed in with that very email or phone, accepts it
-- (docs/organizers.md, "Invitations").
--
-- The link in the message carries a token: the invitation id and 32 random
-- bytes. Only a keyed BLAKE2b hash of it is stored (key derived from
-- ZT_TOKEN_PEPPER), so a copy of the database cannot accept invitations.
--
-- Row-level security:
--   * tenant_isolation + admin_read (zt_apply_tenant_rls): the team lists,
--     creates and revokes its own invitations; writes always go through
--     tenant_isolation, accepting included (scoped to the invitation's
--     tenant once the invitee is checked).
--   * invitee_read: a signed-in user sees the invitations addressed to the
--     email or phone of their own account (users rows hold only identifiers
--     verified by a one-time code).
--   * token_read: the request that holds a token sees the one invitation
--     the token names (app.invitation_id), to compare the hash and tell
--     "not yours" (403) from "no such invitation" (404).

create table invitations (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null references tenants (id),
    -- what the inviter typed (trimmed), and its normalised form: a
    -- lower-case email or an E.164 phone, compared with users.email/phone
    identifier_typed    text not null check (length(identifier_typed) between 1 and 254),
    identifier          text not null
                        check ((identifier = lower(identifier)
                                and identifier ~ '^[^@\s]+@[^@\s]+$')
                               or identifier ~ '^\+[1-9][0-9]{6,14}$'),
    channel             text not null check (channel in ('email', 'sms')),
    role                text not null check (role in ('owner', 'manager', 'scanner')),
    invited_by          uuid not null references users (id),
    -- snapshots for the invitee's list: the tenant may not be public yet
    -- and the invitee reads no membership of it
    tenant_name         text not null,
    inviter_name        text not null default '',
    token_hash          bytea not null unique check (length(token_hash) = 32),
    status              text not null default 'pending'
                        check (status in ('pending', 'accepted', 'revoked', 'expired')),
    created_at          timestamptz not null default now(),
    expires_at          timestamptz not null,
    accepted_by         uuid references users (id),
    accepted_at         timestamptz,
    revoked_by          uuid references users (id),
    revoked_at          timestamptz,
    check (expires_at > created_at),
    check ((status = 'accepted') = (accepted_at is not null and accepted_by is not null))
);

-- one pending invitation per person and tenant: inviting again replaces it
create unique index invitations_pending_idx on invitations (tenant_id, identifier)
    where status = 'pending';
create index invitations_tenant_idx on invitations (tenant_id, created_at);
-- the invitee's own list
create index invitations_identifier_idx on invitations (identifier)
    where status = 'pending';

select zt_apply_tenant_rls('invitations');
-- the settings read once per statement, as sql/007 spells every policy
alter policy tenant_isolation on invitations
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

create policy invitee_read on invitations for select
    using (exists (
        select 1 from users u
         where u.id = (select nullif(current_setting('app.user_id', true), '')::uuid)
           and (u.email = invitations.identifier or u.phone = invitations.identifier)));

create policy token_read on invitations for select
    using (id = (select nullif(current_setting('app.invitation_id', true), '')::uuid));

-- never deleted: revoked and expired invitations stay as the record
grant select, insert, update on invitations to ztic_app;
