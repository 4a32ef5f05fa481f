#!/usr/bin/python3
"""A webhook receiver for tests (docs/webhooks.md): verifies the
`Ztic-Signature` header as a customer's endpoint would, records every
delivery, and can be told to fail or to answer slowly.

In a test (no process of its own):

    from receiver import Receiver
    rx = Receiver(secret="whsec_…").start()   # listens on 127.0.0.1:<port>
    rx.url                                     # http://127.0.0.1:<port>/hook
    rx.fail(2, status=500)                     # the next 2 requests get 500
    rx.slow(1.5)                               # answer after 1.5 s
    rx.got                                     # [Delivery(...), ...]
    rx.stop()

Standalone (to try a dev stack's deliveries by hand):
`receiver.py --port 0 --port-file F --secret S` prints `ready` and answers
200 to well-signed deliveries, 401 to the rest.

verify(secret, header, body, now, tolerance) is the reference check:
parse `t=<unix>,v1=<hex>[,v1=<hex>]`, refuse a t more than `tolerance`
seconds from now (replays), accept when any v1 equals
HMAC-SHA256(secret, "<t>.<body>") compared in constant time.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300


def sign(secret, t, body):
    msg = str(t).encode() + b"." + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def verify(secret, header, body, now=None, tolerance=TOLERANCE):
    """True when header signs body with secret, within tolerance seconds."""
    if not header:
        return False
    t, sigs = None, []
    for part in header.split(","):
        k, _, v = part.strip().partition("=")
        if k == "t" and v.isdigit():
            t = int(v)
        elif k == "v1":
            sigs.append(v)
    if t is None or not sigs:
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        return False
    want = sign(secret, t, body)
    return any(hmac.compare_digest(want, s) for s in sigs)


class Delivery:
    def __init__(self, headers, body, valid):
        self.headers = headers
        self.body = body
        self.valid = valid
        self.json = json.loads(body) if body else None

    def __repr__(self):
        return f"Delivery({self.headers.get('Ztic-Event')}, valid={self.valid})"


class Receiver:
    def __init__(self, secret=None, host="127.0.0.1", port=0):
        self.secret = secret
        self.got = []
        self._fail = 0
        self._fail_status = 500
        self._always_fail = False
        self._delay = 0.0
        self._lock = threading.Lock()
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                hdrs = {k: v for k, v in self.headers.items()}
                valid = rx.secret is not None and verify(
                    rx.secret, self.headers.get("Ztic-Signature"), body)
                with rx._lock:
                    rx.got.append(Delivery(hdrs, body, valid))
                    status = 200 if valid else 401
                    if rx._always_fail:
                        status = rx._fail_status
                    elif rx._fail > 0:
                        rx._fail -= 1
                        status = rx._fail_status
                    delay = rx._delay
                if delay:
                    time.sleep(delay)
                out = json.dumps({"ok": status == 200,
                                  "note": "x" * 600}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, n, status=500):
        with self._lock:
            self._fail = n
            self._fail_status = status

    def fail_always(self, on=True, status=500):
        with self._lock:
            self._always_fail = on
            self._fail_status = status

    def slow(self, seconds):
        with self._lock:
            self._delay = seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--secret", default=os.environ.get("ZT_RECEIVER_SECRET"))
    args = ap.parse_args()
    rx = Receiver(args.secret, args.host, args.port)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(rx.port))
        os.replace(tmp, args.port_file)
    print("ready", flush=True)
    try:
        rx.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
