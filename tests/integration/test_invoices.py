"""GST invoices for the platform's commission (docs/finance.md, "GST invoices").

ztic-payouts issues one tax invoice per completed event once its payout is
due: taxable value = the ledger's commission alone (the convenience fee is
the platform's supply to the buyer, taxed on the booking), tax = exactly
the ledger's commission_gst (18 % rounded half up once, the amount
deducted from the payable), split CGST = half rounded up, SGST = the rest
when the place of supply is the platform's state, else all IGST.  Numbers are ZT/<financial year>/NNNNNN, gapless per
Indian financial year (April-March, India's time), taken from a counter
row locked inside zt_invoice_issue (sql/026): issuing twice, or two
issuers at once, never makes two invoices or burns a number.  A refund
after the invoice issues a credit note (its own series ZT/CN/<fy>/NNNNNN)
for the fall of the commission and its GST (sql/031).
"""

import re
import subprocess
import threading

import psycopg2
import pytest

from ztbook import Person, Rzp, Shop, paid_booking, run_cron, run_cron_twice

ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PLATFORM = {"ZT_PLATFORM_GSTIN": "27AAPFU0939F1ZV", "ZT_PLATFORM_STATE": "27",
            "ZT_PLATFORM_NAME": "Ztic Ticketing Pvt Ltd",
            "ZT_PLATFORM_ADDRESS": "4 Marine Drive, Mumbai 400002"}
NUMBER = re.compile(r"^ZT/(\d{4})-(\d{2})/(\d{6})$")
CREDIT = re.compile(r"^ZT/CN/(\d{4})-(\d{2})/(\d{6})$")


def gstin(state, pan):
    """A GSTIN with its check character (computed here independently of
    lib/zt_gstin.c)."""
    body = f"{state}{pan}1Z"
    total = 0
    for i, c in enumerate(body):
        p = ALPHA.index(c) * (2 if i % 2 else 1)
        total += p // 36 + p % 36
    return body + ALPHA[(36 - total % 36) % 36]


def half_up(v, bps):
    return (v * bps + 5000) // 10000


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for t in s.tenants:
        with s.tx(t) as cur:
            cur.execute("delete from credit_notes where tenant_id = %s", (t,))
            cur.execute("delete from invoices where tenant_id = %s", (t,))
            cur.execute("delete from payouts where tenant_id = %s", (t,))
        s.all("delete from audit_log where tenant_id = %s returning id", (t,), tenant=t)
    s.purge()


def add_member(shop, t, role):
    uid = shop.user(role)
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, %s)", (t, uid, role))
    return uid


def sold_and_ended(shop, base_url, stack_var, rzp, name, bps=1000):
    """A tenant whose event sold three seats and ended 10 days ago:
    (owner, tenant, event, the event's statement)."""
    owner = shop.user("owner")
    t = shop.tenant(owner)
    with shop.tx(t) as cur:
        cur.execute("update tenants set commission_bps = %s, name = %s"
                    " where id = %s", (bps, name, t))
    ev = shop.event(t, seats=3)
    for seats in (ev["seats"][:2], ev["seats"][2:3]):
        paid_booking(shop, rzp, base_url, stack_var, ev, seats)
    with shop.tx(t) as cur:
        cur.execute("update events set starts_at = now() - interval '10 days',"
                    " ends_at = now() - interval '10 days' + interval '3 hours'"
                    " where id = %s", (ev["id"],))
    run_cron(stack_var, "finalize")
    org = Person(base_url, stack_var, owner, t, "owner")
    st = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    return owner, t, ev, org, st


def invoices_of(org):
    r = org.call("GET", "/api/tenants/me/finance/invoices")
    assert r.status_code == 200, r.text
    return r.json()["invoices"]


def pdf_text(blob, tmp_path):
    assert blob[:5] == b"%PDF-"
    f = tmp_path / "invoice.pdf"
    f.write_bytes(blob)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_one_invoice_per_event_intra_state_and_its_pdf(shop, razorpay_url, base_url,
                                                       stack_var, tmp_path):
    rzp = Rzp(razorpay_url)
    # 10.01 %: a commission whose GST is an odd number of paise
    owner, t, ev, org, st = sold_and_ended(shop, base_url, stack_var, rzp,
                                           "Rang Manch Trust", bps=1001)
    mine = gstin("27", "RANGM1234K")
    r = org.call("PUT", "/api/tenants/me/gst", {"gstin": mine})
    assert r.status_code == 200, r.text
    assert r.json() == {"gstin": mine, "state": "27", "stateName": "Maharashtra"}

    # without the platform's GSTIN nothing is issued
    run_cron(stack_var, "payouts")
    assert invoices_of(org) == []
    # two runs at once, then another: one invoice
    run_cron_twice(stack_var, "payouts", **PLATFORM)
    run_cron(stack_var, "payouts", **PLATFORM)
    [inv] = invoices_of(org)

    commission, conv = st["commissionPaise"], st["lines"]["convenienceFee"]
    assert commission > 0 and conv > 0
    tax = st["commissionGstPaise"]
    assert st["commissionGstBps"] == 1800 and tax == half_up(commission, 1800)
    assert tax % 2 == 1      # the split below has a paisa to place
    assert inv["eventId"] == ev["id"] and inv["eventTitle"] == "Paid night"
    assert inv["commissionPaise"] == commission
    assert "convenienceFeePaise" not in inv    # the buyer's supply, not here
    assert inv["taxablePaise"] == commission and inv["gstBps"] == 1800
    assert inv["taxType"] == "CGST+SGST" and inv["placeOfSupply"] == "27"
    # the tax is the ledger's deduction to the paisa: CGST half rounded up
    assert inv["cgstPaise"] == (tax + 1) // 2
    assert inv["sgstPaise"] == tax - inv["cgstPaise"] == inv["cgstPaise"] - 1
    assert inv["igstPaise"] == 0
    assert inv["totalPaise"] == commission + tax
    # per-head rounding would have drifted a paisa off the deduction
    assert 2 * half_up(commission, 900) != tax
    assert inv["sac"] == "998552"
    m = NUMBER.match(inv["number"])
    assert m and inv["financialYear"] == f"{m[1]}-{m[2]}"
    assert int(m[2]) == (int(m[1]) + 1) % 100
    assert inv["recipient"] == {"name": "Rang Manch Trust", "gstin": mine, "state": "27"}
    assert inv["supplier"]["gstin"] == PLATFORM["ZT_PLATFORM_GSTIN"]
    assert inv["supplier"]["name"] == PLATFORM["ZT_PLATFORM_NAME"]

    one = org.call("GET", f"/api/tenants/me/finance/invoices/{inv['id']}")
    assert one.status_code == 200 and one.json() == inv

    # a later change of registration leaves the issued invoice as it was
    assert org.call("PUT", "/api/tenants/me/gst", {"gstin": None, "state": "29"}).status_code == 200
    run_cron(stack_var, "payouts", **PLATFORM)
    assert invoices_of(org) == [inv]

    path = f"/api/tenants/me/finance/invoices/{inv['id']}"
    by_query = org.call("GET", path, params={"format": "pdf"})
    by_accept = org.s.get(base_url + path, timeout=20,
                          headers={"Authorization": "Bearer " + org.token,
                                   "Accept": "application/pdf"})
    for r in (by_query, by_accept):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/pdf"
        assert 'filename="invoice.pdf"' in r.headers["Content-Disposition"]
        text = pdf_text(r.content, tmp_path)
        for want in ("Tax invoice", inv["number"], mine, PLATFORM["ZT_PLATFORM_GSTIN"],
                     PLATFORM["ZT_PLATFORM_NAME"], "Rang Manch Trust", "998552",
                     "27 Maharashtra", "CGST at 9%", "SGST at 9%", "Rupees", "Only",
                     "Platform commission"):
            assert want in text, (want, text)
        assert "IGST" not in text and "Convenience" not in text
    bad = org.call("GET", path, params={"format": "csv"})
    assert bad.status_code == 400


def test_igst_across_states_and_the_suppliers_state_when_none(shop, razorpay_url,
                                                              base_url, stack_var):
    rzp = Rzp(razorpay_url)
    _, t1, ev1, org1, st1 = sold_and_ended(shop, base_url, stack_var, rzp, "Bengaluru Fest")
    _, t2, ev2, org2, st2 = sold_and_ended(shop, base_url, stack_var, rzp, "Unregistered Club")
    ka = gstin("29", "BLRFS4321Q")
    assert org1.call("PUT", "/api/tenants/me/gst", {"gstin": ka, "state": "29"}).status_code == 200
    run_cron(stack_var, "payouts", **PLATFORM)

    [a] = invoices_of(org1)
    taxable = st1["commissionPaise"]
    assert a["placeOfSupply"] == "29" and a["taxType"] == "IGST"
    assert a["taxablePaise"] == taxable
    assert a["igstPaise"] == st1["commissionGstPaise"] == half_up(taxable, 1800)
    assert a["cgstPaise"] == a["sgstPaise"] == 0
    assert a["totalPaise"] == taxable + a["igstPaise"]

    # no GSTIN, no state on record: the supplier's state (IGST Act s. 12(2)(b))
    [b] = invoices_of(org2)
    assert b["recipient"]["gstin"] is None and b["recipient"]["state"] is None
    assert b["placeOfSupply"] == "27" and b["taxType"] == "CGST+SGST"
    assert b["cgstPaise"] + b["sgstPaise"] == st2["commissionGstPaise"]
    assert b["cgstPaise"] == (st2["commissionGstPaise"] + 1) // 2

    # the two numbers are consecutive in the same year (one platform series)
    na, nb = NUMBER.match(a["number"]), NUMBER.match(b["number"])
    assert na[1] == nb[1] and abs(int(na[3]) - int(nb[3])) == 1

    # an unregistered organizer in another state: IGST, the state as given
    _, t3, ev3, org3, st3 = sold_and_ended(shop, base_url, stack_var, rzp, "Delhi Dramatics")
    assert org3.call("PUT", "/api/tenants/me/gst", {"state": "07"}).json()["stateName"] == "Delhi"
    run_cron(stack_var, "payouts", **PLATFORM)
    [c] = invoices_of(org3)
    assert c["placeOfSupply"] == "07" and c["taxType"] == "IGST" and c["recipient"]["gstin"] is None


def test_invalid_gst_registration_is_400_naming_the_field(shop, base_url, stack_var):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    org = Person(base_url, stack_var, owner, t, "owner")
    good = gstin("27", "ABCDE1234F")
    wrong_check = good[:-1] + ALPHA[(ALPHA.index(good[-1]) + 1) % 36]
    for body, field in (({"gstin": wrong_check}, "gstin"),
                        ({"gstin": good.lower()}, "gstin"),
                        ({"gstin": good[:14]}, "gstin"),
                        ({"gstin": "27ABCDE1234F1Z"}, "gstin"),
                        ({"gstin": gstin("99", "ABCDE1234F")}, "gstin"),
                        ({"gstin": "27ABCDE12345FZ1"}, "gstin"),
                        ({"gstin": good, "state": "29"}, "state"),
                        ({"state": "28"}, "state"),
                        ({"state": "7"}, "state"),
                        ({"state": 27}, "state"),
                        ({"pan": "ABCDE1234F"}, "pan")):
        r = org.call("PUT", "/api/tenants/me/gst", body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["code"] in ("invalid_field", "unknown_field"), r.text
        assert f"'{field}'" in r.json()["error"]["message"], (body, r.text)
    assert org.call("GET", "/api/tenants/me/gst").json() == {
        "gstin": None, "state": None, "stateName": None}
    r = org.call("PUT", "/api/tenants/me/gst", {"gstin": good, "state": "27"})
    assert r.status_code == 200, r.text
    # the owner only; a manager reads it, a scanner does not
    mgr = Person(base_url, stack_var, add_member(shop, t, "manager"), t, "manager")
    assert mgr.call("GET", "/api/tenants/me/gst").json()["gstin"] == good
    assert mgr.call("PUT", "/api/tenants/me/gst", {"state": "27"}).status_code == 403
    sc = Person(base_url, stack_var, add_member(shop, t, "scanner"), t, "scanner")
    assert sc.call("GET", "/api/tenants/me/gst").status_code == 403
    # the database refuses what the responder would (a second line of defence)
    with pytest.raises(psycopg2.errors.CheckViolation):
        with shop.tx(t) as cur:
            cur.execute("update tenants set gstin = %s, gst_state = '29' where id = %s",
                        (good, t))


def issue(cur, t, ev, at, commission=10000, gst_bps=1800):
    cur.execute("select set_config('app.tenant_id', %s, true)", (t,))
    cur.execute("select o_id, o_number, o_created from zt_invoice_issue("
                "%s, %s, %s::timestamptz, 'Ztic', '27AAPFU0939F1ZV', 'Mumbai', '27',"
                " '27', '998552', %s, %s, 900, 900, 0)", (t, ev, at, commission, gst_bps))
    return cur.fetchone()


def last_no(cur, fy):
    cur.execute("select coalesce((select last_no from invoice_counters where fy = %s), 0)", (fy,))
    return cur.fetchone()[0]


def test_numbers_are_gapless_per_indian_financial_year(shop, pg_app_dsn):
    t = shop.tenant(shop.user("owner"))
    evs = [shop.event(t, seats=0)["id"] for _ in range(4)]
    conn = psycopg2.connect(pg_app_dsn)
    try:
        with conn, conn.cursor() as cur:
            old, new = last_no(cur, "2090-91"), last_no(cur, "2091-92")
        # 23:59 IST on 31 March is the old year; 00:01 IST on 1 April
        # (18:31 UTC on 31 March) is the new one
        with conn, conn.cursor() as cur:
            a = issue(cur, t, evs[0], "2091-03-31 23:59:00+05:30")
        with conn, conn.cursor() as cur:
            b = issue(cur, t, evs[1], "2091-03-31 18:31:00+00")
        with conn, conn.cursor() as cur:
            c = issue(cur, t, evs[2], "2091-04-01 12:00:00+05:30")
        assert a[1] == f"ZT/2090-91/{old + 1:06d}" and a[2] is True
        assert b[1] == f"ZT/2091-92/{new + 1:06d}"
        assert c[1] == f"ZT/2091-92/{new + 2:06d}"
        # issuing again answers the same invoice and takes no number
        with conn, conn.cursor() as cur:
            again = issue(cur, t, evs[0], "2091-04-02 10:00:00+05:30")
            assert again == (a[0], a[1], False)
            assert last_no(cur, "2091-92") == new + 2 and last_no(cur, "2090-91") == old + 1
        # a rolled-back issue gives its number back: the next one takes it
        with conn.cursor() as cur:
            issue(cur, t, evs[3], "2091-04-03 10:00:00+05:30")
        conn.rollback()
        with conn, conn.cursor() as cur:
            d = issue(cur, t, evs[3], "2091-04-03 10:00:00+05:30")
        assert d[1] == f"ZT/2091-92/{new + 3:06d}"
        with conn, conn.cursor() as cur:
            cur.execute("select set_config('app.tenant_id', %s, true)", (t,))
            cur.execute("select invoice_date::text, fy from invoices where id = %s", (b[0],))
            assert cur.fetchone() == ("2091-04-01", "2091-92")
    finally:
        conn.close()


def test_concurrent_issuers_make_one_invoice_per_event_and_no_gap(shop, pg_app_dsn):
    t = shop.tenant(shop.user("owner"))
    evs = [shop.event(t, seats=0)["id"] for _ in range(6)]
    at = "2092-06-15 12:00:00+05:30"
    conn = psycopg2.connect(pg_app_dsn)
    with conn, conn.cursor() as cur:
        start = last_no(cur, "2092-93")
    conn.close()

    workers, results, errors = 12, [], []
    gate = threading.Barrier(workers)

    def run(k):
        c = psycopg2.connect(pg_app_dsn)
        try:
            order = evs[k % 6:] + evs[:k % 6]
            gate.wait()
            for ev in order:
                with c, c.cursor() as cur:
                    results.append((ev,) + issue(cur, t, ev, at))
        except Exception as e:    # noqa: BLE001 — reported below
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert len(results) == workers * 6
    created = [r for r in results if r[3]]
    assert sorted(r[0] for r in created) == sorted(evs)       # one per event
    by_event = {}
    for ev, iid, number, _ in results:                        # all agree
        by_event.setdefault(ev, set()).add((iid, number))
    assert all(len(v) == 1 for v in by_event.values())
    seqs = sorted(int(n.rsplit("/", 1)[1]) for _, n in (next(iter(v)) for v in by_event.values()))
    assert seqs == list(range(start + 1, start + 7))           # consecutive
    rows = shop.all("select count(*) from invoices where tenant_id = %s", (t,), tenant=t)
    assert rows == [(6,)]
    with psycopg2.connect(pg_app_dsn) as c, c.cursor() as cur:
        assert last_no(cur, "2092-93") == start + 6


def test_invoices_are_the_tenants_own_and_for_finance_staff(shop, razorpay_url, base_url,
                                                            stack_var):
    rzp = Rzp(razorpay_url)
    owner, t, ev, org, st = sold_and_ended(shop, base_url, stack_var, rzp, "Own Books")
    run_cron(stack_var, "payouts", **PLATFORM)
    [inv] = invoices_of(org)
    path = f"/api/tenants/me/finance/invoices/{inv['id']}"

    rival = shop.user("rival")
    rt = shop.tenant(rival)
    rv = Person(base_url, stack_var, rival, rt, "owner")
    assert rv.call("GET", path).status_code == 404
    assert rv.call("GET", path, params={"format": "pdf"}).status_code == 404
    assert invoices_of(rv) == []
    # the token names the victim's tenant, but the rival is no member of it
    forged = Person(base_url, stack_var, rival, t, "owner")
    assert forged.call("GET", path).status_code == 403
    assert org.call("GET", "/api/tenants/me/finance/invoices/not-a-uuid").status_code == 404
    assert org.call("GET", "/api/tenants/me/finance/invoices/"
                    "00000000-0000-4000-8000-000000000000").status_code == 404

    scanner = Person(base_url, stack_var, add_member(shop, t, "scanner"), t, "scanner")
    assert scanner.call("GET", "/api/tenants/me/finance/invoices").status_code == 403
    assert scanner.call("GET", path).status_code == 403
    mgr_id = add_member(shop, t, "manager")
    mgr = Person(base_url, stack_var, mgr_id, t, "manager")
    assert mgr.call("GET", path).status_code == 200
    assert invoices_of(mgr) == [inv]
    # demoted in the database: refused with the old token
    with shop.tx(t) as cur:
        cur.execute("update memberships set role = 'scanner'"
                    " where tenant_id = %s and user_id = %s", (t, mgr_id))
    assert mgr.call("GET", path).status_code == 403
    assert mgr.call("GET", "/api/tenants/me/finance/invoices").status_code == 403
    # removed: refused too
    with shop.tx(t) as cur:
        cur.execute("delete from memberships where tenant_id = %s and user_id = %s", (t, mgr_id))
    assert mgr.call("GET", path).status_code == 403


def test_a_refund_after_the_invoice_issues_a_credit_note(shop, razorpay_url, base_url,
                                                         stack_var):
    """The invoice stands; a credit note takes the commission and its GST
    down to the ledger's, split by the invoice's rule, once however many
    runs; a second refund makes a second note with the next number."""
    rzp = Rzp(razorpay_url)
    owner, t, ev, org, st = sold_and_ended(shop, base_url, stack_var, rzp,
                                           "Credit Club", bps=1001)
    run_cron(stack_var, "payouts", **PLATFORM)
    [inv] = invoices_of(org)
    assert inv["creditNotes"] == []
    run_cron(stack_var, "payouts", **PLATFORM)     # nothing refunded: no note
    assert invoices_of(org)[0]["creditNotes"] == []

    bks = shop.all("select id::text from bookings where event_id = %s and status = 'confirmed'"
                   " order by created_at", (ev["id"],), tenant=t)
    r = org.call("POST", f"/api/bookings/{bks[0][0]}/refund", {"amountPaise": 12345})
    assert r.status_code == 200, r.text
    st2 = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    assert st2["commissionPaise"] < inv["commissionPaise"]
    run_cron_twice(stack_var, "payouts", **PLATFORM)
    run_cron(stack_var, "payouts", **PLATFORM)
    [inv2] = invoices_of(org)
    [cn] = inv2["creditNotes"]
    m = CREDIT.match(cn["number"])
    assert m and f"{m[1]}-{m[2]}" == inv["financialYear"]
    tax = st2["commissionGstPaise"]
    assert cn["commissionPaise"] == inv["commissionPaise"] - st2["commissionPaise"]
    assert cn["cgstPaise"] == inv["cgstPaise"] - (tax + 1) // 2
    assert cn["sgstPaise"] == inv["sgstPaise"] - (tax - (tax + 1) // 2)
    assert cn["igstPaise"] == 0
    assert cn["totalPaise"] == cn["commissionPaise"] + cn["cgstPaise"] + cn["sgstPaise"]
    # the invoice less its note is the ledger now; the invoice is unchanged
    assert inv["totalPaise"] - cn["totalPaise"] == st2["commissionPaise"] + tax
    assert {k: v for k, v in inv2.items() if k != "creditNotes"} == \
        {k: v for k, v in inv.items() if k != "creditNotes"}

    r = org.call("POST", f"/api/bookings/{bks[1][0]}/refund", {"amountPaise": 5000})
    assert r.status_code == 200, r.text
    run_cron(stack_var, "payouts", **PLATFORM)
    notes = invoices_of(org)[0]["creditNotes"]
    assert [n["number"] for n in notes][:1] == [cn["number"]] and len(notes) == 2
    assert int(CREDIT.match(notes[1]["number"])[3]) == int(m[3]) + 1
    st3 = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    assert inv["commissionPaise"] - sum(n["commissionPaise"] for n in notes) == st3["commissionPaise"]
    assert inv["cgstPaise"] + inv["sgstPaise"] \
        - sum(n["cgstPaise"] + n["sgstPaise"] for n in notes) == st3["commissionGstPaise"]

    # another tenant sees none of it
    rival_id = shop.user("rival")
    rival = Person(base_url, stack_var, rival_id, shop.tenant(rival_id), "owner")
    assert invoices_of(rival) == []
