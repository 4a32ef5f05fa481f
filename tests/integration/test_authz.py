"""Organizer powers are read from the database on every request, not from
the access token (issue #16, authorization holes 1 and 4).

A token names a tenant and a role and lives up to 15 minutes; a member
removed or demoted meanwhile must lose the powers at once. Every organizer
endpoint (route rows with ZT_AUTH_SCANNER/MANAGER/OWNER) is replayed with
the old tokens: 403 `not_a_member` for the removed member, 403 `forbidden`
for what the demoted one may no longer do, and nothing changes. Buyers'
contact details are for managers and owners only (docs/bookings.md).
"""

import uuid

import pytest
import requests

from ztbook import Person, Rzp, Shop
from ztorg import GA_LAYOUT, event_body


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    for tid in s.tenants:   # member changes are audited
        s.all("delete from audit_log where tenant_id = %s returning id",
              (tid,), tenant=tid)
    s.purge()


@pytest.fixture
def rzp(razorpay_url):
    r = Rzp(razorpay_url)
    yield r
    r.webhooks(duplicate=0, shuffle=False)
    r.deliver()
    r.webhooks(auto=True)


def member(shop, tenant, role, label):
    uid = shop.user(label)
    shop.one("insert into memberships (tenant_id, user_id, role) values"
             " (%s, %s, %s) returning user_id", (tenant, uid, role),
             tenant=tenant)
    return uid


def paid_and_confirmed(shop, base_url, stack_var, rzp, ev):
    rzp.webhooks(auto=False)
    b = Person(base_url, stack_var, shop.user("buyer"))
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    pay = rzp.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 200, r.text
    return b, r.json()


def state(shop, tenant):
    """Everything an organizer call could change, for comparison."""
    q = {
        "tenant": "select name, status, updated_at from tenants where id = %s",
        "members": "select user_id, role from memberships where tenant_id = %s"
                   " order by user_id",
        "events": "select id, status, title from events"
                  " where tenant_id = %s order by id",
        "types": "select count(*) from ticket_types where tenant_id = %s",
        "bookings": "select id, status from bookings where tenant_id = %s"
                    " order by id",
        "tickets": "select id, status from tickets where tenant_id = %s"
                   " order by id",
        "payments": "select id, status, refunded_paise from payments"
                    " where tenant_id = %s order by id",
        "refunds": "select count(*) from refunds where tenant_id = %s",
        "audit": "select count(*) from audit_log where tenant_id = %s",
    }
    return {k: shop.all(v, (tenant,), tenant=tenant) for k, v in q.items()}


def organizer_calls(ev, draft, booking, victim):
    """(method, path, body, least role) of every organizer endpoint."""
    return [
        ("GET", "/api/events/mine", None, "scanner"),
        ("GET", f"/api/events/mine/{ev}", None, "scanner"),
        ("POST", "/api/events", event_body(), "manager"),
        ("PATCH", f"/api/events/{draft}", {"title": "Taken over"}, "manager"),
        ("PUT", f"/api/events/{draft}/layout", GA_LAYOUT, "manager"),
        ("POST", f"/api/events/{draft}/publish", {}, "manager"),
        ("POST", f"/api/events/{ev}/cancel", {"reason": "gone"}, "manager"),
        ("DELETE", f"/api/events/{draft}", None, "manager"),
        ("GET", "/api/tenants/me", None, "scanner"),
        ("PATCH", "/api/tenants/me", {"name": "Taken over"}, "manager"),
        ("GET", "/api/tenants/me/members", None, "manager"),
        ("POST", "/api/tenants/me/members",
         {"email": f"x-{uuid.uuid4().hex[:8]}@test.ztic.in", "role": "manager"},
         "manager"),
        ("PATCH", f"/api/tenants/me/members/{victim}", {"role": "scanner"},
         "manager"),
        ("DELETE", f"/api/tenants/me/members/{victim}", None, "manager"),
        ("GET", "/api/bookings", {"eventId": ev}, "scanner"),
        ("GET", f"/api/bookings/{booking}", None, "scanner"),
        ("POST", f"/api/bookings/{booking}/refund", {"amountPaise": 1000},
         "manager"),
        ("POST", f"/api/bookings/{booking}/refund", {}, "manager"),
    ]


def replay(person, method, path, body):
    if method == "GET" and body:
        return person.call(method, path, params=body)
    return person.call(method, path, body)


def test_removed_and_demoted_members_lose_powers_with_their_old_tokens(
        shop, base_url, stack_var, rzp):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=2)
    draft = shop.event(t, seats=0)
    shop.one("update events set status = 'draft', published_at = null"
             " where id = %s returning id", (draft["id"],), tenant=t)
    removed = member(shop, t, "manager", "removed")
    demoted = member(shop, t, "manager", "demoted")
    victim = member(shop, t, "scanner", "victim")
    buyer, bk = paid_and_confirmed(shop, base_url, stack_var, rzp, ev)

    old_removed = Person(base_url, stack_var, removed, t, "manager")
    old_demoted = Person(base_url, stack_var, demoted, t, "manager")
    boss = Person(base_url, stack_var, owner, t, "owner")
    # before: both managers see the attendee list with contact details
    for p in (old_removed, old_demoted):
        r = p.call("GET", "/api/bookings", params={"eventId": ev["id"]})
        assert r.status_code == 200, r.text
        assert r.json()["bookings"][0]["buyer"]["email"]

    r = boss.call("DELETE", f"/api/tenants/me/members/{removed}")
    assert r.status_code == 204, r.text
    r = boss.call("PATCH", f"/api/tenants/me/members/{demoted}",
                  {"role": "scanner"})
    assert r.status_code == 200, r.text

    before = state(shop, t)
    calls = organizer_calls(ev["id"], draft["id"], bk["id"], victim)
    for method, path, body, least in calls:
        r = replay(old_removed, method, path, body)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "not_a_member", (method, path, r.text)
        r = replay(old_demoted, method, path, body)
        if least == "manager":
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "forbidden", (method, path, r.text)
        else:
            assert r.status_code == 200, (method, path, r.text)
    # the live dashboard channel too
    r = requests.get(base_url + "/live/tenant",
                     params={"token": old_removed.token}, timeout=10)
    assert r.status_code == 403
    assert state(shop, t) == before

    # the demoted member, now a scanner, reads what a gate needs only
    lst = old_demoted.call("GET", "/api/bookings",
                           params={"eventId": ev["id"]}).json()["bookings"]
    assert [x["id"] for x in lst] == [bk["id"]] and "buyer" not in lst[0]
    one = old_demoted.call("GET", f"/api/bookings/{bk['id']}").json()
    assert "buyer" not in one and one["tickets"]

    # a removed member who bought a ticket still reads their own booking
    buyer_as_removed = Person(base_url, stack_var, buyer.id, t, "manager")
    r = buyer_as_removed.call("GET", f"/api/bookings/{bk['id']}")
    assert r.status_code == 200 and r.json()["id"] == bk["id"]
    assert "buyer" not in r.json()


def test_buyer_contacts_are_for_managers_and_owners_only(
        shop, base_url, stack_var, rzp):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=2)
    mgr = member(shop, t, "manager", "mgr")
    scn = member(shop, t, "scanner", "scn")
    buyer, bk = paid_and_confirmed(shop, base_url, stack_var, rzp, ev)
    for uid, role, sees in ((owner, "owner", True), (mgr, "manager", True),
                            (scn, "scanner", False)):
        p = Person(base_url, stack_var, uid, t, role)
        lst = p.call("GET", "/api/bookings", params={"eventId": ev["id"]})
        assert lst.status_code == 200, lst.text
        one = p.call("GET", f"/api/bookings/{bk['id']}")
        assert one.status_code == 200, one.text
        for b in (lst.json()["bookings"][0], one.json()):
            assert ("buyer" in b) is sees, (role, b)
            if sees:
                assert b["buyer"]["email"].startswith("buyer-")
    # a scanner's token claiming manager does not widen it: the role is
    # read from the database
    forged = Person(base_url, stack_var, scn, t, "manager")
    one = forged.call("GET", f"/api/bookings/{bk['id']}").json()
    assert "buyer" not in one
    r = forged.call("POST", f"/api/bookings/{bk['id']}/refund", {})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert shop.one("select status from bookings where id = %s",
                    (bk["id"],))[0] == "confirmed"
    # the buyer never sees a buyer block of contact details
    assert "buyer" not in buyer.call("GET", f"/api/bookings/{bk['id']}").json()


def test_another_tenants_event_is_404_for_the_booking_list(
        shop, base_url, stack_var):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=1)
    rival_user = shop.user("rival")
    rival_t = shop.tenant(rival_user)
    rival = Person(base_url, stack_var, rival_user, rival_t, "owner")
    r = rival.call("GET", "/api/bookings", params={"eventId": ev["id"]})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "event_not_found"
    r = rival.call("GET", "/api/bookings", params={"eventId": str(uuid.uuid4())})
    assert r.status_code == 404
    mine = Person(base_url, stack_var, owner, t, "owner")
    r = mine.call("GET", "/api/bookings", params={"eventId": ev["id"]})
    assert r.status_code == 200 and r.json()["bookings"] == []
