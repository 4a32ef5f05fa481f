"""Sign-in helpers shared by the integration tests.

Each test signs in from its own loopback address (127.x.y.z), so the
per-address OTP limit counts only that test's sends.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import time
import uuid

import requests
from requests.adapters import HTTPAdapter


class SourceAdapter(HTTPAdapter):
    """Connect from a chosen local address."""

    def __init__(self, source_ip, **kw):
        self.source_ip = source_ip
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source_ip, 0)
        return super().init_poolmanager(*args, **kw)


def random_loopback():
    return "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 255),
                             random.randint(2, 254))


class Browser:
    """One browser: a cookie jar, a source address, a base URL."""

    def __init__(self, base, source_ip=None):
        self.base = base
        self.ip = source_ip or random_loopback()
        self.s = requests.Session()
        self.s.mount("http://", SourceAdapter(self.ip))
        self.token = None

    def call(self, method, path, json_body=None, headers=None, auth=True,
             **kw):
        h = dict(headers or {})
        if auth and self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        kw.setdefault("timeout", 15)
        return self.s.request(method, self.base + path, json=json_body,
                              headers=h, **kw)

    def set_refresh(self, token):
        """Put a refresh token in the jar, as the server would have."""
        from urllib.parse import urlparse
        self.s.cookies.clear()
        self.s.cookies.set("zt_refresh", token,
                           domain=urlparse(self.base).hostname,
                           path="/api/auth")

    def refresh(self, tenant_id=None):
        body = {"tenantId": tenant_id} if tenant_id else {}
        r = self.call("POST", "/api/auth/token/refresh", body, auth=False)
        if r.status_code == 200:
            self.token = r.json()["accessToken"]
        return r


def fake_messages(fakes_url, provider, to):
    r = requests.get(fakes_url + "/_fake/messages",
                     params={"provider": provider, "to": to}, timeout=5)
    r.raise_for_status()
    return r.json()


def code_from(fakes_url, provider, to):
    """The newest 6-digit code the fake provider received for `to`."""
    import re
    deadline = time.time() + 5
    while time.time() < deadline:
        msgs = fake_messages(fakes_url, provider, to)
        for m in reversed(msgs):
            text = m.get("text") or m.get("body") or ""
            if not text and m.get("message"):
                text = m["message"]
            found = re.search(r"\b(\d{6})\b", json.dumps(text))
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code reached {provider} for {to}")


PROVIDER = {"email": "resend", "sms": "twilio", "whatsapp": "gupshup"}


def sign_in(base, fakes_url, channel="email", to=None, browser=None):
    """Full OTP sign-in; returns (browser, verify response json)."""
    b = browser or Browser(base)
    if to is None:
        to = (f"user-{uuid.uuid4().hex[:10]}@test.ztic.in" if channel == "email"
              else "9" + "".join(random.choice("0123456789") for _ in range(9)))
    r = b.call("POST", "/api/auth/otp/send", {"channel": channel, "to": to},
               auth=False)
    assert r.status_code == 202, r.text
    cid = r.json()["challengeId"]
    recipient = to if channel == "email" else "+91" + to[-10:]
    code = code_from(fakes_url, PROVIDER[channel], recipient)
    r = b.call("POST", "/api/auth/otp/verify",
               {"challengeId": cid, "code": code}, auth=False)
    assert r.status_code == 200, r.text
    b.token = r.json()["accessToken"]
    return b, r.json()


# ---- tokens minted from the stack's own keys (for attack tests) ----

def stack_secrets(stack_var):
    vals = {}
    with open(os.path.join(stack_var, "secrets.env")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                line = line[7:]
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                vals[k] = v.strip().strip("'\"")
    return vals


def b64u(data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header, claims, key, digest=hashlib.sha256):
    signing = b64u(header) + "." + b64u(claims)
    sig = hmac.new(key, signing.encode(), digest).digest()
    return signing + "." + b64u(sig)


def signing_key(stack_var):
    s = stack_secrets(stack_var)
    kid = s["ZT_JWT_KID"]
    for item in s["ZT_JWT_KEYS"].split(","):
        k, v = item.split(":", 1)
        if k == kid:
            return kid, base64.b64decode(v + "=" * (-len(v) % 4))
    raise AssertionError("signing key not found in secrets.env")


def mint(stack_var, sub, tid=None, role=None, ttl=900, aud="ztic-api"):
    """A valid access token, as the auth responder would sign it."""
    kid, key = signing_key(stack_var)
    now = int(time.time())
    claims = {"iss": "ztic", "aud": aud, "sub": sub, "iat": now,
              "exp": now + ttl}
    if tid:
        claims["tid"] = tid
    if role:
        claims["role"] = role
    return jwt({"alg": "HS256", "typ": "JWT", "kid": kid}, claims, key)
