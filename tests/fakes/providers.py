#!/usr/bin/python3
"""Local fake of the outside message providers used by ztic.

One HTTP server (Python 3 standard library only) that speaks the real wire
protocols of

  * Resend      POST /emails                                    (Bearer key, JSON)
  * Twilio      POST /2010-04-01/Accounts/{Sid}/Messages.json   (Basic auth, form)
  * Gupshup WA  POST /wa/api/v1/msg                             (apikey header, form)

plus control endpoints under /_fake/ for tests. See tests/fakes/README.md.

    /usr/bin/python3 tests/fakes/providers.py --port N [--host 127.0.0.1]
        [--log FILE] [--port-file FILE] [--verbose]
        [--resend-key K] [--twilio-sid S] [--twilio-token T] [--gupshup-key K]

Prints "ready" on stdout (flushed) once the socket listens.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PROVIDERS = ("resend", "twilio", "gupshup")
MAX_BODY = 40 << 20  # Resend takes 40 MB with attachments; larger get 413

DEFAULT_KEYS = {
    "resend_key": ("ZT_RESEND_API_KEY", "re_test_key"),
    "twilio_sid": ("ZT_TWILIO_ACCOUNT_SID", "ACtest"),
    "twilio_token": ("ZT_TWILIO_AUTH_TOKEN", "twilio_test_token"),
    "gupshup_key": ("ZT_GUPSHUP_API_KEY", "gupshup_test_key"),
}

TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
EMAIL_ADDR = re.compile(r"^[^\s@<>\",;]+@[^\s@<>\",;]+\.[^\s@<>\",;]+$")
EMAIL_NAMED = re.compile(r"^[^<>]*<([^<>]+)>$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
WA_NUMBER = re.compile(r"^[1-9][0-9]{7,14}$")


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def phone_digits(s):
    """Comparable form of a phone number: digits only (drops +, spaces, whatsapp:)."""
    return re.sub(r"[^0-9]", "", s or "")


def valid_email(s):
    if not isinstance(s, str):
        return False
    s = s.strip()
    m = EMAIL_NAMED.match(s)
    if m:
        s = m.group(1).strip()
    return bool(EMAIL_ADDR.match(s))


def bare_email(s):
    m = EMAIL_NAMED.match(s.strip())
    return (m.group(1) if m else s).strip()


class Reject(Exception):
    """A call the provider refuses: HTTP status, JSON answer, reason for /_fake/rejected."""

    def __init__(self, status, body, reason, headers=None):
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason
        self.headers = headers or {}


class State:
    def __init__(self, keys, log_path):
        self.keys = keys
        self.log_path = log_path
        self.lock = threading.Lock()
        self.messages = []
        self.rejected = []
        self.failures = {p: [] for p in PROVIDERS}
        self.idem = {}  # (api key fingerprint, idempotency key) -> (body sha256, status, answer)
        self.calls = {p: 0 for p in PROVIDERS}

    def reset(self, what=("messages", "rejected", "failures", "idempotency")):
        with self.lock:
            if "messages" in what:
                self.messages.clear()
            if "idempotency" in what:
                self.idem.clear()
            if "rejected" in what:
                self.rejected.clear()
            if "failures" in what:
                for q in self.failures.values():
                    q.clear()

    def record_message(self, msg):
        with self.lock:
            self.messages.append(msg)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(msg, sort_keys=True) + "\n")

    def record_rejected(self, entry):
        with self.lock:
            self.rejected.append(entry)

    def take_failure(self, provider):
        with self.lock:
            self.calls[provider] += 1
            q = self.failures[provider]
            if not q:
                return None
            rule = q[0]
            rule["count"] -= 1
            if rule["count"] <= 0:
                q.pop(0)
            return dict(rule)


# --- default error answers of each provider (for injected failures) -------------

def injected_body(provider, status):
    if provider == "resend":
        names = {429: "rate_limit_exceeded", 400: "validation_error", 401: "missing_api_key",
                 403: "invalid_api_key", 404: "not_found", 409: "concurrent_idempotent_requests",
                 422: "validation_error"}
        name = names.get(status, "application_error" if status >= 500 else "validation_error")
        msg = ("Too many requests. You can only make 2 requests per second."
               if status == 429 else "Something went wrong while processing your request.")
        return {"statusCode": status, "name": name, "message": msg}
    if provider == "twilio":
        code = {429: 20429, 401: 20003, 404: 20404, 503: 20503}.get(status, 20500 if status >= 500 else 21000)
        msg = {429: "Too Many Requests", 401: "Authenticate", 404: "The requested resource was not found",
               503: "Service Unavailable"}.get(status, "Internal Server Error" if status >= 500 else "Bad Request")
        return {"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                "status": status}
    return {"status": "error", "message": "Too Many Requests" if status == 429 else
            ("Internal Server Error" if status >= 500 else "Bad Request")}


# --- providers --------------------------------------------------------------------

def resend_error(status, name, message):
    return Reject(status, {"statusCode": status, "name": name, "message": message}, message)


def handle_resend(st, h, body):
    auth = h.headers.get("Authorization")
    if not auth:
        raise resend_error(401, "missing_api_key",
                           "Missing API key in the authorization header. Include the following header "
                           "Authorization: Bearer YOUR_API_KEY in the request.")
    parts = auth.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].strip():
        raise resend_error(401, "missing_api_key",
                           "Missing API key in the authorization header. Include the following header "
                           "Authorization: Bearer YOUR_API_KEY in the request.")
    key = parts[1].strip()
    if not secrets.compare_digest(key.encode(), st.keys["resend_key"].encode()):
        e = resend_error(403, "invalid_api_key", "API key is invalid")
        e.reason = "invalid api key (Bearer token does not match --resend-key)"
        raise e
    if not h.headers.get("User-Agent"):
        e = resend_error(403, "validation_error", "Missing `User-Agent` header (error 1010).")
        raise e
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        e = resend_error(400, "validation_error", "Invalid JSON body: Content-Type must be application/json.")
        e.reason = "content-type %r is not application/json" % ctype
        raise e
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as ex:
        e = resend_error(400, "validation_error", "Invalid JSON body.")
        e.reason = "body is not valid JSON: %s" % ex
        raise e
    if not isinstance(doc, dict):
        raise resend_error(400, "validation_error", "Invalid JSON body: expected an object.")

    idem_key = h.headers.get("Idempotency-Key")
    if idem_key is not None and not (1 <= len(idem_key) <= 256):
        raise resend_error(400, "invalid_idempotency_key", "The key must be between 1-256 chars.")

    for field in ("from", "to", "subject"):
        v = doc.get(field)
        if v is None or v == "" or v == []:
            raise resend_error(422, "missing_required_field", "Missing `%s` field." % field)
    if not (doc.get("html") or doc.get("text") or doc.get("react")):
        raise resend_error(422, "missing_required_field", "Missing `html` or `text` field.")
    if not valid_email(doc["from"]):
        raise resend_error(422, "validation_error",
                           "Invalid `from` field. The email address needs to follow the "
                           "`email@example.com` or `Name <email@example.com>` format.")
    to = doc["to"]
    recipients = [to] if isinstance(to, str) else to
    if not isinstance(recipients, list) or not recipients or not all(valid_email(r) for r in recipients):
        raise resend_error(422, "validation_error",
                           "Invalid `to` field. The email address needs to follow the "
                           "`email@example.com` or `Name <email@example.com>` format.")
    if len(recipients) > 50:
        raise resend_error(422, "validation_error", "Invalid `to` field. Maximum 50 recipients.")
    if not isinstance(doc["subject"], str):
        raise resend_error(422, "validation_error", "Invalid `subject` field.")
    for f in ("html", "text"):
        if f in doc and doc[f] is not None and not isinstance(doc[f], str):
            raise resend_error(422, "validation_error", "Invalid `%s` field." % f)

    # attachments: [{filename, content: base64}] (or a remote `path`), as
    # Resend's API takes them; recorded so a test can read the file back
    atts = doc.get("attachments")
    if atts is not None:
        if not isinstance(atts, list):
            raise resend_error(422, "validation_error", "Invalid `attachments` field.")
        for a in atts:
            if not isinstance(a, dict) or not isinstance(a.get("filename"), str) \
                    or not a["filename"]:
                raise resend_error(422, "validation_error",
                                   "Invalid `attachments` field: `filename` is required.")
            c = a.get("content")
            if c is None and not isinstance(a.get("path"), str):
                raise resend_error(422, "validation_error",
                                   "Invalid `attachments` field: `content` or `path` is required.")
            if c is not None:
                try:
                    base64.b64decode(c, validate=True)
                except (TypeError, ValueError, binascii.Error):
                    raise resend_error(422, "validation_error",
                                       "Invalid `attachments` field: `content` is not base64.")

    # Idempotency: scoped to the API key; same key + same payload -> same answer,
    # no second message; same key + different payload -> 409.
    fingerprint = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    scope = (hashlib.sha256(key.encode()).hexdigest(), idem_key)
    if idem_key is not None:
        with st.lock:
            prev = st.idem.get(scope)
        if prev is not None:
            if prev[0] != fingerprint:
                e = resend_error(409, "invalid_idempotent_request",
                                 "Same idempotency key used with a different request payload. "
                                 "Change your idempotency key or don't change your payload.")
                e.reason = "idempotency key %r reused with a different payload" % idem_key
                raise e
            return prev[1], prev[2], {"replayed": True}

    msg_id = str(uuid.uuid4())
    answer = {"id": msg_id}
    if idem_key is not None:
        with st.lock:
            prev = st.idem.get(scope)
            if prev is not None:  # lost a race with an identical request
                if prev[0] != fingerprint:
                    raise resend_error(409, "concurrent_idempotent_requests",
                                       "Same idempotency key used while original request is still in progress.")
                return prev[1], prev[2], {"replayed": True}
            st.idem[scope] = (fingerprint, 200, answer)
    st.record_message({
        "provider": "resend",
        "id": msg_id,
        "to": bare_email(recipients[0]),
        "recipients": [bare_email(r) for r in recipients],
        "from": doc["from"],
        "subject": doc["subject"],
        "text": doc.get("text"),
        "html": doc.get("html"),
        "body": doc.get("text"),
        "cc": doc.get("cc"),
        "bcc": doc.get("bcc"),
        "reply_to": doc.get("reply_to"),
        "tags": doc.get("tags"),
        "attachments": [{"filename": a["filename"], "content": a.get("content"),
                         "path": a.get("path")} for a in atts or []],
        "headers": interesting_headers(h),
        "received_at": now_iso(),
    })
    return 200, answer, {}


def twilio_error(status, code, message, reason=None):
    return Reject(status, {"code": code, "message": message,
                           "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                           "status": status}, reason or message)


def handle_twilio(st, h, body, path_sid):
    auth = h.headers.get("Authorization") or ""
    parts = auth.split(None, 1)
    user = password = None
    if len(parts) == 2 and parts[0].lower() == "basic":
        try:
            user, _, password = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = None
    if user is None:
        raise twilio_error(401, 20003, "Authenticate", "missing or malformed Basic authorization")
    if not (secrets.compare_digest(user.encode(), st.keys["twilio_sid"].encode())
            and secrets.compare_digest(password.encode(), st.keys["twilio_token"].encode())):
        raise twilio_error(401, 20003, "Authenticate",
                           "invalid credentials (Basic user/password do not match --twilio-sid/--twilio-token)")
    if path_sid != user:
        raise twilio_error(401, 20003, "Authenticate", "account sid in the path does not match the Basic user")
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    form = {}
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                                 strict_parsing=False).items()}
        except UnicodeDecodeError:
            form = {}
    note = "" if ctype == "application/x-www-form-urlencoded" else \
        " (content-type %r is not application/x-www-form-urlencoded)" % ctype
    to = form.get("To", "")
    frm = form.get("From", "")
    mss = form.get("MessagingServiceSid", "")
    text = form.get("Body", "")
    if not to:
        raise twilio_error(400, 21604, "A 'To' phone number is required.", "missing To" + note)
    if not (E164.match(to) or (to.startswith("whatsapp:") and E164.match(to[9:]))):
        raise twilio_error(400, 21211, "Invalid 'To' Phone Number: %s" % to, "To is not E.164: %r" % to)
    if not frm and not mss:
        raise twilio_error(400, 21603, "A 'From' phone number is required.", "missing From and MessagingServiceSid")
    if not text and not form.get("MediaUrl") and not form.get("ContentSid"):
        raise twilio_error(400, 21602, "Message body is required.", "missing Body")
    if len(text) > 1600:
        raise twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")

    sid = "SM" + secrets.token_hex(16)
    date = formatdate(usegmt=False).replace("-0000", "+0000")
    answer = {
        "account_sid": path_sid,
        "api_version": "2010-04-01",
        "body": text,
        "date_created": date,
        "date_sent": None,
        "date_updated": date,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": frm or None,
        "messaging_service_sid": mss or None,
        "num_media": "0",
        "num_segments": str(1 if len(text) <= 160 else (len(text) + 152) // 153),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "accepted" if mss else "queued",
        "subresource_uris": {"media": "/2010-04-01/Accounts/%s/Messages/%s/Media.json" % (path_sid, sid)},
        "to": to,
        "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (path_sid, sid),
    }
    st.record_message({
        "provider": "twilio",
        "id": sid,
        "to": to,
        "recipients": [to],
        "from": frm or None,
        "messaging_service_sid": mss or None,
        "subject": None,
        "text": text,
        "body": text,
        "status_callback": form.get("StatusCallback"),
        "headers": interesting_headers(h),
        "received_at": now_iso(),
    })
    return 201, answer, {}


def gupshup_error(status, message, reason=None):
    return Reject(status, {"status": "error", "message": message}, reason or message)


def handle_gupshup(st, h, body):
    key = h.headers.get("apikey")
    if not key:
        raise gupshup_error(401, "Authentication Failed", "missing apikey header")
    if not secrets.compare_digest(key.encode(), st.keys["gupshup_key"].encode()):
        raise gupshup_error(401, "Authentication Failed", "invalid apikey (does not match --gupshup-key)")
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise gupshup_error(400, "Invalid Request",
                            "content-type %r is not application/x-www-form-urlencoded" % ctype)
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        raise gupshup_error(400, "Invalid Request", "body is not UTF-8")
    if form.get("channel") != "whatsapp":
        raise gupshup_error(400, "Invalid Channel", "channel must be 'whatsapp', got %r" % form.get("channel"))
    src = form.get("source", "")
    if not src:
        raise gupshup_error(400, "Invalid Source", "missing source")
    if not WA_NUMBER.match(src):
        raise gupshup_error(400, "Invalid Source", "source must be digits with country code, no '+': %r" % src)
    dst = form.get("destination", "")
    if not dst:
        raise gupshup_error(400, "Invalid Destination", "missing destination")
    if not WA_NUMBER.match(dst):
        raise gupshup_error(400, "Invalid Destination",
                            "destination must be digits with country code, no '+': %r" % dst)
    if not form.get("src.name"):
        raise gupshup_error(400, "Invalid App Name", "missing src.name")
    raw = form.get("message", "")
    if not raw:
        raise gupshup_error(400, "Invalid Message", "missing message")
    try:
        message = json.loads(raw)
        if not isinstance(message, dict):
            raise ValueError("not an object")
    except ValueError:
        message = {"type": "text", "text": raw}  # Gupshup accepts a plain string as a text message
    mtype = message.get("type")
    if mtype not in ("text", "image", "file", "audio", "video", "sticker", "location", "contact",
                     "quick_reply", "list"):
        raise gupshup_error(400, "Invalid Message Type", "unknown message type %r" % mtype)
    if mtype == "text" and not (isinstance(message.get("text"), str) and message["text"]):
        raise gupshup_error(400, "Invalid Message", "text message without text")
    if mtype == "text" and len(message["text"]) > 4096:
        raise gupshup_error(400, "Message too long", "text longer than 4096 characters")

    msg_id = str(uuid.uuid4())
    st.record_message({
        "provider": "gupshup",
        "id": msg_id,
        "to": dst,
        "recipients": [dst],
        "from": src,
        "source": src,
        "src_name": form.get("src.name"),
        "subject": None,
        "message_type": mtype,
        "message": message,
        "text": message.get("text"),
        "body": message.get("text"),
        "headers": interesting_headers(h),
        "received_at": now_iso(),
    })
    return 202, {"status": "submitted", "messageId": msg_id}, {}


def interesting_headers(h):
    out = {}
    for name in ("Idempotency-Key", "User-Agent", "Content-Type", "Cache-Control"):
        v = h.headers.get(name)
        if v is not None:
            out[name.lower()] = v
    return out


# --- HTTP plumbing ----------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: http.server writes the headers and the body in separate
    # sends, and on a kept-alive connection Nagle holds the body back until
    # the client's delayed ACK (40 ms) — every second call on a connection
    # took 40 ms instead of 1 (docs/benchmarks.md, row 6b). Real providers
    # do not stall like that.
    disable_nagle_algorithm = True
    server_version = "ztic-fake-providers/1"

    def version_string(self):
        return self.server_version

    @property
    def st(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.server.verbose:
            host, port = self.client_address[:2]
            sys.stderr.write("fake-providers: %s:%d - %s\n" % (host, port, fmt % args))

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
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

    def send_json(self, status, obj, extra_headers=None):
        data = (json.dumps(obj) + "\n").encode("utf-8") if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # Every method goes through dispatch so unknown methods still answer JSON.
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

    def dispatch(self):
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        body = self.read_body()
        if body is None:
            self.close_connection = True
            self.send_json(413, {"error": "request body too large or malformed"})
            return
        if path.startswith("/_fake/"):
            self.control(path, query, body)
            return
        provider, args = None, ()
        m = TWILIO_PATH.match(path)
        if path == "/emails":
            provider = "resend"
        elif m:
            provider, args = "twilio", (m.group(1),)
        elif path == "/wa/api/v1/msg":
            provider = "gupshup"
        if provider is None:
            self.send_json(404, {"error": "not found", "path": path})
            return
        if self.command != "POST":
            self.send_json(405, {"error": "method not allowed"}, {"Allow": "POST"})
            return
        self.provider_call(provider, body, args)

    def provider_call(self, provider, body, args):
        st = self.st
        rule = st.take_failure(provider)
        if rule:
            if rule.get("delay_ms"):
                time.sleep(rule["delay_ms"] / 1000.0)
            if rule.get("drop"):
                self.reject_entry(provider, 0, "injected failure: connection dropped")
                self.close_connection = True
                return
            status = rule.get("status") or 0
            if status:
                answer = rule.get("body")
                if answer is None:
                    answer = injected_body(provider, status)
                extra = {"Retry-After": "1"} if status == 429 else {}
                self.reject_entry(provider, status, "injected failure: %d" % status)
                self.send_json(status, answer, extra)
                return
        fn = {"resend": handle_resend, "twilio": handle_twilio, "gupshup": handle_gupshup}[provider]
        try:
            status, answer, _info = fn(st, self, body, *args)
        except Reject as e:
            self.reject_entry(provider, e.status, e.reason)
            self.send_json(e.status, e.body, e.headers)
            return
        self.send_json(status, answer)

    def reject_entry(self, provider, status, reason):
        self.st.record_rejected({
            "provider": provider,
            "status": status,
            "reason": reason,
            "method": self.command,
            "path": urlsplit(self.path).path,
            "headers": interesting_headers(self),
            "received_at": now_iso(),
        })

    # --- control endpoints ---------------------------------------------------
    def control(self, path, query, body):
        st = self.st
        q = {k: v[0] for k, v in query.items()}
        if path == "/_fake/health" and self.command == "GET":
            self.send_json(200, {"status": "ok"})
        elif path == "/_fake/messages" and self.command == "GET":
            with st.lock:
                items = list(st.messages)
            self.send_json(200, filter_items(items, q))
        elif path == "/_fake/messages" and self.command == "DELETE":
            st.reset(("messages", "idempotency"))
            self.send_json(200, {"cleared": ["messages", "idempotency"]})
        elif path == "/_fake/rejected" and self.command == "GET":
            with st.lock:
                items = list(st.rejected)
            self.send_json(200, filter_items(items, q))
        elif path == "/_fake/rejected" and self.command == "DELETE":
            st.reset(("rejected",))
            self.send_json(200, {"cleared": ["rejected"]})
        elif path == "/_fake/fail" and self.command == "POST":
            try:
                rule = json.loads(body.decode("utf-8") or "{}")
                provider = rule["provider"]
                if provider not in PROVIDERS:
                    raise ValueError("provider must be one of %s" % ", ".join(PROVIDERS))
                entry = {
                    "status": int(rule.get("status", 500) or 0),
                    "count": int(rule.get("count", 1)),
                    "delay_ms": int(rule.get("delay_ms", 0)),
                    "drop": bool(rule.get("drop", False)),
                    "body": rule.get("body"),
                }
                if entry["count"] < 1:
                    raise ValueError("count must be >= 1")
                if entry["status"] and not 100 <= entry["status"] <= 599:
                    raise ValueError("status must be 100..599 (or 0 with delay_ms)")
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as ex:
                self.send_json(400, {"error": "bad failure rule: %s" % ex})
                return
            with st.lock:
                st.failures[provider].append(entry)
                pending = {p: list(v) for p, v in st.failures.items()}
            self.send_json(200, {"pending": pending})
        elif path == "/_fake/fail" and self.command == "GET":
            with st.lock:
                pending = {p: list(v) for p, v in st.failures.items()}
            self.send_json(200, {"pending": pending})
        elif path == "/_fake/fail" and self.command == "DELETE":
            st.reset(("failures",))
            self.send_json(200, {"cleared": ["failures"]})
        elif path == "/_fake/reset" and self.command == "POST":
            st.reset()
            self.send_json(200, {"cleared": ["messages", "idempotency", "rejected", "failures"]})
        elif path == "/_fake/stats" and self.command == "GET":
            with st.lock:
                self.send_json(200, {"calls": dict(st.calls), "messages": len(st.messages),
                                     "rejected": len(st.rejected)})
        else:
            self.send_json(404, {"error": "unknown control endpoint", "path": path, "method": self.command})


def filter_items(items, q):
    provider = q.get("provider")
    to = q.get("to")
    msg_id = q.get("id")
    out = []
    for it in items:
        if provider and it.get("provider") != provider:
            continue
        if msg_id and it.get("id") != msg_id:
            continue
        if to:
            want = to.strip()
            recips = it.get("recipients") or [it.get("to")]
            if "@" in want:
                hit = any(want.lower() == (r or "").lower() for r in recips)
            else:
                # a '+' in a query string arrives as a space: compare digits only
                d = phone_digits(want)
                hit = bool(d) and any(phone_digits(r) == d for r in recips)
            if not hit:
                continue
        out.append(it)
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake Resend / Twilio / Gupshup for ztic tests")
    ap.add_argument("--port", type=int, required=True, help="TCP port (0 = any free port, see --port-file)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--log", help="append every accepted message as a JSON line to FILE")
    ap.add_argument("--port-file", help="write the port actually bound to FILE before printing ready")
    ap.add_argument("--verbose", action="store_true", help="access log on stderr")
    for opt, (env, default) in DEFAULT_KEYS.items():
        ap.add_argument("--" + opt.replace("_", "-"), default=os.environ.get(env) or default,
                        help="expected value (env %s, default %s)" % (env, default))
    a = ap.parse_args(argv)

    keys = {k: getattr(a, k) for k in DEFAULT_KEYS}
    srv = Server((a.host, a.port), Handler)
    srv.state = State(keys, a.log)
    srv.verbose = a.verbose

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
