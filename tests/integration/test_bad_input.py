"""The bad-input corpus: every operation in docs/openapi.yaml gets broken
requests, and none may answer 5xx or change the database.

The operations are read from docs/openapi.yaml at collection time, so a
route added there is covered without touching this file (and
test_every_route_is_in_openapi makes sure a route added to a responder's
table is added there). For each operation the cases are:

- tokens: none, not a JWT, another scheme, alg "none", signed with a wrong
  key, expired, another audience, and a valid signature for a user that
  does not exist or for another tenant's owner (refresh-cookie operations:
  a missing, malformed and forged cookie)
- path parameters: malformed UUIDs and slugs (SQL, NUL, overlong, unicode,
  invalid UTF-8), and the ids of another tenant's event, member, seat and
  booking
- query parameters: wrong types, huge and negative numbers, junk cursors
  and dates, invalid UTF-8
- bodies: malformed JSON (truncated, trailing data, not an object, nested
  beyond the parser's depth, invalid UTF-8 in and out of strings), each
  body field of the wrong type, huge and negative integers, an unknown
  field, a body larger than the route takes and larger than nginx takes,
  a body on a route that takes none, and wrong content types

Every answer must be below 500; every 4xx must be the JSON error shape
{"error":{"code","message"}} with a non-empty code and message; a case that
is wrong by construction must be a 4xx (a wrong-type or out-of-range
field's 400 must name a field of the body); and a checksum of every
table's rows (as the superuser, so row-level security hides nothing) must
be the same before and after the operation's cases. The sweeper and the
jobs runner are stopped while this module runs, so nothing else writes.
See docs/testing.md.
"""

import base64
import json
import os
import re
import time
import uuid

import psycopg2
import pytest
import requests
import yaml

from ztauth import SourceAdapter, b64u, jwt, mint, random_loopback, signing_key
from ztorg import RESERVED_LAYOUT, Ctx, Org, Person, sql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "post", "put", "patch", "delete")


# ------------------------------------------------------------- the spec --

def load_spec():
    with open(OPENAPI) as f:
        return yaml.safe_load(f)


SPEC = load_spec()


def resolve(node, spec=SPEC, depth=0):
    """The schema with every $ref replaced (bounded, for cycles)."""
    if depth > 8:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, spec, depth + 1)
        return {k: resolve(v, spec, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, spec, depth + 1) for v in node]
    return node


class Op:
    def __init__(self, path, method, op, item):
        self.path = path
        self.method = method.upper()
        self.op = resolve(op)
        params = resolve(item.get("parameters", [])) + self.op.get("parameters", [])
        self.path_params = [p["name"] for p in params if p.get("in") == "path"]
        self.query_params = [p for p in params if p.get("in") == "query"]
        self.headers = [p["name"] for p in params if p.get("in") == "header"]
        sec = self.op.get("security") or []
        self.schemes = {name for s in sec for name in s}
        body = self.op.get("requestBody")
        self.body_schema = None
        if body:
            content = body.get("content", {})
            media = content.get("application/json") or next(iter(content.values()), {})
            self.body_schema = media.get("schema") or {"type": "object"}
        self.live = path.startswith("/live/")

    @property
    def id(self):
        return f"{self.method} {self.path}"

    def url(self, values):
        return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], self.path)


OPS = [Op(path, m, op, item)
       for path, item in SPEC["paths"].items()
       for m, op in item.items() if m in METHODS]


# ----------------------------------------------------------- the world --

class World:
    """Tenant A (whose owner makes the calls) and tenant B (whose ids A must
    not reach), each with a published GA event and a reserved draft."""

    def __init__(self, ctx, pg_owner_dsn):
        self.ctx = ctx
        self.a = Org(ctx, name="Bad input A")
        self.b = Org(ctx, name="Bad input B")
        self.a_event = self.a.published()
        self.b_event = self.b.published()
        self.b_draft = self.b.event(layoutKind="reserved")
        r = self.b.owner.call("PUT", f"/api/events/{self.b_draft['id']}/layout",
                              RESERVED_LAYOUT)
        assert r.status_code == 200, r.text
        self.b_seat = sql(pg_owner_dsn,
                          "select id from seats where event_id = %s limit 1",
                          (self.b_draft["id"],), tenant=self.b.id)[0][0]
        # a booking of B's event by a buyer (pending: the jobs runner that
        # would expire it is stopped while this module runs)
        self.buyer = Person(ctx, "buyer")
        tt = sql(pg_owner_dsn, "select id from ticket_types where event_id = %s",
                 (self.b_event["id"],), tenant=self.b.id)[0][0]
        r = self.buyer.call("POST", "/api/seats/lock",
                            {"eventId": self.b_event["id"],
                             "ga": [{"ticketTypeId": str(tt), "quantity": 1}]})
        assert r.status_code == 200, r.text
        r = self.buyer.call("POST", "/api/bookings",
                            {"eventId": self.b_event["id"]})
        assert r.status_code in (200, 201), r.text
        self.b_booking = r.json().get("id") or r.json()["booking"]["id"]
        self.token = self.a.owner.token
        global EVENT_ID
        EVENT_ID = self.a_event["id"]

    def own_ids(self):
        """Values for path parameters that A's owner may use."""
        return {"id": self.a_event["id"], "eventId": self.a_event["id"],
                "tenantSlug": self.a.slug, "eventSlug": self.a_event["slug"],
                "userId": self.a.owner.id, "seatId": str(uuid.uuid4()),
                "bookingId": str(uuid.uuid4()), "ticketId": str(uuid.uuid4()),
                "sessionId": str(uuid.uuid4()), "kid": "1", "tokenId": str(uuid.uuid4()),
                "webhookId": str(uuid.uuid4()), "deliveryId": str(uuid.uuid4()),
                "entryId": str(uuid.uuid4()),
                "fileId": str(uuid.uuid4()),  # a form upload (test_forms.py)
                "month": "2026-10"}

    def other_ids(self, op):
        """The same parameters pointing at tenant B's things."""
        booking = "/api/bookings/" in op.path or "bookingId" in op.path_params
        return {"id": self.b_booking if booking else self.b_draft["id"],
                "eventId": self.b_draft["id"], "tenantSlug": self.b.slug,
                "eventSlug": self.b_event["slug"],
                "userId": self.b.owner.id, "seatId": str(self.b_seat),
                "bookingId": self.b_booking, "ticketId": str(uuid.uuid4()),
                "sessionId": str(uuid.uuid4()), "kid": "1", "tokenId": str(uuid.uuid4()),
                "webhookId": str(uuid.uuid4()), "deliveryId": str(uuid.uuid4()),
                "entryId": str(uuid.uuid4()),
                "fileId": str(uuid.uuid4()),  # a form upload (test_forms.py)
                "month": "2026-10"}


@pytest.fixture(scope="module")
def world(api, stack_var, pg_owner_dsn, svc):
    # nothing but our requests may write while tables are compared
    for name in ("jobs", "sweeper"):
        svc("stop", name)
    try:
        yield World(Ctx(api, stack_var, pg_owner_dsn), pg_owner_dsn)
    finally:
        for name in ("sweeper", "jobs"):
            svc("start", name)


# ----------------------------------------------------------- the tables --

def table_sums(dsn):
    """{table: (rows, md5 of the sorted row md5s)} for every user table."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    out = {}
    try:
        with conn.cursor() as cur:
            cur.execute("select schemaname, tablename from pg_tables where"
                        " schemaname not in ('pg_catalog', 'information_schema')"
                        " order by 1, 2")
            for schema, table in cur.fetchall():
                name = f'"{schema}"."{table}"'
                cur.execute("select count(*), coalesce(md5(string_agg(h, ''"
                            " order by h)), '') from (select md5(t::text) h"
                            f" from {name} t) s")
                out[f"{schema}.{table}"] = cur.fetchone()
    finally:
        conn.close()
    return out


def settled_sums(dsn, timeout=15):
    """The table sums once two readings half a second apart agree."""
    last = table_sums(dsn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = table_sums(dsn)
        if now == last:
            return now
        last = now
    return last


# --------------------------------------------------------------- tokens --

def token_cases(world, stack_var):
    """(label, Authorization header or None, must_be_401)."""
    sub = world.a.owner.id
    tid = world.a.id
    now = int(time.time())
    claims = {"iss": "ztic", "aud": "ztic-api", "sub": sub, "tid": tid,
              "role": "owner", "iat": now, "exp": now + 900}
    kid, key = signing_key(stack_var)
    none_tok = (b64u({"alg": "none", "typ": "JWT", "kid": kid}) + "."
                + b64u(claims) + ".")
    wrong_key = jwt({"alg": "HS256", "typ": "JWT", "kid": kid}, claims,
                    os.urandom(32))
    other_kid = jwt({"alg": "HS256", "typ": "JWT", "kid": "nope"}, claims, key)
    return [
        ("no token", None, True),
        ("empty bearer", "Bearer ", True),
        ("not a jwt", "Bearer not.a.jwt", True),
        ("garbage", "Bearer " + "A" * 3000, True),
        ("basic scheme", "Basic " + base64.b64encode(b"a:b").decode(), True),
        ("alg none", "Bearer " + none_tok, True),
        ("wrong key", "Bearer " + wrong_key, True),
        ("unknown kid", "Bearer " + other_kid, True),
        ("expired", "Bearer " + mint(stack_var, sub, tid, "owner", ttl=-120), True),
        ("other audience", "Bearer " + mint(stack_var, sub, tid, "owner", aud="ztic-refresh"), True),
        # validly signed, but the database says otherwise: 4xx, not 401
        ("no such user", "Bearer " + mint(stack_var, str(uuid.uuid4()), tid, "owner"), False),
        ("other tenant's owner", "Bearer " + mint(stack_var, sub, world.b.id, "owner"), False),
    ]


# ----------------------------------------------------------------- bodies --

EVENT_ID = None   # A's published event, once the world exists


def sample(schema, name=""):
    """A plausible value for a schema (bodies are never sent as they are:
    each case breaks one thing)."""
    schema = schema or {}
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type")
    fmt = schema.get("format", "")
    if t == "string":
        if fmt == "uuid":
            if name == "eventId" and EVENT_ID:
                return EVENT_ID
            return str(uuid.uuid4())
        if fmt == "date-time":
            return "2030-01-01T10:00:00Z"
        if fmt == "email" or "email" in name.lower():
            return "bad-input@test.ztic.in"
        return "x"
    if t == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if t == "number":
        return 1
    if t == "boolean":
        return True
    if t == "array":
        return []
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: sample(props.get(k, {}), k) for k in schema.get("required", [])}
    return "x"


WRONG = {
    "string": [123, -1, True, None, [], {}, ["x"]],
    "integer": ["12", 1.5, True, None, [], {}, "1e3"],
    "number": ["12", True, None, [], {}],
    "boolean": ["true", 1, 0, None, [], {}],
    "array": [{}, "x", 1, True, {"0": 1}],
    "object": [[], "x", 1, True],
}
HUGE = [2 ** 63, -(2 ** 63) - 1, 10 ** 30, 1e308, -1e308, 2 ** 64 + 1]


def body_cases(op):
    """(label, raw bytes, content type, strict, field or None).

    A strict case is wrong by construction: it must be answered 4xx and
    change nothing. The others (a lone surrogate, which the parser turns
    into U+FFFD; null for an optional field, which means "absent"; an empty
    body; a body on a route that ignores it) may succeed, so they run after
    the tables are compared: no 5xx, and any 4xx is the JSON error shape."""
    schema = op.body_schema or {}
    base = sample(schema) if schema.get("type", "object") == "object" else {}
    if not isinstance(base, dict):
        base = {}
    required = set(schema.get("required", []))
    enc = lambda o: json.dumps(o).encode()  # noqa: E731
    J = "application/json"
    cases = []

    def field(k, v, label, strict=True, data=None):
        b = dict(base)
        b[k] = v
        cases.append((label, data if data is not None else enc(b), J,
                      strict, k))

    if op.body_schema is None:
        # refused (413) by most; an idempotent or input-less operation
        # (logout, publish, cancel) may ignore it
        cases.append(("body on a bodiless route", enc({"a": 1}), J, False,
                      None))
        return cases
    for label, data in (
            ("truncated json", b'{"a": '),
            ("unterminated string", b'{"a": "x'),
            ("trailing data", enc(base) + b" {}"),
            ("two objects", enc(base) + enc(base)),
            ("not an object: array", b"[1, 2]"),
            ("not an object: string", b'"x"'),
            ("not an object: number", b"42"),
            ("json null", b"null"),
            ("single quotes", b"{'a': 1}"),
            ("comment", b'{"a": 1 /* c */}'),
            ("nested too deep", b"[" * 5000 + b"]" * 5000),
            ("object nested too deep", b'{"a":' * 200 + b"1" + b"}" * 200),
            ("nan", b'{"a": NaN}'),
            ("bare control char", b'{"a": "x\x01y"}'),
            ("invalid utf-8 after the value", enc(base) + b"\xff"),
            ("bom", b"\xef\xbb\xbf" + enc(base))):
        cases.append((label, data, J, True, None))
    for ctype in ("text/plain", "application/x-www-form-urlencoded",
                  "multipart/form-data; boundary=x", "application/xml",
                  "application/jsonx", None):
        cases.append((f"content type {ctype}", enc(base), ctype, True, None))
    for k, p in schema.get("properties", {}).items():
        t = p.get("type", "object" if "properties" in p else None)
        for v in WRONG.get(t, []):
            lenient = v is None and (k not in required or p.get("nullable"))
            field(k, v, f"{k} = {json.dumps(v)} ({t} wanted)", not lenient)
        if t in ("integer", "number"):
            values = list(HUGE)
            if p.get("minimum", 0) >= 0:
                values.append(-1)
            for v in values:
                field(k, v, f"{k} = {v}")
        if t == "string":
            field(k, "x" * 70000, f"{k} overlong")
            b = dict(base)
            b[k] = "@@INVALID@@"
            field(k, None, f"{k} invalid utf-8",
                  data=enc(b).replace(b"@@INVALID@@", b"ab\xff\xfe\xc3("))
            field(k, None, f"{k} lone surrogate", False,
                  data=json.dumps(dict(base, **{k: "\ud800"})).encode(
                      "utf-8", "surrogatepass"))
            field(k, "a\u0000b", f"{k} nul inside", False)
        if p.get("format") == "uuid":
            for v in BAD_UUIDS:
                field(k, v, f"{k} = bad uuid {v[:20]!r}")
    field("zzUnknownField", 1, "unknown field")
    cases.append(("empty object", b"{}", J, bool(required), None))
    cases.append(("empty body", b"", J, False, None))
    cases.append(("body of 600 KB", enc(dict(base, pad="x" * 600_000)), J,
                  True, None))
    cases.append(("body of 3 MB", b'{"pad": "' + b"x" * 3_000_000 + b'"}',
                  J, True, None))
    return cases


BAD_UUIDS = [
    "not-a-uuid", "0", "-1", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g",
    "00000000-0000-0000-0000-0000000000000", "{00000000-0000-0000-0000-000000000000}",
    "z" * 36, "x" * 5000, "\u00e9" * 36, "%00", "..", "null",
]
DOTS = ("..", "%2e%2e")
BAD_SEGMENTS = BAD_UUIDS + ["%ff%fe", "%2e%2e", "a%00b", "%0d%0aX-Evil:%201",
                            "\u0000"]


def query_cases(op):
    """(label, query string) for the operation's query parameters."""
    cases = []
    for p in op.query_params:
        name = p["name"]
        for v in ("-1", "0", "abc", "1.5", str(2 ** 63), str(10 ** 30),
                  "99999999999999999999999", "%ff%fe", "%00", "' OR 1=1 --",
                  "x" * 5000, "2030-13-45T99:99:99Z", "not-a-uuid", "[]",
                  "%E2%80%AE", "\u00e9"):
            cases.append((f"?{name}={v[:24]}", f"{name}={v}"))
        cases.append((f"?{name} twice", f"{name}=1&{name}=2"))
        cases.append((f"?{name} without value", name))
    if op.query_params:
        cases.append(("?unknown param", "zzUnknown=1"))
    return cases


# ------------------------------------------------------------- checking --

def session():
    """Requests from a fresh loopback address: per-address limits (OTP,
    nginx limit_req) must not turn the corpus into a wall of 429s."""
    s = requests.Session()
    s.mount("http://", SourceAdapter(random_loopback()))
    return s


# errors about the body's content, whose message must name a body field
# (not: invalid_json, which gives the byte; invalid_signature; not_found …)
NAMING_CODES = {"invalid_field", "invalid", "bad_request", "invalid_layout"}


def check(resp, label, must_4xx, field=None, props=()):
    """Problems with one answer (empty list: fine)."""
    out = []
    st = resp.status_code
    if st >= 500:
        return [f"{label}: {st} {resp.text[:200]!r}"]
    if must_4xx and not 400 <= st < 500:
        out.append(f"{label}: {st}, wanted a 4xx; {resp.text[:200]!r}")
    if st >= 400:
        ctype = resp.headers.get("Content-Type", "")
        try:
            err = resp.json()["error"]
            code, msg = err["code"], err["message"]
            assert isinstance(code, str) and code and isinstance(msg, str) and msg
        except Exception:  # noqa: BLE001
            return out + [f"{label}: {st} is not the JSON error shape"
                          f" ({ctype}): {resp.text[:200]!r}"]
        if field and st in (400, 422) and code in NAMING_CODES:
            names = {field, *props}
            if not any(n in msg for n in names):
                out.append(f"{label}: 400 {code!r} names no body field:"
                           f" {msg!r}")
    return out


def send(base, method, url, headers=None, data=None, timeout=15):
    if url.startswith("/live/"):
        timeout = 4   # a subscription that opened stays open
    try:
        return session().request(method, base + url, headers=headers or {},
                                 data=data, timeout=timeout,
                                 allow_redirects=False)
    except requests.exceptions.ReadTimeout:
        return None


def quoted(s):
    from urllib.parse import quote
    return s if "%" in s else quote(s, safe="")


def run_op(op, world, base_url, stack_var, strict=True):
    """The strict cases of one operation (or, strict=False, the lenient
    body cases); returns a list of problems."""
    problems = []
    auth = {"Authorization": "Bearer " + world.token}
    own = world.own_ids()
    url = op.url(own)

    def go(label, method, path, headers, data, must_4xx, field=None,
           props=()):
        r = send(base_url, method, path, headers, data)
        if r is None:
            if op.live:
                return   # a live subscription that stayed open: not an error
            problems.append(f"{label}: no answer in 15 s")
            return
        problems.extend(check(r, label, must_4xx, field, props))
        # nothing of B's buyer, whatever the status
        for secret in (world.b_booking, world.buyer.email):
            if secret in r.text:
                problems.append(f"{label}: {r.status_code} shows tenant B's"
                                f" booking or buyer ({secret})")

    json_h = {"Content-Type": "application/json"}
    base_body = b"{}" if op.body_schema else None
    if op.body_schema:
        base_body = json.dumps(sample(op.body_schema)).encode()

    if not strict:
        props = tuple((op.body_schema or {}).get("properties", {}).keys())
        for label, data, ctype, strict_case, field in body_cases(op):
            if op.live or strict_case:
                continue
            headers = dict(auth)
            if ctype:
                headers["Content-Type"] = ctype
            go(label, op.method, url, headers, data, False, field, props)
        return problems

    # tokens
    if "bearer" in op.schemes or op.live:
        for label, h, must401 in token_cases(world, stack_var):
            headers = dict(json_h)
            if h:
                headers["Authorization"] = h
            target = url
            if op.live and h:
                target = url + "?token=" + h.split(" ", 1)[-1]
                headers.pop("Authorization", None)
            # a validly signed token could do real work: no body then
            data = base_body if must401 else None
            r = send(base_url, op.method, target, headers, data)
            if r is None:
                if not op.live:
                    problems.append(f"token {label}: no answer")
                continue
            problems.extend(check(r, f"token {label}", must401 and not op.live))
            if must401 and "bearer" in op.schemes and r.status_code != 401:
                problems.append(f"token {label}: {r.status_code}, wanted 401")
    if "refreshCookie" in op.schemes:
        for label, cookie in (("no cookie", None), ("garbage cookie", "zt_refresh=x"),
                              ("forged cookie", "zt_refresh=" + b64u(os.urandom(32))),
                              ("overlong cookie", "zt_refresh=" + "a" * 4000),
                              ("nul in cookie", "zt_refresh=a%00b")):
            headers = dict(json_h)
            if cookie:
                headers["Cookie"] = cookie
            go(f"cookie {label}", op.method, url, headers, base_body,
               op.method != "POST" or "logout" not in op.path)

    # path parameters
    for pname in op.path_params:
        for v in BAD_SEGMENTS:
            vals = dict(own)
            vals[pname] = quoted(v)
            # ".." is resolved by nginx: another (existing) path
            go(f"{{{pname}}} = {v[:24]!r}", op.method, op.url(vals),
               dict(json_h, **auth), base_body,
               must_4xx=not op.live and v not in DOTS)
    # a month ({month}) names nothing of a tenant's: there is no other's
    if set(op.path_params) - {"month"} and not op.live:
        other = op.url(world.other_ids(op))
        # another tenant's things: reading public pages of them is fine,
        # anything else is a 4xx
        public_read = op.method == "GET" and "bearer" not in op.schemes
        go("other tenant's ids", op.method, other, dict(json_h, **auth),
           base_body, must_4xx=not public_read)
    for p in op.query_params:
        # ?eventId=<B's event> and the like: no 5xx, nothing of B's (above)
        if (p.get("schema") or {}).get("format") == "uuid" and not op.live:
            vals = world.other_ids(op)
            v = vals.get(p["name"], vals["eventId"])
            go(f"?{p['name']}= other tenant's id", op.method,
               f"{url}?{p['name']}={v}", dict(auth), None, must_4xx=False)

    # query parameters
    for label, qs in query_cases(op):
        if op.live:
            continue
        go(label, op.method, url + "?" + qs, dict(auth), base_body
           if op.body_schema else None, must_4xx=False)

    # bodies
    props = tuple((op.body_schema or {}).get("properties", {}).keys())
    for label, data, ctype, must_4xx, field in body_cases(op):
        if op.live or not must_4xx:
            continue
        headers = dict(auth)
        if ctype:
            headers["Content-Type"] = ctype
        go(label, op.method, url, headers, data, must_4xx, field, props)

    # headers the operation reads (webhook signature)
    for h in op.headers:
        for v in ("", "x" * 5000, "zz", "0" * 64, "\u00e9".encode().decode("latin-1")):
            go(f"header {h}={v[:10]!r}", op.method, url,
               dict(json_h, **{h: v}), base_body, must_4xx=op.method != "GET")
    return problems


@pytest.mark.parametrize("op", OPS, ids=[o.id for o in OPS])
def test_bad_input(op, world, base_url, stack_var, pg_super_dsn):
    before = settled_sums(pg_super_dsn)
    problems = run_op(op, world, base_url, stack_var)
    after = settled_sums(pg_super_dsn)
    changed = sorted(t for t in set(before) | set(after)
                     if before.get(t) != after.get(t))
    if changed:
        problems.append("the database changed: " + ", ".join(
            f"{t} ({before.get(t, (0,))[0]} -> {after.get(t, (0,))[0]} rows)"
            for t in changed))
    # then the cases that may succeed: only no 5xx and the error shape
    problems += run_op(op, world, base_url, stack_var, strict=False)
    assert not problems, f"{op.id}: {len(problems)} problem(s):\n  " + \
        "\n  ".join(problems[:60])


def test_every_operation_has_cases():
    """The corpus is not empty for any operation (a spec the parser no
    longer understands would otherwise pass silently)."""
    assert len(OPS) >= 30
    for op in OPS:
        n = len(body_cases(op)) + len(query_cases(op)) + len(op.path_params)
        assert n > 0 or op.schemes or op.live, op.id


ROUTE_RE = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"')


def test_every_route_is_in_openapi():
    """Each route of a responder's table (cgi-bin/*.c) is an operation of
    docs/openapi.yaml, so the corpus above covers it."""
    spec = {(o.method, re.sub(r"\{[^}]+\}", ":", o.path)) for o in OPS}
    missing = []
    cgi = os.path.join(ROOT, "cgi-bin")
    for f in sorted(os.listdir(cgi)):
        if not f.endswith(".c"):
            continue
        with open(os.path.join(cgi, f)) as src:
            for method, pattern in ROUTE_RE.findall(src.read()):
                shape = re.sub(r":[A-Za-z_]+", ":", pattern)
                if (method, shape) not in spec:
                    missing.append(f"{method} {pattern} ({f})")
    assert not missing, "routes missing from docs/openapi.yaml: " + ", ".join(missing)


@pytest.mark.parametrize("url, name", [
    ("/api/events?q=%ff%fe", "'q'"),
    ("/api/events?city=Pune&category=%c3", "'category'"),
    ("/api/events/%ff%fe", "'id'"),
    ("/api/seats/status/%c0%af", "'eventId'"),
])
def test_text_that_is_not_utf8_is_a_400_naming_the_parameter(base_url, url,
                                                             name):
    # before: PostgreSQL refused the bytes and the client got a 422 "the
    # request was rejected by a data rule" that named nothing
    r = session().get(base_url + url, timeout=10)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_field"
    assert name in err["message"] and "UTF-8" in err["message"]
