/* zt_db.c - persistent libpq connection; see zt_db.h. */
#include "zt_db.h"
#include "zt_log.h"
#include "zt_server.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A statement waiting to go out with the next round trip. */
struct queued {
	struct zt_sql *q;
	const char **params; /* copies in the request's arena */
	PGresult **out;	     /* where its result goes (NULL: not wanted) */
};

#define QUEUE_MAX 16

struct zt_db {
	char *dsn;
	PGconn *conn;
	unsigned gen; /* bumps on every (re)connect; 0 = never */
	int in_txn;
	/*
	 * A transaction opens lazily: zt_db_begin_as, zt_db_scope and
	 * zt_db_queue only note what to send, and the next statement (or
	 * COMMIT) goes to the server in one pipeline with BEGIN, the
	 * set_config scoping and the queued statements: one round trip.
	 */
	int pend_begin; /* BEGIN not sent yet */
	struct queued queue[QUEUE_MAX];
	int nqueue;
	char sqlstate[6];
	char constraint[64];
	/* the last failure, as zt_err.h describes one; the entry points hand
	 * it to their caller's struct zt_error (hand_over), nothing of zt_db
	 * touches a request's error */
	struct zt_error err;
};

/* The statement that scopes a transaction (prepared like any other). */
static struct zt_sql q_scope = ZT_SQL("zt_db_scope",
    "SELECT set_config('app.tenant_id', $1, true),"
    "       set_config('app.user_id', $2, true)",
    2);
/* The admin scope: ZT_SYSTEM_ADMIN or "" (zt_db_begin_system,
 * zt_db_scope_system). */
static struct zt_sql q_system =
    ZT_SQL("zt_db_system", "SELECT set_config('app.admin_id', $1, true)", 1);
static struct zt_sql q_ping = ZT_SQL("zt_db_ping", "SELECT 1", 0);

/*
 * The read replica (ZT_PG_REPLICA_DSN, docs/scale.md): zt_db_begin_replica
 * puts it in zt_g.db for one transaction, which every entry point then
 * uses; when that transaction ends (commit, rollback, lost) the primary
 * is back.
 */
static struct zt_db *replica;
static struct zt_db *primary; /* set while the replica is in zt_g.db */

struct zt_db *
zt_db_new(const char *dsn)
{
	struct zt_db *db = zt_xmalloc(sizeof(*db));
	memset(db, 0, sizeof(*db));
	db->dsn = zt_xstrdup(dsn);
	return db;
}

void
zt_db_free(struct zt_db *db)
{
	if (db == NULL)
		return;
	if (db == replica)
		replica = NULL;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->dsn);
	free(db);
}

static void
notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/*
 * Has the server spoken, or hung up, on a connection at rest?  Between
 * round trips a connection receives nothing (no LISTEN here; parameter
 * changes come with a ReadyForQuery).  After a crash, an immediate stop or
 * a restart it holds the server's goodbye (a notice, or FATAL 57P01) and
 * EOF, while PQstatus still says CONNECTION_OK until a use fails; and a
 * failed write (EPIPE) is reported as "server closed the connection" with
 * the status still OK.  One poll() with no wait tells, before anything is
 * sent on it.
 */
static int
hung_up(PGconn *c)
{
	struct pollfd p;
	p.fd = PQsocket(c);
	p.events = POLLIN;
	p.revents = 0;
	if (p.fd < 0)
		return 1;
	return poll(&p, 1, 0) > 0;
}

/* Make sure the connection is up; 0 ok, -1 down. */
static int
ensure(struct zt_db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    !hung_up(db->conn))
		return 0;
	if (db->conn != NULL) {
		zt_log_warn("db",
		    "the connection to postgresql was closed by"
		    " the server (restart or crash): reconnecting");
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->conn = PQconnectdb(db->dsn);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		zt_log_warn("db", "could not connect to postgresql: %s",
		    PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	PQsetNoticeReceiver(db->conn, notice_quiet, NULL);
	/*
	 * No JIT: it compiles any query whose estimated cost passes
	 * jit_above_cost, and the row-level security subplans inflate the
	 * estimate of a plain index scan past it.  Loading a 30,000-seat map
	 * took 0.5 s of LLVM compiling for 25 ms of work (docs/benchmarks.md).
	 * Our queries are short; JIT never pays for itself here.
	 *
	 * Generic plans: a prepared statement is planned once per connection
	 * instead of at every execution.  With the default (auto) PostgreSQL
	 * keeps planning a custom plan each time for any statement whose
	 * generic plan looks dearer, which the row-level security subplans
	 * make the rule: planning was ~40 % of PostgreSQL's CPU per booking,
	 * inlining the policies' SQL functions (parsing their bodies) each
	 * time.  Our statements are short OLTP lookups by key, where the
	 * generic plan is the custom one (docs/benchmarks.md, row 6).
	 *
	 * Never synchronous_commit = off: a COMMIT acknowledged to us must
	 * survive a crash of the server, or a confirmed booking, a captured
	 * payment or a webhook's event id (which Razorpay then never sends
	 * again) vanishes with the last WAL that was not written yet.  A
	 * server whose default is off (the throw-away test cluster, for
	 * speed) gets "on" for our sessions; stronger settings (remote_write,
	 * remote_apply) and "local" are left alone.
	 */
	{
		PGresult *r = PQexec(db->conn,
		    "SET jit = off;"
		    " SET plan_cache_mode = force_generic_plan;"
		    " SELECT set_config('synchronous_commit', 'on', false)"
		    " WHERE current_setting('synchronous_commit') = 'off'");
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			zt_log_warn("db", "could not set up the session: %s",
			    PQresultErrorMessage(r));
		PQclear(r);
	}
	zt_log_info(
	    "db", "%sconnected to postgresql", db->gen != 0 ? "re" : "");
	db->gen++;
	if (db->gen == 0)
		db->gen = 1;
	return 0;
}

/* Forget the transaction (ended, or lost with its connection). */
static void
txn_gone(struct zt_db *db)
{
	db->in_txn = 0;
	db->pend_begin = 0;
	db->nqueue = 0;
	if (db == replica && primary != NULL) {
		zt_g.db = primary;
		primary = NULL;
	}
}

/* Drop a connection in an unknown protocol state; the next use reconnects. */
static void
drop(struct zt_db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

static enum zt_err
down(struct zt_db *db)
{
	return zt_error_set(&db->err, ZT_EUNAVAIL, "database_unavailable",
	    "the database is unavailable, try again shortly");
}

static enum zt_err
internal(struct zt_db *db)
{
	return zt_error_set(&db->err, ZT_EINTERNAL, NULL, "internal error");
}

static void
clear_result(void *p)
{
	PQclear(p);
}

/* What a failure says, for the log: the primary message only — DETAIL
 * repeats the row's values (buyers' emails and phones). */
static const char *
errtext(const PGresult *r)
{
	const char *m =
	    r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	return m ? m : r ? PQresultErrorMessage(r) : "no result";
}

static void
remember_error(struct zt_db *db, const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *c =
	    r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", s ? s : "");
	snprintf(db->constraint, sizeof(db->constraint), "%s", c ? c : "");
}

/*
 * Did r (a failed result, or NULL) fail because the connection is gone
 * rather than because of the statement?  PQstatus alone does not tell:
 * after a server crash libpq reports "server closed the connection
 * unexpectedly" in a result while the status is still CONNECTION_OK (the
 * write failed, the EOF behind the server's goodbye notice is unread).
 * Such errors come from libpq itself and carry no SQLSTATE; the server's
 * own farewells are class 08 and 57P01-57P03 (shutdown, crash shutdown,
 * starting up).  Every statement error the server reports has a SQLSTATE.
 */
static int
lost(const struct zt_db *db, const PGresult *r)
{
	const char *s;
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return 1;
	s = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (s == NULL || s[0] == '\0')
		return 1;
	return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
	       strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0;
}

/* A connection found lost: drop it (logged once); the next use
 * reconnects. */
static void
lose(struct zt_db *db, const char *what, const PGresult *r)
{
	zt_log_warn("db", "connection to postgresql lost during %s: %s", what,
	    r != NULL  ? errtext(r)
	    : db->conn ? PQerrorMessage(db->conn)
		       : "no connection");
	drop(db);
}

/* Prepare q on this connection if not yet; 0 ok, -1 the statement
 * failed, -2 the connection is lost (dropped). */
static int
prepare(struct zt_db *db, struct zt_sql *q)
{
	PGresult *r;
	/* the read replica's connection keeps its own record */
	unsigned *gen = db == replica ? &q->gen_replica : &q->gen;
	if (*gen == db->gen)
		return 0;
	r = PQprepare(db->conn, q->name, q->text, q->nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		if (lost(db, r)) {
			lose(db, q->name, r);
			PQclear(r);
			return -2;
		}
		zt_log_error("db", "could not prepare %s: %s", q->name,
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	*gen = db->gen;
	return 0;
}

/* Does the queue hold more than scoping? */
static int
queued_work(const struct zt_db *db)
{
	for (int i = 0; i < db->nqueue; i++)
		if (db->queue[i].q != &q_scope && db->queue[i].q != &q_system)
			return 1;
	return 0;
}

/* What failed in a pipeline. */
struct failure {
	PGresult *res;	  /* its error result (the caller owns it) */
	const char *name; /* the statement's name */
	int at_commit;	  /* it was the COMMIT */
};

/*
 * Send what is pending (BEGIN, the queued statements), then q (when not
 * NULL), then COMMIT (when commit), in one pipeline, and read their
 * results.  0: all went through, *out is q's result (NULL without q) and
 * each queued statement's result is where it asked (registered on req for
 * clearing).  -1: a statement failed, *f says which; the statements after
 * it did not run.  -2: the connection broke (dropped; *out NULL).
 */
static int
pipeline(struct zt_req *req, struct zt_db *db, struct zt_sql *q,
    const char *const *params, int commit, PGresult **out, struct failure *f)
{
	PGconn *c = db->conn;
	PGresult *x, *res = NULL, *got[QUEUE_MAX];
	int n = 0, ok, begun = 0, first = db->pend_begin ? 1 : 0;
	int nq = db->nqueue;

	*out = NULL;
	memset(f, 0, sizeof(*f));
	memset(got, 0, sizeof(got));
	if (!PQenterPipelineMode(c))
		goto broken;
	ok = 1;
	if (db->pend_begin)
		ok = ok && PQsendQueryParams(
			       c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
	for (int i = 0; i < nq; i++)
		ok = ok && PQsendQueryPrepared(c, db->queue[i].q->name,
			       db->queue[i].q->nparams, db->queue[i].params,
			       NULL, NULL, 0);
	if (q != NULL)
		ok = ok && PQsendQueryPrepared(
			       c, q->name, q->nparams, params, NULL, NULL, 0);
	if (commit)
		ok = ok && PQsendQueryParams(
			       c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	n = first + nq + (q != NULL) + commit;
	if (!ok || !PQpipelineSync(c))
		goto broken;
	for (int i = 0; i < n; i++) {
		/* which statement this is: BEGIN, queued k, q or COMMIT */
		int k = i - first;
		int is_q = q != NULL && k == nq;
		int is_commit = commit && i == n - 1;
		if ((x = PQgetResult(c)) == NULL)
			goto broken;
		ExecStatusType st = PQresultStatus(x);
		if ((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) &&
		    !(is_commit && strcmp(PQcmdStatus(x), "ROLLBACK") == 0)) {
			if (i < first)
				begun = 1;
			if (is_q)
				res = x;
			else if (k >= 0 && k < nq && db->queue[k].out != NULL)
				got[k] = x;
			else
				PQclear(x);
		} else if (st == PGRES_FATAL_ERROR && lost(db, x)) {
			/* the connection, not the statement: nothing ran */
			lose(db, "a pipeline", x);
			PQclear(x);
			goto broken;
		} else if (f->res == NULL && st != PGRES_PIPELINE_ABORTED) {
			f->res = x;
			f->at_commit = is_commit;
			f->name = i < first   ? "BEGIN"
				  : is_commit ? "COMMIT"
				  : is_q      ? q->name
					      : db->queue[k].q->name;
		} else {
			PQclear(x);
		}
		/* each statement's results end with a NULL */
		if ((x = PQgetResult(c)) != NULL) {
			PQclear(x);
			goto broken;
		}
	}
	if ((x = PQgetResult(c)) == NULL ||
	    PQresultStatus(x) != PGRES_PIPELINE_SYNC) {
		PQclear(x);
		goto broken;
	}
	PQclear(x);
	if (!PQexitPipelineMode(c))
		goto broken;
	if (begun)
		db->pend_begin = 0;
	db->nqueue = 0;
	if (f->res != NULL) {
		PQclear(res);
		for (int k = 0; k < nq; k++)
			PQclear(got[k]);
		/*
		 * An error before or inside the explicit transaction: it is now
		 * aborted (the caller rolls back) or was never opened or ended.
		 */
		if (PQtransactionStatus(c) == PQTRANS_IDLE)
			txn_gone(db);
		else
			db->pend_begin = 0;
		return -1;
	}
	for (int k = 0; k < nq; k++)
		if (got[k] != NULL) {
			zt_req_defer(req, clear_result, got[k]);
			*db->queue[k].out = got[k];
		}
	db->pend_begin = 0;
	if (commit)
		txn_gone(db);
	*out = res;
	return 0;
broken:
	PQclear(f->res);
	f->res = NULL;
	PQclear(res);
	for (int k = 0; k < nq; k++)
		PQclear(got[k]);
	drop(db);
	return -2;
}

enum zt_err
zt_db_map_sqlstate(const char *sqlstate, int at_commit, struct zt_error *out)
{
	const char *s = sqlstate ? sqlstate : "";
	if (at_commit ? strncmp(s, "40", 2) == 0
		      : strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
		return zt_error_set(out, ZT_ECONFLICT, "retry",
		    "a concurrent change got there first, try again");
	if (strcmp(s, "23505") == 0 || (at_commit && strncmp(s, "23", 2) == 0))
		return zt_error_set(out, ZT_ECONFLICT, "conflict",
		    "this conflicts with an existing record");
	if (!at_commit &&
	    (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0))
		return zt_error_set(out, ZT_EINVALID, "invalid",
		    "the request was rejected by a data rule");
	return zt_error_set(out, ZT_EINTERNAL, NULL, "internal error");
}

/* Describe a failed statement's error in db->err (and log it). */
static enum zt_err
fail_with(struct zt_db *db, const char *name, const PGresult *r)
{
	enum zt_err e = zt_db_map_sqlstate(db->sqlstate, 0, &db->err);
	if (e == ZT_EINVALID)
		zt_log_warn("db", "%s: %s", name, errtext(r));
	else if (e == ZT_EINTERNAL)
		zt_log_error("db", "%s failed: %s", name, errtext(r));
	return e;
}

/* The same for a failed COMMIT (the deferred checks run there). */
static enum zt_err
fail_commit(struct zt_db *db, const PGresult *r)
{
	enum zt_err e = zt_db_map_sqlstate(db->sqlstate, 1, &db->err);
	if (e == ZT_EINTERNAL)
		zt_log_error(
		    "db", "COMMIT failed: %s", r ? errtext(r) : "rolled back");
	return e;
}

/* Prepare q and every queued statement on this connection; 0 ok, -1 a
 * statement failed, -2 the connection is lost (dropped). */
static int
prepare_all(struct zt_db *db, struct zt_sql *q)
{
	int rc;
	if (q != NULL && (rc = prepare(db, q)) != 0)
		return rc;
	for (int i = 0; i < db->nqueue; i++)
		if ((rc = prepare(db, db->queue[i].q)) != 0)
			return rc;
	return 0;
}

/*
 * Run q (or, with q NULL, only what is pending), with what is pending in
 * front of it and, with commit, COMMIT behind it.
 *
 * Recovery (docs/stack.md, "Database"): a connection the server closed
 * while it was at rest (a crash, an immediate stop, a restart) is found
 * before anything is sent on it (ensure) and replaced.  A connection lost
 * in this round trip before the transaction was open on the server (BEGIN
 * goes in the same round trip, so nothing of it was acknowledged), or
 * outside any transaction, is reconnected and the whole tried once more,
 * with its statements prepared again on the new connection — unless
 * COMMIT went with it: then nobody knows whether it committed, and it is
 * 503 like a loss inside an open transaction.
 */
static enum zt_err
run(struct zt_db *db, struct zt_req *req, struct zt_sql *q,
    const char *const *params, int commit, PGresult **out)
{
	PGresult *r = NULL;
	const char *name = q ? q->name : "BEGIN";
	struct failure f;
	int rc;

	*out = NULL;
	db->sqlstate[0] = db->constraint[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		/* nothing of the transaction has reached the server yet */
		int unsent = !db->in_txn || db->pend_begin;
		/* may we start over on a new connection after sending? */
		int fresh = unsent && !commit;
		unsigned gen = db->gen;
		if (ensure(db) != 0) {
			txn_gone(db);
			return down(db);
		}
		if (gen != 0 && gen != db->gen && !unsent) {
			/* reconnected under an open transaction: it is gone */
			txn_gone(db);
			return down(db);
		}
		rc = prepare_all(db, q);
		if (rc == -2) {
			if (unsent)
				continue; /* nothing was sent: retry */
			txn_gone(db);
			return down(db);
		}
		if (rc != 0)
			return internal(db);
		if (db->pend_begin || db->nqueue > 0 || commit) {
			rc = pipeline(req, db, q, params, commit, &r, &f);
			if (rc == 0) {
				if (r != NULL)
					zt_req_defer(req, clear_result, r);
				*out = r;
				return ZT_OK;
			}
			if (rc == -2) {
				if (fresh)
					continue; /* nothing was open: retry */
				txn_gone(db);
				return down(db);
			}
			remember_error(db, f.res);
			enum zt_err e = f.at_commit
					    ? fail_commit(db, f.res)
					    : fail_with(db, f.name, f.res);
			PQclear(f.res);
			return e;
		}
		r = PQexecPrepared(
		    db->conn, q->name, q->nparams, params, NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			zt_req_defer(req, clear_result, r);
			*out = r;
			return ZT_OK;
		}
		remember_error(db, r);
		if (lost(db, r)) {
			lose(db, name, r);
			PQclear(r);
			r = NULL;
			if (!db->in_txn)
				continue; /* lost between statements: retry */
			txn_gone(db);
			return down(db);
		}
		break;
	}
	if (r == NULL) {
		txn_gone(db);
		return down(db);
	}
	enum zt_err e = fail_with(db, name, r);
	PQclear(r);
	return e;
}

/*
 * The one way an entry point answers: a failure e, described in db->err by
 * the floors below, is handed to the caller's err (nothing is recorded on
 * a request: the caller passes it on with zt_fail_error or drops it).
 */
static enum zt_err
hand_over(struct zt_db *db, struct zt_error *err, enum zt_err e)
{
	if (e == ZT_OK)
		return ZT_OK;
	if (db->err.err != e)
		internal(db); /* a path that forgot to say: never "ok" */
	*err = db->err;
	return e;
}

PGresult *
zt_db_exec(struct zt_req *req, struct zt_error *err, struct zt_sql *q,
    const char *const *params)
{
	struct zt_db *db = zt_g.db;
	PGresult *r;
	if (hand_over(db, err, run(db, req, q, params, 0, &r)) != ZT_OK)
		return NULL;
	return r;
}

/* Send what is pending now (before a statement that is no prepared
 * one); ZT_OK or the error described in db->err. */
static enum zt_err
flush(struct zt_db *db, struct zt_req *req)
{
	if (!db->pend_begin && db->nqueue == 0)
		return ZT_OK;
	PGresult *r;
	return run(db, req, NULL, NULL, 0, &r);
}

static enum zt_err
simple(struct zt_db *db, const char *sql)
{
	PGresult *r = PQexec(db->conn, sql);
	enum zt_err e = ZT_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		if (lost(db, r)) {
			/* inside an open transaction: it is gone */
			lose(db, sql, r);
			txn_gone(db);
			e = down(db);
		} else {
			zt_log_error("db", "%s failed: %s", sql, errtext(r));
			e = internal(db);
		}
	}
	PQclear(r);
	return e;
}

/* Add q to the queue (the transaction is open); ZT_OK or the error
 * described in db->err. */
static enum zt_err
enqueue(struct zt_db *db, struct zt_req *req, struct zt_sql *q,
    const char *const *params, PGresult **out)
{
	const char **copy;
	enum zt_err e;
	if (db->nqueue == QUEUE_MAX && (e = flush(db, req)) != ZT_OK)
		return e;
	copy =
	    zt_arena_array(req->arena, (size_t)q->nparams + 1, sizeof(char *));
	for (int i = 0; i < q->nparams; i++)
		copy[i] =
		    params[i] ? zt_arena_strdup(req->arena, params[i]) : NULL;
	if (out != NULL)
		*out = NULL;
	db->queue[db->nqueue].q = q;
	db->queue[db->nqueue].params = copy;
	db->queue[db->nqueue].out = out;
	db->nqueue++;
	return ZT_OK;
}

/* Queue the scope for the next round trip (replacing a scope queued last,
 * which nothing would have run under). */
static enum zt_err
note_scope(struct zt_db *db, struct zt_req *req, const char *tenant_id,
    const char *user_id)
{
	const char *p[2] = {tenant_id ? tenant_id : "", user_id ? user_id : ""};
	if (db->nqueue > 0 && db->queue[db->nqueue - 1].q == &q_scope)
		db->nqueue--;
	return enqueue(db, req, &q_scope, p, NULL);
}

enum zt_err
zt_db_begin(struct zt_req *req, struct zt_error *err)
{
	return zt_db_begin_as(req, err, req->tenant_id, req->user_id);
}

static enum zt_err
begin(struct zt_db *db, struct zt_req *req, const char *tenant_id,
    const char *user_id)
{
	if (db->in_txn) {
		zt_log_error("db", "begin inside an open transaction");
		return internal(db);
	}
	if (ensure(db) != 0)
		return down(db);
	/* BEGIN and the scope go out with the first statement */
	zt_error_clear(&db->err);
	db->nqueue = 0;
	db->pend_begin = 1;
	db->in_txn = 1;
	return note_scope(db, req, tenant_id, user_id);
}

enum zt_err
zt_db_begin_as(struct zt_req *req, struct zt_error *err, const char *tenant_id,
    const char *user_id)
{
	struct zt_db *db = zt_g.db;
	return hand_over(db, err, begin(db, req, tenant_id, user_id));
}

enum zt_err
zt_db_scope(struct zt_req *req, struct zt_error *err, const char *tenant_id,
    const char *user_id)
{
	struct zt_db *db = zt_g.db;
	const char *p[2] = {tenant_id ? tenant_id : "", user_id ? user_id : ""};
	PGresult *r;
	if (db->in_txn)
		return hand_over(
		    db, err, note_scope(db, req, tenant_id, user_id));
	return hand_over(db, err, run(db, req, &q_scope, p, 0, &r));
}

enum zt_err
zt_db_begin_public(struct zt_req *req, struct zt_error *err)
{
	return zt_db_begin_as(req, err, "", "");
}

void
zt_db_use_replica(const char *dsn)
{
	zt_db_free(replica);
	replica = dsn != NULL ? zt_db_new(dsn) : NULL;
}

enum zt_err
zt_db_begin_replica(struct zt_req *req, struct zt_error *err)
{
	struct zt_db *db = zt_g.db;
	enum zt_err e;
	if (replica == NULL || db == NULL || db->in_txn)
		return zt_db_begin_public(req, err);
	if (ensure(replica) != 0) {
		/* down, or not there yet: the primary answers (logged by
		 * ensure, once per attempt) */
		return zt_db_begin_public(req, err);
	}
	primary = db;
	zt_g.db = replica;
	e = hand_over(replica, err, begin(replica, req, "", ""));
	if (e != ZT_OK)
		txn_gone(replica);
	return e;
}

enum zt_err
zt_db_begin_user(struct zt_req *req, struct zt_error *err)
{
	return zt_db_begin_as(req, err, "", req->user_id);
}

enum zt_err
zt_db_begin_tenant(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id)
{
	return zt_db_begin_as(req, err, tenant_id, user_id);
}

enum zt_err
zt_db_begin_system(struct zt_req *req, struct zt_error *err)
{
	enum zt_err e = zt_db_begin_as(req, err, "", "");
	/* goes out with BEGIN and the scope, in the first round trip */
	return e != ZT_OK ? e : zt_db_scope_system(req, err, 1);
}

enum zt_err
zt_db_scope_system(struct zt_req *req, struct zt_error *err, int on)
{
	const char *p[1] = {on ? ZT_SYSTEM_ADMIN : ""};
	return zt_db_queue(req, err, &q_system, p, NULL);
}

enum zt_err
zt_db_scope_admin(
    struct zt_req *req, struct zt_error *err, const char *admin_id)
{
	const char *p[1] = {admin_id ? admin_id : ""};
	return zt_db_queue(req, err, &q_system, p, NULL);
}

enum zt_err
zt_db_scope_tenant(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id)
{
	return zt_db_scope(req, err, tenant_id, user_id);
}

enum zt_err
zt_db_scope_user(struct zt_req *req, struct zt_error *err, const char *user_id)
{
	return zt_db_scope(req, err, "", user_id);
}

enum zt_err
zt_db_scope_public(struct zt_req *req, struct zt_error *err)
{
	return zt_db_scope(req, err, "", "");
}

enum zt_err
zt_db_queue(struct zt_req *req, struct zt_error *err, struct zt_sql *q,
    const char *const *params, PGresult **out)
{
	struct zt_db *db = zt_g.db;
	PGresult *r;
	enum zt_err e;
	if (!db->in_txn) {
		/* nothing to go with: run it now */
		if ((e = run(db, req, q, params, 0, &r)) != ZT_OK)
			return hand_over(db, err, e);
		if (out != NULL)
			*out = r;
		return ZT_OK;
	}
	return hand_over(db, err, enqueue(db, req, q, params, out));
}

static enum zt_err
commit(struct zt_db *db, struct zt_req *req)
{
	PGresult *r;
	enum zt_err e = ZT_OK;
	if (db->pend_begin && !queued_work(db)) {
		/* nothing was sent and nothing would change: nothing to commit
		 */
		txn_gone(db);
		return ZT_OK;
	}
	if (db->pend_begin || db->nqueue > 0) {
		/* the queued statements and COMMIT in one round trip */
		e = run(db, req, NULL, NULL, 1, &r);
		if (e != ZT_OK)
			zt_db_rollback();
		return e;
	}
	txn_gone(db);
	if (db->conn == NULL) /* lost with the open transaction */
		return down(db);
	r = PQexec(db->conn, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		if (lost(db, r)) {
			/* nobody knows whether it committed */
			lose(db, "COMMIT", r);
			e = down(db);
		} else {
			e = fail_commit(db, r);
		}
	} else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		/* COMMIT of an aborted transaction */
		e = fail_commit(db, NULL);
	}
	PQclear(r);
	return e;
}

enum zt_err
zt_db_commit(struct zt_req *req, struct zt_error *err)
{
	struct zt_db *db = zt_g.db;
	if (!db->in_txn) {
		/* lost with its connection (the failure that ended it, 503),
		 * or a bug */
		if (db->err.err == ZT_OK)
			internal(db);
		return hand_over(db, err, db->err.err);
	}
	return hand_over(db, err, commit(db, req));
}

/* SAVEPOINT name / RELEASE / ROLLBACK TO (name is ours, never client data) */
static enum zt_err
savepoint_cmd(struct zt_req *req, struct zt_error *err, const char *verb,
    const char *name)
{
	struct zt_db *db = zt_g.db;
	char sql[96];
	enum zt_err e;
	if (!db->in_txn)
		return hand_over(db, err, internal(db));
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	if ((e = flush(db, req)) != ZT_OK)
		return hand_over(db, err, e);
	return hand_over(db, err, simple(db, sql));
}

enum zt_err
zt_db_savepoint(struct zt_req *req, struct zt_error *err, const char *name)
{
	return savepoint_cmd(req, err, "SAVEPOINT", name);
}

enum zt_err
zt_db_release(struct zt_req *req, struct zt_error *err, const char *name)
{
	return savepoint_cmd(req, err, "RELEASE SAVEPOINT", name);
}

enum zt_err
zt_db_rollback_to(struct zt_req *req, struct zt_error *err, const char *name)
{
	return savepoint_cmd(req, err, "ROLLBACK TO SAVEPOINT", name);
}

void
zt_db_rollback(void)
{
	struct zt_db *db = zt_g.db;
	if (db == NULL)
		return;
	/* with BEGIN still pending nothing was sent: the status is idle */
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(db->conn, "ROLLBACK");
		if (PQresultStatus(r) != PGRES_COMMAND_OK && lost(db, r))
			lose(db, "ROLLBACK", r);
		PQclear(r);
	}
	txn_gone(db);
}

int
zt_db_in_txn(void)
{
	return zt_g.db != NULL && zt_g.db->in_txn;
}

const char *
zt_db_sqlstate(void)
{
	return zt_g.db ? zt_g.db->sqlstate : "";
}

const char *
zt_db_constraint(void)
{
	return zt_g.db ? zt_g.db->constraint : "";
}

int
zt_db_backend_pid(const struct zt_db *db)
{
	return db != NULL && db->conn != NULL ? PQbackendPID(db->conn) : 0;
}

int
zt_db_ping(struct zt_db *db, char *err, size_t errlen)
{
	struct zt_req *req;
	PGresult *r;
	int rc = -1;
	if (db == NULL) {
		snprintf(err, errlen, "database not configured");
		return -1;
	}
	req = zt_req_new(NULL, NULL);
	if (run(db, req, &q_ping, NULL, 0, &r) == ZT_OK)
		rc = 0;
	else
		snprintf(err, errlen, "%s", db->err.msg);
	zt_req_free(req);
	return rc;
}

const char *
zt_db_val(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

const char *
zt_db_array(struct zt_req *req, const char *const *v, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += (v[i] ? strlen(v[i]) : 4) + 1;
	char *s = zt_arena_alloc(req->arena, len), *o = s;
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		const char *x = v[i] ? v[i] : "NULL";
		size_t l = strlen(x);
		if (i)
			*o++ = ',';
		memcpy(o, x, l);
		o += l;
	}
	*o++ = '}';
	*o = '\0';
	return s;
}

enum zt_err
zt_db_commit_rows(struct zt_req *req, struct zt_error *err, const PGresult *r,
    const char *key, struct json_object *(*row)(const PGresult *r, int i),
    struct json_object **out)
{
	struct json_object *arr;
	enum zt_err e = zt_db_commit(req, err);
	if (e != ZT_OK)
		return e;
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(arr, row(r, i));
	*out = json_object_new_object();
	json_object_object_add(*out, key, arr);
	return ZT_OK;
}
