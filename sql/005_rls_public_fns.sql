-- 005_rls_public_fns.sql — the public-catalogue policies, cheaper to plan.
--
-- The public_read policies of 002 spell their test as subqueries:
-- seats/price_categories/ticket_types ask events, whose own public_read
-- asks tenants, whose policies ask memberships. PostgreSQL expands each of
-- these into nested subplans, with their own policies, in every statement
-- that touches one of these tables — also for organizers and buyers working
-- inside their own tenant, where tenant_isolation (the first OR'ed arm)
-- already decides. Building those subplans at executor start was the
-- largest part of PostgreSQL's CPU per booking (docs/benchmarks.md, row 6).
--
-- The same tests now live in two plpgsql functions. They are not SECURITY
-- DEFINER: their queries run as the caller, under the caller's row-level
-- security, exactly like the subqueries they replace, so every policy
-- answers as before (tests/integration/test_schema.py). plpgsql rather than
-- sql because a SQL function would be inlined back into the same subplans;
-- a call is planned once per session and runs only when the arms before it
-- in the OR did not decide.

-- Whether tenant p_tenant is active, as the caller sees tenants.
create function zt_tenant_is_active(p_tenant uuid) returns boolean
language plpgsql stable as $$
begin
    return exists (select 1 from tenants t
                    where t.id = p_tenant and t.status = 'active');
end
$$;

-- Whether event p_event is in the public catalogue, as the caller sees
-- events (an event of a tenant that is not active is not).
create function zt_event_is_listed(p_event uuid) returns boolean
language plpgsql stable as $$
begin
    return exists (select 1 from events e
                    where e.id = p_event
                      and zt_event_is_public(e.status, e.published_at));
end
$$;

grant execute on function zt_tenant_is_active(uuid) to ztic_app;
grant execute on function zt_event_is_listed(uuid) to ztic_app;

alter policy public_read on events
    using (zt_event_is_public(status, published_at)
           and zt_tenant_is_active(tenant_id));

alter policy public_read on price_categories
    using (zt_event_is_listed(event_id));

alter policy public_read on seats
    using (zt_event_is_listed(event_id));

alter policy public_read on ticket_types
    using (zt_event_is_listed(event_id));
