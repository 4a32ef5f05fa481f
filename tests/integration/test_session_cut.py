"""Ending a session cuts its access tokens at once, not only its refresh
(docs/auth.md, "Sessions"; issue #23): an access token carries its
session ("sid", the refresh family) and every authenticated request reads
zt:revoked:s:<sid> in the same Redis round trip as the deleted-user key."""

import base64
import json
import uuid

from ztauth import Browser, jwt, sign_in, signing_key


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def ok(b):
    return b.call("GET", "/api/auth/sessions").status_code == 200


def test_ending_a_session_refuses_its_access_token_at_once(base_url,
                                                          fakes_url):
    email = f"cut-{uuid.uuid4().hex[:10]}@test.ztic.in"
    laptop, phone, tablet = Browser(base_url), Browser(base_url), \
        Browser(base_url)
    for br, agent in ((laptop, "Laptop"), (phone, "Phone"),
                      (tablet, "Tablet")):
        br.s.headers["User-Agent"] = agent
        sign_in(base_url, fakes_url, "email", email, browser=br)
    sessions = laptop.call("GET", "/api/auth/sessions").json()["sessions"]
    by_agent = {s["userAgent"]: s["id"] for s in sessions}
    # the token names its session; a refresh keeps it
    assert claims(phone.token)["sid"] == by_agent["Phone"]
    assert phone.refresh().status_code == 200
    assert claims(phone.token)["sid"] == by_agent["Phone"]
    assert ok(phone) and ok(tablet)

    # end the phone's session: its (unexpired) access token stops now
    r = laptop.call("DELETE", f"/api/auth/sessions/{by_agent['Phone']}")
    assert r.status_code == 204, r.text
    r = phone.call("GET", "/api/auth/me")
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "invalid_token"
    assert ok(tablet) and ok(laptop)

    # end all others: the tablet's token stops, the laptop's goes on
    r = laptop.call("DELETE", "/api/auth/sessions")
    assert r.status_code == 200 and r.json() == {"ended": 1}
    assert tablet.call("GET", "/api/auth/me").status_code == 401
    assert ok(laptop)
    assert laptop.refresh().status_code == 200 and ok(laptop)


def test_an_api_client_without_the_cookie_keeps_its_own_session(base_url,
                                                               fakes_url):
    email = f"cut-{uuid.uuid4().hex[:10]}@test.ztic.in"
    app, other = Browser(base_url), Browser(base_url)
    sign_in(base_url, fakes_url, "email", email, browser=app)
    sign_in(base_url, fakes_url, "email", email, browser=other)
    app.s.cookies.clear()           # the bearer token only
    r = app.call("DELETE", "/api/auth/sessions")
    assert r.status_code == 200 and r.json() == {"ended": 1}, r.text
    assert ok(app)
    assert other.call("GET", "/api/auth/me").status_code == 401


def test_signing_out_cuts_that_sessions_access_token(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    other, _ = sign_in(base_url, fakes_url)
    token = b.token
    r = b.call("POST", "/api/auth/logout", {}, auth=False)
    assert r.status_code == 204, r.text
    r = b.call("GET", "/api/auth/me",
               headers={"Authorization": "Bearer " + token})
    assert r.status_code == 401, r.text
    # someone else's session is not touched
    assert ok(other)


def test_a_token_naming_an_ended_or_malformed_session_is_refused(
        base_url, fakes_url, stack_var):
    """A signed token (as if the key leaked to a test) naming an ended
    session is refused, and one with a sid that is not a UUID does not
    verify; a token without sid (older ones) still works."""
    b, _ = sign_in(base_url, fakes_url)
    other = Browser(base_url)
    sign_in(base_url, fakes_url, "email", b.call("GET", "/api/auth/me")
            .json()["user"]["email"], browser=other)
    ended = claims(other.token)["sid"]
    assert b.call("DELETE", f"/api/auth/sessions/{ended}").status_code == 204
    kid, key = signing_key(stack_var)
    head = {"alg": "HS256", "typ": "JWT", "kid": kid}
    c = claims(b.token)
    for sid, want in ((ended, 401), ("x" * 36, 401), (None, 200)):
        body = dict(c)
        body.pop("sid")
        if sid:
            body["sid"] = sid
        r = b.call("GET", "/api/auth/me", headers={
            "Authorization": "Bearer " + jwt(head, body, key)})
        assert r.status_code == want, (sid, r.text)
