"""The outbox sender: messages queued in PostgreSQL reach the provider once,
failures are retried with backoff and stay visible."""

import json
import os
import shlex
import subprocess
import uuid

import psycopg2
import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stack_env(stack_var):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    with open(os.path.join(stack_var, "env")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                k, _, v = line[7:].partition("=")
                env[k] = shlex.split(v)[0] if v else ""
    return env


def run_sender(stack_var):
    proc = subprocess.run([os.path.join(ROOT, "cron", "ztic-outbox")],
                          env=stack_env(stack_var), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def db(pg_owner_dsn):
    conn = psycopg2.connect(pg_owner_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def queue(db, to, **fields):
    payload = {"template": "member.invited", "inviter": "Asha",
               "tenantName": "Robotics Club <IITM>", "role": "scanner",
               "link": "http://127.0.0.1/organizer/"}
    payload.update(fields)
    with db.cursor() as cur:
        cur.execute("INSERT INTO outbox (channel, recipient, payload)"
                    " VALUES ('email', %s, %s) RETURNING id",
                    (to, json.dumps(payload)))
        return cur.fetchone()[0]


def test_queued_email_is_sent_once(stack_var, fakes_url, db):
    to = f"inv-{uuid.uuid4().hex[:8]}@test.ztic.in"
    oid = queue(db, to)
    run_sender(stack_var)
    run_sender(stack_var)  # a second run sends nothing again
    msgs = requests.get(fakes_url + "/_fake/messages",
                        params={"provider": "resend", "to": to}, timeout=5).json()
    assert len(msgs) == 1
    assert msgs[0]["subject"] == "You have been added to Robotics Club <IITM> on ztic"
    assert "&lt;IITM&gt;" in msgs[0]["html"]
    with db.cursor() as cur:
        cur.execute("SELECT sent_at IS NOT NULL, attempts, last_error FROM outbox"
                    " WHERE id = %s", (oid,))
        assert cur.fetchone() == (True, 1, None)


def test_failed_send_is_retried_with_backoff(stack_var, fakes_url, db):
    to = f"retry-{uuid.uuid4().hex[:8]}@test.ztic.in"
    oid = queue(db, to)
    requests.post(fakes_url + "/_fake/fail",
                  json={"provider": "resend", "status": 500, "count": 1},
                  timeout=5).raise_for_status()
    run_sender(stack_var)
    with db.cursor() as cur:
        cur.execute("SELECT sent_at, attempts, last_error,"
                    " next_attempt_at > now() + interval '20 seconds'"
                    " FROM outbox WHERE id = %s", (oid,))
        sent_at, attempts, last_error, later = cur.fetchone()
    assert sent_at is None and attempts == 1 and later
    assert "resend answered 500" in last_error
    run_sender(stack_var)  # not due yet: nothing happens
    with db.cursor() as cur:
        cur.execute("SELECT attempts FROM outbox WHERE id = %s", (oid,))
        assert cur.fetchone()[0] == 1
        cur.execute("UPDATE outbox SET next_attempt_at = now() WHERE id = %s",
                    (oid,))
    run_sender(stack_var)
    msgs = requests.get(fakes_url + "/_fake/messages",
                        params={"provider": "resend", "to": to}, timeout=5).json()
    assert len(msgs) == 1
    with db.cursor() as cur:
        cur.execute("SELECT sent_at IS NOT NULL, attempts, last_error"
                    " FROM outbox WHERE id = %s", (oid,))
        assert cur.fetchone() == (True, 2, None)


def test_unrenderable_message_is_kept_with_its_reason(stack_var, db):
    to = f"bad-{uuid.uuid4().hex[:8]}@test.ztic.in"
    with db.cursor() as cur:
        cur.execute("INSERT INTO outbox (channel, recipient, payload)"
                    " VALUES ('email', %s, '{\"template\":\"no.such\"}') RETURNING id",
                    (to,))
        oid = cur.fetchone()[0]
    run_sender(stack_var)
    with db.cursor() as cur:
        cur.execute("SELECT sent_at, last_error FROM outbox WHERE id = %s", (oid,))
        sent_at, err = cur.fetchone()
    assert sent_at is None and "unknown template" in err


def test_batches_send_each_message_once_and_a_failure_stops_none(
        stack_var, fakes_url, db):
    """More messages than one batch (20), one of them failing at the
    provider: every other one goes out exactly once, the failure waits."""
    run_sender(stack_var)     # whatever other tests left due goes first
    tos = [f"batch{i}-{uuid.uuid4().hex[:6]}@test.ztic.in" for i in range(45)]
    ids = [queue(db, to) for to in tos]
    requests.post(fakes_url + "/_fake/fail",
                  json={"provider": "resend", "status": 500, "count": 1},
                  timeout=5).raise_for_status()
    run_sender(stack_var)
    run_sender(stack_var)
    counts = [len(requests.get(fakes_url + "/_fake/messages",
                               params={"provider": "resend", "to": to},
                               timeout=5).json()) for to in tos]
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FILTER (WHERE sent_at IS NOT NULL),"
                    " count(*) FILTER (WHERE sent_at IS NULL AND attempts = 1"
                    "   AND last_error LIKE '%%answered 500%%')"
                    " FROM outbox WHERE id = ANY(%s::uuid[])", (ids,))
        sent, waiting = cur.fetchone()
    assert (sent, waiting) == (44, 1)
    assert sorted(counts) == [0] + [1] * 44


def test_one_run_drains_more_than_one_round(stack_var, fakes_url, db):
    """An on-sale queues a confirmation per booking: a run goes on past
    its first round of 500 while rounds come back full."""
    run_sender(stack_var)     # whatever other tests left due goes first
    tag = uuid.uuid4().hex[:8]
    payload = {"template": "member.invited", "inviter": "Asha",
               "tenantName": "Robotics Club", "role": "scanner",
               "link": "http://127.0.0.1/organizer/"}
    with db.cursor() as cur:
        cur.execute("INSERT INTO outbox (channel, recipient, payload)"
                    " SELECT 'email', 'drain' || i || '-' || %s"
                    " || '@test.ztic.in', %s::jsonb"
                    " FROM generate_series(1, 520) i RETURNING id",
                    (tag, json.dumps(payload)))
        ids = [r[0] for r in cur.fetchall()]
    run_sender(stack_var)
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM outbox WHERE id = ANY(%s::uuid[])"
                    " AND sent_at IS NOT NULL AND attempts = 1", (ids,))
        assert cur.fetchone()[0] == 520
