/*
 * dbctl - check lib/zt_db.c's queued statements (zt_db_queue) against the
 * stack's PostgreSQL, for tests/integration/test_stack.py.
 *
 *   dbctl queue MARK
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
	if (zt_db_begin_as(req, "", "") == ZT_OK &&
	    (r = zt_db_exec(req, &q_count, p)) != NULL &&
	    zt_db_commit(req) == ZT_OK)
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

int
main(int argc, char **argv)
{
	struct zt_req *req;
	const char *p[2];
	PGresult *first, *second, *r;
	enum zt_err e;
	char name[64];

	if (argc != 3 || strcmp(argv[1], "queue") != 0) {
		fprintf(stderr, "usage: dbctl queue MARK\n");
		return 2;
	}
	mark = argv[2];
	zt_server_init("dbctl", ZT_NEED_PG);

	/* a queued write goes with COMMIT and is committed */
	req = zt_req_new(NULL, NULL);
	p[0] = "email";
	p[1] = to(req, "a");
	e = zt_db_begin_as(req, "", "");
	if (e == ZT_OK)
		e = zt_db_queue(req, &q_insert, p, NULL);
	if (e == ZT_OK)
		e = zt_db_commit(req);
	check("commit-sends-queued", e == ZT_OK && count("a") == 1,
	    "the queued row is not there");
	zt_req_free(req);

	/* a queued write that fails at COMMIT fails the commit and takes the
	 * transaction's earlier statements with it */
	req = zt_req_new(NULL, NULL);
	e = zt_db_begin_as(req, "", "");
	p[0] = "email";
	p[1] = to(req, "b");
	if (e == ZT_OK && zt_db_exec(req, &q_insert, p) == NULL)
		e = req->err;
	p[0] = "pigeon"; /* outbox.channel's check refuses it */
	if (e == ZT_OK)
		e = zt_db_queue(req, &q_insert, p, NULL);
	if (e == ZT_OK)
		e = zt_db_commit(req);
	check("commit-fails-with-queued", e == ZT_EINVALID &&
	    req->err == ZT_EINVALID, "the commit did not fail with 422");
	check("commit-failure-rolls-back", count("b") == 0 &&
	    !zt_db_in_txn(), "rows of the failed transaction remain");
	zt_req_free(req);

	/* a queued read runs under the scope it was queued in, in order,
	 * and its result arrives with the next statement */
	req = zt_req_new(NULL, NULL);
	first = second = NULL;
	e = zt_db_begin_as(req, "", "00000000-0000-4000-8000-000000000001");
	if (e == ZT_OK)
		e = zt_db_queue(req, &q_user, NULL, &first);
	check("queued-result-waits", first == NULL,
	    "the result is there before anything was sent");
	if (e == ZT_OK)
		e = zt_db_scope(req, "", "00000000-0000-4000-8000-000000000002");
	if (e == ZT_OK && (second = zt_db_exec(req, &q_user, NULL)) == NULL)
		e = req->err;
	check("queued-read-scope", e == ZT_OK && first != NULL &&
	    second != NULL &&
	    strcmp(PQgetvalue(first, 0, 0),
	        "00000000-0000-4000-8000-000000000001") == 0 &&
	    strcmp(PQgetvalue(second, 0, 0),
	        "00000000-0000-4000-8000-000000000002") == 0,
	    "wrong scope or order");
	zt_db_commit(req);
	zt_req_free(req);

	/* a queued statement's failure is the next statement's failure, and
	 * that statement does not run */
	req = zt_req_new(NULL, NULL);
	first = NULL;
	e = zt_db_begin_as(req, "", "");
	p[0] = "pigeon";
	p[1] = to(req, "d");
	if (e == ZT_OK)
		e = zt_db_queue(req, &q_insert, p, &first);
	p[0] = "email";
	r = e == ZT_OK ? zt_db_exec(req, &q_insert, p) : NULL;
	check("queued-failure-reported", r == NULL && first == NULL &&
	    req->err == ZT_EINVALID, "the next statement did not fail");
	zt_db_rollback();
	check("queued-failure-stops", count("d") == 0,
	    "the statement after the failure ran");
	zt_req_free(req);

	/* outside a transaction a queued statement runs at once */
	req = zt_req_new(NULL, NULL);
	first = NULL;
	e = zt_db_queue(req, &q_user, NULL, &first);
	check("queue-outside-runs", e == ZT_OK && first != NULL,
	    "no result");
	zt_req_free(req);

	/* more statements than the queue holds: all of them go, in order */
	req = zt_req_new(NULL, NULL);
	e = zt_db_begin_as(req, "", "");
	p[0] = "email";
	for (int i = 0; i < 40 && e == ZT_OK; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		p[1] = to(req, name);
		e = zt_db_queue(req, &q_insert, p, NULL);
	}
	if (e == ZT_OK)
		e = zt_db_commit(req);
	check("queue-overflow", e == ZT_OK && count("f") == 40,
	    "not all 40 rows are there");
	zt_req_free(req);

	/* clean up */
	req = zt_req_new(NULL, NULL);
	p[0] = mark;
	if (zt_db_begin_as(req, "", "") == ZT_OK &&
	    zt_db_exec(req, &q_delete, p) != NULL)
		zt_db_commit(req);
	zt_db_rollback();
	zt_req_free(req);
	zt_server_cleanup();
	return failed;
}
