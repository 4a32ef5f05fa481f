"""Signed tickets through the real stack (docs/tickets.md): each live ticket
of a buyer's booking carries a ZT1 QR payload signed with its tenant's
Ed25519 key, checked here by an independent Ed25519 (ed25519.py)."""

import base64
import struct
import uuid

import psycopg2
import pytest

import ed25519
from ztbook import Person, Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def parse(qr):
    """The fields of a ZT1 payload, as docs/tickets.md spells them."""
    assert len(qr) == 150, qr
    prefix, body, sig = qr.split(".")
    assert prefix == "ZT1" and "=" not in qr
    raw = b64d(body)
    assert len(raw) == 44
    t, e = uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:32])
    vfrom, vuntil, kid = struct.unpack(">III", raw[32:])
    return {"ticket": str(t), "event": str(e), "from": vfrom,
            "until": vuntil, "kid": kid, "signed": (prefix + "." + body).encode(),
            "sig": b64d(sig)}


def verifies(qr, keys):
    """What a gate would say: the key of the payload's kid among the
    tenant's, not revoked, and the signature good."""
    p = parse(qr)
    for k in keys:
        if k["kid"] == p["kid"]:
            return k["status"] != "revoked" and ed25519.verify(
                b64d(k["publicKey"]), p["signed"], p["sig"])
    return False


def setup_free(shop, base_url, stack_var, seats=2):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=seats + 1, seat_price=0)
    b = Person(base_url, stack_var, shop.user("buyer"))
    b.hold(ev, ev["seats"][:seats])
    r = b.book(ev)
    assert r.status_code == 201, r.text
    org = Person(base_url, stack_var, owner, t, "owner")
    return t, ev, b, org, r.json()


def keys_of(org):
    r = org.call("GET", "/api/tenants/me/ticket-keys")
    assert r.status_code == 200, r.text
    return r.json()["keys"]


def test_confirmed_tickets_carry_payloads_that_verify(shop, base_url, stack_var):
    t, ev, b, org, made = setup_free(shop, base_url, stack_var)
    r = b.call("GET", f"/api/bookings/{made['id']}")
    assert r.status_code == 200, r.text
    got = r.json()
    assert len(got["tickets"]) == 2
    # the creation answer and the read agree (Ed25519 is deterministic)
    assert [x["qr"] for x in made["tickets"]] == [x["qr"] for x in got["tickets"]]
    keys = keys_of(org)
    assert [k["status"] for k in keys] == ["active"]
    starts, ends = shop.one(
        "select extract(epoch from starts_at)::bigint,"
        " extract(epoch from ends_at)::bigint from events where id = %s",
        (ev["id"],), tenant=t)
    for x in got["tickets"]:
        p = parse(x["qr"])
        assert p["ticket"] == x["id"] and p["event"] == ev["id"]
        assert p["kid"] == keys[0]["kid"]
        assert p["from"] == starts - 12 * 3600 and p["until"] == ends + 6 * 3600
        assert verifies(x["qr"], keys)
    # the payload is bound to its ticket: swapping bodies breaks it
    a, c = (parse(x["qr"]) for x in got["tickets"])
    assert not ed25519.verify(b64d(keys[0]["publicKey"]), a["signed"], c["sig"])
    # the organizer's view of the booking carries no payloads
    o = org.call("GET", f"/api/bookings/{made['id']}").json()
    assert all("qr" not in x for x in o["tickets"])


def test_others_cannot_read_payloads_or_codes(shop, base_url, stack_var):
    t, ev, b, org, made = setup_free(shop, base_url, stack_var, seats=1)
    tk = made["tickets"][0]["id"]
    stranger = Person(base_url, stack_var, shop.user("stranger"))
    assert stranger.call("GET", f"/api/bookings/{made['id']}").status_code == 404
    path = f"/api/bookings/{made['id']}/tickets/{tk}/qr.svg"
    assert stranger.call("GET", path).status_code == 404
    # the event's own organizer gets no code either
    assert org.call("GET", path).status_code == 404
    r = b.call("GET", path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("image/svg+xml")
    assert r.headers["Cache-Control"].startswith("private")
    assert r.text.startswith("<svg") and "<script" not in r.text
    # an unknown ticket, a malformed one
    assert b.call("GET", f"/api/bookings/{made['id']}/tickets/{uuid.uuid4()}/qr.svg"
                  ).status_code == 404
    assert b.call("GET", f"/api/bookings/{made['id']}/tickets/x/qr.svg"
                  ).status_code == 404


def test_a_ticket_not_live_has_no_payload(shop, base_url, stack_var):
    t, ev, b, org, made = setup_free(shop, base_url, stack_var)
    gone, kept = made["tickets"][0]["id"], made["tickets"][1]["id"]
    with shop.tx(t) as cur:
        cur.execute("update tickets set status = 'refunded' where id = %s", (gone,))
    got = {x["id"]: x for x in b.call("GET", f"/api/bookings/{made['id']}").json()["tickets"]}
    assert got[gone]["status"] == "refunded" and got[gone]["qr"] is None
    assert got[kept]["qr"] is not None
    assert b.call("GET", f"/api/bookings/{made['id']}/tickets/{gone}/qr.svg"
                  ).status_code == 404
    # cancelled too
    with shop.tx(t) as cur:
        cur.execute("update tickets set status = 'cancelled' where id = %s", (kept,))
    got = b.call("GET", f"/api/bookings/{made['id']}").json()["tickets"]
    assert [x["qr"] for x in got] == [None, None]


def test_one_tenants_key_does_not_verify_anothers_ticket(shop, base_url, stack_var):
    ta, _, ba, orga, ma = setup_free(shop, base_url, stack_var, seats=1)
    tb, _, bb, orgb, mb = setup_free(shop, base_url, stack_var, seats=1)
    ka, kb = keys_of(orga), keys_of(orgb)
    qa, qb = ma["tickets"][0]["qr"], mb["tickets"][0]["qr"]
    assert ka[0]["publicKey"] != kb[0]["publicKey"]
    assert verifies(qa, ka) and verifies(qb, kb)
    assert not verifies(qb, ka) and not verifies(qa, kb)
    # even under B's kid, A's public key does not verify B's ticket
    p = parse(qb)
    assert not ed25519.verify(b64d(ka[0]["publicKey"]), p["signed"], p["sig"])
    # A's team sees only A's keys
    assert {k["kid"] for k in ka}.isdisjoint({k["kid"] for k in kb}) or \
        ka[0]["publicKey"] != kb[0]["publicKey"]


def test_rotation_keeps_old_payloads_and_revocation_ends_them(shop, base_url,
                                                               stack_var):
    t, ev, b, org, made = setup_free(shop, base_url, stack_var, seats=1)
    old = made["tickets"][0]["qr"]
    old_kid = parse(old)["kid"]
    # scanners and managers may not rotate or revoke
    for role in ("scanner", "manager"):
        u = shop.user(role)
        with shop.tx(t) as cur:
            cur.execute("insert into memberships (tenant_id, user_id, role)"
                        " values (%s, %s, %s)", (t, u, role))
        p = Person(base_url, stack_var, u, t, role)
        assert p.call("POST", "/api/tenants/me/ticket-keys").status_code == 403
        assert p.call("POST", f"/api/tenants/me/ticket-keys/{old_kid}/revoke"
                      ).status_code == 403
        assert p.call("GET", "/api/tenants/me/ticket-keys").status_code == 200
    r = org.call("POST", "/api/tenants/me/ticket-keys")
    assert r.status_code == 201, r.text
    keys = r.json()["keys"]
    assert sorted(k["status"] for k in keys) == ["active", "retired"]
    assert verifies(old, keys)          # retired: still good for issued tickets
    new = b.call("GET", f"/api/bookings/{made['id']}").json()["tickets"][0]["qr"]
    assert new != old and parse(new)["kid"] != old_kid and verifies(new, keys)
    # another tenant's owner cannot revoke this key
    rival_u = shop.user("rival")
    rival = Person(base_url, stack_var, rival_u, shop.tenant(rival_u), "owner")
    assert rival.call("POST", f"/api/tenants/me/ticket-keys/{old_kid}/revoke"
                      ).status_code == 404
    r = org.call("POST", f"/api/tenants/me/ticket-keys/{old_kid}/revoke")
    assert r.status_code == 200, r.text
    keys = r.json()["keys"]
    assert {k["kid"]: k["status"] for k in keys}[old_kid] == "revoked"
    assert not verifies(old, keys)      # revoked: the old payload is refused
    assert verifies(new, keys)
    for bad in ("0", "abc", "4294967296", "99999999999", str(old_kid + 1)):
        assert org.call("POST", f"/api/tenants/me/ticket-keys/{bad}/revoke"
                        ).status_code == 404
    # revoking the active key: the next read signs with a fresh one
    new_kid = parse(new)["kid"]
    assert org.call("POST", f"/api/tenants/me/ticket-keys/{new_kid}/revoke"
                    ).status_code == 200
    fresh = b.call("GET", f"/api/bookings/{made['id']}").json()["tickets"][0]["qr"]
    keys = keys_of(org)
    assert parse(fresh)["kid"] not in (old_kid, new_kid) and verifies(fresh, keys)
    assert not verifies(new, keys)


def test_secret_keys_are_sealed_and_hidden_from_the_app_role(
        shop, base_url, stack_var, pg_app_dsn):
    t, ev, b, org, made = setup_free(shop, base_url, stack_var, seats=1)
    pk, box = shop.one("select public_key, secret_box from ticket_keys"
                       " where tenant_id = %s", (t,), tenant=t)
    pk, box = bytes(pk), bytes(box)
    assert len(pk) == 32 and len(box) == 72
    # no 32 bytes of the box are the seed of the public key
    for i in range(len(box) - 31):
        assert ed25519.public_key(box[i:i + 32]) != pk
    # the application's role may read the public columns, never the secret
    conn = psycopg2.connect(pg_app_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select set_config('app.tenant_id', %s, true)", (t,))
            cur.execute("select kid, public_key, status from ticket_keys")
            assert len(cur.fetchall()) == 1
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with conn, conn.cursor() as cur:
                cur.execute("select set_config('app.tenant_id', %s, true)", (t,))
                cur.execute("select secret_box from ticket_keys")
        # the signing function answers only in a scope that sees the key
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from zt_ticket_signing_key(%s)", (t,))
            assert cur.fetchone()[0] == 0
            cur.execute("select set_config('app.user_id', %s, true)",
                        (str(uuid.uuid4()),))
            cur.execute("select count(*) from zt_ticket_signing_key(%s)", (t,))
            assert cur.fetchone()[0] == 0
            cur.execute("select set_config('app.user_id', %s, true)", (b.id,))
            cur.execute("select count(*) from zt_ticket_signing_key(%s)", (t,))
            assert cur.fetchone()[0] == 1
    finally:
        conn.close()


def test_the_first_key_is_made_once_when_reads_race(shop, base_url, stack_var):
    """A tenant with tickets and no key yet (as every tenant was before
    sql/011): concurrent first reads make one active key and sign alike."""
    from concurrent.futures import ThreadPoolExecutor
    t, ev, b, org, made = setup_free(shop, base_url, stack_var, seats=1)
    with shop.tx(t) as cur:
        cur.execute("delete from ticket_keys where tenant_id = %s", (t,))
    path = f"/api/bookings/{made['id']}"
    with ThreadPoolExecutor(8) as pool:
        rs = list(pool.map(lambda _: Person(base_url, stack_var, b.id).call(
            "GET", path), range(8)))
    assert [r.status_code for r in rs] == [200] * 8, [r.text for r in rs]
    qrs = {r.json()["tickets"][0]["qr"] for r in rs}
    assert len(qrs) == 1
    keys = keys_of(org)
    assert [k["status"] for k in keys] == ["active"]
    assert verifies(qrs.pop(), keys)
