-- 007_rls_settings_once.sql — read the request's settings once per statement.
--
-- The policies compare each row with
-- nullif(current_setting('app.tenant_id', true), '')::uuid. That expression
-- is stable, not constant, so PostgreSQL evaluates it again for every row a
-- policy looks at: a settings lookup and a uuid parse per row, half the
-- time of reading a 30,000-seat map (docs/benchmarks.md, 17). Written as a
-- scalar subquery it becomes an InitPlan, evaluated once per statement; the
-- value is the same (nothing changes a setting in the middle of a
-- statement), and an index can still use it (`tenant_id = $0`).
--
-- Same policies, same names, same meaning: only the spelling of the
-- settings changes. tests/integration/test_schema.py checks the behaviour.

do $$
declare
    r record;
    tid constant text :=
        '(select nullif(current_setting(''app.tenant_id'', true), '''')::uuid)';
begin
    -- every table of zt_apply_tenant_rls (002): tenant_id = the tenant
    for r in select c.oid::regclass as tbl
               from pg_policy p
               join pg_class c on c.oid = p.polrelid
               join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = 'public'
                and p.polname = 'tenant_isolation'
                and c.relname <> 'tenants'
              order by c.relname
    loop
        execute format('alter policy tenant_isolation on %s'
                       ' using (tenant_id = %s) with check (tenant_id = %s)',
                       r.tbl, tid, tid);
    end loop;
end
$$;

alter policy tenant_isolation on tenants
    using (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

alter policy member_read on tenants
    using (exists (
        select 1 from memberships m
         where m.tenant_id = tenants.id
           and m.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)));

alter policy buyer_read on bookings
    using (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid));

alter policy buyer_read on tickets
    using (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid));

alter policy self_read on memberships
    using (user_id = (select nullif(current_setting('app.user_id', true), '')::uuid));

alter policy buyer_read on booking_items
    using (exists (select 1 from bookings b
                    where b.id = booking_items.booking_id
                      and b.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)));

alter policy buyer_read on payments
    using (exists (select 1 from bookings b
                    where b.id = payments.booking_id
                      and b.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)));
