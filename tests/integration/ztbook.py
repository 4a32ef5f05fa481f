"""Helpers for the booking and payment tests.

    Shop(owner_dsn)        tenants, users and priced events written straight
                           into PostgreSQL as ztic_owner; purge() removes them
    Person(base, var, uid) a signed-in user (minted token) with a session
    Rzp(url)               the Razorpay emulator's test controls
"""

import contextlib
import os
import shlex
import subprocess
import time
import uuid

import psycopg2
import pytest
import requests

from ztauth import mint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Shop:
    def __init__(self, owner_dsn):
        self.conn = psycopg2.connect(owner_dsn)
        self.tenants, self.users = [], []

    @contextlib.contextmanager
    def tx(self, tenant=None, admin=False):
        with self.conn:
            with self.conn.cursor() as cur:
                if tenant:
                    cur.execute("select set_config('app.tenant_id', %s, true)",
                                (tenant,))
                if admin:
                    cur.execute("select set_config('app.admin_id',"
                                " '00000000-0000-4000-8000-000000000001', true)")
                yield cur

    def one(self, sql, args=(), tenant=None):
        with self.tx(tenant, admin=tenant is None) as cur:
            cur.execute(sql, args)
            return cur.fetchone()

    def all(self, sql, args=(), tenant=None):
        with self.tx(tenant, admin=tenant is None) as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def user(self, label="buyer"):
        uid = str(uuid.uuid4())
        with self.tx() as cur:
            cur.execute("insert into users (id, email, name) values (%s, %s, %s)",
                        (uid, f"{label}-{uid[:8]}@test.ztic.in", label.title()))
        self.users.append(uid)
        return uid

    def tenant(self, owner=None, role="owner"):
        tid = str(uuid.uuid4())
        self.tenants.append(tid)
        with self.tx(tid) as cur:
            cur.execute("insert into tenants (id, slug, name, status)"
                        " values (%s, %s, 'Booking fest', 'active')",
                        (tid, "b-" + uuid.uuid4().hex[:12]))
            if owner:
                cur.execute("insert into memberships (tenant_id, user_id, role)"
                            " values (%s, %s, %s)", (tid, owner, role))
        return tid

    def event(self, tenant, seats=4, seat_price=50000, ga=(), ga_price=30000,
              refund="none", cutoff=None, refund_fee=None, starts="7 days",
              per_user_limit=20):
        ev = {"id": str(uuid.uuid4()), "tenant": tenant, "seats": [], "ga": []}
        with self.tx(tenant) as cur:
            cur.execute(
                "insert into events (id, tenant_id, slug, title, venue_name,"
                " starts_at, ends_at, status, published_at, per_user_limit,"
                " refund_policy, refund_cutoff_hours, refund_fee_paise,"
                " layout_kind) values (%s, %s, %s, 'Paid night', 'Main hall',"
                " now() + %s::interval, now() + %s::interval + interval '3h',"
                " 'published', now(), %s, %s, %s, %s, 'hybrid')",
                (ev["id"], tenant, "e-" + uuid.uuid4().hex[:12], starts,
                 starts, per_user_limit, refund, cutoff, refund_fee))
            cur.execute("insert into price_categories (tenant_id, event_id,"
                        " name, price_paise) values (%s, %s, 'Gold', %s)"
                        " returning id", (tenant, ev["id"], seat_price))
            pc = cur.fetchone()[0]
            if seats:
                cur.execute(
                    "insert into seats (tenant_id, event_id, section, row_label,"
                    " seat_label, x, y, price_category_id)"
                    " select %s, %s, 'Main', 'A', g.i::text, g.i, 0, %s"
                    " from generate_series(1, %s) g(i) order by g.i"
                    " returning id",
                    (tenant, ev["id"], pc, seats))
                ev["seats"] = [r[0] for r in cur.fetchall()]
            for cap in ga:
                cur.execute("insert into ticket_types (tenant_id, event_id,"
                            " name, price_paise, capacity, per_order_limit)"
                            " values (%s, %s, 'Pass', %s, %s, 10) returning id",
                            (tenant, ev["id"], ga_price, cap))
                ev["ga"].append(cur.fetchone()[0])
        return ev

    def purge(self, attempts=3):
        """Delete what the test made; a webhook still settling a booking
        can deadlock with the deletes, so try again."""
        for i in range(attempts):
            try:
                return self._purge()
            except psycopg2.errors.DeadlockDetected:
                if i == attempts - 1:
                    raise
                time.sleep(0.5)

    def _purge(self):
        self.conn.rollback()
        order = ["ticket_keys", "refunds", "payments", "tickets", "booking_items", "bookings",
                 "seats", "ticket_types", "price_categories", "events",
                 "memberships"]
        for tid in self.tenants:
            with self.tx(tid) as cur:
                for table in order:
                    cur.execute(f"delete from {table} where tenant_id = %s",
                                (tid,))
                cur.execute("delete from tenants where id = %s", (tid,))
        self.tenants = []
        self.conn.close()


class Person:
    def __init__(self, base, stack_var, user_id, tid=None, role=None):
        self.base, self.id = base, user_id
        self.token = mint(stack_var, user_id, tid, role)
        self.s = requests.Session()

    def call(self, method, path, body=None, **kw):
        kw.setdefault("timeout", 20)
        return self.s.request(method, self.base + path, json=body,
                              headers={"Authorization": "Bearer " + self.token},
                              **kw)

    def hold(self, ev, seats=(), ga=None):
        body = {"eventId": ev["id"], "seatIds": list(seats)}
        if ga:
            body["ga"] = [{"ticketTypeId": t, "quantity": q} for t, q in ga.items()]
        r = self.call("POST", "/api/seats/lock", body)
        assert r.status_code == 200, r.text
        return r.json()

    def book(self, ev):
        return self.call("POST", "/api/bookings", {"eventId": ev["id"]})


class Rzp:
    def __init__(self, url):
        self.url = url

    def post(self, path, body=None):
        r = requests.post(self.url + path, json=body or {}, timeout=10)
        assert r.status_code < 300, r.text
        return r.json() if r.content else {}

    def pay(self, order_id, **kw):
        return self.post("/_fake/pay", dict(order_id=order_id, **kw))

    def webhooks(self, **cfg):
        return self.post("/_fake/webhooks/config", cfg)

    def deliver(self, **kw):
        return self.post("/_fake/webhooks/deliver", kw)


def stack_env(stack_var, **extra):
    """The stack's environment (its env file), with extra settings: what
    the responders and the cron programs run with."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    with open(os.path.join(stack_var, "env")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                k, _, v = line[7:].partition("=")
                env[k] = shlex.split(v)[0] if v else ""
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cron_bin(name):
    return os.path.join(ROOT, "cron", "ztic-" + name)


def run_cron(stack_var, name, **extra):
    p = subprocess.run([cron_bin(name)], env=stack_env(stack_var, **extra),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p


def run_cron_twice(stack_var, name, **extra):
    """Two runs of a cron program at the same time; both must succeed."""
    env = stack_env(stack_var, **extra)
    ps = [subprocess.Popen([cron_bin(name)], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in ps]
    for p, (_, err) in zip(ps, outs):
        assert p.returncode == 0, err
    return [err for _, err in outs]


def paid_booking(shop, rzp, base_url, stack_var, ev, seats):
    """A new buyer holds seats, books and pays (Checkout's proof):
    (the buyer, the confirmed booking)."""
    b = Person(base_url, stack_var, shop.user("buyer"))
    b.hold(ev, seats)
    body = b.book(ev).json()
    pay = rzp.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 200, r.text
    return b, r.json()


@pytest.fixture
def shop(pg_owner_dsn):
    """A Shop whose rows go when the test ends (import it to use it)."""
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


@pytest.fixture
def rzp_auto(razorpay_url):
    """The emulator with webhooks delivered at once; what a test left
    queued is delivered at its end, before the shop's rows are purged
    (import it to use it)."""
    r = Rzp(razorpay_url)
    yield r
    r.webhooks(duplicate=0, shuffle=False)
    r.deliver()
    r.webhooks(auto=True)


@pytest.fixture
def rzp_lost(razorpay_url):
    """The emulator with webhooks queued, "lost" until delivered; what is
    still queued is delivered at the end (import it to use it)."""
    r = Rzp(razorpay_url)
    r.webhooks(auto=False)
    yield r
    r.deliver()
    r.webhooks(auto=True)


def wait_for(fn, timeout=10, every=0.1):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(every)
