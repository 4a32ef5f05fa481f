"""Two nodes on one machine (docs/scale.md, "Several nodes").

`scripts/dev node2 up` starts a second nginx and a second set of responder
pools (their own port and state directory) against the test stack's
PostgreSQL and Redis, and moves both nginx's nchan channels into that
Redis. What one node does, the other must see: live messages, sales,
layout changes (through the map versions in Redis), and the flash-sale
ledger with the buyers spread over both. `node2 down` at the end puts
the stack back on one node with memory storage.
"""

import os
import re

import pytest

from test_flash_sale import flash_sale
from ztbook import Person, Rzp, Shop
from ztnodes import dev
import ztorg
from ztorg import Org, ctx  # noqa: F401
from ztseats import Buyer, EsSub, cat, tenant  # noqa: F401


@pytest.fixture(scope="module")
def node_b(stack_var, dev_script):
    """The second node's base URL (node A is base_url)."""
    out = dev(stack_var, dev_script, "node2", "up")
    m = re.search(r"node 2 is up on (http://127\.0\.0\.1:\d+)/", out)
    assert m, out
    yield m.group(1)
    dev(stack_var, dev_script, "node2", "down")


def storage(stack_var, node=""):
    with open(os.path.join(stack_var, node, "nginx",
                           "nchan-storage.conf")) as f:
        return f.read()


def test_both_nodes_keep_channels_in_the_shared_redis(node_b, stack_var):
    for node in ("", "node2"):
        assert "nchan_use_redis on;" in storage(stack_var, node)
    # node B has its own nginx, publisher socket and state, one database
    assert os.path.exists(os.path.join(stack_var, "node2", "run",
                                       "nchan-pub.sock"))


def test_a_hold_on_one_node_reaches_subscribers_of_the_other_in_order(
        node_b, base_url, stack_var, cat, tenant):
    ev = cat.event(tenant, seats=3, ga=[10])
    a = Buyer(base_url, stack_var, cat.user())
    b = Buyer(node_b, stack_var, cat.user())
    r = a.status(ev)
    assert r.status_code == 200, r.text
    v0 = r.json()["v"]
    on_b = EsSub(f"{node_b}/live/events/{ev['id']}")
    on_a = EsSub(f"{base_url}/live/events/{ev['id']}")
    try:
        r = a.lock(ev, [ev["seats"][0]])                 # node A
        assert r.status_code == 200, r.text
        first = [sub.take(1) for sub in (on_a, on_b)]   # one at a time:
        r = b.lock(ev, [ev["seats"][1]], {ev["ga"][0]: 2})   # node B
        assert r.status_code == 200, r.text
        second = [sub.take(1) for sub in (on_a, on_b)]  # each node publishes
        assert a.release(ev, ev["seats"][0]).status_code == 204
        for i, sub in enumerate((on_a, on_b)):
            msgs = first[i] + second[i] + sub.take(1)
            # the same messages, the same `v` protocol, on both nodes
            assert [m["type"] for m in msgs] == \
                ["seats.held", "seats.held", "seats.released"]
            assert [m["v"] for m in msgs] == [v0 + 1, v0 + 2, v0 + 3]
            assert msgs[0]["seats"] == [ev["seats"][0]]
            assert msgs[1]["ga"] == {ev["ga"][0]: 8}
        # the snapshot agrees on both nodes
        assert a.status(ev).json()["v"] == b.status(ev).json()["v"] == v0 + 3
    finally:
        on_a.close()
        on_b.close()


def test_a_booking_on_one_node_shows_as_sold_on_the_other(
        node_b, base_url, stack_var, pg_owner_dsn, razorpay_url):
    shop, rzp = Shop(pg_owner_dsn), Rzp(razorpay_url)
    try:
        t = shop.tenant()
        ev = shop.event(t, seats=2)
        seat = ev["seats"][0]
        on_a = EsSub(f"{base_url}/live/events/{ev['id']}")
        try:
            buyer = Person(node_b, stack_var, shop.user("b"))
            buyer.hold(ev, [seat])
            body = buyer.book(ev).json()
            pay = rzp.pay(body["payment"]["orderId"])
            r = buyer.call("POST", "/api/bookings/confirm",
                           {"bookingId": body["id"], **pay})
            assert r.status_code == 200, r.text
            types = [m["type"] for m in on_a.take(2)]
            assert types == ["seats.held", "seats.sold"]
        finally:
            on_a.close()
        other = Person(base_url, stack_var, shop.user("a"))
        st = other.call("GET", f"/api/seats/status/{ev['id']}").json()
        assert seat in st["sold"]
        r = other.call("POST", "/api/seats/lock",
                       {"eventId": ev["id"], "seatIds": [seat]})
        assert r.status_code == 409, r.text
        # the buyer reads the booking on the other node
        r = Person(base_url, stack_var, buyer.id).call(
            "GET", f"/api/bookings/{body['id']}")
        assert r.status_code == 200 and r.json()["status"] == "confirmed"
    finally:
        shop.purge()


def test_a_layout_change_on_one_node_reaches_the_other_nodes_cached_map(
        node_b, ctx, stack_var):  # noqa: F811
    org = Org(ctx)
    ev = org.published(layout={"ticketTypes": [
        {"name": "Entry", "pricePaise": 50000, "capacity": 1}]})
    tt = org.rows("select id::text from ticket_types where event_id = %s",
                  (ev["id"],))[0][0]
    first = Buyer(node_b, stack_var, ztorg.Person(ctx, "fan1").id)
    second = Buyer(node_b, stack_var, ztorg.Person(ctx, "fan2").id)
    # node B's seats worker loads (and caches) the map: one unit
    assert first.lock(ev, ga={tt: 1}).status_code == 200
    r = second.lock(ev, ga={tt: 1})
    assert r.status_code == 409, r.text
    # node A: the organizer raises the capacity (a layout replace)
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout",
                       {"ticketTypes": [{"name": "Entry", "pricePaise": 50000,
                                         "capacity": 3}]})
    assert r.status_code == 200, r.text
    # node B sees the new map version in Redis and reloads its map
    r = second.lock(ev, ga={tt: 2})
    assert r.status_code == 200, r.text


def test_a_flash_sale_over_two_nodes_never_oversells(
        node_b, base_url, stack_var, pg_owner_dsn, razorpay_url,
        redis_socket):
    shop = Shop(pg_owner_dsn)
    try:
        out = flash_sale(shop, [base_url, node_b], stack_var, razorpay_url,
                         redis_socket, buyers=120, seats=40, ga_units=40)
        assert out.count("paid") > 0
    finally:
        shop.purge()
