/*
 * dbctl - check lib/zt_db.c's queued statements (zt_db_queue) against the
 * stack's PostgreSQL, for tests/integration/test_stack.py.
 *
 *   dbctl queue MARK
 *   dbctl recover MARK
 *   dbctl scope MARK
 *
 * `recover` checks the recovery rules (docs/stack.md, "Database") by
 * terminating its own server process at chosen moments, from a second
 * connection of the same role: a connection lost in the transaction's first
 * round trip is retried once on a new one (the whole transaction, once);
 * one lost after BEGIN was acknowledged, or with COMMIT in flight, is 503
 * and nothing of it stays; a connection the server closed while at rest is
 * replaced before anything is sent on it.
 *
 * `scope` checks the named scopes (zt_db_begin_public/_user/_tenant/
 * _system, zt_db_scope_tenant/_public/_system): what app.tenant_id, app.user_id
 * and app.admin_id each one sets for row-level security.
 *
 * Writes outbox rows whose recipient starts with MARK (and deletes them
 * again).  Prints one line per check, "ok NAME" or "FAIL NAME: why", and
 * exits 0 when every check passed, 1 otherwise, 2 for usage.  Needs the
 * stack's environment (ZT_PG_DSN).
 */
#include "config.h"

#include "zt_db.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the last failure of a zt_db call (each check reads the one it made) */
static struct zt_error dberr;

static struct zt_sql q_insert = ZT_SQL("dbctl_insert",
    "INSERT INTO outbox (channel, recipient, payload, next_attempt_at)"
    " VALUES ($1, $2, '{\"template\": \"dbctl\"}',"
    " now() + interval '1 day')", 2); /* the sender leaves it alone */
static struct zt_sql q_count = ZT_SQL("dbctl_count",
    "SELECT count(*) FROM outbox WHERE recipient LIKE $1 || '%'", 1);
static struct zt_sql q_user = ZT_SQL("dbctl_user",
    "SELECT current_setting('app.user_id', true)", 0);
static struct zt_sql q_delete = ZT_SQL("dbctl_delete",
    "DELETE FROM outbox WHERE recipient LIKE $1 || '%'", 1);
static struct zt_sql q_pid = ZT_SQL("dbctl_pid", "SELECT pg_backend_pid()", 0);
/* sleeps on the server process $1 only: a retry on a new one is quick */
static struct zt_sql q_slow = ZT_SQL("dbctl_slow",
    "SELECT pg_backend_pid(), pg_sleep(CASE WHEN pg_backend_pid() = $1::int"
    " THEN 20 ELSE 0 END) AS dbctl_slow",
    1);

static struct zt_sql q_settings = ZT_SQL("dbctl_settings",
    "SELECT coalesce(current_setting('app.tenant_id', true), ''),"
    " coalesce(current_setting('app.user_id', true), ''),"
    " coalesce(current_setting('app.admin_id', true), '')", 0);

/* 22P02 for anything but digits: a data error (422 "invalid") */
static struct zt_sql q_int = ZT_SQL("dbctl_int", "SELECT $1::int", 1);

static const char *mark;
static int failed;

static void
check(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why);
		failed = 1;
	}
}

/* Rows whose recipient starts with mark+suffix, read in a transaction of
 * its own; -1 on failure. */
static long
count(const char *suffix)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	const char *p[1];
	PGresult *r;
	long n = -1;
	p[0] = zt_arena_printf(req->arena, "%s%s", mark, suffix);
	if (zt_db_begin_public(req, &dberr) == ZT_OK &&
	    (r = zt_db_exec(req, &dberr, &q_count, p)) != NULL &&
	    zt_db_commit(req, &dberr) == ZT_OK)
		n = atol(PQgetvalue(r, 0, 0));
	zt_db_rollback();
	zt_req_free(req);
	return n;
}

static const char *
to(struct zt_req *req, const char *suffix)
{
	return zt_arena_printf(req->arena, "%s%s@example.in", mark, suffix);
}

/* ---- recover ---- */

static PGconn *killer; /* a second connection of the same role */

/* Our server process (the zt_db connection's), or -1. */
static int
backend_pid(void)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	PGresult *r = zt_db_exec(req, &dberr, &q_pid, NULL);
	int pid = r != NULL ? atoi(PQgetvalue(r, 0, 0)) : -1;
	zt_req_free(req);
	return pid;
}

/*
 * Ask the killer connection to terminate server process pid, at once
 * (busy = 0) or once it runs the slow statement (busy = 1); returns at
 * once: collect with killed().  0 ok.
 */
static int
kill_backend(int pid, int busy)
{
	char sql[768];
	snprintf(sql, sizeof(sql),
	    "DO $$ BEGIN"
	    " FOR i IN 1..2000 LOOP"
	    "  PERFORM pg_stat_clear_snapshot();"
	    "  EXIT WHEN %d = 0 OR EXISTS (SELECT 1 FROM pg_stat_activity"
	    "   WHERE pid = %d AND state = 'active'"
	    "   AND query LIKE '%%AS dbctl_slow%%');"
	    "  PERFORM pg_sleep(0.005);"
	    " END LOOP;"
	    " PERFORM pg_terminate_backend(%d, 5000);"
	    " END $$",
	    busy, pid, pid);
	return PQsendQuery(killer, sql) ? 0 : -1;
}

/* Wait for the killer's answer; 0 when it succeeded. */
static int
killed(void)
{
	PGresult *r;
	int ok = 1;
	while ((r = PQgetResult(killer)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(
			    stderr, "dbctl: kill: %s", PQresultErrorMessage(r));
			ok = 0;
		}
		PQclear(r);
	}
	return ok ? 0 : -1;
}

static void
recover_checks(void)
{
	struct zt_req *req;
	const char *p[2], *sp[1];
	char pidbuf[16];
	PGresult *r;
	enum zt_err e;
	int pid, pid2;

	killer = PQconnectdb(getenv("ZT_PG_DSN"));
	if (PQstatus(killer) != CONNECTION_OK) {
		check("killer-connects", 0, PQerrorMessage(killer));
		PQfinish(killer);
		return;
	}

	/* a connection the server closed at rest is replaced before use */
	pid = backend_pid();
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	sp[0] = pidbuf;
	/* pg_terminate_backend(pid, timeout) waits until it is gone */
	e = kill_backend(pid, 0) == 0 && killed() == 0 ? ZT_OK : ZT_EINTERNAL;
	req = zt_req_new(NULL, NULL);
	p[0] = "email";
	p[1] = to(req, "r0");
	if (e == ZT_OK)
		e = zt_db_begin_public(req, &dberr);
	if (e == ZT_OK && zt_db_exec(req, &dberr, &q_insert, p) == NULL)
		e = dberr.err;
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	pid2 = backend_pid();
	check("closed-at-rest-replaced",
	    e == ZT_OK && count("r0") == 1 && pid2 > 0 && pid2 != pid,
	    "the first use after the kill failed");
	zt_db_rollback();
	zt_req_free(req);

	/* lost in the transaction's first round trip (BEGIN, a queued
	 * write, the slow statement): the whole goes again, once */
	req = zt_req_new(NULL, NULL);
	pid = backend_pid();
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	sp[0] = pidbuf;
	p[0] = "email";
	p[1] = to(req, "r1");
	e = zt_db_begin_public(req, &dberr);
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_insert, p, NULL);
	if (e == ZT_OK && kill_backend(pid, 1) != 0)
		e = ZT_EINTERNAL;
	if (e == ZT_OK && (r = zt_db_exec(req, &dberr, &q_slow, sp)) == NULL)
		e = dberr.err;
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	killed();
	pid2 = backend_pid();
	check("first-round-trip-retried",
	    e == ZT_OK && count("r1") == 1 && pid2 != pid,
	    e != ZT_OK ? "the request failed" : "not exactly one row");
	zt_db_rollback();
	zt_req_free(req);

	/* lost after BEGIN was acknowledged: 503, nothing stays */
	req = zt_req_new(NULL, NULL);
	pid = backend_pid();
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	p[0] = "email";
	p[1] = to(req, "r2");
	e = zt_db_begin_public(req, &dberr);
	if (e == ZT_OK && zt_db_exec(req, &dberr, &q_insert, p) == NULL)
		e = dberr.err;
	if (e == ZT_OK && kill_backend(pid, 1) != 0)
		e = ZT_EINTERNAL;
	if (e == ZT_OK && zt_db_exec(req, &dberr, &q_slow, sp) == NULL)
		e = dberr.err;
	killed();
	zt_db_rollback();
	check("lost-after-ack-is-503",
	    e == ZT_EUNAVAIL && dberr.err == ZT_EUNAVAIL && count("r2") == 0 &&
		!zt_db_in_txn(),
	    "not a 503, or a row stayed");
	zt_req_free(req);

	/* lost with COMMIT in flight: 503 (nobody knows), not retried */
	req = zt_req_new(NULL, NULL);
	pid = backend_pid();
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	p[0] = "email";
	p[1] = to(req, "r3");
	e = zt_db_begin_public(req, &dberr);
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_insert, p, NULL);
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_slow, sp, NULL);
	if (e == ZT_OK && kill_backend(pid, 1) != 0)
		e = ZT_EINTERNAL;
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	killed();
	check("lost-at-commit-is-503",
	    e == ZT_EUNAVAIL && count("r3") == 0 && !zt_db_in_txn(),
	    "not a 503, or a row stayed");
	zt_req_free(req);

	/* outside a transaction: the statement goes again, once */
	req = zt_req_new(NULL, NULL);
	pid = backend_pid();
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	e = kill_backend(pid, 1) == 0 ? ZT_OK : ZT_EINTERNAL;
	r = e == ZT_OK ? zt_db_exec(req, &dberr, &q_slow, sp) : NULL;
	killed();
	check("autocommit-retried",
	    r != NULL && atoi(PQgetvalue(r, 0, 0)) != pid,
	    "the statement failed");
	zt_req_free(req);

	PQfinish(killer);
}

/* Do the scope settings read now in the open transaction match? */
static int
settings_are(struct zt_req *req, const char *tenant, const char *user,
    const char *admin)
{
	PGresult *r = zt_db_exec(req, &dberr, &q_settings, NULL);
	return r != NULL && strcmp(PQgetvalue(r, 0, 0), tenant) == 0 &&
	       strcmp(PQgetvalue(r, 0, 1), user) == 0 &&
	       strcmp(PQgetvalue(r, 0, 2), admin) == 0;
}

static void
scope_checks(void)
{
	const char *t = "00000000-0000-4000-8000-0000000000aa";
	const char *u = "00000000-0000-4000-8000-0000000000bb";
	struct zt_req *req = zt_req_new(NULL, NULL);
	int ok;

	snprintf(req->tenant_id, sizeof(req->tenant_id), "%s", t);
	snprintf(req->user_id, sizeof(req->user_id), "%s", u);

	ok = zt_db_begin(req, &dberr) == ZT_OK && settings_are(req, t, u, "");
	zt_db_rollback();
	check("scope-request", ok, "zt_db_begin is not the request's scope");

	ok = zt_db_begin_public(req, &dberr) == ZT_OK && settings_are(req, "", "", "");
	zt_db_rollback();
	check("scope-public", ok, "begin_public set a tenant, user or admin");

	ok = zt_db_begin_user(req, &dberr) == ZT_OK && settings_are(req, "", u, "");
	zt_db_rollback();
	check("scope-user", ok, "begin_user is not (no tenant, req's user)");

	ok = zt_db_begin_tenant(req, &dberr, t, "") == ZT_OK &&
	     settings_are(req, t, "", "") &&
	     zt_db_scope_public(req, &dberr) == ZT_OK && settings_are(req, "", "", "") &&
	     zt_db_scope_tenant(req, &dberr, t, u) == ZT_OK &&
	     settings_are(req, t, u, "");
	zt_db_rollback();
	check("scope-tenant", ok, "begin_tenant/scope_* set the wrong scope");

	ok = zt_db_begin_system(req, &dberr) == ZT_OK &&
	     settings_are(req, "", "", ZT_SYSTEM_ADMIN) &&
	     zt_db_scope_tenant(req, &dberr, t, "") == ZT_OK &&
	     settings_are(req, t, "", ZT_SYSTEM_ADMIN) &&
	     zt_db_scope_system(req, &dberr, 0) == ZT_OK &&
	     settings_are(req, t, "", "") &&
	     zt_db_scope_system(req, &dberr, 1) == ZT_OK &&
	     settings_are(req, t, "", ZT_SYSTEM_ADMIN);
	zt_db_rollback();
	check("scope-system", ok,
	    "begin_system is not the system admin with no tenant and no user");

	/* a system transaction that runs nothing sends nothing */
	ok = zt_db_begin_system(req, &dberr) == ZT_OK && zt_db_commit(req, &dberr) == ZT_OK &&
	     !zt_db_in_txn();
	check("scope-system-empty", ok, "an empty system transaction failed");

	/* set_config(…, true) ends with the transaction: the system admin
	 * does not leak into the connection's next one */
	ok = zt_db_begin_system(req, &dberr) == ZT_OK &&
	     settings_are(req, "", "", ZT_SYSTEM_ADMIN) &&
	     zt_db_commit(req, &dberr) == ZT_OK && zt_db_begin_public(req, &dberr) == ZT_OK &&
	     settings_are(req, "", "", "");
	zt_db_rollback();
	check("scope-ends-with-txn", ok, "a scope outlived its transaction");

	ok = zt_db_begin_public(req, &dberr) == ZT_OK &&
	     zt_db_scope_user(req, &dberr, u) == ZT_OK && settings_are(req, "", u, "");
	zt_db_rollback();
	check("scope-user-named", ok, "scope_user is not (no tenant, user)");

	/* the error channel: a failure is described in the caller's struct
	 * and the request is left alone (the caller passes it on) */
	{
		struct zt_error err = ZT_ERROR_INIT;
		const char *p[1] = {"x"};
		ok = zt_db_begin_tenant(req, &err, t, "") == ZT_OK &&
		     zt_db_exec(req, &err, &q_int, p) == NULL &&
		     err.err == ZT_EINVALID && err.code != NULL &&
		     strcmp(err.code, "invalid") == 0 &&
		     strcmp(zt_db_sqlstate(), "22P02") == 0 &&
		     req->err == ZT_OK && req->err_msg == NULL;
		zt_db_rollback();
		ok = ok && zt_fail_error(req, &err) == ZT_EINVALID &&
		     req->err == ZT_EINVALID &&
		     strcmp(req->err_code, "invalid") == 0;
		zt_db_rollback();
	}
	check("errors-to-the-caller", ok,
	    "a failure was recorded on req, or not described in err");
	zt_req_free(req);
}

int
main(int argc, char **argv)
{
	struct zt_req *req;
	const char *p[2];
	PGresult *first, *second, *r;
	enum zt_err e;
	char name[64];

	if (argc != 3 || (strcmp(argv[1], "queue") != 0 &&
			     strcmp(argv[1], "recover") != 0 &&
			     strcmp(argv[1], "scope") != 0)) {
		fprintf(stderr, "usage: dbctl queue|recover|scope MARK\n");
		return 2;
	}
	mark = argv[2];
	zt_server_init("dbctl", ZT_NEED_PG);
	if (strcmp(argv[1], "recover") == 0) {
		recover_checks();
		goto cleanup;
	}
	if (strcmp(argv[1], "scope") == 0) {
		scope_checks();
		goto cleanup;
	}

	/* a queued write goes with COMMIT and is committed */
	req = zt_req_new(NULL, NULL);
	p[0] = "email";
	p[1] = to(req, "a");
	e = zt_db_begin_public(req, &dberr);
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_insert, p, NULL);
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	check("commit-sends-queued", e == ZT_OK && count("a") == 1,
	    "the queued row is not there");
	zt_req_free(req);

	/* a queued write that fails at COMMIT fails the commit and takes the
	 * transaction's earlier statements with it */
	req = zt_req_new(NULL, NULL);
	e = zt_db_begin_public(req, &dberr);
	p[0] = "email";
	p[1] = to(req, "b");
	if (e == ZT_OK && zt_db_exec(req, &dberr, &q_insert, p) == NULL)
		e = dberr.err;
	p[0] = "pigeon"; /* outbox.channel's check refuses it */
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_insert, p, NULL);
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	check("commit-fails-with-queued", e == ZT_EINVALID &&
	    dberr.err == ZT_EINVALID, "the commit did not fail with 422");
	check("commit-failure-rolls-back", count("b") == 0 &&
	    !zt_db_in_txn(), "rows of the failed transaction remain");
	zt_req_free(req);

	/* a queued read runs under the scope it was queued in, in order,
	 * and its result arrives with the next statement */
	req = zt_req_new(NULL, NULL);
	first = second = NULL;
	e = zt_db_begin_as(req, &dberr, "", "00000000-0000-4000-8000-000000000001");
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_user, NULL, &first);
	check("queued-result-waits", first == NULL,
	    "the result is there before anything was sent");
	if (e == ZT_OK)
		e = zt_db_scope(req, &dberr, "", "00000000-0000-4000-8000-000000000002");
	if (e == ZT_OK && (second = zt_db_exec(req, &dberr, &q_user, NULL)) == NULL)
		e = dberr.err;
	check("queued-read-scope", e == ZT_OK && first != NULL &&
	    second != NULL &&
	    strcmp(PQgetvalue(first, 0, 0),
	        "00000000-0000-4000-8000-000000000001") == 0 &&
	    strcmp(PQgetvalue(second, 0, 0),
	        "00000000-0000-4000-8000-000000000002") == 0,
	    "wrong scope or order");
	zt_db_commit(req, &dberr);
	zt_req_free(req);

	/* a queued statement's failure is the next statement's failure, and
	 * that statement does not run */
	req = zt_req_new(NULL, NULL);
	first = NULL;
	e = zt_db_begin_public(req, &dberr);
	p[0] = "pigeon";
	p[1] = to(req, "d");
	if (e == ZT_OK)
		e = zt_db_queue(req, &dberr, &q_insert, p, &first);
	p[0] = "email";
	r = e == ZT_OK ? zt_db_exec(req, &dberr, &q_insert, p) : NULL;
	check("queued-failure-reported", r == NULL && first == NULL &&
	    dberr.err == ZT_EINVALID, "the next statement did not fail");
	zt_db_rollback();
	check("queued-failure-stops", count("d") == 0,
	    "the statement after the failure ran");
	zt_req_free(req);

	/* outside a transaction a queued statement runs at once */
	req = zt_req_new(NULL, NULL);
	first = NULL;
	e = zt_db_queue(req, &dberr, &q_user, NULL, &first);
	check("queue-outside-runs", e == ZT_OK && first != NULL,
	    "no result");
	zt_req_free(req);

	/* more statements than the queue holds: all of them go, in order */
	req = zt_req_new(NULL, NULL);
	e = zt_db_begin_public(req, &dberr);
	p[0] = "email";
	for (int i = 0; i < 40 && e == ZT_OK; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		p[1] = to(req, name);
		e = zt_db_queue(req, &dberr, &q_insert, p, NULL);
	}
	if (e == ZT_OK)
		e = zt_db_commit(req, &dberr);
	check("queue-overflow", e == ZT_OK && count("f") == 40,
	    "not all 40 rows are there");
	zt_req_free(req);

cleanup:
	req = zt_req_new(NULL, NULL);
	p[0] = mark;
	if (zt_db_begin_public(req, &dberr) == ZT_OK &&
	    zt_db_exec(req, &dberr, &q_delete, p) != NULL)
		zt_db_commit(req, &dberr);
	zt_db_rollback();
	zt_req_free(req);
	zt_server_cleanup();
	return failed;
}
