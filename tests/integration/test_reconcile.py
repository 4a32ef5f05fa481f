"""ztic-reconcile: a payment whose webhook never came (docs/finance.md).

Razorpay captured the payment, but neither Checkout's proof nor the
webhook reached us: the booking would stay pending and then expire.
Reconcile asks Razorpay about the order and settles it exactly as the
webhook would have, once, however many runs race.
"""

import requests

from ztbook import Person, rzp_lost, run_cron, run_cron_twice, shop  # noqa: F401


def pending_booking(shop, base_url, stack_var, seats=1):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=4)
    b = Person(base_url, stack_var, shop.user("buyer"))
    b.hold(ev, ev["seats"][:seats])
    r = b.book(ev)
    assert r.status_code in (200, 201), r.text
    return ev, b, r.json()


def state(shop, bid):
    st = shop.one("select status from bookings where id = %s", (bid,))[0]
    pay = shop.all("select status, provider_payment_id, fee_paise"
                   " from payments where booking_id = %s order by created_at",
                   (bid,))
    tickets = shop.one("select count(*), count(distinct seat_id)"
                       " from tickets where booking_id = %s", (bid,))
    return st, pay, tickets


def test_lost_webhook_is_settled_once(shop, rzp_lost, base_url, stack_var):
    ev, b, body = pending_booking(shop, base_url, stack_var, seats=2)
    paid = rzp_lost.pay(body["payment"]["orderId"])
    pid = paid["razorpay_payment_id"]
    assert state(shop, body["id"])[0] == "pending"

    # not yet due: a payment is given ZT_RECONCILE_AFTER to arrive
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=3600)
    assert state(shop, body["id"])[0] == "pending"

    # two runs at once: one takes the lock, the other leaves
    errs = run_cron_twice(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    assert any("another run holds the lock" in e for e in errs) or \
        sum("settled" in e for e in errs) == 1, errs
    st, pay, tickets = state(shop, body["id"])
    assert st == "confirmed"
    assert [(s, p) for s, p, _ in pay] == [("captured", pid)]
    assert pay[0][2] and pay[0][2] > 0          # Razorpay's fee, kept
    assert tickets == (2, 2)

    # again, and the lost webhook arriving late: nothing changes
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    rzp_lost.deliver()
    assert state(shop, body["id"]) == (st, pay, tickets)
    r = b.call("GET", "/api/bookings/" + body["id"])
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    sold = shop.one("select count(*) from tickets where event_id = %s"
                    " and status = 'live'", (ev["id"],))
    assert sold[0] == 2


def test_authorized_only_does_not_settle(shop, rzp_lost, base_url, stack_var):
    """Money not captured is not money taken: the booking stays pending."""
    _, _, body = pending_booking(shop, base_url, stack_var)
    rzp_lost.pay(body["payment"]["orderId"], outcome="authorized")
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    st, pay, tickets = state(shop, body["id"])
    assert st == "pending" and pay[0][0] == "created" and tickets[0] == 0


def test_unpaid_order_is_left_alone(shop, rzp_lost, base_url, stack_var):
    _, _, body = pending_booking(shop, base_url, stack_var)
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    st, pay, tickets = state(shop, body["id"])
    assert st == "pending" and pay[0][0] == "created" and tickets[0] == 0
    checked = shop.one("select reconciled_at is not null from payments"
                       " where booking_id = %s", (body["id"],))[0]
    assert checked


def test_payment_of_an_order_we_never_made_is_reported(shop, razorpay_url, stack_var):
    """Razorpay captured money for an order that is not ours: reported."""
    r = requests.post(razorpay_url + "/v1/orders", auth=("rzp_test_ztic", "rzp_test_secret"),
                      json={"amount": 12300, "currency": "INR"}, timeout=10)
    assert r.status_code == 200, r.text
    paid = requests.post(razorpay_url + "/_fake/pay", json={"order_id": r.json()["id"]},
                         timeout=10).json()
    pid = paid["razorpay_payment_id"]
    try:
        run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
        rows = shop.all("select kind, amount_paise, provider_order_id"
                        " from payment_discrepancies where provider_payment_id = %s", (pid,))
        assert rows == [("unknown_order", 12300, r.json()["id"])]
        run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)   # once
        assert shop.one("select count(*) from payment_discrepancies"
                        " where provider_payment_id = %s", (pid,))[0] == 1
    finally:
        with shop.tx(admin=True) as cur:
            cur.execute("delete from payment_discrepancies where provider_payment_id = %s",
                        (pid,))


def test_second_payment_found_in_the_list_is_refunded(shop, rzp_lost, base_url, stack_var):
    """A second payment of a paid order, its webhook lost: found in
    Razorpay's list of payments, it is refunded, and the tickets stay."""
    _, b, body = pending_booking(shop, base_url, stack_var)
    pay = rzp_lost.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 200, r.text
    second = rzp_lost.pay(body["payment"]["orderId"], force=True)["razorpay_payment_id"]
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    st, pays, tickets = state(shop, body["id"])
    assert st == "confirmed" and tickets[0] == 1
    assert sorted(p for _, p, _ in pays) == sorted([pay["razorpay_payment_id"], second])
    keys = shop.all("select r.idempotency_key from refunds r join payments p"
                    " on p.id = r.payment_id where p.provider_payment_id = %s", (second,))
    assert keys == [("extra-" + second,)]
