/* zt_booking.c - orders, payments, tickets, refunds; see zt_booking.h. */
#include "zt_booking.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_hold.h"
#include "zt_json.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_outbox.h"
#include "zt_price.h"
#include "zt_razorpay.h"
#include "zt_server.h"
#include "zt_team.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GRACE_SECS "120" /* a pending booking outlives its hold by this */
/* the built-in admin row cron and webhooks read across tenants with */
#define SYSTEM_ADMIN "00000000-0000-4000-8000-000000000001"

/* ------------------------------------------------------------ SQL ---- */

/* a timestamptz as the API shows it */
#define ISO(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * Creating a booking (docs/bookings.md) is four statements: the event with
 * everything the answer and the confirmation need about it and the buyer
 * (users has no row security; the event is read through the public
 * catalogue policy), the prices of the hold with the buyer's bought count,
 * the buyer's pending bookings, and the insert of it all.
 */
static struct zt_sql q_event = ZT_SQL("bk_event",
    "SELECT e.tenant_id, e.status, e.per_user_limit, e.title,"
    " " ISO("e.starts_at") ", e.venue_name,"
    " e.refund_policy = 'before_start' AND now() < e.starts_at"
    "  - make_interval(hours => coalesce(e.refund_cutoff_hours, 0)),"
    " coalesce(e.refund_fee_paise, 0), coalesce(e.refund_fee_bps, 0),"
    " u.name, u.email, u.phone"
    " FROM events e LEFT JOIN users u ON u.id = $2 WHERE e.id = $1", 2);
/*
 * Kind 0: the held seats ($2) on sale, with price and label; kind 1: the
 * held GA types ($3); kind 2: the buyer's live tickets for the event, the
 * per-user limit's truth.  Every table is narrowed to the event by a plain
 * (leakproof) equality, which PostgreSQL applies before the row policies:
 * without pc.event_id = $1 it ran public_read's function on every other
 * event's price categories (docs/benchmarks.md, section 12).
 */
static struct zt_sql q_lines = ZT_SQL("bk_lines",
    "SELECT 0, s.id, pc.price_paise,"
    "  s.section || ' ' || s.row_label || s.seat_label"
    " FROM seats s JOIN price_categories pc"
    "  ON pc.event_id = $1 AND pc.id = s.price_category_id"
    " WHERE s.event_id = $1 AND s.id = ANY($2::uuid[]) AND NOT s.blocked"
    " UNION ALL SELECT 1, tt.id, tt.price_paise, tt.name FROM ticket_types tt"
    " WHERE tt.event_id = $1 AND tt.id = ANY($3::uuid[])"
    " UNION ALL SELECT 2, NULL, count(*), NULL FROM tickets"
    " WHERE event_id = $1 AND user_id = $4 AND status = 'live'", 4);
/* the buyer's pending bookings for the event, with their items as
 * "id:qty,…" (sorted like hold_sig) */
static struct zt_sql q_pending = ZT_SQL("bk_pending",
    "SELECT b.id, (SELECT string_agg(coalesce(bi.seat_id,"
    "  bi.ticket_type_id)::text || ':' || bi.quantity, ',' ORDER BY"
    "  coalesce(bi.seat_id, bi.ticket_type_id)) FROM booking_items bi"
    "  WHERE bi.booking_id = b.id),"
    " (SELECT p.amount_paise FROM payments p WHERE p.booking_id = b.id"
    "  AND p.provider_order_id IS NULL)" /* an order still to place */
    " FROM bookings b WHERE b.user_id = $1 AND b.event_id = $2"
    " AND b.status = 'pending' FOR UPDATE OF b", 2);
static struct zt_sql q_supersede = ZT_SQL("bk_supersede",
    "UPDATE bookings SET status = 'cancelled', cancelled_at = now()"
    " WHERE id = $1 AND status = 'pending'", 1);
/*
 * The booking, its lines ($15-$18, arrays) and either its payment row or,
 * when it is free ($14), its tickets: a free booking is inserted confirmed.
 * Its GA units are taken by the guarded update — the caller compares the
 * types taken (column 4) with its GA lines: fewer is sold out — and a seat
 * with a live ticket fails the insert on the partial unique index.  Either
 * failure fails the caller's whole transaction, so nothing is half done.
 * One row per ticket (one row with NULL ticket columns when none), in
 * ticket id order.
 */
static struct zt_sql q_create = ZT_SQL("bk_create",
    "WITH b AS (INSERT INTO bookings (id, tenant_id, event_id, user_id,"
    "  status, subtotal_paise, fee_paise, tax_paise, total_paise, hold_id,"
    "  expires_at, buyer_name, buyer_email, buyer_phone, confirmed_at)"
    "  VALUES ($1, $2, $3, $4,"
    "  CASE WHEN $14::boolean THEN 'confirmed' ELSE 'pending' END,"
    "  $5, $6, $7, $8, $9,"
    "  to_timestamp($10::bigint / 1000.0) + interval '" GRACE_SECS " seconds',"
    "  $11, $12, $13, CASE WHEN $14::boolean THEN now() END)"
    "  RETURNING expires_at, created_at, confirmed_at),"
    " l AS (SELECT * FROM unnest($15::uuid[], $16::uuid[], $17::int[],"
    "  $18::bigint[]) AS l(seat, type, qty, price)),"
    " i AS (INSERT INTO booking_items (tenant_id, booking_id, event_id,"
    "  seat_id, ticket_type_id, quantity, unit_price_paise)"
    "  SELECT $2, $1, $3, l.seat, l.type, l.qty, l.price FROM l),"
    " g AS (UPDATE ticket_types tt SET sold = tt.sold + l.qty FROM l"
    "  WHERE $14::boolean AND tt.id = l.type"
    "  AND tt.sold + l.qty <= tt.capacity RETURNING tt.id),"
    " t AS (INSERT INTO tickets (tenant_id, event_id, booking_id, user_id,"
    "  seat_id, ticket_type_id, price_paise)"
    "  SELECT $2, $3, $1, $4, l.seat, l.type, l.price FROM l"
    "  CROSS JOIN LATERAL generate_series(1, l.qty) WHERE $14::boolean"
    "  RETURNING id, seat_id, ticket_type_id, price_paise),"
    " p AS (INSERT INTO payments (tenant_id, booking_id, amount_paise)"
    "  SELECT $2, $1, $8 WHERE NOT $14::boolean)"
    " SELECT " ISO("b.expires_at") ", " ISO("b.created_at") ","
    "  " ISO("b.confirmed_at") ", (SELECT count(*) FROM g),"
    "  t.id, t.seat_id, t.ticket_type_id, t.price_paise"
    " FROM b LEFT JOIN t ON true ORDER BY t.id", 18);
static struct zt_sql q_payment_order = ZT_SQL("bk_payment_order",
    "UPDATE payments SET provider_order_id = $2 WHERE booking_id = $1"
    " AND provider_order_id IS NULL", 2);
static struct zt_sql q_cancel_unpaid = ZT_SQL("bk_cancel_unpaid",
    "UPDATE bookings SET status = 'cancelled', cancelled_at = now()"
    " WHERE id = $1 AND status = 'pending'", 1);

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
    "  WHERE booking_id = $1 AND ticket_type_id IS NOT NULL)", 1);

/* settling */
static struct zt_sql q_find_by_order = ZT_SQL("bk_find_by_order",
    "SELECT b.id, b.tenant_id FROM payments p JOIN bookings b"
    " ON b.id = p.booking_id WHERE p.provider = 'razorpay'"
    " AND p.provider_order_id = $1", 1);
static struct zt_sql q_find = ZT_SQL("bk_find",
    "SELECT tenant_id, user_id FROM bookings WHERE id = $1", 1);
static struct zt_sql q_lock = ZT_SQL("bk_lock",
    "SELECT b.status, b.total_paise, b.user_id, b.event_id, b.hold_id,"
    " p.id, p.provider_order_id, coalesce(p.provider_payment_id, ''),"
    " p.status FROM bookings b JOIN payments p ON p.booking_id = b.id"
    " WHERE b.id = $1 ORDER BY p.created_at LIMIT 1"
    " FOR UPDATE OF b, p", 1);
/* one way: created, authorized or failed (an earlier attempt) may become
 * captured; captured and refunded never go back (nor to failed:
 * q_payment_failed) */
static struct zt_sql q_captured = ZT_SQL("bk_captured",
    "UPDATE payments SET status = 'captured', provider_payment_id = $2,"
    " amount_paise = $3, captured_at = now() WHERE id = $1"
    " AND status IN ('created', 'authorized', 'failed') RETURNING id", 3);
static struct zt_sql q_extra_payment = ZT_SQL("bk_extra_payment",
    "INSERT INTO payments (tenant_id, booking_id, provider_order_id,"
    " provider_payment_id, status, amount_paise, captured_at)"
    " SELECT tenant_id, id, $2, $3, 'captured', $4, now() FROM bookings"
    " WHERE id = $1"
    " ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING id", 4);
static struct zt_sql q_payment_by_pid = ZT_SQL("bk_payment_by_pid",
    "SELECT id FROM payments WHERE provider = 'razorpay'"
    " AND provider_payment_id = $1", 1);
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
    " SELECT id FROM i", 4);
static struct zt_sql q_status = ZT_SQL("bk_status",
    "UPDATE bookings SET status = $2, cancelled_at = now() WHERE id = $1",
    2);
static struct zt_sql q_payment_failed = ZT_SQL("bk_payment_failed",
    "UPDATE payments SET status = 'failed' WHERE provider = 'razorpay'"
    " AND provider_order_id = $1 AND status IN ('created', 'authorized')",
    1);
/* a replay is the same event id or the same signed body (sql/009) */
static struct zt_sql q_webhook_seen = ZT_SQL("bk_webhook_seen",
    "INSERT INTO webhook_events (provider, provider_event_id, event_type,"
    " payload, processed_at, body_sha256) VALUES ('razorpay', $1, $2,"
    " $3::jsonb, now(), $4) ON CONFLICT DO NOTHING RETURNING id", 4);
/* a webhook may have settled the refund already: never go back */
static struct zt_sql q_refund_sent = ZT_SQL("bk_refund_sent",
    "UPDATE refunds SET provider_refund_id = $2,"
    " status = CASE WHEN status <> 'pending' AND provider_refund_id = $2"
    "   THEN status ELSE $3 END,"
    " processed_at = CASE WHEN status <> 'pending' AND provider_refund_id"
    "   = $2 THEN processed_at WHEN $3 = 'processed' THEN now() END"
    " WHERE id = $1 RETURNING payment_id, status", 3);
/* a webhook that beat our record of the refund id: the unsent refund of
 * that payment with that amount is the one */
static struct zt_sql q_refund_unclaimed = ZT_SQL("bk_refund_unclaimed",
    "SELECT r.tenant_id, r.id FROM refunds r JOIN payments p"
    " ON p.id = r.payment_id WHERE p.provider_payment_id = $1"
    " AND r.provider_refund_id IS NULL AND r.amount_paise = $2"
    " ORDER BY r.created_at LIMIT 1", 2);
static struct zt_sql q_refund_claim = ZT_SQL("bk_refund_claim",
    "UPDATE refunds SET provider_refund_id = $2 WHERE id = $1"
    " AND provider_refund_id IS NULL", 2);
/* one way: only a pending refund ends, as processed or failed; an end
 * never changes again (a replayed refund.failed after refund.processed
 * would otherwise give the money back to refund twice) */
static struct zt_sql q_refund_state = ZT_SQL("bk_refund_state",
    "UPDATE refunds SET status = $2, processed_at = CASE WHEN $2 ="
    " 'processed' THEN now() END WHERE provider_refund_id = $1"
    " AND status = 'pending' RETURNING id, payment_id, amount_paise", 2);
static struct zt_sql q_refund_tenant = ZT_SQL("bk_refund_tenant",
    "SELECT tenant_id FROM refunds WHERE provider_refund_id = $1", 1);
static struct zt_sql q_unrefund = ZT_SQL("bk_unrefund",
    "UPDATE payments SET refunded_paise = refunded_paise - $2"
    " WHERE id = $1 AND refunded_paise >= $2", 2);
static struct zt_sql q_payment_refunded = ZT_SQL("bk_payment_refunded",
    "UPDATE payments p SET status = 'refunded' WHERE p.id = $1"
    " AND p.refunded_paise = p.amount_paise AND NOT EXISTS (SELECT 1"
    " FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'processed')"
    " RETURNING booking_id", 1);

/*
 * A booking's event as e, read by its key alone.  A plain join of a
 * small events table is planned as a scan of every event, and each other
 * tenant's event then runs the public_read policy's function before the
 * join compares ids (docs/benchmarks.md, section 19); the LIMIT keeps the
 * subquery a parameterised lookup.
 */
#define EVENT_OF(b) "(SELECT * FROM events e WHERE e.id = " b ".event_id" \
    " LIMIT 1) e"

/* reads */
static struct zt_sql q_get = ZT_SQL("bk_get",
    "SELECT b.id, b.status, b.event_id, b.tenant_id, b.subtotal_paise,"
    " b.fee_paise, b.tax_paise, b.total_paise, b.currency,"
    " to_char(b.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " to_char(b.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " e.title, to_char(e.starts_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), e.venue_name, b.user_id,"
    " b.buyer_name, b.buyer_email, b.buyer_phone,"
    " b.status = 'confirmed' AND e.refund_policy = 'before_start'"
    "  AND now() < e.starts_at - make_interval(hours =>"
    "  coalesce(e.refund_cutoff_hours, 0)),"
    " coalesce(e.refund_fee_paise, 0), coalesce(e.refund_fee_bps, 0)"
    " FROM bookings b CROSS JOIN LATERAL " EVENT_OF("b") " WHERE b.id = $1", 1);
/*
 * Each label is a subquery narrowed to the item's event: a join let the
 * plan scan every tenant's ticket types, running their public_read policy
 * function on each (docs/benchmarks.md, section 19).
 */
static struct zt_sql q_get_items = ZT_SQL("bk_get_items",
    "SELECT bi.seat_id, bi.ticket_type_id, bi.quantity, bi.unit_price_paise,"
    " coalesce((SELECT s.section || ' ' || s.row_label || s.seat_label"
    "  FROM seats s WHERE s.event_id = bi.event_id AND s.id = bi.seat_id),"
    " (SELECT tt.name FROM ticket_types tt WHERE tt.event_id = bi.event_id"
    "  AND tt.id = bi.ticket_type_id))"
    " FROM booking_items bi WHERE bi.booking_id = $1 ORDER BY 5", 1);
static struct zt_sql q_get_tickets = ZT_SQL("bk_get_tickets",
    "SELECT id, seat_id, ticket_type_id, price_paise, status,"
    " to_char(checked_in_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM tickets WHERE booking_id = $1 ORDER BY created_at, id", 1);
static struct zt_sql q_get_payment = ZT_SQL("bk_get_payment",
    "SELECT provider_order_id, status, amount_paise, refunded_paise"
    " FROM payments WHERE booking_id = $1 ORDER BY created_at LIMIT 1", 1);
static struct zt_sql q_mine = ZT_SQL("bk_mine",
    "SELECT b.id FROM bookings b WHERE b.user_id = $1"
    " AND b.status <> 'cancelled' ORDER BY b.created_at DESC LIMIT 100", 1);
/* an event of the caller's tenant (another tenant's listed event is
 * visible through the catalogue policy, so the tenant is compared) */
static struct zt_sql q_own_event = ZT_SQL("bk_own_event",
    "SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_list = ZT_SQL("bk_list",
    "SELECT b.id FROM bookings b WHERE b.event_id = $1"
    " AND b.status IN ('confirmed', 'refunded', 'cancelled')"
    " ORDER BY b.created_at DESC LIMIT 500", 1);

/* cancel / refund */
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
    " FROM bookings b CROSS JOIN LATERAL " EVENT_OF("b")
    " WHERE b.id = $1 FOR UPDATE OF b", 1);
static struct zt_sql q_cancel_tickets = ZT_SQL("bk_cancel_tickets",
    "UPDATE tickets SET status = $2 WHERE booking_id = $1"
    " AND status = 'live' RETURNING seat_id, ticket_type_id", 2);
static struct zt_sql q_return_ga = ZT_SQL("bk_return_ga",
    "UPDATE ticket_types tt SET sold = tt.sold - bi.quantity"
    " FROM booking_items bi WHERE bi.booking_id = $1"
    " AND tt.id = bi.ticket_type_id AND tt.sold >= bi.quantity", 1);

/* cron */
static struct zt_sql q_system = ZT_SQL("bk_system",
    "SELECT set_config('app.admin_id', '" SYSTEM_ADMIN "', true)", 0);
/*
 * Cron finds work under the system admin's read-only scope, then locks
 * each row under its own tenant: FOR UPDATE needs the UPDATE policies,
 * which only a tenant scope passes.
 */
static struct zt_sql q_due = ZT_SQL("bk_due",
    "SELECT id, tenant_id FROM bookings WHERE status = 'pending'"
    " AND expires_at < now() ORDER BY expires_at LIMIT 1", 0);
static struct zt_sql q_due_lock = ZT_SQL("bk_due_lock",
    "SELECT event_id, user_id, coalesce(hold_id, '') FROM bookings"
    " WHERE id = $1 AND status = 'pending' AND expires_at < now()"
    " FOR UPDATE SKIP LOCKED", 1);
static struct zt_sql q_expired = ZT_SQL("bk_expired",
    "UPDATE bookings SET status = 'expired' WHERE id = $1", 1);
static struct zt_sql q_cancelled_events = ZT_SQL("bk_cancelled_events",
    "SELECT b.id, b.tenant_id FROM bookings b JOIN events e"
    " ON e.id = b.event_id WHERE e.status = 'cancelled'"
    " AND b.status = 'confirmed' LIMIT 1", 0);
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
    " ORDER BY r.created_at LIMIT 1", 0);
static struct zt_sql q_refund_lock = ZT_SQL("bk_refund_lock",
    "SELECT id FROM refunds WHERE id = $1 AND status = $2"
    " FOR UPDATE SKIP LOCKED", 2);
static struct zt_sql q_refund_retry = ZT_SQL("bk_refund_retry",
    "UPDATE refunds SET status = 'pending', provider_refund_id = NULL,"
    " idempotency_key = $2 WHERE id = $1", 2);
static struct zt_sql q_touch_refund = ZT_SQL("bk_touch_refund",
    "UPDATE refunds SET updated_at = now() WHERE id = $1", 1);
static struct zt_sql q_rerefund = ZT_SQL("bk_rerefund",
    "UPDATE payments SET refunded_paise = refunded_paise + $2"
    " WHERE id = $1 AND refunded_paise + $2 <= amount_paise", 2);

/* ---------------------------------------------------------- helpers ---- */

/* What to do once the transaction has committed. */
struct after {
	int consume;          /* the hold's seats/units were sold */
	int unsell;           /* cancelled tickets go back on sale */
	const char *event_id, *user_id, *hold_id, *tenant_id, *booking_id;
	const char **seats;
	size_t nseats;
	struct zt_hold_ga *ga;
	size_t nga;
	const char *refund_id; /* a refund to send to Razorpay */
	const char *refund_payment, *refund_key;
	long long refund_amount;
	const char *live_type; /* booking.confirmed, booking.refunded */
	int born_settled;      /* created and confirmed by this request: no
	                        * one can be listening on booking:<id> yet */
	/* q_get and q_get_items of the booking, once read after its last
	 * change in this transaction (reused by the email and the answer) */
	const PGresult *got, *items;
};

static const char *
dup(struct zt_req *req, const PGresult *r, int row, int col)
{
	const char *v = zt_db_val(r, row, col);
	return v ? zt_arena_strdup(req->arena, v) : NULL;
}

static enum zt_err
system_scope(struct zt_req *req)
{
	/* goes with the transaction's first statement */
	return zt_db_queue(req, &q_system, NULL, NULL);
}

static const char *
checkout_script(const struct zt_razorpay_cfg *c, struct zt_req *req)
{
	const char *base = c->base_url ? c->base_url : ZT_RAZORPAY_BASE;
	if (strcmp(base, ZT_RAZORPAY_BASE) == 0)
		return "https://checkout.razorpay.com/v1/checkout.js";
	return zt_arena_printf(req->arena, "%s/v1/checkout.js", base);
}

/* Tell the organizers' dashboard and the buyer (unless buyer is 0: the
 * booking is younger than any subscription to it) what happened. */
static void
publish_booking(struct zt_req *req, const char *type, const char *tenant_id,
    const char *booking_id, const char *event_id, int buyer)
{
	struct json_object *m = json_object_new_object();
	size_t len;
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "bookingId", json_object_new_string(booking_id));
	json_object_object_add(m, "eventId", json_object_new_string(event_id));
	const char *text = zt_json_text(req, m, &len);
	json_object_put(m);
	zt_live_publish(zt_arena_printf(req->arena, "tenant:%s", tenant_id),
	    text, len);
	if (buyer)
		zt_live_publish(zt_arena_printf(req->arena, "booking:%s",
		    booking_id), text, len);
}

/* Send a refund row to Razorpay and record what it said. */
static void
send_refund(struct zt_req *req, const char *tenant_id, const char *refund_id,
    const char *provider_payment_id, long long amount, const char *key)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_refund_req rr;
	struct zt_razorpay_refund out;
	struct zt_razorpay_err err;
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
	if (zt_db_begin_as(req, tenant_id, "") != ZT_OK)
		return;
	p[0] = refund_id;
	p[1] = out.id;
	p[2] = strcmp(out.status, "processed") == 0 ? "processed" : "pending";
	PGresult *r = zt_db_exec(req, &q_refund_sent, p);
	if (r != NULL && PQntuples(r) == 1 &&
	    strcmp(PQgetvalue(r, 0, 1), "processed") == 0) {
		const char *q[1] = {PQgetvalue(r, 0, 0)};
		r = zt_db_exec(req, &q_payment_refunded, q);
	}
	if (r != NULL)
		zt_db_commit(req);
	zt_db_rollback();
	req->err = ZT_OK; /* the refund is safe in the table either way */
}

static void
run_after(struct zt_req *req, const struct after *a)
{
	enum zt_err saved = req->err;
	if (a->consume)
		zt_hold_consume(req, a->event_id, a->user_id,
		    a->hold_id ? a->hold_id : "", a->seats, a->nseats, a->ga,
		    a->nga);
	if (a->unsell)
		zt_hold_unsell(req, a->event_id, a->user_id, a->seats,
		    a->nseats, a->ga, a->nga);
	req->err = saved; /* Redis trouble never undoes a committed sale */
	if (a->refund_id)
		send_refund(req, a->tenant_id, a->refund_id, a->refund_payment,
		    a->refund_amount, a->refund_key);
	if (a->live_type)
		publish_booking(req, a->live_type, a->tenant_id, a->booking_id,
		    a->event_id, !a->born_settled);
}

/* Load the seats and GA lines of a booking into a (for Redis). */
static enum zt_err
load_items(struct zt_req *req, const char *booking_id, struct after *a)
{
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &q_get_items, p);
	if (r == NULL)
		return req->err;
	a->items = r;
	int n = PQntuples(r);
	a->seats = zt_arena_array(req->arena, (size_t)n + 1, sizeof(char *));
	a->ga = zt_arena_array(req->arena, (size_t)n + 1, sizeof(*a->ga));
	a->nseats = a->nga = 0;
	for (int i = 0; i < n; i++) {
		if (!PQgetisnull(r, i, 0)) {
			a->seats[a->nseats++] = dup(req, r, i, 0);
		} else {
			a->ga[a->nga].type_id = dup(req, r, i, 1);
			a->ga[a->nga].quantity = atoi(PQgetvalue(r, i, 2));
			a->nga++;
		}
	}
	return ZT_OK;
}

/* What a message to a buyer says about the booking (borrowed strings). */
struct buyer_facts {
	const char *name, *email, *phone; /* NULL when unknown */
	const char *title, *when, *venue; /* the event */
	long long total;
	const char *summary; /* "1 x A 1, 2 x Floor" */
};

/* summary with one more line of a booking: "1 x A 1, 2 x Floor" */
static const char *
summary_add(struct zt_req *req, const char *summary, const char *qty,
    const char *label)
{
	return zt_arena_printf(req->arena, "%s%s%s x %s", summary,
	    *summary ? ", " : "", qty, label ? label : "");
}

/* Queue a templated message to the buyer of a booking (by email, else SMS). */
static enum zt_err
queue_buyer_msg(struct zt_req *req, const char *booking_id,
    const struct buyer_facts *f, const char *template,
    const char *amount_key, long long amount, const char *reason)
{
	struct json_object *m;
	char money[48];
	enum zt_err e;
	if (f->email == NULL && f->phone == NULL)
		return ZT_OK;
	m = json_object_new_object();
	json_object_object_add(m, "template", json_object_new_string(template));
	json_object_object_add(m, "name", json_object_new_string(
	    f->name && *f->name ? f->name : "there"));
	json_object_object_add(m, "bookingRef",
	    json_object_new_string(zt_arena_printf(req->arena, "ZT-%.8s",
	        booking_id)));
	json_object_object_add(m, "eventTitle", json_object_new_string(f->title));
	json_object_object_add(m, "eventWhen", json_object_new_string(f->when));
	json_object_object_add(m, "venue", json_object_new_string(
	    f->venue ? f->venue : "the venue"));
	json_object_object_add(m, "total", json_object_new_string(
	    zt_price_format(f->total, money, sizeof(money))));
	json_object_object_add(m, amount_key, json_object_new_string(
	    zt_price_format(amount, money, sizeof(money))));
	json_object_object_add(m, "reason", json_object_new_string(reason));
	json_object_object_add(m, "link", json_object_new_string(
	    zt_arena_printf(req->arena, "%s/tickets.html", zt_g.cfg.public_url)));
	json_object_object_add(m, "ticketSummary",
	    json_object_new_string(f->summary));
	json_object_object_add(m, "tenantName", json_object_new_string(""));
	e = zt_outbox_enqueue(req, f->email ? "email" : "sms",
	    f->email ? f->email : f->phone, m);
	json_object_put(m);
	return e;
}

/*
 * The same for a booking read back from the database; a (may be NULL)
 * lends its items when read already and keeps the q_get row for the
 * answer.
 */
static enum zt_err
tell_buyer(struct zt_req *req, const char *booking_id, struct after *a,
    const char *template, const char *amount_key, long long amount,
    const char *reason)
{
	const char *p[1] = {booking_id};
	const PGresult *items = a ? a->items : NULL;
	PGresult *r = zt_db_exec(req, &q_get, p);
	struct buyer_facts f;
	if (r == NULL)
		return req->err;
	if (a != NULL)
		a->got = r;
	if (PQntuples(r) == 0)
		return ZT_OK;
	memset(&f, 0, sizeof(f));
	f.email = zt_db_val(r, 0, 17);
	f.phone = zt_db_val(r, 0, 18);
	f.name = zt_db_val(r, 0, 16);
	if (f.email == NULL && f.phone == NULL)
		return ZT_OK;
	f.title = PQgetvalue(r, 0, 12);
	f.when = PQgetvalue(r, 0, 13);
	f.venue = zt_db_val(r, 0, 14);
	f.total = atoll(PQgetvalue(r, 0, 7));
	if (items == NULL && (items = zt_db_exec(req, &q_get_items, p)) == NULL)
		return req->err;
	f.summary = "";
	for (int i = 0; i < PQntuples(items); i++)
		f.summary = summary_add(req, f.summary, PQgetvalue(items, i, 2),
		    PQgetvalue(items, i, 4));
	return queue_buyer_msg(req, booking_id, &f, template, amount_key,
	    amount, reason);
}

/*
 * Issue the tickets of a booking inside a savepoint.  ZT_OK: tickets live,
 * booking confirmed.  ZT_ECONFLICT: a seat has a live ticket or a GA type is
 * sold out; everything of this attempt is rolled back and the transaction
 * goes on.
 */
static enum zt_err
issue(struct zt_req *req, const char *booking_id)
{
	const char *p[1] = {booking_id};
	PGresult *r;
	enum zt_err e;

	if ((e = zt_db_savepoint(req, "issue")) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_issue, p)) == NULL)
		goto failed;
	if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)) != 0) {
		zt_fail(req, ZT_ECONFLICT, "sold_out",
		    "these tickets have sold out");
		goto failed;
	}
	return zt_db_release(req, "issue");
failed:
	e = req->err;
	if (e != ZT_ECONFLICT && e != ZT_EINVALID)
		return e; /* a real failure: the whole transaction goes */
	if (zt_db_rollback_to(req, "issue") != ZT_OK)
		return req->err;
	req->err = ZT_OK;
	return ZT_ECONFLICT;
}

/* --------------------------------------------------------- creating ---- */

/* Items of the hold with their database prices; fills arrays for SQL. */
struct lines {
	size_t n;
	const char **seat, **type, **qty, **price, **label;
	int64_t *prices; /* one per ticket, for the breakdown */
	int tickets;
	int nga;    /* GA lines among the n */
	int bought; /* the buyer's live tickets for the event */
};

/* Queue q_lines for a hold: its result arrives with the next statement. */
static enum zt_err
ask_lines(struct zt_req *req, const char *event_id, const struct zt_hold *h,
    PGresult **out)
{
	const char *p[4], **ids;
	ids = zt_arena_array(req->arena, h->nga + 1, sizeof(char *));
	for (size_t i = 0; i < h->nga; i++)
		ids[i] = h->ga[i].type_id;
	p[0] = event_id;
	p[1] = zt_db_array(req, h->seats, h->nseats);
	p[2] = zt_db_array(req, ids, h->nga);
	p[3] = req->user_id;
	return zt_db_queue(req, &q_lines, p, out);
}

/* The lines of hold h priced from q_lines's result r. */
static enum zt_err
price_hold(struct zt_req *req, const struct zt_hold *h, const PGresult *r,
    struct lines *l)
{
	size_t cap = h->nseats + h->nga, nseats = 0;
	int total_tickets = (int)h->nseats;

	for (size_t i = 0; i < h->nga; i++)
		total_tickets += h->ga[i].quantity;
	memset(l, 0, sizeof(*l));
	l->seat = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->type = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->qty = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->price = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->label = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->prices = zt_arena_array(req->arena, (size_t)total_tickets + 1,
	    sizeof(int64_t));
	for (int i = 0; i < PQntuples(r); i++) {
		int kind = atoi(PQgetvalue(r, i, 0));
		if (kind == 2)
			l->bought = atoi(PQgetvalue(r, i, 2));
		if (kind != 0)
			continue;
		l->seat[l->n] = dup(req, r, i, 1);
		l->type[l->n] = NULL;
		l->qty[l->n] = "1";
		l->price[l->n] = dup(req, r, i, 2);
		l->label[l->n] = dup(req, r, i, 3);
		l->prices[l->tickets++] = atoll(PQgetvalue(r, i, 2));
		l->n++;
		nseats++;
	}
	if (nseats != h->nseats)
		return zt_fail(req, ZT_ECONFLICT, "seats_changed",
		    "some held seats are no longer for sale; choose again");
	for (size_t i = 0; i < h->nga; i++) {
		int row = -1;
		for (int k = 0; k < PQntuples(r); k++)
			if (atoi(PQgetvalue(r, k, 0)) == 1 &&
			    strcmp(PQgetvalue(r, k, 1), h->ga[i].type_id) == 0)
				row = k;
		if (row < 0)
			return zt_fail(req, ZT_ECONFLICT, "tickets_changed",
			    "a held ticket type is no longer for sale; choose "
			    "again");
		l->seat[l->n] = NULL;
		l->type[l->n] = h->ga[i].type_id;
		l->qty[l->n] = zt_arena_printf(req->arena, "%d",
		    h->ga[i].quantity);
		l->price[l->n] = dup(req, r, row, 2);
		l->label[l->n] = dup(req, r, row, 3);
		for (int q = 0; q < h->ga[i].quantity; q++)
			l->prices[l->tickets++] = atoll(PQgetvalue(r, row, 2));
		l->n++;
		l->nga++;
	}
	return ZT_OK;
}

/* "id:qty,…" of the hold, sorted like q_pending's */
static const char *
hold_sig(struct zt_req *req, const struct lines *l)
{
	const char **parts = zt_arena_array(req->arena, l->n + 1, sizeof(char *));
	for (size_t i = 0; i < l->n; i++)
		parts[i] = zt_arena_printf(req->arena, "%s:%s",
		    l->seat[i] ? l->seat[i] : l->type[i], l->qty[i]);
	for (size_t i = 1; i < l->n; i++)
		for (size_t k = i; k > 0 && strcmp(parts[k - 1], parts[k]) > 0;
		     k--) {
			const char *t = parts[k];
			parts[k] = parts[k - 1];
			parts[k - 1] = t;
		}
	char *s = zt_arena_strdup(req->arena, "");
	for (size_t i = 0; i < l->n; i++)
		s = zt_arena_printf(req->arena, "%s%s%s", s, i ? "," : "",
		    parts[i]);
	return s;
}

/*
 * Line indexes of l in label order, NULL labels last: the order of
 * q_get_items (ORDER BY label; the cluster's collation is C.UTF-8, which is
 * strcmp's byte order).
 */
static size_t *
label_order(struct zt_req *req, const struct lines *l)
{
	size_t *o = zt_arena_array(req->arena, l->n + 1, sizeof(size_t));
	for (size_t i = 0; i < l->n; i++)
		o[i] = i;
	for (size_t i = 1; i < l->n; i++)
		for (size_t k = i; k > 0; k--) {
			const char *x = l->label[o[k - 1]], *y = l->label[o[k]];
			if (y == NULL || (x != NULL && strcmp(x, y) <= 0))
				break;
			size_t t = o[k];
			o[k] = o[k - 1];
			o[k - 1] = t;
		}
	return o;
}

static enum zt_err answer(struct zt_req *req, const char *booking_id,
    int status, struct json_object *payment);
static struct json_object *created_json(struct zt_req *req, const char *id,
    const char *event_id, const char *tenant, const struct zt_price *price,
    const PGresult *ev, const struct lines *l, const PGresult *made,
    const char *order_id);

/*
 * The Razorpay order of a committed, unpaid booking, stored on its payment
 * unless a racing request stored one first.  A provider failure cancels
 * the booking (502).
 */
static enum zt_err
place_order(struct zt_req *req, const char *id, const char *event_id,
    const char *tenant, long long total, const char **order_id)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_order order;
	struct zt_razorpay_err rerr;
	struct zt_razorpay_note notes[3] = {
	    {"booking_id", id}, {"event_id", event_id}, {"tenant_id", tenant}};
	enum zt_err e;

	zt_server_razorpay_cfg(&cfg);
	if (zt_razorpay_order_create(&cfg, total, id, notes, 3, &order,
	        &rerr) != 0) {
		zt_log_error("booking", "order for %s failed: %s", id, rerr.msg);
		if (zt_db_begin_as(req, tenant, req->user_id) == ZT_OK) {
			const char *c[1] = {id};
			if (zt_db_exec(req, &q_cancel_unpaid, c) != NULL)
				zt_db_commit(req);
		}
		zt_db_rollback();
		return zt_fail(req, ZT_EUPSTREAM, "payment_unavailable",
		    "the payment service did not answer; try again");
	}
	if ((e = zt_db_begin_as(req, tenant, req->user_id)) != ZT_OK)
		return e;
	const char *op[2] = {id, order.id};
	if ((e = zt_db_queue(req, &q_payment_order, op, NULL)) != ZT_OK ||
	    (e = zt_db_commit(req)) != ZT_OK)
		return e;
	*order_id = zt_arena_strdup(req->arena, order.id);
	return ZT_OK;
}

enum zt_err
zt_booking_create(struct zt_req *req, const char *event_id)
{
	struct zt_hold h;
	struct lines l;
	struct zt_price price;
	struct zt_price_rules rules;
	struct buyer_facts bf;
	struct after a;
	char id[37], num[4][24], expires[24];
	const char *p[2], *tenant;
	PGresult *ev, *lines, *pending, *made;
	enum zt_err e;
	int is_free;

	memset(&a, 0, sizeof(a));
	if ((e = zt_hold_get(req, event_id, req->user_id, &h)) != ZT_OK)
		return e;
	if (h.id[0] == '\0')
		return zt_fail(req, ZT_ECONFLICT, "no_holds",
		    "hold some seats or tickets first");

	/* the event's tenant, read through the public catalogue policy */
	if ((e = zt_db_begin_as(req, "", req->user_id)) != ZT_OK)
		return e;
	p[0] = event_id;
	p[1] = req->user_id;
	if ((ev = zt_db_exec(req, &q_event, p)) == NULL)
		return req->err;
	if (PQntuples(ev) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event");
	if (strcmp(PQgetvalue(ev, 0, 1), "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_not_on_sale",
		    "this event is not on sale");
	tenant = dup(req, ev, 0, 0);
	int limit = atoi(PQgetvalue(ev, 0, 2));
	if ((e = zt_db_scope(req, tenant, req->user_id)) != ZT_OK)
		return e;

	/* the hold's prices and the buyer's pending bookings: one round trip */
	if ((e = ask_lines(req, event_id, &h, &lines)) != ZT_OK)
		return e;
	p[0] = req->user_id;
	p[1] = event_id;
	if ((pending = zt_db_exec(req, &q_pending, p)) == NULL)
		return req->err;
	if ((e = price_hold(req, &h, lines, &l)) != ZT_OK)
		return e;
	/* holds count bought tickets too, but a confirmation racing the hold
	 * can slip past them: PostgreSQL has the last word */
	if (l.bought + l.tickets > limit) {
		zt_fail_detail(req, "limit", json_object_new_int(limit));
		return zt_fail(req, ZT_ECONFLICT, "per_user_limit",
		    "at most %d tickets per person for this event", limit);
	}
	zt_server_price_rules(&rules);
	if (zt_price_breakdown(&rules, l.prices, l.tickets, &price) != 0)
		return zt_fail(req, ZT_EINVALID, "invalid_total",
		    "this order cannot be priced");
	if (price.total > 0 && price.total < 100)
		return zt_fail(req, ZT_EINVALID, "total_too_small",
		    "online payments start at \u20b91.00");

	/* one pending booking per buyer and event: the same hold gives the
	 * same booking back; a changed hold supersedes the old one */
	for (int i = 0; i < PQntuples(pending); i++) {
		const char *old = dup(req, pending, i, 0);
		const char *q[1] = {old};
		if (strcmp(PQgetvalue(pending, i, 1), hold_sig(req, &l)) == 0) {
			const char *order_id;
			if ((e = zt_db_commit(req)) != ZT_OK)
				return e;
			/* its order was lost with the request that made it
			 * (the database went away after COMMIT): place it */
			if (!PQgetisnull(pending, i, 2) &&
			    (e = place_order(req, old, event_id, tenant,
			         atoll(PQgetvalue(pending, i, 2)),
			         &order_id)) != ZT_OK)
				return e;
			return answer(req, old, 200, NULL);
		}
		if (zt_db_exec(req, &q_supersede, q) == NULL)
			return req->err;
	}

	zt_uuid_new(id);
	is_free = price.total == 0;
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)price.subtotal);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)price.fee);
	snprintf(num[2], sizeof(num[2]), "%lld", (long long)price.tax);
	snprintf(num[3], sizeof(num[3]), "%lld", (long long)price.total);
	snprintf(expires, sizeof(expires), "%lld", h.expires_ms);
	const char *bp[18] = {id, tenant, event_id, req->user_id, num[0],
	    num[1], num[2], num[3], h.id, expires, zt_db_val(ev, 0, 9),
	    zt_db_val(ev, 0, 10), zt_db_val(ev, 0, 11),
	    is_free ? "true" : "false", zt_db_array(req, l.seat, l.n),
	    zt_db_array(req, l.type, l.n), zt_db_array(req, l.qty, l.n),
	    zt_db_array(req, l.price, l.n)};
	if ((made = zt_db_exec(req, &q_create, bp)) == NULL) {
		/* free: a seat with a live ticket already */
		if (is_free && strcmp(zt_db_sqlstate(), "23505") == 0)
			return zt_fail(req, ZT_ECONFLICT, "sold_out",
			    "these seats or tickets were just taken");
		return req->err;
	}

	if (is_free) {
		/* confirmed in that statement unless a GA type ran out */
		if (atoi(PQgetvalue(made, 0, 3)) != l.nga)
			return zt_fail(req, ZT_ECONFLICT, "sold_out",
			    "these seats or tickets were just taken");
		memset(&bf, 0, sizeof(bf));
		bf.name = zt_db_val(ev, 0, 9);
		bf.email = zt_db_val(ev, 0, 10);
		bf.phone = zt_db_val(ev, 0, 11);
		bf.title = PQgetvalue(ev, 0, 3);
		bf.when = PQgetvalue(ev, 0, 4);
		bf.venue = zt_db_val(ev, 0, 5);
		bf.total = price.total;
		size_t *o = label_order(req, &l);
		bf.summary = "";
		for (size_t i = 0; i < l.n; i++)
			bf.summary = summary_add(req, bf.summary, l.qty[o[i]],
			    l.label[o[i]]);
		if ((e = queue_buyer_msg(req, id, &bf, "booking.confirmed",
		         "amount", 0, "")) != ZT_OK)
			return e;
		if ((e = zt_db_commit(req)) != ZT_OK)
			return e;
		a.consume = 1;
		a.event_id = event_id;
		a.user_id = req->user_id;
		a.hold_id = h.id;
		a.tenant_id = tenant;
		a.booking_id = id;
		a.seats = h.seats;
		a.nseats = h.nseats;
		a.ga = h.ga;
		a.nga = h.nga;
		a.live_type = "booking.confirmed";
		a.born_settled = 1;
		run_after(req, &a);
		return zt_reply(req, 201, created_json(req, id, event_id, tenant,
		    &price, ev, &l, made, NULL));
	}

	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;

	/* the order, after COMMIT: a failure cancels the unpaid booking */
	const char *order_id;
	if ((e = place_order(req, id, event_id, tenant, price.total,
	         &order_id)) != ZT_OK)
		return e;
	return zt_reply(req, 201, created_json(req, id, event_id, tenant, &price,
	    ev, &l, made, order_id));
}

/*
 * What a buyer gets back for cancelling under a before_start policy: the
 * ticket prices less the policy's fee (flat paise plus basis points of the
 * subtotal, rounded half up); our convenience fee and its tax stay.
 */
static long long
policy_refund(long long subtotal, long long fee_paise, long long fee_bps)
{
	long long fee = fee_paise + (subtotal * fee_bps + 5000) / 10000;
	return subtotal > fee ? subtotal - fee : 0;
}

/* ------------------------------------------------------------ reads ---- */

static struct json_object *
opt_str(const PGresult *r, int row, int col)
{
	const char *v = zt_db_val(r, row, col);
	return v ? json_object_new_string(v) : NULL;
}

/* A ticket from columns id, seat, type, price at col… of row (takes
 * status and checked). */
static struct json_object *
ticket_json(const PGresult *r, int row, int col, struct json_object *status,
    struct json_object *checked)
{
	struct json_object *x = json_object_new_object();
	json_object_object_add(x, "id", opt_str(r, row, col));
	json_object_object_add(x, "seatId", opt_str(r, row, col + 1));
	json_object_object_add(x, "ticketTypeId", opt_str(r, row, col + 2));
	json_object_object_add(x, "pricePaise",
	    json_object_new_int64(atoll(PQgetvalue(r, row, col + 3))));
	json_object_object_add(x, "status", status);
	json_object_object_add(x, "checkedInAt", checked);
	return x;
}

/* What Checkout needs of a booking's payment (takes order and status). */
static struct json_object *
payment_json(struct zt_req *req, struct json_object *order,
    struct json_object *status, long long amount, long long refunded)
{
	struct zt_razorpay_cfg cfg;
	struct json_object *x = json_object_new_object();

	zt_server_razorpay_cfg(&cfg);
	json_object_object_add(x, "provider",
	    json_object_new_string("razorpay"));
	json_object_object_add(x, "orderId", order);
	json_object_object_add(x, "status", status);
	json_object_object_add(x, "amount", json_object_new_int64(amount));
	json_object_object_add(x, "refundedPaise",
	    json_object_new_int64(refunded));
	json_object_object_add(x, "currency", json_object_new_string("INR"));
	if (cfg.key_id)
		json_object_object_add(x, "keyId",
		    json_object_new_string(cfg.key_id));
	json_object_object_add(x, "checkoutScript",
	    json_object_new_string(checkout_script(&cfg, req)));
	return x;
}

/*
 * Whether the caller sees the buyer's contact details: a manager or owner
 * of the booking's tenant.  req->role is the role zt_team_begin read from
 * the database for organizer reads; scanners see what a gate needs only.
 */
static int
sees_buyer(const struct zt_req *req, const char *tenant)
{
	return req->tenant_id[0] != '\0' && strcmp(req->tenant_id, tenant) == 0 &&
	    zt_team_role(req->role) >= ZT_ROLE_MANAGER;
}

/*
 * What both booking answers show after the money, from columns of r:
 * whether the buyer may cancel and what they would get back (the policy's
 * flat fee and basis points at fees, fees+1, never more than left of the
 * payment; left < 0: nothing refunded yet), the event card (title, start
 * and venue at card..card+2) and, for the event's managers and owners, the
 * buyer (name, email and phone at who..who+2) for the attendee list.
 */
static void
add_terms(struct zt_req *req, struct json_object *b, int cancellable,
    long long subtotal, long long left, const PGresult *r, int fees,
    int card, int who, const char *tenant)
{
	struct json_object *x;
	long long refund = policy_refund(subtotal, atoll(PQgetvalue(r, 0, fees)),
	    atoll(PQgetvalue(r, 0, fees + 1)));
	if (left >= 0 && refund > left)
		refund = left;
	json_object_object_add(b, "cancellable",
	    json_object_new_boolean(cancellable));
	json_object_object_add(b, "refundPaise",
	    cancellable ? json_object_new_int64(refund) : NULL);
	x = json_object_new_object();
	json_object_object_add(x, "title", opt_str(r, 0, card));
	json_object_object_add(x, "startsAt", opt_str(r, 0, card + 1));
	json_object_object_add(x, "venue", opt_str(r, 0, card + 2));
	json_object_object_add(b, "event", x);
	if (sees_buyer(req, tenant)) {
		x = json_object_new_object();
		json_object_object_add(x, "name", opt_str(r, 0, who));
		json_object_object_add(x, "email", opt_str(r, 0, who + 1));
		json_object_object_add(x, "phone", opt_str(r, 0, who + 2));
		json_object_object_add(b, "buyer", x);
	}
}

/*
 * The booking as the API shows it, read under the current scope; NULL with
 * 404 recorded when invisible.  got and it: its q_get and q_get_items rows
 * when read already in this transaction after its last change (else NULL).
 */
static struct json_object *
booking_json_with(struct zt_req *req, const char *booking_id,
    const PGresult *got, const PGresult *it)
{
	const char *p[1] = {booking_id};
	const PGresult *r = got;
	PGresult *qr = NULL, *qit = NULL, *tk = NULL, *pay;
	struct json_object *b, *items, *tickets;
	/* the four reads in one round trip (an unknown id reads nothing) */
	if ((r == NULL && zt_db_queue(req, &q_get, p, &qr) != ZT_OK) ||
	    (it == NULL && zt_db_queue(req, &q_get_items, p, &qit) != ZT_OK) ||
	    zt_db_queue(req, &q_get_tickets, p, &tk) != ZT_OK ||
	    (pay = zt_db_exec(req, &q_get_payment, p)) == NULL)
		return NULL;
	if (r == NULL)
		r = qr;
	if (it == NULL)
		it = qit;
	if (PQntuples(r) == 0) {
		zt_fail(req, ZT_ENOTFOUND, "booking_not_found", "no such booking");
		return NULL;
	}
	b = json_object_new_object();
	json_object_object_add(b, "id", json_object_new_string(booking_id));
	json_object_object_add(b, "status", opt_str(r, 0, 1));
	json_object_object_add(b, "eventId", opt_str(r, 0, 2));
	json_object_object_add(b, "tenantId", opt_str(r, 0, 3));
	json_object_object_add(b, "subtotalPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, 4))));
	json_object_object_add(b, "feePaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, 5))));
	json_object_object_add(b, "taxPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, 6))));
	json_object_object_add(b, "totalPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, 7))));
	json_object_object_add(b, "currency", opt_str(r, 0, 8));
	json_object_object_add(b, "expiresAt", opt_str(r, 0, 9));
	json_object_object_add(b, "createdAt", opt_str(r, 0, 10));
	json_object_object_add(b, "confirmedAt", opt_str(r, 0, 11));
	add_terms(req, b, *PQgetvalue(r, 0, 19) == 't',
	    atoll(PQgetvalue(r, 0, 4)), PQntuples(pay) > 0
	        ? atoll(PQgetvalue(pay, 0, 2)) - atoll(PQgetvalue(pay, 0, 3))
	        : -1,
	    r, 20, 12, 16, PQgetvalue(r, 0, 3));
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(it); i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "seatId", opt_str(it, i, 0));
		json_object_object_add(x, "ticketTypeId", opt_str(it, i, 1));
		json_object_object_add(x, "quantity",
		    json_object_new_int(atoi(PQgetvalue(it, i, 2))));
		json_object_object_add(x, "unitPricePaise",
		    json_object_new_int64(atoll(PQgetvalue(it, i, 3))));
		json_object_object_add(x, "label", opt_str(it, i, 4));
		json_object_array_add(items, x);
	}
	json_object_object_add(b, "items", items);
	tickets = json_object_new_array();
	for (int i = 0; i < PQntuples(tk); i++)
		json_object_array_add(tickets, ticket_json(tk, i, 0,
		    opt_str(tk, i, 4), opt_str(tk, i, 5)));
	json_object_object_add(b, "tickets", tickets);
	if (PQntuples(pay) > 0)
		json_object_object_add(b, "payment", payment_json(req,
		    opt_str(pay, 0, 0), opt_str(pay, 0, 1),
		    atoll(PQgetvalue(pay, 0, 2)), atoll(PQgetvalue(pay, 0, 3))));
	return b;
}

static struct json_object *
booking_json(struct zt_req *req, const char *booking_id)
{
	return booking_json_with(req, booking_id, NULL, NULL);
}

/*
 * The booking zt_booking_create just wrote, as booking_json shows it, from
 * what it had: ev (q_event), its lines, made (q_create: timestamps, tickets)
 * and, for a paid one, the Razorpay order.  Saves reading it back.
 */
static struct json_object *
created_json(struct zt_req *req, const char *id, const char *event_id,
    const char *tenant, const struct zt_price *price, const PGresult *ev,
    const struct lines *l, const PGresult *made, const char *order_id)
{
	struct json_object *b, *items, *tickets, *x;
	int confirmed = order_id == NULL;
	int cancellable = confirmed && *PQgetvalue(ev, 0, 6) == 't';
	size_t *o = label_order(req, l);

	b = json_object_new_object();
	json_object_object_add(b, "id", json_object_new_string(id));
	json_object_object_add(b, "status",
	    json_object_new_string(confirmed ? "confirmed" : "pending"));
	json_object_object_add(b, "eventId", json_object_new_string(event_id));
	json_object_object_add(b, "tenantId", json_object_new_string(tenant));
	json_object_object_add(b, "subtotalPaise",
	    json_object_new_int64(price->subtotal));
	json_object_object_add(b, "feePaise", json_object_new_int64(price->fee));
	json_object_object_add(b, "taxPaise", json_object_new_int64(price->tax));
	json_object_object_add(b, "totalPaise",
	    json_object_new_int64(price->total));
	json_object_object_add(b, "currency", json_object_new_string("INR"));
	json_object_object_add(b, "expiresAt", opt_str(made, 0, 0));
	json_object_object_add(b, "createdAt", opt_str(made, 0, 1));
	json_object_object_add(b, "confirmedAt", opt_str(made, 0, 2));
	add_terms(req, b, cancellable, price->subtotal, -1, ev, 7, 3, 9, tenant);
	items = json_object_new_array();
	for (size_t k = 0; k < l->n; k++) {
		size_t i = o[k];
		x = json_object_new_object();
		json_object_object_add(x, "seatId", l->seat[i]
		    ? json_object_new_string(l->seat[i]) : NULL);
		json_object_object_add(x, "ticketTypeId", l->type[i]
		    ? json_object_new_string(l->type[i]) : NULL);
		json_object_object_add(x, "quantity",
		    json_object_new_int(atoi(l->qty[i])));
		json_object_object_add(x, "unitPricePaise",
		    json_object_new_int64(atoll(l->price[i])));
		json_object_object_add(x, "label", l->label[i]
		    ? json_object_new_string(l->label[i]) : NULL);
		json_object_array_add(items, x);
	}
	json_object_object_add(b, "items", items);
	tickets = json_object_new_array();
	for (int i = 0; i < PQntuples(made); i++) {
		if (PQgetisnull(made, i, 4))
			continue;
		json_object_array_add(tickets, ticket_json(made, i, 4,
		    json_object_new_string("live"), NULL));
	}
	json_object_object_add(b, "tickets", tickets);
	if (order_id != NULL)
		json_object_object_add(b, "payment", payment_json(req,
		    json_object_new_string(order_id),
		    json_object_new_string("created"), price->total, 0));
	return b;
}

/* Answer with the booking read in a fresh transaction under req's scope. */
static enum zt_err
answer(struct zt_req *req, const char *booking_id, int status,
    struct json_object *payment)
{
	struct json_object *b;
	enum zt_err e;
	if (payment != NULL)
		json_object_put(payment); /* the read below includes it */
	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	if ((b = booking_json(req, booking_id)) == NULL)
		return req->err;
	zt_db_rollback();
	return zt_reply(req, status, b);
}

/*
 * The buyer reads their own booking under the buyer's scope alone; anyone
 * else is an organizer of the active tenant, whose membership and role are
 * read again from the database (zt_team_begin: a removed member is 403
 * not_a_member whatever their token says) before the tenant's bookings are
 * visible; another tenant's booking stays 404.
 */
enum zt_err
zt_booking_get(struct zt_req *req, const char *booking_id)
{
	const char *p[1] = {booking_id};
	struct json_object *b;
	PGresult *r;
	enum zt_err e;
	if (!zt_is_uuid(booking_id))
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	if ((e = zt_db_begin_as(req, "", req->user_id)) != ZT_OK)
		return e;
	/* a token without a tenant reads as the buyer alone (404 when not
	 * theirs) in one round trip; with one, the buyer first */
	if (req->tenant_id[0] != '\0') {
		if ((r = zt_db_exec(req, &q_find, p)) == NULL)
			return req->err;
		if (PQntuples(r) > 0 &&
		    strcmp(PQgetvalue(r, 0, 1), req->user_id) == 0) {
			req->tenant_id[0] = '\0'; /* the buyer's view */
		} else {
			zt_db_rollback();
			if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) !=
			    ZT_OK)
				return e;
		}
	}
	if ((b = booking_json(req, booking_id)) == NULL)
		return req->err;
	zt_db_rollback();
	return zt_reply(req, 200, b);
}

/* The bookings q (one parameter, arg) lists, in the open transaction. */
static enum zt_err
list_of(struct zt_req *req, struct zt_sql *q, const char *arg)
{
	const char *p[1] = {arg};
	PGresult *r;
	struct json_object *list, *body;
	if ((r = zt_db_exec(req, q, p)) == NULL)
		return req->err;
	list = json_object_new_array();
	body = json_object_new_object();
	json_object_object_add(body, "bookings", list);
	zt_reply(req, 200, body);
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *b = booking_json(req, PQgetvalue(r, i, 0));
		if (b == NULL)
			return req->err;
		json_object_array_add(list, b);
	}
	zt_db_rollback();
	return ZT_OK;
}

enum zt_err
zt_booking_mine(struct zt_req *req)
{
	enum zt_err e;
	/* only the buyer policy: an organizer's token must not widen it */
	req->tenant_id[0] = '\0';
	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	return list_of(req, &q_mine, req->user_id);
}

/* Members of the event's tenant, role read again from the database;
 * another tenant's event is 404. */
enum zt_err
zt_booking_list(struct zt_req *req, const char *event_id)
{
	const char *p[2] = {event_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_own_event, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event");
	return list_of(req, &q_list, event_id);
}

/* --------------------------------------------------------- settling ---- */

enum outcome { CONFIRMED, ALREADY, REFUNDED_LATE, REFUNDED_MISMATCH };

/* Write a full refund of a captured payment row and tell the buyer. */
static enum zt_err
refund_captured(struct zt_req *req, struct after *a, const char *booking_id,
    const char *payment_row, const char *provider_payment_id,
    long long amount, const char *key, const char *reason,
    const char *template)
{
	char amt[24];
	const char *p[4];
	PGresult *r;
	enum zt_err e;
	snprintf(amt, sizeof(amt), "%lld", amount);
	p[0] = payment_row;
	p[1] = amt;
	p[2] = key;
	p[3] = reason;
	if ((r = zt_db_exec(req, &q_refund_new, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return ZT_OK; /* this refund exists already */
	a->refund_id = dup(req, r, 0, 0);
	a->refund_payment = provider_payment_id;
	a->refund_amount = amount;
	a->refund_key = key;
	if ((e = tell_buyer(req, booking_id, a, template, "amount", amount,
	         reason)) != ZT_OK)
		return e;
	return ZT_OK;
}

/*
 * Settle a captured payment of amount for order_id on booking_id, inside
 * the caller's transaction (already scoped to the booking's tenant).
 */
static enum zt_err
settle(struct zt_req *req, const char *booking_id, const char *order_id,
    const char *payment_id, long long amount, enum outcome *out,
    struct after *a)
{
	const char *p[4];
	char amt[24];
	PGresult *r;
	enum zt_err e;

	p[0] = booking_id;
	if ((r = zt_db_exec(req, &q_lock, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	const char *status = dup(req, r, 0, 0);
	long long total = atoll(PQgetvalue(r, 0, 1));
	const char *payment_row = dup(req, r, 0, 5);
	const char *order = dup(req, r, 0, 6);
	const char *paid_by = dup(req, r, 0, 7);
	a->user_id = dup(req, r, 0, 2);
	a->event_id = dup(req, r, 0, 3);
	a->hold_id = dup(req, r, 0, 4);
	a->booking_id = booking_id;

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
		if ((r = zt_db_exec(req, &q_extra_payment, xp)) == NULL)
			return req->err;
		if (PQntuples(r) == 0) {
			const char *q[1] = {payment_id};
			if ((r = zt_db_exec(req, &q_payment_by_pid, q)) == NULL)
				return req->err;
		}
		const char *row = dup(req, r, 0, 0);
		*out = amount != total ? REFUNDED_MISMATCH : REFUNDED_LATE;
		if (amount != total && strcmp(status, "pending") == 0) {
			const char *sp[2] = {booking_id, "cancelled"};
			if (zt_db_exec(req, &q_status, sp) == NULL)
				return req->err;
		}
		return refund_captured(req, a, booking_id, row, payment_id,
		    amount, zt_arena_printf(req->arena, "extra-%s", payment_id),
		    amount != total ? "the amount paid did not match the order"
		                    : "this order was already paid",
		    "payment.late_refunded");
	}
	p[0] = payment_row;
	p[1] = payment_id;
	p[2] = amt;
	if ((r = zt_db_exec(req, &q_captured, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0) {
		*out = ALREADY; /* settled already: never captured twice */
		return ZT_OK;
	}
	e = issue(req, booking_id);
	if (e == ZT_OK) {
		*out = CONFIRMED;
		a->consume = 1;
		a->live_type = "booking.confirmed";
		if ((e = load_items(req, booking_id, a)) != ZT_OK)
			return e;
		return tell_buyer(req, booking_id, a, "booking.confirmed",
		    "amount", amount, "");
	}
	if (e != ZT_ECONFLICT)
		return e;
	/* paid, but the seats went to someone else meanwhile */
	*out = REFUNDED_LATE;
	const char *sp[2] = {booking_id, "refunded"};
	if (zt_db_exec(req, &q_status, sp) == NULL)
		return req->err;
	a->live_type = "booking.refunded";
	return refund_captured(req, a, booking_id, payment_row, payment_id,
	    amount, zt_arena_printf(req->arena, "late-%s", payment_id),
	    "the seats were no longer available", "payment.late_refunded");
}

enum zt_err
zt_booking_confirm(struct zt_req *req, const char *booking_id,
    const char *order_id, const char *payment_id, const char *signature)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_payment pay;
	struct zt_razorpay_err err;
	struct after a;
	enum outcome out;
	const char *p[1] = {booking_id};
	struct json_object *b = NULL;
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
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
		if (zt_razorpay_payment_capture(&cfg, payment_id, pay.amount,
		        &pay, &err) != 0)
			return zt_fail(req, ZT_EUPSTREAM, "payment_unavailable",
			    "could not capture the payment; try again");
	}
	if (!pay.captured && strcmp(pay.status, "captured") != 0)
		return zt_fail(req, ZT_ECONFLICT, "payment_not_captured",
		    "the payment has not gone through (%s)", pay.status);

	/* the buyer's own booking: 404 for anyone else's */
	req->tenant_id[0] = '\0';
	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_find, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0 ||
	    strcmp(PQgetvalue(r, 0, 1), req->user_id) != 0)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	a.tenant_id = dup(req, r, 0, 0);
	if ((e = zt_db_scope(req, a.tenant_id, req->user_id)) != ZT_OK)
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
	    (b = booking_json_with(req, booking_id, a.got, a.items)) == NULL)
		return req->err;
	if ((e = zt_db_commit(req)) != ZT_OK) {
		json_object_put(b);
		return e;
	}
	run_after(req, &a);
	if (out == REFUNDED_MISMATCH)
		return zt_fail(req, ZT_EBADREQ, "amount_mismatch",
		    "the amount paid does not match the order; it has been "
		    "refunded");
	if (out == REFUNDED_LATE)
		return zt_fail(req, ZT_ECONFLICT, "seats_gone",
		    "the seats were taken before the payment arrived; the "
		    "payment has been refunded in full");
	return zt_reply(req, 200, b);
}

/* ---------------------------------------------------------- webhooks ---- */

static enum zt_err
webhook_refund(struct zt_req *req, const struct zt_razorpay_event *ev,
    struct after *a)
{
	int ok = strcmp(ev->event, "refund.processed") == 0;
	const char *p[2] = {ev->refund.id, ok ? "processed" : "failed"};
	PGresult *r;
	if ((r = zt_db_exec(req, &q_refund_tenant, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0) {
		char amt[24];
		snprintf(amt, sizeof(amt), "%lld", ev->refund.amount);
		const char *u[2] = {ev->refund.payment_id, amt};
		if ((r = zt_db_exec(req, &q_refund_unclaimed, u)) == NULL)
			return req->err;
		if (PQntuples(r) == 0)
			return ZT_OK; /* not ours */
		a->tenant_id = dup(req, r, 0, 0);
		const char *c[2] = {dup(req, r, 0, 1), ev->refund.id};
		if (zt_db_scope(req, a->tenant_id, "") != ZT_OK ||
		    zt_db_exec(req, &q_refund_claim, c) == NULL)
			return req->err;
	} else {
		a->tenant_id = dup(req, r, 0, 0);
		if (zt_db_scope(req, a->tenant_id, "") != ZT_OK)
			return req->err;
	}
	if ((r = zt_db_exec(req, &q_refund_state, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0)
		return ZT_OK; /* already in that state */
	const char *payment = dup(req, r, 0, 1), *amount = dup(req, r, 0, 2);
	const char *q[2] = {payment, amount};
	if (!ok)
		/* a failed refund gives its amount back to refund again */
		return zt_db_exec(req, &q_unrefund, q) ? ZT_OK : req->err;
	if ((r = zt_db_exec(req, &q_payment_refunded, q)) == NULL)
		return req->err;
	return ZT_OK;
}

enum zt_err
zt_booking_webhook(struct zt_req *req)
{
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_event ev;
	struct zt_razorpay_err err;
	struct after a;
	enum outcome out;
	const char *sig = zt_header(req, "X-Razorpay-Signature");
	const char *event_id = zt_header(req, "X-Razorpay-Event-Id");
	const char *p[4];
	unsigned char hash[crypto_hash_sha256_BYTES];
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
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

	if ((e = zt_db_begin_as(req, "", "")) != ZT_OK)
		return e;
	if ((e = system_scope(req)) != ZT_OK)
		return e;
	/* the signed bytes themselves, not the unsigned event id header */
	crypto_hash_sha256(hash, (const unsigned char *)req->body,
	    req->body_len);
	p[0] = event_id;
	p[1] = ev.event;
	p[2] = req->body;
	p[3] = zt_hex(req->arena, hash, sizeof(hash));
	if ((r = zt_db_exec(req, &q_webhook_seen, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0) {
		/* a replay: the first delivery already had its effect */
		zt_db_rollback();
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "status", json_object_new_string("duplicate"));
		return zt_reply(req, 200, o);
	}

	const char *order = ev.has_payment ? ev.payment.order_id
	                                   : ev.has_order ? ev.order.id : "";
	if ((strcmp(ev.event, "payment.captured") == 0 ||
	        strcmp(ev.event, "order.paid") == 0) &&
	    ev.has_payment && ev.payment.id[0] && *order) {
		p[0] = order;
		if ((r = zt_db_exec(req, &q_find_by_order, p)) == NULL)
			return req->err;
		if (PQntuples(r) > 0) {
			const char *booking = dup(req, r, 0, 0);
			a.tenant_id = dup(req, r, 0, 1);
			if ((e = zt_db_scope(req, a.tenant_id, "")) != ZT_OK)
				return e;
			if ((e = settle(req, booking, order, ev.payment.id,
			         ev.payment.amount, &out, &a)) != ZT_OK &&
			    e != ZT_EBADREQ)
				return e;
			req->err = ZT_OK;
		}
	} else if (strcmp(ev.event, "payment.failed") == 0 && *order) {
		p[0] = order;
		if (zt_db_exec(req, &q_payment_failed, p) == NULL)
			return req->err;
	} else if (strncmp(ev.event, "refund.", 7) == 0 && ev.has_refund &&
	           (strcmp(ev.event, "refund.processed") == 0 ||
	               strcmp(ev.event, "refund.failed") == 0)) {
		if ((e = webhook_refund(req, &ev, &a)) != ZT_OK)
			return e;
	}
	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;
	run_after(req, &a);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("processed"));
	return zt_reply(req, 200, o);
}

/* ------------------------------------------------ cancelling, refunds ---- */

/*
 * Cancel the live tickets of a locked, confirmed booking, give GA units
 * back, set its status, and write a refund of amount (0: none) with key.
 */
static enum zt_err
unwind(struct zt_req *req, struct after *a, const char *booking_id,
    const char *payment_row, const char *provider_payment_id,
    long long amount, const char *key, const char *reason,
    const char *template)
{
	const char *p[2] = {booking_id, amount > 0 ? "refunded" : "cancelled"};
	enum zt_err e;
	if ((e = load_items(req, booking_id, a)) != ZT_OK)
		return e;
	if (zt_db_exec(req, &q_cancel_tickets, p) == NULL ||
	    zt_db_exec(req, &q_return_ga, p) == NULL ||
	    zt_db_exec(req, &q_status, p) == NULL)
		return req->err;
	a->unsell = 1;
	a->live_type = "booking.refunded";
	if (amount > 0 && payment_row != NULL)
		return refund_captured(req, a, booking_id, payment_row,
		    provider_payment_id, amount, key, reason, template);
	return ZT_OK;
}

/* Lock a booking for a cancel/refund in the current scope. */
static PGresult *
lock_for_refund(struct zt_req *req, const char *booking_id, struct after *a)
{
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &q_cancel_lock, p);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) == 0) {
		zt_fail(req, ZT_ENOTFOUND, "booking_not_found", "no such booking");
		return NULL;
	}
	a->booking_id = booking_id;
	a->user_id = dup(req, r, 0, 1);
	a->event_id = dup(req, r, 0, 2);
	return r;
}

enum zt_err
zt_booking_cancel(struct zt_req *req, const char *booking_id)
{
	const char *p[1] = {booking_id};
	struct after a;
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	if (!zt_is_uuid(booking_id))
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	req->tenant_id[0] = '\0';
	if ((e = zt_db_begin(req)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &q_find, p)) == NULL)
		return req->err;
	if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 1), req->user_id) != 0)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	a.tenant_id = dup(req, r, 0, 0);
	if ((e = zt_db_scope(req, a.tenant_id, req->user_id)) != ZT_OK)
		return e;
	if ((r = lock_for_refund(req, booking_id, &a)) == NULL)
		return req->err;
	if (strcmp(PQgetvalue(r, 0, 0), "confirmed") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_cancellable",
		    "only a confirmed booking can be cancelled (this one is %s)",
		    PQgetvalue(r, 0, 0));
	if (strcmp(PQgetvalue(r, 0, 5), "none") == 0)
		return zt_fail(req, ZT_ECONFLICT, "not_refundable",
		    "this event does not allow cancellations");
	if (*PQgetvalue(r, 0, 6) != 't')
		return zt_fail(req, ZT_ECONFLICT, "refund_window_closed",
		    "the cancellation window for this event has closed");
	long long refund = policy_refund(atoll(PQgetvalue(r, 0, 3)),
	    atoll(PQgetvalue(r, 0, 7)), atoll(PQgetvalue(r, 0, 8)));
	const char *payment_row = dup(req, r, 0, 9);
	const char *ppid = dup(req, r, 0, 10);
	long long left = payment_row ? atoll(PQgetvalue(r, 0, 11)) : 0;
	if (refund > left)
		refund = left;
	if ((e = unwind(req, &a, booking_id, payment_row, ppid, refund,
	         zt_arena_printf(req->arena, "cancel-%s", booking_id),
	         "cancelled by the buyer", "booking.refunded")) != ZT_OK)
		return e;
	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;
	run_after(req, &a);
	return answer(req, booking_id, 200, NULL);
}

enum zt_err
zt_booking_refund(struct zt_req *req, const char *booking_id,
    long long amount, const char *reason)
{
	struct after a;
	PGresult *r;
	enum zt_err e;

	memset(&a, 0, sizeof(a));
	if (!zt_is_uuid(booking_id))
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking");
	/* a manager or owner now (not when the token was made), and the
	 * organizer's tenant only: another tenant's booking is 404 */
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = zt_db_scope(req, req->tenant_id, "")) != ZT_OK)
		return e;
	a.tenant_id = req->tenant_id;
	if ((r = lock_for_refund(req, booking_id, &a)) == NULL)
		return req->err;
	if (strcmp(PQgetvalue(r, 0, 0), "confirmed") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_refundable",
		    "only a confirmed booking can be refunded (this one is %s)",
		    PQgetvalue(r, 0, 0));
	const char *payment_row = dup(req, r, 0, 9);
	const char *ppid = dup(req, r, 0, 10);
	long long left = payment_row ? atoll(PQgetvalue(r, 0, 11)) : 0;
	const char *why = reason && *reason ? reason : "refunded by the organizer";
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
		if ((e = refund_captured(req, &a, booking_id, payment_row, ppid,
		         amount, zt_arena_strdup(req->arena, key), why,
		         "booking.refunded")) != ZT_OK)
			return e;
		a.live_type = "booking.refunded";
	} else if ((e = unwind(req, &a, booking_id, payment_row, ppid, left,
	                zt_arena_printf(req->arena, "full-%s", booking_id), why,
	                "booking.refunded")) != ZT_OK) {
		return e;
	}
	if ((e = zt_db_commit(req)) != ZT_OK)
		return e;
	run_after(req, &a);
	return answer(req, booking_id, 200, NULL);
}

/* -------------------------------------------------------------- cron ---- */

/* One step of a cron job: 1 did one, 0 nothing due, -1 failed. */
typedef int (*step_fn)(struct zt_req *req);

static int
run_steps(step_fn fn, int limit, int *done)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	int rc = 0;
	*done = 0;
	for (int i = 0; i < limit; i++) {
		int s = fn(req);
		zt_db_rollback();
		zt_req_end(req);
		if (s <= 0) {
			rc = s;
			break;
		}
		(*done)++;
	}
	zt_req_free(req);
	return rc;
}

static int
expire_one(struct zt_req *req)
{
	PGresult *r;
	struct zt_hold h;
	if (zt_db_begin_as(req, "", "") != ZT_OK || system_scope(req) != ZT_OK ||
	    (r = zt_db_exec(req, &q_due, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = dup(req, r, 0, 0), *tenant = dup(req, r, 0, 1);
	const char *p[1] = {id};
	if (zt_db_scope(req, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &q_due_lock, p)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0; /* another run has it */
	const char *event = dup(req, r, 0, 0), *user = dup(req, r, 0, 1);
	const char *hold = dup(req, r, 0, 2);
	if (zt_db_exec(req, &q_expired, p) == NULL || zt_db_commit(req) != ZT_OK)
		return -1;
	/* release the hold only if it is still the one this booking had */
	if (zt_hold_get(req, event, user, &h) == ZT_OK && h.id[0] &&
	    strcmp(h.id, hold) == 0)
		zt_hold_release(req, event, user, NULL);
	req->err = ZT_OK;
	zt_log_info("expire", "booking %s expired", id);
	return 1;
}

int
zt_booking_expire_due(int limit, int *done)
{
	return run_steps(expire_one, limit, done);
}

static int
cancelled_event_one(struct zt_req *req)
{
	struct after a;
	PGresult *r;
	memset(&a, 0, sizeof(a));
	if (zt_db_begin_as(req, "", "") != ZT_OK || system_scope(req) != ZT_OK ||
	    (r = zt_db_exec(req, &q_cancelled_events, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = dup(req, r, 0, 0);
	a.tenant_id = dup(req, r, 0, 1);
	if (zt_db_scope(req, a.tenant_id, "") != ZT_OK ||
	    (r = lock_for_refund(req, id, &a)) == NULL)
		return -1;
	if (strcmp(PQgetvalue(r, 0, 0), "confirmed") != 0)
		return 1; /* refunded meanwhile */
	const char *payment_row = dup(req, r, 0, 9);
	const char *ppid = dup(req, r, 0, 10);
	long long left = payment_row ? atoll(PQgetvalue(r, 0, 11)) : 0;
	if (unwind(req, &a, id, payment_row, ppid, left,
	        zt_arena_printf(req->arena, "evcancel-%s", id),
	        "the event was cancelled", "booking.refunded") != ZT_OK ||
	    zt_db_commit(req) != ZT_OK)
		return -1;
	run_after(req, &a);
	return 1;
}

int
zt_booking_refund_cancelled_events(int limit, int *done)
{
	return run_steps(cancelled_event_one, limit, done);
}

static int
retry_refund_one(struct zt_req *req)
{
	PGresult *r;
	if (zt_db_begin_as(req, "", "") != ZT_OK || system_scope(req) != ZT_OK ||
	    (r = zt_db_exec(req, &q_unsent_refunds, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = dup(req, r, 0, 0), *tenant = dup(req, r, 0, 1);
	const char *amount = dup(req, r, 0, 3), *payment = dup(req, r, 0, 4);
	const char *ppid = dup(req, r, 0, 5), *key = dup(req, r, 0, 6);
	const char *state = dup(req, r, 0, 2), *rid = dup(req, r, 0, 7);
	const char *lp[2] = {id, state};
	if (zt_db_scope(req, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &q_refund_lock, lp)) == NULL)
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
		struct after a;
		const char *p[1] = {id};
		zt_server_razorpay_cfg(&cfg);
		memset(&a, 0, sizeof(a));
		memset(&ev, 0, sizeof(ev));
		if (zt_db_exec(req, &q_touch_refund, p) == NULL)
			return -1;
		if (zt_razorpay_refund_fetch(&cfg, rid, &out, &err) == 0 &&
		    strcmp(out.status, "pending") != 0) {
			ev.has_refund = 1;
			ev.refund = out;
			snprintf(ev.event, sizeof(ev.event), "refund.%s",
			    strcmp(out.status, "processed") == 0 ? "processed"
			                                         : "failed");
			if (webhook_refund(req, &ev, &a) != ZT_OK)
				return -1;
		}
		return zt_db_commit(req) == ZT_OK ? 1 : -1;
	}
	if (strcmp(state, "failed") == 0) {
		/* a new attempt under a new key, with its amount reserved
		 * again (a failed refund gave it back) */
		const char *k2 = zt_arena_printf(req->arena, "%.100s-r%ld", key,
		    (long)time(NULL));
		const char *p[2] = {id, k2}, *q[2] = {payment, amount};
		if (zt_db_exec(req, &q_rerefund, q) == NULL ||
		    zt_db_exec(req, &q_refund_retry, p) == NULL)
			return -1;
		key = k2;
	} else {
		const char *p[1] = {id};
		if (zt_db_exec(req, &q_touch_refund, p) == NULL)
			return -1;
	}
	if (zt_db_commit(req) != ZT_OK)
		return -1;
	send_refund(req, tenant, id, ppid, atoll(amount), key);
	return 1;
}

int
zt_booking_retry_refunds(int limit, int *done)
{
	return run_steps(retry_refund_one, limit, done);
}
