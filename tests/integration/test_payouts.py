"""ztic-payouts: an event's payable reaches its organizer once
(docs/finance.md, "Payouts").

A completed event past the hold period gets one payout of its ledger's
payable; once a platform admin approves it, it goes to the tenant's Route
linked account as one transfer, however many runs race; Razorpay's answer
ends it.  A failed transfer makes the amount payable again: a new payout is
proposed, under a new idempotency key.
"""

import json
import os
import random
import string
import subprocess

import pytest
import requests

from ztbook import (Person, Rzp, Shop, stack_env, paid_booking, run_cron, run_cron_twice,
                    rzp_lost, wait_for)


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for t in s.tenants:
        with s.tx(t) as cur:
            cur.execute("delete from payouts where tenant_id = %s", (t,))
            cur.execute("delete from tenant_payout_details where tenant_id = %s", (t,))
    s.purge()


@pytest.fixture
def rzp(razorpay_url):
    r = Rzp(razorpay_url)
    yield r
    r.post("/_fake/config", {"transfer_auto": "processed"})


def acc():
    return "acc_" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(14))


def sold_and_ended(shop, rzp, base_url, stack_var, linked=True):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    account = acc()
    with shop.tx(t) as cur:
        cur.execute("insert into tenant_payout_details (tenant_id, method, upi_id,"
                    " provider_account_id) values (%s, 'upi', 'fest@okbank', %s)",
                    (t, account if linked else None))
    ev = shop.event(t, seats=4)
    for seats in (ev["seats"][:2], ev["seats"][2:3]):
        paid_booking(shop, rzp, base_url, stack_var, ev, seats)
    with shop.tx(t) as cur:
        cur.execute("update events set starts_at = now() - interval '10 days',"
                    " ends_at = now() - interval '10 days' + interval '3 hours'"
                    " where id = %s", (ev["id"],))
    run_cron(stack_var, "finalize")
    run_cron(stack_var, "reconcile")   # Razorpay's fees
    org = Person(base_url, stack_var, owner, t, "owner")
    ledger = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    return t, ev, account, ledger


def payouts(shop, t, ev):
    return shop.all("select id, status, net_paise, fees_paise, commission_paise,"
                    " idempotency_key, provider_transfer_id, failure_reason"
                    " from payouts where event_id = %s order by created_at",
                    (ev["id"],), tenant=t)


def transfers(razorpay_url, account):
    st = requests.get(razorpay_url + "/_fake/state", timeout=10).json()
    return [x for x in st["transfers"] if x["recipient"] == account]


ADMIN = "00000000-0000-4000-8000-000000000001"
PAYOUTCTL = os.path.join(os.path.dirname(__file__), "..", "tools", "payoutctl")


def decide(stack_var, verb, pid, admin=ADMIN):
    """What the admin console's responder does: zt_payout_decide."""
    p = subprocess.run([PAYOUTCTL, verb, admin, str(pid)], env=stack_env(stack_var),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode in (0, 1), p.stderr
    out = p.stdout.strip()
    return json.loads(out) if p.returncode == 0 else out


def approve(stack_var, pid):
    ans = decide(stack_var, "approve", pid)
    assert ans["status"] == "approved", ans
    return ans


def test_payout_is_proposed_approved_and_paid_once(shop, rzp, razorpay_url, base_url, stack_var):
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var)
    assert ledger["payablePaise"] > 0

    run_cron_twice(stack_var, "payouts")
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    assert p[1] == "pending" and p[2] == ledger["payablePaise"]
    # fees: the gateway's, the commission and the GST on it (18 %)
    assert ledger["commissionGstPaise"] == (ledger["commissionPaise"] * 1800 + 5000) // 10000 > 0
    assert p[3] == ledger["gatewayFeesPaise"] + ledger["commissionPaise"] \
        + ledger["commissionGstPaise"]
    assert p[4] == ledger["commissionPaise"]
    assert p[2] == ledger["payablePaise"] == ledger["grossPaise"] - ledger["refundsPaise"] - p[3]
    assert transfers(razorpay_url, account) == []     # not before approval

    approve(stack_var, p[0])
    run_cron_twice(stack_var, "payouts")
    run_cron(stack_var, "payouts")
    [trf] = transfers(razorpay_url, account)
    assert trf["amount"] == ledger["payablePaise"]
    sent = requests.get(razorpay_url + "/_fake/requests",
                        params={"endpoint": "transfers.create"}, timeout=10).json()
    keys = {r["headers"].get("x-transfer-idempotency") for r in sent
            if r["body"].get("account") == account}
    assert keys == {p[5]}

    assert wait_for(lambda: transfers(razorpay_url, account)[0]["status"] == "processed")
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    assert p[1] == "paid" and p[6] == trf["id"]
    run_cron_twice(stack_var, "payouts")
    assert len(payouts(shop, t, ev)) == 1 and len(transfers(razorpay_url, account)) == 1


def test_failed_transfer_makes_the_amount_payable_again(shop, rzp, razorpay_url, base_url,
                                                       stack_var):
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var)
    rzp.post("/_fake/config", {"transfer_auto": "failed"})
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    approve(stack_var, p[0])
    run_cron(stack_var, "payouts")
    assert wait_for(lambda: transfers(razorpay_url, account)[0]["status"] == "failed")
    run_cron(stack_var, "payouts")      # ends it, then proposes anew next run
    run_cron(stack_var, "payouts")
    ps = payouts(shop, t, ev)
    assert [x[1] for x in ps] == ["failed", "pending"], ps
    assert ps[0][7] and ps[1][2] == ledger["payablePaise"] and ps[0][5] != ps[1][5]


def test_no_linked_account_waits(shop, rzp, razorpay_url, base_url, stack_var):
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var, linked=False)
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    approve(stack_var, p[0])
    run_cron(stack_var, "payouts")
    assert payouts(shop, t, ev)[0][1] == "approved"


def test_admin_decisions(shop, rzp, razorpay_url, base_url, stack_var):
    """Hold, then approve; nothing after that; unknown ids are 404."""
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var)
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    held = decide(stack_var, "hold", p[0])
    assert held["status"] == "held" and held["netPaise"] == ledger["payablePaise"]
    run_cron(stack_var, "payouts")
    assert transfers(razorpay_url, account) == []       # held: not sent
    approve(stack_var, p[0])
    assert decide(stack_var, "hold", p[0]) == "error 409 invalid_transition"
    assert decide(stack_var, "approve", "00000000-0000-4000-8000-00000000dead") == \
        "error 404 payout_not_found"
    assert decide(stack_var, "approve", "nope") == "error 404 payout_not_found"
    assert shop.one("select decided_by::text from payouts where id = %s", (p[0],),
                    tenant=t)[0] == ADMIN


def told(shop, t):
    """The payout.failed messages queued for the tenant's owners."""
    return [r[0] for r in shop.all(
        "select o.payload from outbox o where o.payload->>'template' = 'payout.failed'"
        " and o.recipient in (select u.email from users u join memberships m"
        "  on m.user_id = u.id where m.tenant_id = %s and m.role = 'owner')"
        " order by o.created_at", (t,))]


def approved_and_sent(shop, rzp, razorpay_url, base_url, stack_var, auto):
    """A payout approved and sent, its transfer to end as auto ("none":
    stays pending): (tenant, event, account, ledger, payout id)."""
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var)
    rzp.post("/_fake/config", {"transfer_auto": auto})
    run_cron(stack_var, "payouts")
    [p] = payouts(shop, t, ev)
    approve(stack_var, p[0])
    run_cron(stack_var, "payouts")
    if auto != "none":
        assert wait_for(lambda: transfers(razorpay_url, account)[0]["status"] == auto)
    assert payouts(shop, t, ev)[0][1] == "processing"
    return t, ev, account, ledger, p[0]


def test_reversed_transfer_makes_the_amount_payable_again(shop, rzp, razorpay_url, base_url,
                                                         stack_var):
    t, ev, account, ledger, _ = approved_and_sent(shop, rzp, razorpay_url, base_url, stack_var,
                                                  "none")
    [trf] = transfers(razorpay_url, account)
    rzp.post(f"/_fake/transfers/{trf['id']}/settle", {"status": "reversed"})
    run_cron(stack_var, "payouts")      # ends it as reversed
    run_cron(stack_var, "payouts")      # and proposes the payable anew
    ps = payouts(shop, t, ev)
    assert [x[1] for x in ps] == ["reversed", "pending"], ps
    assert ps[1][2] == ledger["payablePaise"]
    [m] = told(shop, t)
    assert m["payoutId"] == str(ps[0][0]) and "reversed" in m["outcome"]


def deliver_transfer_webhooks(rzp, razorpay_url, trf_id):
    ids = [e["id"] for e in requests.get(razorpay_url + "/_fake/webhooks",
                                         params={"id": trf_id, "body": 0}, timeout=10)
           .json()["events"] if e["event"].startswith("transfer.")]
    assert ids
    done = rzp.deliver(event_ids=ids)["delivered"]
    assert done and all(d["ok"] for d in done), done


def test_transfer_webhook_pays_without_polling(shop, rzp, rzp_lost, razorpay_url, base_url,
                                               stack_var):
    t, ev, account, ledger, pid = approved_and_sent(shop, rzp, razorpay_url, base_url,
                                                   stack_var, "processed")
    [trf] = transfers(razorpay_url, account)
    deliver_transfer_webhooks(rzp, razorpay_url, trf["id"])
    [p] = payouts(shop, t, ev)
    assert p[1] == "paid" and p[6] == trf["id"]
    assert shop.one("select paid_at is not null from payouts where id = %s", (pid,), tenant=t)[0]
    run_cron_twice(stack_var, "payouts")     # the poller finds nothing left to end
    assert [x[1] for x in payouts(shop, t, ev)] == ["paid"] and told(shop, t) == []


@pytest.mark.parametrize("webhook_first", [True, False])
def test_failed_transfer_ends_once_by_webhook_or_poll(shop, rzp, rzp_lost, razorpay_url, base_url,
                                                     stack_var, webhook_first):
    """The webhook and the poller, in either order: one failure, one message."""
    t, ev, account, ledger, pid = approved_and_sent(shop, rzp, razorpay_url, base_url,
                                                   stack_var, "failed")
    [trf] = transfers(razorpay_url, account)
    if webhook_first:
        deliver_transfer_webhooks(rzp, razorpay_url, trf["id"])
        assert payouts(shop, t, ev)[0][1] == "failed"
        run_cron(stack_var, "payouts")       # proposes anew; ends nothing twice
    else:
        run_cron(stack_var, "payouts")       # ends it as failed
        assert payouts(shop, t, ev)[0][1] == "failed"
        deliver_transfer_webhooks(rzp, razorpay_url, trf["id"])
        run_cron(stack_var, "payouts")       # proposes anew
    ps = payouts(shop, t, ev)
    assert [x[1] for x in ps] == ["failed", "pending"], ps
    assert ps[0][7] == "the transfer failed" and ps[1][2] == ledger["payablePaise"]
    [m] = told(shop, t)
    assert m["payoutId"] == str(pid) and m["outcome"] == "not made"
    assert m["eventTitle"] and m["amount"] and m["tenantName"] == "Booking fest"


def test_forged_transfer_webhook_is_refused(shop, rzp, razorpay_url, base_url, stack_var):
    """An unsigned "transfer.processed" does not mark a payout paid."""
    t, ev, account, ledger, _ = approved_and_sent(shop, rzp, razorpay_url, base_url, stack_var,
                                                  "none")
    [trf] = transfers(razorpay_url, account)
    body = json.dumps({"entity": "event", "account_id": "acc_ZticEmulator01",
                       "event": "transfer.processed", "contains": ["transfer"],
                       "payload": {"transfer": {"entity": dict(trf, status="processed")}},
                       "created_at": 1})
    r = requests.post(base_url + "/api/webhooks/razorpay", data=body,
                      headers={"Content-Type": "application/json",
                               "X-Razorpay-Event-Id": "evt_forged0000001",
                               "X-Razorpay-Signature": "00" * 32}, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_signature"
    assert payouts(shop, t, ev)[0][1] == "processing"


X = {"ZT_PAYOUT_VIA": "razorpayx", "ZT_RAZORPAYX_ACCOUNT": "7878780080316316"}


def x_payouts(razorpay_url, tenant):
    """The emulator's RazorpayX payouts to the tenant's fund accounts."""
    st = requests.get(razorpay_url + "/_fake/state", timeout=10).json()
    conts = {c["id"] for c in st["contacts"] if c["reference_id"] == tenant}
    fas = {f["id"] for f in st["fund_accounts"] if f["contact_id"] in conts}
    return [x for x in st["payouts"] if x["fund_account_id"] in fas], st


def x_approved(shop, stack_var, t, ev):
    """Propose through RazorpayX and approve: the payout row."""
    run_cron(stack_var, "payouts", **X)
    [p] = payouts(shop, t, ev)
    approve(stack_var, p[0])
    return p


def test_razorpayx_payout_is_paid_once_and_a_reversal_puts_it_back(shop, rzp, razorpay_url,
                                                                    base_url, stack_var):
    """ZT_PAYOUT_VIA=razorpayx: a contact and a UPI fund account made from
    the payout details, one payout however many runs race, its webhooks
    end it, and the bank's reversal of a paid payout makes it payable
    again and tells the owners."""
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var, linked=False)
    rzp.post("/_fake/config", {"payout_auto": "none"})
    try:
        p = x_approved(shop, stack_var, t, ev)
        run_cron_twice(stack_var, "payouts", **X)
        run_cron(stack_var, "payouts", **X)
        [po], st = x_payouts(razorpay_url, t)
        assert po["amount"] == ledger["payablePaise"] and po["mode"] == "UPI"
        assert po["status"] == "processing" and po["reference_id"] == str(p[0])
        [fa] = [f for f in st["fund_accounts"] if f["id"] == po["fund_account_id"]]
        assert fa["account_type"] == "vpa" and fa["vpa"]["address"] == "fest@okbank"
        sent = requests.get(razorpay_url + "/_fake/requests",
                            params={"endpoint": "payouts.create"}, timeout=10).json()
        keys = {r["headers"].get("x-payout-idempotency") for r in sent
                if r["body"].get("fund_account_id") == fa["id"]}
        assert keys == {str(p[0])}
        row = payouts(shop, t, ev)[0]
        assert row[1] == "processing" and row[6] == po["id"]
        assert shop.one("select razorpayx_fund_account_id from tenant_payout_details"
                        " where tenant_id = %s", (t,), tenant=t)[0] == fa["id"]

        rzp.post(f"/_fake/payouts/{po['id']}/settle", {"status": "processed"})
        assert wait_for(lambda: payouts(shop, t, ev)[0][1] == "paid")   # the webhook
        run_cron_twice(stack_var, "payouts", **X)
        assert [x[1] for x in payouts(shop, t, ev)] == ["paid"] and told(shop, t) == []

        rzp.post(f"/_fake/payouts/{po['id']}/settle", {"status": "reversed"})
        assert wait_for(lambda: payouts(shop, t, ev)[0][1] == "reversed")
        run_cron(stack_var, "payouts", **X)     # the payable again, a new payout
        ps = payouts(shop, t, ev)
        assert [x[1] for x in ps] == ["reversed", "pending"], ps
        assert ps[1][2] == ledger["payablePaise"]
        assert ps[0][7] == "The beneficiary bank returned the payout."
        [m] = told(shop, t)
        assert m["payoutId"] == str(p[0]) and "reversed" in m["outcome"]
        assert len(x_payouts(razorpay_url, t)[0]) == 1
    finally:
        rzp.post("/_fake/config", {"payout_auto": "processed"})


def test_razorpayx_failed_payout_by_poll(shop, rzp, razorpay_url, base_url, stack_var):
    """A bank account this time (IMPS); the payout fails, the poll ends it
    with Razorpay's reason, and the second payout reuses the fund account."""
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var, linked=False)
    with shop.tx(t) as cur:
        cur.execute("update tenant_payout_details set method = 'bank', upi_id = null,"
                    " bank_account_name = 'Fest Co', bank_account_number = '1234567890',"
                    " bank_ifsc = 'HDFC0001234' where tenant_id = %s", (t,))
    rzp.post("/_fake/config", {"payout_auto": "failed"})
    try:
        x_approved(shop, stack_var, t, ev)
        run_cron(stack_var, "payouts", **X)
        [po], _ = x_payouts(razorpay_url, t)
        assert po["mode"] == "IMPS"
        assert wait_for(lambda: x_payouts(razorpay_url, t)[0][0]["status"] == "failed")
        run_cron(stack_var, "payouts", **X)
        ps = payouts(shop, t, ev)
        assert ps[0][1] == "failed" and ps[0][7] == "The beneficiary account is invalid."
        assert len(told(shop, t)) == 1
        run_cron(stack_var, "payouts", **X)
        ps = payouts(shop, t, ev)
        assert [x[1] for x in ps] == ["failed", "pending"], ps
        rzp.post("/_fake/config", {"payout_auto": "processed"})
        approve(stack_var, ps[1][0])
        run_cron(stack_var, "payouts", **X)
        both, st = x_payouts(razorpay_url, t)
        assert len(both) == 2 and both[0]["fund_account_id"] == both[1]["fund_account_id"]
        assert len([c for c in st["contacts"] if c["reference_id"] == t]) == 1
    finally:
        rzp.post("/_fake/config", {"payout_auto": "processed"})


@pytest.mark.parametrize("env,name", [
    ({"ZT_PAYOUT_VIA": "paypal"}, "ZT_PAYOUT_VIA"),
    ({"ZT_PAYOUT_VIA": "razorpayx"}, "ZT_RAZORPAYX_ACCOUNT"),
    ({"ZT_PAYOUT_VIA": "razorpayx", "ZT_RAZORPAYX_ACCOUNT": "12ab"}, "ZT_RAZORPAYX_ACCOUNT"),
])
def test_payout_configuration_is_checked(stack_var, env, name):
    p = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "cron", "ztic-payouts")],
                       env=stack_env(stack_var, **env), capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and name in p.stderr, p.stderr


def test_payout_keeps_what_was_withheld(shop, rzp, razorpay_url, base_url, stack_var):
    """TDS and TCS come off the payout; the row keeps them and counts them in
    its fees, so net = gross - refunds - fees still holds."""
    t, ev, account, _ = sold_and_ended(shop, rzp, base_url, stack_var)
    with shop.tx(t) as cur:
        cur.execute("update tenants set tds_bps = 10, tcs_bps = 50 where id = %s", (t,))
    org = Person(base_url, stack_var, shop.one(
        "select user_id::text from memberships where tenant_id = %s", (t,), tenant=t)[0],
        t, "owner")
    ledger = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}").json()
    assert ledger["tdsPaise"] > 0 and ledger["tcsPaise"] > 0
    run_cron(stack_var, "payouts")
    row = shop.one("select gross_paise, refunds_paise, fees_paise, net_paise, tds_paise,"
                   " tcs_paise, commission_gst_paise from payouts where event_id = %s",
                   (ev["id"],), tenant=t)
    gross, refunds, fees, net, tds, tcs, cgst = row
    assert net == ledger["payablePaise"] and (tds, tcs) == (ledger["tdsPaise"], ledger["tcsPaise"])
    assert cgst == ledger["commissionGstPaise"] > 0
    assert fees == ledger["gatewayFeesPaise"] + ledger["commissionPaise"] \
        + ledger["commissionGstPaise"] + tds + tcs
    assert net == gross - refunds - fees


def test_unregistered_platform_deducts_no_gst_on_the_commission(shop, rzp, razorpay_url,
                                                                base_url, stack_var):
    """ZT_COMMISSION_GST_BPS=0 (a platform not registered for GST): no GST
    on the commission, so the payout is the ledger's payable at 18 % plus
    the GST it would have deducted."""
    t, ev, account, ledger = sold_and_ended(shop, rzp, base_url, stack_var)
    assert ledger["commissionGstPaise"] > 0
    run_cron(stack_var, "payouts", ZT_COMMISSION_GST_BPS="0")
    gross, refunds, fees, net, cgst = shop.one(
        "select gross_paise, refunds_paise, fees_paise, net_paise, commission_gst_paise"
        " from payouts where event_id = %s", (ev["id"],), tenant=t)
    assert cgst == 0
    assert fees == ledger["gatewayFeesPaise"] + ledger["commissionPaise"]
    assert net == ledger["payablePaise"] + ledger["commissionGstPaise"] == gross - refunds - fees
