"""Seat and GA holds: POST/DELETE /api/seats/lock, GET /api/seats/status.

Contract: shared/design/api.md ("Seats and holds"), docs/holds.md. Events,
seats and ticket types are written straight into PostgreSQL (ztseats.py);
buyers carry access tokens minted with the stack's key.
"""

import random
import time
import uuid

import pytest
import requests

from ztauth import jwt, mint
from ztseats import (Buyer, Redis, WsSub, cat, expire_hold_now,  # noqa: F401
                     holdctl, race, tenant)


@pytest.fixture(scope="module")
def redis(redis_socket):
    return Redis(redis_socket)


@pytest.fixture(scope="module")
def buyer(cat, base_url, stack_var):
    def make(label="buyer"):
        return Buyer(base_url, stack_var, cat.user(label))
    return make


def error_code(r):
    return r.json()["error"]["code"]


def held_ids(status):
    return {h["seatId"] for h in status["held"]}


# ------------------------------------------------------------ basic flow --

def test_lock_answers_the_hold_and_status_shows_it_without_the_holder(
        cat, tenant, buyer, api):
    ev = cat.event(tenant, seats=6, ga=[20])
    a = buyer()
    r = a.lock(ev, ev["seats"][:2], {ev["ga"][0]: 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["eventId"] == ev["id"]
    assert set(body["seats"]) == set(ev["seats"][:2])
    assert body["ga"] == [{"ticketTypeId": ev["ga"][0], "quantity": 3}]
    uuid.UUID(body["holdId"])
    assert body["expiresAt"].endswith("Z")

    anon = api("GET", f"/api/seats/status/{ev['id']}")
    assert anon.status_code == 200, anon.text
    st = anon.json()
    assert held_ids(st) == set(ev["seats"][:2])
    assert all(h["expiresAt"] == body["expiresAt"] for h in st["held"])
    assert st["ga"] == {ev["ga"][0]: 17}
    assert st["sold"] == [] and st["blocked"] == []
    assert "mine" not in st
    # never who holds: no user or hold id anywhere in the public snapshot
    assert a.id not in anon.text and body["holdId"] not in anon.text
    assert st["v"] >= 1

    mine = a.status(ev).json()["mine"]
    assert mine["holdId"] == body["holdId"]
    assert set(mine["seats"]) == set(ev["seats"][:2])
    other = buyer().status(ev).json()
    assert other["mine"] is None
    assert body["holdId"] not in str(other)


def test_locking_again_adds_to_the_hold_and_moves_its_expiry(
        cat, tenant, buyer):
    ev = cat.event(tenant, seats=6)
    a = buyer()
    first = a.lock(ev, ev["seats"][:1]).json()
    time.sleep(0.05)
    second = a.lock(ev, ev["seats"][:2])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["holdId"] == first["holdId"]
    assert set(second["seats"]) == set(ev["seats"][:2])
    assert second["expiresAt"] > first["expiresAt"]
    st = a.status(ev).json()
    assert {h["expiresAt"] for h in st["held"]} == {second["expiresAt"]}


def test_ga_quantity_is_the_total_held_and_retries_change_nothing(
        cat, tenant, buyer):
    ev = cat.event(tenant, ga=[10])
    ty = ev["ga"][0]
    a = buyer()
    for _ in range(2):
        r = a.lock(ev, ga={ty: 4})
        assert r.status_code == 200, r.text
        assert r.json()["ga"] == [{"ticketTypeId": ty, "quantity": 4}]
    assert a.status(ev).json()["ga"][ty] == 6
    r = a.lock(ev, ga={ty: 1})
    assert r.json()["ga"] == [{"ticketTypeId": ty, "quantity": 1}]
    assert a.status(ev).json()["ga"][ty] == 9
    r = a.lock(ev, ga={ty: 0})
    assert r.status_code == 200 and r.json()["holdId"] is None
    st = a.status(ev).json()
    assert st["ga"][ty] == 10 and st["mine"] is None


def test_ga_counters_follow_a_capacity_the_organizer_changes(
        cat, tenant, buyer):
    ev = cat.event(tenant, ga=[10], per_order_limit=20, per_user_limit=20)
    ty = ev["ga"][0]
    assert buyer().lock(ev, ga={ty: 3}).status_code == 200    # 7 free
    cat.set_capacity(ev, ty, 15)                               # 12 free
    r = buyer().lock(ev, ga={ty: 13})
    assert r.status_code == 409 and r.json()["available"] == {ty: 12}
    assert buyer().lock(ev, ga={ty: 12}).status_code == 200
    cat.set_capacity(ev, ty, 13)                               # -2 free
    r = buyer().lock(ev, ga={ty: 1})
    assert r.status_code == 409 and r.json()["available"] == {ty: 0}


# ----------------------------------------------------------------- races --

def test_two_hundred_clients_race_for_fifty_seats_all_or_nothing(
        cat, tenant, buyer, base_url):
    ev = cat.event(tenant, seats=50)
    seats = ev["seats"]
    rng = random.Random(6)
    clients = [(buyer(f"racer{i}"), rng.sample(seats, rng.randint(1, 4)))
               for i in range(200)]
    results = race([lambda b=b, want=want: b.lock(ev, want)
                    for b, want in clients])

    owner = {}
    for (b, want), r in zip(clients, results):
        assert r is not None and r.status_code in (200, 409), \
            (r.status_code, r.text)
        if r.status_code == 200:
            # every seat asked for, nothing else
            assert sorted(r.json()["seats"]) == sorted(want)
            for s in want:
                assert s not in owner, "a seat was granted twice"
                owner[s] = b.id
    assert owner, "nobody won a seat"
    for (b, want), r in zip(clients, results):
        if r.status_code != 409:
            continue
        assert error_code(r) == "seats_taken"
        conflicts = set(r.json()["conflicts"])
        # named seats were asked for, and are held by someone else (holds
        # only grow during the race, so "then" is still "now")
        assert conflicts and conflicts <= set(want)
        assert all(s in owner and owner[s] != b.id for s in conflicts)
        # no partial hold was left behind
        assert b.status(ev).json()["mine"] is None
    st = requests.get(f"{base_url}/api/seats/status/{ev['id']}",
                      timeout=10).json()
    assert held_ids(st) == set(owner)


def test_three_hundred_clients_race_for_the_last_hundred_ga_units(
        cat, tenant, buyer, base_url):
    ev = cat.event(tenant, ga=[130])
    ty = ev["ga"][0]
    cat.sell(ev, cat.user("early"), ga={ty: 30})   # 100 left
    clients = [buyer(f"ga{i}") for i in range(300)]
    results = race([lambda b=b: b.lock(ev, ga={ty: 1}) for b in clients])
    codes = [r.status_code for r in results]
    assert codes.count(200) == 100, codes
    assert codes.count(409) == 200
    for r in results:
        if r.status_code == 409:
            assert error_code(r) == "ga_unavailable"
            assert r.json()["available"] == {ty: 0}
    st = requests.get(f"{base_url}/api/seats/status/{ev['id']}",
                      timeout=10).json()
    assert st["ga"][ty] == 0


# --------------------------------------------------------------- release --

def test_only_the_owner_releases_a_hold(cat, tenant, buyer):
    ev = cat.event(tenant, seats=4)
    a, b = buyer(), buyer()
    assert a.lock(ev, ev["seats"][:2]).status_code == 200
    r = b.release(ev, ev["seats"][0])
    assert r.status_code == 404 and error_code(r) == "hold_not_found"
    r = b.release(ev)                      # "all mine": nothing of a's
    assert r.status_code == 204
    assert held_ids(a.status(ev).json()) == set(ev["seats"][:2])
    assert b.lock(ev, ev["seats"][:1]).status_code == 409

    r = a.release(ev, ev["seats"][0])
    assert r.status_code == 204, r.text
    assert held_ids(a.status(ev).json()) == {ev["seats"][1]}
    assert b.lock(ev, ev["seats"][:1]).status_code == 200
    assert a.release(ev).status_code == 204
    assert held_ids(a.status(ev).json()) == {ev["seats"][0]}  # b's


def test_release_finds_the_event_from_the_seat(cat, tenant, buyer):
    ev = cat.event(tenant, seats=2)
    a = buyer()
    assert a.lock(ev, ev["seats"]).status_code == 200
    r = a.call("DELETE", f"/api/seats/lock/{ev['seats'][0]}")
    assert r.status_code == 204, r.text
    assert held_ids(a.status(ev).json()) == {ev["seats"][1]}
    r = a.call("DELETE", f"/api/seats/lock/{uuid.uuid4()}")
    assert r.status_code == 404
    r = a.call("DELETE", "/api/seats/lock")   # which event?
    assert r.status_code == 400
    r = a.call("DELETE", "/api/seats/lock", params={"eventId": "x"})
    assert r.status_code == 400


def test_releasing_needs_a_signed_in_user(cat, tenant, buyer, api):
    ev = cat.event(tenant, seats=1)
    a = buyer()
    assert a.lock(ev, ev["seats"]).status_code == 200
    r = api("DELETE", f"/api/seats/lock/{ev['seats'][0]}?eventId={ev['id']}")
    assert r.status_code == 401
    assert held_ids(a.status(ev).json()) == set(ev["seats"])


# ---------------------------------------------------------------- expiry --

def test_an_expired_hold_frees_its_seats_for_the_next_buyer(
        cat, tenant, buyer, redis):
    ev = cat.event(tenant, seats=2, ga=[5])
    ty = ev["ga"][0]
    a, b = buyer(), buyer()
    hold = a.lock(ev, ev["seats"][:1], {ty: 5}).json()["holdId"]
    assert b.lock(ev, ev["seats"][:1]).status_code == 409
    expire_hold_now(redis, ev["id"], hold)
    st = b.status(ev).json()
    assert st["held"] == [] and st["ga"][ty] == 5   # the clock decides
    r = b.lock(ev, ev["seats"][:1], {ty: 5})
    assert r.status_code == 200, r.text
    assert a.status(ev).json()["mine"] is None
    # a's own expired hold is gone: releasing it now is "not yours"
    assert a.release(ev, ev["seats"][0]).status_code == 404


def test_the_sweeper_ends_expired_holds_and_announces_them(
        cat, tenant, buyer, redis, base_url):
    ev = cat.event(tenant, seats=3, ga=[8])
    ty = ev["ga"][0]
    a = buyer()
    sub = WsSub(base_url.replace("http", "ws") + f"/live/events/{ev['id']}")
    try:
        r = a.lock(ev, ev["seats"][:2], {ty: 3})
        held = sub.take(1)[0]
        assert held["type"] == "seats.held"
        expire_hold_now(redis, ev["id"], r.json()["holdId"])
        # nobody calls the API: only the sweeper (every second on the
        # test stack) can announce it
        msg = sub.take(1, timeout=10)[0]
        assert msg["type"] == "seats.released"
        assert msg["v"] == held["v"] + 1
        assert set(msg["seats"]) == set(ev["seats"][:2])
        assert msg["ga"] == {ty: 8}
        assert redis("HGET", f"zt:{{ev:{ev['id']}}}:ga", ty) == "8"
        assert redis("ZCARD", f"zt:{{ev:{ev['id']}}}:holds") == 0
    finally:
        sub.close()


# ----------------------------------------------------------------- limits --

def test_per_user_limit_counts_holds_and_bought_tickets(cat, tenant, buyer):
    ev = cat.event(tenant, seats=10, ga=[10], per_user_limit=4)
    ty = ev["ga"][0]
    a = buyer()
    cat.sell(ev, a.id, seats=[ev["seats"][9]])          # bought: 1
    assert a.lock(ev, ev["seats"][:2]).status_code == 200   # 3
    assert a.lock(ev, ev["seats"][2:3]).status_code == 200  # 4
    r = a.lock(ev, ev["seats"][3:4])
    assert r.status_code == 409 and error_code(r) == "per_user_limit"
    assert r.json()["limit"] == 4 and r.json()["count"] == 5
    r = a.lock(ev, ga={ty: 1})
    assert r.status_code == 409 and error_code(r) == "per_user_limit"
    # refreshing what is already held adds nothing
    assert a.lock(ev, ev["seats"][:3]).status_code == 200
    assert len(a.status(ev).json()["mine"]["seats"]) == 3
    # giving a seat back makes room for a unit
    assert a.release(ev, ev["seats"][0]).status_code == 204
    assert a.lock(ev, ga={ty: 1}).status_code == 200
    # the bought seat itself can never be held again
    r = buyer().lock(ev, [ev["seats"][9]])
    assert r.status_code == 409 and r.json()["conflicts"] == [ev["seats"][9]]


def test_per_order_limit_of_a_ticket_type(cat, tenant, buyer):
    ev = cat.event(tenant, ga=[50], per_order_limit=4, per_user_limit=20)
    r = buyer().lock(ev, ga={ev["ga"][0]: 5})
    assert r.status_code == 422 and error_code(r) == "per_order_limit"


# ------------------------------------------------------ closed and wrong --

@pytest.mark.parametrize("kw,status,code", [
    ({"status": "draft"}, 404, "event_not_found"),
    ({"status": "cancelled"}, 409, "event_cancelled"),
    ({"status": "completed"}, 409, "event_ended"),
    ({"sales_starts": "1 hour"}, 409, "sales_not_started"),
    ({"sales_starts": "-2 hours", "sales_ends": "-1 hour"}, 409,
     "sales_ended"),
    ({"starts": "-5 hours"}, 409, "event_ended"),
])
def test_holds_only_while_the_event_is_on_sale(cat, tenant, buyer, kw,
                                               status, code):
    ev = cat.event(tenant, seats=2, ga=[5], **kw)
    r = buyer().lock(ev, ev["seats"][:1])
    assert r.status_code == status, r.text
    assert error_code(r) == code
    r = buyer().lock(ev, ga={ev["ga"][0]: 1})
    assert r.status_code == status and error_code(r) == code


def test_a_ticket_type_past_its_own_window_refuses_units(cat, tenant, buyer):
    ev = cat.event(tenant, seats=1, ga=[5], type_sales_ends="-1 minute")
    r = buyer().lock(ev, ga={ev["ga"][0]: 1})
    assert r.status_code == 409 and error_code(r) == "sales_ended"
    assert r.json()["ticketTypeId"] == ev["ga"][0]
    assert buyer().lock(ev, ev["seats"]).status_code == 200


def test_seats_and_types_of_another_event_or_blocked_are_422(
        cat, tenant, buyer):
    ev = cat.event(tenant, seats=3, blocked=[2], ga=[5])
    other = cat.event(tenant, seats=1, ga=[5])
    b = buyer()
    r = b.lock(ev, [ev["seats"][0], other["seats"][0]])
    assert r.status_code == 422 and error_code(r) == "unknown_seats"
    assert r.json()["seatIds"] == [other["seats"][0]]
    r = b.lock(ev, [ev["seats"][2]])
    assert r.status_code == 422 and error_code(r) == "seats_blocked"
    assert r.json()["seatIds"] == [ev["seats"][2]]
    r = b.lock(ev, ga={other["ga"][0]: 1})
    assert r.status_code == 422 and error_code(r) == "unknown_ticket_types"
    assert b.status(ev).json()["mine"] is None
    assert b.status(ev).json()["blocked"] == [ev["seats"][2]]


def test_malformed_lock_requests_are_400(cat, tenant, buyer):
    ev = cat.event(tenant, seats=25)
    b = buyer()
    cases = [
        {},
        {"eventId": ev["id"]},
        {"eventId": ev["id"], "seatIds": []},
        {"eventId": "not-a-uuid", "seatIds": ev["seats"][:1]},
        {"eventId": ev["id"], "seatIds": [ev["seats"][0], ev["seats"][0]]},
        {"eventId": ev["id"], "seatIds": ev["seats"][:21]},
        {"eventId": ev["id"], "seatIds": ["A1"]},
        {"eventId": ev["id"], "ga": [{"ticketTypeId": str(uuid.uuid4())}]},
        {"eventId": ev["id"], "ga": [{"ticketTypeId": str(uuid.uuid4()),
                                      "quantity": -1}]},
    ]
    for body in cases:
        r = b.call("POST", "/api/seats/lock", body)
        assert r.status_code == 400, (body, r.text)
        assert error_code(r) in ("invalid_field", "empty_request")
    r = b.s.post(b.base + "/api/seats/lock", data="eventId=x",
                 headers={"Authorization": "Bearer " + b.token,
                          "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert b.status(ev).json()["mine"] is None


def test_lock_needs_a_valid_token(cat, tenant, api, stack_var):
    ev = cat.event(tenant, seats=1)
    body = {"eventId": ev["id"], "seatIds": ev["seats"]}
    assert api("POST", "/api/seats/lock", json=body).status_code == 401
    uid = cat.user()
    forged = jwt({"alg": "HS256", "typ": "JWT", "kid": "k1"},
                 {"iss": "ztic", "aud": "ztic-api", "sub": uid,
                  "iat": int(time.time()),
                  "exp": int(time.time()) + 600}, b"not the key" * 4)
    r = api("POST", "/api/seats/lock", json=body,
            headers={"Authorization": "Bearer " + forged})
    assert r.status_code == 401
    expired = mint(stack_var, uid, ttl=-60)
    r = api("POST", "/api/seats/lock", json=body,
            headers={"Authorization": "Bearer " + expired})
    assert r.status_code == 401
    assert api("GET", f"/api/seats/status/{ev['id']}").json()["held"] == []


def test_status_of_unknown_or_draft_events_is_404(cat, tenant, api):
    draft = cat.event(tenant, status="draft", seats=1)
    for eid in (draft["id"], str(uuid.uuid4()), "nope"):
        r = api("GET", f"/api/seats/status/{eid}")
        assert r.status_code == 404 and error_code(r) == "event_not_found"


# ------------------------------------------------------------------ sold --

def test_sold_seats_come_from_postgresql_even_when_redis_forgot(
        cat, tenant, buyer, redis):
    ev = cat.event(tenant, seats=3, ga=[10])
    cat.sell(ev, cat.user(), seats=[ev["seats"][0]], ga={ev["ga"][0]: 4})
    b = buyer()
    r = b.lock(ev, ev["seats"][:2])
    assert r.status_code == 409 and r.json()["conflicts"] == [ev["seats"][0]]
    st = b.status(ev).json()
    assert st["sold"] == [ev["seats"][0]] and st["ga"][ev["ga"][0]] == 6
    # the sold set is a cache: gone, it is rebuilt from PostgreSQL
    redis("DEL", f"zt:{{ev:{ev['id']}}}:sold", f"zt:{{ev:{ev['id']}}}:sold:ok")
    assert b.status(ev).json()["sold"] == [ev["seats"][0]]


def test_consume_sells_the_hold_and_releases_the_rest(
        cat, tenant, buyer, holdctl, redis):
    ev = cat.event(tenant, seats=4, ga=[10])
    ty = ev["ga"][0]
    a, b = buyer(), buyer()
    hold = a.lock(ev, ev["seats"][:3], {ty: 3}).json()["holdId"]
    # someone else cannot consume a's hold
    assert holdctl("consume", ev["id"], b.id, hold, ev["seats"][0]) == \
        "not_owner"
    assert held_ids(a.status(ev).json()) == set(ev["seats"][:3])
    # a's booking sold two seats and two units (after its COMMIT)
    assert holdctl("consume", ev["id"], a.id, hold, *ev["seats"][:2],
                   f"{ty}=2") == "ok"
    st = a.status(ev).json()
    assert set(st["sold"]) == set(ev["seats"][:2])
    assert st["held"] == [] and st["mine"] is None
    assert st["ga"][ty] == 8          # 2 sold, the third unit came back
    r = b.lock(ev, ev["seats"][:3])
    assert r.status_code == 409
    assert set(r.json()["conflicts"]) == set(ev["seats"][:2])
    # a refund puts them back on sale
    assert holdctl("unsell", ev["id"], a.id, ev["seats"][0], f"{ty}=1") == "ok"
    st = b.status(ev).json()
    assert st["sold"] == [ev["seats"][1]] and st["ga"][ty] == 9
    assert b.lock(ev, ev["seats"][:1]).status_code == 200


def test_consuming_an_expired_hold_still_counts_its_units(
        cat, tenant, buyer, holdctl, redis):
    ev = cat.event(tenant, ga=[10])
    ty = ev["ga"][0]
    a = buyer()
    hold = a.lock(ev, ga={ty: 4}).json()["holdId"]
    expire_hold_now(redis, ev["id"], hold)
    assert holdctl("sweep") == "ok"             # units back: 10 free
    assert a.status(ev).json()["ga"][ty] == 10
    # the payment arrived late but PostgreSQL took it
    assert holdctl("consume", ev["id"], a.id, hold, f"{ty}=4") == "ok"
    assert a.status(ev).json()["ga"][ty] == 6


# ----------------------------------------------------------- performance --

def test_status_of_a_five_thousand_seat_venue_is_one_quick_answer(
        cat, tenant, buyer, base_url):
    ev = cat.event(tenant, seats=5000, ga=[100], per_user_limit=20)
    buyers = [buyer() for _ in range(25)]
    for i, b in enumerate(buyers):
        r = b.lock(ev, ev["seats"][i * 20:(i + 1) * 20])
        assert r.status_code == 200, r.text
    url = f"{base_url}/api/seats/status/{ev['id']}"
    s = requests.Session()
    s.get(url, timeout=10)                   # seat map cached
    took = []
    for _ in range(5):
        t0 = time.monotonic()
        r = s.get(url, timeout=10)
        took.append(time.monotonic() - t0)
        assert r.status_code == 200
    assert len(r.json()["held"]) == 500
    assert min(took) < 0.25, took


# ------------------------------------------------------------ redis lost --

def test_redis_restart_loses_holds_and_the_api_recovers_by_itself(
        cat, tenant, buyer, svc, wait_healthy, pool_workers):
    ev = cat.event(tenant, seats=3, ga=[10])
    ty = ev["ga"][0]
    cat.sell(ev, cat.user(), seats=[ev["seats"][2]], ga={ty: 2})
    a, b = buyer(), buyer()
    assert a.lock(ev, ev["seats"][:1], {ty: 3}).status_code == 200
    v_before = a.status(ev).json()["v"]
    workers = pool_workers("seats")
    try:
        svc("restart", "redis")
        st = b.status(ev).json()                  # first call reconnects
        assert st["held"] == [] and st["mine"] is None
        assert st["sold"] == [ev["seats"][2]]     # from PostgreSQL
        assert st["ga"][ty] == 8                  # capacity - sold
        # v never goes backwards: subscribers see a gap and refetch
        assert st["v"] > v_before + 1
        r = b.lock(ev, ev["seats"][:2], {ty: 8})
        assert r.status_code == 200, r.text
        assert b.status(ev).json()["v"] == st["v"] + 1
        r = a.lock(ev, ev["seats"][:1])
        assert r.status_code == 409
        r = a.lock(ev, [ev["seats"][2]])
        assert r.status_code == 409               # sold stays sold
        assert pool_workers("seats") == workers   # no responder restarted
    finally:
        h = wait_healthy(15)
        assert h is not None and h.status_code == 200


# ------------------------------------------- Redis's copies of the truth --

def test_bought_counts_follow_sales_and_refunds_without_postgresql(
        cat, tenant, buyer, holdctl, redis):
    """The lock reads a buyer's bought tickets from Redis: a sale
    (consume) raises the count, a refund (unsell) lowers it."""
    ev = cat.event(tenant, seats=8, ga=[10], per_user_limit=4)
    ty = ev["ga"][0]
    a = buyer()
    hold = a.lock(ev, ev["seats"][:2], {ty: 1}).json()["holdId"]
    assert holdctl("consume", ev["id"], a.id, hold, *ev["seats"][:2],
                   f"{ty}=1") == "ok"
    assert redis("HGET", f"zt:{{ev:{ev['id']}}}:bought", a.id) == "3"
    r = a.lock(ev, ev["seats"][2:4])
    assert r.status_code == 409 and error_code(r) == "per_user_limit"
    assert r.json()["count"] == 5
    assert a.lock(ev, ev["seats"][2:3]).status_code == 200    # 3 + 1
    assert holdctl("unsell", ev["id"], a.id, ev["seats"][0], f"{ty}=1") \
        == "ok"
    assert redis("HGET", f"zt:{{ev:{ev['id']}}}:bought", a.id) == "1"
    assert a.lock(ev, ev["seats"][2:5]).status_code == 200    # 1 + 3


def test_a_lost_sold_set_is_rebuilt_before_a_lock_answers(
        cat, tenant, buyer, redis):
    ev = cat.event(tenant, seats=4, per_user_limit=2)
    a = buyer()
    cat.sell(ev, a.id, seats=[ev["seats"][0]])
    assert buyer().lock(ev, ev["seats"][1:2]).status_code == 200
    # Redis forgets what is sold (restart, eviction, expiry)
    keys = [f"zt:{{ev:{ev['id']}}}:{k}" for k in ("sold", "sold:ok",
                                                 "bought")]
    redis("DEL", *keys)
    r = buyer().lock(ev, ev["seats"][:1])
    assert r.status_code == 409 and r.json()["conflicts"] == [ev["seats"][0]]
    r = a.lock(ev, ev["seats"][2:4])
    assert r.status_code == 409 and error_code(r) == "per_user_limit"
    assert r.json()["count"] == 3


def test_the_cached_snapshot_is_always_exact(cat, tenant, buyer, base_url,
                                            redis):
    ev = cat.event(tenant, seats=6)
    anon = f"{base_url}/api/seats/status/{ev['id']}"
    a, b = buyer(), buyer()

    def public(st):
        return {k: v for k, v in st.items() if k != "mine"}

    first = requests.get(anon, timeout=10).json()
    for _ in range(4):        # every worker answers from its cache now
        assert requests.get(anon, timeout=10).json() == first
    hold = a.lock(ev, ev["seats"][:2]).json()["holdId"]
    for _ in range(4):        # a change (v) is seen by every worker
        st = requests.get(anon, timeout=10).json()
        assert st["v"] == first["v"] + 1
        assert held_ids(st) == set(ev["seats"][:2]) and "mine" not in st
    # signed in: the same public part, and the caller's own hold
    mine = a.status(ev).json()
    assert public(mine) == st and mine["mine"]["holdId"] == hold
    assert b.status(ev).json()["mine"] is None
    assert public(b.status(ev).json()) == st
    # an expiry changes no v, and still shows at once
    expire_hold_now(redis, ev["id"], hold)
    for _ in range(4):
        st = requests.get(anon, timeout=10).json()
        assert st["held"] == [] and st["v"] == first["v"] + 1
    assert a.status(ev).json()["mine"] is None
