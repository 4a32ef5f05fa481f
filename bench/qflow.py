#!/usr/bin/python3
"""bench/qflow.py BASE HTTP_PORT EVENT SEATS_FILE TOKENS_FILE JOINERS SECONDS THREADS

Row 6q of bench/run: an on-sale behind the waiting room (docs/waiting-room.md).

1. One EventSource subscriber on the room's channel (/live/queue/EVENT,
   through nginx as a browser's) keeps the last tick's `admittedUpTo`.
2. JOINERS distinct users (the first JOINERS tokens) join the room through
   nginx, 16 at a time, in arrival order; each gets its place.
3. THREADS buyer slots take the joiners in place order. Each waits (no
   request) until a tick admits its place, asks GET /api/queue/EVENT once
   for its pass, then does the flash-sale flow of row 6 with the pass in
   X-Queue-Pass: POST /api/seats/lock (a random seat; on 409 another, at
   most 5 tries), POST /api/bookings (a free event: confirmed at once).
4. Runs SECONDS from the first admission (buyers already admitted finish).

Prints one JSON line: joined, admitted (the last tick's admittedUpTo and
the measured admissions a minute between the first and the last tick that
moved it), confirmed tickets, tickets a second, p50/p99 from the tick that
admitted a buyer to its confirmed booking, and what failed. The oversell
check (PostgreSQL) is bench/run's.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, port, ev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seats = open(sys.argv[4]).read().split()
tokens = open(sys.argv[5]).read().split()[:int(sys.argv[6])]
seconds, nthreads = float(sys.argv[7]), int(sys.argv[8])

cond = threading.Condition()
state = {"admitted": 0, "ticks": [], "closed": False}


def subscriber():
    """The room's channel: keep admittedUpTo and when each value came."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
    c.request("GET", "/live/queue/" + ev, headers={"Accept": "text/event-stream"})
    r = c.getresponse()
    if r.status != 200:
        sys.exit("qflow: the room's channel answered %d" % r.status)
    data = ""
    while True:
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("data:"):
            data += line[5:].strip()
        elif line == "" and data:
            try:
                m = json.loads(data)
            except ValueError:
                m = {}
            data = ""
            k = m.get("admittedUpTo")
            if isinstance(k, int):
                with cond:
                    if k > state["admitted"]:
                        state["admitted"] = k
                        state["ticks"].append((time.monotonic(), k))
                        cond.notify_all()


def call(method, path, tok, body=None, headers=None):
    h = {"Authorization": "Bearer " + tok}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    req = urllib.request.Request(base + path, body, h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.load(e)
        except ValueError:
            return e.code, {}


def join(tok):
    st, body = call("POST", "/api/queue/" + ev, tok, b"")
    if st != 200 or not isinstance(body.get("place"), int):
        raise SystemExit("qflow: join answered %d %s" % (st, body))
    return body["place"], tok


threading.Thread(target=subscriber, daemon=True).start()
with ThreadPoolExecutor(16) as ex:
    joined = sorted(ex.map(join, tokens))

lock = threading.Lock()
nxt = [0]
res = {"confirmed": 0, "failed": 0, "conflicts": 0, "lat": [], "errors": []}
t_first = [None]


def admitted_at(place):
    """Block until a tick admits place; the time that tick arrived."""
    with cond:
        while state["admitted"] < place:
            if state["closed"]:
                return None
            cond.wait(1.0)
        for t, k in state["ticks"]:
            if k >= place:
                return t
    return None


def buyer():
    while True:
        with lock:
            if nxt[0] >= len(joined):
                return
            place, tok = joined[nxt[0]]
            nxt[0] += 1
        t_adm = admitted_at(place)
        if t_adm is None:
            return
        with lock:
            if t_first[0] is None:
                t_first[0] = t_adm
        st, q = call("GET", "/api/queue/" + ev, tok)
        ok = False
        if st == 200 and q.get("state") == "admitted" and q.get("pass"):
            hdr = {"X-Queue-Pass": q["pass"]}
            for _ in range(5):
                seat = random.choice(seats)
                st, _b = call("POST", "/api/seats/lock", tok,
                              {"eventId": ev, "seatIds": [seat]}, hdr)
                if st == 409:
                    with lock:
                        res["conflicts"] += 1
                    continue
                if st == 200:
                    st, b = call("POST", "/api/bookings", tok,
                                 {"eventId": ev}, hdr)
                    ok = st in (200, 201) and b.get("status") == "confirmed"
                break
        with lock:
            if ok:
                res["confirmed"] += 1
                res["lat"].append(time.monotonic() - t_adm)
            else:
                res["failed"] += 1
                if len(res["errors"]) < 3:
                    res["errors"].append("%d" % st)


threads = [threading.Thread(target=buyer) for _ in range(nthreads)]
for t in threads:
    t.start()
# the window: SECONDS from the first admission
while t_first[0] is None:
    time.sleep(0.05)
time.sleep(max(0.0, t_first[0] + seconds - time.monotonic()))
with cond:
    state["closed"] = True
    cond.notify_all()
    ticks = [t for t in state["ticks"] if t[0] <= t_first[0] + seconds]
for t in threads:
    t.join()
t_end = time.monotonic()

lat = sorted(res["lat"])


def pct(p):
    return int(lat[int(p / 100.0 * (len(lat) - 1) + 0.5)] * 1e6) if lat else 0


per_min = 0.0
if len(ticks) >= 2 and ticks[-1][0] > ticks[0][0]:
    per_min = (ticks[-1][1] - ticks[0][1]) * 60.0 / (ticks[-1][0] - ticks[0][0])
print(json.dumps({
    "row": "6q", "joined": len(joined), "admitted": ticks[-1][1] if ticks else 0,
    "admitted_per_min": round(per_min, 1), "confirmed": res["confirmed"],
    "tickets_per_s": round(res["confirmed"] / max(t_end - t_first[0], 1e-9), 2),
    "secs": round(t_end - t_first[0], 1), "p50_us": pct(50), "p99_us": pct(99),
    "failed": res["failed"], "conflicts": res["conflicts"],
    "errors": res["errors"], "threads": nthreads}))
