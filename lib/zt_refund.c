/*
 * zt_refund.c - cancellations by the buyer, refunds by organizers, the
 * refunds of cancelled events, and sending refunds to Razorpay (and again,
 * from cron); see zt_refund.h.
 */
#include "zt_refund.h"
#include "zt_finance.h"
#include "zt_transfer.h"
#include "zt_booking_int.h"
#include "zt_crypto.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_razorpay.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_uuid.h"
#include "zt_whout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A refund of a payment: the row first, and the payment's refunded_paise
 * moved only by a row that was inserted — a key seen before inserts
 * nothing and moves nothing.  Never more than what is left of the payment.
 */
static struct zt_sql q_refund_new = ZT_SQL("bk_refund_new",
    "WITH i AS (INSERT INTO refunds (tenant_id, payment_id, amount_paise,"
    "  idempotency_key, reason)"
    "  SELECT tenant_id, id, $2::bigint, $3, $4 FROM payments"
    "  WHERE id = $1 AND refunded_paise + $2::bigint <= amount_paise"
    "  ON CONFLICT (idempotency_key) DO NOTHING"
    "  RETURNING id, payment_id, amount_paise),"
    " g AS (UPDATE payments p SET refunded_paise = p.refunded_paise"
    "  + i.amount_paise FROM i WHERE p.id = i.payment_id)"
    " SELECT id FROM i",
    4);
/* a webhook may have settled the refund already: never go back */
static struct zt_sql q_refund_sent = ZT_SQL("bk_refund_sent",
    "UPDATE refunds SET provider_refund_id = $2,"
    " status = CASE WHEN status <> 'pending' AND provider_refund_id = $2"
    "   THEN status ELSE $3 END,"
    " processed_at = CASE WHEN status <> 'pending' AND provider_refund_id"
    "   = $2 THEN processed_at WHEN $3 = 'processed' THEN now() END"
    " WHERE id = $1 RETURNING payment_id, status",
    3);
/* a webhook that beat our record of the refund id: the unsent refund of
 * that payment with that amount is the one */
static struct zt_sql q_refund_unclaimed = ZT_SQL("bk_refund_unclaimed",
    "SELECT r.tenant_id, r.id FROM refunds r JOIN payments p"
    " ON p.id = r.payment_id WHERE p.provider_payment_id = $1"
    " AND r.provider_refund_id IS NULL AND r.amount_paise = $2"
    " ORDER BY r.created_at LIMIT 1",
    2);
static struct zt_sql q_refund_claim = ZT_SQL("bk_refund_claim",
    "UPDATE refunds SET provider_refund_id = $2 WHERE id = $1"
    " AND provider_refund_id IS NULL",
    2);
/* one way: only a pending refund ends, as processed or failed; an end
 * never changes again (a replayed refund.failed after refund.processed
 * would otherwise give the money back to refund twice) */
static struct zt_sql q_refund_state = ZT_SQL("bk_refund_state",
    "UPDATE refunds SET status = $2, processed_at = CASE WHEN $2 ="
    " 'processed' THEN now() END WHERE provider_refund_id = $1"
    " AND status = 'pending' RETURNING id, payment_id, amount_paise",
    2);
static struct zt_sql q_refund_tenant = ZT_SQL("bk_refund_tenant",
    "SELECT tenant_id FROM refunds WHERE provider_refund_id = $1", 1);
static struct zt_sql q_unrefund = ZT_SQL("bk_unrefund",
    "UPDATE payments SET refunded_paise = refunded_paise - $2"
    " WHERE id = $1 AND refunded_paise >= $2",
    2);
static struct zt_sql q_payment_refunded = ZT_SQL("bk_payment_refunded",
    "UPDATE payments p SET status = 'refunded' WHERE p.id = $1"
    " AND p.refunded_paise = p.amount_paise AND NOT EXISTS (SELECT 1"
    " FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'processed')"
    " RETURNING booking_id",
    1);

/* cancel / refund: the booking, its refund terms and its payment */
enum cancel_col {
	CL_STATUS,
	CL_USER,
	CL_EVENT,
	CL_SUBTOTAL,
	CL_TOTAL,
	CL_POLICY,    /* none | before_start */
	CL_IN_WINDOW, /* 't' before the policy's cutoff */
	CL_FEE_PAISE,
	CL_FEE_BPS,
	CL_PAYMENT,	     /* payments.id of the captured payment, or NULL */
	CL_PROVIDER_PAYMENT, /* its Razorpay id */
	CL_LEFT,	     /* what is left of it to refund */
};
static struct zt_sql q_cancel_lock = ZT_SQL("bk_cancel_lock",
    "SELECT b.status, b.user_id, b.event_id, b.subtotal_paise,"
    " b.total_paise, e.refund_policy,"
    " now() < e.starts_at - make_interval(hours =>"
    "   coalesce(e.refund_cutoff_hours, 0)),"
    " coalesce(e.refund_fee_paise, 0), coalesce(e.refund_fee_bps, 0),"
    " (SELECT p.id FROM payments p WHERE p.booking_id = b.id"
    "   AND p.status IN ('captured', 'refunded') ORDER BY p.created_at"
    "   LIMIT 1), (SELECT p.provider_payment_id FROM payments p"
    "   WHERE p.booking_id = b.id AND p.status IN ('captured', 'refunded')"
    "   ORDER BY p.created_at LIMIT 1),"
    " (SELECT p.amount_paise - p.refunded_paise FROM payments p"
    "   WHERE p.booking_id = b.id AND p.status IN ('captured', 'refunded')"
    "   ORDER BY p.created_at LIMIT 1)"
    " FROM bookings b CROSS JOIN LATERAL " EVENT_OF(
	"b") " WHERE b.id = $1 FOR UPDATE OF b",
    1);
static struct zt_sql q_cancel_tickets = ZT_SQL("bk_cancel_tickets",
    "UPDATE tickets SET status = $2 WHERE booking_id = $1"
    " AND status = 'live' RETURNING seat_id, ticket_type_id",
    2);
static struct zt_sql q_return_ga = ZT_SQL("bk_return_ga",
    "UPDATE ticket_types tt SET sold = tt.sold - bi.quantity"
    " FROM booking_items bi WHERE bi.booking_id = $1"
    " AND tt.id = bi.ticket_type_id AND tt.sold >= bi.quantity",
    1);

/* cron */
static struct zt_sql q_cancelled_events = ZT_SQL("bk_cancelled_events",
    "SELECT b.id, b.tenant_id FROM bookings b JOIN events e"
    " ON e.id = b.event_id WHERE e.status = 'cancelled'"
    " AND b.status = 'confirmed' LIMIT 1",
    0);
enum unsent_col {
	UR_ID,
	UR_TENANT,
	UR_STATUS,
	UR_AMOUNT,
	UR_PAYMENT,
	UR_PROVIDER_PAYMENT,
	UR_KEY,
	UR_PROVIDER_REFUND, /* '' when Razorpay never took it */
};
static struct zt_sql q_unsent_refunds = ZT_SQL("bk_unsent_refunds",
    "SELECT r.id, r.tenant_id, r.status, r.amount_paise, r.payment_id,"
    " p.provider_payment_id, r.idempotency_key,"
    " coalesce(r.provider_refund_id, '') FROM refunds r"
    " JOIN payments p ON p.id = r.payment_id"
    " WHERE (r.provider_refund_id IS NULL AND r.status = 'pending'"
    "   AND r.updated_at < now() - interval '30 seconds')"
    " OR (r.provider_refund_id IS NOT NULL AND r.status = 'pending'"
    "   AND r.updated_at < now() - interval '15 minutes')"
    " OR r.status = 'failed'"
    " ORDER BY r.created_at LIMIT 1",
    0);
static struct zt_sql q_refund_lock = ZT_SQL("bk_refund_lock",
    "SELECT id FROM refunds WHERE id = $1 AND status = $2"
    " FOR UPDATE SKIP LOCKED",
    2);
static struct zt_sql q_refund_retry = ZT_SQL("bk_refund_retry",
    "UPDATE refunds SET status = 'pending', provider_refund_id = NULL,"
    " idempotency_key = $2 WHERE id = $1",
    2);
static struct zt_sql q_touch_refund = ZT_SQL("bk_touch_refund",
    "UPDATE refunds SET updated_at = now() WHERE id = $1", 1);
static struct zt_sql q_rerefund = ZT_SQL("bk_rerefund",
    "UPDATE payments SET refunded_paise = refunded_paise + $2"
    " WHERE id = $1 AND refunded_paise + $2 <= amount_paise",
    2);

/* ---------------------------------------------------------- sending ---- */

/* Send a refund row to Razorpay and record what it said. */
void
zt__refund_send(struct zt_req *req, const char *tenant_id,
    const char *refund_id, const char *provider_payment_id, long long amount,
    const char *key)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_refund_req rr;
	struct zt_razorpay_refund out;
	struct zt_razorpay_err err;
	/* the refund is safe in the table either way: a failure below is
	 * logged by zt_db and dropped, the request's answer stands */
	struct zt_error dberr = ZT_ERROR_INIT;
	const char *p[3];

	zt_server_razorpay_cfg(&cfg);
	memset(&rr, 0, sizeof(rr));
	rr.payment_id = provider_payment_id;
	rr.amount = amount;
	rr.idempotency_key = key;
	if (zt_razorpay_refund_create(&cfg, &rr, &out, &err) != 0) {
		/* stays pending without a provider id: cron/refunds retries */
		zt_log_warn("refund", "refund %s not taken yet: %s", refund_id,
		    err.msg);
		return;
	}
	if (zt_db_begin_tenant(req, &dberr, tenant_id, "") != ZT_OK)
		return;
	p[0] = refund_id;
	p[1] = out.id;
	p[2] = strcmp(out.status, "processed") == 0 ? "processed" : "pending";
	PGresult *r = zt_db_exec(req, &dberr, &q_refund_sent, p);
	if (r != NULL && PQntuples(r) == 1 &&
	    strcmp(PQgetvalue(r, 0, 1), "processed") == 0) {
		const char *q[1] = {PQgetvalue(r, 0, 0)};
		r = zt_db_exec(req, &dberr, &q_payment_refunded, q);
	}
	if (r != NULL)
		zt_db_commit(req, &dberr);
	zt_db_rollback();
}

long long
zt_refund_policy(long long subtotal, long long fee_paise, long long fee_bps)
{
	long long fee = fee_paise + (subtotal * fee_bps + 5000) / 10000;
	return subtotal > fee ? subtotal - fee : 0;
}

/* Write a full refund of a captured payment row and tell the buyer. */
enum zt_err
zt__refund_captured(struct zt_req *req, struct zt__after *a,
    const char *booking_id, const char *payment_row,
    const char *provider_payment_id, long long amount, const char *key,
    const char *reason, const char *template)
{
	struct zt_error err = ZT_ERROR_INIT;
	char amt[24];
	const char *p[4];
	PGresult *r;
	enum zt_err e;
	snprintf(amt, sizeof(amt), "%lld", amount);
	p[0] = payment_row;
	p[1] = amt;
	p[2] = key;
	p[3] = reason;
	if ((r = zt_db_exec(req, &err, &q_refund_new, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return ZT_OK; /* this refund exists already */
	a->refund_id = zt__dup(req, r, 0, 0);
	a->refund_payment = provider_payment_id;
	a->refund_amount = amount;
	a->refund_key = key;
	if ((e = zt_whout_event(req, a->tenant_id, "booking.refunded",
		 "bookingId", booking_id, "refundId", a->refund_id,
		 "amountPaise", amt, "reason", reason, NULL)) != ZT_OK)
		return e;
	if ((e = zt__tell_buyer(req, booking_id, a, template, "amount", amount,
		 reason)) != ZT_OK)
		return e;
	return ZT_OK;
}

enum zt_err
zt__refund_webhook(
    struct zt_req *req, const struct zt_razorpay_event *ev, struct zt__after *a)
{
	struct zt_error err = ZT_ERROR_INIT;
	int ok = strcmp(ev->event, "refund.processed") == 0;
	const char *p[2] = {ev->refund.id, ok ? "processed" : "failed"};
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_refund_tenant, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		char amt[24];
		snprintf(amt, sizeof(amt), "%lld", ev->refund.amount);
		const char *u[2] = {ev->refund.payment_id, amt};
		if ((r = zt_db_exec(req, &err, &q_refund_unclaimed, u)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 0)
			return ZT_OK; /* not ours */
		a->tenant_id = zt__dup(req, r, 0, 0);
		const char *c[2] = {zt__dup(req, r, 0, 1), ev->refund.id};
		if (zt_db_scope_tenant(req, &err, a->tenant_id, "") != ZT_OK ||
		    zt_db_exec(req, &err, &q_refund_claim, c) == NULL)
			return zt_fail_error(req, &err);
	} else {
		a->tenant_id = zt__dup(req, r, 0, 0);
		if (zt_db_scope_tenant(req, &err, a->tenant_id, "") != ZT_OK)
			return zt_fail_error(req, &err);
	}
	if ((r = zt_db_exec(req, &err, &q_refund_state, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return ZT_OK; /* already in that state */
	const char *payment = zt__dup(req, r, 0, 1),
		   *amount = zt__dup(req, r, 0, 2);
	const char *q[2] = {payment, amount};
	if (!ok)
		/* a failed refund gives its amount back to refund again */
		return zt_db_exec(req, &err, &q_unrefund, q) != NULL
			   ? ZT_OK
			   : zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_payment_refunded, q)) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* ------------------------------------------------ cancelling, refunds ---- */

/*
 * Cancel the live tickets of a locked, confirmed booking, give GA units
 * back, set its status, and write a refund of amount (0: none) with key.
 */
static enum zt_err
unwind(struct zt_req *req, struct zt__after *a, const char *booking_id,
    const char *payment_row, const char *provider_payment_id, long long amount,
    const char *key, const char *reason, const char *template)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {booking_id, amount > 0 ? "refunded" : "cancelled"};
	enum zt_err e;
	if ((e = zt__load_items(req, booking_id, a)) != ZT_OK)
		return e;
	if (zt_db_exec(req, &err, &q_cancel_tickets, p) == NULL ||
	    zt_db_exec(req, &err, &q_return_ga, p) == NULL ||
	    zt_db_exec(req, &err, &zt__q_status, p) == NULL)
		return zt_fail_error(req, &err);
	a->unsell = 1;
	a->live_type = "booking.refunded";
	if (amount > 0 && payment_row != NULL)
		return zt__refund_captured(req, a, booking_id, payment_row,
		    provider_payment_id, amount, key, reason, template);
	return ZT_OK;
}

/*
 * The captured payment of a booking locked by lock_for_refund: its row
 * and Razorpay id (NULL when none) and, returned, what is left of it to
 * refund (0 when none).
 */
static long long
captured(struct zt_req *req, const PGresult *r, const char **row,
    const char **provider_id)
{
	*row = zt__dup(req, r, 0, CL_PAYMENT);
	*provider_id = zt__dup(req, r, 0, CL_PROVIDER_PAYMENT);
	return *row ? atoll(PQgetvalue(r, 0, CL_LEFT)) : 0;
}

/* Lock a booking for a cancel/refund in the current scope, its row into
 * *out. */
static enum zt_err
lock_for_refund(struct zt_req *req, const char *booking_id, struct zt__after *a,
    PGresult **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &err, &q_cancel_lock, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt__no_booking(req);
	a->booking_id = booking_id;
	a->user_id = zt__dup(req, r, 0, CL_USER);
	a->event_id = zt__dup(req, r, 0, CL_EVENT);
	*out = r;
	return ZT_OK;
}

/* The first steps of a cancel or refund of booking_id by a caller. */
static enum zt_err
start(struct zt_req *req, const char *booking_id, struct json_object **out)
{
	*out = NULL;
	return zt_is_uuid(booking_id) ? ZT_OK : zt__no_booking(req);
}

/* Commit, then Redis, Razorpay and nchan; *out = the booking now. */
static enum zt_err
finish(struct zt_req *req, const struct zt__after *a, const char *booking_id,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt__run_after(req, a);
	return zt__booking_answer(req, booking_id, out);
}

enum zt_err
zt_refund_cancel(
    struct zt_req *req, const char *booking_id, struct json_object **out)
{
	struct zt__after a;
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	if ((e = start(req, booking_id, out)) != ZT_OK)
		return e;
	if ((e = zt__begin_as_buyer(req, booking_id, &a.tenant_id)) != ZT_OK)
		return e;
	if ((e = lock_for_refund(req, booking_id, &a, &r)) != ZT_OK)
		return e;
	if (strcmp(PQgetvalue(r, 0, CL_STATUS), "confirmed") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_cancellable",
		    "only a confirmed booking can be cancelled (this one is "
		    "%s)",
		    PQgetvalue(r, 0, CL_STATUS));
	if (strcmp(PQgetvalue(r, 0, CL_POLICY), "none") == 0)
		return zt_fail(req, ZT_ECONFLICT, "not_refundable",
		    "this event does not allow cancellations");
	if (*PQgetvalue(r, 0, CL_IN_WINDOW) != 't')
		return zt_fail(req, ZT_ECONFLICT, "refund_window_closed",
		    "the cancellation window for this event has closed");
	if ((e = zt_transfer_check_cancel(req, booking_id)) != ZT_OK)
		return e;
	long long refund =
	    zt_refund_policy(atoll(PQgetvalue(r, 0, CL_SUBTOTAL)),
		atoll(PQgetvalue(r, 0, CL_FEE_PAISE)),
		atoll(PQgetvalue(r, 0, CL_FEE_BPS)));
	const char *payment_row, *ppid;
	long long left = captured(req, r, &payment_row, &ppid);
	if (refund > left)
		refund = left;
	if ((e = unwind(req, &a, booking_id, payment_row, ppid, refund,
		 zt_arena_printf(req->arena, "cancel-%s", booking_id),
		 "cancelled by the buyer", "booking.refunded")) != ZT_OK)
		return e;
	return finish(req, &a, booking_id, out);
}

enum zt_err
zt_refund_grant(struct zt_req *req, const char *booking_id, long long amount,
    const char *reason, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt__after a;
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	if ((e = start(req, booking_id, out)) != ZT_OK)
		return e;
	/* a manager or owner now (not when the token was made), and the
	 * organizer's tenant only: another tenant's booking is 404 */
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (zt_db_scope_tenant(req, &err, req->tenant_id, "") != ZT_OK)
		return zt_fail_error(req, &err);
	a.tenant_id = req->tenant_id;
	if ((e = lock_for_refund(req, booking_id, &a, &r)) != ZT_OK)
		return e;
	if (strcmp(PQgetvalue(r, 0, CL_STATUS), "confirmed") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_refundable",
		    "only a confirmed booking can be refunded (this one is %s)",
		    PQgetvalue(r, 0, CL_STATUS));
	/* a completed event: within ZT_REFUND_WINDOW_DAYS of its end */
	if ((e = zt_finance_refund_open(req, booking_id)) != ZT_OK)
		return e;
	const char *payment_row, *ppid;
	long long left = captured(req, r, &payment_row, &ppid);
	const char *why =
	    reason && *reason ? reason : "refunded by the organizer";
	if (amount > 0) {
		/* partial: money back, tickets stay */
		if (payment_row == NULL || amount > left)
			return zt_fail(req, ZT_EINVALID, "invalid_field",
			    "field 'amountPaise' must be at most %lld", left);
		/* every request its own key: two partial refunds of the same
		 * amount are two refunds (the amount guard caps them) */
		char key[48];
		zt_uuid_new(key + 5);
		memcpy(key, "part-", 5);
		if ((e = zt__refund_captured(req, &a, booking_id, payment_row,
			 ppid, amount, zt_arena_strdup(req->arena, key), why,
			 "booking.refunded")) != ZT_OK)
			return e;
		a.live_type = "booking.refunded";
	} else if ((e = unwind(req, &a, booking_id, payment_row, ppid, left,
			zt_arena_printf(req->arena, "full-%s", booking_id), why,
			"booking.refunded")) != ZT_OK) {
		return e;
	}
	return finish(req, &a, booking_id, out);
}

/* -------------------------------------------------------------- cron ---- */

static int
cancelled_event_one(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt__after a;
	PGresult *r;
	memset(&a, 0, sizeof(a));
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_cancelled_events, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = zt__dup(req, r, 0, 0);
	a.tenant_id = zt__dup(req, r, 0, 1);
	if (zt_db_scope_tenant(req, &err, a.tenant_id, "") != ZT_OK ||
	    lock_for_refund(req, id, &a, &r) != ZT_OK)
		return -1;
	if (strcmp(PQgetvalue(r, 0, CL_STATUS), "confirmed") != 0)
		return 1; /* refunded meanwhile */
	const char *payment_row, *ppid;
	long long left = captured(req, r, &payment_row, &ppid);
	if (unwind(req, &a, id, payment_row, ppid, left,
		zt_arena_printf(req->arena, "evcancel-%s", id),
		"the event was cancelled", "booking.refunded") != ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	zt__run_after(req, &a);
	return 1;
}

int
zt_refund_cancelled_events(int limit, int *done)
{
	return zt__run_steps(cancelled_event_one, limit, done);
}

static int
retry_refund_one(struct zt_req *req)
{
	struct zt_error dberr = ZT_ERROR_INIT;
	PGresult *r;
	if (zt_db_begin_system(req, &dberr) != ZT_OK ||
	    (r = zt_db_exec(req, &dberr, &q_unsent_refunds, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = zt__dup(req, r, 0, UR_ID);
	const char *tenant = zt__dup(req, r, 0, UR_TENANT);
	const char *amount = zt__dup(req, r, 0, UR_AMOUNT);
	const char *payment = zt__dup(req, r, 0, UR_PAYMENT);
	const char *ppid = zt__dup(req, r, 0, UR_PROVIDER_PAYMENT);
	const char *key = zt__dup(req, r, 0, UR_KEY);
	const char *state = zt__dup(req, r, 0, UR_STATUS);
	const char *rid = zt__dup(req, r, 0, UR_PROVIDER_REFUND);
	const char *lp[2] = {id, state};
	if (zt_db_scope_tenant(req, &dberr, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &dberr, &q_refund_lock, lp)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	if (*rid != '\0' && strcmp(state, "pending") == 0) {
		/* Razorpay has it but never told us the end (a webhook that
		 * raced our own record of the id): ask */
		struct zt_razorpay_cfg cfg;
		struct zt_razorpay_refund out;
		struct zt_razorpay_err err;
		struct zt_razorpay_event ev;
		struct zt__after a;
		const char *p[1] = {id};
		zt_server_razorpay_cfg(&cfg);
		memset(&a, 0, sizeof(a));
		memset(&ev, 0, sizeof(ev));
		if (zt_db_exec(req, &dberr, &q_touch_refund, p) == NULL)
			return -1;
		if (zt_razorpay_refund_fetch(&cfg, rid, &out, &err) == 0 &&
		    strcmp(out.status, "pending") != 0) {
			ev.has_refund = 1;
			ev.refund = out;
			snprintf(ev.event, sizeof(ev.event), "refund.%s",
			    strcmp(out.status, "processed") == 0 ? "processed"
								 : "failed");
			if (zt__refund_webhook(req, &ev, &a) != ZT_OK)
				return -1;
		}
		return zt_db_commit(req, &dberr) == ZT_OK ? 1 : -1;
	}
	if (strcmp(state, "failed") == 0) {
		/* a new attempt under a new key, with its amount reserved
		 * again (a failed refund gave it back) */
		const char *k2 = zt_arena_printf(
		    req->arena, "%.100s-r%ld", key, (long)time(NULL));
		const char *p[2] = {id, k2}, *q[2] = {payment, amount};
		if (zt_db_exec(req, &dberr, &q_rerefund, q) == NULL ||
		    zt_db_exec(req, &dberr, &q_refund_retry, p) == NULL)
			return -1;
		key = k2;
	} else {
		const char *p[1] = {id};
		if (zt_db_exec(req, &dberr, &q_touch_refund, p) == NULL)
			return -1;
	}
	if (zt_db_commit(req, &dberr) != ZT_OK)
		return -1;
	zt__refund_send(req, tenant, id, ppid, atoll(amount), key);
	return 1;
}

int
zt_refund_retry(int limit, int *done)
{
	return zt__run_steps(retry_refund_one, limit, done);
}
