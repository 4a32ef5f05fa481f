-- 025_queue_places.sql — the waiting room's order kept in PostgreSQL, so a
-- Redis restart or flush neither reshuffles nor loses the queue
-- (docs/waiting-room.md, "Redis lost").
--
-- The ticker (cron/ztic-queue, lib/zt_queue.c) writes both tables:
--   queue_places  one row per person placed: the drawn pre-queue, copied
--                 once per room right after the draw (places 1..frozen in
--                 the lottery's order), then the late joiners appended in
--                 batches, one INSERT per room per tick
--   queue_marks   one row per room: the size of the drawn pre-queue, how
--                 many late joiners are copied, and the admission counter
--                 (acc, k) as of the room's last tick
-- and reads them back into Redis when it finds the room's keys gone.
-- user_id is text, not a reference: the queue's member is the id the
-- access token carried, and the copy lives only as long as the room.
--
-- Row-level security: tenant_isolation + admin_read (zt_apply_tenant_rls);
-- the ticker writes each room in its tenant's scope.

create table queue_places (
    tenant_id uuid    not null references tenants(id),
    event_id  uuid    not null references events(id) on delete cascade,
    user_id   text    not null,
    place     integer not null check (place > 0),
    primary key (event_id, user_id),
    unique (event_id, place)
);

create table queue_marks (
    tenant_id  uuid    not null references tenants(id),
    event_id   uuid    primary key references events(id) on delete cascade,
    frozen     integer not null check (frozen >= 0),
    late       integer not null default 0 check (late >= 0),
    acc        double precision not null default 0,
    k          bigint  not null default 0 check (k >= 0),
    updated_at timestamptz not null default now()
);

select zt_apply_tenant_rls('queue_places');
select zt_apply_tenant_rls('queue_marks');

grant select, insert, delete on queue_places to ztic_app;
grant select, insert, update, delete on queue_marks to ztic_app;

-- Turning on by itself (docs/waiting-room.md): when the event's lock
-- traffic passes queue_auto_lps changes per second (0: never), the ticker
-- turns the room on and says why in queue_auto_reason, which the
-- organizer sees with the settings.
alter table events
    add column queue_auto_lps    integer not null default 0
        check (queue_auto_lps between 0 and 1000000),
    add column queue_auto_reason text;

-- the ticker's watch list: published events that may turn on by themselves
create index events_queue_auto_idx on events (id)
    where queue_auto_lps > 0 and not queue_on and status = 'published';
