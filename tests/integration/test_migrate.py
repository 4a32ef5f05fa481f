"""sql/ztic-migrate against throw-away databases.

Each test creates `ztic_mig_<random>` (owned by ztic_owner) through
ZT_TEST_PG_SUPER_DSN, runs the binary on a temporary copy of sql/ as the
owner, and drops the database afterwards.

Build the binary first:
  gcc -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
      -Wmissing-prototypes sql/migrate.c \
      $(pkg-config --cflags --libs libpq libsodium) -o sql/ztic-migrate
Run: /usr/bin/python3 -m pytest tests/integration/test_migrate.py
"""

import hashlib
import os
import pathlib
import shutil
import subprocess
import threading
import uuid

import psycopg2
import psycopg2.extensions
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = REPO / "sql" / "ztic-migrate"


def _dsn(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the integration tests through "
            "`scripts/dev test`, or export ZT_TEST_PG_SUPER_DSN, "
            "ZT_TEST_PG_OWNER_DSN and ZT_TEST_PG_APP_DSN (libpq conninfo)",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="module")
def binary():
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"{BINARY} is missing: build it with the line in "
                    "sql/migrate.c", pytrace=False)
    return str(BINARY)


@pytest.fixture
def scratch():
    """A fresh database owned by ztic_owner: (owner dsn, app dsn)."""
    super_dsn = _dsn("ZT_TEST_PG_SUPER_DSN")
    owner_dsn = _dsn("ZT_TEST_PG_OWNER_DSN")
    app_dsn = _dsn("ZT_TEST_PG_APP_DSN")
    name = "ztic_mig_" + uuid.uuid4().hex[:12]
    su = psycopg2.connect(super_dsn)
    su.autocommit = True
    try:
        with su.cursor() as cur:
            cur.execute(f"create database {name} owner ztic_owner")
        yield (psycopg2.extensions.make_dsn(owner_dsn, dbname=name),
               psycopg2.extensions.make_dsn(app_dsn, dbname=name))
        with su.cursor() as cur:
            cur.execute(f"drop database {name} with (force)")
    finally:
        su.close()


@pytest.fixture
def sqldir(tmp_path):
    """A private copy of sql/*.sql and sql/demo/*.sql."""
    dst = tmp_path / "sql"
    (dst / "demo").mkdir(parents=True)
    for f in sorted((REPO / "sql").glob("*.sql")):
        shutil.copy(f, dst / f.name)
    for f in sorted((REPO / "sql" / "demo").glob("*.sql")):
        shutil.copy(f, dst / "demo" / f.name)
    return dst


def migrate(binary, dsn, sqldir, *flags):
    env = dict(os.environ, ZT_PG_DSN=dsn)
    return subprocess.run([binary, *flags, str(sqldir)], env=env,
                          capture_output=True, text=True, timeout=120)


def query(dsn, sql, args=()):
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def recorded(dsn):
    return dict(query(dsn, "select name, checksum from schema_migrations"))


def expected_lines(sqldir, demo=False):
    lines = [f"applied {f.name}" for f in sorted(sqldir.glob("*.sql"))]
    if demo:
        lines += [f"applied demo/{f.name}"
                  for f in sorted((sqldir / "demo").glob("*.sql"))]
    return lines


def test_full_apply_records_checksums_and_rerun_applies_nothing(binary, scratch, sqldir):
    owner, app = scratch
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == expected_lines(sqldir)
    assert r.stderr == ""
    files = {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
             for f in sqldir.glob("*.sql")}
    assert recorded(owner) == files
    # Owned by ztic_owner; the app role can use what it needs.
    assert query(owner, """select count(*) from pg_tables where schemaname = 'public'
                            and tableowner <> 'ztic_owner'""") == [(0,)]
    assert query(app, "select count(*) from events") == [(0,)]

    r = migrate(binary, owner, sqldir)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_demo_seed_is_applied_only_with_the_flag(binary, scratch, sqldir):
    owner, app = scratch
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 0, r.stderr
    assert not any(n.startswith("demo/") for n in recorded(owner))

    r = migrate(binary, owner, sqldir, "--demo")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"applied demo/{f.name}" for f in sorted((sqldir / "demo").glob("*.sql"))]
    r = migrate(binary, owner, sqldir, "--demo")
    assert (r.returncode, r.stdout) == (0, "")

    # The public catalogue of the demo, as an anonymous visitor sees it.
    events = dict(query(app, "select slug, layout_kind from events"))
    assert events == {"keynote-future-of-robotics": "reserved",
                      "indie-night-live": "ga",
                      "intro-to-robotics-workshop": "ga"}
    assert query(app, """select count(*), count(*) filter (where blocked),
                                count(distinct price_category_id)
                           from seats""") == [(500, 7, 3)]
    assert query(app, "select min(starts_at) > now() from events") == [(True,)]
    assert query(app, "select count(*) from ticket_types where price_paise = 0") == [(1,)]
    assert query(app, """select email from users where email like '%%@demo.ztic.in'
                          order by email""") == [("attendee@demo.ztic.in",),
                                                 ("organizer@demo.ztic.in",),
                                                 ("promoter@demo.ztic.in",)]
    assert query(app, "select count(*) from tenant_payout_details") == [(0,)]


def test_a_changed_applied_file_stops_the_run(binary, scratch, sqldir):
    owner, _ = scratch
    assert migrate(binary, owner, sqldir).returncode == 0
    with open(sqldir / "002_rls.sql", "a") as f:
        f.write("\n-- an innocent-looking edit\n")
    (sqldir / "900_new.sql").write_text("create table zt_mig_after_edit (id int);\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode != 0
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("ztic-migrate: ") and "002_rls.sql" in lines[0]
    assert "changed" in lines[0]
    # Nothing else ran.
    assert query(owner, "select to_regclass('zt_mig_after_edit') is null") == [(True,)]


def test_a_failing_migration_leaves_nothing_half_applied(binary, scratch, sqldir):
    owner, _ = scratch
    assert migrate(binary, owner, sqldir).returncode == 0
    broken = sqldir / "900_broken.sql"
    broken.write_text("-- a table, then a typo\n"
                      "create table zt_mig_probe (id int);\n"
                      "insert into zt_mig_probe values (1);\n"
                      "create tabel zt_mig_oops (id int);\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("ztic-migrate: could not apply 900_broken.sql: line 4: "), r.stderr
    assert "syntax error" in r.stderr
    assert query(owner, "select to_regclass('zt_mig_probe') is null") == [(True,)]
    assert "900_broken.sql" not in recorded(owner)

    # Fixed, it applies on the next run.
    broken.write_text(broken.read_text().replace("tabel", "table"))
    r = migrate(binary, owner, sqldir)
    assert (r.returncode, r.stdout) == (0, "applied 900_broken.sql\n"), r.stderr
    assert query(owner, "select count(*) from zt_mig_probe") == [(1,)]


def test_an_error_at_commit_also_rolls_back(binary, scratch, sqldir):
    """Deferred constraints fire at COMMIT, after the file itself ran."""
    owner, _ = scratch
    assert migrate(binary, owner, sqldir).returncode == 0
    (sqldir / "900_deferred.sql").write_text(
        "create table zt_mig_parent (id int primary key);\n"
        "create table zt_mig_child (p int references zt_mig_parent "
        "deferrable initially deferred);\n"
        "insert into zt_mig_child values (42);\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1
    assert "could not apply 900_deferred.sql" in r.stderr
    assert query(owner, "select to_regclass('zt_mig_parent') is null") == [(True,)]
    assert "900_deferred.sql" not in recorded(owner)


def test_a_file_that_ends_the_transaction_is_refused(binary, scratch, sqldir):
    owner, _ = scratch
    (sqldir / "900_commit.sql").write_text("create table zt_mig_c (id int);\ncommit;\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1
    assert "900_commit.sql" in r.stderr and "must not end the transaction" in r.stderr
    assert "900_commit.sql" not in recorded(owner)


def test_out_of_order_missing_and_misnamed_files_are_refused(binary, scratch, sqldir):
    owner, _ = scratch
    assert migrate(binary, owner, sqldir).returncode == 0

    early = sqldir / "000_late_merge.sql"
    early.write_text("select 1;\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1 and "000_late_merge.sql" in r.stderr
    early.unlink()

    dup = sqldir / "002_also_two.sql"
    dup.write_text("select 1;\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1 and "002_also_two.sql" in r.stderr
    dup.unlink()

    odd = sqldir / "3_short.sql"
    odd.write_text("select 1;\n")
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1 and "3_short.sql" in r.stderr
    odd.unlink()

    gone = sqldir / "002_rls.sql"
    text = gone.read_text()
    gone.unlink()
    r = migrate(binary, owner, sqldir)
    assert r.returncode == 1 and "002_rls.sql" in r.stderr and "missing" in r.stderr
    gone.write_text(text)

    r = migrate(binary, owner, sqldir)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_only_the_database_owner_may_migrate(binary, scratch, sqldir):
    _, app = scratch
    r = migrate(binary, app, sqldir)
    assert r.returncode == 1
    assert "ztic_app" in r.stderr and "owner" in r.stderr


def test_two_runners_at_once_apply_each_file_once(binary, scratch, sqldir):
    owner, _ = scratch
    results = [None, None]

    def run(i):
        results[i] = migrate(binary, owner, sqldir, "--demo")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    lines = sorted(results[0].stdout.splitlines() + results[1].stdout.splitlines())
    assert lines == sorted(expected_lines(sqldir, demo=True))


def test_usage_errors(binary, scratch, sqldir):
    owner, _ = scratch
    r = subprocess.run([binary], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "usage" in r.stderr
    env = {k: v for k, v in os.environ.items() if k != "ZT_PG_DSN"}
    r = subprocess.run([binary, str(sqldir)], env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 1 and "ZT_PG_DSN" in r.stderr
    r = migrate(binary, owner, sqldir / "nonexistent")
    assert r.returncode == 1 and "could not open directory" in r.stderr
