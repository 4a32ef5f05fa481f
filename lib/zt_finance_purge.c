/*
 * zt_finance_purge.c - ztic-purge: rows past their use; see zt_finance.h
 * and docs/finance.md, "Purges".
 */
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_log.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>

/* rows per statement: short transactions, short locks */
#define BATCH "5000"
#define BATCH_N 5000

/* $1 days (kept), $2 the batch; each answers the rows it deleted */
static struct zt_sql q_families = ZT_SQL("purge_families",
    "DELETE FROM refresh_families WHERE id IN (SELECT id FROM"
    " refresh_families WHERE expires_at < now() - make_interval(days =>"
    " $1::int) LIMIT $2::int)",
    2);
static struct zt_sql q_otp = ZT_SQL("purge_otp",
    "DELETE FROM otp_challenges WHERE id IN (SELECT id FROM otp_challenges"
    " WHERE expires_at < now() - make_interval(days => $1::int)"
    " LIMIT $2::int)",
    2);
static struct zt_sql q_outbox = ZT_SQL("purge_outbox",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE"
    " sent_at < now() - make_interval(days => $1::int) LIMIT $2::int)",
    2);
static struct zt_sql q_audit =
    ZT_SQL("purge_audit", "SELECT zt_audit_purge($1::int, $2::int)", 2);

struct purge {
	const char *what;
	struct zt_sql *q;
	int days;  /* kept */
	int audit; /* answers a count, not a command tag */
};

/* Delete in batches until one comes back short; *n counts.  0 or -1. */
static int
purge(struct zt_req *req, const struct purge *p, long *n)
{
	struct zt_error err = ZT_ERROR_INIT;
	char days[16];
	int got;
	snprintf(days, sizeof(days), "%d", p->days);
	const char *a[2] = {days, BATCH};
	*n = 0;
	do {
		PGresult *r;
		if (zt_db_begin_system(req, &err) != ZT_OK ||
		    (r = zt_db_exec(req, &err, p->q, a)) == NULL ||
		    zt_db_commit(req, &err) != ZT_OK) {
			zt_log_error("purge", "%s: %s", p->what,
			    err.msg[0] ? err.msg : "failed");
			zt_db_rollback();
			zt_req_end(req);
			return -1;
		}
		got = atoi(p->audit ? PQgetvalue(r, 0, 0) : PQcmdTuples(r));
		*n += got;
		zt_req_end(req);
	} while (got == BATCH_N && !zt_g.stopping);
	if (*n > 0)
		zt_log_info("purge", "%s: %ld deleted", p->what, *n);
	return 0;
}

int
zt_finance_purge(long *done)
{
	const struct zt_config *c = &zt_g.cfg;
	/* refresh families and OTP challenges: a day past their end, for
	 * the support desk; sent messages and audit entries: as configured */
	const struct purge jobs[] = {
	    {"expired refresh-token families", &q_families, 1, 0},
	    {"OTP challenges", &q_otp, 1, 0},
	    {"sent outbox messages", &q_outbox, c->outbox_keep_days, 0},
	    {"audit entries", &q_audit, c->audit_keep_days, 1},
	};
	struct zt_req *req;
	int lock = zt_finance_lock("purge"), rc = 0;
	*done = 0;
	if (lock <= 0)
		return lock;
	req = zt_req_new(NULL, NULL);
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		long n = 0;
		if (purge(req, &jobs[i], &n) != 0)
			rc = -1;
		*done += n;
	}
	zt_req_free(req);
	return rc;
}
