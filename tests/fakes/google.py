#!/usr/bin/python3
"""Local stand-in for Google's OpenID Connect provider (ztic tests, dev stack).

Speaks the wire protocol lib/zt_oidc.c uses (docs/auth.md, "Sign in with
Google"), so the stack needs no network:

  * GET  /.well-known/openid-configuration   discovery (issuer = this server)
  * GET  /o/oauth2/v2/auth                     authorization endpoint: with
        login_hint=<email> it approves at once and redirects to
        redirect_uri?code=…&state=…; without, it shows a one-field page
        ("Sign in as") whose form comes back here with login_hint
  * POST /token                                code exchange: client secret
        (client_secret_post or HTTP Basic), redirect_uri, PKCE S256
        (code_verifier against the code_challenge), single-use codes
        (60 s); answers {access_token, id_token, …}
  * GET  /oauth2/v3/certs                      JWKS (an RSA-2048 key made at
        start; Cache-Control: max-age from --jwks-max-age)

Test controls, as extra parameters of the authorization request:
  fake_sub=<sub>   the Google subject (default: derived from the email)
  fake_name=<n>    the name claim (default: from the email's local part)
  fake_deny=1      redirect back with error=access_denied
  fake_defect=<d>  mint a bad ID token: wrong_aud, multi_aud_no_azp,
                   expired, alg_none, hs256 (signed with the client
                   secret), unknown_kid, bad_sig, unverified, wrong_nonce,
                   wrong_iss
and under /_fake/: POST /_fake/rotate (a new signing key and kid; the old
one leaves the JWKS), GET /_fake/stats (fetch counts).

    /usr/bin/python3 tests/fakes/google.py --port N [--host 127.0.0.1]
        [--port-file FILE] [--issuer URL] [--client-id ID]
        [--client-secret S] [--jwks-max-age S] [--verbose]

Prints "ready" on stdout (flushed) once the socket listens, nothing else.
Needs python3-cryptography (a Debian package).
"""

import argparse
import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_BODY = 64 * 1024
CODE_TTL = 60
DEFECTS = ("wrong_aud", "multi_aud_no_azp", "expired", "alg_none", "hs256",
           "unknown_kid", "bad_sig", "unverified", "wrong_nonce", "wrong_iss")


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64u(n):
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Key:
    def __init__(self):
        self.kid = secrets.token_hex(10)
        self.priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self):
        pub = self.priv.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": int_b64u(pub.n), "e": int_b64u(pub.e)}

    def sign(self, data):
        return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.key = Key()
        self.rogue = Key()  # never published: unknown_kid and bad_sig
        self.codes = {}
        self.stats = {"discovery": 0, "jwks": 0, "token": 0, "authorize": 0}

    def mint(self, rec):
        a = self.args
        now = int(time.time())
        claims = {
            "iss": a.issuer, "azp": a.client_id, "aud": a.client_id,
            "sub": rec["sub"], "email": rec["email"], "email_verified": True,
            "name": rec["name"], "nonce": rec["nonce"],
            "iat": now, "exp": now + 3600,
        }
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        key = self.key
        d = rec["defect"]
        if d == "wrong_aud":
            claims["aud"] = claims["azp"] = "another-app.apps.googleusercontent.com"
        elif d == "multi_aud_no_azp":
            claims["aud"] = [a.client_id, "another-app.apps.googleusercontent.com"]
            del claims["azp"]
        elif d == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif d == "unverified":
            claims["email_verified"] = False
        elif d == "wrong_nonce":
            claims["nonce"] = b64u(secrets.token_bytes(32))
        elif d == "wrong_iss":
            claims["iss"] = "https://accounts.evil.example"
        elif d == "unknown_kid":
            key = self.rogue
            header["kid"] = self.rogue.kid
        elif d == "bad_sig":
            key = self.rogue
        signing = b64u(json.dumps(header if d not in ("alg_none", "hs256") else
                                  dict(header, alg="none" if d == "alg_none" else "HS256"),
                                  separators=(",", ":"))) + "." + \
            b64u(json.dumps(claims, separators=(",", ":")))
        if d == "alg_none":
            return signing + "."
        if d == "hs256":
            mac = hmac.new(a.client_secret.encode(), signing.encode(), hashlib.sha256)
            return signing + "." + b64u(mac.digest())
        return signing + "." + b64u(key.sign(signing.encode()))


def default_sub(email):
    return str(int(hashlib.sha256(email.encode()).hexdigest(), 16))[:21]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-google/1"

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("%s:%d %s\n" % (self.client_address[0],
                                             self.client_address[1], fmt % args))

    @property
    def st(self):
        return self.server.state

    def send(self, status, body=None, headers=None, ctype="application/json"):
        data = b""
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def oauth_error(self, status, error, desc):
        self.send(status, {"error": error, "error_description": desc},
                  {"Cache-Control": "no-store"})

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        if u.path == "/.well-known/openid-configuration":
            return self.discovery()
        if u.path == "/oauth2/v3/certs":
            with self.st.lock:
                self.st.stats["jwks"] += 1
                keys = [self.st.key.jwk()]
            return self.send(200, {"keys": keys},
                             {"Cache-Control": "public, max-age=%d" % self.st.args.jwks_max_age})
        if u.path == "/o/oauth2/v2/auth":
            return self.authorize(q)
        if u.path == "/_fake/stats":
            with self.st.lock:
                return self.send(200, dict(self.st.stats))
        return self.send(404, {"error": "not_found"})

    def do_POST(self):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self.oauth_error(413, "invalid_request", "body too large")
        body = self.rfile.read(n).decode("utf-8", "replace")
        if u.path == "/token":
            return self.token(body)
        if u.path == "/_fake/rotate":
            with self.st.lock:
                self.st.key = Key()
                return self.send(200, {"kid": self.st.key.kid})
        return self.send(404, {"error": "not_found"})

    def discovery(self):
        iss = self.st.args.issuer
        with self.st.lock:
            self.st.stats["discovery"] += 1
        self.send(200, {
            "issuer": iss,
            "authorization_endpoint": iss + "/o/oauth2/v2/auth",
            "token_endpoint": iss + "/token",
            "jwks_uri": iss + "/oauth2/v3/certs",
            "userinfo_endpoint": iss + "/v1/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss",
                                 "name", "sub", "nonce"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": ["authorization_code"],
        }, {"Cache-Control": "public, max-age=3600"})

    def authorize(self, q):
        a = self.st.args
        with self.st.lock:
            self.st.stats["authorize"] += 1
        if q.get("client_id") != a.client_id:
            return self.send(400, "Error 401: invalid_client (unknown client_id)",
                             ctype="text/plain")
        ru = q.get("redirect_uri", "")
        if not (ru.startswith("http://127.") or ru.startswith("http://localhost")
                or ru.startswith("https://")):
            return self.send(400, "Error 400: redirect_uri_mismatch", ctype="text/plain")
        back = {"state": q["state"]} if "state" in q else {}
        problems = []
        if q.get("response_type") != "code":
            problems.append("unsupported_response_type")
        if "openid" not in q.get("scope", "").split():
            problems.append("invalid_scope")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            problems.append("invalid_request")
        if q.get("fake_defect") and q["fake_defect"] not in DEFECTS:
            problems.append("invalid_request")
        if problems:
            back["error"] = problems[0]
            return self.send(302, headers={"Location": ru + "?" + urlencode(back)})
        if q.get("fake_deny"):
            back["error"] = "access_denied"
            return self.send(302, headers={"Location": ru + "?" + urlencode(back)})
        email = q.get("login_hint", "").strip().lower()
        if not email or "@" not in email:
            return self.page(q)
        code = "4/" + b64u(secrets.token_bytes(24))
        with self.st.lock:
            self.st.codes[code] = {
                "client_id": a.client_id, "redirect_uri": ru,
                "challenge": q["code_challenge"], "nonce": q.get("nonce", ""),
                "email": email, "sub": q.get("fake_sub") or default_sub(email),
                "name": q.get("fake_name") or email.split("@")[0].replace(".", " ").title(),
                "defect": q.get("fake_defect", ""), "used": False,
                "expires": time.time() + CODE_TTL,
            }
        back["code"] = code
        back["scope"] = "openid email profile"
        self.send(302, headers={"Location": ru + "?" + urlencode(back)})

    def page(self, q):
        hidden = "".join('<input type="hidden" name="%s" value="%s">' % (
            html.escape(k), html.escape(v)) for k, v in q.items()
            if k not in ("login_hint", "fake_name"))
        self.send(200, """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in - Google (local stand-in)</title></head>
<body style="font-family:sans-serif;max-width:24rem;margin:4rem auto">
<h1>Sign in with Google</h1>
<p>Local stand-in of tests/fakes/google.py: any address signs in, verified.</p>
<form method="get" action="/o/oauth2/v2/auth">%s
<p><label>Email <input name="login_hint" type="email" required autofocus></label></p>
<p><label>Name <input name="fake_name"></label></p>
<button type="submit">Continue</button></form></body></html>""" % hidden,
                  ctype="text/html; charset=utf-8")

    def token(self, body):
        a = self.st.args
        f = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        with self.st.lock:
            self.st.stats["token"] += 1
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/x-www-form-urlencoded":
            return self.oauth_error(400, "invalid_request", "form body expected")
        cid, secret = f.get("client_id"), f.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return self.oauth_error(401, "invalid_client", "bad Basic header")
        if cid != a.client_id or not hmac.compare_digest((secret or "").encode(),
                                                        a.client_secret.encode()):
            return self.oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if f.get("grant_type") != "authorization_code":
            return self.oauth_error(400, "unsupported_grant_type", "Invalid grant_type")
        with self.st.lock:
            rec = self.st.codes.get(f.get("code", ""))
            first = rec is not None and not rec["used"]
            if rec is not None:
                rec["used"] = True
        if not first or rec["expires"] < time.time():
            return self.oauth_error(400, "invalid_grant", "Malformed auth code.")
        if f.get("redirect_uri") != rec["redirect_uri"]:
            return self.oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = f.get("code_verifier", "")
        if not hmac.compare_digest(b64u(hashlib.sha256(verifier.encode()).digest()),
                                   rec["challenge"]):
            return self.oauth_error(400, "invalid_grant", "Invalid code verifier.")
        self.send(200, {
            "access_token": "ya29." + b64u(secrets.token_bytes(24)),
            "expires_in": 3599, "token_type": "Bearer",
            "scope": "openid https://www.googleapis.com/auth/userinfo.email "
                     "https://www.googleapis.com/auth/userinfo.profile",
            "id_token": self.st.mint(rec),
        }, {"Cache-Control": "no-store"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    ap = argparse.ArgumentParser(description="Google OpenID Connect stand-in for ztic")
    ap.add_argument("--port", type=int, required=True, help="TCP port (0: any free port)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file", help="write the port bound to FILE before ready")
    ap.add_argument("--issuer", help="issuer URL (default http://HOST:PORT)")
    ap.add_argument("--client-id", default=os.environ.get("ZT_GOOGLE_CLIENT_ID")
                    or "ztic-test.apps.googleusercontent.com")
    ap.add_argument("--client-secret", default=os.environ.get("ZT_GOOGLE_CLIENT_SECRET")
                    or "ztic-google-test-secret")
    ap.add_argument("--jwks-max-age", type=int, default=300)
    ap.add_argument("--verbose", action="store_true", help="access log on stderr")
    args = ap.parse_args(argv)

    srv = Server((args.host, args.port), Handler)
    port = srv.server_address[1]
    if not args.issuer:
        args.issuer = "http://%s:%d" % (args.host, port)
    args.issuer = args.issuer.rstrip("/")
    srv.state = State(args)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("%d\n" % port)
        os.replace(tmp, args.port_file)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    srv.serve_forever()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
