-- 034_plans_per_booking.sql - two costs PostgreSQL's planner added to
-- every booking (issue #26, docs/benchmarks.md section 31).
--
-- 1. The events' policies ran their dearest arm first.  PostgreSQL 15
--    ORs a table's permissive policies in the reverse order of their
--    names (the relation cache conses them), so ticket_holder_read (013,
--    whose comment expected the opposite) came before tenant_isolation
--    and public_read: every read of an event by a signed-in person called
--    zt_event_booked_by_user(), and its cached generic plan went through
--    the event's bookings (0.4 ms a call with 4,500 of them, on the
--    booking's own read of its event).  The person who booked is now the
--    last arm of public_read, tried only when the event is not public:
--    the same rows are visible, one policy fewer.
drop policy ticket_holder_read on events;
alter policy public_read on events
    using ((zt_event_is_public(status, published_at)
            and unlisted_at is null
            and zt_tenant_is_active(tenant_id))
           or zt_event_booked_by_user(id));

-- 2. zt_ticket_signing_key() (011) was a SQL function with SET
--    search_path: not inlined, and PostgreSQL plans such a body again on
--    every call, with the row policies of ticket_keys; a booking calls it
--    two or three times (signing, the answer, the email), 0.33 ms each.
--    In plpgsql the plan is made once per connection.  Same signature,
--    rights and rows.
create or replace function zt_ticket_signing_key(p_tenant uuid)
returns table (kid bigint, secret_box bytea)
language plpgsql stable security definer set search_path = public as $$
begin
    return query
        select k.kid, k.secret_box from ticket_keys k
         where k.tenant_id = p_tenant and k.status = 'active';
end
$$;
