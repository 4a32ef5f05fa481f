-- 029_forms_teams.sql — registration forms and approval mode
-- (docs/commerce.md, "Forms and teams").
--
--   event_registration  per event: approval mode (registrations wait for
--                       the organizer before payment or before a free
--                       ticket is issued) and the payment window an
--                       accepted registration gets
--   form_questions      the event's questions: kind, per order or per
--                       ticket, required or not, choices, file limits
--   form_files          files a buyer uploaded for a file question, by
--                       content hash (the bytes live under var/, not public)
--   form_answers        one row per answer: the booking, the question, the
--                       ticket it is for (0 for a per-order question)
--   bookings.approval   NULL (no approval mode), 'waiting', 'accepted',
--                       'rejected'
--   reg_teams           a team of a team event: its name, its leader, the
--                       SHA-256 of its invite code (the code is shown to
--                       the leader, never stored)
--   reg_team_members    who is in which team; unique (event_id, user_id) is
--                       the guard of "one team per person per event",
--                       whatever races past the application's check
--
-- Row-level security: tenant_isolation + admin_read like every tenant
-- table; the catalogue may read a listed event's questions and settings
-- (the checkout shows them); a buyer reads their own answers and files.

create table event_registration (
    event_id                uuid primary key,
    tenant_id               uuid not null,
    approval                boolean not null default false,
    payment_window_minutes  integer not null default 1440
                            check (payment_window_minutes between 5 and 20160),
    -- a team event: each team has team_min..team_max members (NULL: none)
    team_min                integer check (team_min between 1 and 50),
    team_max                integer check (team_max between 1 and 50),
    check ((team_min is null) = (team_max is null)),
    check (team_max >= team_min),
    updated_at              timestamptz not null default now(),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);

create table form_questions (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    event_id    uuid not null,
    position    integer not null check (position between 0 and 99),
    label       text not null check (length(label) between 1 and 200),
    kind        text not null
                check (kind in ('text', 'long_text', 'choice', 'multi_choice',
                                'number', 'date', 'file', 'consent')),
    scope       text not null default 'order'
                check (scope in ('order', 'ticket')),
    required    boolean not null default false,
    options     text[] not null default '{}',
    -- file questions: the largest file and the accepted types
    max_bytes   integer check (max_bytes between 1024 and 5242880),
    file_types  text[] not null default '{}',
    created_at  timestamptz not null default now(),
    check (kind not in ('choice', 'multi_choice')
           or cardinality(options) between 1 and 50),
    check (kind <> 'file' or max_bytes is not null),
    unique (tenant_id, id),
    unique (event_id, position) deferrable initially deferred,
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);

create table form_files (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    event_id    uuid not null,
    user_id     uuid not null references users (id),
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    media_type  text not null
                check (media_type in ('application/pdf', 'image/png',
                                      'image/jpeg')),
    size_bytes  integer not null check (size_bytes > 0),
    created_at  timestamptz not null default now(),
    unique (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);
create index form_files_user_idx on form_files (user_id);

create table form_answers (
    id           uuid primary key default gen_random_uuid(),
    tenant_id    uuid not null,
    booking_id   uuid not null,
    question_id  uuid not null,
    user_id      uuid not null references users (id),
    -- 0: the order's answer; 1..n: the n-th ticket's
    ticket_index integer not null default 0 check (ticket_index >= 0),
    -- the question as it read when answered (the form may change later)
    position     integer not null,
    label        text not null,
    kind         text not null,
    value        jsonb not null,
    file_id      uuid,
    unique (booking_id, question_id, ticket_index),
    foreign key (tenant_id, booking_id) references bookings (tenant_id, id)
        on delete cascade,
    -- a question with answers cannot be removed (409 question_answered)
    foreign key (tenant_id, question_id) references form_questions (tenant_id, id),
    foreign key (tenant_id, file_id) references form_files (tenant_id, id)
);
create index form_answers_user_idx on form_answers (user_id);

alter table bookings add column approval text
    check (approval in ('waiting', 'accepted', 'rejected'));
create index bookings_approval_idx on bookings (event_id, created_at)
    where approval is not null;
alter table bookings drop constraint bookings_close_reason_check;
alter table bookings add constraint bookings_close_reason_check
    check (close_reason in ('hold_released', 'hold_expired', 'rejected'));

create table reg_teams (
    id           uuid primary key default gen_random_uuid(),
    tenant_id    uuid not null,
    event_id     uuid not null,
    name         text not null check (length(name) between 1 and 60),
    leader_id    uuid not null references users (id),
    code_sha256  text not null check (code_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz not null default now(),
    unique (tenant_id, id),
    unique (event_id, code_sha256),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);
create unique index reg_teams_name_idx on reg_teams (event_id, lower(name));

create table reg_team_members (
    tenant_id   uuid not null,
    team_id     uuid not null,
    event_id    uuid not null,
    user_id     uuid not null references users (id),
    joined_at   timestamptz not null default now(),
    primary key (team_id, user_id),
    -- one team per person per event
    unique (event_id, user_id),
    foreign key (tenant_id, team_id) references reg_teams (tenant_id, id)
        on delete cascade
);

select zt_apply_tenant_rls('event_registration');
select zt_apply_tenant_rls('form_questions');
select zt_apply_tenant_rls('form_files');
select zt_apply_tenant_rls('form_answers');
select zt_apply_tenant_rls('reg_teams');
select zt_apply_tenant_rls('reg_team_members');

create policy public_read on event_registration for select
    using (zt_event_is_listed(event_id));
create policy public_read on form_questions for select
    using (zt_event_is_listed(event_id));
create policy buyer_read on form_files for select
    using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
create policy buyer_read on form_answers for select
    using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

grant select, insert, update, delete on event_registration, form_questions,
    form_files, form_answers, reg_teams, reg_team_members to ztic_app;
