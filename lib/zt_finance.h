/*
 * zt_finance.h - the end of an event and the money after it
 * (docs/finance.md): the jobs' lock (zt_finance.c), finalizing events
 * (zt_finance_end.c), purging (zt_finance_purge.c).
 */
#ifndef ZT_FINANCE_H
#define ZT_FINANCE_H

#include <libpq-fe.h>

#include "zt_req.h"

/*
 * Take the PostgreSQL session advisory lock of job (its name, e.g.
 * "reconcile") on the process's connection, held until the process ends.
 * 1: this run has it; 0: another run holds it (this one should exit
 * quietly); -1: the database is unreachable (logged).
 */
int zt_finance_lock(const char *job);

struct zt_sql;
/*
 * A job's step claims one row: q_due, read in the system scope with
 * due_params, answers the row (its columns 0 and 1 the row's id and
 * tenant); q_claim, scoped to that tenant with the id as $1, is the
 * guarded UPDATE … RETURNING that makes it this run's.  1: claimed, *due
 * and *claim hold the two results and the transaction is still open; 0:
 * nothing due; 2: due, but claimed by another run meanwhile; -1: the
 * database failed.  Statements are prepared once by their owner.
 */
int zt_finance_claim(struct zt_req *req, struct zt_sql *q_due,
    const char *const *due_params, struct zt_sql *q_claim, PGresult **due,
    PGresult **claim);

/*
 * ztic-finalize, one run under its lock: every published event whose end
 * has passed becomes 'completed', its pending bookings expire, its Redis
 * keys (holds, counters, versions: zt_keys_event_all) are deleted and its
 * channel gets a last message, event.completed.  *done counts the events.
 * 0, or -1 when the database failed.
 */
int zt_finance_finalize(int limit, int *done);

/*
 * ztic-purge, one run under its lock (zt_finance_purge.c): refresh-token
 * families a day past their expiry, OTP challenges a day past theirs,
 * outbox messages sent more than ZT_OUTBOX_KEEP_DAYS ago, audit entries
 * older than ZT_AUDIT_KEEP_DAYS but the financial ones (zt_audit_purge in
 * sql/016_money.sql).  *done counts the rows.  0, or -1 when a delete
 * failed (logged; the others still ran).
 */
int zt_finance_purge(long *done);

/*
 * GET /api/tenants/me/finance/events/:id: the event's ledger (zt_finance_
 * ledger.c; docs/finance.md has the equations) for a manager or owner of
 * its tenant, 404 for anyone else's event.  csv 0: *out is the JSON
 * statement (caller owns it); csv 1: *text (req's arena, *len bytes) is
 * the CSV of every line, then the totals.
 */
enum zt_err zt_finance_ledger(struct zt_req *req, const char *event_id, int fmt,
    struct json_object **out, const char **text, size_t *len);

/* An event's totals (docs/finance.md has the equations), in paise. */
struct zt_finance_sums {
	long long gross, refunds, gateway_fees, commission, commission_gst, tds,
	    tcs, payable;
	int commission_gst_bps; /* the rate commission_gst was taken at */
};

/*
 * The ledger's totals of event_id inside the open transaction, which is
 * scoped to tenant_id (the event's); 404 event_not_found recorded on req
 * when it is not that tenant's event.
 */
enum zt_err zt_finance_sums(struct zt_req *req, const char *event_id,
    const char *tenant_id, struct zt_finance_sums *out);

/*
 * Inside the organizer's refund transaction: ZT_OK while the booking's
 * event may still be refunded by its organizer (not completed, or
 * completed less than ZT_REFUND_WINDOW_DAYS after its end), else 409
 * refund_window_closed recorded on req.
 */
enum zt_err zt_finance_refund_open(struct zt_req *req, const char *booking_id);

#endif
