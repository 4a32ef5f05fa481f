-- 008_admin_session_plpgsql.sql — the admin test, planned once per session.
--
-- Every admin_read policy (002) is (select zt_admin_session()): an InitPlan
-- that runs when the arms before it in the OR did not decide — in the
-- system scope of webhooks and cron, in an admin's session, and for any
-- caller reading rows that neither its tenant nor its user owns. As a SQL
-- function that cannot be inlined (its body has a subquery) it was parsed,
-- analysed and planned again in every statement that ran it: 0.06 ms a
-- statement, about five statements per paid ticket (docs/benchmarks.md,
-- section 19). In plpgsql the query's plan is kept for the session, and a
-- transaction with no app.admin_id set does not query at all.
--
-- Same name, same arguments, same answer: true exactly when app.admin_id
-- names an enabled platform admin (a malformed id still fails the cast).
create or replace function zt_admin_session() returns boolean
language plpgsql stable as $$
declare
    v text := current_setting('app.admin_id', true);
begin
    if v is null or v = '' then
        return false;
    end if;
    return exists (select 1 from platform_admins
                    where id = v::uuid and disabled_at is null);
end
$$;
