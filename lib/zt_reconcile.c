/* zt_reconcile.c - payments whose webhook never came; see zt_reconcile.h */
#include "zt_reconcile.h"
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_log.h"
#include "zt_server.h"
#include "zt_settle.h"

#include <stdio.h>
#include <string.h>

/* a payment is asked about again only after this pause */
#define AGAIN "interval '10 minutes'"
/* at most this many payments of one order are looked at */
#define MAX_PAYMENTS 16

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
	if (zt_db_begin_system(req) != ZT_OK) {
		zt_fail_clear(req);
		return;
	}
	if (zt_db_try_exec(req, &err, &q_discrepancy, p) != NULL)
		zt_db_try_commit(req, &err);
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
	if (zt_db_try_begin_tenant(req, &err, tenant, "") != ZT_OK)
		return;
	if (zt_db_try_exec(req, &err, &q_fee, p) != NULL)
		zt_db_try_commit(req, &err);
	zt_db_rollback();
}

static int settled_now;

static int
reconcile_one(struct zt_req *req)
{
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
	if (zt_db_commit(req) != ZT_OK)
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
	if (zt_db_commit(req) != ZT_OK)
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
	if (fees)
		zt_log_info("reconcile", "the fees of %d payments asked", fees);
	return rc;
}
