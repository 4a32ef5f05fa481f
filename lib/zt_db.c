/* zt_db.c - persistent libpq connection; see zt_db.h. */
#include "zt_db.h"
#include "zt_log.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zt_db {
	char *dsn;
	PGconn *conn;
	unsigned gen; /* bumps on every (re)connect; 0 = never */
	int in_txn;
	char sqlstate[6];
	char constraint[64];
};

/* The statement that scopes a transaction (prepared like any other). */
static struct zt_sql q_scope = ZT_SQL("zt_db_scope",
    "SELECT set_config('app.tenant_id', $1, true),"
    "       set_config('app.user_id', $2, true)", 2);
static struct zt_sql q_ping = ZT_SQL("zt_db_ping", "SELECT 1", 0);

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

/* Make sure the connection is up; 0 ok, -1 down. */
static int
ensure(struct zt_db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn != NULL) {
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
	 */
	{
		PGresult *r = PQexec(db->conn, "SET jit = off");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			zt_log_warn("db", "could not turn jit off: %s",
			    PQresultErrorMessage(r));
		PQclear(r);
	}
	db->gen++;
	if (db->gen == 0)
		db->gen = 1;
	db->in_txn = 0;
	return 0;
}

static enum zt_err
down(struct zt_req *req)
{
	return zt_fail(req, ZT_EUNAVAIL, "database_unavailable",
	    "the database is unavailable, try again shortly");
}

static void
clear_result(void *p)
{
	PQclear(p);
}

static void
remember_error(struct zt_db *db, const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *c = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", s ? s : "");
	snprintf(db->constraint, sizeof(db->constraint), "%s", c ? c : "");
}

/* Prepare q on this connection if not yet; 0 ok. */
static int
prepare(struct zt_db *db, struct zt_sql *q)
{
	PGresult *r;
	if (q->gen == db->gen)
		return 0;
	r = PQprepare(db->conn, q->name, q->text, q->nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		zt_log_error("db", "could not prepare %s: %s", q->name,
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	q->gen = db->gen;
	return 0;
}

PGresult *
zt_db_exec(struct zt_req *req, struct zt_sql *q, const char *const *params)
{
	struct zt_db *db = zt_g.db;
	PGresult *r = NULL;
	int attempt;

	db->sqlstate[0] = db->constraint[0] = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		if (ensure(db) != 0) {
			down(req);
			return NULL;
		}
		if (prepare(db, q) != 0) {
			if (PQstatus(db->conn) != CONNECTION_OK) {
				if (!db->in_txn)
					continue; /* server restarted: retry */
				db->in_txn = 0;
				down(req);
				return NULL;
			}
			zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
			return NULL;
		}
		r = PQexecPrepared(db->conn, q->name, q->nparams, params, NULL,
		    NULL, 0);
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			zt_req_defer(req, clear_result, r);
			return r;
		}
		remember_error(db, r);
		if (PQstatus(db->conn) != CONNECTION_OK) {
			PQclear(r);
			r = NULL;
			if (!db->in_txn)
				continue; /* lost between statements: retry */
			db->in_txn = 0;
			down(req);
			return NULL;
		}
		break;
	}
	if (r == NULL) {
		down(req);
		return NULL;
	}
	if (strcmp(db->sqlstate, "23505") == 0) {
		zt_fail(req, ZT_ECONFLICT, "conflict",
		    "this conflicts with an existing record");
	} else if (strcmp(db->sqlstate, "40001") == 0 ||
	           strcmp(db->sqlstate, "40P01") == 0) {
		zt_fail(req, ZT_ECONFLICT, "retry",
		    "a concurrent change got there first, try again");
	} else if (strncmp(db->sqlstate, "22", 2) == 0 ||
	           strncmp(db->sqlstate, "23", 2) == 0) {
		zt_log_warn("db", "%s: %s", q->name, PQresultErrorMessage(r));
		zt_fail(req, ZT_EINVALID, "invalid",
		    "the request was rejected by a data rule");
	} else {
		zt_log_error("db", "%s failed: %s", q->name,
		    PQresultErrorMessage(r));
		zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	PQclear(r);
	return NULL;
}

static enum zt_err
simple(struct zt_req *req, const char *sql)
{
	struct zt_db *db = zt_g.db;
	PGresult *r = PQexec(db->conn, sql);
	enum zt_err e = ZT_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		if (PQstatus(db->conn) != CONNECTION_OK) {
			e = down(req);
		} else {
			zt_log_error("db", "%s failed: %s", sql,
			    PQresultErrorMessage(r));
			e = zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
		}
	}
	PQclear(r);
	return e;
}

enum zt_err
zt_db_begin(struct zt_req *req)
{
	return zt_db_begin_as(req, req->tenant_id, req->user_id);
}

enum zt_err
zt_db_begin_as(struct zt_req *req, const char *tenant_id, const char *user_id)
{
	struct zt_db *db = zt_g.db;
	enum zt_err e;
	if (db->in_txn) {
		zt_log_error("db", "begin inside an open transaction");
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (ensure(db) != 0)
			return down(req);
		e = simple(req, "BEGIN");
		if (e == ZT_OK)
			break;
		if (PQstatus(db->conn) == CONNECTION_OK || attempt == 1)
			return e;
		req->err = ZT_OK; /* lost connection: retry once */
	}
	db->in_txn = 1;
	e = zt_db_scope(req, tenant_id, user_id);
	if (e != ZT_OK)
		zt_db_rollback();
	return e;
}

enum zt_err
zt_db_scope(struct zt_req *req, const char *tenant_id, const char *user_id)
{
	const char *p[2] = {tenant_id ? tenant_id : "", user_id ? user_id : ""};
	return zt_db_exec(req, &q_scope, p) ? ZT_OK : req->err;
}

enum zt_err
zt_db_commit(struct zt_req *req)
{
	struct zt_db *db = zt_g.db;
	PGresult *r;
	enum zt_err e = ZT_OK;
	if (!db->in_txn || db->conn == NULL)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	db->in_txn = 0;
	r = PQexec(db->conn, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		remember_error(db, r);
		if (PQstatus(db->conn) != CONNECTION_OK)
			e = down(req);
		else if (strncmp(db->sqlstate, "40", 2) == 0)
			e = zt_fail(req, ZT_ECONFLICT, "retry",
			    "a concurrent change got there first, try again");
		else if (strncmp(db->sqlstate, "23", 2) == 0)
			e = zt_fail(req, ZT_ECONFLICT, "conflict",
			    "this conflicts with an existing record");
		else
			e = zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	} else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		/* COMMIT of an aborted transaction */
		e = zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	}
	PQclear(r);
	return e;
}

/* SAVEPOINT name / RELEASE / ROLLBACK TO (name is ours, never client data) */
static enum zt_err
savepoint_cmd(struct zt_req *req, const char *verb, const char *name)
{
	char sql[96];
	if (!zt_db_in_txn())
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return simple(req, sql);
}

enum zt_err
zt_db_savepoint(struct zt_req *req, const char *name)
{
	return savepoint_cmd(req, "SAVEPOINT", name);
}

enum zt_err
zt_db_release(struct zt_req *req, const char *name)
{
	return savepoint_cmd(req, "RELEASE SAVEPOINT", name);
}

enum zt_err
zt_db_rollback_to(struct zt_req *req, const char *name)
{
	return savepoint_cmd(req, "ROLLBACK TO SAVEPOINT", name);
}

void
zt_db_rollback(void)
{
	struct zt_db *db = zt_g.db;
	if (db == NULL || db->conn == NULL)
		return;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(db->conn, "ROLLBACK");
		PQclear(r);
	}
	db->in_txn = 0;
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
zt_db_ping(char *err, size_t errlen)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	int rc = -1;
	if (zt_db_exec(req, &q_ping, NULL) != NULL)
		rc = 0;
	else
		snprintf(err, errlen, "%s", req->err_msg ? req->err_msg : "");
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
