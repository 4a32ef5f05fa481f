-- 022_admin_unlist.sql — the admin console's event unlisting and the
-- resolution of reconcile's findings (issue #19, docs/admin.md).
--
--   * events.unlisted_at / unlisted_reason: a platform admin took the event
--     out of the catalogue for a policy reason without cancelling it. Like
--     a suspended tenant's events (013): public_read no longer shows it (the
--     catalogue, search, its page and the sale map that holds read), while
--     ticket_holder_read keeps it readable to the people who bought, and
--     tenant_isolation to its organizer.
--   * payment_discrepancies.resolved_by / resolution_note: who marked a
--     finding resolved and why (resolved_at exists since 016).

alter table events
    add column unlisted_at timestamptz,
    add column unlisted_reason text,
    add check ((unlisted_at is null) = (unlisted_reason is null));

alter policy public_read on events
    using (zt_event_is_public(status, published_at)
           and unlisted_at is null
           and zt_tenant_is_active(tenant_id));

create or replace function zt_event_is_listed(p_event uuid) returns boolean
language plpgsql stable as $$
begin
    return exists (select 1 from events e
                    where e.id = p_event
                      and e.unlisted_at is null
                      and zt_event_is_public(e.status, e.published_at));
end
$$;

alter table payment_discrepancies
    add column resolved_by uuid references platform_admins (id),
    add column resolution_note text;

-- Unlisting belongs to platform admins, like a tenant's status (001): an
-- organizer scoped to its own tenant cannot list its event again.
create function zt_events_guard_unlisted() returns trigger
language plpgsql as $$
begin
    if (tg_op = 'INSERT' and new.unlisted_at is not null)
       or (tg_op = 'UPDATE'
           and (new.unlisted_at is distinct from old.unlisted_at
                or new.unlisted_reason is distinct from old.unlisted_reason)) then
        if not zt_admin_session()
           and not pg_has_role(current_user,
                               (select relowner from pg_class where oid = tg_relid),
                               'MEMBER') then
            raise exception 'an event may only be unlisted or relisted by a platform admin'
                using errcode = 'insufficient_privilege';
        end if;
    end if;
    return new;
end
$$;

create trigger events_guard_unlisted before insert or update on events
    for each row execute function zt_events_guard_unlisted();
