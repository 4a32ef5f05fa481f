/*
 * zt_settle.c - a captured payment settles a booking, through Checkout's
 * proof (zt_settle_confirm) or Razorpay's webhook (zt_settle_webhook);
 * see zt_settle.h.  A refund's end from the webhook is zt_refund.c's.
 */
#include "zt_metrics.h"
#include "zt_settle.h"
#include "zt_booking_int.h"
#include "zt_crypto.h"
#include "zt_payout.h"
#include "zt_razorpay.h"
#include "zt_server.h"
#include "zt_whout.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Issuing the tickets of a pending booking from its lines, in one
 * statement: the GA units by the update guarded by capacity, the tickets,
 * the booking confirmed.  Returns the GA types taken and the GA lines:
 * fewer taken is sold out, and a seat with a live ticket fails the insert
 * on the partial unique index; either way the caller rolls the whole back
 * to its savepoint.
 */
static struct zt_sql q_issue = ZT_SQL("bk_issue",
    "WITH g AS (UPDATE ticket_types tt SET sold = tt.sold + bi.quantity"
    "  FROM booking_items bi WHERE bi.booking_id = $1"
    "  AND tt.id = bi.ticket_type_id AND tt.sold + bi.quantity <= tt.capacity"
    "  RETURNING tt.id),"
    " t AS (INSERT INTO tickets (tenant_id, event_id, booking_id, user_id,"
    "  seat_id, ticket_type_id, price_paise)"
    "  SELECT bi.tenant_id, bi.event_id, bi.booking_id, b.user_id,"
    "  bi.seat_id, bi.ticket_type_id, bi.unit_price_paise"
    "  FROM booking_items bi JOIN bookings b ON b.id = bi.booking_id"
    "  CROSS JOIN LATERAL generate_series(1, bi.quantity)"
    "  WHERE bi.booking_id = $1),"
    " c AS (UPDATE bookings SET status = 'confirmed', confirmed_at = now()"
    "  WHERE id = $1)"
    " SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM booking_items"
    "  WHERE booking_id = $1 AND ticket_type_id IS NOT NULL)",
    1);

/* settling */
static struct zt_sql q_find_by_order = ZT_SQL("bk_find_by_order",
    "SELECT b.id, b.tenant_id FROM payments p JOIN bookings b"
    " ON b.id = p.booking_id WHERE p.provider = 'razorpay'"
    " AND p.provider_order_id = $1",
    1);
/* the booking and its first payment, locked */
enum lock_col {
	LOCK_STATUS,
	LOCK_TOTAL,
	LOCK_USER,
	LOCK_EVENT,
	LOCK_HOLD,
	LOCK_PAYMENT, /* payments.id */
	LOCK_ORDER,   /* the Razorpay order */
	LOCK_PAID_BY, /* the Razorpay payment that settled it, or '' */
	LOCK_PAY_STATUS,
	LOCK_CLOSED, /* 't' when the order was closed on release */
	LOCK_TAKEN,  /* 't': a pending registration, its units taken already */
};
static struct zt_sql q_lock = ZT_SQL("bk_lock",
    "SELECT b.status, b.total_paise, b.user_id, b.event_id, b.hold_id,"
    " p.id, p.provider_order_id, coalesce(p.provider_payment_id, ''),"
    " p.status, coalesce(b.close_reason IN ('hold_released', 'rejected'),"
    "  false), b.status = 'pending' AND b.approval IS NOT NULL"
    " FROM bookings b JOIN payments p ON p.booking_id = b.id"
    " WHERE b.id = $1 ORDER BY p.created_at LIMIT 1"
    " FOR UPDATE OF b, p",
    1);
/* one way: created, authorized or failed (an earlier attempt) may become
 * captured; captured and refunded never go back (nor to failed:
 * q_payment_failed) */
static struct zt_sql q_captured = ZT_SQL("bk_captured",
    "UPDATE payments SET status = 'captured', provider_payment_id = $2,"
    " amount_paise = $3, captured_at = now() WHERE id = $1"
    " AND status IN ('created', 'authorized', 'failed') RETURNING id",
    3);
static struct zt_sql q_extra_payment = ZT_SQL("bk_extra_payment",
    "INSERT INTO payments (tenant_id, booking_id, provider_order_id,"
    " provider_payment_id, status, amount_paise, captured_at)"
    " SELECT tenant_id, id, $2, $3, 'captured', $4, now() FROM bookings"
    " WHERE id = $1"
    " ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING id",
    4);
static struct zt_sql q_payment_by_pid = ZT_SQL("bk_payment_by_pid",
    "SELECT id FROM payments WHERE provider = 'razorpay'"
    " AND provider_payment_id = $1",
    1);
static struct zt_sql q_payment_failed = ZT_SQL("bk_payment_failed",
    "UPDATE payments SET status = 'failed' WHERE provider = 'razorpay'"
    " AND provider_order_id = $1 AND status IN ('created', 'authorized')",
    1);
/* a replay is the same event id or the same signed body (sql/009) */
static struct zt_sql q_webhook_seen = ZT_SQL("bk_webhook_seen",
    "INSERT INTO webhook_events (provider, provider_event_id, event_type,"
    " payload, processed_at, body_sha256) VALUES ('razorpay', $1, $2,"
    " $3::jsonb, now(), $4) ON CONFLICT DO NOTHING RETURNING id",
    4);

/*
 * Issue the tickets of a booking inside a savepoint.  ZT_OK: tickets live,
 * booking confirmed.  ZT_ECONFLICT: a seat has a live ticket or a GA type is
 * sold out; everything of this attempt is rolled back and the transaction
 * goes on.
 */
enum zt_err
zt__settle_issue(struct zt_req *req, const char *booking_id)
{
	const char *p[1] = {booking_id};
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;

	if (zt_db_savepoint(req, &err, "issue") != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_issue, p)) == NULL) {
		/* a taken seat or a data rule: this attempt only */
		if (err.err != ZT_ECONFLICT && err.err != ZT_EINVALID)
			return zt_fail_error(req, &err); /* all of it goes */
		goto conflict;
	}
	/* fewer GA types taken than GA lines: sold out */
	if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)) != 0)
		goto conflict;
	if (zt_db_release(req, &err, "issue") != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
conflict:
	if (zt_db_rollback_to(req, &err, "issue") != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_ECONFLICT;
}

/* --------------------------------------------------------- settling ---- */

enum outcome {
	CONFIRMED,
	ALREADY,
	REFUNDED_LATE,
	REFUNDED_MISMATCH,
	REFUNDED_CLOSED
};

/*
 * Settle a captured payment of amount for order_id on booking_id, inside
 * the caller's transaction (already scoped to the booking's tenant).
 */
static enum zt_err
settle(struct zt_req *req, const char *booking_id, const char *order_id,
    const char *payment_id, long long amount, enum outcome *out,
    struct zt__after *a)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[4];
	char amt[24];
	PGresult *r;
	enum zt_err e;

	p[0] = booking_id;
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt__no_booking(req);
	const char *status = zt__dup(req, r, 0, LOCK_STATUS);
	long long total = atoll(PQgetvalue(r, 0, LOCK_TOTAL));
	const char *payment_row = zt__dup(req, r, 0, LOCK_PAYMENT);
	const char *order = zt__dup(req, r, 0, LOCK_ORDER);
	const char *paid_by = zt__dup(req, r, 0, LOCK_PAID_BY);
	a->user_id = zt__dup(req, r, 0, LOCK_USER);
	a->event_id = zt__dup(req, r, 0, LOCK_EVENT);
	a->hold_id = zt__dup(req, r, 0, LOCK_HOLD);
	a->booking_id = booking_id;
	/* its hold was given back: the seats may be held by someone else in
	 * Redis already, so it never issues (docs/bookings.md, "Closed on
	 * release") */
	int closed = PQgetvalue(r, 0, LOCK_CLOSED)[0] == 't';
	int taken = PQgetvalue(r, 0, LOCK_TAKEN)[0] == 't';

	if (order == NULL || strcmp(order, order_id) != 0)
		return zt_fail(req, ZT_EBADREQ, "order_mismatch",
		    "this payment is for another order");
	if (strcmp(paid_by, payment_id) == 0) {
		*out = ALREADY; /* the second door: same answer */
		return ZT_OK;
	}
	snprintf(amt, sizeof(amt), "%lld", amount);
	if (*paid_by != '\0' || strcmp(status, "confirmed") == 0 ||
	    strcmp(status, "refunded") == 0 || amount != total) {
		/* money we cannot use: a second payment for the order, or a
		 * wrong amount.  It becomes a payment row and a refund. */
		const char *xp[4] = {booking_id, order_id, payment_id, amt};
		if ((r = zt_db_exec(req, &err, &q_extra_payment, xp)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 0) {
			const char *q[1] = {payment_id};
			if ((r = zt_db_exec(req, &err, &q_payment_by_pid, q)) ==
			    NULL)
				return zt_fail_error(req, &err);
		}
		const char *row = zt__dup(req, r, 0, 0);
		*out = amount != total ? REFUNDED_MISMATCH : REFUNDED_LATE;
		if (amount != total && strcmp(status, "pending") == 0) {
			const char *sp[2] = {booking_id, "cancelled"};
			if (zt_db_exec(req, &err, &zt__q_status, sp) == NULL)
				return zt_fail_error(req, &err);
		}
		return zt__refund_captured(req, a, booking_id, row, payment_id,
		    amount, zt_arena_printf(req->arena, "extra-%s", payment_id),
		    amount != total ? "the amount paid did not match the order"
				    : "this order was already paid",
		    "payment.late_refunded");
	}
	p[0] = payment_row;
	p[1] = payment_id;
	p[2] = amt;
	if ((r = zt_db_exec(req, &err, &q_captured, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		*out = ALREADY; /* settled already: never captured twice */
		return ZT_OK;
	}
	e = closed ? ZT_ECONFLICT : zt__settle_issue(req, booking_id);
	if (e == ZT_OK) {
		*out = CONFIRMED;
		/* a registration consumed its hold when it was made */
		a->consume = !taken;
		a->live_type = "booking.confirmed";
		if ((e = zt__load_items(req, booking_id, a)) != ZT_OK ||
		    (e = zt_whout_event(req, a->tenant_id, "booking.confirmed",
			 "bookingId", booking_id, "paymentId", payment_id,
			 "amountPaise", amt, NULL)) != ZT_OK)
			return e;
		return zt__tell_buyer(req, booking_id, a, "booking.confirmed",
		    "amount", amount, "");
	}
	if (e != ZT_ECONFLICT)
		return e;
	/* paid, but the seats went to someone else meanwhile, or the buyer
	 * gave them back */
	*out = closed ? REFUNDED_CLOSED : REFUNDED_LATE;
	const char *sp[2] = {booking_id, "refunded"};
	if (zt_db_exec(req, &err, &zt__q_status, sp) == NULL)
		return zt_fail_error(req, &err);
	a->live_type = "booking.refunded";
	return zt__refund_captured(req, a, booking_id, payment_row, payment_id,
	    amount, zt_arena_printf(req->arena, "late-%s", payment_id),
	    closed ? "the order was closed when its hold was released"
		   : "the seats were no longer available",
	    "payment.late_refunded");
}

enum zt_err
zt_settle_confirm(struct zt_req *req, const char *booking_id,
    const char *order_id, const char *payment_id, const char *signature,
    struct json_object **out_json)
{
	struct zt_error dberr = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_payment pay;
	struct zt_razorpay_err err;
	struct zt__after a;
	enum outcome out;
	struct json_object *b = NULL;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	*out_json = NULL;
	zt_server_razorpay_cfg(&cfg);
	if (!zt_razorpay_verify_checkout(&cfg, order_id, payment_id, signature))
		return zt_fail(req, ZT_EBADREQ, "invalid_signature",
		    "field 'razorpay_signature' does not match this payment");
	/* the browser's word is not enough: ask Razorpay */
	if (zt_razorpay_payment_fetch(&cfg, payment_id, &pay, &err) != 0) {
		if (!err.retryable)
			return zt_fail(req, ZT_EBADREQ, "unknown_payment",
			    "field 'razorpay_payment_id' names no payment");
		return zt_fail(req, ZT_EUPSTREAM, "payment_unavailable",
		    "could not check the payment with Razorpay; try again");
	}
	if (strcmp(pay.order_id, order_id) != 0)
		return zt_fail(req, ZT_EBADREQ, "order_mismatch",
		    "this payment is for another order");
	if (strcmp(pay.status, "authorized") == 0) {
		if (zt_razorpay_payment_capture(
			&cfg, payment_id, pay.amount, &pay, &err) != 0)
			return zt_fail(req, ZT_EUPSTREAM, "payment_unavailable",
			    "could not capture the payment; try again");
	}
	if (!pay.captured && strcmp(pay.status, "captured") != 0)
		return zt_fail(req, ZT_ECONFLICT, "payment_not_captured",
		    "the payment has not gone through (%s)", pay.status);

	if ((e = zt__begin_as_buyer(req, booking_id, &a.tenant_id)) != ZT_OK)
		return e;
	if ((e = settle(req, booking_id, order_id, payment_id, pay.amount, &out,
		 &a)) != ZT_OK)
		return e;
	/*
	 * The answer, read before COMMIT in this transaction: the tenant scope
	 * shows the same rows of this booking as the buyer's own would (every
	 * ticket of it is the buyer's), and no second transaction is needed.
	 */
	if ((out == CONFIRMED || out == ALREADY) &&
	    (e = zt__booking_json_with(
		 req, booking_id, a.got, a.items, 0, &b)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &dberr) != ZT_OK) {
		json_object_put(b);
		return zt_fail_error(req, &dberr);
	}
	zt__run_after(req, &a);
	if (out == REFUNDED_MISMATCH)
		return zt_fail(req, ZT_EBADREQ, "amount_mismatch",
		    "the amount paid does not match the order; it has been "
		    "refunded");
	if (out == REFUNDED_LATE)
		return zt_fail(req, ZT_ECONFLICT, "seats_gone",
		    "the seats were taken before the payment arrived; the "
		    "payment has been refunded in full");
	if (out == REFUNDED_CLOSED)
		return zt_fail(req, ZT_ECONFLICT, "order_closed",
		    "this order was closed when its seats were released; the "
		    "payment has been refunded in full");
	*out_json = b;
	return ZT_OK;
}

/* ---------------------------------------------------------- webhooks ---- */

/* {"status": status} */
static struct json_object *
webhook_answer(const char *status)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(status));
	return o;
}

enum zt_err
zt_settle_webhook(struct zt_req *req, struct json_object **out_json)
{
	struct zt_error dberr = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_event ev;
	struct zt_razorpay_err err;
	struct zt__after a;
	enum outcome out;
	const char *sig = zt_header(req, "X-Razorpay-Signature");
	const char *event_id = zt_header(req, "X-Razorpay-Event-Id");
	const char *p[4];
	unsigned char hash[crypto_hash_sha256_BYTES];
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	*out_json = NULL;
	zt_server_razorpay_cfg(&cfg);
	if (req->body == NULL || sig == NULL ||
	    !zt_razorpay_verify_webhook(&cfg, req->body, req->body_len, sig))
		return zt_fail(req, ZT_EBADREQ, "invalid_signature",
		    "X-Razorpay-Signature does not match the body");
	if (event_id == NULL || *event_id == '\0' || strlen(event_id) > 100)
		return zt_fail(req, ZT_EBADREQ, "missing_event_id",
		    "x-razorpay-event-id is required");
	if (zt_razorpay_event_parse(req->body, req->body_len, &ev, &err) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_event", "%s", err.msg);

	if (zt_db_begin_system(req, &dberr) != ZT_OK)
		return zt_fail_error(req, &dberr);
	/* the signed bytes themselves, not the unsigned event id header */
	crypto_hash_sha256(
	    hash, (const unsigned char *)req->body, req->body_len);
	p[0] = event_id;
	p[1] = ev.event;
	p[2] = req->body;
	p[3] = zt_hex(req->arena, hash, sizeof(hash));
	if ((r = zt_db_exec(req, &dberr, &q_webhook_seen, p)) == NULL)
		return zt_fail_error(req, &dberr);
	if (PQntuples(r) == 0) {
		/* a replay: the first delivery already had its effect */
		zt_db_rollback();
		*out_json = webhook_answer("duplicate");
		return ZT_OK;
	}

	const char *order = ev.has_payment ? ev.payment.order_id
			    : ev.has_order ? ev.order.id
					   : "";
	if ((strcmp(ev.event, "payment.captured") == 0 ||
		strcmp(ev.event, "order.paid") == 0) &&
	    ev.has_payment && ev.payment.id[0] && *order) {
		p[0] = order;
		if ((r = zt_db_exec(req, &dberr, &q_find_by_order, p)) == NULL)
			return zt_fail_error(req, &dberr);
		if (PQntuples(r) > 0) {
			const char *booking = zt__dup(req, r, 0, 0);
			a.tenant_id = zt__dup(req, r, 0, 1);
			if (zt_db_scope_tenant(req, &dberr, a.tenant_id, "") !=
			    ZT_OK)
				return zt_fail_error(req, &dberr);
			if ((e = settle(req, booking, order, ev.payment.id,
				 ev.payment.amount, &out, &a)) != ZT_OK &&
			    e != ZT_EBADREQ)
				return e;
			/* a payment that does not match its booking is
			 * recorded, not refused: Razorpay would resend */
			if (e == ZT_EBADREQ)
				zt_fail_clear(req);
		}
	} else if (strcmp(ev.event, "payment.failed") == 0 && *order) {
		p[0] = order;
		if (zt_db_exec(req, &dberr, &q_payment_failed, p) == NULL)
			return zt_fail_error(req, &dberr);
		zt_metrics_count(ZT_MC_PAYMENTS_FAILED, 1);
	} else if (strncmp(ev.event, "refund.", 7) == 0 && ev.has_refund &&
		   (strcmp(ev.event, "refund.processed") == 0 ||
		       strcmp(ev.event, "refund.failed") == 0)) {
		if ((e = zt__refund_webhook(req, &ev, &a)) != ZT_OK)
			return e;
	} else if ((strncmp(ev.event, "transfer.", 9) == 0 &&
		       ev.has_transfer) ||
		   (strncmp(ev.event, "payout.", 7) == 0 && ev.has_payout)) {
		/* a payout's transfer or RazorpayX payout moved
		 * (lib/zt_payout.c) */
		if ((e = zt_payout_webhook(req, &ev)) != ZT_OK)
			return e;
	}
	if (zt_db_commit(req, &dberr) != ZT_OK)
		return zt_fail_error(req, &dberr);
	zt__run_after(req, &a);
	*out_json = webhook_answer("processed");
	return ZT_OK;
}

enum zt_err
zt_settle_found(struct zt_req *req, const char *order_id,
    const char *payment_id, long long amount, int *found)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt__after a;
	enum outcome out;
	const char *p[1] = {order_id};
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	*found = 0;
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_find_by_order, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return ZT_OK;
	}
	*found = 1;
	const char *booking = zt__dup(req, r, 0, 0);
	a.tenant_id = zt__dup(req, r, 0, 1);
	if (zt_db_scope_tenant(req, &err, a.tenant_id, "") != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = settle(req, booking, order_id, payment_id, amount, &out,
		 &a)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt__run_after(req, &a);
	return ZT_OK;
}
