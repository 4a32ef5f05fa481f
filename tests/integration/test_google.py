"""Sign in with Google through nginx, against tests/fakes/google.py
(docs/auth.md, "Sign in with Google").

The stand-in approves at once as the address given in login_hint, and
mints a bad ID token on request (fake_defect): each attack must be refused
with its own error code and leave no session behind.
"""

import os
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from ztauth import Browser, sign_in

CLIENT_ID = "ztic-dev.apps.googleusercontent.com"  # scripts/dev GOOGLE_ID


@pytest.fixture(scope="module")
def google_url():
    url = os.environ.get("ZT_TEST_GOOGLE_URL")
    if not url:
        pytest.skip("the google stand-in is not running (no tests/fakes/google.py)")
    return url.rstrip("/")


def new_email():
    return f"g-{uuid.uuid4().hex[:10]}@test.ztic.in"


def start(b, next_="/", **params):
    q = dict(params)
    if next_ is not None:
        q["next"] = next_
    return b.call("GET", "/api/auth/google/start", auth=False, params=q,
                  allow_redirects=False)


def authorize(location, email, **fake):
    """Follow the authorize redirect at the stand-in: the callback URL."""
    extra = {"login_hint": email}
    extra.update(fake)
    r = requests.get(location + "&" + urlencode(extra), allow_redirects=False,
                     timeout=10)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def callback(b, url, headers=None):
    return b.s.get(url, allow_redirects=False, timeout=15, headers=headers or {})


def google_sign_in(b, google_url, email, next_="/", **fake):
    """start -> stand-in -> callback in browser b; the callback's answer."""
    r = start(b, next_)
    assert r.status_code == 302, r.text
    assert r.headers["Location"].startswith(google_url + "/o/oauth2/v2/auth?")
    return callback(b, authorize(r.headers["Location"], email, **fake))


def refused(r, status, code):
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text
    assert "zt_refresh=" not in r.headers.get("Set-Cookie", "").replace(
        "zt_refresh=;", ""), r.headers


def no_session(b):
    r = b.refresh()
    assert r.status_code == 401, r.text


# ------------------------------------------------------------- the flow --

def test_providers_tell_the_page_google_is_on(api):
    r = api.get("/api/auth/providers")
    assert r.status_code == 200
    assert r.json() == {"google": True}


def test_start_redirects_with_pkce_state_nonce_and_a_lax_httponly_cookie(
        base_url, google_url):
    b = Browser(base_url)
    r = start(b, "/tickets.html")
    assert r.status_code == 302, r.text
    loc = urlsplit(r.headers["Location"])
    q = {k: v[0] for k, v in parse_qs(loc.query).items()}
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == base_url + "/api/auth/google/callback"
    assert q["response_type"] == "code"
    assert q["scope"] == "openid email profile"
    assert q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 43 and len(q["nonce"]) >= 43
    assert q["state"] != q["nonce"]
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("zt_oidc=")
    for attr in ("HttpOnly", "SameSite=Lax", "Path=/api/auth/google",
                 "Max-Age=600"):
        assert attr in cookie, cookie
    # a second start gets a fresh state and challenge
    r2 = start(b, "/")
    q2 = parse_qs(urlsplit(r2.headers["Location"]).query)
    assert q2["state"][0] != q["state"]
    assert q2["code_challenge"][0] != q["code_challenge"]


def test_google_sign_in_creates_the_user_and_a_session(base_url, google_url):
    b = Browser(base_url)
    email = new_email()
    r = google_sign_in(b, google_url, email, "/tickets.html?x=1",
                       fake_name="Asha Rao")
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/tickets.html?x=1"
    cookies = r.headers.get("Set-Cookie", "")
    assert "zt_refresh=" in cookies and "zt_oidc=;" in cookies
    # the same refresh family as the code sign-in gives
    r = b.refresh()
    assert r.status_code == 200, r.text
    me = b.call("GET", "/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] == email
    assert me.json()["user"]["name"] == "Asha Rao"
    # and it ends like one
    assert b.call("POST", "/api/auth/logout", {}, auth=False).status_code == 204
    assert b.refresh().status_code == 401


def test_the_same_email_by_code_is_the_same_user(base_url, google_url,
                                                 fakes_url):
    email = new_email()
    g = Browser(base_url)
    assert google_sign_in(g, google_url, email).status_code == 302
    assert g.refresh().status_code == 200
    google_user = g.call("GET", "/api/auth/me").json()["user"]["id"]
    _, verified = sign_in(base_url, fakes_url, "email", email)
    assert verified["user"]["id"] == google_user


def test_a_code_account_signs_in_with_google_as_itself(base_url, google_url,
                                                       fakes_url):
    email = new_email()
    _, verified = sign_in(base_url, fakes_url, "email", email)
    g = Browser(base_url)
    assert google_sign_in(g, google_url, email.upper()).status_code == 302
    assert g.refresh().json()["user"]["id"] == verified["user"]["id"]


def test_the_google_subject_wins_over_a_changed_email(base_url, google_url,
                                                      fakes_url):
    sub = "1" + uuid.uuid4().int.__str__()[:20]
    first = new_email()
    b = Browser(base_url)
    assert google_sign_in(b, google_url, first, fake_sub=sub).status_code == 302
    owner = b.refresh().json()["user"]["id"]
    # the Google account's email changes to one another user already has
    other = new_email()
    _, someone = sign_in(base_url, fakes_url, "email", other)
    c = Browser(base_url)
    assert google_sign_in(c, google_url, other, fake_sub=sub).status_code == 302
    assert c.refresh().json()["user"]["id"] == owner != someone["user"]["id"]


def test_discovery_and_jwks_are_fetched_once_per_worker(base_url, google_url):
    """Cached for their Cache-Control max-age in each auth worker: six
    sign-ins fetch each document at most once per worker."""
    workers = int(os.environ.get("ZT_POOL_AUTH", "2"))
    stats = lambda: requests.get(google_url + "/_fake/stats", timeout=5).json()
    assert google_sign_in(Browser(base_url), google_url,
                          new_email()).status_code == 302
    before = stats()
    for _ in range(6):
        r = google_sign_in(Browser(base_url), google_url, new_email())
        assert r.status_code == 302, r.text
    after = stats()
    assert after["token"] - before["token"] == 6
    assert after["jwks"] - before["jwks"] <= workers - 1
    assert after["discovery"] - before["discovery"] <= workers - 1


def test_an_unknown_kid_refetches_the_jwks_once(base_url, google_url):
    b = Browser(base_url)
    assert google_sign_in(b, google_url, new_email()).status_code == 302
    before = requests.get(google_url + "/_fake/stats", timeout=5).json()["jwks"]
    requests.post(google_url + "/_fake/rotate", timeout=5).raise_for_status()
    c = Browser(base_url)
    r = google_sign_in(c, google_url, new_email())
    assert r.status_code == 302, r.text
    after = requests.get(google_url + "/_fake/stats", timeout=5).json()["jwks"]
    assert after >= before + 1


# ------------------------------------------------------------- attacks --

def test_a_wrong_state_is_refused(base_url, google_url):
    b = Browser(base_url)
    r = start(b)
    url = authorize(r.headers["Location"], new_email())
    u = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(u.query).items()}
    q["state"] = "A" * 43
    r = callback(b, base_url + u.path + "?" + urlencode(q))
    refused(r, 400, "invalid_state")
    no_session(b)


def test_a_missing_state_cookie_is_refused(base_url, google_url):
    b = Browser(base_url)
    r = start(b)
    url = authorize(r.headers["Location"], new_email())
    b.s.cookies.clear()
    refused(callback(b, url), 400, "missing_state_cookie")
    no_session(b)


def test_a_state_of_another_browser_is_refused(base_url, google_url):
    """Login CSRF: the attacker's own sign-in, finished in the victim's
    browser (which has a zt_oidc cookie of its own)."""
    attacker, victim = Browser(base_url), Browser(base_url)
    r = start(attacker)
    url = authorize(r.headers["Location"], new_email())
    assert start(victim).status_code == 302
    refused(callback(victim, url), 400, "invalid_state")
    no_session(victim)


def test_a_state_is_used_once(base_url, google_url):
    b = Browser(base_url)
    r = start(b)
    url = authorize(r.headers["Location"], new_email())
    assert callback(b, url).status_code == 302
    refused(callback(b, url), 400, "missing_state_cookie")
    # even with the cookie put back
    b.s.cookies.set("zt_oidc", "x" * 43, path="/api/auth/google")
    refused(callback(b, url), 400, "invalid_state")


def test_a_replayed_code_is_refused(base_url, google_url):
    b = Browser(base_url)
    r = start(b)
    used = authorize(r.headers["Location"], new_email())
    assert callback(b, used).status_code == 302
    code = parse_qs(urlsplit(used).query)["code"][0]
    # a fresh sign-in of the same browser carrying the old code
    c = Browser(base_url)
    r = start(c)
    fresh = authorize(r.headers["Location"], new_email())
    u = urlsplit(fresh)
    q = {k: v[0] for k, v in parse_qs(u.query).items()}
    q["code"] = code
    refused(callback(c, base_url + u.path + "?" + urlencode(q)), 401,
            "code_rejected")
    no_session(c)


@pytest.mark.parametrize("defect,code", [
    ("wrong_aud", "id_token_audience"),
    ("multi_aud_no_azp", "id_token_audience"),
    ("expired", "id_token_expired"),
    ("alg_none", "id_token_alg"),
    ("hs256", "id_token_alg"),
    ("unknown_kid", "id_token_kid"),
    ("bad_sig", "id_token_signature"),
    ("unverified", "email_unverified"),
    ("wrong_nonce", "id_token_nonce"),
    ("wrong_iss", "id_token_issuer"),
])
def test_a_bad_id_token_is_refused(base_url, google_url, pg_owner_dsn, defect,
                                   code):
    import psycopg2
    b = Browser(base_url)
    email = new_email()
    refused(google_sign_in(b, google_url, email, fake_defect=defect), 401, code)
    no_session(b)
    with psycopg2.connect(pg_owner_dsn) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from users where email = %s", (email,))
        assert cur.fetchone()[0] == 0


def test_a_declined_sign_in_is_refused(base_url, google_url):
    b = Browser(base_url)
    refused(google_sign_in(b, google_url, new_email(), fake_deny="1"), 401,
            "google_refused")
    no_session(b)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "http:evil.example",
    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "/ok\r\nSet-Cookie: x=1", "evil.example", "/a b", "/" + "a" * 600,
])
def test_an_open_redirect_in_next_is_refused(base_url, google_url, target):
    b = Browser(base_url)
    r = start(b, target)
    assert r.status_code == 400, (target, r.status_code, r.text)
    assert r.json()["error"]["code"] in ("invalid_next", "invalid_field")
    assert "Location" not in r.headers
    assert "zt_oidc" not in r.headers.get("Set-Cookie", "")


def test_a_browser_is_sent_back_to_the_page_with_the_error(base_url,
                                                           google_url):
    b = Browser(base_url)
    r = start(b)
    url = authorize(r.headers["Location"], new_email())
    b.s.cookies.clear()
    r = callback(b, url, {"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/?signin_error=missing_state_cookie"


def test_starting_over_and_over_from_one_address_is_limited(base_url,
                                                            google_url):
    b = Browser(base_url)
    statuses = [start(b).status_code for _ in range(200)]
    assert 429 in statuses, statuses
    first = statuses.index(429)
    assert set(statuses[:first]) == {302}
    r = start(b)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
