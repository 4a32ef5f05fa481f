-- 012_checkin.sql — admitting tickets at the gate (docs/checkin.md).
--
--   gates                  named entrances of an event, made by the first
--                          scan that names them; `admitted` is the gate's
--                          running count, kept by the trigger below
--   admissions             one row per admission of a ticket: who, where,
--                          when (scanned_at: the server's clock online, the
--                          device's for an offline scan), from which device,
--                          and undone_at when a manager took it back
--   checkin_duplicates     scans refused because the ticket was already in:
--                          the second scan, pointing at the admission that
--                          stands
--
-- Admit exactly once is the partial unique index admissions_once_idx: at
-- most one admission of a ticket that is not undone, whatever any cache
-- believes. Writers insert ON CONFLICT DO NOTHING and read the standing
-- admission when nothing was inserted.
--
-- The old `checkins` table of 001 (never written by any program) goes: its
-- rows could not say which gate of which event, nor be undone.
--
-- Row-level security: tenant_isolation + admin_read (zt_apply_tenant_rls)
-- on the three tables, like every tenant table. ztic_app may insert and
-- update admissions and gates (undo, first-scan-wins), never delete.

drop table checkins;

create table gates (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    event_id    uuid not null,
    name        text not null check (length(name) between 1 and 40),
    admitted    integer not null default 0 check (admitted >= 0),
    created_at  timestamptz not null default now(),
    unique (event_id, name),
    unique (event_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id)
        on delete cascade
);

create table admissions (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null,
    event_id    uuid not null,
    ticket_id   uuid not null,
    gate_id     uuid not null,
    scanned_by  uuid not null references users (id),
    scanned_at  timestamptz not null,
    -- the offline device that scanned it (null: scanned online)
    device_id   text check (length(device_id) between 1 and 64),
    recorded_at timestamptz not null default now(),
    undone_at   timestamptz,
    undone_by   uuid references users (id),
    check ((undone_at is null) = (undone_by is null)),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id),
    foreign key (event_id, gate_id) references gates (event_id, id)
);

-- THE admit-once guard.
create unique index admissions_once_idx on admissions (ticket_id)
    where undone_at is null;
create index admissions_event_idx on admissions (event_id, scanned_at);
-- a device's replayed sync finds what it already sent
create index admissions_device_idx on admissions (ticket_id, device_id,
    scanned_at) where device_id is not null;

create table checkin_duplicates (
    id              uuid primary key default gen_random_uuid(),
    tenant_id       uuid not null,
    event_id        uuid not null,
    ticket_id       uuid not null,
    -- the admission that stands
    admission_id    uuid not null references admissions (id),
    gate_id         uuid not null,
    scanned_by      uuid not null references users (id),
    scanned_at      timestamptz not null,
    device_id       text check (length(device_id) between 1 and 64),
    recorded_at     timestamptz not null default now(),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id),
    foreign key (tenant_id, event_id) references events (tenant_id, id),
    foreign key (event_id, gate_id) references gates (event_id, id)
);

create index checkin_duplicates_event_idx on checkin_duplicates (event_id,
    recorded_at);
-- one row per scan of a device: a replayed sync inserts nothing new
create unique index checkin_duplicates_device_idx on checkin_duplicates
    (ticket_id, device_id, scanned_at) where device_id is not null;

-- Live tickets of an event, counted for every answer at the gate ("N of
-- M"), and by the organizers' sales view (event_sales).
create index tickets_event_live_idx on tickets (event_id) where status = 'live';

select zt_apply_tenant_rls('gates');
select zt_apply_tenant_rls('admissions');
select zt_apply_tenant_rls('checkin_duplicates');
-- the spelling of 007 (the settings read once per statement)
alter policy tenant_isolation on gates
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
alter policy tenant_isolation on admissions
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
alter policy tenant_isolation on checkin_duplicates
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

-- The counts and the ticket follow the admissions, in one place: a gate's
-- `admitted` is the number of its admissions not undone, and a ticket's
-- checked_in_at (shown to its buyer and in event_sales) is the time of its
-- standing admission. Runs as the writer, under its row policies.
create function zt_admissions_follow() returns trigger
language plpgsql as $$
begin
    if tg_op = 'UPDATE' and old.undone_at is null then
        update gates set admitted = admitted - 1 where id = old.gate_id;
    end if;
    if new.undone_at is null then
        update gates set admitted = admitted + 1 where id = new.gate_id;
    end if;
    if tg_op = 'INSERT' or new.undone_at is distinct from old.undone_at
       or new.scanned_at <> old.scanned_at then
        update tickets
           set checked_in_at = case when new.undone_at is null
                                    then new.scanned_at end
         where id = new.ticket_id;
    end if;
    return null;
end
$$;

create trigger admissions_follow after insert or update on admissions
    for each row execute function zt_admissions_follow();

grant select, insert, update on gates, admissions to ztic_app;
grant select, insert on checkin_duplicates to ztic_app;
