-- 002_rls.sql — row-level security.
--
-- The model (docs/schema.md has the long form):
--   * The app sets, inside each transaction,
--       select set_config('app.tenant_id', $tenant, true);   -- organizer work
--       select set_config('app.user_id',   $user,   true);   -- buyer reads
--       select set_config('app.admin_id',  $admin,  true);   -- admin console
--     and connects as ztic_app, which owns nothing and cannot bypass RLS.
--   * tenant_isolation: a tenant-scoped row is visible and writable only
--     when its tenant_id equals app.tenant_id; inserting or moving a row to
--     another tenant fails WITH CHECK. Unset means NULL means nothing: a
--     handler that forgets to scope sees nothing, not everything.
--   * Read-only extras, OR'ed with it: the public catalogue (published
--     events of active tenants, with their prices, seats and ticket types),
--     a buyer's own bookings and tickets across tenants, a user's own
--     memberships (and those tenants), and a platform admin session.
--   * Admins read across tenants but write only scoped to one tenant, like
--     everyone else.
--   * FORCE: the owner is bound too, so migrations and seeds that touch
--     tenant rows must set app.tenant_id as well.
--
-- The policy expressions spell out NULLIF(current_setting(…, true), '')
-- rather than calling a helper: after a SET LOCAL elsewhere in the session
-- an unset value reads as '' instead of NULL, and a plain expression lets
-- the planner use tenant_id indexes.

-- ---------------------------------------------------------------------------
-- tenants: the row of the tenant in scope, active tenants publicly, tenants
-- the signed-in user belongs to, everything for an admin session.
-- ---------------------------------------------------------------------------

alter table tenants enable row level security;
alter table tenants force row level security;

create policy tenant_isolation on tenants
    using (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (id = nullif(current_setting('app.tenant_id', true), '')::uuid);

create policy public_read on tenants for select
    using (status = 'active');

create policy member_read on tenants for select
    using (exists (
        select 1 from memberships m
         where m.tenant_id = tenants.id
           and m.user_id = nullif(current_setting('app.user_id', true), '')::uuid));

create policy admin_read on tenants for select
    using ((select zt_admin_session()));

-- ---------------------------------------------------------------------------
-- Every table with a tenant_id column: isolation + admin read.
-- zt_apply_tenant_rls() states the rule once; later migrations that add a
-- tenant-scoped table call it (`select zt_apply_tenant_rls('new_table');`)
-- and add any extra policy by hand. It is not granted to ztic_app.
-- tests/integration/test_schema.py fails if a table with tenant_id lacks
-- ENABLE + FORCE or a tenant_isolation policy.
-- ---------------------------------------------------------------------------

create function zt_apply_tenant_rls(p_table regclass) returns void
language plpgsql as $$
begin
    execute format('alter table %s enable row level security', p_table);
    execute format('alter table %s force row level security', p_table);
    execute format($p$
        create policy tenant_isolation on %s
            using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
            with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
        $p$, p_table);
    execute format($p$
        create policy admin_read on %s for select
            using ((select zt_admin_session()))
        $p$, p_table);
end
$$;

select zt_apply_tenant_rls(c.oid::regclass)
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid
 where n.nspname = 'public'
   and c.relkind in ('r', 'p')
   and a.attname = 'tenant_id'
   and not a.attisdropped
 order by c.relname;

-- Platform-level audit entries (tenant_id null) are written by admin
-- sessions; tenant entries go through tenant_isolation.
create policy admin_insert on audit_log for insert
    with check ((select zt_admin_session()));

-- ---------------------------------------------------------------------------
-- The public catalogue (read-only, no tenant needed)
-- ---------------------------------------------------------------------------

-- An event is public when zt_event_is_public() says so and its organizer is
-- active (the subquery runs under tenants' own policies: anonymous readers
-- see only active tenants).
create policy public_read on events for select
    using (zt_event_is_public(status, published_at)
           and exists (select 1 from tenants t
                        where t.id = events.tenant_id and t.status = 'active'));

-- Children of a public event. The subquery on events is itself filtered by
-- events' policies, so this never shows more than the event itself.
create policy public_read on price_categories for select
    using (exists (select 1 from events e
                    where e.id = price_categories.event_id
                      and zt_event_is_public(e.status, e.published_at)));

create policy public_read on seats for select
    using (exists (select 1 from events e
                    where e.id = seats.event_id
                      and zt_event_is_public(e.status, e.published_at)));

create policy public_read on ticket_types for select
    using (exists (select 1 from events e
                    where e.id = ticket_types.event_id
                      and zt_event_is_public(e.status, e.published_at)));

-- ---------------------------------------------------------------------------
-- The signed-in user's own rows across tenants (read-only)
-- ---------------------------------------------------------------------------

create policy buyer_read on bookings for select
    using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

create policy buyer_read on tickets for select
    using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- So sign-in can list the tenants a user may switch to.
create policy self_read on memberships for select
    using (user_id = nullif(current_setting('app.user_id', true), '')::uuid);

-- ---------------------------------------------------------------------------
-- Views: always security_invoker, so the caller's policies apply.
-- ---------------------------------------------------------------------------

-- Sales per event for the organizer dashboard and the payout job.
create view event_sales with (security_invoker = true) as
select e.tenant_id,
       e.id as event_id,
       count(t.id) filter (where t.status = 'live') as tickets_live,
       count(t.id) filter (where t.status = 'live'
                             and t.checked_in_at is not null) as tickets_checked_in,
       coalesce(sum(t.price_paise) filter (where t.status = 'live'), 0)::bigint
           as live_paise
  from events e
  left join tickets t on t.event_id = e.id
 group by e.tenant_id, e.id;

grant select on event_sales to ztic_app;
