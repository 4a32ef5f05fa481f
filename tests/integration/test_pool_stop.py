"""A responder pool stops at once when it is asked to (systemd's stop, or
scripts/dev svc restart): multiwatch turns the pool's TERM into SIGUSR1
for its workers, which finish the request in hand and exit.  The workers
accept their connections themselves (lib/zt_serve.c, docs/live.md
"Batches"), so SIGUSR1 is theirs to honour, not libfcgi's; a worker that
ignored it would hold the stop until the second TERM (5 s in scripts/dev,
TimeoutStopSec=15 and SIGKILL under systemd)."""
import time


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
