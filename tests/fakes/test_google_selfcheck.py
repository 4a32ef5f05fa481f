"""Self-check of tests/fakes/google.py, the Google sign-in stand-in.

    /usr/bin/python3 -m pytest -q tests/fakes/test_google_selfcheck.py

Starts its own stand-in on a free port; does not touch a running stack.
Pins what lib/zt_oidc.c relies on (docs/auth.md, "Sign in with Google"):
discovery, the authorization redirect, the token endpoint's checks (client
secret, redirect_uri, PKCE S256, single-use codes), the JWKS and its
Cache-Control, and the bad tokens it mints on request.
"""
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "google.py")
CLIENT, SECRET = "selfcheck.apps.googleusercontent.com", "selfcheck-secret"
REDIRECT = "http://127.0.0.1:9/api/auth/google/callback"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


@pytest.fixture(scope="module")
def base():
    d = tempfile.mkdtemp(prefix="zt-google-selfcheck.")
    port_file = os.path.join(d, "port")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZT_")}
    p = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--port-file", port_file,
                          "--client-id", CLIENT, "--client-secret", SECRET,
                          "--jwks-max-age", "123"],
                         stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline().strip() == "ready"
        with open(port_file) as f:
            yield "http://127.0.0.1:%d" % int(f.read())
    finally:
        p.terminate()
        p.wait(10)


def authorize(base, email="a@example.com", verifier=None, **extra):
    verifier = verifier or b64u(secrets.token_bytes(32))
    q = {"client_id": CLIENT, "redirect_uri": REDIRECT, "response_type": "code",
         "scope": "openid email profile", "state": "st", "nonce": "nn",
         "code_challenge": b64u(hashlib.sha256(verifier.encode()).digest()),
         "code_challenge_method": "S256", "login_hint": email}
    q.update(extra)
    r = requests.get(base + "/o/oauth2/v2/auth?" + urlencode(q), allow_redirects=False, timeout=5)
    return r, verifier


def code_of(r):
    assert r.status_code == 302, r.text
    loc = r.headers["Location"]
    assert loc.startswith(REDIRECT + "?")
    q = parse_qs(urlsplit(loc).query)
    assert q["state"] == ["st"]
    return q["code"][0]


def token(base, code, verifier, secret=SECRET, redirect=REDIRECT, basic=False):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": verifier}
    auth = None
    if basic:
        auth = (CLIENT, secret)
    else:
        form.update(client_id=CLIENT, client_secret=secret)
    return requests.post(base + "/token", data=form, auth=auth, timeout=5)


def parts(tok):
    h, c, s = tok.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(c)), s


def test_discovery_names_the_issuer_and_the_endpoints(base):
    r = requests.get(base + "/.well-known/openid-configuration", timeout=5)
    d = r.json()
    assert d["issuer"] == base
    assert d["authorization_endpoint"] == base + "/o/oauth2/v2/auth"
    assert d["token_endpoint"] == base + "/token"
    assert d["jwks_uri"] == base + "/oauth2/v3/certs"
    assert "RS256" in d["id_token_signing_alg_values_supported"]
    assert "S256" in d["code_challenge_methods_supported"]


def test_jwks_has_one_rsa_key_and_a_max_age(base):
    r = requests.get(base + "/oauth2/v3/certs", timeout=5)
    assert r.headers["Cache-Control"] == "public, max-age=123"
    (k,) = r.json()["keys"]
    assert k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig"
    assert len(unb64u(k["n"])) == 256 and unb64u(k["e"]) == b"\x01\x00\x01"


def test_a_code_exchanges_once_for_a_signed_id_token(base):
    r, verifier = authorize(base, "Asha.Rao@Example.com")
    code = code_of(r)
    t = token(base, code, verifier)
    assert t.status_code == 200, t.text
    h, c, sig = parts(t.json()["id_token"])
    assert h["alg"] == "RS256" and h["kid"]
    assert c["iss"] == base and c["aud"] == CLIENT and c["azp"] == CLIENT
    assert c["email"] == "asha.rao@example.com" and c["email_verified"] is True
    assert c["nonce"] == "nn" and c["exp"] > c["iat"]
    assert len(c["sub"]) == 21 and c["sub"].isdigit()
    assert sig
    again = token(base, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_the_token_endpoint_checks_secret_redirect_and_verifier(base):
    r, verifier = authorize(base)
    assert token(base, code_of(r), verifier, secret="wrong").status_code == 401
    r, verifier = authorize(base)
    t = token(base, code_of(r), verifier, redirect=REDIRECT + "x")
    assert t.status_code == 400 and t.json()["error"] == "redirect_uri_mismatch"
    r, verifier = authorize(base)
    t = token(base, code_of(r), "x" * 43)
    assert t.status_code == 400 and t.json()["error"] == "invalid_grant"
    r, verifier = authorize(base)
    assert token(base, code_of(r), verifier, basic=True).status_code == 200


def test_authorize_refuses_a_plain_challenge_and_asks_without_a_hint(base):
    r, _ = authorize(base, code_challenge_method="plain")
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query)["error"] == ["invalid_request"]
    r, _ = authorize(base, login_hint="")
    assert r.status_code == 200 and 'name="login_hint"' in r.text
    r, _ = authorize(base, fake_deny="1")
    assert parse_qs(urlsplit(r.headers["Location"]).query)["error"] == ["access_denied"]
    r, _ = authorize(base, client_id="someone-else")
    assert r.status_code == 400


@pytest.mark.parametrize("defect,check", [
    ("wrong_aud", lambda h, c, s: c["aud"] != CLIENT),
    ("multi_aud_no_azp", lambda h, c, s: isinstance(c["aud"], list) and "azp" not in c),
    ("expired", lambda h, c, s: c["exp"] < c["iat"] + 7200 and c["exp"] < 2 ** 31),
    ("alg_none", lambda h, c, s: h["alg"] == "none" and s == ""),
    ("hs256", lambda h, c, s: h["alg"] == "HS256"),
    ("unknown_kid", lambda h, c, s: h["alg"] == "RS256"),
    ("bad_sig", lambda h, c, s: h["alg"] == "RS256"),
    ("unverified", lambda h, c, s: c["email_verified"] is False),
    ("wrong_nonce", lambda h, c, s: c["nonce"] != "nn"),
    ("wrong_iss", lambda h, c, s: c["iss"] != "x" and "evil" in c["iss"]),
])
def test_bad_tokens_on_request(base, defect, check):
    r, verifier = authorize(base, fake_defect=defect)
    t = token(base, code_of(r), verifier)
    assert t.status_code == 200, t.text
    h, c, s = parts(t.json()["id_token"])
    assert check(h, c, s)


def test_rotate_replaces_the_published_key(base):
    before = requests.get(base + "/oauth2/v3/certs", timeout=5).json()["keys"][0]["kid"]
    kid = requests.post(base + "/_fake/rotate", timeout=5).json()["kid"]
    after = requests.get(base + "/oauth2/v3/certs", timeout=5).json()["keys"]
    assert [k["kid"] for k in after] == [kid] and kid != before
