"""Redis failover under a sale (docs/scale.md, "Redis failover").

`scripts/dev sentinel up` gives the test stack's Redis a replica and three
Sentinels and restarts the services with ZT_REDIS_SENTINELS: they find the
master through the Sentinels. Half-way through a flash sale the master is
killed (SIGKILL): the Sentinels promote the replica, the responders find
it (SENTINEL get-master-addr-by-name, ROLE) and holds work again within
RESUME_S seconds; afterwards nothing is oversold and every captured
payment is a confirmed booking or a refund (the flash-sale checks).
`sentinel down` restores the single Redis.
"""

import itertools
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from test_flash_sale import flash_sale
from ztbook import Person, Shop
from ztnodes import dev

RESUME_S = 15          # stated in docs/scale.md; measured: see there


@pytest.fixture
def sentinel(stack_var, dev_script):
    """The Sentinels' ports (a fresh replica and Sentinels per test)."""
    dev(stack_var, dev_script, "sentinel", "up")
    with open(os.path.join(stack_var, "env")) as f:
        line = [x for x in f if x.startswith("export ZT_REDIS_SENTINELS=")][0]
    yield [a.rsplit(":", 1)[1]
           for a in line.split("=", 1)[1].strip().strip("'").split(",")]
    dev(stack_var, dev_script, "sentinel", "down")


def cli(*args):
    p = subprocess.run(["redis-cli", *args], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 0, p.stderr
    return p.stdout


def master_port(sentinels):
    return cli("-p", sentinels[0], "SENTINEL", "get-master-addr-by-name",
               "ztic").split()[1]


def master_pid(sentinels):
    info = cli("-p", master_port(sentinels), "INFO", "server")
    return int(re.search(r"^process_id:(\d+)", info, re.M).group(1))


def evalsha_calls(port):
    info = cli("-p", port, "INFO", "commandstats")
    m = re.search(r"^cmdstat_evalsha:calls=(\d+)", info, re.M)
    return int(m.group(1)) if m else 0


def test_a_planned_switchover_leaves_no_worker_on_the_old_master(
        sentinel, base_url, stack_var, pg_owner_dsn, wait_healthy):
    """SENTINEL FAILOVER: the replica is promoted while the old master
    still runs (Sentinel demotes it only seconds later). Each worker asks
    the Sentinels again at most a second after its last check: from then
    on no hold is written to the old master, and none is refused."""
    wait_healthy(30)
    shop = Shop(pg_owner_dsn)
    try:
        ev = shop.event(shop.tenant(), seats=0, ga=[100000])
        people = [Person(base_url, stack_var, shop.user(f"sw{i}"))
                  for i in range(24)]

        def hold(p):
            return p.call("POST", "/api/seats/lock", {
                "eventId": ev["id"], "seatIds": [],
                "ga": [{"ticketTypeId": ev["ga"][0], "quantity": 1}]})

        # every worker connected to the master
        assert all(hold(p).status_code == 200 for p in people[:8])
        old = master_port(sentinel)
        cli("-p", sentinel[0], "SENTINEL", "FAILOVER", "ztic")
        deadline = time.monotonic() + 30
        while master_port(sentinel) == old:
            assert time.monotonic() < deadline, "no switchover"
            time.sleep(0.1)
        time.sleep(1.5)          # every worker's next check is due
        before = evalsha_calls(old)
        codes = [hold(p).status_code for p in people[8:]]
        assert codes == [200] * len(codes), codes
        assert evalsha_calls(old) == before, "a hold went to the old master"
    finally:
        shop.purge()


def test_killing_the_master_mid_sale_loses_no_sale_and_no_payment(
        sentinel, base_url, stack_var, pg_owner_dsn, razorpay_url,
        redis_socket, wait_healthy):
    wait_healthy(30)
    shop = Shop(pg_owner_dsn)
    t = shop.tenant()
    probe_ev = shop.event(t, seats=0, ga=[100000])
    resumed = {}
    # the probe's buyers (Shop's connection is not for threads)
    probes = [Person(base_url, stack_var, shop.user(f"probe{i}"))
              for i in range(20)]

    def kill_and_probe():
        os.kill(master_pid(sentinel), signal.SIGKILL)
        t0 = time.monotonic()
        for i in itertools.count():
            if time.monotonic() - t0 > 60:
                return
            r = probes[i % len(probes)].call("POST", "/api/seats/lock", {
                "eventId": probe_ev["id"], "seatIds": [],
                "ga": [{"ticketTypeId": probe_ev["ga"][0], "quantity": 1}]})
            if r.status_code == 200:
                resumed["after"] = time.monotonic() - t0
                return
            assert r.status_code == 503, r.text
            time.sleep(0.25)

    prober = threading.Thread(target=kill_and_probe, daemon=True)
    try:
        out = flash_sale(shop, [base_url], stack_var, razorpay_url,
                         redis_socket, buyers=120, seats=40, ga_units=40,
                         on_half=prober.start, confirm_ok=(200, 409, 503))
        prober.join(70)
        assert "after" in resumed, "holds never resumed after the failover"
        print(f"holds resumed {resumed['after']:.1f} s after the master died")
        assert resumed["after"] <= RESUME_S, resumed
        assert out.count("paid") > 0
    finally:
        shop.purge()
