-- 018_waitroom.sql — the waiting room of an on-sale (docs/waiting-room.md).
--
-- The organizer's settings live on the event row, so the seat map cache
-- (lib/zt_salemap.c), which already reads the row for every lock, knows
-- whether the room is on without another query or Redis round trip:
--
--   queue_on            the waiting room is on for this event
--   queue_opens_min     the pre-queue opens this many minutes before
--                       sales_starts_at (joins before that are refused)
--   queue_rate          people admitted per minute
--   queue_pass_ttl      seconds a pass (the right to lock and book) lasts
--   queue_paused        admission stopped by the organizer
--
-- The queue itself (who waits, in which order) lives in Redis on the
-- event's hash tag (lib/lua/queue_*.lua).  Row-level security: the event's
-- own policies apply (tenant_isolation to write, public_read to read).

alter table events
    add column queue_on        boolean not null default false,
    add column queue_opens_min integer not null default 30
        check (queue_opens_min between 0 and 1440),
    add column queue_rate      integer not null default 600
        check (queue_rate between 1 and 1000000),
    add column queue_pass_ttl  integer not null default 900
        check (queue_pass_ttl between 60 and 7200),
    add column queue_paused    boolean not null default false;

-- the ticker's walk (cron/ztic-queue): the published events whose room is on
create index events_queue_on_idx on events (id)
    where queue_on and status = 'published';
