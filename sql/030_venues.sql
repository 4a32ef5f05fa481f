-- 030_venues.sql — saved venues of a tenant (docs/commerce.md, "Venues").
--
--   venues   a hall, an auditorium, an open-air theatre of a tenant: its
--            name, a description and its layout, stored as the layout
--            document of PUT /api/events/:id/layout (docs/seatmap.md),
--            checked by the same parser (lib/zt_seatmap.c) before it is
--            stored. Creating an event's layout from a venue copies the
--            document into the event's own rows (lib/zt_layout.c), so a
--            later edit of the venue never changes an event.
--
-- Row-level security: tenant_isolation + admin_read like every tenant table.

create table venues (
    id          uuid primary key default gen_random_uuid(),
    tenant_id   uuid not null references tenants (id),
    name        text not null check (length(name) between 1 and 200),
    description text not null default '' check (length(description) <= 2000),
    kind        text not null check (kind in ('reserved', 'ga', 'hybrid')),
    layout      jsonb not null,
    seat_count  integer not null default 0 check (seat_count >= 0),
    created_by  uuid references users (id),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, id)
);
create index venues_tenant_idx on venues (tenant_id, lower(name));

select zt_apply_tenant_rls('venues');
alter policy tenant_isolation on venues
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

grant select, insert, update, delete on venues to ztic_app;
