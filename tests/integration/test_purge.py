"""ztic-purge: rows past their use go, the rest stays (docs/finance.md).

Expired refresh-token families and OTP challenges (a day past their end),
outbox messages sent more than ZT_OUTBOX_KEEP_DAYS ago, audit entries older
than ZT_AUDIT_KEEP_DAYS, except the financial ones, which are kept.  The
application role cannot delete audit entries itself, nor purge them
younger than 30 days.
"""

import os
import uuid

import psycopg2
import pytest

from ztbook import run_cron, run_cron_twice, shop  # noqa: F401


def test_purge_keeps_what_is_still_needed(shop, stack_var):
    user = shop.user("sleeper")
    t = shop.tenant(user)
    tag = uuid.uuid4().hex[:12]
    with shop.tx() as cur:
        cur.execute("""insert into refresh_families (user_id, created_at, expires_at)
                       values (%s, now() - interval '40 days', now() - interval '2 days'),
                              (%s, now() - interval '40 days', now() + interval '1 day')
                       returning id""", (user, user))
        old_fam, live_fam = [r[0] for r in cur.fetchall()]
        cur.execute("""insert into otp_challenges (channel, identifier, code_hash,
                                                   created_at, expires_at)
                       values ('email', %s, %s, now() - interval '3 days',
                               now() - interval '2 days'),
                              ('email', %s, %s, now(), now() + interval '10 minutes')
                       returning id""",
                    (f"old-{tag}@x.in", os.urandom(32), f"new-{tag}@x.in", os.urandom(32)))
        old_otp, new_otp = [r[0] for r in cur.fetchall()]
        cur.execute("""insert into outbox (channel, recipient, payload, created_at, sent_at)
                       values ('email', %s, '{}', now() - interval '41 days',
                               now() - interval '40 days'),
                              ('email', %s, '{}', now() - interval '2 days',
                               now() - interval '1 day'),
                              ('email', %s, '{}', now() - interval '41 days', null)
                       returning id""", (f"a-{tag}@x.in",) * 3)
        old_sent, new_sent, unsent = [r[0] for r in cur.fetchall()]
    with shop.tx(t) as cur:
        cur.execute("""insert into audit_log (tenant_id, action, at) values
                       (%s, 'member.added', now() - interval '400 days'),
                       (%s, 'tenant.payout_updated', now() - interval '400 days'),
                       (%s, 'member.removed', now() - interval '10 days')
                       returning id""", (t, t, t))
        old_audit, money_audit, new_audit = [r[0] for r in cur.fetchall()]

    try:
        run_cron_twice(stack_var, "purge")
        run_cron(stack_var, "purge")

        def there(table, ids, tenant=None):
            rows = shop.all(f"select id from {table} where id = any(%s::uuid[])",
                            ([str(i) for i in ids],), tenant=tenant)
            return {r[0] for r in rows}

        assert there("refresh_families", [old_fam, live_fam]) == {live_fam}
        assert there("otp_challenges", [old_otp, new_otp]) == {new_otp}
        assert there("outbox", [old_sent, new_sent, unsent]) == {new_sent, unsent}
        assert there("audit_log", [old_audit, money_audit, new_audit], tenant=t) == \
            {money_audit, new_audit}
    finally:
        with shop.tx(t) as cur:
            cur.execute("delete from audit_log where tenant_id = %s", (t,))
        with shop.tx() as cur:
            cur.execute("delete from refresh_families where user_id = %s", (user,))
            cur.execute("delete from otp_challenges where identifier like %s", (f"%-{tag}@x.in",))
            cur.execute("delete from outbox where recipient = %s", (f"a-{tag}@x.in",))


def test_app_role_cannot_shorten_audit_retention(pg_app_dsn):
    conn = psycopg2.connect(pg_app_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select set_config('app.admin_id',"
                        " '00000000-0000-4000-8000-000000000001', true)")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("delete from audit_log")
        with conn, conn.cursor() as cur:
            cur.execute("select set_config('app.admin_id',"
                        " '00000000-0000-4000-8000-000000000001', true)")
            with pytest.raises(psycopg2.errors.InvalidParameterValue):
                cur.execute("select zt_audit_purge(5, 100)")
    finally:
        conn.close()
