"""Self-check of tests/fakes/razorpay.py, the Razorpay emulator (pytest + requests).

    /usr/bin/python3 -m pytest -q tests/fakes/test_razorpay_selfcheck.py

Starts its own emulator on a free port and a small webhook receiver in this
process; does not touch a running stack. Pins the contract in
docs/payments.md: Basic auth and the error shape, orders, payments, the
checkout signature formula, refunds with X-Refund-Idempotency, signed
webhooks over the raw body, delivery controls and injected failures.
"""
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "razorpay.py")
KEY_ID, KEY_SECRET, WH_SECRET = "rzp_test_ztic", "rzp_test_secret", "whsec_test"
AUTH = (KEY_ID, KEY_SECRET)
ORDER_ID = re.compile(r"^order_[A-Za-z0-9]{14}$")
PAY_ID = re.compile(r"^pay_[A-Za-z0-9]{14}$")
RFND_ID = re.compile(r"^rfnd_[A-Za-z0-9]{14}$")


def sign(secret, data):
    if isinstance(data, str):
        data = data.encode()
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


class Receiver:
    """Records webhook POSTs (raw body + headers); answers `statuses` in turn, then 200."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []
        self.statuses = []
        rec = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with rec.lock:
                    rec.posts.append({"path": self.path, "body": body,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
                    status = rec.statuses.pop(0) if rec.statuses else 200
                data = b'{"ok":true}'
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.url = "http://127.0.0.1:%d/api/webhooks/razorpay" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.posts.clear()
            self.statuses.clear()

    def wait(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posts) >= n:
                    return list(self.posts)
            time.sleep(0.02)
        with self.lock:
            return list(self.posts)


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.srv.shutdown()


@pytest.fixture(scope="module")
def base():
    d = tempfile.mkdtemp(prefix="zt-rzp-selfcheck.")
    port_file, log = os.path.join(d, "port"), os.path.join(d, "log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZT_")}
    p = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--port-file", port_file, "--log", log],
                         stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline().strip() == "ready"
        with open(port_file) as f:
            yield "http://127.0.0.1:%d" % int(f.read())
    finally:
        p.terminate()
        p.wait(10)


@pytest.fixture(autouse=True)
def fresh(base, receiver):
    requests.post(base + "/_fake/reset").raise_for_status()
    receiver.reset()
    # deterministic by default: queue webhooks, refunds stay pending
    cfg = {"webhook_url": receiver.url, "auto": False, "refund_auto": "none"}
    requests.post(base + "/_fake/config", json=cfg).raise_for_status()


def order(base, amount=50000, **extra):
    body = {"amount": amount, "currency": "INR", "receipt": "bk-1", "notes": {"booking": "b1"}}
    body.update(extra)
    r = requests.post(base + "/v1/orders", json=body, auth=AUTH)
    assert r.status_code == 200, r.text
    return r.json()


def pay(base, order_id, **kw):
    r = requests.post(base + "/_fake/pay", json=dict(order_id=order_id, **kw))
    assert r.status_code == 200, r.text
    return r.json()


def err(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    e = r.json()["error"]
    assert e["code"] in ("BAD_REQUEST_ERROR", "SERVER_ERROR", "GATEWAY_ERROR") and e["description"]
    return e


# ------------------------------------------------------------------ API --

def test_basic_auth_required_with_razorpay_error_shape(base):
    o = order(base)
    for auth in (None, (KEY_ID, "wrong"), ("rzp_test_other", KEY_SECRET)):
        r = requests.get(base + "/v1/orders/" + o["id"], auth=auth)
        e = err(r, 401)
        assert e["description"] == "Authentication failed"
    assert requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).status_code == 200
    err(requests.get(base + "/v1/nothing", auth=AUTH), 404)


def test_order_entity_and_fetch(base):
    o = order(base)
    assert ORDER_ID.match(o["id"]) and o["entity"] == "order"
    assert (o["amount"], o["amount_paid"], o["amount_due"]) == (50000, 0, 50000)
    assert o["currency"] == "INR" and o["receipt"] == "bk-1" and o["status"] == "created"
    assert o["attempts"] == 0 and o["notes"] == {"booking": "b1"} and isinstance(o["created_at"], int)
    assert requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).json() == o
    # empty notes come back as [] like the real API
    assert order(base, notes={})["notes"] == []
    # a form-encoded request works too (curl -d amount=… -d notes[k]=v)
    r = requests.post(base + "/v1/orders", auth=AUTH,
                      data={"amount": "10000", "currency": "INR", "notes[a]": "b"})
    assert r.status_code == 200 and r.json()["amount"] == 10000 and r.json()["notes"] == {"a": "b"}


@pytest.mark.parametrize("body,field", [
    ({"amount": 99, "currency": "INR"}, "amount"),
    ({"amount": 100.5, "currency": "INR"}, "amount"),
    ({"amount": "lots", "currency": "INR"}, "amount"),
    ({"amount": True, "currency": "INR"}, "amount"),
    ({"currency": "INR"}, "amount"),
    ({"amount": 50000, "currency": "USD"}, "currency"),
    ({"amount": 50000}, "currency"),
    ({"amount": 50000, "currency": "INR", "receipt": "x" * 41}, "receipt"),
    ({"amount": 50000, "currency": "INR", "notes": {str(i): "v" for i in range(16)}}, "notes"),
    ({"amount": 50000, "currency": "INR", "reciept": "typo"}, "reciept"),
])
def test_order_validation_like_the_real_api(base, body, field):
    e = err(requests.post(base + "/v1/orders", json=body, auth=AUTH), 400)
    assert e["field"] == field


def test_unknown_and_malformed_ids(base):
    e = err(requests.get(base + "/v1/orders/order_AAAAAAAAAAAAAA", auth=AUTH), 400)
    assert e["description"] == "The id provided does not exist"
    e = err(requests.get(base + "/v1/payments/nope", auth=AUTH), 400)
    assert "not a valid id" in e["description"]


def test_pay_returns_checkout_fields_with_the_razorpay_signature(base):
    o = order(base)
    res = pay(base, o["id"])
    assert set(res) == {"razorpay_payment_id", "razorpay_order_id", "razorpay_signature"}
    assert res["razorpay_order_id"] == o["id"] and PAY_ID.match(res["razorpay_payment_id"])
    assert res["razorpay_signature"] == sign(KEY_SECRET, o["id"] + "|" + res["razorpay_payment_id"])
    p = requests.get(base + "/v1/payments/" + res["razorpay_payment_id"], auth=AUTH).json()
    assert p["entity"] == "payment" and p["status"] == "captured" and p["captured"] is True
    assert p["amount"] == 50000 and p["order_id"] == o["id"] and p["method"] == "upi"
    assert p["amount_refunded"] == 0 and p["refund_status"] is None and p["vpa"]
    o2 = requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).json()
    assert (o2["status"], o2["amount_paid"], o2["amount_due"], o2["attempts"]) == ("paid", 50000, 0, 1)
    lst = requests.get(base + "/v1/orders/%s/payments" % o["id"], auth=AUTH).json()
    assert lst["entity"] == "collection" and lst["count"] == 1 and lst["items"][0]["id"] == p["id"]
    # a paid order takes no further payment
    assert requests.post(base + "/_fake/pay", json={"order_id": o["id"]}).status_code == 400


def test_failed_payment_then_capture_of_an_authorized_one(base):
    o = order(base)
    f = pay(base, o["id"], outcome="failed")
    meta = f["error"]["metadata"]
    assert meta["order_id"] == o["id"] and PAY_ID.match(meta["payment_id"])
    p = requests.get(base + "/v1/payments/" + meta["payment_id"], auth=AUTH).json()
    assert p["status"] == "failed" and p["error_code"] == "BAD_REQUEST_ERROR" and p["error_reason"]
    assert requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).json()["status"] == "attempted"

    a = pay(base, o["id"], outcome="authorized", method="card")
    pid = a["razorpay_payment_id"]
    assert a["razorpay_signature"] == sign(KEY_SECRET, o["id"] + "|" + pid)
    # one authorized payment at a time; the order lists its payments in order
    assert requests.post(base + "/_fake/pay", json={"order_id": o["id"]}).status_code == 400
    lst = requests.get(base + "/v1/orders/%s/payments" % o["id"], auth=AUTH).json()
    assert [x["id"] for x in lst["items"]] == [meta["payment_id"], pid]
    cap = base + "/v1/payments/%s/capture" % pid
    err(requests.post(cap, json={"amount": 100, "currency": "INR"}, auth=AUTH), 400)
    r = requests.post(cap, json={"amount": 50000, "currency": "INR"}, auth=AUTH)
    assert r.status_code == 200 and r.json()["status"] == "captured" and r.json()["method"] == "card"
    e = err(requests.post(cap, json={"amount": 50000, "currency": "INR"}, auth=AUTH), 400)
    assert "already been captured" in e["description"]
    o2 = requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).json()
    assert o2["status"] == "paid" and o2["attempts"] == 2


def test_wrong_amount_override_and_late_capture(base):
    o = order(base)
    res = pay(base, o["id"], amount=100)
    p = requests.get(base + "/v1/payments/" + res["razorpay_payment_id"], auth=AUTH).json()
    assert p["amount"] == 100 and p["status"] == "captured"
    # a failed payment captured later (late UPI authorisation)
    o = order(base)
    f = pay(base, o["id"], outcome="failed")
    pid = f["error"]["metadata"]["payment_id"]
    r = requests.post(base + "/_fake/payments/%s/settle" % pid, json={"status": "captured"})
    assert r.status_code == 200 and r.json()["status"] == "captured"
    assert requests.get(base + "/v1/orders/" + o["id"], auth=AUTH).json()["status"] == "paid"


# -------------------------------------------------------------- refunds --

def captured_payment(base, amount=50000):
    o = order(base, amount)
    return pay(base, o["id"])["razorpay_payment_id"]


def refund(base, pid, body, key=None):
    h = {"X-Refund-Idempotency": key} if key else {}
    return requests.post(base + "/v1/payments/%s/refund" % pid, json=body, auth=AUTH, headers=h)


def test_refund_idempotency_same_key_same_refund(base):
    pid = captured_payment(base)
    a = refund(base, pid, {"amount": 20000, "notes": {"why": "late"}}, key="refund-bk1-0001")
    assert a.status_code == 200, a.text
    r = a.json()
    assert RFND_ID.match(r["id"]) and r["entity"] == "refund" and r["payment_id"] == pid
    assert r["amount"] == 20000 and r["status"] == "pending" and r["speed_requested"] == "normal"
    b = refund(base, pid, {"amount": 20000, "notes": {"why": "late"}}, key="refund-bk1-0001")
    assert b.status_code == 200 and b.json()["id"] == r["id"]
    p = requests.get(base + "/v1/payments/" + pid, auth=AUTH).json()
    assert p["amount_refunded"] == 20000 and p["refund_status"] == "partial" and p["status"] == "captured"
    lst = requests.get(base + "/v1/payments/%s/refunds" % pid, auth=AUTH).json()
    assert lst["count"] == 1
    # same key, different body: refused; bad key: refused
    e = err(refund(base, pid, {"amount": 100}, key="refund-bk1-0001"), 400)
    assert "idempotency key" in e["description"]
    err(refund(base, pid, {"amount": 100}, key="short"), 400)
    err(refund(base, pid, {"amount": 100}, key="has spaces in it"), 400)


def test_refund_limits_and_full_refund(base):
    pid = captured_payment(base)
    e = err(refund(base, pid, {"amount": 50001}), 400)
    assert e["field"] == "amount"
    err(refund(base, pid, {"amount": 99}), 400)
    assert refund(base, pid, {"amount": 30000}).status_code == 200
    err(refund(base, pid, {"amount": 20001}), 400)          # > captured - refunded
    r = refund(base, pid, {})                              # the rest
    assert r.status_code == 200 and r.json()["amount"] == 20000
    p = requests.get(base + "/v1/payments/" + pid, auth=AUTH).json()
    assert p["status"] == "refunded" and p["refund_status"] == "full" and p["amount_refunded"] == 50000
    e = err(refund(base, pid, {}), 400)
    assert "fully refunded" in e["description"]
    # only captured payments can be refunded
    o = order(base)
    a = pay(base, o["id"], outcome="authorized")["razorpay_payment_id"]
    err(refund(base, a, {}), 400)


def test_refund_settle_processed_and_failed(base):
    pid = captured_payment(base)
    r1 = refund(base, pid, {"amount": 10000}).json()
    r2 = refund(base, pid, {"amount": 15000}).json()
    s = requests.post(base + "/_fake/refunds/%s/settle" % r1["id"], json={"status": "processed"})
    assert s.status_code == 200 and s.json()["status"] == "processed"
    assert requests.get(base + "/v1/refunds/" + r1["id"], auth=AUTH).json()["status"] == "processed"
    requests.post(base + "/_fake/refunds/%s/settle" % r2["id"], json={"status": "failed"}).raise_for_status()
    p = requests.get(base + "/v1/payments/" + pid, auth=AUTH).json()
    assert p["amount_refunded"] == 10000             # a failed refund gives the amount back
    assert requests.post(base + "/_fake/refunds/%s/settle" % r2["id"], json={}).status_code == 400


def test_refund_auto_processing(base):
    requests.post(base + "/_fake/config", json={"refund_auto": "processed", "refund_delay_ms": 50}).raise_for_status()
    pid = captured_payment(base)
    r = refund(base, pid, {}).json()
    assert r["status"] == "pending"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if requests.get(base + "/v1/refunds/" + r["id"], auth=AUTH).json()["status"] == "processed":
            break
        time.sleep(0.05)
    else:
        pytest.fail("refund was not processed automatically")


# ------------------------------------------------------------- webhooks --

def check_signed(post, wanted_event=None):
    h = post["headers"]
    assert h["x-razorpay-signature"] == sign(WH_SECRET, post["body"]), "signature is not over the raw body"
    assert re.match(r"^[A-Za-z0-9]{14}$", h["x-razorpay-event-id"])
    assert h["content-type"] == "application/json"
    doc = json.loads(post["body"])
    assert doc["entity"] == "event" and doc["account_id"].startswith("acc_") and isinstance(doc["created_at"], int)
    if wanted_event:
        assert doc["event"] == wanted_event
    for k in doc["contains"]:
        assert doc["payload"][k]["entity"]["entity"] == k
    return doc


def test_webhooks_are_signed_over_the_raw_body(base, receiver):
    requests.post(base + "/_fake/webhooks/config", json={"auto": True}).raise_for_status()
    o = order(base)
    res = pay(base, o["id"])
    posts = receiver.wait(3)
    assert len(posts) == 3
    docs = [check_signed(p) for p in posts]
    assert [d["event"] for d in docs] == ["payment.authorized", "payment.captured", "order.paid"]
    assert docs[0]["payload"]["payment"]["entity"]["status"] == "authorized"   # a snapshot
    assert docs[1]["payload"]["payment"]["entity"]["id"] == res["razorpay_payment_id"]
    assert docs[2]["contains"] == ["payment", "order"]
    assert docs[2]["payload"]["order"]["entity"]["status"] == "paid"
    assert len({p["headers"]["x-razorpay-event-id"] for p in posts}) == 3
    assert posts[0]["path"] == "/api/webhooks/razorpay"
    # the raw body is compact JSON with raw UTF-8: re-serializing it changes the bytes
    assert json.dumps(json.loads(posts[1]["body"])).encode() != posts[1]["body"]
    hooks = requests.get(base + "/_fake/webhooks", params={"order_id": o["id"]}).json()
    assert [d["status"] for d in hooks["deliveries"]] == [200, 200, 200]
    ev = hooks["events"][1]
    assert ev["body"].encode() == posts[1]["body"] and ev["signature"] == posts[1]["headers"]["x-razorpay-signature"]


def test_failed_payment_webhook(base, receiver):
    o = order(base)
    pay(base, o["id"], outcome="failed")
    res = requests.post(base + "/_fake/webhooks/deliver").json()
    assert [d["event"] for d in res["delivered"]] == ["payment.failed"] and res["queued"] == 0
    doc = check_signed(receiver.wait(1)[0], "payment.failed")
    assert doc["payload"]["payment"]["entity"]["error_code"] == "BAD_REQUEST_ERROR"


def test_manual_delivery_with_duplicates_out_of_order(base, receiver):
    requests.post(base + "/_fake/webhooks/config", json={"duplicate": 1}).raise_for_status()
    o = order(base)
    pay(base, o["id"])
    assert receiver.wait(1, timeout=0.3) == []          # queued, not sent
    q = requests.get(base + "/_fake/webhooks").json()
    assert len(q["queued"]) == 3
    res = requests.post(base + "/_fake/webhooks/deliver", json={"reverse": True}).json()
    posts = receiver.wait(6)
    assert len(posts) == 6 and len(res["delivered"]) == 6
    events = [json.loads(p["body"])["event"] for p in posts]
    assert events[:3] == ["order.paid", "payment.captured", "payment.authorized"]
    assert events[3:] == events[:3]
    ids = [p["headers"]["x-razorpay-event-id"] for p in posts]
    assert ids[:3] == ids[3:]                             # a duplicate keeps its event id and body
    assert [p["body"] for p in posts[:3]] == [p["body"] for p in posts[3:]]
    assert requests.get(base + "/_fake/webhooks").json()["queued"] == []


def test_retry_on_failure_keeps_id_and_body(base, receiver):
    requests.post(base + "/_fake/webhooks/config",
                  json={"auto": True, "retry_delay_ms": 20, "events": ["order.paid"]}).raise_for_status()
    receiver.statuses[:] = [500, 503]
    o = order(base)
    pay(base, o["id"])
    posts = receiver.wait(3)
    assert len(posts) == 3
    assert len({p["headers"]["x-razorpay-event-id"] for p in posts}) == 1
    assert len({p["body"] for p in posts}) == 1
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        hooks = requests.get(base + "/_fake/webhooks", params={"body": "0"}).json()
        if len(hooks["deliveries"]) == 3:
            break
        time.sleep(0.02)
    assert [d["status"] for d in hooks["deliveries"]] == [500, 503, 200]
    assert [d["attempt"] for d in hooks["deliveries"]] == [1, 2, 3]
    assert hooks["events"][0]["state"] == "delivered"


def test_manual_retry_requeues_a_failed_delivery(base, receiver):
    receiver.statuses[:] = [500]
    requests.post(base + "/_fake/webhooks/config", json={"events": ["payment.failed"]}).raise_for_status()
    o = order(base)
    pay(base, o["id"], outcome="failed")
    first = requests.post(base + "/_fake/webhooks/deliver").json()
    assert [d["status"] for d in first["delivered"]] == [500] and first["queued"] == 1
    second = requests.post(base + "/_fake/webhooks/deliver").json()
    assert [d["status"] for d in second["delivered"]] == [200] and second["queued"] == 0
    assert second["delivered"][0]["attempt"] == 2


def test_refund_webhooks(base, receiver):
    requests.post(base + "/_fake/config", json={"refund_auto": "processed", "refund_delay_ms": 0,
                                                "events": ["refund.processed", "refund.failed"]}).raise_for_status()
    pid = captured_payment(base)
    r = refund(base, pid, {"amount": 5000}).json()
    assert r["status"] == "processed"
    requests.post(base + "/_fake/webhooks/deliver").raise_for_status()
    doc = check_signed(receiver.wait(1)[0], "refund.processed")
    assert doc["contains"] == ["refund", "payment"]
    assert doc["payload"]["refund"]["entity"]["id"] == r["id"]
    assert doc["payload"]["payment"]["entity"]["amount_refunded"] == 5000


def test_redeliver_replays_the_same_event(base, receiver):
    o = order(base)
    pay(base, o["id"], outcome="failed")
    requests.post(base + "/_fake/webhooks/deliver").raise_for_status()
    eid = receiver.wait(1)[0]["headers"]["x-razorpay-event-id"]
    requests.post(base + "/_fake/webhooks/redeliver", json={"event_id": eid}).raise_for_status()
    posts = receiver.wait(2)
    assert posts[0]["body"] == posts[1]["body"] and posts[1]["headers"]["x-razorpay-event-id"] == eid


def test_no_webhook_url_keeps_events_listed(base):
    requests.post(base + "/_fake/webhooks/config", json={"webhook_url": None}).raise_for_status()
    o = order(base)
    pay(base, o["id"])
    res = requests.post(base + "/_fake/webhooks/deliver").json()
    assert all(d["status"] is None and d["error"] == "no webhook url configured" for d in res["delivered"])


# ------------------------------------------------------ failures, misc --

def test_injected_failures(base):
    requests.post(base + "/_fake/fail", json={"endpoint": "orders", "status": 500, "count": 2}).raise_for_status()
    body = {"amount": 50000, "currency": "INR"}
    codes = [requests.post(base + "/v1/orders", json=body, auth=AUTH).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    # "after": the refund is made but the answer is lost; a retry with the key gets it
    pid = captured_payment(base)
    requests.post(base + "/_fake/fail", json={"endpoint": "refunds.create", "status": 502,
                                              "after": True}).raise_for_status()
    assert refund(base, pid, {"amount": 1000}, key="lost-answer-0001").status_code == 502
    r = refund(base, pid, {"amount": 1000}, key="lost-answer-0001")
    assert r.status_code == 200
    assert requests.get(base + "/v1/payments/" + pid, auth=AUTH).json()["amount_refunded"] == 1000
    # a dropped connection
    requests.post(base + "/_fake/fail", json={"endpoint": "payments.fetch", "drop": True}).raise_for_status()
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/v1/payments/" + pid, auth=AUTH)
    assert requests.get(base + "/v1/payments/" + pid, auth=AUTH).status_code == 200
    assert requests.post(base + "/_fake/fail", json={"endpoint": "nope"}).status_code == 400
    reqs = requests.get(base + "/_fake/requests", params={"endpoint": "refunds.create"}).json()
    assert [x["headers"].get("x-refund-idempotency") for x in reqs] == ["lost-answer-0001"] * 2


def test_checkout_page_and_callback_form(base):
    o = order(base)
    r = requests.get(base + "/checkout/" + o["id"], params={"key": KEY_ID, "callback": "http://127.0.0.1:9/cb"})
    assert r.status_code == 200 and "TEST MODE — Razorpay emulator" in r.text
    assert 'id=rzp-pay' in r.text and 'id=rzp-fail' in r.text and "₹500.00" in r.text
    assert requests.get(base + "/checkout/" + o["id"], params={"key": "rzp_test_wrong"}).status_code == 400
    r = requests.post(base + "/checkout/%s/pay" % o["id"],
                      data={"outcome": "captured", "method": "upi", "callback": "http://127.0.0.1:9/cb?x=1&y=2"})
    assert r.status_code == 200 and 'action="http://127.0.0.1:9/cb?x=1&amp;y=2"' in r.text
    fields = dict(re.findall(r'name="(razorpay_[a-z_]+)" value="([^"]*)"', r.text))
    assert fields["razorpay_order_id"] == o["id"]
    assert fields["razorpay_signature"] == sign(KEY_SECRET, o["id"] + "|" + fields["razorpay_payment_id"])
    o2 = order(base)
    r = requests.post(base + "/checkout/%s/pay" % o2["id"], data={"outcome": "failed", "callback": "http://x.test/cb"})
    assert 'name="error[code]" value="BAD_REQUEST_ERROR"' in r.text and "error[metadata]" in r.text
    # the modal flow (checkout.js): the result goes to the opener by postMessage,
    # and a failed payment can be tried again on the same order
    o3 = order(base)
    r = requests.post(base + "/checkout/%s/pay" % o3["id"],
                      data={"outcome": "failed", "origin": "http://127.0.0.1:8080"})
    assert "postMessage" in r.text and "id=rzp-retry" in r.text and "razorpay-emulator" in r.text
    js = requests.get(base + "/v1/checkout.js")
    assert js.status_code == 200 and "window.Razorpay" in js.text


def test_state_and_reset(base):
    o = order(base)
    pay(base, o["id"])
    st = requests.get(base + "/_fake/state").json()
    assert len(st["orders"]) == 1 and len(st["payments"]) == 1 and st["webhooks"]["queued"] == 3
    only = requests.get(base + "/_fake/state?only=webhooks").json()
    assert only == {"webhooks": st["webhooks"]}
    assert "key_secret" not in json.dumps(st["config"]) and KEY_SECRET not in json.dumps(st)
    requests.post(base + "/_fake/reset").raise_for_status()
    st = requests.get(base + "/_fake/state").json()
    assert st["orders"] == [] and st["payments"] == [] and st["webhooks"]["events"] == 0
    assert st["config"]["auto"] is True                   # back to the start-up settings
    assert requests.post(base + "/_fake/config", json={"nonsense": 1}).status_code == 400


def test_events_option_sets_the_subscription():
    """--events is the Dashboard's subscription: it is what /_fake/reset
    goes back to; an unknown event name refuses to start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZT_")}
    bad = subprocess.run([sys.executable, SCRIPT, "--port", "0", "--events", "payment.captured,nope"],
                         capture_output=True, text=True, env=env, timeout=30)
    assert bad.returncode != 0 and "nope" in bad.stderr
    d = tempfile.mkdtemp(prefix="zt-rzp-selfcheck.")
    port_file = os.path.join(d, "port")
    p = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--port-file", port_file,
                          "--events", "payment.captured,refund.processed"],
                         stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline().strip() == "ready"
        with open(port_file) as f:
            url = "http://127.0.0.1:%d" % int(f.read())
        cfg = lambda: requests.get(url + "/_fake/webhooks/config").json()["events"]
        assert cfg() == ["payment.captured", "refund.processed"]
        requests.post(url + "/_fake/webhooks/config", json={"events": ["order.paid"]}).raise_for_status()
        requests.post(url + "/_fake/reset").raise_for_status()
        assert cfg() == ["payment.captured", "refund.processed"]
        o = order(url)
        pay(url, o["id"])
        q = requests.get(url + "/_fake/webhooks").json()
        assert [e["event"] for e in q["events"]] == ["payment.captured"]
    finally:
        p.terminate()
        p.wait(10)


# ------------------------------------------------ transfers, payment list --

def transfer(base, body, key=None):
    headers = {"X-Transfer-Idempotency": key} if key else {}
    return requests.post(base + "/v1/transfers", json=body, auth=AUTH, headers=headers)


def test_transfer_idempotency_settle_and_webhook(base, receiver):
    requests.post(base + "/_fake/config", json={"transfer_auto": "none"}).raise_for_status()
    body = {"account": "acc_CPRsN1LkFccllA", "amount": 100000, "currency": "INR"}
    a = transfer(base, body, key="payout-0000000001")
    assert a.status_code == 200, a.text
    t = a.json()
    assert re.match(r"^trf_[A-Za-z0-9]{14}$", t["id"]) and t["entity"] == "transfer"
    assert t["status"] == "pending" and t["recipient"] == body["account"] and t["fees"] > 0
    # the same key and request: the same transfer; another request: refused
    assert transfer(base, body, key="payout-0000000001").json()["id"] == t["id"]
    err(transfer(base, dict(body, amount=5000), key="payout-0000000001"), 400)
    err(transfer(base, dict(body, account="acc_bad"), key="payout-0000000002"), 400)
    err(transfer(base, dict(body, amount=50), key="payout-0000000003"), 400)
    st = requests.post(base + "/_fake/transfers/%s/settle" % t["id"], json={"status": "failed"}).json()
    assert st["status"] == "failed" and st["error"]["reason"]
    got = requests.get(base + "/v1/transfers/" + t["id"], auth=AUTH).json()
    assert got["status"] == "failed"
    requests.post(base + "/_fake/webhooks/deliver").raise_for_status()
    doc = check_signed(receiver.wait(1)[0], "transfer.failed")
    assert doc["payload"]["transfer"]["entity"]["id"] == t["id"]


def test_payments_list_by_time_newest_first(base):
    ids = [captured_payment(base) for _ in range(3)]
    lst = requests.get(base + "/v1/payments", params={"from": 0, "count": 2}, auth=AUTH).json()
    assert lst["entity"] == "collection" and lst["count"] == 2
    rest = requests.get(base + "/v1/payments", params={"from": 0, "count": 2, "skip": 2},
                        auth=AUTH).json()
    assert sorted(p["id"] for p in lst["items"] + rest["items"]) == sorted(ids)
    assert all(p["fee"] > 0 for p in lst["items"])
    assert requests.get(base + "/v1/payments", params={"from": 0, "to": 1},
                        auth=AUTH).json()["count"] == 0
    err(requests.get(base + "/v1/payments", params={"count": 1000}, auth=AUTH), 400)
