"""A released hold closes its pending order (issue #23, the walk-through:
"A buyer who released their hold can still pay the pending order").

Giving the hold back (DELETE /api/seats/lock, or one seat of it) closes the
buyer's pending bookings of that event in PostgreSQL in the same request:
status expired, closeReason hold_released.  The booking read says so, and a
payment that still arrives for it is refunded in full and never issues
tickets, whoever holds the seats meanwhile (docs/bookings.md, "Closed on
release")."""

import time

import pytest

from ztbook import Person, Rzp, Shop, run_cron


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


@pytest.fixture
def rzp(razorpay_url):
    r = Rzp(razorpay_url)
    yield r
    r.webhooks(duplicate=0, shuffle=False)
    r.deliver()
    r.webhooks(auto=True)


def buyer(shop, base_url, stack_var, label="buyer"):
    return Person(base_url, stack_var, shop.user(label))


def read(p, bid):
    r = p.call("GET", f"/api/bookings/{bid}")
    assert r.status_code == 200, r.text
    return r.json()


def live_tickets(shop, ev):
    return shop.one("select count(*) from tickets where event_id = %s"
                    " and status = 'live'", (ev["id"],))[0]


def test_release_closes_the_pending_order_and_a_late_payment_is_refunded(
        shop, base_url, stack_var, rzp):
    rzp.webhooks(auto=False)
    t = shop.tenant()
    ev = shop.event(t, seats=2)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ev["seats"][:1])
    made = b.book(ev)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "pending" and body["closeReason"] is None
    assert read(b, body["id"])["closeReason"] is None

    r = b.call("DELETE", "/api/seats/lock", params={"eventId": ev["id"]})
    assert r.status_code == 204, r.text
    # closed in the same request: no cron, no wait
    got = read(b, body["id"])
    assert (got["status"], got["closeReason"]) == ("expired", "hold_released")
    # My tickets lists it, with the reason
    mine = b.call("GET", "/api/bookings/mine").json()["bookings"]
    assert [x["closeReason"] for x in mine if x["id"] == body["id"]] == \
        ["hold_released"]

    # someone else takes the seat the release gave back, in Redis only
    other = buyer(shop, base_url, stack_var, "other")
    other.hold(ev, ev["seats"][:1])
    # the buyer's Checkout was already open: the payment still arrives
    pay = rzp.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "order_closed"
    assert live_tickets(shop, ev) == 0  # never issued
    got = read(b, body["id"])
    assert (got["status"], got["closeReason"]) == ("refunded", "hold_released")
    ref = shop.one("select r.amount_paise, r.provider_refund_id is not null"
                   " from refunds r join payments p on p.id = r.payment_id"
                   " where p.booking_id = %s", (body["id"],))
    assert ref == (body["totalPaise"], True)
    # the proof again: the same answer, no second refund
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code in (200, 409), r.text
    assert shop.one("select count(*) from refunds r join payments p"
                    " on p.id = r.payment_id where p.booking_id = %s",
                    (body["id"],))[0] == 1
    # the seat is sold once, to the one who holds it now
    ob = other.book(ev).json()
    opay = rzp.pay(ob["payment"]["orderId"])
    r = other.call("POST", "/api/bookings/confirm", {"bookingId": ob["id"], **opay})
    assert r.status_code == 200, r.text
    assert live_tickets(shop, ev) == 1


def test_a_webhook_for_a_closed_order_is_refunded_too(
        shop, base_url, stack_var, rzp):
    rzp.webhooks(auto=False)
    t = shop.tenant()
    ev = shop.event(t, seats=2)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ev["seats"][:2])
    body = b.book(ev).json()
    assert b.call("DELETE", "/api/seats/lock",
                  params={"eventId": ev["id"]}).status_code == 204
    rzp.pay(body["payment"]["orderId"])
    rzp.deliver()

    def settled():
        return shop.one("select b.status, p.status from bookings b join"
                        " payments p on p.booking_id = b.id where b.id = %s"
                        " order by p.created_at limit 1", (body["id"],))
    for _ in range(100):
        if settled()[0] != "expired":
            break
        time.sleep(0.1)
    assert settled()[0] == "refunded"
    assert live_tickets(shop, ev) == 0


def test_releasing_one_seat_closes_the_order_and_the_rest_books_anew(
        shop, base_url, stack_var):
    t = shop.tenant()
    ev = shop.event(t, seats=3)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ev["seats"][:2])
    first = b.book(ev).json()
    r = b.call("DELETE", f"/api/seats/lock/{ev['seats'][1]}",
               params={"eventId": ev["id"]})
    assert r.status_code == 204, r.text
    got = read(b, first["id"])
    assert (got["status"], got["closeReason"]) == ("expired", "hold_released")
    # without ?eventId= (the seat is looked up) it works the same
    b.hold(ev, ev["seats"][:2])
    second = b.book(ev)
    assert second.status_code == 201, second.text
    second = second.json()
    assert b.call("DELETE", f"/api/seats/lock/{ev['seats'][0]}").status_code == 204
    assert read(b, second["id"])["closeReason"] == "hold_released"
    # what is left of the hold makes a new order, open for payment
    third = b.book(ev)
    assert third.status_code == 201, third.text
    third = third.json()
    assert third["id"] not in (first["id"], second["id"])
    assert third["status"] == "pending" and third["closeReason"] is None
    assert [i["seatId"] for i in third["items"]] == [ev["seats"][1]]


def test_a_release_closes_only_the_callers_own_order(shop, base_url, stack_var):
    """Another buyer's release (same event), a release of a seat not held
    (404, nothing touched) and a release on another event leave the order
    open."""
    t = shop.tenant()
    ev = shop.event(t, seats=3)
    ev2 = shop.event(t, seats=1)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    other = buyer(shop, base_url, stack_var, "other")
    other.hold(ev, ev["seats"][1:2])
    assert other.call("DELETE", "/api/seats/lock",
                      params={"eventId": ev["id"]}).status_code == 204
    # the other buyer names our booking's seat: not theirs
    r = other.call("DELETE", f"/api/seats/lock/{ev['seats'][0]}",
                   params={"eventId": ev["id"]})
    assert r.status_code == 404, r.text
    r = b.call("DELETE", f"/api/seats/lock/{ev['seats'][2]}",
               params={"eventId": ev["id"]})
    assert r.status_code == 404, r.text
    assert b.call("DELETE", "/api/seats/lock",
                  params={"eventId": ev2["id"]}).status_code == 204
    got = read(b, body["id"])
    assert (got["status"], got["closeReason"]) == ("pending", None)


def test_cron_expiry_says_why(shop, base_url, stack_var):
    t = shop.tenant()
    ev = shop.event(t, seats=1)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    shop.one("update bookings set expires_at = now() - interval '1 second'"
             " where id = %s returning id", (body["id"],), tenant=t)
    run_cron(stack_var, "expire")
    got = read(b, body["id"])
    assert (got["status"], got["closeReason"]) == ("expired", "hold_expired")
