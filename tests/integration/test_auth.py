"""Passwordless sign-in, access tokens and refresh-token rotation, end to end
through nginx and the auth responder, with the provider fakes."""

import hashlib
import threading
import time
import uuid

import psycopg2
import pytest
import requests

from ztauth import (Browser, b64u, code_from, jwt, mint, sign_in,
                    signing_key)


@pytest.fixture
def owner_db(pg_owner_dsn):
    conn = psycopg2.connect(pg_owner_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def new_email():
    return f"u-{uuid.uuid4().hex[:12]}@test.ztic.in"


# ---------------------------------------------------------- sign-in flows --

@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp"])
def test_sign_in_end_to_end_on_each_channel(base_url, fakes_url, channel):
    b, body = sign_in(base_url, fakes_url, channel)
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == 900
    assert body["user"]["id"]
    if channel == "email":
        assert body["user"]["email"].endswith("@test.ztic.in")
    else:
        assert body["user"]["phone"].startswith("+91")
    me = b.call("GET", "/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == body["user"]["id"]
    assert me.json()["memberships"] == []


def test_refresh_cookie_is_httponly_strict_and_scoped(base_url, fakes_url):
    b = Browser(base_url)
    email = new_email()
    cid = b.call("POST", "/api/auth/otp/send",
                 {"channel": "email", "to": email}).json()["challengeId"]
    code = code_from(fakes_url, "resend", email)
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": cid, "code": code})
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("zt_refresh=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/api/auth" in cookie
    # the refresh token never appears in the JSON body
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token not in r.text


def test_second_sign_in_finds_the_same_user(base_url, fakes_url):
    email = new_email()
    _, first = sign_in(base_url, fakes_url, "email", email)
    _, again = sign_in(base_url, fakes_url, "email", email.upper())
    assert first["user"]["id"] == again["user"]["id"]


def test_send_answers_alike_for_known_and_unknown_people(base_url, fakes_url):
    known = new_email()
    sign_in(base_url, fakes_url, "email", known)
    b = Browser(base_url)
    r1 = b.call("POST", "/api/auth/otp/send", {"channel": "email", "to": known})
    r2 = b.call("POST", "/api/auth/otp/send",
                {"channel": "email", "to": new_email()})
    assert r1.status_code == r2.status_code == 202
    assert set(r1.json()) == set(r2.json()) == {"challengeId", "expiresAt"}


def test_send_validates_fields(base_url):
    b = Browser(base_url)
    r = b.call("POST", "/api/auth/otp/send", {"channel": "pigeon", "to": "x"})
    assert r.status_code == 400
    assert "channel" in r.json()["error"]["message"]
    r = b.call("POST", "/api/auth/otp/send",
               {"channel": "email", "to": "not-an-email"})
    assert r.status_code == 400
    assert "'to'" in r.json()["error"]["message"]
    r = b.call("POST", "/api/auth/otp/send", {"channel": "sms", "to": "12"})
    assert r.status_code == 400
    r = b.call("POST", "/api/auth/otp/send", {"channel": "email"})
    assert r.status_code == 400
    assert "'to' is required" in r.json()["error"]["message"]
    r = b.call("POST", "/api/auth/otp/send", data="{oops",
               headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_json"
    r = b.call("POST", "/api/auth/otp/send", data="x" * 5000,
               headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


# ------------------------------------------------------------ code abuse --

def test_five_wrong_codes_kill_the_challenge(base_url, fakes_url):
    b = Browser(base_url)
    email = new_email()
    cid = b.call("POST", "/api/auth/otp/send",
                 {"channel": "email", "to": email}).json()["challengeId"]
    right = code_from(fakes_url, "resend", email)
    wrong = "%06d" % ((int(right) + 1) % 1000000)
    for left in (4, 3, 2, 1, 0):
        r = b.call("POST", "/api/auth/otp/verify",
                   {"challengeId": cid, "code": wrong})
        assert r.status_code == 401
        assert r.json()["attemptsLeft"] == left
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": cid, "code": right})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "code_expired"


def test_used_code_cannot_be_used_again(base_url, fakes_url):
    b = Browser(base_url)
    email = new_email()
    cid = b.call("POST", "/api/auth/otp/send",
                 {"channel": "email", "to": email}).json()["challengeId"]
    code = code_from(fakes_url, "resend", email)
    ok = b.call("POST", "/api/auth/otp/verify", {"challengeId": cid, "code": code})
    assert ok.status_code == 200
    again = b.call("POST", "/api/auth/otp/verify",
                   {"challengeId": cid, "code": code})
    assert again.status_code == 401


def test_expired_code_is_refused(base_url, fakes_url, owner_db):
    b = Browser(base_url)
    email = new_email()
    cid = b.call("POST", "/api/auth/otp/send",
                 {"channel": "email", "to": email}).json()["challengeId"]
    code = code_from(fakes_url, "resend", email)
    with owner_db.cursor() as cur:
        cur.execute("UPDATE otp_challenges SET created_at = now() - interval '20 minutes',"
                    " expires_at = now() - interval '1 second' WHERE id = %s", (cid,))
    r = b.call("POST", "/api/auth/otp/verify", {"challengeId": cid, "code": code})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "code_expired"


def test_code_is_stored_only_as_a_keyed_hash(base_url, fakes_url, owner_db):
    b = Browser(base_url)
    email = new_email()
    cid = b.call("POST", "/api/auth/otp/send",
                 {"channel": "email", "to": email}).json()["challengeId"]
    code = code_from(fakes_url, "resend", email)
    with owner_db.cursor() as cur:
        cur.execute("SELECT code_hash FROM otp_challenges WHERE id = %s", (cid,))
        stored = bytes(cur.fetchone()[0])
    assert code.encode() not in stored
    assert stored != hashlib.sha256(code.encode()).digest()
    assert stored != hashlib.sha256(f"{cid}:{code}".encode()).digest()


def test_unknown_challenge_and_malformed_code(base_url):
    b = Browser(base_url)
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": str(uuid.uuid4()), "code": "123456"})
    assert r.status_code == 401
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": "nope", "code": "123456"})
    assert r.status_code == 400
    assert "challengeId" in r.json()["error"]["message"]
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": str(uuid.uuid4()), "code": "12a456"})
    assert r.status_code == 400
    assert "'code'" in r.json()["error"]["message"]


# ---------------------------------------------------------------- limits --

def test_fourth_send_in_ten_minutes_is_429(base_url):
    b = Browser(base_url)
    email = new_email()
    for _ in range(3):
        r = b.call("POST", "/api/auth/otp/send", {"channel": "email", "to": email})
        assert r.status_code == 202
    # another address, same identifier: still limited
    other = Browser(base_url)
    r = other.call("POST", "/api/auth/otp/send",
                   {"channel": "email", "to": " " + email.upper()})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "rate_limited"


def test_per_address_limit(base_url):
    b = Browser(base_url)
    codes = []
    for _ in range(31):
        codes.append(b.call("POST", "/api/auth/otp/send",
                            {"channel": "email", "to": new_email()}).status_code)
    assert codes[:30] == [202] * 30
    assert codes[30] == 429


def test_provider_failure_is_502_and_leaves_no_challenge(base_url, fakes_url,
                                                         owner_db):
    requests.post(fakes_url + "/_fake/fail",
                  json={"provider": "twilio", "status": 500, "count": 1},
                  timeout=5).raise_for_status()
    b = Browser(base_url)
    phone = "98" + str(uuid.uuid4().int)[:8]
    r = b.call("POST", "/api/auth/otp/send", {"channel": "sms", "to": phone})
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "delivery_failed"
    with owner_db.cursor() as cur:
        cur.execute("SELECT count(*) FROM otp_challenges WHERE identifier = %s",
                    ("+91" + phone,))
        assert cur.fetchone()[0] == 0


# ------------------------------------------------------- access tokens --

def test_forged_access_tokens_are_refused(base_url, stack_var):
    kid, key = signing_key(stack_var)
    now = int(time.time())
    sub = str(uuid.uuid4())
    claims = {"iss": "ztic", "aud": "ztic-api", "sub": sub, "iat": now,
              "exp": now + 600}
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    good = jwt(header, claims, key)
    forged = {
        "alg none": b64u({"alg": "none", "kid": kid}) + "." + b64u(claims) + ".",
        "HS512": jwt(dict(header, alg="HS512"), claims, key, hashlib.sha512),
        "wrong key": jwt(header, claims, b"k" * 32),
        "expired": jwt(header, dict(claims, iat=now - 1000, exp=now - 10), key),
        "wrong audience": jwt(header, dict(claims, aud="elsewhere"), key),
        "wrong issuer": jwt(header, dict(claims, iss="evil"), key),
        "unknown kid": jwt(dict(header, kid="nope"), claims, key),
        "tampered": good.split(".")[0] + "." +
                    b64u(dict(claims, sub=str(uuid.uuid4()))) + "." +
                    good.split(".")[2],
    }
    for name, token in forged.items():
        r = requests.get(base_url + "/api/auth/me", timeout=5,
                         headers={"Authorization": "Bearer " + token})
        assert r.status_code == 401, name
        assert r.json()["error"]["code"] == "invalid_token", name
    r = requests.get(base_url + "/api/auth/me", timeout=5)
    assert r.status_code == 401


def test_me_with_a_minted_token_for_a_deleted_user_is_401(base_url, stack_var):
    token = mint(stack_var, str(uuid.uuid4()))
    r = requests.get(base_url + "/api/auth/me", timeout=5,
                     headers={"Authorization": "Bearer " + token})
    assert r.status_code == 401


# -------------------------------------------------------- refresh tokens --

def test_refresh_rotates_the_token(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    first = b.s.cookies.get("zt_refresh")
    r = b.refresh()
    assert r.status_code == 200, r.text
    second = b.s.cookies.get("zt_refresh")
    assert second and second != first
    assert b.call("GET", "/api/auth/me").status_code == 200
    assert b.refresh().status_code == 200
    assert b.s.cookies.get("zt_refresh") not in (first, second)


def test_reused_rotated_token_revokes_the_family(base_url, fakes_url, owner_db):
    b, _ = sign_in(base_url, fakes_url)
    stolen = b.s.cookies.get("zt_refresh")
    assert b.refresh().status_code == 200
    # push the rotation out of the grace window
    with owner_db.cursor() as cur:
        cur.execute("UPDATE refresh_tokens SET rotated_at = now() - interval '1 hour'"
                    " WHERE rotated_at IS NOT NULL AND family_id IN ("
                    " SELECT family_id FROM refresh_tokens WHERE rotated_at IS NULL)")
    thief = Browser(base_url)
    thief.set_refresh(stolen)
    r = thief.refresh()
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_reused"
    # the rightful owner's newest token is dead too
    r = b.refresh()
    assert r.status_code == 401


def test_concurrent_double_refresh_keeps_the_session(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    cookie = b.s.cookies.get("zt_refresh")
    results = []

    def tab():
        t = Browser(base_url, b.ip)
        t.set_refresh(cookie)
        r = t.refresh()
        results.append((r.status_code, t.s.cookies.get("zt_refresh")))

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in results] == [200, 200], results
    assert results[0][1] == results[1][1]  # the same successor
    # and the session goes on from it
    t = Browser(base_url, b.ip)
    t.set_refresh(results[0][1])
    assert t.refresh().status_code == 200


def test_logout_revokes_the_family(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    cookie = b.s.cookies.get("zt_refresh")
    r = b.call("POST", "/api/auth/logout", {})
    assert r.status_code == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    replay = Browser(base_url)
    replay.set_refresh(cookie)
    assert replay.refresh().status_code == 401


def test_refresh_refuses_cross_site_forms_and_missing_cookies(base_url,
                                                             fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    r = b.call("POST", "/api/auth/token/refresh", data="tenantId=x",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = b.call("POST", "/api/auth/token/refresh", data="",
               headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = Browser(base_url).refresh()
    assert r.status_code == 401


# ---------------------------------------------------------- tenant switch --

def _tenant_with_member(owner_db, user_id, role="owner"):
    tid = str(uuid.uuid4())
    with owner_db.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant_id', %s, false)", (tid,))
        cur.execute("INSERT INTO tenants (id, slug, name) VALUES (%s, %s, %s)",
                    (tid, "t-" + tid[:8], "Test Club " + tid[:4]))
        if user_id:
            cur.execute("INSERT INTO memberships (tenant_id, user_id, role)"
                        " VALUES (%s, %s, %s)", (tid, user_id, role))
        cur.execute("SELECT set_config('app.tenant_id', '', false)")
    return tid


def test_tenant_switch_needs_membership(base_url, fakes_url, owner_db):
    b, body = sign_in(base_url, fakes_url)
    uid = body["user"]["id"]
    mine = _tenant_with_member(owner_db, uid, "manager")
    other = _tenant_with_member(owner_db, None)
    r = b.refresh(other)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_a_member"
    r = b.refresh(mine)
    assert r.status_code == 200, r.text
    assert r.json()["tenantId"] == mine
    assert r.json()["role"] == "manager"
    me = b.call("GET", "/api/auth/me").json()
    assert me["activeTenant"] == mine
    assert [m["tenantId"] for m in me["memberships"]] == [mine]
    # the active tenant sticks across plain refreshes
    r = b.refresh()
    assert r.json()["tenantId"] == mine
