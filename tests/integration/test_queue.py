"""The waiting room (docs/waiting-room.md, issue #21) through the real
stack: nginx, the seats responder, Redis, the ticker (cron/ztic-queue,
started by scripts/dev) and nchan.

Bulk joins call the join script straight on Redis (pipelined EVALSHA of
the same text the responder embeds, lib/lua/lua2c -e), a few hundred go
through nginx. The lottery test is statistical: see test_pre_queue_...
"""

import base64
import hashlib
import hmac
import math
import os
import random
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ztbook import stack_env
from ztseats import Buyer, EsSub, Redis, cat, tenant  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def script(name):
    return subprocess.run(
        ["sh", os.path.join(ROOT, "lib", "lua", "lua2c"), "-e",
         os.path.join(ROOT, "lib", "lua", name)],
        check=True, capture_output=True, text=True).stdout


def qkeys(event_id):
    return [f"zt:{{ev:{event_id}}}:{s}"
            for s in ("q", "q:pre", "q:late", "q:addr", "q:pass", "q:log")]


class Pipe:
    """Many commands on one unix-socket connection, replies in order."""

    def __init__(self, path):
        self.path = path
        self.r = Redis(path)

    def run(self, cmds):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(60)
        s.connect(self.path)
        try:
            out = []
            for args in cmds:
                out.append(b"*%d\r\n" % len(args))
                for a in args:
                    a = str(a).encode()
                    out.append(b"$%d\r\n%s\r\n" % (len(a), a))
            s.sendall(b"".join(out))
            f = s.makefile("rb")
            return [self.r._read(f) for _ in cmds]
        finally:
            s.close()


@pytest.fixture(scope="module")
def redis(redis_socket):
    return Redis(redis_socket)


@pytest.fixture(scope="module")
def join_lua(redis, redis_socket):
    """join(event, users, mode='join', addr='t', cap=0) -> replies."""
    sha = redis("SCRIPT", "LOAD", script("queue_join.lua"))
    pipe = Pipe(redis_socket)

    def join(event_id, users, mode="join", addr="test", cap=0):
        import json
        k = qkeys(event_id)
        cmds = [["EVALSHA", sha, len(k), *k, u, mode, addr, cap]
                for u in users]
        return [json.loads(r) for r in pipe.run(cmds)]
    return join


@pytest.fixture(scope="module")
def owner(cat, base_url, stack_var):  # noqa: F811
    """An organizer: the owner of a tenant of its own."""
    uid = cat.user("owner")
    tid = cat.tenant(owner=uid)
    b = Buyer(base_url, stack_var, uid, tid, "owner")
    b.tid = tid
    return b


def room(owner, ev, **settings):
    body = {"on": True}
    body.update(settings)
    r = owner.call("PUT", f"/api/queue/{ev['id']}/settings", body)
    assert r.status_code == 200, r.text
    return r.json()


def ms(rfc3339):
    from datetime import datetime
    return int(datetime.fromisoformat(
        rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def wait_for(fn, timeout=15, every=0.1):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(every)


def spearman(xs, ys):
    """Spearman's rho of two lists of distinct values, and its z score
    rho * sqrt(n - 1) (standard normal under independence)."""
    n = len(xs)

    def ranks(v):
        order = sorted(range(n), key=lambda i: v[i])
        r = [0] * n
        for rank, i in enumerate(order):
            r[i] = rank
        return r
    rx, ry = ranks(xs), ranks(ys)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry))
    rho = 1 - 6 * d2 / (n * (n * n - 1))
    return rho, rho * math.sqrt(n - 1)


# ----------------------------------------------------------- the lottery --

def test_pre_queue_is_shuffled_at_on_sale_and_late_joins_keep_order(
        cat, owner, base_url, stack_var, join_lua):  # noqa: F811
    """10,000 joins on Redis plus 200 through nginx before the on-sale
    time; after it, the places are a permutation of 1..N with no
    correlation to the order of arrival: Spearman's rho between arrival
    index and place, |rho * sqrt(N - 1)| < 3.29 (two-sided, alpha =
    0.001; the lottery's seed is drawn by the server, so this is the
    chance of a false failure per run). The test's own choices (which
    users go through nginx, interleaving) use random.Random(21)."""
    sale_in = 30
    ev = cat.event(owner_tenant(owner), ga=[100000],
                   sales_starts=f"{sale_in} seconds", per_user_limit=10)
    rate = 6000
    t0 = time.time()
    room(owner, ev, opensMinutes=60, ratePerMinute=rate, passSeconds=600)
    rnd = random.Random(21)
    users = [f"lot-{i:05d}-{rnd.getrandbits(32):08x}" for i in range(10000)]
    # arrivals over the window: batches through Redis, with nginx joins
    # interleaved
    http_people = [Buyer(base_url, stack_var, cat.user("q"))
                   for _ in range(200)]
    arrival = []           # user ids in arrival order
    batches = [users[i:i + 500] for i in range(0, len(users), 500)]
    per_batch = len(http_people) // len(batches)
    hp = iter(http_people)
    for b in batches:
        replies = join_lua(ev["id"], b)
        assert all(r.get("place") == 0 for r in replies), replies[:3]
        arrival += b
        for _ in range(per_batch):
            p = next(hp)
            r = p.call("POST", f"/api/queue/{ev['id']}")
            assert r.status_code == 200, r.text
            assert r.json()["state"] == "prequeue", r.text
            assert r.json()["place"] is None
            arrival.append(p)
    assert time.time() - t0 < sale_in - 3, "joins took longer than the window"
    # subscribe, then wait for the on-sale time and the draw
    sub = EsSub(f"{base_url}/live/queue/{ev['id']}")
    try:
        assert wait_for(lambda: join_lua(ev["id"], [users[0]], "peek")[0]
                        .get("place", 0) > 0, timeout=sale_in + 10)
        places = {}
        for i in range(0, len(users), 2000):
            for u, r in zip(users[i:i + 2000],
                            join_lua(ev["id"], users[i:i + 2000], "peek")):
                places[u] = r["place"]
        with ThreadPoolExecutor(8) as ex:
            got = list(ex.map(
                lambda p: p.call("GET", f"/api/queue/{ev['id']}"),
                http_people))
        for p, r in zip(http_people, got):
            assert r.status_code == 200, r.text
            places[p] = r.json()["place"]
        n = len(arrival)
        assert sorted(places.values()) == list(range(1, n + 1))
        rho, z = spearman(list(range(n)), [places[a] for a in arrival])
        assert abs(z) < 3.29, (rho, z)
        # the nginx joiners (spread over the window) are not favoured
        # either: their mean place is within 4 standard errors of (n+1)/2
        mean = sum(places[p] for p in http_people) / len(http_people)
        se = math.sqrt((n * n - 1) / 12 / len(http_people))
        assert abs(mean - (n + 1) / 2) < 4 * se, (mean, se)

        # after the draw: newcomers at the back, in arrival order; a
        # second join keeps one's place
        late = [f"late-{i:03d}" for i in range(50)]
        got = [r["place"] for r in join_lua(ev["id"], late)]
        assert got == list(range(n + 1, n + 51))
        assert [r["place"] for r in join_lua(ev["id"], late[:5])] == \
            got[:5]
        r = http_people[0].call("POST", f"/api/queue/{ev['id']}")
        assert r.json()["place"] == places[http_people[0]]

        # admission never runs ahead of the rate: k <= rate x (time since
        # the on-sale) + one tick, on every message the channel carried
        sale_ms = ms(ev_sale(cat, ev))
        tick_ms = 500
        msgs = sub.take(6, timeout=15) + sub.quiet(2)
        assert all(m["type"] == "queue.tick" for m in msgs)
        for m in msgs:
            elapsed = max(0, ms(m["at"]) - sale_ms)
            assert m["admittedUpTo"] <= rate * (elapsed + tick_ms) / 60000 + 1, m
            assert m["ratePerMinute"] == rate
        assert msgs[-1]["drawn"]
        assert msgs[-1]["admittedUpTo"] > 0
        assert msgs[-1]["total"] == n + 50
    finally:
        sub.close()


def owner_tenant(owner):
    return owner.tid


def ev_sale(cat, ev):  # noqa: F811
    with cat.tx(ev["tenant"]) as cur:
        cur.execute("select to_char(sales_starts_at at time zone 'utc',"
                    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') from events"
                    " where id = %s", (ev["id"],))
        return cur.fetchone()[0]


# --------------------------------------------------------------- passes --

def pass_key(stack_var):
    return bytes.fromhex(stack_env(stack_var)["ZT_QUEUE_PASS_KEY"])


def make_pass(key, event_id, user_id, exp_ms):
    mac = hmac.new(key, f"zq1|{event_id}|{user_id}|{exp_ms}".encode(),
                   hashlib.sha256).digest()
    return f"zq1.{exp_ms}." + \
        base64.urlsafe_b64encode(mac).decode().rstrip("=")


def with_pass(p, method, path, body, pas):
    """p's call with the pass header (None: without)."""
    h = {"Authorization": "Bearer " + p.token}
    if pas:
        h["X-Queue-Pass"] = pas
    return p.s.request(method, p.base + path, json=body, headers=h,
                       timeout=15)


def lock_one(p, ev, pas):
    """p locks one unit of ev's first GA type with the pass pas."""
    return with_pass(p, "POST", "/api/seats/lock",
                     {"eventId": ev["id"], "seatIds": [],
                      "ga": [{"ticketTypeId": ev["ga"][0], "quantity": 1}]},
                     pas)


def admitted(p, ev):
    def ok():
        r = p.call("POST", f"/api/queue/{ev['id']}")
        assert r.status_code == 200, r.text
        return r.json() if r.json()["state"] == "admitted" else None
    got = wait_for(ok)
    assert got, "not admitted"
    return got


def test_lock_and_booking_need_a_valid_pass(
        cat, owner, base_url, stack_var):  # noqa: F811
    tid = owner_tenant(owner)
    ev = cat.event(tid, ga=[50], sales_starts="-1 minute")
    other = cat.event(tid, ga=[50], sales_starts="-1 minute")
    off = cat.event(tid, ga=[50], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=60000, passSeconds=120)
    room(owner, other, ratePerMinute=60000)
    a = Buyer(base_url, stack_var, cat.user("a"))
    b = Buyer(base_url, stack_var, cat.user("b"))
    t = ev["ga"][0]

    # without a pass: 403 queue_required saying where to join
    r = a.lock(ev, ga={t: 1})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "queue_required"
    assert r.json()["joinUrl"] == f"/queue.html?event={ev['id']}"
    assert r.json()["queueUrl"] == f"/api/queue/{ev['id']}"
    r = a.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code == 403 and \
        r.json()["error"]["code"] == "queue_required", r.text

    st = admitted(a, ev)
    pa = st["pass"]
    assert st["place"] == 1 and ms(st["passExpiresAt"]) > time.time() * 1000
    # the same pass again (a second tab gets the same place and pass)
    assert admitted(a, ev)["pass"] == pa

    def lock(p, pas, event=ev, typ=t):
        return with_pass(p, "POST", "/api/seats/lock",
                         {"eventId": event["id"], "seatIds": [],
                          "ga": [{"ticketTypeId": typ, "quantity": 1}]}, pas)

    def refused(r):
        return r.status_code == 403 and \
            r.json()["error"]["code"] == "queue_required"

    # someone else's pass, a pass for another event, forged, expired
    assert refused(lock(b, pa))
    assert refused(lock(a, pa, other, other["ga"][0]))
    head, _, mac = pa.rpartition(".")
    forged = head + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    assert refused(lock(a, forged))
    assert refused(lock(a, f"zq1.{int(head.split('.')[1]) + 3600000}.{mac}"))
    key = pass_key(stack_var)
    now = int(time.time() * 1000)
    assert refused(lock(a, make_pass(key, ev["id"], a.id, now - 1000)))
    assert refused(lock(a, make_pass(b"\x00" * 32, ev["id"], a.id,
                                     now + 60000)))
    assert refused(lock(a, "zq1..x"))
    assert refused(lock(a, "garbage"))
    # a pass made with the server's key for a.id works (the format is
    # what docs/waiting-room.md says), and the admitted one too
    assert lock(a, make_pass(key, ev["id"], a.id, now + 60000)).status_code \
        == 200
    r = lock(a, pa)
    assert r.status_code == 200, r.text
    # the booking takes the pass (c holds nothing: 409 no_holds, past
    # the pass check, so no booking is made)
    c = Buyer(base_url, stack_var, cat.user("c"))
    pc = admitted(c, ev)["pass"]
    r = with_pass(c, "POST", "/api/bookings", {"eventId": ev["id"]}, pc)
    assert r.status_code == 409 and \
        r.json()["error"]["code"] == "no_holds", r.text
    # b's pass is b's own
    pb = admitted(b, ev)["pass"]
    assert refused(lock(a, pb, ev))
    r = with_pass(b, "POST", "/api/bookings", {"eventId": ev["id"]}, pa)
    assert refused(r)

    # a room that is off costs nothing and needs no pass
    r = a.lock(off, ga={off["ga"][0]: 1})
    assert r.status_code == 200, r.text
    r = a.call("POST", f"/api/queue/{off['id']}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "queue_off"
    # turning it off again opens the sale to everyone
    room(owner, ev, on=False)
    assert lock(b, None).status_code == 200


def test_one_place_per_account_and_a_cap_per_address(
        cat, owner, base_url, stack_var, join_lua):  # noqa: F811
    ev = cat.event(owner_tenant(owner), ga=[10], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=1)
    a = Buyer(base_url, stack_var, cat.user("a"))
    r = a.call("GET", f"/api/queue/{ev['id']}")
    assert r.status_code == 404 and \
        r.json()["error"]["code"] == "not_in_queue"
    with ThreadPoolExecutor(6) as ex:
        got = list(ex.map(lambda _: a.call("POST", f"/api/queue/{ev['id']}"),
                          range(12)))
    assert {r.status_code for r in got} == {200}
    assert len({r.json()["place"] for r in got}) == 1
    # the address cap (ZT_QUEUE_ADDR_MAX; the script's own limit here)
    got = join_lua(ev["id"], ["c1", "c2", "c3", "c1"], addr="net-1", cap=2)
    assert [g.get("err") for g in got] == [None, None, "address_limit", None]
    # joins before the window opens are refused
    early = cat.event(owner_tenant(owner), ga=[10], sales_starts="3 hours")
    room(owner, early, opensMinutes=30)
    r = a.call("POST", f"/api/queue/{early['id']}")
    assert r.status_code == 409 and \
        r.json()["error"]["code"] == "queue_not_open", r.text
    assert r.json()["opensAt"]


def test_without_an_on_sale_time_joins_keep_arrival_order_and_are_admitted(
        cat, owner, base_url, stack_var):  # noqa: F811
    """docs/waiting-room.md: an event with no on-sale time has no
    pre-queue; everyone joins at the back in arrival order, admission
    runs from the room's first tick, and the admitted get a pass."""
    ev = cat.event(owner_tenant(owner), ga=[100])   # sales_starts_at NULL
    room(owner, ev, ratePerMinute=600)
    people = [Buyer(base_url, stack_var, cat.user("nq")) for _ in range(3)]
    places = []
    for p in people:
        r = p.call("POST", f"/api/queue/{ev['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["state"] in ("waiting", "admitted"), r.json()
        places.append(r.json()["place"])
    assert places == [1, 2, 3]

    def admitted():
        r = people[2].call("GET", f"/api/queue/{ev['id']}")
        return r.json() if r.json().get("state") == "admitted" else None
    got = wait_for(admitted, timeout=20)
    assert got and got["pass"], got
    assert lock_one(people[2], ev, None).status_code == 403
    r = lock_one(people[2], ev, got["pass"])
    assert r.status_code == 200, r.text


def test_pause_stops_admission_and_resume_restarts_it(
        cat, owner, join_lua):  # noqa: F811
    ev = cat.event(owner_tenant(owner), ga=[10], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=1200)
    join_lua(ev["id"], [f"p{i}" for i in range(500)])

    def k():
        r = owner.call("GET", f"/api/queue/{ev['id']}/settings")
        assert r.status_code == 200, r.text
        return r.json()
    assert wait_for(lambda: k()["admitted"] > 0)
    room(owner, ev, paused=True)
    time.sleep(1.2)                 # a tick in flight may still land
    k1 = k()["admitted"]
    time.sleep(2)
    assert k()["admitted"] == k1
    assert k()["paused"] and k()["waiting"] == 500 - k1
    room(owner, ev, paused=False)
    assert wait_for(lambda: k()["admitted"] > k1)


def test_sold_out_reaches_every_subscriber(
        cat, owner, base_url, redis, join_lua):  # noqa: F811
    ev = cat.event(owner_tenant(owner), ga=[5], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=1)
    join_lua(ev["id"], [f"s{i}" for i in range(20)])
    subs = [EsSub(f"{base_url}/live/queue/{ev['id']}") for _ in range(3)]
    try:
        for s in subs:
            assert s.take(1)[0]["soldOut"] is False
        # every unit gone (as the last sale leaves the GA counter)
        redis("HSET", f"zt:{{ev:{ev['id']}}}:ga", ev["ga"][0], 0)
        for s in subs:
            deadline = time.time() + 10
            while True:
                m = s.next(timeout=max(0.1, deadline - time.time()))
                if m["soldOut"]:
                    break
            assert m["type"] == "queue.tick"
        assert join_lua(ev["id"], ["s3"], "peek")[0]["soldout"] is True
    finally:
        for s in subs:
            s.close()


def test_channel_and_settings_are_refused_where_they_should_be(
        cat, owner, base_url, stack_var):  # noqa: F811
    ev = cat.event(owner_tenant(owner), ga=[5])
    r = owner.s.get(f"{base_url}/live/queue/{ev['id']}", timeout=10,
                    headers={"Accept": "text/event-stream"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "queue_off"
    # another tenant's owner sees no such event
    uid = cat.user("stranger")
    stranger = Buyer(base_url, stack_var, uid, cat.tenant(owner=uid), "owner")
    r = stranger.call("PUT", f"/api/queue/{ev['id']}/settings", {"on": True})
    assert r.status_code == 404, r.text
    r = stranger.call("GET", f"/api/queue/{ev['id']}/settings")
    assert r.status_code == 404, r.text
    # a buyer without a tenant role is refused
    buyer = Buyer(base_url, stack_var, cat.user("b"))
    r = buyer.call("PUT", f"/api/queue/{ev['id']}/settings", {"on": True})
    assert r.status_code in (401, 403), r.text
    # bad settings are 400 naming the field
    r = owner.call("PUT", f"/api/queue/{ev['id']}/settings",
                   {"ratePerMinute": 0})
    assert r.status_code == 400 and "ratePerMinute" in r.text, r.text


def pg_copy(cat, ev):  # noqa: F811
    """The PostgreSQL copy of ev's order: ({user: place}, marks row)."""
    with cat.tx(ev["tenant"]) as cur:
        cur.execute("select user_id, place from queue_places"
                    " where event_id = %s", (ev["id"],))
        places = dict(cur.fetchall())
        cur.execute("select frozen, late, k from queue_marks"
                    " where event_id = %s", (ev["id"],))
        return places, cur.fetchone()


def test_redis_loss_keeps_passes_places_and_the_admitted_count(
        cat, owner, base_url, stack_var, redis, join_lua):  # noqa: F811
    """docs/waiting-room.md "Redis lost": 60 people in the pre-queue (2
    through nginx), the draw, admission running, 5 late joiners; then the
    room's keys are deleted (what a restart of the unpersisted Redis does
    to this event). The ticker puts the order back from PostgreSQL:
    everyone has the same place, the admitted count did not go back (so
    nobody is admitted a second time), an admitted person's pass still
    opens the lock, and a newcomer joins after the last place."""
    ev = cat.event(owner_tenant(owner), ga=[100], sales_starts="6 seconds",
                   per_user_limit=10)
    rate = 120
    room(owner, ev, opensMinutes=60, ratePerMinute=rate)
    users = [f"rl-{i:03d}" for i in range(58)]
    assert all(r["place"] == 0 for r in join_lua(ev["id"], users))
    people = [Buyer(base_url, stack_var, cat.user("rl")) for _ in range(2)]
    for p in people:
        assert p.call("POST", f"/api/queue/{ev['id']}").status_code == 200
    keys = qkeys(ev["id"])
    assert wait_for(lambda: int(redis("HGET", keys[0], "k") or 0) >= 4,
                    timeout=30)
    late = [f"rl-late-{i}" for i in range(5)]
    assert [r["place"] for r in join_lua(ev["id"], late)] == \
        list(range(61, 66))
    # the ticker copies the draw at once and the late joiners each tick
    assert wait_for(lambda: len(pg_copy(cat, ev)[0]) == 65
                    and pg_copy(cat, ev)[1][1] == 5)
    copied, (frozen, _, _) = pg_copy(cat, ev)
    assert frozen == 60

    def places():
        got = {u: r["place"] for u, r in
               zip(users + late, join_lua(ev["id"], users + late, "peek"))}
        for p in people:
            r = p.call("GET", f"/api/queue/{ev['id']}")
            assert r.status_code == 200, r.text
            got[p.id] = r.json()["place"]
        return got
    before = places()
    assert sorted(before.values()) == list(range(1, 66))
    assert all(copied[u] == before[u] for u in before)
    first = min(people, key=lambda p: before[p.id])
    wait_for(lambda: int(redis("HGET", keys[0], "k")) >= before[first.id],
             timeout=40)
    pa = admitted(first, ev)["pass"]
    k_before = int(redis("HGET", keys[0], "k"))
    t_lost = time.time()
    redis("DEL", *keys)
    # the admitted person's pass needs no Redis
    r = lock_one(first, ev, pa)
    assert r.status_code == 200, r.text
    assert wait_for(lambda: redis("HGET", keys[0], "on") == "1")
    assert places() == before
    k_after = int(redis("HGET", keys[0], "k"))
    assert k_before <= k_after <= \
        k_before + rate * (time.time() - t_lost + 1) / 60 + 1
    newcomer = Buyer(base_url, stack_var, cat.user("rl"))
    r = newcomer.call("POST", f"/api/queue/{ev['id']}")
    assert r.status_code == 200 and r.json()["place"] == 66, r.text


def test_room_turns_on_by_itself_when_lock_traffic_passes_the_threshold(
        cat, owner, base_url, stack_var):  # noqa: F811
    """docs/waiting-room.md "Turning on by itself": with
    autoLocksPerSecond set and the room off, a trickle of locks leaves it
    off; a burst over the threshold turns it on (the ticker samples the
    event's hold change counter), the organizer sees why, and from then
    on a lock without a pass is refused. Setting `on` by hand clears the
    reason."""
    ev = cat.event(owner_tenant(owner), ga=[1000], sales_starts="-1 minute",
                   per_user_limit=10)
    path = f"/api/queue/{ev['id']}/settings"
    r = owner.call("PUT", path, {"autoLocksPerSecond": 4})
    assert r.status_code == 200, r.text
    assert r.json()["on"] is False and r.json()["autoLocksPerSecond"] == 4
    assert r.json()["autoReason"] is None
    t = ev["ga"][0]
    people = [Buyer(base_url, stack_var, cat.user("au")) for _ in range(4)]
    assert people[0].lock(ev, ga={t: 1}).status_code == 200
    time.sleep(2.5)
    assert owner.call("GET", path).json()["on"] is False

    def burst(p):
        for q in (2, 1, 2, 1, 2, 1):
            p.lock(ev, ga={t: q})

    def on():
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(burst, people))
        return owner.call("GET", path).json()["on"]
    assert wait_for(on, timeout=20, every=0.2)
    got = owner.call("GET", path).json()
    assert "per second" in got["autoReason"], got
    r = Buyer(base_url, stack_var, cat.user("au")).lock(ev, ga={t: 1})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "queue_required"
    r = owner.call("PUT", path, {"on": False, "autoLocksPerSecond": 0})
    assert r.status_code == 200, r.text
    assert r.json()["on"] is False and r.json()["autoReason"] is None


def test_an_expired_pass_is_reissued_once_to_who_did_nothing(
        cat, owner, base_url, stack_var, redis):  # noqa: F811
    """docs/waiting-room.md "A second pass": a person whose pass ran out
    with nothing held and nothing bought gets one more pass when they
    ask, once; a person holding seats gets none."""
    ev = cat.event(owner_tenant(owner), ga=[10], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=60000)
    a = Buyer(base_url, stack_var, cat.user("re"))
    b = Buyer(base_url, stack_var, cat.user("re"))
    first = admitted(a, ev)
    assert lock_one(b, ev, admitted(b, ev)["pass"]).status_code == 200
    pk = qkeys(ev["id"])[4]
    past = int(time.time() * 1000) - 1000

    def state(p):
        r = p.call("GET", f"/api/queue/{ev['id']}")
        assert r.status_code == 200, r.text
        return r.json()
    redis("HSET", pk, a.id, past, b.id, past)
    again = state(a)
    assert again["state"] == "admitted", again
    assert ms(again["passExpiresAt"]) > ms(first["passExpiresAt"])
    assert state(b)["state"] == "expired"
    # once only: run out again, nothing done, no third pass
    redis("HSET", pk, a.id, past)
    assert state(a)["state"] == "expired"


def test_redis_loss_keeps_passes_and_restarts_the_room(
        cat, owner, base_url, stack_var, redis):  # noqa: F811
    """docs/waiting-room.md "Redis lost": the room's keys gone (what a
    restart of the unpersisted Redis does to this event), an admitted
    person's pass still opens the lock, the ticker copies the settings
    back from PostgreSQL, and a newcomer can join again."""
    ev = cat.event(owner_tenant(owner), ga=[10], sales_starts="-1 minute")
    room(owner, ev, ratePerMinute=60000)
    a = Buyer(base_url, stack_var, cat.user("a"))
    pa = admitted(a, ev)["pass"]
    keys = qkeys(ev["id"])
    redis("DEL", *keys)
    r = lock_one(a, ev, pa)
    assert r.status_code == 200, r.text
    assert wait_for(lambda: redis("HGET", keys[0], "on") == "1")
    b = Buyer(base_url, stack_var, cat.user("b"))
    r = b.call("POST", f"/api/queue/{ev['id']}")
    # a's place (1) came back from PostgreSQL when it was copied before
    # the loss; b joins behind it
    assert r.status_code == 200 and r.json()["place"] in (1, 2), r.text
