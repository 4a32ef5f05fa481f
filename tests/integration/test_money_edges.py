"""Money edge cases of refunds and webhooks (issue #16, "Money edge cases").

Each test failed before its fix (docs/bookings.md, "Refund rules" and
"Webhooks"):
  - a refund whose idempotency key was seen before moved
    payments.refunded_paise without a refund row;
  - a signed webhook body posted again under a new X-Razorpay-Event-Id was
    processed again;
  - a replayed refund.failed turned a processed refund back into a failed
    one and gave its amount back to be refunded a second time;
  - after an organizer's partial refund the booking still offered the
    buyer the whole policy amount.
"""

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from ztbook import Person, Rzp, Shop, run_cron, wait_for


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


@pytest.fixture
def rzp(razorpay_url):
    r = Rzp(razorpay_url)
    yield r
    r.post("/_fake/config", {"refund_auto": "processed"})
    r.webhooks(duplicate=0, shuffle=False)
    r.deliver()
    r.webhooks(auto=True)


def sign(body, secret=b"whsec_test"):
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def post_webhook(base_url, doc, event_id=None):
    body = json.dumps(doc).encode() if isinstance(doc, dict) else doc
    return requests.post(
        base_url + "/api/webhooks/razorpay", data=body, timeout=10,
        headers={"Content-Type": "application/json",
                 "X-Razorpay-Signature": sign(body),
                 "x-razorpay-event-id": event_id or "evt_" + uuid.uuid4().hex[:14]})


def confirmed(shop, base_url, stack_var, rzp, **ev_kw):
    """A paid, confirmed booking and its tenant's owner (with a token)."""
    rzp.webhooks(auto=False)
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, **ev_kw)
    b = Person(base_url, stack_var, shop.user("buyer"))
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    pay = rzp.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 200, r.text
    return Person(base_url, stack_var, owner, t, "owner"), b, r.json()


def money(shop, bid):
    """(refunded_paise, sum of refunds not failed, refund rows, keys)."""
    pay = shop.one("select id, refunded_paise, provider_payment_id"
                   " from payments where booking_id = %s"
                   " order by created_at limit 1", (bid,))
    rows = shop.all("select status, amount_paise, idempotency_key,"
                    " provider_refund_id from refunds where payment_id = %s"
                    " order by created_at", (pay[0],))
    live = sum(a for s, a, k, p in rows if s != "failed")
    return pay[1], live, rows, pay[2]


def test_a_refund_whose_key_was_seen_before_moves_no_money(
        shop, base_url, stack_var, rzp):
    org, b, bk = confirmed(shop, base_url, stack_var, rzp)
    rzp.webhooks(auto=True)
    rzp.post("/_fake/config", {"refund_auto": "failed"})
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"amountPaise": 10000})
    assert r.status_code == 200, r.text
    assert wait_for(lambda: money(shop, bk["id"])[:2] == (0, 0)
                    and money(shop, bk["id"])[2][0][0] == "failed"), \
        money(shop, bk["id"])
    # the same partial refund again, while the failed one waits for its
    # retry: a refund of its own (before: the same key, no row, and
    # refunded_paise moved anyway)
    rzp.post("/_fake/config", {"refund_auto": "none"})
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"amountPaise": 10000})
    assert r.status_code == 200, r.text
    refunded, live, rows, _ = money(shop, bk["id"])
    assert refunded == live == 10000, rows
    assert [(s, a) for s, a, k, p in rows] == [("failed", 10000),
                                              ("pending", 10000)]
    assert len({k for s, a, k, p in rows}) == 2
    # and refunded_paise always equals the refunds that may still pay
    total = bk["totalPaise"]
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"amountPaise": total - 10000 + 1})
    assert r.status_code == 422
    assert money(shop, bk["id"])[:2] == (10000, 10000)


def test_a_signed_body_under_a_new_event_id_is_a_replay(shop, base_url):
    doc = {"entity": "event", "event": "payment.failed",
           "contains": ["payment"], "payload": {"payment": {"entity": {
               "id": "pay_" + uuid.uuid4().hex[:14], "entity": "payment",
               "order_id": "order_" + uuid.uuid4().hex[:14],
               "amount": 1000, "currency": "INR", "status": "failed",
               "captured": False}}},
           "created_at": int(time.time())}
    body = json.dumps(doc).encode()
    r = post_webhook(base_url, body)
    assert r.status_code == 200 and r.json()["status"] == "processed"
    r = post_webhook(base_url, body)   # new header, same signed bytes
    assert r.status_code == 200 and r.json()["status"] == "duplicate", r.text
    # the same event id with another body is a duplicate as before
    eid = "evt_" + uuid.uuid4().hex[:14]
    doc["created_at"] += 1
    assert post_webhook(base_url, doc, eid).json()["status"] == "processed"
    doc["created_at"] += 1
    assert post_webhook(base_url, doc, eid).json()["status"] == "duplicate"
    seen = shop.one("select count(*) from webhook_events where payload::text"
                    " like %s", (f'%{doc["payload"]["payment"]["entity"]["id"]}%',))
    assert seen[0] == 2


def test_a_processed_refund_never_goes_back_to_failed(
        shop, base_url, stack_var, rzp):
    org, b, bk = confirmed(shop, base_url, stack_var, rzp)
    rzp.webhooks(auto=True)
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"amountPaise": 10000})
    assert r.status_code == 200, r.text
    assert wait_for(lambda: money(shop, bk["id"])[2][0][0] == "processed")
    refunded, live, rows, ppid = money(shop, bk["id"])
    rid = rows[0][3]
    assert rid and refunded == live == 10000
    # a refund.failed for it (a replay of an old body, or a forgery with
    # the secret): nothing moves
    failed = {"entity": "event", "event": "refund.failed",
              "contains": ["refund"], "payload": {"refund": {"entity": {
                  "id": rid, "entity": "refund", "amount": 10000,
                  "currency": "INR", "payment_id": ppid,
                  "status": "failed"}}},
              "created_at": int(time.time())}
    r = post_webhook(base_url, failed)
    assert r.status_code == 200, r.text
    assert money(shop, bk["id"])[:3] == (refunded, live, rows)
    # nothing for the cron to send again
    run_cron(stack_var, "refunds")
    assert money(shop, bk["id"])[:3] == (refunded, live, rows)
    # and a captured payment never goes back to failed
    pf = {"entity": "event", "event": "payment.failed",
          "contains": ["payment"], "payload": {"payment": {"entity": {
              "id": ppid, "entity": "payment",
              "order_id": bk["payment"]["orderId"],
              "amount": bk["totalPaise"], "currency": "INR",
              "status": "failed", "captured": False}}},
          "created_at": int(time.time())}
    assert post_webhook(base_url, pf).status_code == 200
    assert shop.one("select status from payments where booking_id = %s",
                    (bk["id"],))[0] == "captured"


@pytest.mark.parametrize("partial_left", [20000, None])
def test_the_buyers_cancel_after_a_partial_refund(
        shop, base_url, stack_var, rzp, partial_left):
    """min(policy amount, paid - already refunded): never more than paid."""
    org, b, bk = confirmed(shop, base_url, stack_var, rzp,
                           refund="before_start", cutoff=24, refund_fee=5000)
    total, policy = bk["totalPaise"], 50000 - 5000
    partial = total - partial_left if partial_left else 1000
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"amountPaise": partial})
    assert r.status_code == 200, r.text
    left = total - partial
    expect = min(policy, left)
    got = b.call("GET", f"/api/bookings/{bk['id']}").json()
    assert got["cancellable"] is True
    assert got["refundPaise"] == expect   # what the buyer is offered
    r = b.call("POST", f"/api/bookings/{bk['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refunded"
    refunded, live, rows, _ = money(shop, bk["id"])
    assert [a for s, a, k, p in rows] == [partial, expect]
    assert refunded == partial + expect <= total
