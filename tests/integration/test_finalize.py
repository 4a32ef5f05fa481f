"""ztic-finalize: the end of an event (docs/finance.md, "Finalize").

An event whose end has passed becomes completed: pending bookings expire,
its Redis keys go, its channel says event.completed; nobody can hold its
seats, the buyer cannot cancel, the organizer can still refund within
ZT_REFUND_WINDOW_DAYS of the end, and a payment that arrives after the end
is refunded instead of issuing tickets.
"""

from ztbook import (Person, rzp_lost, run_cron, run_cron_twice, shop,  # noqa: F401
                    wait_for)
from ztseats import Redis, WsSub


def ended(shop, ev, ago="2 hours"):
    """Move the event into the past: it started 5 h and ended `ago` ago."""
    with shop.tx(ev["tenant"]) as cur:
        cur.execute("update events set starts_at = now() - %s::interval"
                    " - interval '3 hours', ends_at = now() - %s::interval"
                    " where id = %s", (ago, ago, ev["id"]))


def test_an_event_that_ends(shop, rzp_lost, base_url, stack_var, redis_socket):
    redis = Redis(redis_socket)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=4, refund="before_start", cutoff=0)
    org = Person(base_url, stack_var, owner, t, "owner")

    # a paid booking, and one left unpaid (its webhook comes after the end)
    buyer = Person(base_url, stack_var, shop.user("buyer"))
    buyer.hold(ev, ev["seats"][:1])
    paid = buyer.book(ev).json()
    pay = rzp_lost.pay(paid["payment"]["orderId"])
    r = buyer.call("POST", "/api/bookings/confirm", {"bookingId": paid["id"], **pay})
    assert r.status_code == 200, r.text
    late = Person(base_url, stack_var, shop.user("late"))
    late.hold(ev, ev["seats"][1:2])
    unpaid = late.book(ev).json()
    assert redis("EXISTS", f"zt:{{ev:{ev['id']}}}:ver") == 1

    ended(shop, ev)
    sub = WsSub(base_url.replace("http", "ws") + f"/live/events/{ev['id']}")
    try:
        run_cron_twice(stack_var, "finalize")
        msgs = sub.take(1)     # the channel's history comes first
        while msgs[-1]["type"] != "event.completed":
            msgs += sub.take(1)
        msgs += sub.quiet()
    finally:
        sub.close()
    assert [m["type"] for m in msgs].count("event.completed") == 1, msgs
    st, fin = shop.one("select status, finalized_at from events where id = %s",
                       (ev["id"],))
    assert st == "completed" and fin is not None
    assert shop.one("select status from bookings where id = %s",
                    (unpaid["id"],))[0] == "expired"
    # every key but the map version, which expires after every cached map
    keys = redis("KEYS", f"zt:{{ev:{ev['id']}}}:*")
    assert keys == [f"zt:{{ev:{ev['id']}}}:map"], keys
    assert 0 < redis("PTTL", keys[0]) <= 120000
    assert redis("ZSCORE", "zt:hold-events", ev["id"]) is None

    # again: nothing left to do
    p = run_cron(stack_var, "finalize")
    assert "events finalized" not in p.stderr

    # closed: no hold, no edit, no buyer cancellation
    r = Person(base_url, stack_var, shop.user("x")).call(
        "POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][2:3]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "event_ended", r.text
    r = org.call("PATCH", f"/api/events/{ev['id']}", {"title": "Again"})
    assert r.status_code == 409, r.text
    r = buyer.call("POST", f"/api/bookings/{paid['id']}/cancel")
    assert r.status_code == 409, r.text

    # the unpaid booking's payment arrives after the end: refunded, no ticket
    rzp_lost.pay(unpaid["payment"]["orderId"])
    rzp_lost.deliver()
    assert wait_for(lambda: shop.one(
        "select count(*) from refunds r join payments p on p.id = r.payment_id"
        " where p.booking_id = %s", (unpaid["id"],))[0] == 1)
    assert shop.one("select count(*) from tickets where booking_id = %s",
                    (unpaid["id"],))[0] == 0

    # the organizer may still refund, within the window
    r = org.call("POST", f"/api/bookings/{paid['id']}/refund", {})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refunded"


def test_organizer_refund_window_closes(shop, rzp_lost, base_url, stack_var):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=2)
    org = Person(base_url, stack_var, owner, t, "owner")
    buyer = Person(base_url, stack_var, shop.user("buyer"))
    buyer.hold(ev, ev["seats"][:1])
    b = buyer.book(ev).json()
    pay = rzp_lost.pay(b["payment"]["orderId"])
    assert buyer.call("POST", "/api/bookings/confirm",
                      {"bookingId": b["id"], **pay}).status_code == 200
    ended(shop, ev, ago="40 days")         # ZT_REFUND_WINDOW_DAYS is 30
    run_cron(stack_var, "finalize")
    r = org.call("POST", f"/api/bookings/{b['id']}/refund", {})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "refund_window_closed"
    assert shop.one("select count(*) from refunds r join payments p"
                    " on p.id = r.payment_id where p.booking_id = %s",
                    (b["id"],))[0] == 0
