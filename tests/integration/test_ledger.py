"""The ledger of an event (docs/finance.md, "The ledger").

After sales, a buyer's cancellation and an organizer's partial refund, the
statement's figures are the sums of its lines, the lines are the payments
and refunds themselves, and it balances:
    gross - refunds - gateway fees - commission - commission_gst = payable,
commission_gst being the GST on the commission (ZT_COMMISSION_GST_BPS, 18 %
in the test stack), rounded half up once.
"""

import csv
import io

from ztbook import Person, Rzp, paid_booking, run_cron, shop  # noqa: F401


def test_ledger_balances_after_sales_and_refunds(shop, razorpay_url, base_url, stack_var):
    rzp = Rzp(razorpay_url)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    with shop.tx(t) as cur:
        cur.execute("update tenants set commission_bps = 1000 where id = %s", (t,))
    ev = shop.event(t, seats=6, refund="before_start", cutoff=0, refund_fee=5000)
    org = Person(base_url, stack_var, owner, t, "owner")

    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:2])
    c, cb = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][2:3])
    paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][3:4])
    r = c.call("POST", f"/api/bookings/{cb['id']}/cancel")
    assert r.status_code == 200, r.text
    r = org.call("POST", f"/api/bookings/{a['id']}/refund", {"amountPaise": 10000})
    assert r.status_code == 200, r.text
    run_cron(stack_var, "reconcile")    # Razorpay's fees of the payments

    r = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}")
    assert r.status_code == 200, r.text
    s = r.json()
    lines = s["lines"]

    # the lines are the payments and refunds themselves
    sub, fee, tax, paid, gw = shop.one(
        "select sum(b.subtotal_paise), sum(b.fee_paise), sum(b.tax_paise),"
        " sum(p.amount_paise), sum(p.fee_paise) from bookings b"
        " join payments p on p.booking_id = b.id where b.event_id = %s"
        " and p.status in ('captured', 'refunded')", (ev["id"],))
    assert lines["ticketSales"] == sub == 4 * 50000
    assert lines["convenienceFee"] == fee and lines["convenienceFeeGst"] == tax
    assert s["collectedPaise"] == paid == sub + fee + tax
    assert lines["otherReceipts"] == 0
    fees = {p["id"]: p["fee"] for p in requests_state(razorpay_url)}
    ours = shop.all("select provider_payment_id from payments p join bookings b"
                    " on b.id = p.booking_id where b.event_id = %s", (ev["id"],))
    assert lines["gatewayFees"] == gw == sum(fees[x[0]] for x in ours) > 0
    refunds = shop.all("select r.idempotency_key, r.amount_paise from refunds r"
                       " join payments p on p.id = r.payment_id"
                       " join bookings b on b.id = p.booking_id"
                       " where b.event_id = %s", (ev["id"],))
    assert lines["refunds"]["buyer"] == sum(a for k, a in refunds if k.startswith("cancel-")) == 45000
    assert lines["refunds"]["organizer"] == 10000
    assert lines["refunds"]["total"] == s["refundsPaise"] == 55000

    # it balances
    assert s["commissionBps"] == 1000
    assert s["commissionPaise"] == (4 * 50000 - 55000) // 10
    assert s["grossPaise"] == lines["ticketSales"] + lines["otherReceipts"]
    assert s["commissionGstBps"] == 1800
    assert s["commissionGstPaise"] == (s["commissionPaise"] * 1800 + 5000) // 10000 > 0
    assert s["payablePaise"] == s["grossPaise"] - s["refundsPaise"] \
        - s["gatewayFeesPaise"] - s["commissionPaise"] - s["commissionGstPaise"]

    # the CSV: every line, and the same totals
    r = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}",
                 params={"format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    by_kind = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + int(row["amount_paise"])
    assert by_kind["ticket_sales"] == lines["ticketSales"]
    assert by_kind["gateway_fee"] == lines["gatewayFees"]
    assert by_kind["refund_buyer"] + by_kind["refund_organizer"] == s["refundsPaise"]
    assert by_kind["total_payable"] == s["payablePaise"]
    assert by_kind["total_commission"] == s["commissionPaise"]
    assert by_kind["total_commission_gst"] == s["commissionGstPaise"]
    assert all(row["payment_id"] for row in rows if not row["kind"].startswith("total_"))


def requests_state(razorpay_url):
    import requests
    return requests.get(razorpay_url + "/_fake/state", timeout=10).json()["payments"]


def test_ledger_is_the_tenants_own(shop, base_url, stack_var):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=1)
    path = f"/api/tenants/me/finance/events/{ev['id']}"

    rival = shop.user("rival")
    rt = shop.tenant(rival)
    r = Person(base_url, stack_var, rival, rt, "owner").call("GET", path)
    assert r.status_code == 404, r.text

    scanner = shop.user("scanner")
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (t, scanner))
    r = Person(base_url, stack_var, scanner, t, "scanner").call("GET", path)
    assert r.status_code == 403, r.text

    org = Person(base_url, stack_var, owner, t, "owner")
    r = org.call("GET", path, params={"format": "xml"})
    assert r.status_code == 400, r.text
    r = org.call("GET", path)
    assert r.status_code == 200 and r.json()["payablePaise"] == 0
    assert org.call("GET", "/api/tenants/me/finance/events/nope").status_code == 404


def test_tds_and_tcs_are_withheld_from_the_payable(shop, razorpay_url, base_url, stack_var):
    """A tenant with TDS (194-O) and GST TCS (s. 52) rates: both are basis
    points of the net sales (gross - refunds), rounded half up, and come
    off the payable; the CSV's totals carry them."""
    rzp = Rzp(razorpay_url)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    with shop.tx(t) as cur:
        cur.execute("update tenants set commission_bps = 500, tds_bps = 10, tcs_bps = 50"
                    " where id = %s", (t,))
    ev = shop.event(t, seats=4)
    org = Person(base_url, stack_var, owner, t, "owner")
    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:2])
    paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][2:3])
    r = org.call("POST", f"/api/bookings/{a['id']}/refund", {"amountPaise": 12345})
    assert r.status_code == 200, r.text
    run_cron(stack_var, "reconcile")

    s = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    net = s["grossPaise"] - s["refundsPaise"]
    assert net == 3 * 50000 - 12345
    assert (s["tdsBps"], s["tcsBps"]) == (10, 50)
    assert s["tdsPaise"] == (net * 10 + 5000) // 10000
    assert s["tcsPaise"] == (net * 50 + 5000) // 10000 > 0
    assert s["payablePaise"] == s["grossPaise"] - s["refundsPaise"] - s["gatewayFeesPaise"] \
        - s["commissionPaise"] - s["commissionGstPaise"] - s["tdsPaise"] - s["tcsPaise"]
    r = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}",
                 params={"format": "csv"})
    totals = {row["kind"]: int(row["amount_paise"]) for row in csv.DictReader(io.StringIO(r.text))
              if row["kind"].startswith("total_")}
    assert totals["total_tds"] == s["tdsPaise"] and totals["total_tcs"] == s["tcsPaise"]
    assert totals["total_payable"] == s["payablePaise"]

    # a tenant without its own rates: the platform's (0 in the test stack)
    with shop.tx(t) as cur:
        cur.execute("update tenants set tds_bps = null, tcs_bps = null where id = %s", (t,))
    s2 = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    assert s2["tdsPaise"] == s2["tcsPaise"] == 0
    assert s2["payablePaise"] == s["payablePaise"] + s["tdsPaise"] + s["tcsPaise"]
