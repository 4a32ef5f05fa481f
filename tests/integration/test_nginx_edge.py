"""What nginx decides by itself: abuse limits, path and method refusals,
its own error answers, and which API locations exist.

Contract: docs/operations.md ("Abuse limits", "nginx errors") and
docs/stack.md. Everything under /api/ answers JSON
{"error":{"code","message"}}, also when nginx answers without a responder;
429 and 503 carry Retry-After.

The test stack runs the default limits (scripts/dev, LIMIT_DEFAULTS) with
127.0.0.0/8 exempt except 127.255.0.0/16 (the rest of the suite is
thousands of users on loopback addresses: 127.0.0.1 and ztauth's
random_loopback()) and 127.0.0.2 trusted as a proxy sending
X-Forwarded-For. These tests therefore come from 127.255.x.y (Linux routes
all of 127/8 to lo), a fresh address per test, so each starts with an
empty budget.
"""

import http.client
import json
import os
import random
import re
import socket
import time

import pytest

from ztseats import cat, tenant  # noqa: F401  (fixtures)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ---------------------------------------------------------------- helpers --

def fresh_addr():
    """A limited loopback address no other test uses (127.255.0.0/16)."""
    return "127.255.%d.%d" % (random.randrange(0, 256), random.randrange(1, 255))


def fresh_client_ip():
    """A documentation address (TEST-NET-2) for X-Forwarded-For."""
    return "198.51.%d.%d" % (random.randrange(0, 256), random.randrange(1, 255))


class Conn:
    """One keep-alive HTTP/1.1 connection from a chosen source address;
    paths go out exactly as written (no normalisation)."""

    def __init__(self, base_url, source="127.0.0.1", timeout=10):
        m = re.fullmatch(r"http://([^:/]+):(\d+)", base_url)
        self.host, self.port = m.group(1), int(m.group(2))
        self.source, self.timeout = source, timeout
        self.c = None

    def __call__(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout,
                    source_address=(self.source, 0))
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                r.body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                # nginx closed an idle keep-alive connection: once more
                self.close()
                if attempt:
                    raise

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


def assert_json_error(r, status, code=None):
    """r: an http.client response with .body (Conn) or a requests one."""
    got = getattr(r, "status", None) or r.status_code
    body = getattr(r, "body", None)
    if body is None:
        body = r.content
    assert got == status, (got, body[:300])
    ctype = (r.getheader("Content-Type", "") if hasattr(r, "getheader")
             else r.headers.get("Content-Type", ""))
    assert ctype.split(";")[0].strip() == "application/json", (ctype, body[:300])
    doc = json.loads(body)
    assert isinstance(doc.get("error"), dict), doc
    assert isinstance(doc["error"].get("code"), str) and doc["error"]["code"], doc
    assert isinstance(doc["error"].get("message"), str) and doc["error"]["message"], doc
    if code:
        assert doc["error"]["code"] == code, doc
    return doc


def rendered_conf(stack_var, name="nginx.conf"):
    with open(os.path.join(stack_var, "nginx", name)) as f:
        return f.read()


def limit_of(conf, zone):
    """(rate per second, burst) of a limit_req zone in the rendered config."""
    m = re.search(r"limit_req_zone \S+ zone=%s:\S+ rate=(\d+)r/([sm]);" % zone, conf)
    assert m, f"no limit_req_zone {zone} in the rendered config"
    rate = int(m.group(1)) / (60.0 if m.group(2) == "m" else 1.0)
    m = re.search(r"limit_req zone=%s burst=(\d+) nodelay;" % zone, conf)
    assert m, f"no limit_req zone={zone} in a location of the rendered config"
    return rate, int(m.group(1))


def api_locations(conf):
    """[(modifier, path, body)] of every location whose path is under /api."""
    out = []
    for m in re.finditer(r"^\s*location\s+(=|\^~)?\s*(/api\S*)\s*\{", conf, re.M):
        # the location's body: up to its matching brace
        depth, i = 0, m.end() - 1
        while True:
            if conf[i] == "{":
                depth += 1
            elif conf[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append((m.group(1) or "", m.group(2), conf[m.end():i]))
    return out


def areas():
    """Responder programs: executables in cgi-bin/ with a plain name."""
    d = os.path.join(ROOT, "cgi-bin")
    return sorted(n for n in os.listdir(d)
                  if re.fullmatch(r"[a-z][a-z0-9_]*", n)
                  and os.path.isfile(os.path.join(d, n))
                  and os.access(os.path.join(d, n), os.X_OK))


def nginx_workers(stack_var):
    with open(os.path.join(stack_var, "run", "nginx.pid")) as f:
        master = int(f.read().split()[0])
    kids = set()
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[1]) == master and fields[0] != "Z":
            kids.add(int(e))
    return kids


def reload_nginx(svc, stack_var):
    """svc reload nginx, then wait for the new workers (the old ones stop
    accepting at once and leave when their connections are done)."""
    old = nginx_workers(stack_var)
    svc("reload", "nginx")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        now = nginx_workers(stack_var)
        if len(now - old) >= len(old) and not (now & old):
            return
        time.sleep(0.1)
    assert len(nginx_workers(stack_var) - old) >= 1, "nginx did not reload"


# ------------------------------------------- locations with no program --

def test_every_api_location_has_a_program_and_none_answers_502(
        base_url, stack_var):
    conf = rendered_conf(stack_var)
    locs = api_locations(conf)
    assert locs, "no /api location in the rendered config"
    have = areas()
    run = os.path.join(stack_var, "run")
    c = Conn(base_url)
    seen_socks = set()
    for mod, path, body in locs:
        m = re.search(r"fastcgi_pass unix:(\S+)\.sock;", body)
        if m:
            area = os.path.basename(m.group(1))
            seen_socks.add(area)
            assert area in have, \
                f"location {path} goes to {area}.sock but there is no cgi-bin/{area}"
            assert os.path.exists(os.path.join(run, area + ".sock")), \
                f"location {path}: {area}.sock is missing"
        # the path itself and a path below it, every method a client uses
        probes = [path] if mod == "=" else [path, path.rstrip("/") + "/edge-probe"]
        for p in probes:
            for method in ("GET", "POST", "DELETE"):
                r = c(method, p, body=b"{}" if method == "POST" else None,
                      headers={"Content-Type": "application/json"})
                assert r.status != 502, (method, p, r.body[:200])
                assert r.status < 500 or r.status == 503, (method, p, r.status, r.body[:200])
                if r.status >= 400:
                    assert_json_error(r, r.status)
    # the programs that exist all have their location
    for area in have:
        assert area in seen_socks, f"cgi-bin/{area} has no /api location"


@pytest.mark.parametrize("area", ["checkin", "admin"])
def test_an_area_without_a_program_is_a_json_404(base_url, stack_var, area):
    if area in areas():
        pytest.skip(f"cgi-bin/{area} exists now")
    assert f"/api/{area}/" not in rendered_conf(stack_var)
    c = Conn(base_url)
    for method in ("GET", "POST"):
        r = c(method, f"/api/{area}/anything", body=b"{}" if method == "POST" else None)
        assert_json_error(r, 404, "not_found")


# ----------------------------------------------------- paths and methods --

@pytest.mark.parametrize("path", [
    "/api/seats/..%2fauth/me",            # would be /api/auth/me
    "/api/seats/..%2Fauth/me",
    "/api/%2e%2e/api/health",
    "/api/seats/%2e%2e/health",
    "/api/health%2f",
    "/api/seats%2flock",
    "/api/seats/..%5cauth/me",
    "/%61pi/seats/..%2fhealth",           # encoded letters do not hide it
    "/api/seats/../health",               # plain dot segments too
    "/api/./health",
    "/live/..%2fapi/health",
])
def test_encoded_or_dot_segment_paths_are_a_json_404(base_url, path):
    r = Conn(base_url)("GET", path)
    assert_json_error(r, 404, "not_found")


def test_encoded_characters_in_the_query_are_fine(base_url):
    r = Conn(base_url)("GET", "/api/health?next=..%2f..%2fx")
    assert r.status == 200, r.body


@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
@pytest.mark.parametrize("path", ["/api/health", "/api/auth/me", "/api/seats/lock",
                                  "/api/bookings", "/api/nope", "/live/tenant", "/"])
def test_methods_nginx_refuses_are_a_json_405(base_url, method, path):
    r = Conn(base_url)(method, path)
    assert_json_error(r, 405)


@pytest.mark.parametrize("method", ["OPTIONS", "PROPFIND", "FOO"])
def test_other_methods_are_a_json_405_from_the_responder(base_url, method):
    r = Conn(base_url)(method, "/api/health")
    assert_json_error(r, 405)


def raw(base_url, data, timeout=5):
    m = re.fullmatch(r"http://([^:/]+):(\d+)", base_url)
    s = socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            out += d
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    ctype = re.search(rb"(?im)^content-type:\s*([^;\r\n]+)", head)
    return status, (ctype.group(1).decode() if ctype else ""), body


@pytest.mark.parametrize("data,status", [
    (b"POST /api/auth/otp/send HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET /api/health HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /api/health HTTP/1.1\r\n\r\n", 400),                   # no Host
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 400),
    (b"GET /api/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
])
def test_requests_nginx_cannot_take_are_json(base_url, data, status):
    got, ctype, body = raw(base_url, data)
    assert got == status, body[:200]
    assert ctype == "application/json", ctype
    assert "code" in json.loads(body)["error"]


@pytest.mark.parametrize("path", ["/api/health", "/api/auth/otp/send",
                                  "/api/seats/lock", "/api/bookings"])
def test_body_over_1mib_is_a_json_413(base_url, path):
    r = Conn(base_url)("POST", path, body=b"x" * (1024 * 1024 + 1),
                       headers={"Content-Type": "application/json"})
    assert_json_error(r, 413, "payload_too_large")


# ------------------------------------------------------ 502 and 504 --

def test_a_stopped_pool_is_a_json_502_then_comes_back(base_url, svc, wait_healthy):
    c = Conn(base_url, source=fresh_addr())
    svc("stop", "bookings")
    try:
        for method, path in (("GET", "/api/bookings/mine"), ("POST", "/api/bookings")):
            r = c(method, path, body=b"{}" if method == "POST" else None)
            assert_json_error(r, 502, "bad_gateway")
    finally:
        svc("start", "bookings")
    r = c("GET", "/api/bookings/mine")
    assert r.status == 401, r.body    # the responder again (no token)
    assert wait_healthy(10).status_code == 200


def test_a_responder_that_does_not_answer_is_a_json_504(
        base_url, stack_var, svc, wait_healthy):
    """A socket that takes the request and never answers: nginx gives up
    after fastcgi_read_timeout (30 s; shortened to 2 s here in the rendered
    fastcgi.conf, then put back)."""
    fcgi = os.path.join(stack_var, "nginx", "fastcgi.conf")
    orig = rendered_conf(stack_var, "fastcgi.conf")
    assert "fastcgi_read_timeout 30s;" in orig
    sock_path = os.path.join(stack_var, "run", "health.sock")
    silent = None
    svc("stop", "health")
    try:
        with open(fcgi, "w") as f:
            f.write(orig.replace("fastcgi_read_timeout 30s;", "fastcgi_read_timeout 2s;"))
        reload_nginx(svc, stack_var)
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        silent.bind(sock_path)
        os.chmod(sock_path, 0o666)     # nginx may run as nobody
        silent.listen(16)              # connections queue, nothing answers
        t0 = time.monotonic()
        r = Conn(base_url, timeout=20)("GET", "/api/health")
        assert_json_error(r, 504, "gateway_timeout")
        assert time.monotonic() - t0 < 10
    finally:
        if silent is not None:
            silent.close()
        with open(fcgi, "w") as f:
            f.write(orig)
        reload_nginx(svc, stack_var)
        svc("start", "health")
    r = wait_healthy(10)
    assert r is not None and r.status_code == 200


# ---------------------------------------------------------- limit_req --

LIMITED = [
    # zone, method, path: cheap requests (401 without a token)
    ("ztic_auth", "GET", "/api/auth/me"),
    ("ztic_auth", "POST", "/api/auth/token/refresh"),
    ("ztic_lock", "POST", "/api/seats/lock"),
    ("ztic_lock", "DELETE", "/api/seats/lock/00000000-0000-0000-0000-000000000000"),
    ("ztic_bookings", "POST", "/api/bookings"),
    ("ztic_bookings", "POST", "/api/bookings/00000000-0000-0000-0000-000000000000/cancel"),
    ("ztic_bookings_read", "GET", "/api/bookings"),
    ("ztic_bookings_read", "GET", "/api/bookings/mine"),
]


def burst(conn, method, path, n, headers=None):
    out = []
    for _ in range(n):
        out.append(conn(method, path, body=b"{}" if method != "GET" else None,
                        headers=dict({"Content-Type": "application/json"}, **(headers or {}))))
    return out


@pytest.mark.parametrize("zone,method,path", LIMITED)
def test_a_burst_over_the_limit_is_a_json_429_with_retry_after(
        base_url, stack_var, zone, method, path):
    rate, burst_size = limit_of(rendered_conf(stack_var), zone)
    c = Conn(base_url, source=fresh_addr())
    n = burst_size + int(rate * 2) + 20
    t0 = time.monotonic()
    rs = burst(c, method, path, n)
    took = time.monotonic() - t0
    codes = [r.status for r in rs]
    passed = [s for s in codes if s != 429]
    # what the bucket allows in `took` seconds, plus one for the edges
    assert len(passed) <= burst_size + 1 + rate * took + 1, (codes, took)
    assert len(passed) >= burst_size + 1, codes      # the burst goes through
    assert 429 in codes, codes
    for r in rs:
        if r.status == 429:
            assert_json_error(r, 429, "rate_limited")
            ra = r.getheader("Retry-After", "")
            assert ra.isdigit() and 1 <= int(ra) <= 60, ra
            assert re.fullmatch(r"[0-9a-f]{32}", r.getheader("X-Request-Id", ""))
        else:
            assert r.status != 502 and r.status < 500, (r.status, r.body[:200])
    # the budget is per address: another one is untouched meanwhile
    r = Conn(base_url, source=fresh_addr())(method, path, body=b"{}" if method != "GET" else None)
    assert r.status != 429, r.body
    # and it comes back after Retry-After (of the last refusal: the
    # bucket may refill in time for the burst's very last request)
    last_429 = [r for r in rs if r.status == 429][-1]
    time.sleep(int(last_429.getheader("Retry-After")) + 0.2)
    r = c(method, path, body=b"{}" if method != "GET" else None)
    assert r.status != 429, r.body


def test_booking_reads_and_writes_have_separate_budgets(base_url, stack_var):
    conf = rendered_conf(stack_var)
    w_rate, w_burst = limit_of(conf, "ztic_bookings")
    r_rate, r_burst = limit_of(conf, "ztic_bookings_read")
    assert r_rate >= w_rate and r_burst >= w_burst
    c = Conn(base_url, source=fresh_addr())
    codes = [r.status for r in burst(c, "POST", "/api/bookings",
                                     w_burst + int(w_rate * 2) + 20)]
    assert 429 in codes, codes
    # writes are refused now; reading goes on
    assert c("POST", "/api/bookings", body=b"{}").status == 429
    codes = [r.status for r in burst(c, "GET", "/api/bookings/mine", w_burst)]
    assert 429 not in codes, codes


def test_unlimited_paths_are_not_counted(base_url, stack_var):
    rate, burst_size = limit_of(rendered_conf(stack_var), "ztic_lock")
    c = Conn(base_url, source=fresh_addr())
    # the seat map and the event page are read freely …
    for path in ("/api/seats/status/00000000-0000-0000-0000-000000000000",
                 "/api/health"):
        codes = {r.status for r in burst(c, "GET", path, burst_size + 20)}
        assert 429 not in codes, (path, codes)
    # … and did not use the lock budget
    codes = [r.status for r in burst(c, "POST", "/api/seats/lock", burst_size)]
    assert 429 not in codes, codes


@pytest.mark.parametrize("source", ["127.0.0.1", "127.77.3.9"])
def test_exempt_addresses_are_not_limited(base_url, stack_var, source):
    """The test stack exempts 127.0.0.0/8 but 127.255.0.0/16
    (ZT_NGINX_LIMIT_EXEMPT): the rest of the suite depends on it."""
    conf = rendered_conf(stack_var)
    assert re.search(r"^\s*127\.0\.0\.0/8 1;", conf, re.M), "127/8 is not exempt"
    assert re.search(r"^\s*127\.255\.0\.0/16 0;", conf, re.M), "127.255/16 is exempt"
    rate, burst_size = limit_of(conf, "ztic_auth")
    codes = {r.status for r in burst(Conn(base_url, source=source), "GET",
                                     "/api/auth/me", burst_size + int(rate) + 20)}
    assert 429 not in codes, codes


# ------------------------------------------------------------ real_ip --

def access_log_lines(stack_var):
    with open(os.path.join(stack_var, "log", "nginx-access.log")) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_client(
        base_url, stack_var):
    """127.0.0.2 is the test stack's trusted proxy (ZT_NGINX_REAL_IP_FROM):
    its X-Forwarded-For names the client; from anyone else the header is
    ignored."""
    rate, burst_size = limit_of(rendered_conf(stack_var), "ztic_auth")
    n = burst_size + int(rate * 2) + 20
    proxy = Conn(base_url, source="127.0.0.2")
    a, b = fresh_client_ip(), fresh_client_ip()
    codes = [r.status for r in burst(proxy, "GET", "/api/auth/me", n,
                                     {"X-Forwarded-For": f"203.0.113.9, {a}"})]
    assert 429 in codes, codes
    # another client behind the same proxy has its own budget
    r = proxy("GET", "/api/auth/me", headers={"X-Forwarded-For": b})
    assert r.status == 401, r.body
    # the proxy itself (no header) is another client again
    r = proxy("GET", "/api/auth/me")
    assert r.status == 401, r.body
    # the access log names the client, not the proxy
    lines = access_log_lines(stack_var)
    assert {line["remote"] for line in lines if line["uri"] == "/api/auth/me"} >= {a, b}
    # an untrusted sender cannot pick its address with the header: it is
    # throttled as itself, and the throttled client's name does not help it
    other = Conn(base_url, source=fresh_addr())
    r = other("GET", "/api/auth/me", headers={"X-Forwarded-For": a})
    assert r.status == 401, r.body
    codes = [r.status for r in burst(other, "GET", "/api/auth/me", n,
                                     {"X-Forwarded-For": fresh_client_ip()})]
    assert 429 in codes, codes


# --------------------------------------------------------- limit_conn --

def open_subscription(base_url, source, path):
    """An EventSource subscription on a raw socket: returns (status,
    socket) with the socket left open while the status is 200."""
    m = re.fullmatch(r"http://([^:/]+):(\d+)", base_url)
    s = socket.create_connection((m.group(1), int(m.group(2))), timeout=10,
                                 source_address=(source, 0))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            break
        head += d
    head, _, body = head.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if status != 200:
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        while m and len(body) < int(m.group(1)):
            d = s.recv(4096)
            if not d:
                break
            body += d
        s.close()
        return status, head, body
    return status, head, s


def test_live_subscriptions_per_address_are_capped_with_a_json_429(
        base_url, stack_var, cat, tenant):  # noqa: F811
    m = re.search(r"limit_conn ztic_live (\d+);", rendered_conf(stack_var))
    assert m, "no limit_conn on /live/"
    cap = int(m.group(1))
    ev = cat.event(tenant)
    path = f"/live/events/{ev['id']}"
    src = fresh_addr()
    held = []
    try:
        for i in range(cap):
            status, head, s = open_subscription(base_url, src, path)
            assert status == 200, (i, head, s)
            held.append(s)
        # one more from the same address: refused while the others are open
        status, head, body = open_subscription(base_url, src, path)
        assert status == 429, head
        assert re.search(rb"(?im)^content-type:\s*application/json", head), head
        assert json.loads(body)["error"]["code"] == "rate_limited", body
        assert re.search(rb"(?im)^retry-after:\s*\d+\s*$", head), head
        # another address is not affected
        status, head, s = open_subscription(base_url, fresh_addr(), path)
        assert status == 200, head
        s.close()
        # a subscriber that leaves frees its slot
        held.pop().close()
        deadline = time.monotonic() + 5
        while True:
            status, head, s = open_subscription(base_url, src, path)
            if status == 200:
                held.append(s)
                break
            assert time.monotonic() < deadline, head
            time.sleep(0.1)
    finally:
        for s in held:
            s.close()
