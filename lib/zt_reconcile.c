/* zt_reconcile.c - payments whose webhook never came; see zt_reconcile.h */
#include "zt_reconcile.h"
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_log.h"
#include "zt_server.h"
#include "zt_settle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a payment is asked about again only after this pause */
#define AGAIN "interval '10 minutes'"
/* at most this many payments of one order are looked at */
#define MAX_PAYMENTS 16
/* the scan of Razorpay's payments list: a page, and the most per run */
#define SCAN_PAGE 100
#define SCAN_MAX 5000

static struct zt_sql q_due = ZT_SQL("rc_due",
    "SELECT id, tenant_id, provider_order_id FROM payments"
    " WHERE status IN ('created', 'authorized') AND provider = 'razorpay'"
    " AND provider_order_id IS NOT NULL"
    " AND created_at < now() - make_interval(secs => $1::int)"
    " AND created_at > now() - interval '7 days'"
    " AND (reconciled_at IS NULL OR reconciled_at < now() - " AGAIN ")"
    " ORDER BY created_at LIMIT 1",
    1);
/* claimed by this run (a later one waits for the pause) */
static struct zt_sql q_claim = ZT_SQL("rc_claim",
    "UPDATE payments SET reconciled_at = now() WHERE id = $1"
    " AND status IN ('created', 'authorized')"
    " AND (reconciled_at IS NULL OR reconciled_at < now() - " AGAIN ")"
    " RETURNING id",
    1);
/* Razorpay's fee on a payment it captured, once */
static struct zt_sql q_fee = ZT_SQL("rc_fee",
    "UPDATE payments SET fee_paise = $2 WHERE provider = 'razorpay'"
    " AND provider_payment_id = $1 AND fee_paise IS NULL",
    2);
/* captured payments whose fee we have not heard (the ledger's gateway
 * fees): Checkout's proof and the webhook settle without it */
static struct zt_sql q_fee_due = ZT_SQL("rc_fee_due",
    "SELECT id, tenant_id, provider_payment_id FROM payments"
    " WHERE status IN ('captured', 'refunded') AND fee_paise IS NULL"
    " AND provider = 'razorpay' AND provider_payment_id IS NOT NULL"
    " AND (reconciled_at IS NULL OR reconciled_at < now() - " AGAIN ")"
    " ORDER BY captured_at LIMIT 1",
    0);
static struct zt_sql q_fee_claim = ZT_SQL("rc_fee_claim",
    "UPDATE payments SET reconciled_at = now() WHERE id = $1"
    " AND fee_paise IS NULL"
    " AND (reconciled_at IS NULL OR reconciled_at < now() - " AGAIN ")"
    " RETURNING id",
    1);
/* the scan of Razorpay's payments: which of a page we know, how far the
 * last scan read */
static struct zt_sql q_known = ZT_SQL("rc_known",
    "SELECT provider_payment_id FROM payments WHERE provider = 'razorpay'"
    " AND provider_payment_id = ANY($1::text[])",
    1);
static struct zt_sql q_mark = ZT_SQL(
    "rc_mark", "SELECT upto FROM reconcile_marks WHERE name = 'payments'", 0);
static struct zt_sql q_set_mark = ZT_SQL("rc_set_mark",
    "INSERT INTO reconcile_marks (name, upto) VALUES ('payments', $1)"
    " ON CONFLICT (name) DO UPDATE SET upto = excluded.upto,"
    " updated_at = now()",
    1);
static struct zt_sql q_discrepancy = ZT_SQL("rc_discrepancy",
    "INSERT INTO payment_discrepancies (provider_payment_id,"
    " provider_order_id, kind, amount_paise, details)"
    " VALUES ($1, $2, $3, $4, jsonb_build_object('message', $5::text))"
    " ON CONFLICT DO NOTHING",
    5);

/* A captured payment we could not settle, for the admins (best effort). */
static void
report(struct zt_req *req, const struct zt_razorpay_payment *pay,
    const char *kind, const char *why)
{
	struct zt_error err = ZT_ERROR_INIT;
	char amt[24];
	snprintf(amt, sizeof(amt), "%lld", pay->amount);
	const char *p[5] = {pay->id, pay->order_id, kind, amt, why};
	zt_log_warn("reconcile", "payment %s of order %s: %s (%s)", pay->id,
	    pay->order_id, kind, why);
	zt_db_rollback();
	zt_fail_clear(req);
	if (zt_db_begin_system(req, &err) != ZT_OK) {
		zt_fail_clear(req);
		return;
	}
	if (zt_db_exec(req, &err, &q_discrepancy, p) != NULL)
		zt_db_commit(req, &err);
	zt_db_rollback();
}

/* Keep Razorpay's fee of a captured payment (best effort). */
static void
keep_fee(struct zt_req *req, const char *tenant,
    const struct zt_razorpay_payment *pay)
{
	struct zt_error err = ZT_ERROR_INIT;
	char fee[24];
	snprintf(fee, sizeof(fee), "%lld", pay->fee > 0 ? pay->fee : 0);
	const char *p[2] = {pay->id, fee};
	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK)
		return;
	if (zt_db_exec(req, &err, &q_fee, p) != NULL)
		zt_db_commit(req, &err);
	zt_db_rollback();
}

static int settled_now;

static int
reconcile_one(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_payment items[MAX_PAYMENTS];
	struct zt_razorpay_err rerr;
	size_t count = 0;
	char after[16];
	PGresult *r, *claim;

	snprintf(after, sizeof(after), "%d", zt_g.cfg.reconcile_after);
	const char *dp[1] = {after};
	int c = zt_finance_claim(req, &q_due, dp, &q_claim, &r, &claim);
	if (c != 1)
		return c == 2 ? 1 : c; /* 2: settled or claimed meanwhile */
	const char *tenant = zt__dup(req, r, 0, 1);
	const char *order = zt__dup(req, r, 0, 2);
	if (zt_db_commit(req, &err) != ZT_OK)
		return -1;

	zt_server_razorpay_cfg(&cfg);
	if (zt_razorpay_order_payments(
		&cfg, order, items, MAX_PAYMENTS, &count, &rerr) != 0) {
		/* asked again after the pause */
		zt_log_warn("reconcile", "order %s: %s", order, rerr.msg);
		return 1;
	}
	if (count > MAX_PAYMENTS)
		count = MAX_PAYMENTS;
	for (size_t i = 0; i < count; i++) {
		const struct zt_razorpay_payment *pay = &items[i];
		int found = 0;
		if (!pay->captured || strcmp(pay->order_id, order) != 0)
			continue; /* only money taken settles */
		if (zt_settle_found(req, order, pay->id, pay->amount, &found) !=
		    ZT_OK) {
			report(req, pay, "not_settled",
			    req->err_msg ? req->err_msg : "settling failed");
			continue;
		}
		if (!found) {
			report(req, pay, "unknown_order",
			    "no booking has this order");
			continue;
		}
		zt_log_info("reconcile",
		    "payment %s of order %s settled (its webhook never came)",
		    pay->id, order);
		settled_now++;
		keep_fee(req, tenant, pay);
	}
	return 1;
}

/* Ask Razorpay the fee of one captured payment that has none here. */
static int
fee_one(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_payment pay;
	struct zt_razorpay_err rerr;
	PGresult *r, *claim;
	int c =
	    zt_finance_claim(req, &q_fee_due, NULL, &q_fee_claim, &r, &claim);
	if (c != 1)
		return c == 2 ? 1 : c;
	const char *tenant = zt__dup(req, r, 0, 1);
	const char *pid = zt__dup(req, r, 0, 2);
	if (zt_db_commit(req, &err) != ZT_OK)
		return -1;
	zt_server_razorpay_cfg(&cfg);
	if (zt_razorpay_payment_fetch(&cfg, pid, &pay, &rerr) != 0) {
		zt_log_warn("reconcile", "payment %s: %s", pid, rerr.msg);
		return 1;
	}
	if (pay.captured)
		keep_fee(req, tenant, &pay);
	return 1;
}

/* A captured payment Razorpay has and we do not: settle it as its webhook
 * would (its order is ours) or report it.  1 settled, 0 reported. */
static int
unknown_one(struct zt_req *req, const struct zt_razorpay_payment *pay)
{
	int found = 0;
	if (pay->order_id[0] == '\0') {
		report(req, pay, "unknown_order", "a payment without an order");
		return 0;
	}
	if (zt_settle_found(req, pay->order_id, pay->id, pay->amount, &found) !=
	    ZT_OK) {
		report(req, pay, "not_settled",
		    req->err_msg ? req->err_msg : "settling failed");
		return 0;
	}
	if (!found) {
		report(req, pay, "unknown_order", "no booking has this order");
		return 0;
	}
	zt_log_info("reconcile",
	    "payment %s of order %s settled (found in Razorpay's list)",
	    pay->id, pay->order_id);
	return 1;
}

/* One page of the scan; -1 database, else how many the page listed. */
static int
scan_page(
    struct zt_req *req, long long from, long long to, int skip, int *settled)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	static struct zt_razorpay_payment items[SCAN_PAGE];
	struct zt_razorpay_err rerr;
	const char *ids[SCAN_PAGE];
	size_t count = 0, n = 0;
	PGresult *r;

	zt_server_razorpay_cfg(&cfg);
	if (zt_razorpay_payments_list(
		&cfg, from, to, skip, items, SCAN_PAGE, &count, &rerr) != 0) {
		zt_log_warn("reconcile", "payments list: %s", rerr.msg);
		return -2;
	}
	if (count > SCAN_PAGE)
		count = SCAN_PAGE;
	for (size_t i = 0; i < count; i++)
		if (items[i].captured)
			ids[n++] = items[i].id;
	if (n == 0)
		return (int)count;
	const char *p[1] = {zt_db_array(req, ids, n)};
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_known, p)) == NULL)
		return -1;
	zt_db_rollback();
	for (size_t i = 0; i < count; i++) {
		int known = !items[i].captured;
		for (int k = 0; !known && k < PQntuples(r); k++)
			known = strcmp(PQgetvalue(r, k, 0), items[i].id) == 0;
		if (!known)
			*settled += unknown_one(req, &items[i]);
	}
	return (int)count;
}

/*
 * Razorpay's payments created since the last scan (at most two days back)
 * up to ZT_RECONCILE_AFTER ago: a captured one we do not know settles or
 * is reported.  -1 database failed, else 0.
 */
static int
scan(struct zt_req *req, int *settled)
{
	struct zt_error err = ZT_ERROR_INIT;
	long long to = (long long)time(NULL) - zt_g.cfg.reconcile_after,
		  from = to - 2 * 86400;
	char upto[24];
	PGresult *r;
	int got = SCAN_PAGE;

	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_mark, NULL)) == NULL)
		return -1;
	if (PQntuples(r) > 0 && atoll(PQgetvalue(r, 0, 0)) > from)
		from = atoll(PQgetvalue(r, 0, 0));
	zt_db_rollback();
	if (from > to)
		return 0;
	for (int skip = 0; got == SCAN_PAGE && skip < SCAN_MAX; skip += got) {
		got = scan_page(req, from, to, skip, settled);
		zt_req_end(req);
		if (got == -1)
			return -1;
		if (got == -2)
			return 0; /* Razorpay: the mark stays, next run again */
	}
	snprintf(upto, sizeof(upto), "%lld", to);
	const char *p[1] = {upto};
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    zt_db_exec(req, &err, &q_set_mark, p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	return 0;
}

int
zt_reconcile_pending(int limit, int *checked, int *settled)
{
	int rc, fees = 0, lock = zt_finance_lock("reconcile");
	*checked = *settled = 0;
	if (lock <= 0)
		return lock;
	settled_now = 0;
	rc = zt__run_steps(reconcile_one, limit, checked);
	*settled = settled_now;
	if (rc == 0)
		rc = zt__run_steps(fee_one, limit, &fees);
	if (rc == 0) {
		struct zt_req *req = zt_req_new(NULL, NULL);
		rc = scan(req, settled);
		zt_db_rollback();
		if (rc == 0)
			rc = zt_reconcile_day(req, zt_g.cfg.recon_day);
		zt_db_rollback();
		zt_req_free(req);
	}
	if (fees)
		zt_log_info("reconcile", "the fees of %d payments asked", fees);
	return rc;
}
