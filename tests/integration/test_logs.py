"""Request logs (docs/operations.md, "Logs"): one JSON line per request
from the responder with nginx's request id, the route pattern, status,
duration, tenant, a keyed user hash and the error code; never a secret,
token, code or full phone/email; cron runs under a run id; the
PostgreSQL backend pid that ties a request to PostgreSQL's log."""

import json
import os
import re
import time
import uuid

import psycopg2
import pytest

from ztauth import Browser, code_from, sign_in
from ztbook import Person, Shop, run_cron, wait_for

# the fakes record what a provider would receive (the code, the address)
NOT_OURS = {"fakes.log", "fakes.jsonl", "razorpay.log", "razorpay.jsonl",
            "google.log"}


def log_path(stack_var, name):
    return os.path.join(stack_var, "log", name)


def request_lines(stack_var, area, rid):
    with open(log_path(stack_var, f"{area}.log")) as f:
        return [json.loads(l) for l in f
                if rid in l and l.startswith("{") and '"event":"request"' in l]


def nginx_lines(stack_var, rid):
    with open(log_path(stack_var, "nginx-access.log")) as f:
        return [json.loads(l) for l in f if rid in l]


def sizes(stack_var):
    d = os.path.join(stack_var, "log")
    return {n: os.path.getsize(os.path.join(d, n)) for n in os.listdir(d)
            if n not in NOT_OURS and os.path.isfile(os.path.join(d, n))}


def written_since(stack_var, before):
    """What every log of ours got since sizes() gave before."""
    out = {}
    d = os.path.join(stack_var, "log")
    for n, size in sizes(stack_var).items():
        with open(os.path.join(d, n), "rb") as f:
            f.seek(before.get(n, 0))
            out[n] = f.read().decode("utf-8", "replace")
    return out


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


def test_each_request_has_one_line_with_nginx_request_id(base_url, api, stack_var):
    cases = [("GET", "/api/health", "health", "/api/health", 200, None),
             ("GET", "/api/events/" + str(uuid.uuid4()), "events",
              "/api/events/:id", 404, True),
             ("POST", "/api/auth/otp/send", "auth", "/api/auth/otp/send", 400,
              True)]
    for method, path, area, route, status, code in cases:
        r = api(method, path, json={} if method == "POST" else None)
        assert r.status_code == status, r.text
        rid = r.headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
        got = wait_for(lambda: nginx_lines(stack_var, rid), timeout=5)
        assert len(got) == 1 and got[0]["status"] == status
        lines = request_lines(stack_var, area, rid)
        assert len(lines) == 1, lines
        line = lines[0]
        assert line["rid"] == rid and line["route"] == route
        assert line["method"] == method and line["status"] == status
        assert isinstance(line["dur_us"], int) and line["dur_us"] >= 0
        assert line.get("error") == (r.json()["error"]["code"] if code else None)
        assert path.split("/")[-1] not in json.dumps(line) or route == path


def test_signed_in_requests_carry_tenant_and_a_keyed_user_hash(
        base_url, shop, stack_var, pg_super_dsn):
    uid = shop.user("logs")
    t = shop.tenant(owner=uid)
    p = Person(base_url, stack_var, uid, t, "owner")
    hashes = set()
    for _ in range(2):
        r = p.call("GET", "/api/tenants/me")
        assert r.status_code == 200, r.text
        rid = r.headers["X-Request-Id"]
        [line] = request_lines(stack_var, "tenants", rid)
        assert line["tenant"] == t
        assert re.fullmatch(r"[0-9a-f]{16}", line["user"])
        assert uid not in json.dumps(line)
        assert uid.replace("-", "")[:16] != line["user"]
        hashes.add(line["user"])
        # the responder's PostgreSQL connection: PostgreSQL's %p
        pg = line["pg_pid"]
        with psycopg2.connect(pg_super_dsn) as c, c.cursor() as cur:
            cur.execute("select usename from pg_stat_activity where pid = %s", (pg,))
            assert cur.fetchone() is not None
    assert len(hashes) == 1, "the same user hashes the same way"
    other = Person(base_url, stack_var, shop.user("other"), t, "owner")
    r = other.call("GET", "/api/tenants/me")
    [line] = request_lines(stack_var, "tenants", r.headers["X-Request-Id"])
    assert line["user"] not in hashes


def test_no_secret_reaches_the_logs(base_url, fakes_url, shop, stack_var):
    """Sign in by email and by SMS, refresh, hold and book; then no log of
    ours holds the code, the tokens, the phone number or the address."""
    before = sizes(stack_var)
    secrets = []
    email = f"logs-{uuid.uuid4().hex[:10]}@test.ztic.in"
    b, body = sign_in(base_url, fakes_url, "email", to=email)
    secrets += [email, body["accessToken"], code_from(fakes_url, "resend", email)]
    refresh = b.s.cookies.get("zt_refresh")
    assert refresh
    secrets.append(refresh)
    r = b.refresh()
    assert r.status_code == 200, r.text
    secrets.append(r.json()["accessToken"])
    phone = "98" + uuid.uuid4().int.__str__()[:8]
    b2, body2 = sign_in(base_url, fakes_url, "sms", to=phone)
    secrets += [phone, "+91" + phone, body2["accessToken"],
                code_from(fakes_url, "twilio", "+91" + phone)]
    # a wrong code, then a booking with a live token
    r = b.call("POST", "/api/auth/otp/send", {"channel": "email", "to": email}, auth=False)
    cid = r.json()["challengeId"]
    b.call("POST", "/api/auth/otp/verify", {"challengeId": cid, "code": "000000"}, auth=False)
    t = shop.tenant()
    ev = shop.event(t, seats=2, seat_price=0)
    p = Person(base_url, stack_var, shop.user("logbuyer"))
    secrets.append(p.token)
    p.hold(ev, ev["seats"][:1])
    assert p.book(ev).status_code == 201
    time.sleep(0.5)  # nginx writes its line after answering
    logs = written_since(stack_var, before)
    assert any('"event":"request"' in v for v in logs.values())
    for name, text in logs.items():
        for s in secrets:
            if re.fullmatch(r"\d{6}", s):
                # a code: as a word of its own, not inside a number
                hits = [m for m in re.finditer(r"(?<![\d.:])%s(?![\d])" % s, text)]
            else:
                hits = list(re.finditer(re.escape(s), text))
            assert not hits, f"{s[:12]}… is in log/{name}"


def test_cron_programs_log_under_one_run_id(stack_var):
    p = run_cron(stack_var, "expire")
    lines = [json.loads(l) for l in p.stderr.splitlines() if l.startswith("{")]
    assert lines, p.stderr
    rids = {l.get("rid") for l in lines}
    assert len(rids) == 1 and re.fullmatch(r"run-[0-9a-f]{16}", rids.pop())
    q = run_cron(stack_var, "expire")
    other = {json.loads(l).get("rid") for l in q.stderr.splitlines() if l.startswith("{")}
    assert other and other.isdisjoint({l.get("rid") for l in lines})
