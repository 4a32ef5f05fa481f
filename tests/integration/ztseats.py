"""Helpers for the seat-hold and live-update tests.

    Catalog(owner_dsn)   tenants, users, events with seats and GA ticket
                         types, and sold tickets, written straight into
                         PostgreSQL as ztic_owner (no organizer API needed);
                         purge() removes them
    Redis(socket_path)   a tiny RESP client for peeking at and poking holds
    WsSub / EsSub        a WebSocket / EventSource subscriber collecting
                         JSON messages in a background thread
    Buyer                a signed-in user (minted access token) with a
                         requests session
    race(calls)          run callables at the same instant, in threads

Fixtures for the test modules (import them by name): cat (a Catalog purged
after the module), tenant (an active tenant of it), holdctl (runs
tests/tools/holdctl with the stack's environment).
"""

import contextlib
import json
import queue
import socket
import threading
import time
import urllib.parse
import uuid

import os
import subprocess

import psycopg2
import pytest
import requests
import websocket

from ztauth import mint


# --------------------------------------------------------------- fixtures --

@pytest.fixture(scope="module")
def cat(pg_owner_dsn, redis_socket):
    c = Catalog(pg_owner_dsn, Redis(redis_socket))
    yield c
    c.purge()


@pytest.fixture(scope="module")
def tenant(cat):
    return cat.tenant()


@pytest.fixture(scope="module")
def holdctl(stack_var):
    """tests/tools/holdctl (built by make check) with the stack's env: the
    zt_hold functions the bookings responder will call (consume, unsell)."""
    tool = os.path.join(os.path.dirname(__file__), "..", "tools", "holdctl")
    if not os.access(tool, os.X_OK):
        pytest.fail("tests/tools/holdctl is missing: run `make check` "
                    "(scripts/dev test does)", pytrace=False)

    def run(*args):
        p = subprocess.run(["/bin/bash", "-c", 'set -a; . "$0"; exec "$@"',
                            os.path.join(stack_var, "env"), tool, *args],
                           capture_output=True, text=True, timeout=20)
        return p.stdout.strip()
    return run


def race(calls, timeout=60):
    """Start every call at the same instant (one thread each, released by
    a barrier); their results, in order."""
    results = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def go(i):
        gate.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=go, args=(i,))
               for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


# ---------------------------------------------------------------- catalog --

class Catalog:
    """Rows built for one test module, removed by purge()."""

    def __init__(self, owner_dsn, redis=None):
        self.conn = psycopg2.connect(owner_dsn)
        self.redis = redis
        self.tenants = []
        self.users = []

    @contextlib.contextmanager
    def tx(self, tenant=None):
        with self.conn:
            with self.conn.cursor() as cur:
                if tenant:
                    cur.execute("select set_config('app.tenant_id', %s, true)",
                                (tenant,))
                yield cur

    def user(self, label="buyer"):
        uid = str(uuid.uuid4())
        with self.tx() as cur:
            cur.execute("insert into users (id, email, name) values (%s, %s, %s)",
                        (uid, f"{label}-{uid[:8]}@test.ztic.in", label))
        self.users.append(uid)
        return uid

    def tenant(self, status="active", owner=None):
        tid = str(uuid.uuid4())
        self.tenants.append(tid)
        with self.tx(tid) as cur:
            cur.execute("insert into tenants (id, slug, name, status)"
                        " values (%s, %s, 'Test fest', %s)",
                        (tid, "t-" + uuid.uuid4().hex[:12], status))
            if owner:
                cur.execute("insert into memberships (tenant_id, user_id, role)"
                            " values (%s, %s, 'owner')", (tid, owner))
        return tid

    def event(self, tenant, status="published", seats=0, blocked=(),
              ga=(), per_user_limit=10, sales_starts=None, sales_ends=None,
              starts="7 days", per_order_limit=10, type_sales_ends=None):
        """An event with `seats` seats (blocked: their indexes) and one GA
        type per capacity in `ga`. Times are SQL intervals from now."""
        ev = {"id": str(uuid.uuid4()), "tenant": tenant, "seats": [],
              "ga": []}
        with self.tx(tenant) as cur:
            cur.execute(
                "insert into events (id, tenant_id, slug, title, starts_at,"
                " ends_at, status, published_at, per_user_limit,"
                " sales_starts_at, sales_ends_at, layout_kind)"
                " values (%s, %s, %s, 'Hold test', now() + %s::interval,"
                " now() + %s::interval + interval '3 hours', %s,"
                " case when %s <> 'draft' then now() end, %s,"
                " now() + %s::interval, now() + %s::interval, 'hybrid')",
                (ev["id"], tenant, "ev-" + uuid.uuid4().hex[:12], starts,
                 starts, status, status, per_user_limit, sales_starts,
                 sales_ends))
            cur.execute("insert into price_categories (tenant_id, event_id,"
                        " name, price_paise) values (%s, %s, 'All', 0)"
                        " returning id", (tenant, ev["id"]))
            pc = cur.fetchone()[0]
            if seats:
                cur.execute(
                    "insert into seats (tenant_id, event_id, row_label,"
                    " seat_label, x, y, price_category_id, blocked)"
                    " select %s, %s, 'R' || (n / 50), n::text, mod(n, 50),"
                    " n / 50, %s, n = any(%s)"
                    " from generate_series(0, %s - 1) n order by n"
                    " returning id",
                    (tenant, ev["id"], pc, list(blocked), seats))
                ev["seats"] = [r[0] for r in cur.fetchall()]
            for i, capacity in enumerate(ga):
                cur.execute(
                    "insert into ticket_types (tenant_id, event_id, name,"
                    " price_paise, capacity, per_order_limit,"
                    " sales_ends_at) values (%s, %s, %s, 0, %s, %s,"
                    " now() + %s::interval) returning id",
                    (tenant, ev["id"], f"GA {i}", capacity,
                     per_order_limit, type_sales_ends))
                ev["ga"].append(cur.fetchone()[0])
        return ev

    def touch(self, ev):
        """After an organizer's change, as the events API does after its
        COMMIT (zt_salemap_touch): every process reloads the event."""
        if self.redis is not None:
            self.redis("INCR", f"zt:{{ev:{ev['id']}}}:map")

    def set_capacity(self, ev, ticket_type, capacity):
        with self.tx(ev["tenant"]) as cur:
            cur.execute("update ticket_types set capacity = %s where id = %s",
                        (capacity, ticket_type))
        self.touch(ev)

    def set_status(self, ev, status):
        with self.tx(ev["tenant"]) as cur:
            cur.execute("update events set status = %s where id = %s",
                        (status, ev["id"]))
        self.touch(ev)

    def sell(self, ev, user, seats=(), ga=None):
        """A confirmed free booking with live tickets, as the bookings
        writer would commit it; ga: {type: quantity}."""
        ga = ga or {}
        bid = str(uuid.uuid4())
        with self.tx(ev["tenant"]) as cur:
            cur.execute("insert into bookings (id, tenant_id, event_id,"
                        " user_id, expires_at) values (%s, %s, %s, %s,"
                        " now() + interval '10 minutes')",
                        (bid, ev["tenant"], ev["id"], user))
            for s in seats:
                cur.execute("insert into tickets (tenant_id, event_id,"
                            " booking_id, user_id, seat_id, price_paise)"
                            " values (%s, %s, %s, %s, %s, 0)",
                            (ev["tenant"], ev["id"], bid, user, s))
            for ty, n in ga.items():
                cur.execute("update ticket_types set sold = sold + %s"
                            " where id = %s and sold + %s <= capacity",
                            (n, ty, n))
                assert cur.rowcount == 1, "GA sold out"
                for _ in range(n):
                    cur.execute("insert into tickets (tenant_id, event_id,"
                                " booking_id, user_id, ticket_type_id,"
                                " price_paise) values (%s, %s, %s, %s, %s, 0)",
                                (ev["tenant"], ev["id"], bid, user, ty))
            cur.execute("update bookings set status = 'confirmed',"
                        " confirmed_at = now() where id = %s", (bid,))
        return bid

    def purge(self):
        self.conn.rollback()
        order = ["ticket_keys", "tickets", "bookings", "seats", "ticket_types",
                 "price_categories", "events", "memberships"]
        for tid in self.tenants:
            with self.tx(tid) as cur:
                for table in order:
                    cur.execute(f"delete from {table} where tenant_id = %s",
                                (tid,))
                cur.execute("delete from tenants where id = %s", (tid,))
        with self.tx() as cur:
            if self.users:
                cur.execute("delete from users where id = any(%s::uuid[])",
                            (self.users,))
        self.conn.close()


# ------------------------------------------------------------------ redis --

class Redis:
    """Just enough RESP over the stack's unix socket."""

    def __init__(self, path):
        self.path = path

    def __call__(self, *args):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(self.path)
        try:
            out = [b"*%d\r\n" % len(args)]
            for a in args:
                a = str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
            s.sendall(b"".join(out))
            return self._read(s.makefile("rb"))
        finally:
            s.close()

    def _read(self, f):
        line = f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")


def expire_hold_now(redis, event_id, hold_id):
    """Make a hold's expiry the present (as if its TTL ran out)."""
    redis("ZADD", f"zt:{{ev:{event_id}}}:holds", "XX", "1", hold_id)


# ------------------------------------------------------------------- live --

class _Sub:
    """A subscriber's messages, one change each: a batch (several changes
    one worker gathered, docs/live.md "Batches") is taken apart, as
    web/js/live.js does."""

    def __init__(self):
        self.q = queue.Queue()
        self.errors = []

    def _put(self, msg):
        if isinstance(msg, dict) and msg.get("type") == "batch":
            for m in msg["msgs"]:
                self.q.put(m)
        else:
            self.q.put(msg)

    def next(self, timeout=5.0):
        return self.q.get(timeout=timeout)

    def take(self, n, timeout=8.0):
        """The next n messages (fails the test if they do not come), in
        v's order when they carry one: workers publish apart, so changes
        made through different workers may arrive in either order, and
        clients order them by v (docs/live.md)."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"got {len(out)} of {n} messages: {out}"
                                     f" errors={self.errors}")
            try:
                out.append(self.q.get(timeout=left))
            except queue.Empty:
                pass
        if all(isinstance(m, dict) and "v" in m for m in out):
            out.sort(key=lambda m: m["v"])
        return out

    def quiet(self, wait=0.5):
        """Messages that arrive within `wait` seconds (drains the queue)."""
        time.sleep(wait)
        out = []
        while True:
            try:
                out.append(self.q.get_nowait())
            except queue.Empty:
                return out


class WsSub(_Sub):
    def __init__(self, url):
        super().__init__()
        self.ws = websocket.create_connection(url, timeout=5)
        self.ws.settimeout(None)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while True:
            try:
                data = self.ws.recv()
            except Exception as e:  # closed
                self.errors.append(repr(e))
                return
            if data:
                self._put(json.loads(data))

    def close(self):
        # no closing handshake: it would race the reader thread's recv
        self.ws.shutdown()


class EsSub(_Sub):
    """EventSource over a plain socket: closing it must not wait for the
    reader thread (a requests stream would block in close())."""

    def __init__(self, url, headers=None):
        super().__init__()
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=5)
        target = u.path + ("?" + u.query if u.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {u.netloc}",
                 "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.f = self.sock.makefile("rb")
        self.status = int(self.f.readline().split()[1])
        self.headers = {}
        while True:
            line = self.f.readline().decode().rstrip("\r\n")
            if not line:
                break
            k, v = line.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        assert self.status == 200, self.status
        assert self.headers["content-type"].startswith("text/event-stream")
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.sock.settimeout(None)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _lines(self):
        if not self.chunked:
            while True:
                line = self.f.readline()
                if not line:
                    return
                yield line.decode()
        buf = ""
        while True:
            size = int(self.f.readline().strip() or b"0", 16)
            if size == 0:
                return
            buf += self.f.read(size).decode()
            self.f.readline()
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                yield line + "\n"

    def _run(self):
        data = []
        try:
            for line in self._lines():
                line = line.rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    self._put(json.loads("\n".join(data)))
                    data = []
        except Exception as e:  # closed
            self.errors.append(repr(e))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# ----------------------------------------------------------------- buyers --

class Buyer:
    """A signed-in user: minted token, own session."""

    def __init__(self, base, stack_var, user_id, tid=None, role=None):
        self.base = base
        self.id = user_id
        self.token = mint(stack_var, user_id, tid, role)
        self.s = requests.Session()

    def call(self, method, path, body=None, **kw):
        kw.setdefault("timeout", 15)
        h = {"Authorization": "Bearer " + self.token}
        return self.s.request(method, self.base + path, json=body,
                              headers=h, **kw)

    def lock(self, event, seats=(), ga=None):
        body = {"eventId": event["id"], "seatIds": list(seats)}
        if ga:
            body["ga"] = [{"ticketTypeId": t, "quantity": q}
                          for t, q in ga.items()]
        return self.call("POST", "/api/seats/lock", body)

    def release(self, event, seat=None):
        if seat:
            return self.call("DELETE", f"/api/seats/lock/{seat}",
                             params={"eventId": event["id"]})
        return self.call("DELETE", "/api/seats/lock",
                         params={"eventId": event["id"]})

    def status(self, event):
        return self.call("GET", f"/api/seats/status/{event['id']}")
