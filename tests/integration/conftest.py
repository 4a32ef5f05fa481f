"""Fixtures for the integration tests: they drive a live stack over HTTP.

`scripts/dev test` starts a throw-away stack and exports the ZT_TEST_*
variables described in docs/stack.md ("Test hooks"); run these tests through
it. Helpers:

    api(method, path, json=..., headers=..., data=..., **requests_kwargs)
        one HTTP request to ZT_TEST_BASE_URL + path (no cookies kept)
    client()
        a requests.Session-backed api() that keeps cookies (refresh token)
    svc(action, name)
        scripts/dev svc <stop|start|restart> <postgres|redis|nginx|area>
        on the test stack
    wait_healthy(timeout)
        poll GET /api/health until 200; returns the last response
    pool_workers(area)
        pids of the workers of a responder pool (children of its master,
        the responder that spawn-fcgi started: lib/zt_pool.h)
    razorpay_url
        base URL of the Razorpay emulator the responders use (skips if absent)
    dbctl(mode, checks, timeout=60)
        run tests/tools/dbctl <mode> against the stack's database and check
        it printed exactly `checks` lines, all "ok"
"""

import os
import subprocess
import time
import uuid

import pytest
import requests

HOW = "run the integration tests with `scripts/dev test`, which starts a " \
      "throw-away stack and exports the ZT_TEST_* variables (docs/stack.md)"


def _need(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: {HOW}", pytrace=False)
    return value


# ----------------------------------------------------------- raw settings --

@pytest.fixture(scope="session")
def base_url():
    return _need("ZT_TEST_BASE_URL").rstrip("/")


@pytest.fixture(scope="session")
def stack_var():
    return _need("ZT_TEST_VAR")


@pytest.fixture(scope="session")
def dev_script():
    return _need("ZT_TEST_DEV")


@pytest.fixture(scope="session")
def pg_super_dsn():
    return _need("ZT_TEST_PG_SUPER_DSN")


@pytest.fixture(scope="session")
def pg_owner_dsn():
    return _need("ZT_TEST_PG_OWNER_DSN")


@pytest.fixture(scope="session")
def pg_app_dsn():
    return _need("ZT_TEST_PG_APP_DSN")


@pytest.fixture(scope="session")
def pg_system_dsn():
    """ztic_system (sql/013): cron, webhooks, the admin console."""
    return _need("ZT_TEST_PG_SYSTEM_DSN")


@pytest.fixture(scope="session")
def redis_socket():
    return _need("ZT_TEST_REDIS_SOCKET")


@pytest.fixture(scope="session")
def fakes_url():
    """Base URL of tests/fakes/providers.py; skips when the fakes are absent."""
    url = os.environ.get("ZT_TEST_FAKES_URL")
    if not url:
        pytest.skip("provider fakes are not running (no tests/fakes/providers.py)")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def razorpay_url():
    """Base URL of the Razorpay emulator (tests/fakes/razorpay.py) the stack's
    responders use, with keys rzp_test_ztic / rzp_test_secret and webhook
    secret whsec_test (docs/payments.md); skips when it is absent."""
    url = os.environ.get("ZT_TEST_RAZORPAY_URL")
    if not url:
        pytest.skip("the razorpay emulator is not running (no tests/fakes/razorpay.py)")
    return url.rstrip("/")


# ---------------------------------------------------------------- helpers --

class Api:
    """Small HTTP helper bound to the stack's base URL."""

    def __init__(self, base, session=None, timeout=10):
        self.base = base
        self.http = session or requests
        self.timeout = timeout

    def __call__(self, method, path, json=None, headers=None, data=None,
                 **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        return self.http.request(method, self.base + path, json=json,
                                 headers=headers, data=data, **kwargs)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, **kw):
        return self("POST", path, **kw)


@pytest.fixture(scope="session")
def api(base_url):
    return Api(base_url)


@pytest.fixture
def client(base_url):
    """An api() that keeps cookies across calls (one browser, in effect)."""
    def make():
        return Api(base_url, session=requests.Session())
    return make


@pytest.fixture(scope="session")
def svc(dev_script, stack_var):
    def run(action, name, timeout=90):
        env = dict(os.environ, ZT_VAR=stack_var)
        proc = subprocess.run([dev_script, "svc", action, name], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(
                f"scripts/dev svc {action} {name} failed ({proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}")
        return proc
    return run


@pytest.fixture(scope="session")
def dbctl(stack_var):
    tool = os.path.join(os.path.dirname(__file__), "..", "tools", "dbctl")

    def run(mode, checks, timeout=60):
        if not os.access(tool, os.X_OK):
            pytest.fail("tests/tools/dbctl is missing: run `make check` "
                        "(scripts/dev test does)", pytrace=False)
        mark = "dbctl-" + uuid.uuid4().hex[:12] + "-"
        p = subprocess.run(["/bin/bash", "-c", 'set -a; . "$0"; exec "$@"',
                            os.path.join(stack_var, "env"), tool, mode, mark],
                           capture_output=True, text=True, timeout=timeout)
        lines = p.stdout.strip().splitlines()
        assert p.returncode == 0, p.stdout + p.stderr
        assert len(lines) == checks and \
            all(l.startswith("ok ") for l in lines), p.stdout
    return run


@pytest.fixture(scope="session")
def wait_healthy(api):
    def wait(timeout=10.0):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                last = api("GET", "/api/health", timeout=3)
                if last.status_code == 200:
                    return last
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                return last
            time.sleep(0.2)
    return wait


def _children(pid):
    """Pids whose parent is pid (scans /proc: the kernel may lack
    /proc/<pid>/task/<tid>/children)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces or ')': split after the last ')'
        fields = stat[stat.rindex(")") + 2:].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == pid and state != "Z":
            kids.append(int(entry))
    return sorted(kids)


@pytest.fixture(scope="session")
def pool_pid(stack_var):
    def get(area):
        with open(os.path.join(stack_var, "run", f"{area}.pid")) as f:
            return int(f.read().split()[0])
    return get


@pytest.fixture(scope="session")
def pool_workers(pool_pid):
    def get(area):
        return _children(pool_pid(area))
    return get
