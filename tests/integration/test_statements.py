"""Statements (docs/finance.md, "Statements"): the monthly statement.

A month is India's: a payment captured at 23:59 IST on 31 October
(18:29 UTC) is October's, one at 00:01 IST on 1 November is November's.
Each event's figures over its lines of the month follow the event
statement's equations, and when all of an event's lines fall in the month
they equal the event statement; the totals are the sums of the events'.
"""

import csv
import io

from ztbook import Person, Rzp, paid_booking, shop  # noqa: F401

FIGS = ("collectedPaise", "grossPaise", "refundsPaise", "gatewayFeesPaise",
        "commissionPaise", "commissionGstPaise", "tdsPaise", "tcsPaise", "payablePaise")


def set_captured(shop, tenant, booking_id, at):
    with shop.tx(tenant) as cur:
        cur.execute("update payments set captured_at = %s::timestamptz"
                    " where booking_id = %s", (at, booking_id))


def organizer(shop, bps, name):
    """A tenant with its commission and name: (owner, tenant)."""
    owner = shop.user("owner")
    t = shop.tenant(owner)
    with shop.tx(t) as cur:
        cur.execute("update tenants set commission_bps = %s, name = %s"
                    " where id = %s", (bps, name, t))
    return owner, t


def add_member(shop, t, role):
    uid = shop.user(role)
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, %s)", (t, uid, role))
    return uid


def test_month_is_indian_and_equals_the_ledger(shop, razorpay_url, base_url, stack_var):
    rzp = Rzp(razorpay_url)
    owner, t = organizer(shop, 700, 'Kala "Utsav", Pune')
    ev = shop.event(t, seats=4)
    ev2 = shop.event(t, seats=2)
    org = Person(base_url, stack_var, owner, t, "owner")

    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:2])
    _, b = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][2:3])
    _, c = paid_booking(shop, rzp, base_url, stack_var, ev2, ev2["seats"][:1])
    # 23:59 IST on 31 Oct is 18:29 UTC: October's; 00:01 IST on 1 Nov: November's
    set_captured(shop, t, a["id"], "2026-10-31 18:29:00+00")
    set_captured(shop, t, b["id"], "2026-10-31 18:31:00+00")
    set_captured(shop, t, c["id"], "2026-10-15 12:00:00+05:30")

    oct_ = org.call("GET", "/api/tenants/me/finance/months/2026-10")
    assert oct_.status_code == 200, oct_.text
    o = oct_.json()
    assert o["month"] == "2026-10" and o["organizer"] == 'Kala "Utsav", Pune'
    by = {e["eventId"]: e for e in o["events"]}
    assert set(by) == {ev["id"], ev2["id"]}
    assert by[ev["id"]]["lines"]["ticketSales"] == 2 * 50000
    assert by[ev2["id"]]["lines"]["ticketSales"] == 50000

    nov = org.call("GET", "/api/tenants/me/finance/months/2026-11").json()
    assert [e["eventId"] for e in nov["events"]] == [ev["id"]]
    assert nov["events"][0]["lines"]["ticketSales"] == 50000
    assert org.call("GET", "/api/tenants/me/finance/months/2026-09").json()["events"] == []

    # an event whose lines all fall in the month: the event statement's figures
    whole = org.call("GET", f"/api/tenants/me/finance/events/{ev2['id']}").json()
    for f in FIGS + ("lines", "commissionBps"):
        assert by[ev2["id"]][f] == whole[f], f
    # the two months of ev add up to its ledger (no refunds: nothing rounds apart)
    whole = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    for f in ("collectedPaise", "grossPaise", "gatewayFeesPaise", "commissionPaise"):
        assert by[ev["id"]][f] + nov["events"][0][f] == whole[f], f
    # totals: the sums of the events', and they balance
    tot = o["totals"]
    for f in FIGS:
        assert tot[f] == sum(e[f] for e in o["events"]), f
    assert tot["payablePaise"] == tot["grossPaise"] - tot["refundsPaise"] \
        - tot["gatewayFeesPaise"] - tot["commissionPaise"] - tot["commissionGstPaise"] \
        - tot["tdsPaise"] - tot["tcsPaise"]
    # the GST on the commission: per event, 18 % rounded half up once
    for e in o["events"]:
        assert e["commissionGstPaise"] == (e["commissionPaise"] * 1800 + 5000) // 10000 > 0
    assert tot["commissionPaise"] == sum(
        round(e["lines"]["ticketSales"] * 700 / 10000) for e in o["events"])

    # the CSV: a row per event and the totals
    r = org.call("GET", "/api/tenants/me/finance/months/2026-10", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "statement-2026-10.csv" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["event_id"] for x in rows[:-1]] == [e["eventId"] for e in o["events"]]
    assert rows[-1]["event_id"] == "total"
    assert int(rows[-1]["payable"]) == tot["payablePaise"]
    assert int(rows[-1]["commission"]) == tot["commissionPaise"]
    assert int(rows[-1]["commission_gst"]) == tot["commissionGstPaise"]
    for x in rows[:-1]:
        e = by[x["event_id"]]
        assert x["title"] == e["title"]
        assert int(x["ticket_sales"]) == e["lines"]["ticketSales"]
        assert int(x["payable"]) == e["payablePaise"]
        assert int(x["commission_gst"]) == e["commissionGstPaise"]


def test_month_is_the_tenants_own(shop, razorpay_url, base_url, stack_var):
    rzp = Rzp(razorpay_url)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=1)
    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:1])
    set_captured(shop, t, a["id"], "2026-08-10 10:00:00+05:30")
    path = "/api/tenants/me/finance/months/2026-08"

    rival = shop.user("rival")
    rt = shop.tenant(rival)
    r = Person(base_url, stack_var, rival, rt, "owner").call("GET", path)
    assert r.status_code == 200 and r.json()["events"] == []
    assert r.json()["totals"]["grossPaise"] == 0

    scanner = add_member(shop, t, "scanner")
    r = Person(base_url, stack_var, scanner, t, "scanner").call("GET", path)
    assert r.status_code == 403, r.text

    # a manager demoted in the database is refused, whatever the token says
    mgr = add_member(shop, t, "manager")
    m = Person(base_url, stack_var, mgr, t, "manager")
    assert m.call("GET", path).status_code == 200
    with shop.tx(t) as cur:
        cur.execute("update memberships set role = 'scanner'"
                    " where tenant_id = %s and user_id = %s", (t, mgr))
    assert m.call("GET", path).status_code == 403

    org = Person(base_url, stack_var, owner, t, "owner")
    assert len(org.call("GET", path).json()["events"]) == 1
    for bad in ("2026-13", "2026-8", "26-08", "2026-00", "abcd-ef", "2026-08-01"):
        r = org.call("GET", f"/api/tenants/me/finance/months/{bad}")
        assert r.status_code == 400, (bad, r.text)
    assert org.call("GET", path, params={"format": "xml"}).status_code == 400


def pdf_text(blob, tmp_path):
    import subprocess
    assert blob[:5] == b"%PDF-"
    f = tmp_path / "s.pdf"
    f.write_bytes(blob)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_pdf_statements_in_indian_grouping(shop, razorpay_url, base_url, stack_var, tmp_path):
    rzp = Rzp(razorpay_url)
    owner, t = organizer(shop, 0, "Sur Sangam Trust")
    ev = shop.event(t, seats=2, seat_price=6172839)   # 2 x ₹61,728.39
    _, a = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"][:2])
    set_captured(shop, t, a["id"], "2026-07-31 23:59:00+05:30")
    org = Person(base_url, stack_var, owner, t, "owner")

    r = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}", params={"format": "pdf"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf"
    assert 'filename="statement.pdf"' in r.headers["Content-Disposition"]
    text = pdf_text(r.content, tmp_path)
    assert "Sur Sangam Trust" in text
    assert "Statement:" in text
    assert "₹1,23,456.78" in text          # ticket sales, grouped the Indian way
    assert "GST on the commission (18.00 %)" in text
    s = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    payable = s["payablePaise"]
    assert s["lines"]["ticketSales"] == 12345678

    r = org.call("GET", "/api/tenants/me/finance/months/2026-07", params={"format": "pdf"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert 'statement-2026-07.pdf' in r.headers["Content-Disposition"]
    text = pdf_text(r.content, tmp_path)
    assert "Monthly statement 2026-07" in text and "Sur Sangam Trust" in text
    assert "₹1,23,456.78" in text
    # the payable in Indian grouping: the last three digits, then pairs
    whole = str(payable // 100)
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    rupees = "₹" + ",".join(groups + [tail]) + f".{payable % 100:02d}"
    assert rupees in text
    # the next month has none of it
    text = pdf_text(org.call("GET", "/api/tenants/me/finance/months/2026-08",
                             params={"format": "pdf"}).content, tmp_path)
    assert "₹1,23,456.78" not in text
