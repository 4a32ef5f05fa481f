"""Abuse limits of holds and sign-in (issue #16): a hold's life is capped
from its first lock, lock calls are rate-limited per user and per address,
and failed OTP verifications are counted per identifier (tags folded) with
backoff and a daily cap.  docs/holds.md, docs/auth.md.

Waiting minutes for a cap or a backoff is not an option, so where time must
pass the test moves the recorded time in Redis instead (the hold's cap `x`,
a failure record's `last`), exactly as time passing would.
"""

import datetime
import hashlib
import json
import os
import threading
import time
import uuid

import pytest
import requests

from ztauth import Browser, SourceAdapter, code_from, mint, random_loopback
from ztseats import Redis, cat, tenant  # noqa: F401


# ---------------------------------------------------------------- helpers --

def stack_setting(stack_var, name, default):
    """A ZT_* setting the responders run with (their env file), or the
    default the code applies when it is not set."""
    try:
        with open(os.path.join(stack_var, "env")) as f:
            for line in f:
                if line.startswith(f"export {name}="):
                    return int(line.split("=", 1)[1].strip().strip("'\""))
    except OSError:
        pass
    return default


def digest(scope, key):
    """zt_rate_digest: BLAKE2b-128 of key keyed by scope (libsodium's
    crypto_generichash is keyed BLAKE2b)."""
    return hashlib.blake2b(key.encode(), digest_size=16,
                           key=scope.encode()).hexdigest()


def rate_key(scope, key):
    """zt_rate's Redis key: zt:rl:<scope>:<digest>."""
    return f"zt:rl:{scope}:{digest(scope, key)}"


def ms(iso):
    """Milliseconds since the epoch of an API timestamp."""
    return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def redis_now_ms(redis):
    sec, usec = redis("TIME")
    return int(sec) * 1000 + int(usec) // 1000


def assert_429(r, code="rate_limited", at_least=1, at_most=None):
    """429 in the JSON error shape with a whole-seconds Retry-After."""
    assert r.status_code == 429, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == code, r.text
    assert err["message"]
    wait = int(r.headers["Retry-After"])
    assert wait >= at_least, wait
    if at_most is not None:
        assert wait <= at_most, wait
    assert r.json()["retryAfter"] == wait
    return wait


class Locker:
    """A signed-in buyer (minted token) calling from its own address."""

    def __init__(self, base, stack_var, user_id, ip=None):
        self.base = base
        self.id = user_id
        self.ip = ip or random_loopback()
        self.token = mint(stack_var, user_id)
        self.s = requests.Session()
        self.s.mount("http://", SourceAdapter(self.ip))

    def lock(self, ev, seats):
        return self.s.post(self.base + "/api/seats/lock",
                           json={"eventId": ev["id"], "seatIds": list(seats)},
                           headers={"Authorization": "Bearer " + self.token},
                           timeout=15)

    def status(self, ev):
        return self.s.get(self.base + f"/api/seats/status/{ev['id']}",
                          headers={"Authorization": "Bearer " + self.token},
                          timeout=15)


@pytest.fixture(scope="module")
def redis(redis_socket):
    return Redis(redis_socket)


@pytest.fixture(scope="module")
def locker(cat, base_url, stack_var):  # noqa: F811
    def make(label="buyer", ip=None):
        return Locker(base_url, stack_var, cat.user(label), ip)
    return make


# ------------------------------------------------------ a hold's max life --

def test_a_hold_shows_its_cap_at_first_lock_plus_max_life(
        cat, tenant, locker, stack_var):  # noqa: F811
    ttl = stack_setting(stack_var, "ZT_HOLD_TTL", 300)
    life = stack_setting(stack_var, "ZT_HOLD_MAX_LIFE", 0) or 2 * ttl
    ev = cat.event(tenant, seats=3)
    a = locker()
    first = a.lock(ev, ev["seats"][:1])
    assert first.status_code == 200, first.text
    h = first.json()
    # first lock: expiry now + TTL, cap now + max life (the same now)
    assert ms(h["maxExpiresAt"]) - ms(h["expiresAt"]) == (life - ttl) * 1000
    time.sleep(0.05)
    again = a.lock(ev, ev["seats"][:2]).json()
    assert again["holdId"] == h["holdId"]
    assert ms(again["expiresAt"]) > ms(h["expiresAt"])
    # the cap was fixed by the first lock: relocking does not move it
    assert again["maxExpiresAt"] == h["maxExpiresAt"]
    assert a.status(ev).json()["mine"]["maxExpiresAt"] == h["maxExpiresAt"]


def test_relocking_cannot_keep_a_hold_past_its_max_life(
        cat, tenant, locker, redis):  # noqa: F811
    ev = cat.event(tenant, seats=3)
    a, b = locker("hoarder"), locker("fan")
    seat = ev["seats"][0]
    h = a.lock(ev, [seat]).json()
    # as if the hold were max life old but for 2 s: its cap is 2 s away
    key = f"zt:{{ev:{ev['id']}}}:hold"
    rec = json.loads(redis("HGET", key, h["holdId"]))
    cap = redis_now_ms(redis) + 2000
    rec["x"] = cap
    redis("HSET", key, h["holdId"], json.dumps(rec))

    # the attack: the same lock again and again; the expiry stops at the cap
    for _ in range(3):
        r = a.lock(ev, [seat])
        assert r.status_code == 200, r.text
        assert r.json()["holdId"] == h["holdId"]
        assert ms(r.json()["expiresAt"]) == cap
        assert ms(r.json()["maxExpiresAt"]) == cap
    st = b.status(ev).json()
    assert [x["seatId"] for x in st["held"]] == [seat]
    assert ms(st["held"][0]["expiresAt"]) == cap
    assert b.lock(ev, [seat]).status_code == 409

    # past the cap the seat is free for everyone, without a sweeper run
    while redis_now_ms(redis) <= cap + 50:
        time.sleep(0.1)
    st = a.status(ev).json()
    assert st["held"] == [] and st["mine"] is None
    r = b.lock(ev, [seat])
    assert r.status_code == 200, r.text
    assert a.lock(ev, [seat]).status_code == 409


# ------------------------------------------------------ lock rate limits --

def test_lock_calls_are_limited_per_user(cat, tenant, locker,
                                         stack_var):  # noqa: F811
    limit = stack_setting(stack_var, "ZT_HOLD_USER_MAX", 60)
    window = stack_setting(stack_var, "ZT_HOLD_RATE_WINDOW", 60)
    ev = cat.event(tenant, seats=3)
    a = locker("clicker")
    for i in range(limit):
        r = a.lock(ev, ev["seats"][:1])
        assert r.status_code == 200, (i, r.text)
    r = a.lock(ev, ev["seats"][:1])
    assert_429(r, at_most=window)
    # a refused call changed nothing; another seat is refused alike
    assert a.status(ev).json()["mine"]["seats"] == ev["seats"][:1]
    assert_429(a.lock(ev, ev["seats"][1:2]), at_most=window)
    # counted per event (in the event's own Redis keys: no extra round
    # trip): another sale is not blocked by this one
    ev2 = cat.event(tenant, seats=1)
    assert a.lock(ev2, ev2["seats"]).status_code == 200
    # another user at the same address is not limited by this one
    other = locker("neighbour", ip=a.ip)
    assert other.lock(ev, ev["seats"][1:2]).status_code == 200


def test_lock_calls_are_limited_per_address(cat, tenant, locker, redis,
                                            stack_var):  # noqa: F811
    limit = stack_setting(stack_var, "ZT_HOLD_IP_MAX", 3000)
    window = stack_setting(stack_var, "ZT_HOLD_RATE_WINDOW", 60)
    ev = cat.event(tenant, seats=3)
    ip = random_loopback()
    # the address's window already full (limit calls a second ago: many
    # accounts behind one client), as limit real calls would leave it
    now = redis_now_ms(redis)
    redis("HSET", f"zt:{{ev:{ev['id']}}}:rl", "a:" + digest("hold-ip", ip),
          f"{now - 1000}:{limit}")
    fresh = locker("fresh", ip=ip)
    assert_429(fresh.lock(ev, ev["seats"][:1]), at_most=window)
    # the same user from another address is served
    fresh.s = requests.Session()
    fresh.s.mount("http://", SourceAdapter(random_loopback()))
    assert fresh.lock(ev, ev["seats"][:1]).status_code == 200


# ------------------------------------------------------------------ OTP --

def new_local():
    return f"lim-{uuid.uuid4().hex[:10]}"


def send(to, browser=None):
    b = browser or Browser(os.environ["ZT_TEST_BASE_URL"])
    return b.call("POST", "/api/auth/otp/send", {"channel": "email", "to": to},
                  auth=False)


def verify(cid, code, browser=None):
    b = browser or Browser(os.environ["ZT_TEST_BASE_URL"])
    return b.call("POST", "/api/auth/otp/verify",
                  {"challengeId": cid, "code": code}, auth=False)


def wrong(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def test_email_tags_and_case_share_the_send_limit(base_url, fakes_url,
                                                 stack_var):
    sends = stack_setting(stack_var, "ZT_OTP_MAX_SENDS", 3)
    local = new_local()
    # each from its own address: only the identifier limit can refuse
    for i in range(sends):
        to = f"{local.upper()}+t{i}@Test.ztic.in" if i else \
            f"{local}@test.ztic.in"
        r = send(to)
        assert r.status_code == 202, r.text
    r = send(f"{local}+other@test.ztic.in")
    assert_429(r)
    assert_429(send(f" {local.upper()}@TEST.ztic.in"))
    # the code went to the address as typed (normalised), tag and all
    assert code_from(fakes_url, "resend", f"{local}+t1@test.ztic.in")
    # another inbox is not affected
    assert send(f"{new_local()}+t0@test.ztic.in").status_code == 202


def test_failed_codes_back_off_across_challenges_and_tags(
        base_url, fakes_url, redis, stack_var):
    free = stack_setting(stack_var, "ZT_OTP_FAIL_FREE", 5)
    base = stack_setting(stack_var, "ZT_OTP_BACKOFF", 30)
    if free != 5:
        pytest.skip("written for one challenge's 5 tries = the free ones")
    local = new_local()
    counted = rate_key("otp-fail", f"{local}@test.ztic.in")

    one = f"{local}+a@test.ztic.in"
    cid1 = send(one).json()["challengeId"]
    code1 = code_from(fakes_url, "resend", one)
    for left in range(4, -1, -1):
        r = verify(cid1, wrong(code1))
        assert r.status_code == 401, r.text
        assert r.json()["attemptsLeft"] == left

    # a new challenge (another tag of the same inbox) brings no new tries:
    # the next verify waits, even with the right code, and costs no attempt
    two = f"{local}+b@test.ztic.in"
    cid2 = send(two).json()["challengeId"]
    code2 = code_from(fakes_url, "resend", two)
    first_wait = assert_429(verify(cid2, wrong(code2)), at_least=base - 2,
                            at_most=base)
    assert_429(verify(cid2, code2), at_most=base)

    # the wait over (moved back in Redis): one try, then a doubled wait
    redis("HSET", counted, "last", "0")
    r = verify(cid2, wrong(code2))
    assert r.status_code == 401 and r.json()["attemptsLeft"] == 4, r.text
    second_wait = assert_429(verify(cid2, code2))
    assert second_wait > first_wait
    assert second_wait >= 2 * base - 2

    # the right code after the wait signs in and forgets the failures
    redis("HSET", counted, "last", "0")
    r = verify(cid2, code2)
    assert r.status_code == 200, r.text
    assert redis("EXISTS", counted) == 0


def test_racing_verifications_cannot_slip_through_one_backoff_gap(
        base_url, fakes_url, redis, stack_var):
    free = stack_setting(stack_var, "ZT_OTP_FAIL_FREE", 5)
    if free != 5 or stack_setting(stack_var, "ZT_OTP_MAX_SENDS", 3) < 3:
        pytest.skip("written for 5 free wrong codes and 3 sends")
    local = new_local()
    counted = rate_key("otp-fail", f"{local}@test.ztic.in")
    codes = []
    for i in range(3):
        to = f"{local}+r{i}@test.ztic.in"
        r = send(to)
        assert r.status_code == 202, r.text
        codes.append((r.json()["challengeId"],
                      code_from(fakes_url, "resend", to)))
    for _ in range(5):
        assert verify(codes[0][0], wrong(codes[0][1])).status_code == 401
    # the wait is over: one try is due; eight arrive at once on the two
    # live challenges (each its own row lock, so they run side by side)
    redis("HSET", counted, "last", "0")
    gate = threading.Barrier(8)
    results = []

    def attack(i):
        cid, code = codes[1 + i % 2]
        b = Browser(base_url)
        gate.wait()
        results.append(verify(cid, wrong(code), b))

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in results) == [401] + [429] * 7
    for r in results:
        if r.status_code == 429:
            assert_429(r)
    assert int(redis("HGET", counted, "n")) == 6


def test_failed_codes_hit_a_daily_cap_that_new_challenges_cannot_stretch(
        base_url, fakes_url, redis, stack_var):
    cap = stack_setting(stack_var, "ZT_OTP_FAIL_MAX", 15)
    local = new_local()
    email = f"{local}@test.ztic.in"
    counted = rate_key("otp-fail", email)
    sends_key = rate_key("otp-id", email)
    failures = 0
    challenges = []
    while failures < cap - 1:
        if not challenges or challenges[-1][2] == 0:
            # a fresh code whenever the last one is used up (the send
            # window emptied, as ten minutes would)
            redis("DEL", sends_key)
            to = f"{local}+c{len(challenges)}@test.ztic.in"
            r = send(to)
            assert r.status_code == 202, r.text
            challenges.append([r.json()["challengeId"],
                               code_from(fakes_url, "resend", to), 5])
        cid, code, _ = challenges[-1]
        redis("HSET", counted, "last", "0")  # any backoff wait is over
        r = verify(cid, wrong(code))
        assert r.status_code == 401, (failures, r.text)
        challenges[-1][2] -= 1
        failures += 1

    # one try left today; a fresh challenge is still sent
    redis("DEL", sends_key)
    fresh = f"{local}+fresh@test.ztic.in"
    r = send(fresh)
    assert r.status_code == 202, r.text
    fresh_cid = r.json()["challengeId"]
    fresh_code = code_from(fakes_url, "resend", fresh)
    redis("HSET", counted, "last", "0")
    r = verify(fresh_cid, wrong(fresh_code))
    assert r.status_code == 401, r.text

    # at the cap: even the right code waits for the day, and no code is
    # sent to any spelling of the inbox (the send limit is not what says so)
    redis("HSET", counted, "last", "0")
    day = assert_429(verify(fresh_cid, fresh_code), "too_many_failures",
                     at_least=86400 - 120, at_most=86400)
    assert day > 3600
    redis("DEL", sends_key)
    assert_429(send(f"{local.upper()}+x@test.ztic.in"), "too_many_failures")
    assert int(redis("HGET", counted, "n")) == cap
    # the refused verify did not spend the challenge's tries
    redis("DEL", counted)
    r = verify(fresh_cid, fresh_code)
    assert r.status_code == 200, r.text
