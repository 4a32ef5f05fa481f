"""The admin console's money pages and event unlisting (docs/admin.md,
"Money" and "Unlisting an event").

Payout approvals go through zt_payout_decide and are audited with
before/after; reconcile's findings get resolved with a note; the refunds
overview lists every organization's refunds, failed first. An unlisted
event leaves the catalogue, its page and the sale map, while its paid
bookings stay readable and its organizer sees why. The attacks: a tenant
member's token on every new route, a disabled admin's live session, a
decision repeated (409), an organizer trying to relist its own event in
the database, and another admin reading the first one's actions.
"""
import uuid

import psycopg2
import pytest

from test_admin import admin, booked_event, invite  # noqa: F401 (fixtures)
from ztauth import Browser, mint
from ztbook import Person, Shop
from ztorg import Org, ctx  # noqa: F401 (fixture)


@pytest.fixture
def shop(pg_owner_dsn):
    """A Shop whose tenants go with their payouts, findings and audit rows."""
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for t in s.tenants:
        with s.tx(t, admin=True) as cur:
            for table in ("payouts", "payment_discrepancies", "audit_log"):
                cur.execute(f"delete from {table} where tenant_id = %s", (t,))
    s.purge()


def payout(shop, t, ev, gross=100000, refunds=0, fees=4000, commission=2000, status="pending"):
    with shop.tx(t) as cur:
        cur.execute("insert into payouts (tenant_id, event_id, gross_paise, refunds_paise,"
                    " fees_paise, commission_paise, net_paise, status)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s) returning id",
                    (t, ev["id"], gross, refunds, fees, commission,
                     gross - refunds - fees, status))
        return str(cur.fetchone()[0])


def refund(shop, t, ev, buyer, status, amount=50000):
    """A refunded booking with its captured payment and a refund row."""
    with shop.tx(t) as cur:
        cur.execute("insert into bookings (tenant_id, event_id, user_id, status,"
                    " subtotal_paise, total_paise) values (%s, %s, %s, 'refunded', %s, %s)"
                    " returning id", (t, ev["id"], buyer, amount, amount))
        bid = str(cur.fetchone()[0])
        cur.execute("insert into payments (tenant_id, booking_id, provider_order_id,"
                    " provider_payment_id, status, amount_paise, captured_at)"
                    " values (%s, %s, %s, %s, 'captured', %s, now()) returning id",
                    (t, bid, "order_" + uuid.uuid4().hex[:14],
                     "pay_" + uuid.uuid4().hex[:14], amount))
        pid = cur.fetchone()[0]
        cur.execute("insert into refunds (tenant_id, payment_id, amount_paise, status,"
                    " idempotency_key, reason) values (%s, %s, %s, %s, %s, 'event cancelled')"
                    " returning id", (t, pid, amount, status, "rf-" + uuid.uuid4().hex))
        return bid, str(cur.fetchone()[0])


# ------------------------------------------------------------- payouts --

def test_approve_and_hold_payouts_audited_for_the_other_admins(admin, shop):
    a, b = admin("a"), admin("b")
    t = shop.tenant(shop.user("owner"))
    ev = shop.event(t, seats=1)
    p1 = payout(shop, t, ev)
    ev2 = shop.event(t, seats=1)
    p2 = payout(shop, t, ev2, gross=50000, fees=1500, commission=1000)

    r = a.call("GET", "/api/admin/payouts", params={"status": "pending", "q": t})
    assert r.status_code == 200, r.text
    r = a.call("GET", "/api/admin/payouts", params={"status": "pending"})
    got = {x["id"]: x for x in r.json()["payouts"]}
    assert got[p1]["tenantId"] == t and got[p1]["eventTitle"] == "Paid night"
    assert (got[p1]["grossPaise"], got[p1]["feesPaise"], got[p1]["commissionPaise"],
            got[p1]["netPaise"]) == (100000, 4000, 2000, 96000)
    assert got[p1]["tenantName"] == "Booking fest"

    r = a.call("POST", f"/api/admin/payouts/{p1}/approve", {"reason": "books checked"})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    assert r.json()["netPaise"] == 96000
    # a decision is taken once: approving again, or holding it now, is 409
    r = a.call("POST", f"/api/admin/payouts/{p1}/approve", {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    assert a.call("POST", f"/api/admin/payouts/{p1}/hold",
                  {"reason": "late"}).status_code == 409
    # holding needs a reason; a held payout may still be approved
    assert a.call("POST", f"/api/admin/payouts/{p2}/hold", {}).status_code == 400
    assert a.call("POST", f"/api/admin/payouts/{p2}/hold", {"reason": ""}).status_code == 400
    r = a.call("POST", f"/api/admin/payouts/{p2}/hold", {"reason": "chargeback open"})
    assert r.status_code == 200 and r.json()["status"] == "held", r.text
    assert a.call("GET", "/api/admin/payouts?status=held").json()["payouts"][0]["id"] == p2
    assert a.call("POST", f"/api/admin/payouts/{uuid.uuid4()}/approve", {}).status_code == 404
    assert a.call("POST", "/api/admin/payouts/nope/approve", {}).status_code == 404
    assert shop.one("select status, decided_by::text from payouts where id = %s", (p1,),
                    tenant=t)[0] == "approved"

    # the other admin reads who did what, with before/after
    entries = b.call("GET", f"/api/admin/audit?tenantId={t}&action=payout.").json()["entries"]
    by_action = {e["action"]: e for e in entries}
    e = by_action["payout.approved"]
    assert e["actorAdminEmail"] == a.email and e["target"] == f"payout:{p1}"
    assert e["details"] == {"reason": "books checked", "before": {"status": "pending"},
                            "after": {"status": "approved"}}
    e = by_action["payout.held"]
    assert e["details"]["before"] == {"status": "pending"}
    assert e["details"]["after"] == {"status": "held"}
    assert e["details"]["reason"] == "chargeback open"
    assert len(entries) == 2        # the refused attempts wrote nothing


@pytest.mark.parametrize("query", ["status=proposed", "status=sent", "q=" + "x" * 101])
def test_bad_payout_and_refund_queries(admin, query):
    a = admin()
    assert a.call("GET", "/api/admin/payouts?" + query).status_code == 400
    if not query.startswith("status=p"):
        assert a.call("GET", "/api/admin/refunds?" + query).status_code == 400
    assert a.call("GET", "/api/admin/discrepancies?state=bogus").status_code == 400


# ------------------------------------------------------- discrepancies --

def test_resolve_a_discrepancy_with_a_note(admin, shop):
    a, b = admin("a"), admin("b")
    t = shop.tenant(shop.user("owner"))
    pay = "pay_" + uuid.uuid4().hex[:14]
    (did,) = shop.one("insert into payment_discrepancies (tenant_id, provider_payment_id,"
                      " provider_order_id, kind, amount_paise, details)"
                      " values (%s, %s, 'order_x', 'not_settled', 12300,"
                      " '{\"error\": \"seats gone\"}') returning id::text", (t, pay))
    r = a.call("GET", "/api/admin/discrepancies?state=open")
    assert r.status_code == 200, r.text
    d = {x["id"]: x for x in r.json()["discrepancies"]}[did]
    assert d["paymentId"] == pay and d["amountPaise"] == 12300 and d["tenantName"] == "Booking fest"
    assert d["resolvedAt"] is None and d["details"] == {"error": "seats gone"}

    assert a.call("POST", f"/api/admin/discrepancies/{did}/resolve", {}).status_code == 400
    assert a.call("POST", f"/api/admin/discrepancies/{did}/resolve",
                  {"note": "x", "extra": 1}).status_code == 400
    r = a.call("POST", f"/api/admin/discrepancies/{did}/resolve",
               {"note": "refunded by hand in the Dashboard"})
    assert r.status_code == 200 and r.json()["resolved"] is True, r.text
    r = b.call("POST", f"/api/admin/discrepancies/{did}/resolve", {"note": "again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_resolved"
    assert a.call("POST", f"/api/admin/discrepancies/{uuid.uuid4()}/resolve",
                  {"note": "x"}).status_code == 404
    assert did not in str(a.call("GET", "/api/admin/discrepancies?state=open").json())
    d = {x["id"]: x for x in
         a.call("GET", "/api/admin/discrepancies?state=resolved").json()["discrepancies"]}[did]
    assert d["resolvedBy"] == a.email and d["resolutionNote"] == "refunded by hand in the Dashboard"
    e = b.call("GET", "/api/admin/audit?action=payment.discrepancy_resolved&limit=1").json()
    e = e["entries"][0]
    assert e["target"] == f"discrepancy:{did}" and e["actorAdminEmail"] == a.email
    assert e["details"]["before"] == {"status": "open"}
    assert e["details"]["after"] == {"status": "resolved"}


# ------------------------------------------------------------- refunds --

def test_refunds_overview_failed_first_with_filter_and_search(admin, shop):
    a = admin()
    t = shop.tenant(shop.user("owner"))
    ev = shop.event(t, seats=1)
    buyer = shop.user("buyer")
    b_ok, r_ok = refund(shop, t, ev, buyer, "processed")
    b_bad, r_bad = refund(shop, t, ev, buyer, "failed", amount=70000)
    b_wait, r_wait = refund(shop, t, ev, buyer, "pending")

    r = a.call("GET", "/api/admin/refunds", params={"q": ev["id"][:0] + t})
    assert r.status_code == 200, r.text
    r = a.call("GET", "/api/admin/refunds", params={"q": b_bad})
    (x,) = r.json()["refunds"]
    assert x["id"] == r_bad and x["status"] == "failed" and x["amountPaise"] == 70000
    assert x["tenantId"] == t and x["eventId"] == ev["id"] and x["eventTitle"] == "Paid night"
    assert x["bookingId"] == b_bad and x["buyerEmail"].startswith("buyer-")
    assert x["ageSeconds"] >= 0 and x["createdAt"].endswith("Z")
    failed = a.call("GET", "/api/admin/refunds?status=failed").json()["refunds"]
    assert r_bad in [y["id"] for y in failed] and all(y["status"] == "failed" for y in failed)
    pending = a.call("GET", "/api/admin/refunds?status=pending").json()["refunds"]
    assert r_wait in [y["id"] for y in pending] and r_bad not in [y["id"] for y in pending]
    # unfiltered: failed ones come first
    every = a.call("GET", "/api/admin/refunds").json()["refunds"]
    statuses = [y["status"] for y in every]
    assert statuses.index("failed") == 0 and r_ok in [y["id"] for y in every]


# ----------------------------------------------------------- unlisting --

def test_unlist_and_relist_an_event(admin, shop, base_url, stack_var, pg_app_dsn):
    a, b = admin("a"), admin("b")
    t, ev, buyer, booking = booked_event(shop, base_url, stack_var)
    owner = shop.one("select user_id::text from memberships where tenant_id = %s", (t,),
                     tenant=t)[0]
    pub = Browser(base_url)

    assert a.call("POST", f"/api/admin/events/{ev['id']}/unlist", {}).status_code == 400
    assert a.call("POST", f"/api/admin/events/{ev['id']}/unlist",
                  {"reason": ""}).status_code == 400
    r = a.call("POST", f"/api/admin/events/{ev['id']}/unlist",
               {"reason": "misleading listing"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": ev["id"], "title": "Paid night", "listed": False,
                        "unlistedReason": "misleading listing"}
    assert a.call("POST", f"/api/admin/events/{ev['id']}/unlist",
                  {"reason": "again"}).status_code == 409
    # not cancelled: still published, out of the catalogue, search and its page
    assert shop.one("select status from events where id = %s", (ev["id"],), tenant=t)[0] == \
        "published"
    assert pub.call("GET", f"/api/events/{ev['id']}", auth=False).status_code == 404
    assert ev["id"] not in str(pub.call("GET", "/api/events?limit=100", auth=False).json())
    assert ev["id"] not in str(pub.call("GET", "/api/events?q=Paid%20night&limit=100",
                                        auth=False).json())
    # holds refused
    other = Person(base_url, stack_var, shop.user())
    r = other.call("POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][1:2]})
    assert r.status_code == 404, r.text
    # the paid (here: free, confirmed) booking stays valid and readable
    r = buyer.call("GET", f"/api/bookings/{booking}")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    # the organizer sees why
    org = Person(base_url, stack_var, owner, t, "owner")
    mine = org.call("GET", "/api/events/mine?limit=200").json()
    mine = {e["id"]: e for e in mine.get("events", mine if isinstance(mine, list) else [])}
    assert mine[ev["id"]]["unlistedReason"] == "misleading listing"
    # the organizer cannot list it again behind the platform's back
    conn = psycopg2.connect(pg_app_dsn)
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with conn, conn.cursor() as cur:
                cur.execute("select set_config('app.tenant_id', %s, true)", (t,))
                cur.execute("update events set unlisted_at = null, unlisted_reason = null"
                            " where id = %s", (ev["id"],))
    finally:
        conn.close()
    listed = a.call("GET", f"/api/admin/events?tenantId={t}").json()["events"]
    assert listed[0]["unlistedReason"] == "misleading listing"

    r = b.call("POST", f"/api/admin/events/{ev['id']}/relist", {})
    assert r.status_code == 200 and r.json()["listed"] is True, r.text
    assert b.call("POST", f"/api/admin/events/{ev['id']}/relist", {}).status_code == 409
    assert a.call("POST", f"/api/admin/events/{uuid.uuid4()}/relist", {}).status_code == 404
    assert pub.call("GET", f"/api/events/{ev['id']}", auth=False).status_code == 200
    r = other.call("POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][1:2]})
    assert r.status_code in (200, 201), r.text
    mine = org.call("GET", "/api/events/mine?limit=200").json()
    mine = {e["id"]: e for e in mine.get("events", mine if isinstance(mine, list) else [])}
    assert mine[ev["id"]]["unlistedReason"] is None

    entries = a.call("GET", f"/api/admin/audit?tenantId={t}&action=event.").json()["entries"]
    assert [e["action"] for e in entries] == ["event.relisted", "event.unlisted"]
    assert entries[0]["actorAdminEmail"] == b.email
    assert entries[0]["details"]["before"] == {"listed": False,
                                               "unlistedReason": "misleading listing"}
    assert entries[0]["details"]["after"] == {"listed": True, "unlistedReason": None}
    assert entries[1]["actorAdminEmail"] == a.email
    assert entries[1]["details"]["reason"] == "misleading listing"
    assert entries[1]["details"]["before"]["listed"] is True


# ------------------------------------------------------------- attacks --

NEW_ROUTES = [
    ("GET", "/api/admin/payouts", None),
    ("POST", "/api/admin/payouts/{id}/approve", {}),
    ("POST", "/api/admin/payouts/{id}/hold", {"reason": "x"}),
    ("GET", "/api/admin/discrepancies", None),
    ("POST", "/api/admin/discrepancies/{id}/resolve", {"note": "x"}),
    ("GET", "/api/admin/refunds", None),
    ("POST", "/api/admin/events/{id}/unlist", {"reason": "x"}),
    ("POST", "/api/admin/events/{id}/relist", {}),
]


def test_tenant_member_token_is_refused_on_every_new_route(ctx, stack_var):
    org = Org(ctx)
    some = str(uuid.uuid4())
    for token in (org.owner.token, mint(stack_var, org.owner.id, org.id, "owner"),
                  mint(stack_var, org.owner.id, aud="ztic-admin")):
        for method, path, body in NEW_ROUTES:
            kw = {"headers": {"Authorization": "Bearer " + token}}
            if body is not None:
                kw["json"] = body
            r = ctx.api(method, path.replace("{id}", some), **kw)
            assert r.status_code in (401, 403), (path, r.status_code, r.text)


def test_disabled_admin_session_is_refused_on_every_new_route(admin, shop):
    a, b = admin("a"), admin("b")
    t = shop.tenant(shop.user("owner"))
    ev = shop.event(t, seats=1)
    pid = payout(shop, t, ev)
    me_b = b.call("GET", "/api/admin/me").json()["admin"]["id"]
    assert a.call("POST", f"/api/admin/admins/{me_b}/disable",
                  {"reason": "left"}).status_code == 204
    for method, path, body in NEW_ROUTES:
        some = pid if "payouts" in path else ev["id"] if "events" in path else str(uuid.uuid4())
        r = b.call(method, path.replace("{id}", some), body)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"]["code"] == "admin_session_required"
    # nothing happened
    assert shop.one("select status from payouts where id = %s", (pid,), tenant=t)[0] == "pending"
    assert shop.one("select unlisted_at from events where id = %s", (ev["id"],),
                    tenant=t)[0] is None
