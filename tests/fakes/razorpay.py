#!/usr/bin/python3
"""Local emulator of Razorpay for ztic tests and the dev stack.

One HTTP server (Python 3 standard library only) that speaks Razorpay's wire
protocol closely enough for lib/zt_razorpay.c and the responders:

  * API under /v1 (HTTP Basic key_id:key_secret): orders, payments, capture,
    refunds with X-Refund-Idempotency, Razorpay's error JSON shape;
  * a test-mode checkout: GET /checkout/<order_id>, /v1/checkout.js (a shim
    of Razorpay Checkout for pages), and POST /_fake/pay for tests, all
    handing back razorpay_payment_id / razorpay_order_id /
    razorpay_signature = hex HMAC-SHA256(key_secret, order_id|payment_id);
  * signed webhooks (X-Razorpay-Signature = hex HMAC-SHA256(webhook_secret,
    raw body), x-razorpay-event-id stable across retries) with delivery
    controls for duplicates, retries and out-of-order delivery;
  * control endpoints under /_fake/ (state, reset, injected failures).

See docs/payments.md for the contract.

    /usr/bin/python3 tests/fakes/razorpay.py --port N [--host 127.0.0.1]
        [--port-file FILE] [--log FILE] [--verbose]
        [--key-id ID] [--key-secret S] [--webhook-secret S] [--webhook-url URL]
        [--no-auto-deliver]

Prints "ready" on stdout (flushed) once the socket listens, nothing else.
"""

import argparse
import base64
import binascii
import copy
import datetime
import hashlib
import hmac
import html
import http.client
import json
import os
import random
import re
import secrets
import signal
import string
import sys
import threading
import time
import queue
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

MAX_BODY = 1 << 20
ALNUM = string.ascii_letters + string.digits
ID_RE = {p: re.compile(r"^%s_[A-Za-z0-9]{14}$" % p)
         for p in ("order", "pay", "rfnd", "trf", "acc", "cont", "fa", "pout")}
PAYOUT_IDEM_RE = re.compile(r"^[A-Za-z0-9_ -]{4,36}$")
IDEM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{10,}$")

ALL_EVENTS = ("payment.authorized", "payment.captured", "payment.failed", "order.paid",
              "refund.created", "refund.processed", "refund.failed",
              "transfer.processed", "transfer.failed",
              "payout.processed", "payout.failed", "payout.reversed")
DEFAULT_EVENTS = ["payment.authorized", "payment.captured", "payment.failed", "order.paid",
                  "refund.processed", "refund.failed", "transfer.processed", "transfer.failed",
                  "payout.processed", "payout.failed", "payout.reversed"]
METHODS = ("upi", "card", "netbanking", "wallet")
ACCOUNT_ID = "acc_ZticEmulator01"

DEFAULT_KEYS = {
    "key_id": ("ZT_RAZORPAY_KEY_ID", "rzp_test_ztic"),
    "key_secret": ("ZT_RAZORPAY_KEY_SECRET", "rzp_test_secret"),
    "webhook_secret": ("ZT_RAZORPAY_WEBHOOK_SECRET", "whsec_test"),
}

# Delivery controls and behaviour: POST /_fake/config and /_fake/webhooks/config.
DEFAULT_CONFIG = {
    "webhook_url": None,
    "auto": True,               # deliver webhooks by themselves (else queue them)
    "delay_ms": 0,              # wait before an automatic delivery
    "duplicate": 0,             # extra copies of every event (same id, same body)
    "shuffle": False,           # deliver the events of one action in random order
    "retry_on_failure": True,   # non-2xx / no answer: try again (same id, same body)
    "max_attempts": 4,          # attempts per copy, retries included
    "retry_delay_ms": 500,      # first retry after this, doubling (auto mode)
    "timeout_ms": 5000,         # Razorpay waits 5 s for an answer
    "events": list(DEFAULT_EVENTS),
    "refund_auto": "processed",  # processed | failed | none (stay pending)
    "refund_delay_ms": 100,     # pending -> refund_auto after this
    "transfer_auto": "processed",  # Route transfers: processed | failed | none (stay pending)
    "transfer_delay_ms": 100,   # pending -> transfer_auto after this
    "payout_auto": "processed",  # RazorpayX payouts: processed | failed | none (stay processing)
    "payout_delay_ms": 100,     # processing -> payout_auto after this
    "auto_capture": True,       # default of orders created without payment_capture
}
WEBHOOK_KEYS = ("webhook_url", "webhook_secret", "auto", "delay_ms", "duplicate", "shuffle",
                "retry_on_failure", "max_attempts", "retry_delay_ms", "timeout_ms", "events")


def now():
    return int(time.time())


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def new_id(prefix):
    return prefix + "_" + "".join(secrets.choice(ALNUM) for _ in range(14))


def hmac_hex(secret, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def compact(obj):
    # Razorpay sends compact JSON with raw UTF-8; a receiver that re-serializes
    # the body before checking the signature gets a different string.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def notes_out(notes):
    # The real API answers [] (not {}) for empty notes.
    return dict(notes) if notes else []


class ApiError(Exception):
    """A Razorpay API error: HTTP status and the {"error":{…}} body."""

    def __init__(self, status, description, field=None, code="BAD_REQUEST_ERROR",
                 source="business", step="payment_initiation", reason="input_validation_failed",
                 metadata=None):
        super().__init__(description)
        err = {"code": code, "description": description, "source": source, "step": step,
               "reason": reason, "metadata": metadata or {}}
        if field is not None:
            err["field"] = field
        self.status = status
        self.body = {"error": err}


def bad(description, field=None, **kw):
    return ApiError(400, description, field, **kw)


def not_found_url():
    return ApiError(404, "The requested URL was not found on the server.", source="NA", step="NA",
                    reason="NA")


def injected_body(status):
    if status >= 500:
        code = "SERVER_ERROR" if status == 500 else "GATEWAY_ERROR"
        return {"error": {"code": code, "description": "The server encountered an error. The incident "
                          "has been reported to admins.", "source": "NA", "step": "NA", "reason": "NA",
                          "metadata": {}}}
    if status == 429:
        desc = "Too many requests"
    elif status == 401:
        desc = "Authentication failed"
    else:
        desc = "Injected failure"
    return {"error": {"code": "BAD_REQUEST_ERROR", "description": desc, "source": "NA", "step": "NA",
                      "reason": "NA", "metadata": {}}}


# --- validation ------------------------------------------------------------------

def check_amount(v, field="amount", minimum=100):
    if v is None:
        raise bad("The %s field is required." % field, field)
    if isinstance(v, str) and v.isdigit():
        v = int(v)  # form-encoded requests carry strings
    if isinstance(v, bool) or not isinstance(v, int):
        raise bad("The %s must be an integer." % field, field)
    if v < minimum:
        raise bad("The %s must be at least INR %d.%02d" % (field, minimum // 100, minimum % 100), field)
    if v > 10 ** 12:
        raise bad("The %s exceeds the maximum amount allowed." % field, field)
    return v


def check_currency(v, required=True):
    if v is None or v == "":
        if required:
            raise bad("The currency field is required.", "currency")
        return "INR"
    if not isinstance(v, str) or v != "INR":
        raise bad("Currency %s is not supported" % v if isinstance(v, str) else "The currency must be a string.",
                  "currency")
    return v


def check_notes(v):
    if v is None or v == [] or v == "":
        return {}
    if not isinstance(v, dict):
        raise bad("The notes must be an array.", "notes")
    if len(v) > 15:
        raise bad("Number of fields in notes should be less than or equal to 15", "notes")
    out = {}
    for k, val in v.items():
        if isinstance(val, bool) or not isinstance(val, (str, int, float)) and val is not None:
            raise bad("The notes.%s must be a string." % k, "notes")
        s = "" if val is None else (val if isinstance(val, str) else json.dumps(val))
        if len(s) > 256 or len(k) > 256:
            raise bad("The notes may not be greater than 256 characters.", "notes")
        out[str(k)] = val
    return out


def check_receipt(v):
    if v is None:
        return None
    if not isinstance(v, str):
        raise bad("The receipt must be a string.", "receipt")
    if len(v) > 40:
        raise bad("The receipt may not be greater than 40 characters.", "receipt")
    return v


# Fields each endpoint takes; like the real API, anything else is a 400.
ALLOWED_FIELDS = {
    "orders.create": {"amount", "currency", "receipt", "notes", "payment_capture", "partial_payment",
                      "first_payment_min_amount", "method", "offer_id", "customer_id", "token",
                      "bank_account", "transfers"},
    "payments.capture": {"amount", "currency"},
    "refunds.create": {"amount", "speed", "notes", "receipt"},
    "transfers.create": {"account", "amount", "currency", "notes", "on_hold", "on_hold_until"},
    "contacts.create": {"name", "email", "contact", "type", "reference_id", "notes"},
    "fund_accounts.create": {"contact_id", "account_type", "bank_account", "vpa"},
    "payouts.create": {"account_number", "fund_account_id", "amount", "currency", "mode", "purpose",
                       "queue_if_low_balance", "reference_id", "narration", "notes"},
}


def check_fields(endpoint, doc):
    extra = sorted(set(doc) - ALLOWED_FIELDS.get(endpoint, set(doc)))
    if extra:
        raise bad("%s is/are not required and should not be sent" % ", ".join(extra), extra[0],
                  source="NA", step="NA", reason="NA")


def check_id(kind, v):
    if not isinstance(v, str) or not ID_RE[kind].match(v):
        raise bad("%s is not a valid id" % (v if isinstance(v, str) else "id"), source="NA", step="NA",
                  reason="NA")


def missing_id():
    return bad("The id provided does not exist", source="business", step="payment_initiation",
               reason="input_validation_failed")


# --- state -----------------------------------------------------------------------

class State:
    def __init__(self, keys, config, log_path):
        self.keys = dict(keys)              # key_id, key_secret, webhook_secret
        self.start_keys = dict(keys)
        self.start_config = copy.deepcopy(config)
        self.log_path = log_path
        self.lock = threading.RLock()
        self.deliver_lock = threading.Lock()   # one webhook delivery at a time
        self.queue = queue.Queue()            # (generation, event_id, copy) for the worker
        self.gen = 0
        self._clear(config)

    def _clear(self, config):
        self.config = copy.deepcopy(config)
        self.orders = {}
        self.payments = {}
        self.refunds = {}
        self.transfers = {}     # Route direct transfers (trf_…)
        self.idem = {}          # idempotency key -> (fingerprint, refund id)
        self.transfer_idem = {}  # X-Transfer-Idempotency -> (fingerprint, transfer id)
        self.contacts = {}      # RazorpayX contacts (cont_…)
        self.fund_accounts = {}  # RazorpayX fund accounts (fa_…)
        self.payouts = {}       # RazorpayX payouts (pout_…)
        self.payout_idem = {}   # X-Payout-Idempotency -> (fingerprint, payout id)
        self.recon_amounts = {}  # entity id -> amount the settlement report shows instead
        self.events = {}        # id -> event record (body kept raw)
        self.event_order = []
        self.pending = []       # ids queued for manual delivery
        self.deliveries = []
        self.failures = []
        self.requests = []

    def reset(self):
        with self.lock:
            self.gen += 1           # orphan timers and queued automatic deliveries
            self.keys = dict(self.start_keys)
            self._clear(self.start_config)

    def log(self, rec):
        if not self.log_path:
            return
        rec = dict(rec, at=now_iso())
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, sort_keys=True, ensure_ascii=False) + "\n")

    def public_config(self):
        c = copy.deepcopy(self.config)
        c["key_id"] = self.keys["key_id"]
        c["webhook_secret_set"] = bool(self.keys.get("webhook_secret"))
        c["account_id"] = ACCOUNT_ID
        return c

    def update_config(self, doc, allowed):
        if not isinstance(doc, dict):
            raise ValueError("expected a JSON object")
        new = copy.deepcopy(self.config)
        keys = dict(self.keys)
        for k, v in doc.items():
            if k not in allowed:
                raise ValueError("unknown setting %r (known: %s)" % (k, ", ".join(sorted(allowed))))
            if k in ("key_id", "key_secret", "webhook_secret"):
                if not isinstance(v, str) or not v:
                    raise ValueError("%s must be a non-empty string" % k)
                keys[k] = v
            elif k == "webhook_url":
                if v is not None and not (isinstance(v, str) and re.match(r"^https?://", v)):
                    raise ValueError("webhook_url must be an http(s) URL or null")
                new[k] = v or None
            elif k in ("auto", "shuffle", "retry_on_failure", "auto_capture"):
                if not isinstance(v, bool):
                    raise ValueError("%s must be true or false" % k)
                new[k] = v
            elif k in ("delay_ms", "duplicate", "max_attempts", "retry_delay_ms", "timeout_ms",
                       "refund_delay_ms", "transfer_delay_ms", "payout_delay_ms"):
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError("%s must be a whole number >= 0" % k)
                if k in ("max_attempts", "timeout_ms") and v < 1:
                    raise ValueError("%s must be >= 1" % k)
                if k == "duplicate" and v > 20:
                    raise ValueError("duplicate must be <= 20")
                new[k] = v
            elif k == "events":
                if not isinstance(v, list) or any(e not in ALL_EVENTS for e in v):
                    raise ValueError("events must be a list drawn from %s" % ", ".join(ALL_EVENTS))
                new[k] = list(v)
            elif k in ("refund_auto", "transfer_auto", "payout_auto"):
                if v not in ("processed", "failed", "none"):
                    raise ValueError("%s must be processed, failed or none" % k)
                new[k] = v
        flush = new["auto"] and not self.config["auto"]
        self.config = new
        self.keys = keys
        if flush:
            ids, self.pending = self.pending, []
            self.schedule(ids)

    # --- entities ----------------------------------------------------------
    def order_view(self, o):
        v = {k: o[k] for k in ("id", "entity", "amount", "amount_paid", "amount_due", "currency",
                               "receipt", "offer_id", "status", "attempts", "created_at")}
        v["notes"] = notes_out(o["notes"])
        return v

    def payment_view(self, p):
        v = {k: v for k, v in p.items() if not k.startswith("_")}
        v["notes"] = notes_out(p["notes"])
        return v

    def refund_view(self, r):
        v = {k: v for k, v in r.items() if not k.startswith("_")}
        v["notes"] = notes_out(r["notes"])
        return v

    def get(self, kind, ident):
        check_id(kind, ident)
        table = {"order": self.orders, "pay": self.payments, "rfnd": self.refunds,
                 "trf": self.transfers, "pout": self.payouts}[kind]
        ent = table.get(ident)
        if ent is None:
            raise missing_id()
        return ent

    def create_order(self, doc):
        amount = check_amount(doc.get("amount"))
        currency = check_currency(doc.get("currency"))
        receipt = check_receipt(doc.get("receipt"))
        notes = check_notes(doc.get("notes"))
        pc = doc.get("payment_capture")
        if pc is None:
            auto = self.config["auto_capture"]
        elif pc in (True, 1, "1", "true"):
            auto = True
        elif pc in (False, 0, "0", "false"):
            auto = False
        else:
            raise bad("The payment capture field is invalid.", "payment_capture")
        o = {"id": new_id("order"), "entity": "order", "amount": amount, "amount_paid": 0,
             "amount_due": amount, "currency": currency, "receipt": receipt, "offer_id": None,
             "status": "created", "attempts": 0, "notes": notes, "created_at": now(),
             "_auto_capture": auto, "_payments": []}
        self.orders[o["id"]] = o
        return o

    def new_payment(self, order, amount, method, outcome, extra):
        pid = new_id("pay")
        p = {"id": pid, "entity": "payment", "amount": amount, "currency": order["currency"],
             "status": "created", "order_id": order["id"], "invoice_id": None, "international": False,
             "method": method, "amount_refunded": 0, "refund_status": None, "captured": False,
             "description": "ztic test payment – emulator / %s" % order.get("receipt"),
             "card_id": None, "bank": None, "wallet": None, "vpa": None,
             "email": extra.get("email") or "void@razorpay.com",
             "contact": extra.get("contact") or "+919000090000",
             "notes": dict(order["notes"]), "fee": None, "tax": None,
             "error_code": None, "error_description": None, "error_source": None,
             "error_step": None, "error_reason": None, "acquirer_data": {}, "created_at": now()}
        if method == "upi":
            p["vpa"] = extra.get("vpa") or ("failure@razorpay" if outcome == "failed" else "success@razorpay")
            p["upi"] = {"payer_account_type": "bank_account", "vpa": p["vpa"]}
            p["acquirer_data"] = {"rrn": "".join(secrets.choice(string.digits) for _ in range(12)),
                                  "upi_transaction_id": secrets.token_hex(16).upper()}
        elif method == "card":
            p["card_id"] = new_id("card")
            p["card"] = {"id": p["card_id"], "entity": "card", "name": "ztic tester", "last4": "1111",
                         "network": "Visa", "type": "debit", "issuer": None, "international": False,
                         "emi": False}
            p["acquirer_data"] = {"auth_code": "%06d" % secrets.randbelow(10 ** 6)}
        elif method == "netbanking":
            p["bank"] = "HDFC"
            p["acquirer_data"] = {"bank_transaction_id": "%07d" % secrets.randbelow(10 ** 7)}
        elif method == "wallet":
            p["wallet"] = "paytm"
        self.payments[pid] = p
        order["_payments"].append(pid)   # the order's payments without a scan of all
        order["attempts"] += 1
        if order["status"] == "created":
            order["status"] = "attempted"
        return p

    def fail_payment(self, p, events):
        p["status"] = "failed"
        p["error_code"] = "BAD_REQUEST_ERROR"
        p["error_description"] = "Payment was unsuccessful as you may have cancelled it or the UPI app " \
                                 "did not respond."
        p["error_source"] = "customer"
        p["error_step"] = "payment_authentication"
        p["error_reason"] = "payment_cancelled"
        events.append(("payment.failed", {"payment": self.payment_view(p)}))

    def authorize(self, p, events):
        p["status"] = "authorized"
        for k in ("error_code", "error_description", "error_source", "error_step", "error_reason"):
            p[k] = None
        events.append(("payment.authorized", {"payment": self.payment_view(p)}))

    def capture(self, p, events):
        p["status"] = "captured"
        p["captured"] = True
        fee = (p["amount"] * 2 + 99) // 100          # 2 % + 18 % GST on the fee
        tax = (fee * 18 + 99) // 100
        p["fee"] = fee + tax
        p["tax"] = tax
        events.append(("payment.captured", {"payment": self.payment_view(p)}))
        o = self.orders.get(p["order_id"])
        if o is not None:
            o["amount_paid"] += p["amount"]
            o["amount_due"] = max(0, o["amount"] - o["amount_paid"])
            first = o["status"] != "paid"
            o["status"] = "paid"
            if first:
                events.append(("order.paid", {"payment": self.payment_view(p), "order": self.order_view(o)}))

    def pay(self, doc):
        """POST /_fake/pay and the checkout page: one payment attempt."""
        if not isinstance(doc, dict):
            raise bad("expected a JSON object")
        o = self.get("order", doc.get("order_id"))
        default = "captured" if o["_auto_capture"] else "authorized"
        outcome = doc.get("outcome") or default
        if outcome not in ("captured", "failed", "authorized"):
            raise bad("outcome must be captured, failed or authorized", "outcome")
        method = doc.get("method") or "upi"
        if method not in METHODS:
            raise bad("method must be one of %s" % ", ".join(METHODS), "method")
        amount = o["amount"] if doc.get("amount") is None else check_amount(doc.get("amount"))
        if not doc.get("force"):
            if o["status"] == "paid":
                raise bad("Order has already been paid", "order_id")
            if any(self.payments[i]["status"] == "authorized" for i in o["_payments"]):
                raise bad("A payment is already authorized for this order", "order_id")
        events = []
        p = self.new_payment(o, amount, method, outcome, doc)
        if outcome == "failed":
            self.fail_payment(p, events)
        else:
            self.authorize(p, events)
            if outcome == "captured":
                self.capture(p, events)
        self.emit(events)
        return o, p

    def checkout_result(self, o, p):
        if p["status"] == "failed":
            return {"error": {"code": p["error_code"], "description": p["error_description"],
                              "source": p["error_source"], "step": p["error_step"],
                              "reason": p["error_reason"],
                              "metadata": {"payment_id": p["id"], "order_id": o["id"]}}}
        return {"razorpay_payment_id": p["id"], "razorpay_order_id": o["id"],
                "razorpay_signature": hmac_hex(self.keys["key_secret"], o["id"] + "|" + p["id"])}

    def settle_payment(self, p, status):
        events = []
        cur = p["status"]
        if status == "failed":
            if cur not in ("created", "authorized"):
                raise ValueError("a %s payment cannot fail" % cur)
            self.fail_payment(p, events)
        elif status == "authorized":
            if cur not in ("created", "failed"):
                raise ValueError("a %s payment cannot become authorized" % cur)
            self.authorize(p, events)
        elif status == "captured":
            if cur not in ("created", "failed", "authorized"):
                raise ValueError("a %s payment cannot be captured" % cur)
            if cur != "authorized":
                self.authorize(p, events)
            self.capture(p, events)
        else:
            raise ValueError("status must be authorized, captured or failed")
        self.emit(events)

    def api_capture(self, p, doc):
        amount = check_amount(doc.get("amount"))
        currency = check_currency(doc.get("currency"))
        if p["status"] == "captured" or p["status"] == "refunded":
            raise bad("This payment has already been captured")
        if p["status"] != "authorized":
            raise bad("Only payments which have been authorized and not yet captured can be captured")
        if amount != p["amount"]:
            raise bad("Capture amount must be equal to the amount authorized", "amount")
        if currency != p["currency"]:
            raise bad("Currency should be same as payment currency", "currency")
        events = []
        self.capture(p, events)
        self.emit(events)

    def api_refund(self, p, doc, idem_key):
        if idem_key is not None:
            if not IDEM_KEY_RE.match(idem_key):
                raise bad("The idempotency key must be at least 10 characters long and may contain "
                          "only letters, digits, hyphens and underscores.", source="NA", step="NA",
                          reason="NA")
            fp = hashlib.sha256(json.dumps([p["id"], doc], sort_keys=True).encode()).hexdigest()
            seen = self.idem.get(idem_key)
            if seen is not None:
                if seen[0] != fp:
                    raise bad("Different request with the same idempotency key has already been processed.",
                              source="NA", step="NA", reason="NA")
                return self.refunds[seen[1]], False
        if p["status"] not in ("captured", "refunded"):
            raise bad("The payment has not been captured yet. Only captured payments can be refunded.")
        left = p["amount"] - p["amount_refunded"]
        if left <= 0:
            raise bad("The payment has been fully refunded already")
        amount = left if doc.get("amount") is None else check_amount(doc.get("amount"))
        if amount > left:
            raise bad("The refund amount provided is greater than amount captured", "amount")
        speed = doc.get("speed") or "normal"
        if speed not in ("normal", "optimum"):
            raise bad("The selected speed is invalid.", "speed")
        notes = check_notes(doc.get("notes"))
        receipt = check_receipt(doc.get("receipt"))
        r = {"id": new_id("rfnd"), "entity": "refund", "amount": amount, "currency": p["currency"],
             "payment_id": p["id"], "notes": notes, "receipt": receipt, "acquirer_data": {"arn": None},
             "created_at": now(), "batch_id": None, "status": "pending", "speed_processed": "normal",
             "speed_requested": speed}
        self.refunds[r["id"]] = r
        p["amount_refunded"] += amount
        self.refund_payment_status(p)
        if idem_key is not None:
            self.idem[idem_key] = (fp, r["id"])
        events = [("refund.created", {"refund": self.refund_view(r), "payment": self.payment_view(p)})]
        auto, delay = self.config["refund_auto"], self.config["refund_delay_ms"]
        if auto != "none":
            if delay == 0:
                self.settle_refund(r, auto, events)
            else:
                gen = self.gen
                t = threading.Timer(delay / 1000.0, self._timer_settle, (gen, r["id"], auto))
                t.daemon = True
                t.start()
        self.emit(events)
        return r, True

    def refund_payment_status(self, p):
        if p["amount_refunded"] <= 0:
            p["refund_status"] = None
            if p["status"] == "refunded":
                p["status"] = "captured"
        elif p["amount_refunded"] >= p["amount"]:
            p["refund_status"] = "full"
            p["status"] = "refunded"
        else:
            p["refund_status"] = "partial"
            if p["status"] == "refunded":
                p["status"] = "captured"

    def _timer_settle(self, gen, rid, status):
        with self.lock:
            if gen != self.gen:
                return
            r = self.refunds.get(rid)
            if r is None or r["status"] != "pending":
                return
            events = []
            self.settle_refund(r, status, events)
            self.emit(events)

    def settle_refund(self, r, status, events):
        """pending -> processed | failed; appends the webhook to events."""
        if r["status"] != "pending":
            raise ValueError("refund %s is %s, not pending" % (r["id"], r["status"]))
        p = self.payments[r["payment_id"]]
        if status == "processed":
            r["status"] = "processed"
            r["acquirer_data"] = {"arn": None, "rrn": "".join(secrets.choice(string.digits) for _ in range(12))}
        elif status == "failed":
            r["status"] = "failed"
            p["amount_refunded"] -= r["amount"]       # the money goes back to the balance
            self.refund_payment_status(p)
        else:
            raise ValueError("status must be processed or failed")
        events.append(("refund." + r["status"], {"refund": self.refund_view(r), "payment": self.payment_view(p)}))

    # --- Route transfers -----------------------------------------------------
    def transfer_view(self, t):
        v = {k: v for k, v in t.items() if not k.startswith("_")}
        v["notes"] = notes_out(t["notes"])
        return v

    def api_transfer(self, doc, idem_key):
        """POST /v1/transfers: a direct transfer to a linked account."""
        fp = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        if idem_key is not None:
            if not IDEM_KEY_RE.match(idem_key):
                raise bad("The idempotency key must be at least 10 characters long and may contain "
                          "only letters, digits, hyphens and underscores.", source="NA", step="NA",
                          reason="NA")
            seen = self.transfer_idem.get(idem_key)
            if seen is not None:
                if seen[0] != fp:
                    raise bad("Different request with the same idempotency key has already been processed.",
                              source="NA", step="NA", reason="NA")
                return self.transfers[seen[1]]
        account = doc.get("account")
        if not isinstance(account, str) or not ID_RE["acc"].match(account):
            raise bad("The account id is invalid.", "account")
        amount = check_amount(doc.get("amount"))
        currency = check_currency(doc.get("currency"))
        fee = (amount * 25 + 9999) // 10000          # 0.25 % + 18 % GST on it
        tax = (fee * 18 + 99) // 100
        t = {"id": new_id("trf"), "entity": "transfer", "status": "pending", "source": ACCOUNT_ID,
             "recipient": account, "amount": amount, "currency": currency, "amount_reversed": 0,
             "fees": fee + tax, "tax": tax, "notes": check_notes(doc.get("notes")),
             "linked_account_notes": [], "on_hold": False, "on_hold_until": None,
             "recipient_settlement_id": None, "created_at": now(), "processed_at": None,
             "error": {"code": None, "description": None, "reason": None, "field": None,
                       "step": None, "id": None, "source": None, "metadata": None}}
        self.transfers[t["id"]] = t
        if idem_key is not None:
            self.transfer_idem[idem_key] = (fp, t["id"])
        auto, delay = self.config["transfer_auto"], self.config["transfer_delay_ms"]
        if auto != "none":
            if delay == 0:
                events = []
                self.settle_transfer(t, auto, events)
                self.emit(events)
            else:
                gen = self.gen
                tm = threading.Timer(delay / 1000.0, self._timer_transfer, (gen, t["id"], auto))
                tm.daemon = True
                tm.start()
        return t

    def _timer_transfer(self, gen, tid, status):
        with self.lock:
            if gen != self.gen:
                return
            t = self.transfers.get(tid)
            if t is None or t["status"] != "pending":
                return
            events = []
            self.settle_transfer(t, status, events)
            self.emit(events)

    def settle_transfer(self, t, status, events):
        """pending -> processed | failed (appends the webhook to events);
        pending or processed -> reversed (the whole amount taken back, as a
        reversal from the Dashboard does; no webhook)."""
        if status == "reversed" and t["status"] in ("pending", "processed"):
            t["status"] = "reversed"
            t["amount_reversed"] = t["amount"]
            return
        if t["status"] != "pending":
            raise ValueError("transfer %s is %s, not pending" % (t["id"], t["status"]))
        if status == "processed":
            t["status"] = "processed"
            t["processed_at"] = now()
        elif status == "failed":
            t["status"] = "failed"
            t["error"].update({"code": "BAD_REQUEST_ERROR", "reason": "linked_account_suspended",
                               "description": "The linked account is not active."})
        else:
            raise ValueError("status must be processed, failed or reversed")
        events.append(("transfer." + t["status"], {"transfer": self.transfer_view(t)}))

    # --- RazorpayX: contacts, fund accounts, payouts ------------------------
    def api_contact(self, doc):
        """POST /v1/contacts: the same details answer the existing contact."""
        name = doc.get("name")
        if not isinstance(name, str) or not 3 <= len(name) <= 50:
            raise bad("The name must be between 3 and 50 characters.", "name")
        ctype = doc.get("type")
        if ctype is not None and ctype not in ("vendor", "customer", "employee", "self"):
            raise bad("Invalid type: %s" % ctype, "type")
        ref = doc.get("reference_id") or ""
        for c in self.contacts.values():
            if (c["name"], c["type"], c["reference_id"]) == (name, ctype, ref):
                return c
        c = {"id": new_id("cont"), "entity": "contact", "name": name, "contact": doc.get("contact"),
             "email": doc.get("email"), "type": ctype, "reference_id": ref, "batch_id": None,
             "active": True, "notes": notes_out(check_notes(doc.get("notes"))), "created_at": now()}
        self.contacts[c["id"]] = c
        return c

    def api_fund_account(self, doc):
        """POST /v1/fund_accounts: a VPA or bank account of a contact; the
        same details answer the existing fund account."""
        cid = doc.get("contact_id")
        if not isinstance(cid, str) or cid not in self.contacts:
            raise bad("The id provided does not exist", "contact_id")
        kind = doc.get("account_type")
        if kind == "vpa":
            d = doc.get("vpa")
            if not isinstance(d, dict) or not re.match(r"^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9.-]{1,63}$",
                                                       str(d.get("address", ""))):
                raise bad("Invalid VPA. Please enter a valid Virtual Payment Address", "vpa")
            details = {"address": d["address"], "username": d["address"].split("@")[0],
                       "handle": d["address"].split("@")[1]}
        elif kind == "bank_account":
            d = doc.get("bank_account")
            if not isinstance(d, dict) or not re.match(r"^[A-Z]{4}0[A-Z0-9]{6}$", str(d.get("ifsc", ""))) \
                    or not re.match(r"^[0-9]{5,35}$", str(d.get("account_number", ""))) \
                    or not d.get("name"):
                raise bad("The bank account details are invalid.", "bank_account")
            details = {"name": d["name"], "ifsc": d["ifsc"], "account_number": d["account_number"],
                       "bank_name": "Emulator Bank"}
        else:
            raise bad("Invalid account type: %s" % kind, "account_type")
        for f in self.fund_accounts.values():
            if f["contact_id"] == cid and f["account_type"] == kind and f[kind] == details:
                return f
        f = {"id": new_id("fa"), "entity": "fund_account", "contact_id": cid, "account_type": kind,
             kind: details, "batch_id": None, "active": True, "created_at": now()}
        self.fund_accounts[f["id"]] = f
        return f

    def payout_view(self, po):
        v = {k: v for k, v in po.items() if not k.startswith("_")}
        v["notes"] = notes_out(po["notes"])
        return v

    def api_payout(self, doc, idem_key):
        """POST /v1/payouts: X-Payout-Idempotency is mandatory."""
        if not idem_key:
            raise bad("Idempotency key is missing. Include idempotency header and key in the request.",
                      "X-Payout-Idempotency", source="business")
        if not PAYOUT_IDEM_RE.match(idem_key):
            raise bad("The idempotency key must be 4-36 letters, digits, spaces, hyphens or underscores.",
                      "X-Payout-Idempotency", source="business")
        fp = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        seen = self.payout_idem.get(idem_key)
        if seen is not None:
            if seen[0] != fp:
                raise bad("Different request with the same idempotency key has already been processed.",
                          "X-Payout-Idempotency", source="business")
            return self.payouts[seen[1]]
        if not re.match(r"^[0-9]{6,22}$", str(doc.get("account_number", ""))):
            raise bad("The account number is invalid.", "account_number")
        fa = doc.get("fund_account_id")
        if not isinstance(fa, str) or fa not in self.fund_accounts:
            raise bad("The id provided does not exist", "fund_account_id")
        amount = check_amount(doc.get("amount"))
        currency = check_currency(doc.get("currency"))
        mode = doc.get("mode")
        if mode not in ("IMPS", "NEFT", "RTGS", "UPI"):
            raise bad("Invalid payout mode", "mode")
        if (mode == "UPI") != (self.fund_accounts[fa]["account_type"] == "vpa"):
            raise bad("Payout mode is invalid for the fund account type", "mode")
        if not isinstance(doc.get("purpose"), str) or not doc["purpose"]:
            raise bad("The purpose field is required.", "purpose")
        po = {"id": new_id("pout"), "entity": "payout", "fund_account_id": fa, "amount": amount,
              "currency": currency, "notes": check_notes(doc.get("notes")), "fees": 590, "tax": 90,
              "status": "processing", "utr": None, "mode": mode, "purpose": doc["purpose"],
              "reference_id": doc.get("reference_id"), "narration": doc.get("narration"),
              "batch_id": None, "status_details": None, "created_at": now(),
              "_account_number": doc["account_number"]}
        self.payouts[po["id"]] = po
        self.payout_idem[idem_key] = (fp, po["id"])
        auto, delay = self.config["payout_auto"], self.config["payout_delay_ms"]
        if auto != "none":
            if delay == 0:
                events = []
                self.settle_payout(po, auto, events)
                self.emit(events)
            else:
                tm = threading.Timer(delay / 1000.0, self._timer_payout, (self.gen, po["id"], auto))
                tm.daemon = True
                tm.start()
        return po

    def _timer_payout(self, gen, pid, status):
        with self.lock:
            if gen != self.gen:
                return
            po = self.payouts.get(pid)
            if po is None or po["status"] != "processing":
                return
            events = []
            self.settle_payout(po, status, events)
            self.emit(events)

    def settle_payout(self, po, status, events):
        """processing -> processed | failed; processing or processed ->
        reversed (the beneficiary bank returned it); each sends its webhook."""
        if status == "reversed" and po["status"] in ("processing", "processed"):
            po["status"] = "reversed"
            po["status_details"] = {"reason": "beneficiary_bank_rejected", "source": "beneficiary_bank",
                                    "description": "The beneficiary bank returned the payout."}
        elif po["status"] != "processing":
            raise ValueError("payout %s is %s, not processing" % (po["id"], po["status"]))
        elif status == "processed":
            po["status"] = "processed"
            po["utr"] = "EMU" + "".join(secrets.choice(string.digits) for _ in range(12))
        elif status == "failed":
            po["status"] = "failed"
            po["status_details"] = {"reason": "beneficiary_account_invalid", "source": "beneficiary_bank",
                                    "description": "The beneficiary account is invalid."}
        else:
            raise ValueError("status must be processed, failed or reversed")
        events.append(("payout." + po["status"], {"payout": self.payout_view(po)}))

    # --- webhooks ------------------------------------------------------------
    def emit(self, events):
        """Record the events of one action (subscribed ones only) and queue them."""
        ids = []
        for name, payload in events:
            if name not in self.config["events"]:
                continue
            doc = {"entity": "event", "account_id": ACCOUNT_ID, "event": name,
                   "contains": list(payload.keys()),
                   "payload": {k: {"entity": v} for k, v in payload.items()},
                   "created_at": now()}
            related = set()
            for v in payload.values():
                for k in ("id", "order_id", "payment_id"):
                    if v.get(k):
                        related.add(v[k])
            ev = {"id": new_id("evt")[4:], "event": name, "created_at": doc["created_at"],
                  "body": compact(doc), "related": sorted(related), "attempts": 0, "tries": {},
                  "state": "queued", "last_status": None}
            self.events[ev["id"]] = ev
            self.event_order.append(ev["id"])
            ids.append(ev["id"])
        if not ids:
            return
        if self.config["auto"]:
            self.schedule(ids)
        else:
            self.pending.extend(ids)

    def copies_of(self, ids, shuffle=False, reverse=False):
        items = list(ids)
        if reverse:
            items.reverse()
        if shuffle:
            random.shuffle(items)
        out = [(i, 0) for i in items]
        for n in range(1, self.config["duplicate"] + 1):
            out.extend((i, n) for i in items)
        return out

    def schedule(self, ids):
        """Automatic delivery of ids (after delay_ms) by the worker thread."""
        if not ids:
            return
        batch = self.copies_of(ids, shuffle=self.config["shuffle"])
        for i, _ in batch:
            self.events[i]["state"] = "scheduled"
        gen = self.gen
        delay = self.config["delay_ms"]
        if delay:
            t = threading.Timer(delay / 1000.0, self._enqueue, (gen, batch, 1))
            t.daemon = True
            t.start()
        else:
            self._enqueue(gen, batch, 1)

    def _enqueue(self, gen, batch, attempt):
        for i, n in batch:
            self.queue.put((gen, i, n, attempt))

    def worker(self):
        while True:
            gen, eid, copy_no, attempt = self.queue.get()
            with self.lock:
                if gen != self.gen or eid not in self.events:
                    continue
            res = self.deliver_one(eid, copy_no, attempt)
            with self.lock:
                if gen != self.gen or res is None:
                    continue
                ev = self.events[eid]
                if not res["ok"] and self.config["retry_on_failure"] and attempt < self.config["max_attempts"]:
                    ev["state"] = "retrying"
                    delay = self.config["retry_delay_ms"] * (2 ** (attempt - 1)) / 1000.0
                    t = threading.Timer(delay, self._enqueue, (gen, [(eid, copy_no)], attempt + 1))
                    t.daemon = True
                    t.start()

    def deliver_one(self, eid, copy_no, attempt):
        """POST one event to the webhook URL; records and returns the delivery."""
        with self.deliver_lock:
            with self.lock:
                ev = self.events.get(eid)
                if ev is None:
                    return None
                url = self.config["webhook_url"]
                secret = self.keys.get("webhook_secret") or ""
                timeout = self.config["timeout_ms"] / 1000.0
                body = ev["body"]
            rec = {"event_id": eid, "event": ev["event"], "copy": copy_no, "attempt": attempt, "url": url,
                   "status": None, "ok": False, "error": None, "response": None, "at": now_iso(),
                   "related": ev["related"]}
            t0 = time.monotonic()
            if not url:
                rec["error"] = "no webhook url configured"
            else:
                headers = {"Content-Type": "application/json",
                           "User-Agent": "Razorpay-Webhook/v1",
                           "X-Razorpay-Signature": hmac_hex(secret, body),
                           "X-Razorpay-Event-Id": eid,
                           "Request-Id": secrets.token_hex(8)}
                try:
                    u = urlsplit(url)
                    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
                    conn = cls(u.hostname, u.port, timeout=timeout)
                    path = (u.path or "/") + ("?" + u.query if u.query else "")
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    rec["status"] = resp.status
                    rec["response"] = resp.read(2048).decode("utf-8", "replace")
                    rec["ok"] = 200 <= resp.status < 300
                    conn.close()
                except (OSError, http.client.HTTPException, ValueError) as ex:
                    rec["error"] = "%s: %s" % (type(ex).__name__, ex)
            rec["duration_ms"] = int((time.monotonic() - t0) * 1000)
            with self.lock:
                ev["attempts"] += 1
                ev["last_status"] = rec["status"]
                if rec["ok"]:
                    ev["state"] = "delivered"
                elif ev["state"] != "delivered":
                    ev["state"] = "failed"
                self.deliveries.append(rec)
            self.log({"kind": "webhook", "event_id": eid, "event": rec["event"], "status": rec["status"],
                      "ok": rec["ok"], "error": rec["error"], "attempt": attempt, "copy": copy_no})
            return rec

    def deliver_pending(self, only=None, shuffle=None, reverse=False):
        """POST /_fake/webhooks/deliver: deliver the queue now, in this thread."""
        with self.lock:
            ids = [i for i in self.pending if only is None or i in only]
            self.pending = [i for i in self.pending if i not in ids]
            batch = self.copies_of(ids, shuffle=self.config["shuffle"] if shuffle is None else shuffle,
                                   reverse=reverse)
            gen = self.gen
        results, retry = [], []
        for eid, n in batch:
            with self.lock:
                ev = self.events.get(eid)
                if ev is None or gen != self.gen:
                    continue
                attempt = ev["tries"].get(n, 0) + 1
                ev["tries"][n] = attempt
            res = self.deliver_one(eid, n, attempt)
            if res is None:
                continue
            results.append(res)
            with self.lock:
                if gen != self.gen:
                    continue
                if not res["ok"] and self.config["retry_on_failure"] and attempt < self.config["max_attempts"]:
                    if eid not in retry:
                        retry.append(eid)
        with self.lock:
            if gen == self.gen:
                for eid in retry:
                    self.events[eid]["state"] = "queued"
                    if eid not in self.pending:
                        self.pending.append(eid)
        return results

    def event_view(self, ev, with_body=True):
        v = {k: ev[k] for k in ("id", "event", "created_at", "related", "attempts", "state", "last_status")}
        if with_body:
            v["body"] = ev["body"].decode("utf-8")
            v["signature"] = hmac_hex(self.keys.get("webhook_secret") or "", ev["body"])
        return v

    # --- failures ------------------------------------------------------------
    def take_failure(self, endpoint):
        with self.lock:
            for i, rule in enumerate(self.failures):
                ep = rule["endpoint"]
                if ep in ("*", "any") or ep == endpoint or endpoint.startswith(ep + "."):
                    rule["count"] -= 1
                    if rule["count"] <= 0:
                        self.failures.pop(i)
                    return dict(rule)
        return None


# --- HTML ------------------------------------------------------------------------

PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f3f5f9;color:#1b2333}
.banner{background:#b00020;color:#fff;font-weight:700;text-align:center;padding:.6rem;letter-spacing:.05em}
main{max-width:26rem;margin:1.5rem auto;background:#fff;border-radius:.6rem;padding:1.2rem 1.4rem;
box-shadow:0 2px 12px rgba(0,0,0,.12)}
h1{font-size:1.1rem;margin:.2rem 0 1rem}.amount{font-size:1.8rem;font-weight:700;margin:.4rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;font-size:.85rem}dt{color:#667}
dd{margin:0;word-break:break-all}button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .3rem 0 0;
border-radius:.4rem;border:1px solid #888;cursor:pointer}#rzp-pay{background:#0b7a3b;color:#fff;border:0}
#rzp-fail{background:#fff;color:#b00020;border-color:#b00020}.note{font-size:.8rem;color:#667}
pre{background:#f3f5f9;padding:.6rem;overflow:auto;font-size:.8rem}
"""


def rupees(paise):
    return "₹%d.%02d" % (paise // 100, paise % 100)


def page(title, inner):
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            "<title>%s</title><style>%s</style></head><body>"
            "<div class=banner id=rzp-test-mode>TEST MODE — Razorpay emulator</div><main>%s</main></body></html>"
            % (html.escape(title), PAGE_STYLE, inner)).encode("utf-8")


CHECKOUT_JS = r"""/* Razorpay Checkout shim served by the ztic Razorpay emulator (TEST MODE).
 * Same surface as https://checkout.razorpay.com/v1/checkout.js for what ztic
 * uses: new Razorpay(options); rzp.on('payment.failed', fn); rzp.open();
 * options: key, order_id, handler, callback_url (+ redirect), modal.ondismiss.
 */
(function () {
  var script = document.currentScript;
  var BASE = script ? new URL(script.src).origin : '';
  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    this.options = options || {};
    this._on = {};
  }
  Razorpay.prototype.on = function (name, fn) { (this._on[name] = this._on[name] || []).push(fn); };
  Razorpay.prototype._emit = function (name, arg) {
    (this._on[name] || []).forEach(function (fn) { try { fn(arg); } catch (e) { console.error(e); } });
  };
  Razorpay.prototype.close = function () {
    if (this._overlay) { this._overlay.remove(); this._overlay = null; }
    if (this._listener) { window.removeEventListener('message', this._listener); this._listener = null; }
  };
  Razorpay.prototype.open = function () {
    var o = this.options, self = this;
    var url = BASE + '/checkout/' + encodeURIComponent(o.order_id || '') +
      '?key=' + encodeURIComponent(o.key || '');
    if (o.callback_url) {
      window.location.href = url + '&callback=' + encodeURIComponent(o.callback_url);
      return;
    }
    url += '&origin=' + encodeURIComponent(window.location.origin);
    var overlay = document.createElement('div');
    overlay.id = 'razorpay-emulator-overlay';
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.55);' +
      'display:flex;align-items:center;justify-content:center';
    var frame = document.createElement('iframe');
    frame.name = 'razorpay-emulator';
    frame.title = 'Razorpay emulator checkout (TEST MODE)';
    frame.src = url;
    frame.style.cssText = 'width:min(30rem,96vw);height:min(40rem,92vh);border:0;border-radius:.6rem;background:#fff';
    overlay.appendChild(frame);
    document.body.appendChild(overlay);
    this._overlay = overlay;
    this._listener = function (ev) {
      if (ev.origin !== BASE || !ev.data || ev.data.source !== 'razorpay-emulator') return;
      var d = ev.data;
      if (d.type === 'success') {
        self.close();
        if (typeof o.handler === 'function') o.handler(d.payload);
      } else if (d.type === 'failed') {
        self._emit('payment.failed', d.payload);
      } else if (d.type === 'dismiss') {
        self.close();
        if (o.modal && typeof o.modal.ondismiss === 'function') o.modal.ondismiss();
      }
    };
    window.addEventListener('message', this._listener);
  };
  window.Razorpay = Razorpay;
})();
"""


# --- HTTP plumbing ---------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: http.server writes the headers and the body in separate
    # sends, and on a kept-alive connection Nagle holds the body back until
    # the client's delayed ACK (40 ms) — every second call on a connection
    # took 40 ms instead of 1 (docs/benchmarks.md, row 6b). Real providers
    # do not stall like that.
    disable_nagle_algorithm = True
    server_version = "ztic-razorpay-emulator/1"

    def version_string(self):
        return self.server_version

    @property
    def st(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.server.verbose:
            host, port = self.client_address[:2]
            sys.stderr.write("razorpay-emulator: %s:%d - %s\n" % (host, port, fmt % args))

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        try:
            n = int(n)
        except ValueError:
            return None
        if n < 0 or n > MAX_BODY:
            return None
        return self.rfile.read(n)

    def send_raw(self, status, data, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, obj, extra=None):
        self.send_raw(status, compact(obj), "application/json; charset=UTF-8", extra)

    def send_html(self, status, data):
        self.send_raw(status, data, "text/html; charset=utf-8", {"Content-Security-Policy": "frame-ancestors *"})

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def parse_doc(self, body):
        """JSON or form body -> dict (Razorpay accepts both; notes[k]=v in forms)."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not body:
            return {}
        if ctype == "application/x-www-form-urlencoded":
            doc = {}
            for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                m = re.match(r"^(\w+)\[([^\]]*)\]$", k)
                if m:
                    doc.setdefault(m.group(1), {})[m.group(2)] = v[0]
                else:
                    doc[k] = v[0]
            return doc
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise bad("The request body is not valid JSON.", source="NA", step="NA", reason="NA")
        if not isinstance(doc, dict):
            raise bad("The request body must be a JSON object.", source="NA", step="NA", reason="NA")
        return doc

    def dispatch(self):
        url = urlsplit(self.path)
        path = url.path
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self.read_body()
        if body is None:
            self.close_connection = True
            self.send_json(413, {"error": {"code": "BAD_REQUEST_ERROR", "description": "Request too large"}})
            return
        try:
            if path.startswith("/_fake/"):
                self.control(path, query, body)
            elif path in ("/v1/checkout.js", "/checkout.js"):
                self.send_raw(200, CHECKOUT_JS.encode("utf-8"), "application/javascript; charset=utf-8")
            elif path.startswith("/checkout/"):
                self.checkout(path, query, body)
            elif path.startswith("/v1/"):
                self.api(path, query, body)
            elif path == "/":
                self.send_json(200, {"service": "ztic razorpay emulator", "mode": "test",
                                     "docs": "docs/payments.md"})
            else:
                raise not_found_url()
        except ApiError as e:
            self.send_json(e.status, e.body)

    # --- the API ---------------------------------------------------------------
    def authenticate(self):
        auth = self.headers.get("Authorization") or ""
        parts = auth.split(None, 1)
        ok = False
        if len(parts) == 2 and parts[0].lower() == "basic":
            try:
                user, _, pw = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8").partition(":")
                with self.st.lock:
                    kid, ksec = self.st.keys["key_id"], self.st.keys["key_secret"]
                ok = (hmac.compare_digest(user.encode(), kid.encode()) and
                      hmac.compare_digest(pw.encode(), ksec.encode()))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                ok = False
        if not ok:
            raise ApiError(401, "Authentication failed", source="NA", step="NA", reason="NA")

    def route(self, path):
        """-> (endpoint name, allowed method, handler, args)"""
        parts = [p for p in path.split("/") if p][1:]   # drop "v1"
        if parts == ["orders"]:
            return "orders.create", "POST", self.api_order_create, ()
        if len(parts) == 2 and parts[0] == "orders":
            return "orders.fetch", "GET", self.api_order_fetch, (parts[1],)
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "payments":
            return "orders.payments", "GET", self.api_order_payments, (parts[1],)
        if parts == ["payments"]:
            return "payments.list", "GET", self.api_payments_list, ()
        if len(parts) == 2 and parts[0] == "payments":
            return "payments.fetch", "GET", self.api_payment_fetch, (parts[1],)
        if len(parts) == 3 and parts[0] == "payments" and parts[2] == "capture":
            return "payments.capture", "POST", self.api_payment_capture, (parts[1],)
        if len(parts) == 3 and parts[0] == "payments" and parts[2] == "refund":
            return "refunds.create", "POST", self.api_refund_create, (parts[1],)
        if len(parts) == 3 and parts[0] == "payments" and parts[2] == "refunds":
            return "refunds.list", "GET", self.api_payment_refunds, (parts[1],)
        if len(parts) == 2 and parts[0] == "refunds":
            return "refunds.fetch", "GET", self.api_refund_fetch, (parts[1],)
        if parts == ["transfers"]:
            return "transfers.create", "POST", self.api_transfer_create, ()
        if len(parts) == 2 and parts[0] == "transfers":
            return "transfers.fetch", "GET", self.api_transfer_fetch, (parts[1],)
        if parts == ["settlements", "recon", "combined"]:
            return "settlements.recon", "GET", self.api_settlement_recon, ()
        if parts == ["contacts"]:
            return "contacts.create", "POST", self.api_contact_create, ()
        if parts == ["fund_accounts"]:
            return "fund_accounts.create", "POST", self.api_fund_account_create, ()
        if parts == ["payouts"]:
            return "payouts.create", "POST", self.api_payout_create, ()
        if len(parts) == 2 and parts[0] == "payouts":
            return "payouts.fetch", "GET", self.api_payout_fetch, (parts[1],)
        return None, None, None, ()

    def api(self, path, query, body):
        endpoint, method, fn, args = self.route(path)
        if endpoint in ("payments.list", "settlements.recon"):
            args = (query,)
        status, doc = 0, None
        try:
            self.authenticate()
            if fn is None:
                raise not_found_url()
            if self.command != method:
                raise ApiError(405, "The requested HTTP method is invalid", source="NA", step="NA", reason="NA")
            doc = self.parse_doc(body) if method == "POST" else {}
            check_fields(endpoint, doc)
            rule = self.st.take_failure(endpoint)
            if rule and not rule["after"] and self.injected(rule):
                status = rule["status"]
                return
            status, answer = fn(doc, *args)
            # "after": the work is done but the caller never learns it (lost answer)
            if rule and rule["after"] and self.injected(rule):
                status = rule["status"]
                return
            self.send_json(status, answer)
        except ApiError as e:
            status = e.status
            self.send_json(e.status, e.body)
        except Exception:  # a bug in the emulator: say so like Razorpay would
            import traceback
            traceback.print_exc()
            status = 500
            self.send_json(500, injected_body(500))
        finally:
            self.record(endpoint, status, doc)

    def injected(self, rule):
        """Sleep, then answer (or drop) an injected failure. False: go on normally."""
        if rule["delay_ms"]:
            time.sleep(rule["delay_ms"] / 1000.0)
        if rule["drop"]:
            self.close_connection = True      # no answer at all
            return True
        status = rule["status"]
        if not status:
            return False
        answer = rule["body"] if rule["body"] is not None else injected_body(status)
        self.send_json(status, answer, {"Retry-After": "1"} if status == 429 else None)
        return True

    def record(self, endpoint, status, doc):
        rec = {"method": self.command, "path": urlsplit(self.path).path, "endpoint": endpoint,
               "status": status, "body": doc, "at": now_iso(),
               "headers": {k.lower(): v for k, v in self.headers.items()
                           if k.lower() in ("x-refund-idempotency", "x-transfer-idempotency",
                                            "x-payout-idempotency", "user-agent",
                                           "content-type")}}
        with self.st.lock:
            self.st.requests.append(rec)
            del self.st.requests[:-1000]
        self.st.log(dict(rec, kind="api"))

    def api_order_create(self, doc):
        with self.st.lock:
            return 200, self.st.order_view(self.st.create_order(doc))

    def api_order_fetch(self, doc, oid):
        with self.st.lock:
            return 200, self.st.order_view(self.st.get("order", oid))

    def api_order_payments(self, doc, oid):
        with self.st.lock:
            o = self.st.get("order", oid)
            items = [self.st.payment_view(self.st.payments[i]) for i in o["_payments"]]
            return 200, {"entity": "collection", "count": len(items), "items": items}

    def api_payments_list(self, doc, query):
        """GET /v1/payments?from=&to=&count=&skip=: newest first, count <= 100."""
        def num(name, default, lo, hi):
            v = query.get(name)
            if v is None or v == "":
                return default
            if not re.match(r"^[0-9]+$", v) or not lo <= int(v) <= hi:
                raise bad("The %s must be an integer between %d and %d." % (name, lo, hi), name)
            return int(v)
        frm = num("from", 0, 0, 10 ** 10)
        to = num("to", 10 ** 10, 0, 10 ** 10)
        count = num("count", 10, 1, 100)
        skip = num("skip", 0, 0, 10 ** 7)
        with self.st.lock:
            ps = sorted((p for p in self.st.payments.values() if frm <= p["created_at"] <= to),
                        key=lambda p: p["created_at"], reverse=True)[skip:skip + count]
            items = [self.st.payment_view(p) for p in ps]
            return 200, {"entity": "collection", "count": len(items), "items": items}

    def api_settlement_recon(self, doc, query):
        """GET /v1/settlements/recon/combined?year=&month=&day=&count=&skip=:
        the payments captured and refunds processed on that day (India's
        time), as settled at once (POST /_fake/recon changes amounts)."""
        def num(name, default, lo, hi):
            v = query.get(name)
            if v is None or v == "":
                if default is None:
                    raise bad("The %s field is required." % name, name)
                return default
            if not re.match(r"^[0-9]+$", v) or not lo <= int(v) <= hi:
                raise bad("The %s must be an integer between %d and %d." % (name, lo, hi), name)
            return int(v)
        y, m = num("year", None, 2000, 2100), num("month", None, 1, 12)
        d = num("day", 0, 0, 31)
        count, skip = num("count", 10, 1, 1000), num("skip", 0, 0, 10 ** 7)
        ist = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

        def on_day(ts):
            t = datetime.datetime.fromtimestamp(ts, ist)
            return (t.year, t.month) == (y, m) and (d == 0 or t.day == d)
        st = self.st
        with st.lock:
            items = []
            for p in st.payments.values():
                if p["captured"] and on_day(p["created_at"]):
                    amt = st.recon_amounts.get(p["id"], p["amount"])
                    items.append({"entity_id": p["id"], "type": "payment", "debit": 0, "credit": amt,
                                  "amount": amt, "currency": "INR", "fee": p["fee"] or 0,
                                  "tax": p["tax"] or 0, "on_hold": False, "settled": True,
                                  "created_at": p["created_at"], "settled_at": p["created_at"],
                                  "settlement_id": "setl_EmulatorDaily01", "description": None,
                                  "notes": p["notes"], "payment_id": None,
                                  "settlement_utr": "EMU0000000001", "order_id": p["order_id"],
                                  "order_receipt": None, "method": p["method"],
                                  "card_network": None, "card_issuer": None, "card_type": None,
                                  "dispute_id": None})
            for r in st.refunds.values():
                if r["status"] == "processed" and on_day(r["created_at"]):
                    amt = st.recon_amounts.get(r["id"], r["amount"])
                    items.append({"entity_id": r["id"], "type": "refund", "debit": amt, "credit": 0,
                                  "amount": amt, "currency": "INR", "fee": 0, "tax": 0,
                                  "on_hold": False, "settled": True, "created_at": r["created_at"],
                                  "settled_at": r["created_at"],
                                  "settlement_id": "setl_EmulatorDaily01", "description": None,
                                  "notes": r["notes"], "payment_id": r["payment_id"],
                                  "settlement_utr": "EMU0000000001",
                                  "order_id": st.payments[r["payment_id"]]["order_id"],
                                  "order_receipt": None, "method": None, "card_network": None,
                                  "card_issuer": None, "card_type": None, "dispute_id": None})
            items.sort(key=lambda x: (x["created_at"], x["entity_id"]))
            items = items[skip:skip + count]
            return 200, {"entity": "collection", "count": len(items), "items": items}

    def api_payment_fetch(self, doc, pid):
        with self.st.lock:
            return 200, self.st.payment_view(self.st.get("pay", pid))

    def api_payment_capture(self, doc, pid):
        with self.st.lock:
            p = self.st.get("pay", pid)
            self.st.api_capture(p, doc)
            return 200, self.st.payment_view(p)

    def api_refund_create(self, doc, pid):
        key = self.headers.get("X-Refund-Idempotency")
        with self.st.lock:
            p = self.st.get("pay", pid)
            r, _created = self.st.api_refund(p, doc, key)
            return 200, self.st.refund_view(r)

    def api_transfer_create(self, doc):
        key = self.headers.get("X-Transfer-Idempotency")
        with self.st.lock:
            return 200, self.st.transfer_view(self.st.api_transfer(doc, key))

    def api_transfer_fetch(self, doc, tid):
        with self.st.lock:
            return 200, self.st.transfer_view(self.st.get("trf", tid))

    def api_contact_create(self, doc):
        with self.st.lock:
            return 200, self.st.api_contact(doc)

    def api_fund_account_create(self, doc):
        with self.st.lock:
            return 200, self.st.api_fund_account(doc)

    def api_payout_create(self, doc):
        key = self.headers.get("X-Payout-Idempotency")
        with self.st.lock:
            return 200, self.st.payout_view(self.st.api_payout(doc, key))

    def api_payout_fetch(self, doc, pid):
        with self.st.lock:
            return 200, self.st.payout_view(self.st.get("pout", pid))

    def api_payment_refunds(self, doc, pid):
        with self.st.lock:
            self.st.get("pay", pid)
            items = [self.st.refund_view(r) for r in self.st.refunds.values() if r["payment_id"] == pid]
            return 200, {"entity": "collection", "count": len(items), "items": items}

    def api_refund_fetch(self, doc, rid):
        with self.st.lock:
            return 200, self.st.refund_view(self.st.get("rfnd", rid))

    # --- test-mode checkout ----------------------------------------------------
    def checkout(self, path, query, body):
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and self.command == "GET":
            self.checkout_page(parts[1], query)
        elif len(parts) == 3 and parts[2] == "pay" and self.command == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            self.checkout_pay(parts[1], form)
        else:
            raise not_found_url()

    def checkout_error(self, status, message):
        self.send_html(status, page("Razorpay emulator: error",
                                    "<h1>Checkout error</h1><p id=rzp-error>%s</p>" % html.escape(message)))

    def checkout_page(self, oid, query):
        with self.st.lock:
            key = query.get("key")
            if key and key != self.st.keys["key_id"]:
                return self.checkout_error(400, "The key %s is not this emulator's key id." % key)
            o = self.st.orders.get(oid)
            if o is None:
                return self.checkout_error(404, "No order %s in this emulator." % oid)
            o = dict(o)
        callback = query.get("callback") or query.get("callback_url") or ""
        origin = query.get("origin") or ""
        if callback and not re.match(r"^https?://", callback):
            return self.checkout_error(400, "callback must be an http(s) URL")
        hidden = ("<input type=hidden name=callback value=\"%s\"><input type=hidden name=origin value=\"%s\">"
                  % (html.escape(callback, True), html.escape(origin, True)))
        methods = "".join("<option value=%s%s>%s</option>" % (m, " selected" if m == "upi" else "", m)
                          for m in METHODS)
        paid = o["status"] == "paid"
        inner = (
            "<h1>Pay with the Razorpay emulator</h1>"
            "<p class=note>Nothing here moves money. This page stands in for Razorpay Checkout in the "
            "ztic dev and test stacks.</p>"
            "<div class=amount id=rzp-amount>%s</div>"
            "<dl><dt>order</dt><dd id=rzp-order>%s</dd><dt>receipt</dt><dd>%s</dd>"
            "<dt>status</dt><dd id=rzp-status>%s</dd></dl>"
            "<form method=post action=\"/checkout/%s/pay\">%s"
            "<p><label>method <select name=method>%s</select></label></p>"
            "<button id=rzp-pay name=outcome value=captured %s>Pay %s</button>"
            "<button id=rzp-fail name=outcome value=failed %s>Fail payment</button>"
            "<button id=rzp-authorize name=outcome value=authorized %s>Authorize only</button>"
            "%s</form>"
            % (rupees(o["amount"]), html.escape(oid), html.escape(o["receipt"] or "—"), html.escape(o["status"]),
               quote(oid), hidden, methods, "disabled" if paid else "", rupees(o["amount"]),
               "disabled" if paid else "", "disabled" if paid else "",
               "<button id=rzp-cancel name=outcome value=dismiss formnovalidate>Cancel</button>"
               if origin else ""))
        self.send_html(200, page("Razorpay emulator checkout", inner))

    def checkout_pay(self, oid, form):
        callback = form.get("callback") or ""
        origin = form.get("origin") or ""
        outcome = form.get("outcome") or "captured"
        if callback and not re.match(r"^https?://", callback):
            return self.checkout_error(400, "callback must be an http(s) URL")
        if outcome == "dismiss":
            return self.checkout_done(oid, origin, "dismiss", {})
        try:
            with self.st.lock:
                o, p = self.st.pay({"order_id": oid, "outcome": outcome, "method": form.get("method")})
                result = self.st.checkout_result(o, p)
        except ApiError as e:
            return self.checkout_error(e.status, e.body["error"]["description"])
        ok = "error" not in result
        if callback:
            if ok:
                fields = result
            else:
                err = result["error"]
                fields = {"error[%s]" % k: (json.dumps(v) if k == "metadata" else v or "")
                          for k, v in err.items()}
            inputs = "".join("<input type=hidden name=\"%s\" value=\"%s\">"
                             % (html.escape(k, True), html.escape(str(v), True)) for k, v in fields.items())
            inner = ("<h1>Payment %s</h1><p>Returning to the shop…</p>"
                     "<form id=rzp-callback method=post action=\"%s\">%s"
                     "<noscript><button>Continue</button></noscript></form>"
                     "<script>document.getElementById('rzp-callback').submit()</script>"
                     % ("successful" if ok else "failed", html.escape(callback, True), inputs))
            return self.send_html(200, page("Razorpay emulator", inner))
        self.checkout_done(oid, origin, "success" if ok else "failed", result)

    def checkout_done(self, oid, origin, kind, result):
        data = json.dumps({"source": "razorpay-emulator", "type": kind, "payload": result})
        script = ""
        if origin:
            script = ("<script>(function(){var t=window.parent!==window?window.parent:window.opener;"
                      "if(t)t.postMessage(%s,%s);})()</script>"
                      % (data.replace("</", "<\\/"), json.dumps(origin).replace("</", "<\\/")))
        retry = ""
        if kind == "failed":
            # like Checkout's modal: the buyer may try again on the same order
            retry = ("<form method=get action=\"/checkout/%s\"><input type=hidden name=origin value=\"%s\">"
                     "<button id=rzp-retry>Try again</button></form>"
                     % (quote(oid), html.escape(origin, True)))
            if origin:
                retry += ("<form method=post action=\"/checkout/%s/pay\"><input type=hidden name=origin "
                          "value=\"%s\"><button id=rzp-cancel name=outcome value=dismiss>Close</button></form>"
                          % (quote(oid), html.escape(origin, True)))
        inner = ("<h1>%s</h1><pre id=rzp-result>%s</pre>%s%s"
                 % ({"success": "Payment successful", "failed": "Payment failed",
                     "dismiss": "Checkout closed"}[kind],
                    html.escape(json.dumps(result, indent=2)), retry, script))
        self.send_html(200, page("Razorpay emulator", inner))

    # --- control endpoints -------------------------------------------------------
    def control(self, path, query, body):
        st = self.st
        m = self.command
        parts = [p for p in path.split("/") if p][1:]   # drop "_fake"

        def doc_of():
            try:
                d = json.loads(body.decode("utf-8") or "{}") if body else {}
            except (UnicodeDecodeError, ValueError) as ex:
                raise ApiError(400, "body is not JSON: %s" % ex)
            if not isinstance(d, dict):
                raise ApiError(400, "body must be a JSON object")
            return d

        if parts == ["health"] and m == "GET":
            return self.send_json(200, {"status": "ok"})
        if parts == ["reset"] and m == "POST":
            st.reset()
            return self.send_json(200, {"reset": True})
        if parts == ["state"] and m == "GET":
            with st.lock:
                hooks = {"events": len(st.events), "queued": len(st.pending),
                         "deliveries": len(st.deliveries)}
                if query.get("only") == "webhooks":   # cheap to poll (bench/run)
                    return self.send_json(200, {"webhooks": hooks})
                return self.send_json(200, {
                    "orders": [st.order_view(o) for o in st.orders.values()],
                    "payments": [st.payment_view(p) for p in st.payments.values()],
                    "refunds": [st.refund_view(r) for r in st.refunds.values()],
                    "transfers": [st.transfer_view(t) for t in st.transfers.values()],
                    "contacts": list(st.contacts.values()),
                    "fund_accounts": list(st.fund_accounts.values()),
                    "payouts": [st.payout_view(x) for x in st.payouts.values()],
                    "webhooks": hooks,
                    "config": st.public_config()})
        if parts == ["config"] and m in ("GET", "POST"):
            if m == "POST":
                try:
                    with st.lock:
                        st.update_config(doc_of(), set(DEFAULT_CONFIG) | {"key_id", "key_secret", "webhook_secret"})
                except ValueError as ex:
                    return self.send_json(400, {"error": {"code": "BAD_REQUEST_ERROR", "description": str(ex)}})
            with st.lock:
                return self.send_json(200, st.public_config())
        if parts == ["webhooks", "config"] and m in ("GET", "POST"):
            if m == "POST":
                try:
                    with st.lock:
                        st.update_config(doc_of(), set(WEBHOOK_KEYS))
                except ValueError as ex:
                    return self.send_json(400, {"error": {"code": "BAD_REQUEST_ERROR", "description": str(ex)}})
            with st.lock:
                return self.send_json(200, {k: v for k, v in st.public_config().items()
                                            if k in WEBHOOK_KEYS or k == "webhook_secret_set"})
        if parts == ["pay"] and m == "POST":
            d = doc_of()
            with st.lock:
                o, p = st.pay(d)
                return self.send_json(200, st.checkout_result(o, p))
        if len(parts) == 3 and parts[0] == "payments" and parts[2] == "settle" and m == "POST":
            d = doc_of()
            with st.lock:
                p = st.get("pay", parts[1])
                try:
                    st.settle_payment(p, d.get("status"))
                except ValueError as ex:
                    raise bad(str(ex), "status")
                return self.send_json(200, st.payment_view(p))
        if len(parts) == 3 and parts[0] == "refunds" and parts[2] == "settle" and m == "POST":
            d = doc_of()
            with st.lock:
                r = st.get("rfnd", parts[1])
                events = []
                try:
                    st.settle_refund(r, d.get("status") or "processed", events)
                except ValueError as ex:
                    raise bad(str(ex), "status")
                st.emit(events)
                return self.send_json(200, st.refund_view(r))
        if len(parts) == 3 and parts[0] == "transfers" and parts[2] == "settle" and m == "POST":
            d = doc_of()
            with st.lock:
                t = st.get("trf", parts[1])
                events = []
                try:
                    st.settle_transfer(t, d.get("status") or "processed", events)
                except ValueError as ex:
                    raise bad(str(ex), "status")
                st.emit(events)
                return self.send_json(200, st.transfer_view(t))
        if len(parts) == 3 and parts[0] == "payouts" and parts[2] == "settle" and m == "POST":
            d = doc_of()
            with st.lock:
                po = st.get("pout", parts[1])
                events = []
                try:
                    st.settle_payout(po, d.get("status") or "processed", events)
                except ValueError as ex:
                    raise bad(str(ex), "status")
                st.emit(events)
                return self.send_json(200, st.payout_view(po))
        if parts == ["recon"] and m == "POST":
            d = doc_of()
            with st.lock:
                for k, v in (d.get("amounts") or {}).items():
                    st.recon_amounts[k] = int(v)
                return self.send_json(200, {"amounts": st.recon_amounts})
        if parts == ["webhooks"] and m == "GET":
            return self.send_json(200, self.webhooks_view(query))
        if parts == ["webhooks"] and m == "DELETE":
            with st.lock:
                st.deliveries.clear()
            return self.send_json(200, {"cleared": ["deliveries"]})
        if parts == ["webhooks", "deliver"] and m == "POST":
            d = doc_of()
            only = d.get("event_ids")
            if d.get("event_id"):
                only = [d["event_id"]]
            res = st.deliver_pending(only=set(only) if only else None, shuffle=d.get("shuffle"),
                                     reverse=bool(d.get("reverse")))
            with st.lock:
                left = len(st.pending)
            return self.send_json(200, {"delivered": res, "queued": left})
        if parts == ["webhooks", "redeliver"] and m == "POST":
            d = doc_of()
            eid = d.get("event_id")
            with st.lock:
                known = eid in st.events
            if not known:
                return self.send_json(404, {"error": {"code": "BAD_REQUEST_ERROR",
                                                      "description": "no event %r" % eid}})
            return self.send_json(200, {"delivered": [st.deliver_one(eid, 0, 1)]})
        if parts == ["fail"] and m == "POST":
            d = doc_of()
            try:
                ep = d.get("endpoint", "*")
                if not isinstance(ep, str) or not re.match(r"^(\*|any|orders|payments|refunds|transfers)(\.[a-z]+)?$", ep):
                    raise ValueError("endpoint must be orders, payments, refunds (or orders.create, "
                                     "orders.fetch, orders.payments, payments.fetch, payments.capture, "
                                     "refunds.create, refunds.fetch, refunds.list) or *")
                rule = {"endpoint": ep, "status": int(d.get("status", 500) or 0),
                        "count": int(d.get("count", 1)), "delay_ms": int(d.get("delay_ms", 0)),
                        "drop": bool(d.get("drop", False)), "after": bool(d.get("after", False)),
                        "body": d.get("body")}
                if rule["count"] < 1:
                    raise ValueError("count must be >= 1")
                if rule["status"] and not 100 <= rule["status"] <= 599:
                    raise ValueError("status must be 100..599 (or 0 with delay_ms)")
            except (ValueError, TypeError) as ex:
                return self.send_json(400, {"error": {"code": "BAD_REQUEST_ERROR",
                                                      "description": "bad failure rule: %s" % ex}})
            with st.lock:
                st.failures.append(rule)
                return self.send_json(200, {"pending": list(st.failures)})
        if parts == ["fail"] and m == "GET":
            with st.lock:
                return self.send_json(200, {"pending": list(st.failures)})
        if parts == ["fail"] and m == "DELETE":
            with st.lock:
                st.failures.clear()
            return self.send_json(200, {"cleared": ["failures"]})
        if parts == ["requests"] and m == "GET":
            with st.lock:
                items = [r for r in st.requests
                         if (not query.get("endpoint") or r["endpoint"] == query["endpoint"])
                         and (not query.get("path") or r["path"].startswith(query["path"]))]
            return self.send_json(200, items)
        if parts == ["requests"] and m == "DELETE":
            with st.lock:
                st.requests.clear()
            return self.send_json(200, {"cleared": ["requests"]})
        return self.send_json(404, {"error": {"code": "BAD_REQUEST_ERROR",
                                              "description": "unknown control endpoint %s %s" % (m, path)}})

    def webhooks_view(self, query):
        st = self.st
        want_rel = query.get("id") or query.get("order_id") or query.get("payment_id") or query.get("refund_id")
        want_ev = query.get("event")
        with_body = query.get("body", "1") not in ("0", "false")

        def match(rel, name):
            return (not want_rel or want_rel in rel) and (not want_ev or want_ev == name)

        with st.lock:
            events = [st.event_view(st.events[i], with_body) for i in st.event_order
                      if match(st.events[i]["related"], st.events[i]["event"])]
            queued = [e["id"] for e in events if e["id"] in st.pending]
            deliveries = [d for d in st.deliveries if match(d["related"], d["event"])]
            cfg = {k: v for k, v in st.public_config().items() if k in WEBHOOK_KEYS or k == "webhook_secret_set"}
        return {"config": cfg, "events": events, "queued": queued, "deliveries": deliveries}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv=None):
    ap = argparse.ArgumentParser(description="Razorpay emulator for ztic tests and the dev stack (TEST MODE)")
    ap.add_argument("--port", type=int, required=True, help="TCP port (0 = any free port, see --port-file)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file", help="write the port actually bound to FILE before printing ready")
    ap.add_argument("--log", help="append API calls and webhook deliveries as JSON lines to FILE")
    ap.add_argument("--verbose", action="store_true", help="access log on stderr")
    for opt, (env, default) in DEFAULT_KEYS.items():
        ap.add_argument("--" + opt.replace("_", "-"), default=os.environ.get(env) or default,
                        help="(env %s, default %s)" % (env, default))
    ap.add_argument("--webhook-url", default=None, help="where to POST webhooks (none: queue them)")
    ap.add_argument("--no-auto-deliver", action="store_true",
                    help="queue webhooks until POST /_fake/webhooks/deliver")
    ap.add_argument("--events", default=",".join(DEFAULT_EVENTS),
                    help="the subscribed events, comma-separated (as set in the Dashboard;"
                         " default: %(default)s)")
    a = ap.parse_args(argv)

    config = copy.deepcopy(DEFAULT_CONFIG)
    if a.webhook_url:
        if not re.match(r"^https?://", a.webhook_url):
            ap.error("--webhook-url must be an http(s) URL")
        config["webhook_url"] = a.webhook_url
    if a.no_auto_deliver:
        config["auto"] = False
    events = [e for e in a.events.split(",") if e]
    unknown = sorted(set(events) - set(ALL_EVENTS))
    if not events or unknown:
        ap.error("--events: unknown event %s (known: %s)" % (", ".join(unknown) or "(none)",
                                                              ", ".join(ALL_EVENTS)))
    config["events"] = events
    keys = {k: getattr(a, k) for k in DEFAULT_KEYS}
    srv = Server((a.host, a.port), Handler)
    srv.state = State(keys, config, a.log)
    srv.verbose = a.verbose
    threading.Thread(target=srv.state.worker, name="webhooks", daemon=True).start()

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
