"""Ticket transfer through nginx, the responders and PostgreSQL
(docs/commerce.md, "Ticket transfer"): the old QR stops admitting, the new
one admits, and the refusals (transfers off, to oneself, a checked-in or
refunded ticket, someone else's ticket or transfer, the chain rule)."""

import json
import uuid

import pytest

from test_checkin import Gate, err
from ztbook import Person, Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for tid in s.tenants:
        with s.tx(tid) as cur:
            cur.execute("delete from ticket_transfers where tenant_id = %s",
                        (tid,))
            cur.execute("delete from checkin_duplicates where tenant_id = %s",
                        (tid,))
            cur.execute("delete from admissions where tenant_id = %s", (tid,))
            cur.execute("delete from gates where tenant_id = %s", (tid,))
            cur.execute("delete from audit_log where tenant_id = %s", (tid,))
    s.purge()


@pytest.fixture
def gate(shop, base_url, stack_var):
    return Gate(shop, base_url, stack_var)


def person(shop, base_url, stack_var, label):
    uid = shop.user(label)
    email = shop.one("select email from users where id = %s", (uid,))[0]
    p = Person(base_url, stack_var, uid)
    p.email = email
    return p


def allow(gate, cutoff=0, max_transfers=1):
    r = gate.owner.call("PUT", f"/api/events/{gate.ev['id']}/transfer-rules",
                        {"cutoffHours": cutoff, "maxTransfers": max_transfers})
    assert r.status_code == 200, r.text
    return r.json()


def offer(who, booking, ticket, **to):
    return who.call("POST",
                    f"/api/bookings/{booking}/tickets/{ticket}/transfer", to)


def test_a_transferred_tickets_old_qr_is_refused_and_its_new_one_admitted(
        gate, shop, base_url, stack_var):
    assert allow(gate) == {"cutoffHours": 0, "maxTransfers": 1}
    old_qr, tid = gate.qr(0)
    friend = person(shop, base_url, stack_var, "friend")
    stranger = person(shop, base_url, stack_var, "stranger")
    r = offer(gate.buyer, gate.booking["id"], tid, email=friend.email.upper())
    assert r.status_code == 201, r.text
    tr = r.json()
    assert tr["to"] == friend.email and tr["status"] == "pending"
    mine = friend.call("GET", "/api/bookings/transfers/mine").json()
    assert [x["id"] for x in mine["incoming"]] == [tr["id"]]
    assert gate.buyer.call("GET", "/api/bookings/transfers/mine").json()[
        "outgoing"][0]["to"] == friend.email
    # a third user neither sees nor accepts it; the sender cannot either
    assert stranger.call("GET", "/api/bookings/transfers/mine").json()[
        "incoming"] == []
    err(stranger.call("POST", f"/api/bookings/transfers/{tr['id']}/accept"),
        404, "transfer_not_found")
    err(gate.buyer.call("POST", f"/api/bookings/transfers/{tr['id']}/accept"),
        403, "transfer_not_for_you")
    r = friend.call("POST", f"/api/bookings/transfers/{tr['id']}/accept")
    assert r.status_code == 200, r.text
    new = r.json()["ticket"]
    assert new["id"] != tid and new["qr"] and new["qr"] != old_qr
    err(friend.call("POST", f"/api/bookings/transfers/{tr['id']}/accept"),
        409, "transfer_not_pending")
    # the offline bundle follows: the old id revoked, the new one a ticket
    bundle = gate.scanner.call(
        "GET", f"/api/checkin/events/{gate.ev['id']}/bundle").json()
    assert tid in bundle["revoked"]
    assert new["id"] in {t["id"] for t in bundle["tickets"]}
    assert tid not in {t["id"] for t in bundle["tickets"]}
    # the gate: the old payload and id refused, the new one admitted
    err(gate.scan(gate.scanner, old_qr), 410, "ticket_cancelled")
    err(gate.scan(gate.scanner, ticket=tid), 410, "ticket_cancelled")
    r = gate.scan(gate.scanner, new["qr"])
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["id"] == new["id"]
    assert r.json()["counts"]["total"] == 3
    # the buyer's booking: the ticket shows as transferred, no QR, and the
    # recipient's new ticket is not theirs to see
    got = gate.buyer.call("GET", f"/api/bookings/{gate.booking['id']}").json()
    t0 = [t for t in got["tickets"] if t["id"] == tid][0]
    assert t0["status"] == "transferred" and t0["qr"] is None
    assert new["id"] not in {t["id"] for t in got["tickets"]}
    r = gate.buyer.call("GET", f"/api/bookings/{gate.booking['id']}"
                        f"/tickets/{new['id']}/qr.svg")
    assert r.status_code == 404
    # the recipient's list carries the same QR; the holder is the recipient
    rec = friend.call("GET", "/api/bookings/transfers/mine").json()["received"]
    assert [x["qr"] for x in rec] == [new["qr"]]
    assert shop.one("select user_id::text from tickets where id = %s",
                    (new["id"],), tenant=gate.t)[0] == friend.id
    assert shop.one("select count(*) from audit_log where tenant_id = %s"
                    " and action like 'ticket.transfer_%%'", (gate.t,),
                    tenant=gate.t)[0] == 2


def test_each_refusal_of_a_transfer(gate, shop, base_url, stack_var):
    friend = person(shop, base_url, stack_var, "friend")
    b = gate.booking["id"]
    tids = [t["id"] for t in gate.booking["tickets"]]
    # the organizer has not allowed transfers
    err(offer(gate.buyer, b, tids[0], email=friend.email), 409,
        "transfers_off")
    allow(gate)
    # to oneself
    me = shop.one("select email from users where id = %s", (gate.buyer.id,))[0]
    err(offer(gate.buyer, b, tids[0], email=me), 422, "transfer_to_self")
    # a checked-in ticket
    qr, _ = gate.qr(0)
    assert gate.scan(gate.scanner, qr).status_code == 200
    err(offer(gate.buyer, b, tids[0], email=friend.email), 409,
        "ticket_checked_in")
    # a refunded ticket
    with shop.tx(gate.t) as cur:
        cur.execute("update tickets set status = 'refunded' where id = %s",
                    (tids[1],))
    err(offer(gate.buyer, b, tids[1], email=friend.email), 409,
        "ticket_not_live")
    # someone else's ticket (the recipient tries to give the buyer's away)
    err(offer(friend, b, tids[2], email=friend.email), 404, "ticket_not_found")
    # one pending transfer per ticket; cancelled, it may be offered again
    r = offer(gate.buyer, b, tids[2], phone="98765 43210")
    assert r.status_code == 201, r.text
    assert r.json()["to"] == "+919876543210"
    err(offer(gate.buyer, b, tids[2], email=friend.email), 409,
        "transfer_pending")
    r = gate.buyer.call("POST",
                        f"/api/bookings/transfers/{r.json()['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = offer(gate.buyer, b, tids[2], email=friend.email)
    assert r.status_code == 201, r.text
    # the chain rule: one transfer allowed, the recipient cannot pass it on
    r = friend.call("POST", f"/api/bookings/transfers/{r.json()['id']}/accept")
    assert r.status_code == 200, r.text
    third = person(shop, base_url, stack_var, "third")
    err(offer(friend, b, r.json()["ticket"]["id"], email=third.email), 409,
        "transfer_limit")
    # past the cut-off (the event starts in an hour; 2 hours before it)
    allow(gate, cutoff=2, max_transfers=3)
    err(offer(friend, b, r.json()["ticket"]["id"], email=third.email), 409,
        "transfer_closed")


def test_transfer_rules_are_the_event_managers(gate, shop, base_url,
                                               stack_var):
    r = gate.scanner.call("PUT", f"/api/events/{gate.ev['id']}/transfer-rules",
                          {"cutoffHours": 0})
    assert r.status_code == 403
    other = Gate(shop, base_url, stack_var, seats=1)
    r = other.owner.call("PUT", f"/api/events/{gate.ev['id']}/transfer-rules",
                         {"cutoffHours": 0})
    assert r.status_code == 404
    r = gate.owner.call("PUT", f"/api/events/{gate.ev['id']}/transfer-rules",
                        {"cutoffHours": None, "maxTransfers": 2})
    assert r.status_code == 200 and r.json() == {"cutoffHours": None,
                                                 "maxTransfers": 2}
    r = gate.owner.call("PUT", f"/api/events/{uuid.uuid4()}/transfer-rules",
                        {"cutoffHours": 0})
    assert r.status_code == 404


def test_the_recipient_gets_the_accept_link_and_the_organizer_sees_who_holds_it(
        gate, shop, base_url, stack_var):
    """The offer queues a message to the recipient (email or SMS, through
    the outbox, in the offer's transaction) with the accept link; after
    the accept, the organizer's booking view lists the recipient's new
    ticket with its holder, while the buyer's view still shows only
    their own rows."""
    allow(gate, max_transfers=2)
    _, tid = gate.qr(0)
    friend = person(shop, base_url, stack_var, "friend")
    shop.one("update users set name = 'Ravi Buyer' where id = %s returning id",
             (gate.buyer.id,))
    r = offer(gate.buyer, gate.booking["id"], tid, email=friend.email)
    assert r.status_code == 201, r.text
    tr = r.json()["id"]
    rows = shop.all("select channel, recipient, payload from outbox"
                    " where payload->>'transferId' = %s", (tr,))
    assert len(rows) == 1
    channel, recipient, payload = rows[0]
    assert (channel, recipient) == ("email", friend.email)
    assert payload["template"] == "ticket.transfer_offered"
    assert payload["link"].endswith(f"/transfer.html?id={tr}")
    assert payload["sender"] == "Ravi Buyer"
    buyer_email = shop.one("select email from users where id = %s",
                           (gate.buyer.id,))[0]
    assert buyer_email not in json.dumps(payload)   # no sender address
    r = friend.call("POST", f"/api/bookings/transfers/{tr}/accept")
    assert r.status_code == 200, r.text
    new = r.json()["ticket"]["id"]

    # the organizer's view: the given row transferred, the new one live
    # with its holder; no QR for anyone there
    b = gate.manager.call("GET", f"/api/bookings/{gate.booking['id']}").json()
    by_id = {t["id"]: t for t in b["tickets"]}
    assert by_id[tid]["status"] == "transferred" and "holder" not in by_id[tid]
    assert by_id[new]["status"] == "live"
    assert by_id[new]["holder"]["userId"] == friend.id
    assert by_id[new]["holder"]["email"] == friend.email
    assert not any(t.get("qr") for t in b["tickets"])
    # the buyer's view is unchanged: their rows only
    mine = gate.buyer.call("GET", f"/api/bookings/{gate.booking['id']}").json()
    assert new not in {t["id"] for t in mine["tickets"]}
    # the friend passes it on by phone: an SMS this time
    phone = "98" + uuid.uuid4().int.__str__()[:8]
    r = friend.call("POST",
                    f"/api/bookings/{gate.booking['id']}/tickets/{new}/transfer",
                    {"phone": phone})
    assert r.status_code == 201, r.text
    rows = shop.all("select channel, recipient from outbox"
                    " where payload->>'transferId' = %s", (r.json()["id"],))
    assert rows == [("sms", "+91" + phone)]
