/*
 * zt_db.h - the process's PostgreSQL connection.
 *
 * One persistent libpq connection per process.  A connection the server
 * closed (restart, crash, immediate stop) is replaced before use; one lost
 * before anything of a transaction was acknowledged is retried once on a
 * new connection, otherwise the request gets 503 (docs/stack.md,
 * "Recovery").
 * Statements are declared once as `static struct zt_sql` next to the module
 * that owns them and prepared on first use on each connection.  Every query
 * of a request runs inside zt_db_begin()/zt_db_commit(), which scopes it to
 * the request's tenant and user for row-level security.
 *
 * The error channel (zt_err.h): nothing of zt_db touches a request's
 * error.  The connection's internals take the struct zt_db as a parameter
 * and describe a failure in its struct zt_error (the last failure, kept on
 * the connection); every entry point that can fail takes the caller's
 * struct zt_error *err and copies that failure there, so a caller passes
 * it on with zt_fail_error(req, err) or drops it (best effort).  req gives
 * results and copies their lifetime (its arena) and, for zt_db_begin*,
 * the scope.  Mapping of SQLSTATEs: zt_db_map_sqlstate.  The entry points
 * read the process's connection (zt_g.db) once, at the top.
 */
#ifndef ZT_DB_H
#define ZT_DB_H

#include <libpq-fe.h>

#include "zt_req.h"

struct zt_db;

struct zt_sql {
	const char *name; /* unique statement name */
	const char *text; /* $1… placeholders */
	int nparams;
	unsigned gen; /* connection generation it was prepared on (internal) */
	unsigned gen_replica; /* the same on the read replica (internal) */
};

#define ZT_SQL(n, t, k)                                                        \
	{                                                                      \
		(n), (t), (k), 0, 0                                            \
	}

struct zt_db *zt_db_new(const char *dsn);
void zt_db_free(struct zt_db *db);

/*
 * Begin a transaction scoped to req's tenant and user (set_config(…, true)
 * for app.tenant_id and app.user_id).  On failure 503/500, described in
 * err.
 * Nothing is sent yet: BEGIN and the scope go to the server in one pipeline
 * with the transaction's first statement (one round trip), and a
 * transaction that runs no statement sends nothing at all.  A connection
 * lost during that first round trip is reconnected and tried once more.
 */
enum zt_err zt_db_begin(struct zt_req *req, struct zt_error *err);
/*
 * The platform's system admin (sql/001_core.sql): cron reads across
 * tenants as this row.  The one definition in C.
 */
#define ZT_SYSTEM_ADMIN "00000000-0000-4000-8000-000000000001"

/*
 * Begin a transaction in a named scope instead of the request's own
 * (zt_db_begin).  Row-level security sees exactly what is set here; ""
 * below means "not set".
 *
 *   zt_db_begin_public  no tenant, no user: public reads (published
 *                       events, seat maps), lookups before anyone is known
 *   zt_db_begin_user    no tenant, req->user_id: what the signed-in user
 *                       owns across tenants (memberships, invitations)
 *   zt_db_begin_tenant  tenant_id acting as user_id ("" or NULL: nobody):
 *                       the buyer-side writers that act in an event's
 *                       tenant, and work done for a tenant with no user
 *   zt_db_begin_system  no tenant, no user, app.admin_id = ZT_SYSTEM_ADMIN:
 *                       cron finding work across tenants (read-only: the
 *                       write policies need a tenant scope); only on a
 *                       ztic_system connection (ZT_NEED_PG_SYSTEM)
 */
enum zt_err zt_db_begin_public(struct zt_req *req, struct zt_error *err);
/*
 * zt_db_begin_public on the read replica when one is configured
 * (ZT_PG_REPLICA_DSN, zt_db_use_replica) and reachable, else on the
 * primary.  Only for read-only public reads that may lag the primary by
 * the replica's delay (the catalogue, event pages; never the seat map
 * cache, which follows the map version in Redis; docs/scale.md).
 */
enum zt_err zt_db_begin_replica(struct zt_req *req, struct zt_error *err);
/* The replica's connection string (NULL: none); the connection opens on
 * first use. */
void zt_db_use_replica(const char *dsn);
enum zt_err zt_db_begin_user(struct zt_req *req, struct zt_error *err);
enum zt_err zt_db_begin_tenant(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id);
enum zt_err zt_db_begin_system(struct zt_req *req, struct zt_error *err);
/*
 * Change the scope inside the open transaction (sent with the next
 * statement): to tenant_id acting as user_id ("" or NULL: nobody), to no
 * tenant and user_id (a user just identified at sign-in), or to no tenant
 * and no user.  app.admin_id is left as it is.
 */
enum zt_err zt_db_scope_tenant(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id);
enum zt_err zt_db_scope_user(
    struct zt_req *req, struct zt_error *err, const char *user_id);
enum zt_err zt_db_scope_public(struct zt_req *req, struct zt_error *err);
/* Act as the system admin (on) or stop (off) inside the open transaction,
 * leaving tenant and user as they are.  Effective only on a connection as
 * ztic_system (ZT_NEED_PG_SYSTEM, sql/013): for ztic_app, app.admin_id
 * changes nothing. */
enum zt_err zt_db_scope_system(
    struct zt_req *req, struct zt_error *err, int on);
/* The same for a signed-in platform admin (the admin console): app.admin_id
 * = admin_id ("" or NULL: none). */
enum zt_err zt_db_scope_admin(
    struct zt_req *req, struct zt_error *err, const char *admin_id);

/*
 * The general forms the named ones are made of: any tenant_id and user_id
 * ("" or NULL: none).  Modules use the names above; these remain for
 * tests of the scoping itself (tests/tools/dbctl.c).
 */
enum zt_err zt_db_begin_as(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id);
enum zt_err zt_db_scope(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *user_id);
/* Commit the open transaction.  With none open (lost with its connection
 * by an earlier statement) the failure that ended it, 503 — or 500. */
enum zt_err zt_db_commit(struct zt_req *req, struct zt_error *err);
/*
 * Savepoints inside the open transaction, for a step that may fail without
 * failing the transaction (issuing tickets for seats that may be gone).
 * After zt_db_rollback_to the transaction goes on as before the savepoint.
 */
enum zt_err zt_db_savepoint(
    struct zt_req *req, struct zt_error *err, const char *name);
enum zt_err zt_db_release(
    struct zt_req *req, struct zt_error *err, const char *name);
enum zt_err zt_db_rollback_to(
    struct zt_req *req, struct zt_error *err, const char *name);
/* Roll back if a transaction is open (harmless otherwise). */
void zt_db_rollback(void);
int zt_db_in_txn(void);

/*
 * Run a prepared statement with text params (NULL entries are SQL NULL).
 * Returns the result, released when the request ends; NULL on failure with
 * the error described in err (503 when the server is unreachable, 409 for a
 * unique violation, 500 otherwise) — see zt_db_sqlstate() to tell them
 * apart.
 */
PGresult *zt_db_exec(struct zt_req *req, struct zt_error *err, struct zt_sql *q,
    const char *const *params);

/*
 * Queue q to go to the server with the transaction's next round trip (the
 * next zt_db_exec, savepoint or zt_db_commit), in one pipeline with it:
 * for a write whose result nobody waits for (an outbox row goes with
 * COMMIT), or a read whose result can wait for the statement after it.
 * params are copied.  When out is not NULL it receives q's result once
 * that round trip succeeded (NULL before, and if it failed), so out must
 * stay valid until then: a variable of the function that also makes the
 * next call, not of one that returns first.  A failure of
 * q is reported by that next call, as its own would be, and the statements
 * after q do not run.  Outside a transaction q runs at once.
 */
enum zt_err zt_db_queue(struct zt_req *req, struct zt_error *err,
    struct zt_sql *q, const char *const *params, PGresult **out);

/*
 * What a statement's SQLSTATE means to the client, into out (also
 * returned): unique violation 23505 (any class 23 at COMMIT, where the
 * deferred checks run) is 409 "conflict"; serialization failure and
 * deadlock (40001, 40P01; any class 40 at COMMIT) are 409 "retry"; other
 * data errors (classes 22 and 23) are 422 "invalid"; anything else is 500.
 * A lost connection never gets here: it is 503 "database_unavailable".
 */
enum zt_err zt_db_map_sqlstate(
    const char *sqlstate, int at_commit, struct zt_error *out);

/* SQLSTATE of the last failed zt_db_exec ("" when none). */
const char *zt_db_sqlstate(void);
/* Constraint name of the last failure ("" when none). */
const char *zt_db_constraint(void);

/* Cheap liveness check of the connection db (SELECT 1), for health: 0 ok,
 * -1 down (message in err).  Outside any transaction. */
int zt_db_ping(struct zt_db *db, char *err, size_t errlen);

/* The server process of db's connection (PostgreSQL's %p in its log), 0
 * when not connected: the request log line names it (docs/operations.md,
 * "Logs"). */
int zt_db_backend_pid(const struct zt_db *db);

/* A text array parameter, "{a,b,NULL}", of n strings (uuids or numbers:
 * nothing is quoted; NULL entries are SQL NULL), in req's arena. */
const char *zt_db_array(struct zt_req *req, const char *const *v, size_t n);

/*
 * Commit the open transaction, then *out = {key: [row(r, i) for each row of
 * r]}: the end of a domain function that lists rows.  On failure *out is
 * untouched and err describes it.
 */
enum zt_err zt_db_commit_rows(struct zt_req *req, struct zt_error *err,
    const PGresult *r, const char *key,
    struct json_object *(*row)(const PGresult *r, int i),
    struct json_object **out);

/* Helpers to read a result: value or NULL for SQL NULL. */
const char *zt_db_val(const PGresult *r, int row, int col);

#endif
