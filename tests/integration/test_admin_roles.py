"""The system scope belongs to ztic_system, not to the web role (sql/013).

Connected as ztic_app (the attendee and organizer responders), naming a
platform admin in app.admin_id must change nothing: no row of another
tenant in any tenant table, no status change, no platform-level audit row.
The web role cannot read or write platform_admins (TOTP secrets) nor the
admin session tables. ztic_system (cron, webhooks, the admin console) keeps
the cross-tenant read it needs. docs/admin.md, docs/operations.md.
"""
import os
import subprocess

import psycopg2.errors
import pytest

# the connections, the world of rows and the helpers of test_schema.py
from test_schema import (PUBLIC_TABLES, SYSTEM_ADMIN, app, app_dsn, one,  # noqa: F401
                         owner, owner_dsn, rows, scoped, system, system_dsn,
                         tenant_tables, world)


def _counts(conn, tables, ids, **scope):
    """Rows of the tenants `ids` per table, as conn sees them in scope."""
    out = {}
    with scoped(conn, **scope) as cur:
        for t in tables:
            col = "id" if t == "tenants" else "tenant_id"
            out[t] = one(cur, f"select count(*) from {t} where {col} = any(%s::uuid[])",
                         (list(ids),))
    return out


def test_web_role_naming_an_admin_sees_no_other_tenant(app, system, owner, world):
    a = world.tenant(label="ra")
    b = world.tenant(status="pending", label="rb")
    admin = world.admin()
    with scoped(owner) as cur:
        tables = tenant_tables(cur) + ["tenants"]
    assert len(tables) > 10
    for who in (admin, SYSTEM_ADMIN):
        # No scope at all: a pending tenant's rows stay invisible.
        seen = _counts(app, tables, [b["id"]], admin=who)
        assert seen == {t: 0 for t in tables}, (who, seen)
        # In tenant a's scope: nothing of b, and of a only what a sees.
        seen = _counts(app, tables, [b["id"]], tenant=a["id"], admin=who)
        assert seen == {t: 0 for t in tables}, (who, seen)
        # Active tenant a from nowhere: the public catalogue only, exactly
        # what an anonymous reader sees.
        plain = _counts(app, tables, [a["id"]])
        assert _counts(app, tables, [a["id"]], admin=who) == plain
        assert {t for t, n in plain.items() if n} <= PUBLIC_TABLES | {"tenants"}
    # The system role with the same setting does read across tenants.
    seen = _counts(system, tables, [b["id"]], admin=admin)
    assert seen["bookings"] >= 1 and seen["tenants"] == 1
    assert seen["tenant_payout_details"] == 1
    # ...but without an admin named, it is scoped like everyone else.
    assert _counts(system, tables, [b["id"]]) == {t: 0 for t in tables}


def test_web_role_cannot_act_as_an_admin(app, world):
    a = world.tenant(label="rc")
    b = world.tenant(status="pending", label="rd")
    admin = world.admin()
    # no status change, not even of its own tenant
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=b["id"], admin=admin) as cur:
            cur.execute("update tenants set status = 'active' where id = %s", (b["id"],))
    # no platform-level audit entry
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, admin=admin) as cur:
            cur.execute("insert into audit_log (action, actor_admin_id)"
                        " values ('platform.forged', %s)", (admin,))
    # no write into another tenant
    with scoped(app, tenant=a["id"], admin=admin) as cur:
        cur.execute("update bookings set status = status where tenant_id = %s", (b["id"],))
        assert cur.rowcount == 0
        cur.execute("update tenants set name = 'taken over' where id = %s", (b["id"],))
        assert cur.rowcount == 0


@pytest.mark.parametrize("sql", [
    "select totp_secret from platform_admins",
    "select id, email from platform_admins",
    "update platform_admins set totp_secret = '\\x00'::bytea",
    "update platform_admins set disabled_at = null",
    "insert into platform_admins (email) values ('evil@test.ztic.in')",
    "select count(*) from admin_sessions",
    "select count(*) from admin_invitations",
    "insert into admin_sessions (admin_id, token_hash, expires_at) values"
    " ('00000000-0000-4000-8000-000000000001', '\\x00'::bytea, now())",
    "select auto_approve_tenants from platform_settings",
    "update platform_settings set auto_approve_tenants = true",
])
def test_web_role_has_no_access_to_admin_tables(app, sql):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, admin=SYSTEM_ADMIN) as cur:
            cur.execute(sql)


def test_system_role_reads_admins_but_not_as_superuser(system):
    with scoped(system) as cur:
        assert one(cur, "select count(*) from platform_admins where id = %s",
                   (SYSTEM_ADMIN,)) == 1
        assert one(cur, "select rolbypassrls or rolsuper from pg_roles"
                        " where rolname = current_user") is False


def test_auto_approve_is_narrow(app, owner, world):
    """The one definer function the web role has: off outside the dev
    stack, and even on, only the pending tenant in the caller's scope."""
    with scoped(owner) as cur:
        prosecdef, config = rows(cur, """select prosecdef, proconfig from pg_proc
                                          where proname = 'zt_tenant_auto_approve'""")[0]
    assert prosecdef and any(c.startswith("search_path=") for c in config)
    a = world.tenant(status="pending", label="re")
    b = world.tenant(status="pending", label="rf")
    with scoped(app, tenant=a["id"]) as cur:
        assert one(cur, "select zt_tenant_auto_approve(%s)", (a["id"],)) is False
    try:
        with scoped(owner) as cur:
            cur.execute("update platform_settings set auto_approve_tenants = true")
        with scoped(app, tenant=a["id"], admin=SYSTEM_ADMIN) as cur:
            assert one(cur, "select zt_tenant_auto_approve(%s)", (b["id"],)) is False
        with scoped(app, tenant=b["id"]) as cur:
            assert one(cur, "select zt_tenant_auto_approve(%s)", (b["id"],)) is True
            assert one(cur, "select zt_tenant_auto_approve(%s)", (b["id"],)) is False
    finally:
        with scoped(owner) as cur:
            cur.execute("update platform_settings set auto_approve_tenants = false")
    with scoped(owner, tenant=a["id"]) as cur:
        assert one(cur, "select status from tenants where id = %s", (a["id"],)) == "pending"


def _worker_envs(stack_var, area):
    pid = open(os.path.join(stack_var, "run", f"{area}.pid")).read().strip()
    kids = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    envs = []
    for k in kids:
        with open(f"/proc/{k}/environ", "rb") as f:
            envs.append({kv.split(b"=", 1)[0].decode() for kv in f.read().split(b"\0") if kv})
    return envs


@pytest.mark.parametrize("area", ["auth", "bookings", "events", "seats", "tenants"])
def test_web_responders_never_get_the_system_connection(stack_var, area):
    envs = _worker_envs(stack_var, area)
    assert envs, f"no {area} workers"
    for e in envs:
        assert "ZT_PG_DSN" in e and "ZT_PG_SYSTEM_DSN" not in e


def test_webhooks_responder_has_the_system_connection(stack_var):
    envs = _worker_envs(stack_var, "webhooks")
    assert envs and all("ZT_PG_SYSTEM_DSN" in e for e in envs)
