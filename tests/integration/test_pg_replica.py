"""Public reads on a PostgreSQL streaming replica (docs/scale.md).

`scripts/dev replica up` copies the test cluster with pg_basebackup -R,
starts it as a hot standby and gives the responders ZT_PG_REPLICA_DSN.
The catalogue (GET /api/events) is then read from the replica: with the
replica's replay paused, an event published on the primary stays out of
the catalogue, and appears once replay resumes. With the replica down the
catalogue is read from the primary again (no error for the visitor).
"""

import os
import signal
import time

import psycopg2
import pytest

from ztbook import wait_for
from ztnodes import dev
from ztorg import Org, ctx  # noqa: F401


@pytest.fixture(scope="module")
def replica(stack_var, dev_script):
    dev(stack_var, dev_script, "replica", "up")
    dsn = None
    with open(os.path.join(stack_var, "env")) as f:
        for line in f:
            if line.startswith("export ZT_PG_REPLICA_DSN="):
                dsn = line.split("=", 1)[1].strip().strip("'")
    assert dsn and "user=ztic_app" in dsn
    yield dsn.replace("user=ztic_app", "user=postgres")
    dev(stack_var, dev_script, "replica", "down")


def su(dsn, query):
    c = psycopg2.connect(dsn)
    c.autocommit = True
    try:
        with c.cursor() as cur:
            cur.execute(query)
            return cur.fetchall() if cur.description else None
    finally:
        c.close()


def listed(ctx, org):  # noqa: F811
    r = ctx.api("GET", "/api/events", params={"tenant": org.slug})
    assert r.status_code == 200, r.text
    return {e["id"] for e in r.json()["events"]}


def test_the_catalogue_is_read_from_the_replica_and_falls_back(
        replica, ctx, stack_var):  # noqa: F811
    assert su(replica, "select pg_is_in_recovery()") == [(True,)]
    org = Org(ctx)
    first = org.published()
    # the replica follows the primary
    assert wait_for(lambda: first["id"] in listed(ctx, org), timeout=15)
    # replay paused: what the primary commits now, the replica lacks
    su(replica, "select pg_wal_replay_pause()")
    try:
        second = org.published()
        time.sleep(1.0)
        assert second["id"] not in listed(ctx, org)
        assert first["id"] in listed(ctx, org)
        # the event page is read from the primary (its cache follows the
        # map version in Redis, which a replica may lag)
        r = ctx.api("GET", f"/api/events/{second['id']}")
        assert r.status_code == 200, r.text
    finally:
        su(replica, "select pg_wal_replay_resume()")
    assert wait_for(lambda: second["id"] in listed(ctx, org), timeout=15)
    # the replica down: the catalogue comes from the primary
    third = org.published()
    with open(os.path.join(stack_var, "pg-replica", "postmaster.pid")) as f:
        pid = int(f.readline())
    os.kill(pid, signal.SIGINT)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=30)
    assert third["id"] in listed(ctx, org)
    assert listed(ctx, org) >= {first["id"], second["id"], third["id"]}
