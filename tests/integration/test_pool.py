"""A responder pool (lib/zt_pool.h): spawn-fcgi execs the responder with
ZT_POOL_WORKERS set; the process loads once and forks its workers, which
share the loaded pages with it, keeps them running and stops them.

Stopping (systemd's stop, or scripts/dev svc restart): the master turns
the pool's TERM into SIGUSR1 for its workers, which finish the request in
hand and exit.  The workers accept their connections themselves
(lib/zt_serve.c, docs/live.md "Batches"), so SIGUSR1 is theirs to honour,
not libfcgi's; a worker that ignored it would hold the stop until the
second TERM (5 s in scripts/dev, TimeoutStopSec=15 and SIGKILL under
systemd)."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _private_kb(pid):
    kb = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                kb += int(line.split()[1])
    return kb


def _wait(pred, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    assert pred(), what


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_an_idle_pool_stops_at_once_and_serves_again(svc, api):
    assert api("GET", "/api/health").status_code == 200
    t0 = time.monotonic()
    svc("restart", "health")
    took = time.monotonic() - t0
    assert took < 4.0, f"restarting the health pool took {took:.1f} s"
    for _ in range(50):
        if api("GET", "/api/health").status_code == 200:
            break
        time.sleep(0.1)
    assert api("GET", "/api/health").status_code == 200


def test_workers_are_forked_from_the_loaded_responder(api, pool_pid, pool_workers):
    """The pool's pid is the responder itself, and its workers keep the
    libraries' relocations, the catalogues and the config shared with it:
    a worker that has served requests holds well under a megabyte of its
    own (a worker exec'd on its own held 1.5-3 MB: docs/benchmarks.md,
    row 8)."""
    master = pool_pid("events")
    with open(f"/proc/{master}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0].endswith(b"cgi-bin/events")
    for _ in range(20):
        assert api("GET", "/api/events").status_code == 200
    workers = pool_workers("events")
    assert len(workers) >= 2
    with open(f"/proc/{workers[0]}/maps") as f:
        if "libasan" in f.read() or os.environ.get("ZT_SAN_INNER"):
            pytest.skip("an AddressSanitizer build: its allocator and shadow"
                        " memory are every worker's own")
    for w in workers:
        kb = _private_kb(w)
        assert kb < 1024, f"worker {w} holds {kb} kB of private memory"


def test_a_killed_worker_is_replaced(api, pool_workers):
    before = pool_workers("health")
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    _wait(lambda: len(pool_workers("health")) == 2 and
          before[0] not in pool_workers("health"), 5, "no worker took its place")
    for _ in range(10):
        assert api("GET", "/api/health").status_code == 200


def test_a_killed_master_takes_its_workers_with_it(svc, api, pool_pid, pool_workers):
    """The kernel tells the workers (PR_SET_PDEATHSIG): none is left
    accepting on a socket nobody supervises."""
    master, workers = pool_pid("health"), pool_workers("health")
    os.kill(master, signal.SIGKILL)
    for w in workers:
        _wait(lambda: not _alive(w), 5, f"worker {w} outlived its master")
    svc("start", "health")
    _wait(lambda: api("GET", "/api/health").status_code == 200, 10,
          "the pool did not come back")


# ---- a pool of our own, on a socket of the test's ----

@pytest.fixture
def own_pool(stack_var, tmp_path):
    """Start cgi-bin/health as a pool on a private socket with the given
    pool settings; yields a function that returns the Popen."""
    procs = []

    def start(**settings):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(tmp_path / f"pool{len(procs)}.sock"))
        sock.listen(16)
        env = {"ZT_METRICS_DIR": str(tmp_path)}
        env.update({k: str(v) for k, v in settings.items()})
        p = subprocess.Popen(
            ["/bin/bash", "-c", 'set -a; . "$0"; set +a; exec env "$@"',
             os.path.join(stack_var, "env"),
             *[f"{k}={v}" for k, v in env.items()], str(ROOT / "cgi-bin" / "health")],
            stdin=sock.fileno(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        sock.close()
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _kids(pid):
    path = f"/proc/{pid}/task/{pid}/children"
    if os.path.exists(path):
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    return []


def test_a_pool_starts_its_workers_and_stops_on_term(own_pool):
    p = own_pool(ZT_POOL_WORKERS=3)
    _wait(lambda: len(_kids(p.pid)) == 3, 5, "three workers did not start")
    workers = _kids(p.pid)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=5) == 0, p.stderr.read().decode()
    for w in workers:
        assert not _alive(w)


@pytest.mark.parametrize("name,value", [
    ("ZT_POOL_WORKERS", "0"), ("ZT_POOL_WORKERS", "two"),
    ("ZT_POOL_RETRIES", "-1"), ("ZT_POOL_FAST_MS", "1s")])
def test_a_bad_pool_setting_is_refused_by_name(own_pool, name, value):
    p = own_pool(**{"ZT_POOL_WORKERS": 2, name: value})
    assert p.wait(timeout=5) == 1
    err = p.stderr.read().decode()
    assert name in err and "whole number" in err, err


def test_a_worker_that_keeps_dying_at_start_is_given_up(own_pool):
    """ZT_POOL_RETRIES deaths within ZT_POOL_FAST_MS of the start are
    started again; one more and the slot is given up; with no worker left
    the master leaves with status 1 (systemd restarts the unit)."""
    p = own_pool(ZT_POOL_WORKERS=1, ZT_POOL_RETRIES=1, ZT_POOL_FAST_MS=60000)
    for i in range(2):
        _wait(lambda: len(_kids(p.pid)) == 1, 5, "no worker")
        w = _kids(p.pid)[0]
        os.kill(w, signal.SIGKILL)
        _wait(lambda: w not in _kids(p.pid), 5, "the killed worker stayed")
    assert p.wait(timeout=5) == 1
    err = p.stderr.read().decode()
    assert "not started again" in err, err
    assert err.count("starting another") == 1, err
