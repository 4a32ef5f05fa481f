"""Waiting lists through nginx, the responders, Redis and PostgreSQL
(docs/commerce.md, "Waiting list"): joining only a sold-out list and once,
offers as real holds made by ztic-waitlist when stock comes back (a
refund, a released hold), an unused offer passing to the next, one offer
per freed unit under concurrent runs, booking an offer, the message, and
the organizer's list and manual offer with its refusals."""

import threading
import time

import pytest
import requests

from ztbook import (Person, Shop, paid_booking, run_cron, run_cron_twice,
                    rzp_auto)


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for tid in s.tenants:
        with s.tx(tid) as cur:
            cur.execute("delete from waitlist_entries where tenant_id = %s",
                        (tid,))
            cur.execute("delete from audit_log where tenant_id = %s", (tid,))
    s.purge()


def person(shop, base_url, stack_var, label):
    uid = shop.user(label)
    p = Person(base_url, stack_var, uid)
    p.email = shop.one("select email from users where id = %s", (uid,))[0]
    return p


def organizer(shop, base_url, stack_var, role="manager"):
    uid = shop.user("org")
    tid = shop.tenant(owner=uid, role=role)
    return tid, Person(base_url, stack_var, uid, tid, role)


def join(who, ev, qty=1, **lst):
    return who.call("POST", f"/api/events/{ev['id']}/waitlist",
                    dict(quantity=qty, **lst))


def cat_of(shop, ev):
    return str(shop.one("select price_category_id from seats where id = %s",
                        (ev["seats"][0],))[0])


def entry(shop, eid):
    return shop.one("select status, hold_id, offered_seats::text[], offered_quantity"
                    " from waitlist_entries where id = %s", (eid,))


def waitlist(stack_var, **env):
    return run_cron(stack_var, "waitlist", **env)


def err(r):
    return r.json()["error"]["code"]


def test_join_only_when_sold_out_once_per_person(shop, base_url, stack_var):
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=1, seat_price=0, ga=[1], ga_price=0)
    cat, ga = cat_of(shop, ev), ev["ga"][0]
    b, c, first = (person(shop, base_url, stack_var, n)
                   for n in ("bee", "cee", "first"))
    # something is free: book it instead
    r = join(b, ev, priceCategoryId=cat)
    assert r.status_code == 409 and err(r) == "not_sold_out", r.text
    assert r.json()["available"] == 1
    assert err(join(b, ev, ticketTypeId=ga)) == "not_sold_out"
    lists = b.call("GET", f"/api/events/{ev['id']}/waitlist").json()["lists"]
    assert {(x.get("ticketTypeId") or x.get("priceCategoryId")): x["soldOut"]
            for x in lists} == {cat: False, ga: False}
    # sold out: the seat sold, the unit held
    first.hold(ev, ev["seats"])
    assert first.book(ev).json()["status"] == "confirmed"
    first.hold(ev, ga={ga: 1})
    r = join(b, ev, 1, priceCategoryId=cat)
    assert r.status_code == 201, r.text
    assert r.json()["position"] == 1 and r.json()["status"] == "waiting"
    r = join(b, ev, 1, priceCategoryId=cat)
    assert r.status_code == 409 and err(r) == "already_waiting"
    assert join(c, ev, 1, priceCategoryId=cat).json()["position"] == 2
    assert join(c, ev, 1, ticketTypeId=ga).json()["position"] == 1
    # bad input
    assert join(c, ev, 1).status_code == 400
    assert join(c, ev, 1, priceCategoryId=cat, ticketTypeId=ga).status_code == 400
    assert join(c, ev, 0, ticketTypeId=ga).status_code == 400
    r = join(c, ev, 11, ticketTypeId=ga)        # per_order_limit 10
    assert r.status_code == 422 and err(r) == "per_order_limit"
    r = join(c, ev, 1, ticketTypeId=ev["seats"][0])
    assert r.status_code == 422 and err(r) == "unknown_ticket_type"
    r = join(c, ev, 1, priceCategoryId=ga)
    assert r.status_code == 422 and err(r) == "unknown_price_category"
    r = requests.post(f"{base_url}/api/events/{ev['id']}/waitlist",
                      json={"quantity": 1, "ticketTypeId": ga}, timeout=10)
    assert r.status_code == 401
    # the caller's entries with their places; leaving frees the place
    mine = c.call("GET", f"/api/events/{ev['id']}/waitlist").json()
    assert sorted(e["position"] for e in mine["entries"]) == [1, 2]
    assert all(x["soldOut"] for x in mine["lists"])
    bid = b.call("GET", f"/api/events/{ev['id']}/waitlist").json()["entries"][0]["id"]
    assert c.call("DELETE", f"/api/events/{ev['id']}/waitlist/{bid}").status_code == 404
    assert b.call("DELETE", f"/api/events/{ev['id']}/waitlist/{bid}").status_code == 204
    mine = c.call("GET", f"/api/events/{ev['id']}/waitlist").json()
    assert sorted(e["position"] for e in mine["entries"]) == [1, 1]
    # and a person may join again after leaving
    assert join(b, ev, 1, priceCategoryId=cat).json()["position"] == 2


def test_a_refund_offers_the_freed_seat_to_the_first_in_line(
        shop, base_url, stack_var, rzp_auto, fakes_url):
    rzp = rzp_auto
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=1)
    cat = cat_of(shop, ev)
    buyer, bk = paid_booking(shop, rzp, base_url, stack_var, ev, ev["seats"])
    b, c = (person(shop, base_url, stack_var, n) for n in ("bee", "cee"))
    eb = join(b, ev, 1, priceCategoryId=cat).json()["id"]
    ec = join(c, ev, 1, priceCategoryId=cat).json()["id"]
    waitlist(stack_var)                          # nothing free: no offer
    assert entry(shop, eb)[0] == "waiting"
    r = org.call("POST", f"/api/bookings/{bk['id']}/refund",
                 {"reason": "changed plans"})
    assert r.status_code == 200, r.text
    waitlist(stack_var)
    status, hold, seats, _ = entry(shop, eb)
    assert status == "offered" and [str(s) for s in seats] == ev["seats"]
    assert entry(shop, ec)[0] == "waiting"
    # the seat is really held for b: b's hold, and nobody else can take it
    st = b.call("GET", f"/api/seats/status/{ev['id']}").json()
    assert st["mine"]["holdId"] == hold and st["mine"]["seats"] == ev["seats"]
    r = c.call("POST", "/api/seats/lock",
               {"eventId": ev["id"], "seatIds": ev["seats"]})
    assert r.status_code == 409 and err(r) == "seats_taken"
    left = (time.time(), b.call("GET", f"/api/events/{ev['id']}/waitlist")
            .json()["entries"][0])
    assert left[1]["status"] == "offered" and left[1]["offerExpiresAt"]
    # the message: queued with the offer, sent by the outbox
    payload = shop.one("select payload from outbox where recipient = %s"
                       " and payload->>'template' = 'waitlist.offer'",
                       (b.email,))[0]
    assert ev["id"] in payload["link"] and "1 x Gold" == payload["what"]
    run_cron(stack_var, "outbox")
    msgs = requests.get(fakes_url + "/_fake/messages",
                        params={"provider": "resend", "to": b.email},
                        timeout=5).json()
    assert len(msgs) == 1 and "held for you" in msgs[0]["subject"]
    # accepting is booking the held seat: paid, then booked
    body = b.book(ev).json()
    pay = rzp.pay(body["payment"]["orderId"])
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": body["id"], **pay})
    assert r.status_code == 200, r.text
    waitlist(stack_var)
    assert entry(shop, eb)[0] == "booked"
    assert entry(shop, ec)[0] == "waiting"


def test_an_unused_offer_expires_and_passes_to_the_next(
        shop, base_url, stack_var):
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=1, seat_price=0)
    cat = cat_of(shop, ev)
    a = person(shop, base_url, stack_var, "holder")
    a.hold(ev, ev["seats"])                    # held: sold out for now
    b, c = (person(shop, base_url, stack_var, n) for n in ("bee", "cee"))
    eb = join(b, ev, 1, priceCategoryId=cat).json()["id"]
    ec = join(c, ev, 1, priceCategoryId=cat).json()["id"]
    assert a.call("DELETE", f"/api/seats/lock?eventId={ev['id']}").status_code == 204
    waitlist(stack_var, ZT_WAITLIST_OFFER_TTL=5)
    assert entry(shop, eb)[0] == "offered" and entry(shop, ec)[0] == "waiting"
    waitlist(stack_var, ZT_WAITLIST_OFFER_TTL=5)   # again: nothing changes
    assert entry(shop, eb)[0] == "offered" and entry(shop, ec)[0] == "waiting"
    time.sleep(6)
    waitlist(stack_var, ZT_WAITLIST_OFFER_TTL=5)
    assert entry(shop, eb)[0] == "expired"
    status, hold, seats, _ = entry(shop, ec)
    assert status == "offered" and [str(s) for s in seats] == ev["seats"]
    st = c.call("GET", f"/api/seats/status/{ev['id']}").json()
    assert st["mine"]["seats"] == ev["seats"]
    assert b.call("GET", f"/api/seats/status/{ev['id']}").json()["mine"] is None
    # giving the offer back (leaving) frees the seat at once
    assert c.call("DELETE", f"/api/events/{ev['id']}/waitlist/{ec}").status_code == 204
    assert entry(shop, ec)[0] == "left"
    a.hold(ev, ev["seats"])


def test_a_release_and_two_runs_at_once_offer_each_freed_unit_once(
        shop, base_url, stack_var):
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=0, ga=[3], ga_price=0)
    ga = ev["ga"][0]
    a = person(shop, base_url, stack_var, "holder")
    a.hold(ev, ga={ga: 3})
    people = [person(shop, base_url, stack_var, f"w{i}") for i in range(5)]
    ids = [join(p, ev, 1, ticketTypeId=ga).json()["id"] for p in people]
    release = threading.Thread(target=lambda: a.call(
        "DELETE", f"/api/seats/lock?eventId={ev['id']}"))
    release.start()
    run_cron_twice(stack_var, "waitlist")
    release.join()
    run_cron_twice(stack_var, "waitlist")
    waitlist(stack_var)
    states = [entry(shop, i)[0] for i in ids]
    assert states == ["offered"] * 3 + ["waiting"] * 2
    st = people[0].call("GET", f"/api/seats/status/{ev['id']}").json()
    assert st["ga"][ga] == 0
    holds = {p.call("GET", f"/api/seats/status/{ev['id']}").json()["mine"]["holdId"]
             for p in people[:3]}
    assert len(holds) == 3
    # accepting one: a free booking of the held unit
    r = people[0].book(ev)
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    waitlist(stack_var)
    assert entry(shop, ids[0])[0] == "booked"
    assert [entry(shop, i)[0] for i in ids[1:]] == ["offered"] * 2 + ["waiting"] * 2


def test_the_organizers_list_and_manual_offer(shop, base_url, stack_var):
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=0, ga=[2], ga_price=0)
    ga = ev["ga"][0]
    a = person(shop, base_url, stack_var, "holder")
    a.hold(ev, ga={ga: 2})
    b, c = (person(shop, base_url, stack_var, n) for n in ("bee", "cee"))
    eb = join(b, ev, 2, ticketTypeId=ga).json()["id"]
    ec = join(c, ev, 1, ticketTypeId=ga).json()["id"]
    r = org.call("GET", f"/api/events/{ev['id']}/waitlist/entries")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"]["waiting"] == 2
    assert [(e["id"], e["position"], e["quantity"]) for e in body["entries"]] == \
        [(eb, 1, 2), (ec, 2, 1)]
    assert body["entries"][0]["contact"] == b.email
    # nothing free: refused, nothing changes
    r = org.call("POST", f"/api/events/{ev['id']}/waitlist/entries/{ec}/offer")
    assert r.status_code == 409 and err(r) == "ga_unavailable", r.text
    # one unit back; the organizer offers it to c, out of turn
    a.hold(ev, ga={ga: 1})
    r = org.call("POST", f"/api/events/{ev['id']}/waitlist/entries/{ec}/offer")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "offered" and r.json()["hold"]["ga"] == \
        [{"ticketTypeId": ga, "quantity": 1}]
    r = org.call("POST", f"/api/events/{ev['id']}/waitlist/entries/{ec}/offer")
    assert r.status_code == 409 and err(r) == "not_waiting"
    assert shop.one("select offered_by from waitlist_entries where id = %s",
                    (ec,))[0] == org.id
    waitlist(stack_var)          # b wants 2, 0 free: still waiting
    assert entry(shop, eb)[0] == "waiting"
    body = org.call("GET", f"/api/events/{ev['id']}/waitlist/entries").json()
    assert body["counts"]["offered"] == 1 and body["counts"]["waiting"] == 1

    # another tenant's organizer sees and offers nothing
    tid2, org2 = organizer(shop, base_url, stack_var)
    assert org2.call("GET", f"/api/events/{ev['id']}/waitlist/entries").status_code == 404
    r = org2.call("POST", f"/api/events/{ev['id']}/waitlist/entries/{eb}/offer")
    assert r.status_code == 404
    # a buyer is not an organizer
    assert b.call("GET", f"/api/events/{ev['id']}/waitlist/entries").status_code in (401, 403)
    # a scanner may not offer
    sid = shop.user("scanner")
    with shop.tx(tid) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (tid, sid))
    scanner = Person(base_url, stack_var, sid, tid, "scanner")
    assert scanner.call("GET", f"/api/events/{ev['id']}/waitlist/entries").status_code == 403
    # a manager removed a minute ago still holds a valid token: refused
    with shop.tx(tid) as cur:
        cur.execute("delete from memberships where tenant_id = %s and user_id = %s",
                    (tid, org.id))
    r = org.call("GET", f"/api/events/{ev['id']}/waitlist/entries")
    assert r.status_code == 403, r.text
    r = org.call("POST", f"/api/events/{ev['id']}/waitlist/entries/{eb}/offer")
    assert r.status_code == 403
    assert entry(shop, eb)[0] == "waiting"


def test_capacity_raised_is_offered_and_an_ended_sale_offers_nothing(
        shop, base_url, stack_var):
    tid, org = organizer(shop, base_url, stack_var)
    ev = shop.event(tid, seats=0, ga=[1], ga_price=0)
    ga = ev["ga"][0]
    first = person(shop, base_url, stack_var, "first")
    first.hold(ev, ga={ga: 1})
    assert first.book(ev).json()["status"] == "confirmed"
    b, c = (person(shop, base_url, stack_var, n) for n in ("bee", "cee"))
    eb = join(b, ev, 2, ticketTypeId=ga).json()["id"]
    ec = join(c, ev, 1, ticketTypeId=ga).json()["id"]
    # one more unit: b wants 2 and keeps the place, c's 1 fits
    with shop.tx(tid) as cur:
        cur.execute("update ticket_types set capacity = 2 where id = %s", (ga,))
    waitlist(stack_var)
    assert entry(shop, eb)[0] == "waiting"
    assert entry(shop, ec)[:1] + entry(shop, ec)[3:] == ("offered", 1)
    # sales over: nobody else is offered anything
    with shop.tx(tid) as cur:
        cur.execute("update ticket_types set capacity = 10 where id = %s", (ga,))
        cur.execute("update events set sales_ends_at = now() - interval '1 minute',"
                    " sales_starts_at = now() - interval '1 day' where id = %s",
                    (ev["id"],))
    waitlist(stack_var)
    assert entry(shop, eb)[0] == "waiting"
