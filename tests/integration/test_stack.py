"""The running stack: nginx, the health responder, PostgreSQL, Redis, nchan.

Contract: docs/stack.md and shared/design/api.md (health: 200
{status, postgres, redis, live, version}, 503 naming the failed part; errors
{"error":{"code","message"}}). Tests that stop a service put it back and wait
for a healthy stack before they end, so the order of the tests is free.
"""

import json
import os
import re
import signal
import socket
import time

import pytest

PARTS = ("postgres", "redis", "live")


def is_json(resp):
    return resp.headers.get("Content-Type", "").split(";")[0].strip() \
        == "application/json"


def assert_api_error(resp, status):
    assert resp.status_code == status, resp.text
    assert is_json(resp), resp.headers.get("Content-Type")
    body = resp.json()
    assert isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("code"), str) and body["error"]["code"]
    assert isinstance(body["error"].get("message"), str)
    return body


def names_failed_part(body, part):
    """A 503 health body names the part that failed: its own field is not
    "ok", or the error object mentions it."""
    if part in body and body[part] != "ok":
        return True
    return part in json.dumps(body.get("error", ""))


def poll(fn, timeout=5.0, interval=0.1):
    """Call fn until it returns a truthy value or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def healthy(wait_healthy):
    """The stack is healthy before the test and again after it."""
    r = wait_healthy(15)
    assert r is not None and r.status_code == 200, \
        f"stack not healthy before the test: {r.status_code if r else None} {r.text if r else ''}"
    yield
    r = wait_healthy(15)
    assert r is not None and r.status_code == 200, "stack not healthy after the test"


# ------------------------------------------------------------------ health --

def test_health_reports_every_part_ok_and_a_version(api, healthy):
    r = api("GET", "/api/health")
    assert r.status_code == 200, r.text
    assert is_json(r)
    body = r.json()
    assert body["status"] == "ok"
    for part in PARTS:
        assert body[part] == "ok", body
    assert isinstance(body.get("version"), str) and body["version"].strip()


def test_every_response_carries_a_request_id_that_reaches_the_access_log(
        api, stack_var, healthy):
    ids = set()
    for path in ("/api/health", "/api/no-such-thing"):
        r = api("GET", path)
        rid = r.headers.get("X-Request-Id", "")
        # a repeated header would arrive joined ("a, b") and fail the match
        assert re.fullmatch(r"[0-9a-f]{32}", rid), (path, rid)
        ids.add(rid)
    assert len(ids) == 2, "request ids must differ between requests"

    log = os.path.join(stack_var, "log", "nginx-access.log")

    def logged():
        with open(log) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        return ids <= {line.get("request_id") for line in lines}
    assert poll(logged, 3), "the access log (one JSON object per line) lacks the request ids"


def test_unknown_api_path_is_a_json_404(api):
    for method in ("GET", "POST", "DELETE"):
        r = api(method, "/api/definitely/not/here")
        body = assert_api_error(r, 404)
        assert body["error"]["code"]


def test_wrong_method_on_health_is_a_json_405_with_allow(api, healthy):
    r = api("POST", "/api/health", json={})
    assert_api_error(r, 405)
    allow = r.headers.get("Allow", "")
    assert "GET" in [m.strip() for m in allow.split(",")], allow


def test_body_over_the_1mib_cap_is_a_json_413_from_nginx(api):
    r = api("POST", "/api/health", data=b"x" * (1024 * 1024 + 1),
            headers={"Content-Type": "application/json"})
    assert_api_error(r, 413)


def test_nchan_publisher_answers_on_its_unix_socket_only(api, stack_var):
    sock_path = os.path.join(stack_var, "run", "nchan-pub.sock")
    body = b'{"v":1,"type":"test"}'
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(b"POST /pub/ztic-test HTTP/1.0\r\nHost: localhost\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    reply = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    status = int(reply.split(b" ", 2)[1])
    assert status in (201, 202), reply[:200]
    # and the publisher is not reachable over TCP
    r = api("POST", "/pub/ztic-test", data=body)
    assert r.status_code >= 400


def test_services_do_not_run_as_root(stack_var, pool_pid, pool_workers):
    if os.geteuid() != 0:
        pytest.skip("the stack runs as the invoking (non-root) user")

    def uid(pid):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    run = os.path.join(stack_var, "run")
    pids = {"health pool": pool_pid("health")}
    for name in ("nginx", "redis"):
        with open(os.path.join(run, f"{name}.pid")) as f:
            pids[name] = int(f.read().split()[0])
    with open(os.path.join(stack_var, "pg", "postmaster.pid")) as f:
        pids["postgres"] = int(f.readline())
    for w in pool_workers("health"):
        pids[f"health worker {w}"] = w
    for name, pid in pids.items():
        assert uid(pid) != 0, f"{name} (pid {pid}) runs as root"


# -------------------------------------------------------------- resilience --

def test_redis_down_gives_503_naming_redis_then_recovers_without_restart(
        api, svc, pool_pid, pool_workers, wait_healthy, healthy):
    watcher, workers = pool_pid("health"), pool_workers("health")
    assert workers, "the health pool has no worker"
    svc("stop", "redis")
    try:
        r = poll(lambda: (lambda x: x if x.status_code == 503 else None)(
            api("GET", "/api/health")), timeout=5)
        assert r is not None, "health did not turn 503 with Redis stopped"
        assert is_json(r)
        body = r.json()
        assert names_failed_part(body, "redis"), body
        if "postgres" in body:
            assert body["postgres"] == "ok", body
    finally:
        svc("start", "redis")
    r = wait_healthy(5)
    assert r is not None and r.status_code == 200, \
        f"health not 200 within 5 s of Redis coming back: {r.text if r else None}"
    # the responders reconnected by themselves: same processes as before
    assert pool_pid("health") == watcher
    assert pool_workers("health") == workers, "health workers were restarted"


def test_postgres_restart_is_survived(api, svc, wait_healthy, healthy):
    svc("restart", "postgres")
    r = wait_healthy(5)
    assert r is not None and r.status_code == 200, \
        f"health not 200 within 5 s of the PostgreSQL restart: {r.text if r else None}"
    # every worker has reconnected, whichever takes the request
    for _ in range(10):
        r = api("GET", "/api/health")
        assert r.status_code == 200, r.text


def test_sigkilled_worker_is_respawned(api, pool_workers, healthy):
    before = pool_workers("health")
    assert before, "the health pool has no worker"
    victim = before[0]
    os.kill(victim, signal.SIGKILL)

    def respawned():
        now = pool_workers("health")
        return now if len(now) == len(before) and victim not in now else None
    now = poll(respawned, timeout=5)
    assert now, f"worker {victim} was not respawned (pool now {pool_workers('health')})"
    for _ in range(10):
        r = api("GET", "/api/health")
        assert r.status_code == 200, r.text


def test_stopped_responder_gives_json_502_then_comes_back(
        api, svc, wait_healthy, healthy):
    svc("stop", "health")
    try:
        r = api("GET", "/api/health")
        assert_api_error(r, 502)
    finally:
        svc("start", "health")
    r = wait_healthy(5)
    assert r is not None and r.status_code == 200


# ------------------------------------------------------- queued statements --

def test_queued_statements_go_with_the_next_round_trip(dbctl):
    """lib/zt_db.c's zt_db_queue (tests/tools/dbctl): a queued write goes
    with COMMIT; one that fails there fails the commit (422) and rolls back
    the whole transaction; a queued read runs under the scope it was queued
    in and its result arrives with the next statement; a queued failure is
    the next statement's failure; outside a transaction it runs at once;
    more statements than the queue holds all go, in order."""
    dbctl("queue", 9)


def test_named_db_scopes_set_what_row_level_security_reads(dbctl):
    """lib/zt_db.c's named scopes (tests/tools/dbctl scope): begin_public
    sets no tenant, user or admin; begin_user the request's user only;
    begin_tenant and scope_tenant/_public exactly what they name;
    begin_system the system admin with no tenant and no user, which a
    tenant scope keeps and the next transaction does not; scope_user no
    tenant and the given user. And the error channel: zt_db_try_exec
    describes a data error in the caller's struct zt_error and leaves the
    request alone, zt_db_exec passes the same failure on to it."""
    dbctl("scope", 9)
