"""ztic-reconcile: a payment whose webhook never came (docs/finance.md).

Razorpay captured the payment, but neither Checkout's proof nor the
webhook reached us: the booking would stay pending and then expire.
Reconcile asks Razorpay about the order and settles it exactly as the
webhook would have, once, however many runs race.
"""

import requests

from ztbook import (Person, Rzp, paid_booking, rzp_lost, run_cron, run_cron_twice,  # noqa: F401
                    shop, wait_for)


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


def test_concurrent_sale_with_lost_webhooks_balances_after_reconcile(
        shop, rzp_lost, razorpay_url, base_url, stack_var):
    """A sale of 40 buyers racing for 12 seats and 8 GA units while most of
    Razorpay's webhooks are lost and many buyers never send Checkout's
    proof; some pay after their booking lapsed.  Reconcile (two runs at
    once) settles what was paid; the lost webhooks arriving late change
    nothing; nothing is oversold, every captured payment is a confirmed
    booking or refunded in full, and the ledger balances:
    gross - refunds - fees - commission - its GST = payable."""
    import random
    from concurrent.futures import ThreadPoolExecutor


    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=12, ga=[8], ga_price=30000)
    ga = ev["ga"][0]
    rnd = random.Random(11)
    people = [Person(base_url, stack_var, shop.user(f"fan{i}")) for i in range(40)]
    plans = [rnd.choices(["proof", "silent", "late"], [40, 45, 15])[0] for _ in people]
    late = []

    def buyer(i):
        p, r = people[i], random.Random(i)
        if r.random() < 0.5:
            body = {"eventId": ev["id"], "seatIds": [r.choice(ev["seats"])]}
        else:
            body = {"eventId": ev["id"], "seatIds": [], "ga": [{"ticketTypeId": ga, "quantity": 1}]}
        h = p.call("POST", "/api/seats/lock", body)
        assert h.status_code in (200, 409), h.text
        if h.status_code != 200:
            return "no hold"
        b = p.book(ev)
        assert b.status_code in (201, 409), b.text
        if b.status_code != 201:
            return "no booking"
        bk = b.json()
        if plans[i] == "late":
            p.call("DELETE", "/api/seats/lock", params={"eventId": ev["id"]})
            late.append(bk)
            return "late"
        pay = rzp_lost.pay(bk["payment"]["orderId"])
        if plans[i] == "proof":
            c = p.call("POST", "/api/bookings/confirm", {"bookingId": bk["id"], **pay})
            assert c.status_code in (200, 409), c.text
        return plans[i]

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(buyer, range(len(people))))
    assert outcomes.count("silent") > 3 and outcomes.count("proof") > 3

    # the lapsed bookings expire, then their buyers pay anyway (no proof)
    shop.one("update bookings set expires_at = now() - interval '1 second'"
             " where event_id = %s and status = 'pending' and id = any(%s::uuid[])"
             " returning 1", (ev["id"], [bk["id"] for bk in late] or [None]), tenant=t)
    run_cron(stack_var, "expire")
    for bk in late:
        rzp_lost.pay(bk["payment"]["orderId"])

    # a third of the queued webhooks arrive; the rest are lost for now
    hooks = requests.get(razorpay_url + "/_fake/webhooks", params={"body": 0},
                         timeout=10).json()
    queued = hooks["queued"]
    some = [e for e in queued if rnd.random() < 0.33]
    if some:
        rzp_lost.deliver(event_ids=some)

    run_cron_twice(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)   # Razorpay's fees
    run_cron(stack_var, "refunds")

    def snapshot():
        # (a payment's status may still move captured -> refunded: the
        # refund.processed webhook of a late payment's refund, lost too)
        return shop.all("select b.id, b.status, p.provider_payment_id, p.amount_paise,"
                        " (select count(*) from tickets k where k.booking_id = b.id"
                        "  and k.status = 'live'),"
                        " (select coalesce(sum(amount_paise), 0) from refunds r"
                        "  where r.payment_id = p.id)"
                        " from bookings b join payments p on p.booking_id = b.id"
                        " where b.event_id = %s order by b.id, p.provider_payment_id",
                        (ev["id"],))

    before = snapshot()
    rzp_lost.deliver()                      # the lost webhooks, late
    run_cron(stack_var, "reconcile", ZT_RECONCILE_AFTER=0)
    assert snapshot() == before

    # nothing oversold
    assert shop.all("select seat_id from tickets where event_id = %s and status = 'live'"
                    " and seat_id is not null group by seat_id having count(*) > 1",
                    (ev["id"],)) == []
    sold, cap = shop.one("select sold, capacity from ticket_types where id = %s", (ga,))
    live_ga = shop.one("select count(*) from tickets where ticket_type_id = %s"
                       " and status = 'live'", (ga,))[0]
    assert sold <= cap and sold == live_ga

    # every payment Razorpay captured is a confirmed booking or refunded in full
    st = requests.get(razorpay_url + "/_fake/state", timeout=10).json()
    orders = {r[0] for r in shop.all("select p.provider_order_id from payments p join"
                                     " bookings b on b.id = p.booking_id where"
                                     " b.event_id = %s", (ev["id"],))}
    captured = [pm for pm in st["payments"] if pm["order_id"] in orders and pm["captured"]]
    assert len(captured) == outcomes.count("proof") + outcomes.count("silent") + len(late)
    for pm in captured:
        row = shop.one("select b.status, b.total_paise, p.status, coalesce((select"
                       " sum(amount_paise) from refunds r where r.payment_id = p.id"
                       " and r.status <> 'failed'), 0) from payments p join bookings b"
                       " on b.id = p.booking_id where p.provider_payment_id = %s", (pm["id"],))
        assert row is not None, f"captured payment {pm['id']} unknown to us"
        bstatus, total, pstatus, refunded = row
        if refunded:
            assert refunded == pm["amount"], (pm, row)
        else:
            assert bstatus == "confirmed" and total == pm["amount"], (pm, row)
    assert shop.one("select count(*) from bookings b join payments p on p.booking_id = b.id"
                    " where b.event_id = %s and b.status = 'pending'"
                    " and p.provider_payment_id is not null", (ev["id"],))[0] == 0

    # the ledger balances and matches Razorpay
    org = Person(base_url, stack_var, owner, t, "owner")
    s = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    assert s["collectedPaise"] == sum(pm["amount"] for pm in captured)
    assert s["gatewayFeesPaise"] == sum(pm["fee"] for pm in captured)
    assert s["refundsPaise"] == sum(r[5] for r in snapshot())
    assert s["payablePaise"] == s["grossPaise"] - s["refundsPaise"] \
        - s["gatewayFeesPaise"] - s["commissionPaise"] - s["commissionGstPaise"]
    if late:
        assert s["lines"]["refunds"]["latePayments"] > 0


def test_daily_settlement_report_is_compared(shop, razorpay_url, base_url, stack_var):
    """Razorpay's settlement report of a day against our payments and
    refunds: a payment we never recorded and one of another amount are
    discrepancies, the rest match; the day's totals are kept; yesterday
    is compared once."""
    import datetime

    rzp = Rzp(razorpay_url)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=4)
    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:1])
    _, b = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][1:2])
    org = Person(base_url, stack_var, owner, t, "owner")
    r = org.call("POST", f"/api/bookings/{b['id']}/refund", {"amountPaise": 10000})
    assert r.status_code == 200, r.text
    pay_a, pay_b = (shop.one("select provider_payment_id, amount_paise from payments"
                             " where booking_id = %s", (x["id"],)) for x in (a, b))
    assert wait_for(lambda: shop.one("select count(*) from refunds r join payments p on"
                                 " p.id = r.payment_id where p.booking_id = %s and"
                                 " r.status = 'processed'", (b["id"],))[0] == 1)
    o = requests.post(razorpay_url + "/v1/orders", auth=("rzp_test_ztic", "rzp_test_secret"),
                      json={"amount": 12300, "currency": "INR"}, timeout=10).json()
    stranger = requests.post(razorpay_url + "/_fake/pay", json={"order_id": o["id"]},
                             timeout=10).json()["razorpay_payment_id"]
    rzp.post("/_fake/recon", {"amounts": {pay_a[0]: pay_a[1] - 100}})
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    day = today.strftime("%Y-%m-%d")
    ids = [pay_a[0], pay_b[0], stranger]
    try:
        for _ in range(2):      # twice: the same discrepancies, once
            run_cron(stack_var, "reconcile", ZT_RECON_DAY=day)
        rows = shop.all("select provider_payment_id, kind, amount_paise, tenant_id::text,"
                        " details->>'oursPaise', details->>'entityId', details->>'day'"
                        " from payment_discrepancies where provider_payment_id = any(%s)"
                        " and kind like 'recon%%' order by kind", (ids,))
        # b's payment and its refund match: nothing about them
        assert rows == [
            (pay_a[0], "recon_amount", pay_a[1] - 100, t, str(pay_a[1]), pay_a[0], day),
            (stranger, "recon_unknown", 12300, None, None, stranger, day),
        ], rows
        items, rzp_in, rzp_out, our_in, our_out, found = shop.one(
            "select items, razorpay_credit_paise, razorpay_debit_paise, our_credit_paise,"
            " our_debit_paise, discrepancies from recon_days where day = %s", (day,))
        assert items >= 4 and found >= 2
        assert rzp_out >= 10000 and our_out >= 10000
        assert rzp_in - our_in >= 12300 - 100

        # without ZT_RECON_DAY: yesterday, once
        before = len(requests.get(razorpay_url + "/_fake/requests",
                                  params={"endpoint": "settlements.recon"}, timeout=10).json())
        run_cron(stack_var, "reconcile")
        run_cron(stack_var, "reconcile")
        after = requests.get(razorpay_url + "/_fake/requests",
                             params={"endpoint": "settlements.recon"}, timeout=10).json()
        yesterday = (today - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        assert shop.one("select count(*) from recon_days where day = %s", (yesterday,))[0] == 1
        assert len(after) - before <= 1
    finally:
        rzp.post("/_fake/recon", {"amounts": {pay_a[0]: pay_a[1]}})
        with shop.tx(admin=True) as cur:
            cur.execute("delete from payment_discrepancies where provider_payment_id = any(%s)",
                        (ids,))
