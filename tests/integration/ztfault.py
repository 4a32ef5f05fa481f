"""Fault helpers for test_recovery.py and test_fault_sale.py.

    crash_postgres(stack_var)   PostgreSQL stopped in immediate mode (SIGQUIT
                                to the postmaster: what `pg_ctl stop -m
                                immediate` sends); returns when it is gone
    kill_redis(stack_var)       Redis killed with SIGKILL; returns when gone
    kill_worker(pool_workers, area)
                                one responder worker killed with SIGKILL
    connects(stack_var, area, offset, service)
                                pids of the area's workers that logged a
                                (re)connection to service ("postgresql",
                                "redis") after byte offset of its log
    log_offset(stack_var, area) the log's size now (a mark)
    Buyer(base, stack_var, uid) a signed-in user calling from a loopback
                                address of its own (per-address limits
                                count each buyer alone)
    webhook(api, body)          a Razorpay webhook signed with the test
                                stack's secret (whsec_test)
"""

import hashlib
import hmac
import json
import os
import signal
import time
import uuid

import requests

from ztauth import SourceAdapter, mint, random_loopback

AREAS = ("health", "auth", "tenants", "events", "seats", "bookings",
         "webhooks")
WEBHOOK_SECRET = b"whsec_test"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def _wait_gone(pid, what, timeout=30):
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} (pid {pid}) did not exit")
        time.sleep(0.05)


def _pidfile(path):
    with open(path) as f:
        return int(f.readline().split()[0])


def crash_postgres(stack_var):
    """Immediate shutdown: the postmaster SIGQUITs every backend, which
    tells its client goodbye (a notice) and exits; no checkpoint, so the
    next start runs crash recovery."""
    pid = _pidfile(os.path.join(stack_var, "pg", "postmaster.pid"))
    os.kill(pid, signal.SIGQUIT)
    _wait_gone(pid, "postgres")


def kill_redis(stack_var):
    pid = _pidfile(os.path.join(stack_var, "run", "redis.pid"))
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid, "redis")


def kill_worker(pool_workers, area):
    workers = pool_workers(area)
    assert workers, f"the {area} pool has no worker"
    os.kill(workers[0], signal.SIGKILL)
    return workers[0]


def log_path(stack_var, area):
    return os.path.join(stack_var, "log", f"{area}.log")


def log_offset(stack_var, area):
    try:
        return os.path.getsize(log_path(stack_var, area))
    except OSError:
        return 0


def log_lines(stack_var, area, offset=0):
    """The area's JSON log lines after byte offset."""
    try:
        with open(log_path(stack_var, area), "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return []
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def connects(stack_var, area, offset, service, again=None):
    """Pids that logged "connected to <service>" (again=False), "reconnected
    to <service>" (again=True) or either (None) after offset."""
    want = set()
    if again in (None, False):
        want.add(f"connected to {service}")
    if again in (None, True):
        want.add(f"reconnected to {service}")
    return {o.get("pid") for o in log_lines(stack_var, area, offset)
            if o.get("msg") in want}


def server_errors(stack_var, area, offset):
    """Request lines logged with a 5xx after offset (the responders log
    every 5xx answer at error level)."""
    return [o["msg"] for o in log_lines(stack_var, area, offset)
            if o.get("event") == "request" and o.get("level") == "error"]


class Buyer:
    """A user with a minted token, calling from a loopback address of its
    own."""

    def __init__(self, base, stack_var, user_id, tid=None, role=None):
        self.base, self.id = base, user_id
        self.token = mint(stack_var, user_id, tid, role)
        self.s = requests.Session()
        self.s.mount("http://", SourceAdapter(random_loopback()))

    def call(self, method, path, body=None, **kw):
        kw.setdefault("timeout", 20)
        return self.s.request(method, self.base + path, json=body,
                              headers={"Authorization": "Bearer " + self.token},
                              **kw)


def webhook(api, event="order.updated", payload=None):
    """POST a signed Razorpay webhook with a new event id; the response."""
    body = json.dumps({"entity": "event", "account_id": "acc_ztictest",
                       "event": event, "contains": [],
                       "payload": payload or {},
                       "created_at": int(time.time()),
                       "nonce": uuid.uuid4().hex}).encode()
    sig = hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()
    return api("POST", "/api/webhooks/razorpay", data=body,
               headers={"Content-Type": "application/json",
                        "X-Razorpay-Signature": sig,
                        "X-Razorpay-Event-Id": "evt_" + uuid.uuid4().hex[:14]})
