"""Live updates over nchan: /live/events/:id, /live/tenant, /live/bookings/:id.

Contract: shared/design/api.md ("Live channels"), docs/live.md. The seats
responder authorizes each subscription and answers X-Accel-Redirect to an
internal nchan location; both WebSocket and EventSource must work through
that hop.
"""

import json
import os
import subprocess
import time
import uuid

import pytest
import requests
import websocket

from ztauth import mint
from ztseats import Buyer, EsSub, WsSub, cat, holdctl, tenant  # noqa: F401


@pytest.fixture(scope="module")
def ws_url(base_url):
    return base_url.replace("http://", "ws://")


def publish(stack_var, channel, message):
    """POST to the nchan publisher socket, as zt_live_publish does."""
    sock = os.path.join(stack_var, "run", "nchan-pub.sock")
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "--unix-socket", sock, "-H",
                        "Content-Type: application/json", "-d",
                        json.dumps(message), f"http://x/pub/{channel}"],
                       capture_output=True, text=True, timeout=10)
    assert p.stdout in ("201", "202"), p.stdout


def ws_refused(url):
    """The HTTP status a refused WebSocket handshake got."""
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(url, timeout=5)
    return e.value.status_code


def es_status(url, **kw):
    r = requests.get(url, headers={"Accept": "text/event-stream"},
                     stream=True, timeout=5, **kw)
    r.close()
    return r.status_code


# ------------------------------------------------------------- event map --

def test_websocket_and_eventsource_see_every_change_in_order(
        cat, tenant, base_url, ws_url, stack_var, holdctl):
    ev = cat.event(tenant, seats=3, ga=[10])
    seat = ev["seats"][0]
    a = Buyer(base_url, stack_var, cat.user())
    b = Buyer(base_url, stack_var, cat.user())
    v0 = a.status(ev).json()["v"]
    ws = WsSub(f"{ws_url}/live/events/{ev['id']}")
    es = EsSub(f"{base_url}/live/events/{ev['id']}")
    try:
        r = a.lock(ev, [seat])
        assert r.status_code == 200, r.text
        assert a.release(ev, seat).status_code == 204
        r = b.lock(ev, [seat], {ev["ga"][0]: 2})
        assert r.status_code == 200, r.text
        hold = r.json()["holdId"]
        # the seats worker publishes after it has answered: wait for its
        # message before another process (holdctl) publishes the next
        # change, or the two may reach nchan in either order
        first = {id(sub): sub.take(3) for sub in (ws, es)}
        assert holdctl("consume", ev["id"], b.id, hold, seat,
                       f"{ev['ga'][0]}=2") == "ok"
        for sub in (ws, es):
            msgs = first[id(sub)] + sub.take(1)
            assert [m["type"] for m in msgs] == \
                ["seats.held", "seats.released", "seats.held", "seats.sold"]
            assert [m["v"] for m in msgs] == [v0 + 1, v0 + 2, v0 + 3, v0 + 4]
            assert all(m["seats"] == [seat] for m in msgs)
            assert msgs[0]["expiresAt"].endswith("Z")
            assert "expiresAt" not in msgs[1]
            assert msgs[2]["ga"] == {ev["ga"][0]: 8}
            assert msgs[3]["ga"] == {ev["ga"][0]: 8}
            assert sub.quiet(0.3) == []
        # the snapshot carries the version of the last change
        st = a.status(ev).json()
        assert st["v"] == v0 + 4 and st["sold"] == [seat]
    finally:
        ws.close()
        es.close()


def test_ga_only_changes_are_ga_changed(cat, tenant, base_url, ws_url,
                                       stack_var):
    ev = cat.event(tenant, ga=[10])
    a = Buyer(base_url, stack_var, cat.user())
    ws = WsSub(f"{ws_url}/live/events/{ev['id']}")
    try:
        assert a.lock(ev, ga={ev["ga"][0]: 3}).status_code == 200
        assert a.release(ev).status_code == 204
        m1, m2 = ws.take(2)
        assert (m1["type"], m1["ga"], m1["seats"]) == \
            ("ga.changed", {ev["ga"][0]: 7}, [])
        assert (m2["type"], m2["ga"], m2["v"]) == \
            ("ga.changed", {ev["ga"][0]: 10}, m1["v"] + 1)
    finally:
        ws.close()


def test_a_late_subscriber_gets_recent_messages_to_catch_up(
        cat, tenant, base_url, ws_url, stack_var):
    ev = cat.event(tenant, seats=2)
    a = Buyer(base_url, stack_var, cat.user())
    v0 = a.status(ev).json()["v"]
    assert a.lock(ev, ev["seats"][:1]).status_code == 200
    ws = WsSub(f"{ws_url}/live/events/{ev['id']}")
    try:
        assert ws.take(1)[0]["v"] == v0 + 1    # published before it came
    finally:
        ws.close()


def test_draft_and_unknown_event_channels_are_refused(
        cat, tenant, base_url, ws_url):
    draft = cat.event(tenant, status="draft", seats=1)
    cancelled = cat.event(tenant, status="cancelled", seats=1)
    for eid, code in ((draft["id"], 404), (str(uuid.uuid4()), 404),
                      ("x", 404), (cancelled["id"], 409)):
        assert ws_refused(f"{ws_url}/live/events/{eid}") == code
        assert es_status(f"{base_url}/live/events/{eid}") == code


def test_internal_subscriber_locations_are_not_reachable(cat, tenant,
                                                         base_url):
    ev = cat.event(tenant, seats=1)
    for path in (f"/internal/sub/ev:{ev['id']}",
                 f"/internal/sub/tenant:{tenant}"):
        assert es_status(base_url + path) == 404


# ---------------------------------------------------------------- tenant --

def test_tenant_channel_is_for_members_of_the_active_tenant(
        cat, base_url, ws_url, stack_var):
    owner = cat.user("owner")
    mine = cat.tenant(owner=owner)
    other = cat.tenant(owner=cat.user("other-owner"))
    token = mint(stack_var, owner, mine, "owner")
    es = EsSub(f"{base_url}/live/tenant?token={token}")
    ws = WsSub(f"{ws_url}/live/tenant?token={token}")
    try:
        publish(stack_var, f"tenant:{mine}", {"type": "booking.confirmed"})
        publish(stack_var, f"tenant:{other}", {"type": "not for you"})
        for sub in (es, ws):
            assert sub.take(1)[0]["type"] == "booking.confirmed"
            assert sub.quiet(0.3) == []
    finally:
        es.close()
        ws.close()
    # another tenant's channel: a signed token naming a tenant the user
    # does not belong to (the role claim is not trusted alone)
    forged = mint(stack_var, owner, other, "owner")
    assert es_status(f"{base_url}/live/tenant", params={"token": forged}) \
        == 403
    assert ws_refused(f"{ws_url}/live/tenant?token={forged}") == 403
    # no tenant, no token, a bad token, a plain user token
    assert es_status(f"{base_url}/live/tenant") == 401
    assert es_status(f"{base_url}/live/tenant?token=abc.def.ghi") == 401
    plain = mint(stack_var, owner)
    assert es_status(f"{base_url}/live/tenant?token={plain}") == 403


def test_booking_channel_is_for_its_buyer_only(cat, tenant, base_url, ws_url,
                                               stack_var):
    ev = cat.event(tenant, seats=1)
    buyer, stranger = cat.user(), cat.user()
    booking = cat.sell(ev, buyer, seats=ev["seats"])
    token = mint(stack_var, buyer)
    es = EsSub(f"{base_url}/live/bookings/{booking}?token={token}")
    try:
        publish(stack_var, f"booking:{booking}", {"type": "booking.confirmed"})
        assert es.take(1)[0]["type"] == "booking.confirmed"
    finally:
        es.close()
    # the header works too (not only ?token=)
    r = requests.get(f"{base_url}/live/bookings/{booking}", stream=True,
                     timeout=5, headers={"Accept": "text/event-stream",
                                         "Authorization": "Bearer " + token})
    assert r.status_code == 200
    r.close()
    other = mint(stack_var, stranger)
    assert es_status(f"{base_url}/live/bookings/{booking}?token={other}") \
        == 404
    assert ws_refused(f"{ws_url}/live/bookings/{booking}?token={other}") \
        == 404
    assert es_status(f"{base_url}/live/bookings/{booking}") == 401


def test_tokens_in_live_urls_never_reach_the_access_log(
        cat, base_url, stack_var):
    owner = cat.user("owner")
    t = cat.tenant(owner=owner)
    token = mint(stack_var, owner, t, "owner")
    es = EsSub(f"{base_url}/live/tenant?token={token}")
    es.close()
    assert es_status(f"{base_url}/live/tenant?token={token}x") == 401
    time.sleep(0.3)
    with open(os.path.join(stack_var, "log", "nginx-access.log")) as f:
        log = f.read()
    assert token not in log
    assert token.split(".")[2] not in log           # not even the signature
    assert '"uri":"/live/tenant"' in log
