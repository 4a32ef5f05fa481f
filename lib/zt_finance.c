/* zt_finance.c - the money jobs' shared parts; see zt_finance.h. */
#include "zt_finance.h"
#include "zt_db.h"
#include "zt_log.h"

/*
 * Two keys: "ztic" (0x7a746963, ztic-migrate's single bigint key lives in
 * the other key space) and the hash of the job's name.
 */
static struct zt_sql q_lock = ZT_SQL(
    "fin_lock", "SELECT pg_try_advisory_lock(2054449507, hashtext($1))", 1);

int
zt_finance_lock(const char *job)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {job};
	PGresult *r;
	int rc;

	/* outside a transaction: a session lock, not one that ends with it */
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL) {
		zt_log_error(job, "could not take the job's lock: %s",
		    err.msg[0] ? err.msg : "database unreachable");
		rc = -1;
	} else {
		rc = PQgetvalue(r, 0, 0)[0] == 't';
		if (!rc)
			zt_log_info(job, "another run holds the lock; exiting");
	}
	zt_req_end(req);
	zt_req_free(req);
	return rc;
}

int
zt_finance_claim(struct zt_req *req, struct zt_sql *q_due,
    const char *const *due_params, struct zt_sql *q_claim, PGresult **due,
    PGresult **claim)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, q_due, due_params)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	*due = r;
	const char *p[1] = {PQgetvalue(r, 0, 0)};
	if (zt_db_scope_tenant(req, &err, PQgetvalue(r, 0, 1), "") != ZT_OK ||
	    (r = zt_db_exec(req, &err, q_claim, p)) == NULL)
		return -1;
	*claim = r;
	return PQntuples(r) == 0 ? 2 : 1;
}
