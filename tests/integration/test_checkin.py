"""Check-in at the gate through the real stack (docs/checkin.md): signed
payloads verified against the event's tenant's keys, admitted exactly once
in PostgreSQL, each refusal with its own code, undo, the offline bundle and
the sync of offline scans (first scan wins)."""

import base64
import concurrent.futures
import struct
import time
import uuid

import pytest

from ztbook import Person, Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    for tid in s.tenants:
        with s.tx(tid) as cur:
            for table in ("checkin_duplicates", "admissions", "gates"):
                cur.execute(f"delete from {table} where tenant_id = %s", (tid,))
    s.purge()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Gate:
    """A tenant with an event, its owner, a scanner, a manager, and tickets
    bought by a buyer (free, so the payloads come with the booking)."""

    def __init__(self, shop, base, var, seats=3, starts="1 hour", event=None):
        self.shop, self.base, self.var = shop, base, var
        self.owner_id = shop.user("owner")
        self.t = shop.tenant(self.owner_id)
        self.owner = Person(base, var, self.owner_id, self.t, "owner")
        self.scanner = self.member("scanner", "Asha")
        self.manager = self.member("manager", "Mira")
        self.buyer = Person(base, var, shop.user("buyer"))
        self.ev = event or shop.event(self.t, seats=seats, seat_price=0,
                                      starts=starts)
        self.booking = self.book(self.ev, seats)

    def member(self, role, name):
        u = self.shop.user(role)
        with self.shop.tx(self.t) as cur:
            cur.execute("update users set name = %s where id = %s", (name, u))
            cur.execute("insert into memberships (tenant_id, user_id, role)"
                        " values (%s, %s, %s)", (self.t, u, role))
        return Person(self.base, self.var, u, self.t, role)

    def book(self, ev, n):
        self.buyer.hold(ev, ev["seats"][:n])
        r = self.buyer.book(ev)
        assert r.status_code == 201, r.text
        return r.json()

    def qr(self, i=0, booking=None):
        b = booking or self.booking
        got = self.buyer.call("GET", f"/api/bookings/{b['id']}").json()
        return got["tickets"][i]["qr"], got["tickets"][i]["id"]

    def scan(self, who, qr=None, gate="Gate 2", ticket=None, event=None):
        body = {"eventId": event or self.ev["id"], "gate": gate}
        if qr is not None:
            body["payload"] = qr
        else:
            body["ticketId"] = ticket
        return who.call("POST", "/api/checkin/scan", body)

    def sync(self, who, device, scans, event=None):
        return who.call("POST", "/api/checkin/sync",
                        {"eventId": event or self.ev["id"], "deviceId": device,
                         "scans": scans})

    def admissions(self):
        return self.shop.all(
            "select ticket_id::text, device_id, undone_at is null"
            " from admissions where event_id = %s order by recorded_at",
            (self.ev["id"],), tenant=self.t)


@pytest.fixture
def gate(shop, base_url, stack_var):
    return Gate(shop, base_url, stack_var)


def revalidate(who, path, etag):
    return who.s.get(who.base + path, timeout=20,
                     headers={"Authorization": "Bearer " + who.token,
                              "If-None-Match": etag})


def err(r, status, code):
    assert r.status_code == status, (status, r.status_code, r.text)
    e = r.json()["error"]
    assert e["code"] == code, r.text
    assert e["message"]
    return r.json()


# ---------------------------------------------------------------- scan --

def test_a_scan_admits_once_and_the_second_says_where_when_and_by_whom(gate):
    qr, tid = gate.qr()
    r = gate.scan(gate.scanner, qr, gate="Gate 2")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["result"] == "admitted" and a["ticket"]["id"] == tid
    assert a["ticket"]["bookingId"] == gate.booking["id"]
    assert a["ticket"]["label"].startswith("Main A")
    assert a["gate"] == "Gate 2" and a["by"] == "Asha"
    assert a["counts"] == {"admitted": 1, "total": 3, "gate": 1}
    r = gate.scan(gate.manager, qr, gate="North")
    body = err(r, 409, "already_admitted")
    assert body["admission"]["gate"] == "Gate 2"
    assert body["admission"]["by"] == "Asha"
    assert body["admission"]["at"] == a["admittedAt"]
    assert body["error"]["message"].startswith("Already admitted at Gate 2, ")
    assert body["error"]["message"].endswith(" by Asha")
    # the buyer sees the ticket checked in
    got = gate.buyer.call("GET", f"/api/bookings/{gate.booking['id']}").json()
    assert got["tickets"][0]["checkedInAt"] == a["admittedAt"]
    # manual entry of another ticket by its id
    _, other = gate.qr(1)
    r = gate.scan(gate.scanner, ticket=other, gate="North")
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"admitted": 2, "total": 3, "gate": 1}
    s = gate.scanner.call("GET", f"/api/checkin/events/{gate.ev['id']}/stats")
    assert s.status_code == 200, s.text
    s = s.json()
    assert s["admitted"] == 2 and s["total"] == 3 and s["duplicates"] == 1
    assert s["gates"] == [{"name": "Gate 2", "admitted": 1},
                          {"name": "North", "admitted": 1}]
    assert s["scanners"] == [{"name": "Asha", "admitted": 2}]


def test_a_hundred_concurrent_scans_of_one_ticket_admit_exactly_one(gate):
    qr, tid = gate.qr()
    people = [gate.scanner, gate.manager, gate.owner]

    def one(i):
        return gate.scan(people[i % 3], qr, gate=f"Gate {i % 4}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(one, range(100)))
    ok = [r for r in answers if r.status_code == 200]
    dup = [r for r in answers if r.status_code == 409]
    assert len(ok) == 1, [r.text for r in answers if r.status_code not in (200, 409)]
    assert len(dup) == 99
    first = ok[0].json()
    for r in dup:
        b = r.json()
        assert b["error"]["code"] == "already_admitted"
        assert b["admission"] == {"gate": first["gate"], "at": first["admittedAt"],
                                  "by": first["by"]}
    assert gate.admissions() == [(tid, None, True)]
    n = gate.shop.one("select sum(admitted) from gates where event_id = %s",
                      (gate.ev["id"],), tenant=gate.t)[0]
    assert n == 1


def test_each_refusal_has_its_own_code(gate, shop, base_url, stack_var):
    qr, tid = gate.qr()
    # forged: one bit of the signature flipped
    pre, body, sig = qr.split(".")
    raw = bytearray(b64d(sig))
    raw[5] ^= 1
    err(gate.scan(gate.scanner, f"{pre}.{body}.{b64e(bytes(raw))}"), 422, "forged")
    # forged: the body changed (another ticket id) under the same signature
    rawb = bytearray(b64d(body))
    rawb[0] ^= 1
    err(gate.scan(gate.scanner, f"{pre}.{b64e(bytes(rawb))}.{sig}"), 422, "forged")
    # malformed
    for bad in ("hello", qr[:-1], qr.replace("ZT1.", "ZT2."), qr + "A"):
        err(gate.scan(gate.scanner, bad), 400, "malformed")
    # a payload signed by another tenant's key
    other = Gate(shop, base_url, stack_var, seats=1)
    oqr, _ = other.qr()
    err(gate.scan(gate.scanner, oqr), 422, "forged")
    # another event of the same tenant
    ev2 = shop.event(gate.t, seats=1, seat_price=0, starts="2 hours")
    b2 = gate.book(ev2, 1)
    qr2, tid2 = gate.qr(0, b2)
    err(gate.scan(gate.scanner, qr2), 422, "wrong_event")
    err(gate.scan(gate.scanner, ticket=tid2), 422, "wrong_event")
    # refunded, cancelled (by payload and by id)
    qr_r, tid_r = gate.qr(1)
    qr_c, tid_c = gate.qr(2)
    with shop.tx(gate.t) as cur:
        cur.execute("update tickets set status = 'refunded' where id = %s", (tid_r,))
        cur.execute("update tickets set status = 'cancelled' where id = %s", (tid_c,))
    err(gate.scan(gate.scanner, qr_r), 410, "ticket_refunded")
    err(gate.scan(gate.scanner, ticket=tid_r), 410, "ticket_refunded")
    err(gate.scan(gate.scanner, qr_c), 410, "ticket_cancelled")
    # an unknown ticket id
    err(gate.scan(gate.scanner, ticket=str(uuid.uuid4())), 404, "ticket_not_found")
    # a live ticket of a booking not paid for (typed in by hand)
    ev3 = shop.event(gate.t, seats=1, starts="2 hours")
    unpaid = shop.user("unpaid")
    with shop.tx(gate.t) as cur:
        cur.execute("insert into bookings (tenant_id, event_id, user_id,"
                    " subtotal_paise, total_paise, expires_at) values"
                    " (%s, %s, %s, 50000, 50000, now() + interval '10 minutes')"
                    " returning id", (gate.t, ev3["id"], unpaid))
        bid = cur.fetchone()[0]
        cur.execute("insert into tickets (tenant_id, event_id, booking_id,"
                    " user_id, seat_id, price_paise) values (%s, %s, %s, %s,"
                    " %s, 50000) returning id",
                    (gate.t, ev3["id"], bid, unpaid, ev3["seats"][0]))
        pending = str(cur.fetchone()[0])
    err(gate.scan(gate.scanner, ticket=pending, event=ev3["id"]), 422,
        "booking_not_confirmed")
    # nothing was admitted, and no gate was made by a refusal
    assert gate.admissions() == []
    assert shop.all("select name from gates where event_id = %s",
                    (gate.ev["id"],), tenant=gate.t) == []
    # a revoked key: the payload it signed is refused
    kid = struct.unpack(">I", b64d(body)[40:44])[0]
    r = gate.owner.call("POST", f"/api/tenants/me/ticket-keys/{kid}/revoke")
    assert r.status_code == 200, r.text
    err(gate.scan(gate.scanner, qr), 422, "revoked_key")
    # the buyer's next read carries a fresh code that admits
    fresh, _ = gate.qr()
    assert fresh != qr
    assert gate.scan(gate.scanner, fresh).status_code == 200


def test_a_ticket_outside_its_window_is_not_yet_valid_or_expired(shop, base_url,
                                                                 stack_var):
    early = Gate(shop, base_url, stack_var, seats=1, starts="7 days")
    qr, tid = early.qr()
    err(early.scan(early.scanner, qr), 422, "not_yet_valid")
    err(early.scan(early.scanner, ticket=tid), 422, "not_yet_valid")
    late = Gate(shop, base_url, stack_var, seats=1)
    with shop.tx(late.t) as cur:
        cur.execute("update events set starts_at = now() - interval '3 days',"
                    " ends_at = now() - interval '3 days' + interval '3 hours'"
                    " where id = %s", (late.ev["id"],))
    qr, tid = late.qr()            # signed now, with the event's past window
    err(late.scan(late.scanner, qr), 422, "expired")
    err(late.scan(late.scanner, ticket=tid), 422, "expired")


def test_another_tenants_event_is_not_found_for_every_call(gate, shop, base_url,
                                                           stack_var):
    other = Gate(shop, base_url, stack_var, seats=1)
    oqr, otid = other.qr()
    ev = other.ev["id"]
    err(gate.scan(gate.scanner, oqr, event=ev), 404, "event_not_found")
    err(gate.scan(gate.owner, ticket=otid, event=ev), 404, "event_not_found")
    for path in ("stats", "bundle", "duplicates"):
        err(gate.scanner.call("GET", f"/api/checkin/events/{ev}/{path}"), 404,
            "event_not_found")
    err(gate.sync(gate.scanner, "dev-1", [{"payload": oqr, "gate": "A",
                                           "scannedAt": "2026-01-01T00:00:00Z"}],
                  event=ev), 404, "event_not_found")
    err(gate.manager.call("POST", "/api/checkin/undo",
                          {"eventId": ev, "ticketId": otid}), 404, "event_not_found")
    assert other.admissions() == []
    # a draft event of the tenant itself is fine to scan at
    qr, _ = gate.qr()
    with shop.tx(gate.t) as cur:
        cur.execute("update events set status = 'draft', published_at = null"
                    " where id = %s", (gate.ev["id"],))
    assert gate.scan(gate.scanner, qr).status_code == 200


def test_a_member_removed_a_minute_ago_cannot_scan(gate):
    qr, _ = gate.qr()
    with gate.shop.tx(gate.t) as cur:
        cur.execute("delete from memberships where user_id = %s", (gate.scanner.id,))
    err(gate.scan(gate.scanner, qr), 403, "not_a_member")
    err(gate.scanner.call("GET", f"/api/checkin/events/{gate.ev['id']}/bundle"), 403,
        "not_a_member")
    assert gate.admissions() == []


def test_undo_is_for_managers_within_the_window(gate):
    qr, tid = gate.qr()
    assert gate.scan(gate.scanner, qr).status_code == 200
    body = {"eventId": gate.ev["id"], "ticketId": tid}
    r = gate.scanner.call("POST", "/api/checkin/undo", body)
    assert r.status_code == 403, r.text
    r = gate.manager.call("POST", "/api/checkin/undo", body)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "undone" and r.json()["admitted"] == 0
    err(gate.manager.call("POST", "/api/checkin/undo", body), 409, "not_admitted")
    # admitted again, then too late to undo
    r = gate.scan(gate.scanner, qr)
    assert r.status_code == 200 and r.json()["counts"]["admitted"] == 1
    with gate.shop.tx(gate.t) as cur:
        cur.execute("update admissions set recorded_at = now() - interval '11 minutes'"
                    " where ticket_id = %s and undone_at is null", (tid,))
    err(gate.owner.call("POST", "/api/checkin/undo", body), 409, "undo_window_passed")
    assert gate.shop.one("select checked_in_at is not null from tickets where id = %s",
                         (tid,), tenant=gate.t)[0]


# ------------------------------------------------------------- offline --

def test_the_bundle_carries_keys_revoked_tickets_and_admissions(gate):
    qr, tid = gate.qr()
    _, gone = gate.qr(1)
    with gate.shop.tx(gate.t) as cur:
        cur.execute("update tickets set status = 'refunded' where id = %s", (gone,))
    assert gate.scan(gate.scanner, qr, gate="East").status_code == 200
    path = f"/api/checkin/events/{gate.ev['id']}/bundle"
    r = gate.scanner.call("GET", path)
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["event"]["id"] == gate.ev["id"] and b["event"]["tenantId"] == gate.t
    assert b["event"]["name"] == "Paid night"
    assert [k["status"] for k in b["keys"]] == ["active"]
    kid = struct.unpack(">I", b64d(qr.split(".")[1])[40:44])[0]
    assert b["keys"][0]["kid"] == kid and len(b64d(b["keys"][0]["publicKey"])) == 32
    assert b["revoked"] == [gone]
    assert [a["ticketId"] for a in b["admitted"]] == [tid]
    assert b["admitted"][0]["gate"] == "East"
    assert sorted(t["id"] for t in b["tickets"]) == sorted(
        x["id"] for x in gate.booking["tickets"] if x["id"] != gone)
    assert isinstance(b["version"], int) and b["version"] > 0
    assert b["generatedAt"].endswith("Z")
    # a device that has it gets 304, also a second later: generatedAt is
    # outside the tag
    etag = r.headers["ETag"]
    time.sleep(1.1)
    r2 = revalidate(gate.scanner, path, etag)
    assert r2.status_code == 304
    assert "private" in r.headers["Cache-Control"]
    # a change makes a new version and tag
    _, third = gate.qr(2)
    assert gate.scan(gate.scanner, ticket=third).status_code == 200
    r3 = revalidate(gate.scanner, path, etag)
    assert r3.status_code == 200 and r3.headers["ETag"] != etag
    assert r3.json()["version"] >= b["version"]
    # a revoked key leaves the bundle
    gate.owner.call("POST", f"/api/tenants/me/ticket-keys/{kid}/revoke")
    assert [k["kid"] for k in gate.scanner.call("GET", path).json()["keys"]] == []


def test_two_offline_devices_first_scan_wins_and_replay_changes_nothing(gate):
    qr, tid = gate.qr()
    # device A scanned 4 minutes ago and syncs first; device B scanned 8
    # minutes ago and syncs second (both inside the ticket's window)
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def ago(minutes):
        return (now - datetime.timedelta(minutes=minutes)).isoformat().replace(
            "+00:00", "Z")

    a = [{"payload": qr, "gate": "North", "scannedAt": ago(4)}]
    b = [{"payload": qr, "gate": "South", "scannedAt": ago(8)}]
    r = gate.sync(gate.scanner, "device-A", a)
    assert r.status_code == 200, r.text
    assert r.json()["results"] == [{"index": 0, "result": "admitted", "code": "admitted",
                                    "message": "Admitted", "ticketId": tid}]
    r = gate.sync(gate.manager, "device-B", b)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["result"] == "admitted"
    # one admission stands: the earlier scan, B's
    assert gate.admissions() == [(tid, "device-B", True)]
    d = gate.scanner.call("GET", f"/api/checkin/events/{gate.ev['id']}/duplicates")
    assert d.status_code == 200, d.text
    dups = d.json()["duplicates"]
    assert len(dups) == 1
    assert dups[0]["ticketId"] == tid and dups[0]["label"].startswith("Main A")
    assert dups[0]["first"]["deviceId"] == "device-B"
    assert dups[0]["first"]["gate"] == "South" and dups[0]["first"]["by"] == "Mira"
    assert dups[0]["second"]["deviceId"] == "device-A"
    assert dups[0]["second"]["gate"] == "North"
    s = gate.scanner.call("GET", f"/api/checkin/events/{gate.ev['id']}/stats").json()
    assert s["admitted"] == 1 and s["duplicates"] == 1
    assert {g["name"]: g["admitted"] for g in s["gates"]} == {"North": 0, "South": 1}
    # replaying either sync changes nothing and answers the same
    before = gate.shop.all("select count(*) from checkin_duplicates where event_id = %s",
                           (gate.ev["id"],), tenant=gate.t)
    r = gate.sync(gate.manager, "device-B", b)
    assert r.json()["results"][0]["result"] == "admitted"
    r = gate.sync(gate.scanner, "device-A", a)
    assert r.json()["results"][0]["result"] == "duplicate"
    assert r.json()["results"][0]["code"] == "already_admitted"
    assert gate.admissions() == [(tid, "device-B", True)]
    assert gate.shop.all("select count(*) from checkin_duplicates where event_id = %s",
                         (gate.ev["id"],), tenant=gate.t) == before
    # a later online scan is a duplicate of B's
    err(gate.scan(gate.scanner, qr), 409, "already_admitted")


def test_a_sync_judges_each_scan_and_limits_its_size(gate):
    qr, tid = gate.qr()
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    at = now.isoformat().replace("+00:00", "Z")
    later = (now + datetime.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    future = (now + datetime.timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    r = gate.sync(gate.scanner, "dev", [
        {"payload": "nonsense", "gate": "A", "scannedAt": at},
        {"payload": qr, "gate": "A", "scannedAt": future},
        {"ticketId": str(uuid.uuid4()), "gate": "A", "scannedAt": at},
        {"payload": qr, "gate": "A", "scannedAt": at},
        {"payload": qr, "gate": "B", "scannedAt": later},
    ])
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [(x["result"], x["code"]) for x in res] == [
        ("refused", "malformed"), ("refused", "clock_ahead"),
        ("refused", "ticket_not_found"), ("admitted", "admitted"),
        ("duplicate", "already_admitted")]
    assert r.json()["counts"]["admitted"] == 1
    scan = {"payload": qr, "gate": "A", "scannedAt": at}
    r = gate.sync(gate.scanner, "dev", [scan] * 501)
    body = err(r, 413, "too_many_scans")
    assert "scans" in body["error"]["message"]
    r = gate.sync(gate.scanner, "dev", [scan, dict(scan, scannedAt="yesterday")])
    body = err(r, 400, "invalid_field")
    assert "scans[1].scannedAt" in body["error"]["message"]
    r = gate.sync(gate.scanner, "dev", [dict(scan, gate="")])
    assert "scans[0].gate" in err(r, 400, "invalid_field")["error"]["message"]


def next_checkin(es):
    """The next checkin message (the channel also carries the bookings')."""
    for _ in range(10):
        m = es.take(1)[0]
        if m["type"] == "checkin":
            return m
    raise AssertionError("no checkin message")


def test_admissions_and_undos_reach_the_tenant_channel(gate):
    from ztseats import EsSub
    qr, tid = gate.qr()
    es = EsSub(f"{gate.base}/live/tenant?token={gate.owner.token}")
    try:
        assert gate.scan(gate.scanner, qr, gate="East").status_code == 200
        m = next_checkin(es)
        assert m == {"type": "checkin", "eventId": gate.ev["id"], "admitted": 1,
                     "total": 3, "gate": "East", "gateAdmitted": 1}
        r = gate.manager.call("POST", "/api/checkin/undo",
                              {"eventId": gate.ev["id"], "ticketId": tid})
        assert r.status_code == 200, r.text
        m = next_checkin(es)
        assert m["type"] == "checkin" and m["admitted"] == 0 and m["gateAdmitted"] == 0
        # a refused scan says nothing
        err(gate.scan(gate.scanner, "nonsense"), 400, "malformed")
        assert [x for x in es.quiet(0.3) if x["type"] == "checkin"] == []
    finally:
        es.close()


def test_a_full_sync_of_500_scans_admits_each_ticket_once(shop, base_url, stack_var):
    import datetime
    g = Gate(shop, base_url, stack_var, seats=1)
    # 500 general-admission tickets on confirmed bookings, made in SQL
    with shop.tx(g.t) as cur:
        cur.execute("insert into ticket_types (tenant_id, event_id, name,"
                    " price_paise, capacity, sold) values (%s, %s, 'Floor', 0,"
                    " 500, 500) returning id", (g.t, g.ev["id"]))
        tt = cur.fetchone()[0]
        cur.execute(
            "with b as (insert into bookings (tenant_id, event_id, user_id,"
            " status, confirmed_at, buyer_name) select %s, %s, %s, 'confirmed',"
            " now(), 'Guest ' || n from generate_series(1, 50) n"
            " returning id, user_id)"
            " insert into tickets (tenant_id, event_id, booking_id, user_id,"
            " ticket_type_id, price_paise) select %s, %s, b.id, b.user_id, %s, 0"
            " from b, generate_series(1, 10) returning id",
            (g.t, g.ev["id"], g.owner_id, g.t, g.ev["id"], tt))
        ids = [str(r[0]) for r in cur.fetchall()]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    scans = [{"ticketId": t, "gate": f"Gate {i % 3}",
              "scannedAt": (now - datetime.timedelta(seconds=600 - i))
              .isoformat().replace("+00:00", "Z")} for i, t in enumerate(ids)]
    r = g.sync(g.scanner, "tablet-7", scans)
    assert r.status_code == 200, r.text
    assert [x["result"] for x in r.json()["results"]] == ["admitted"] * 500
    assert r.json()["counts"]["admitted"] == 500
    # sent again: the same answers, nothing new
    r = g.sync(g.scanner, "tablet-7", scans)
    assert [x["result"] for x in r.json()["results"]] == ["admitted"] * 500
    n = shop.one("select count(*), count(distinct ticket_id) from admissions"
                 " where event_id = %s", (g.ev["id"],), tenant=g.t)
    assert n == (500, 500)
    b = g.scanner.call("GET", f"/api/checkin/events/{g.ev['id']}/bundle").json()
    assert len(b["admitted"]) == 500 and len(b["tickets"]) == 501
