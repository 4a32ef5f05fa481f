/*
 * zt_booking.c - creating a booking and reading bookings, the helpers the
 * booking modules share (zt_booking_int.h) and the expiry cron step; see
 * zt_booking.h.  Paying is zt_settle.c, refunds zt_refund.c, the JSON
 * answers zt_booking_json.c.
 */
#include "zt_booking.h"
#include "zt_booking_int.h"
#include "zt_crypto.h"
#include "zt_form.h"
#include "zt_json.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_outbox.h"
#include "zt_promo.h"
#include "zt_qr.h"
#include "zt_queue.h"
#include "zt_razorpay.h"
#include "zt_refund.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_uuid.h"
#include "zt_whout.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GRACE_SECS "120" /* a pending booking outlives its hold by this */
/* the built-in admin row cron and webhooks read across tenants with */

/* ------------------------------------------------------------ SQL ---- */

/*
 * Creating a booking (docs/bookings.md) is four statements: the event with
 * everything the answer and the confirmation need about it and the buyer
 * (users has no row security; the event is read through the public
 * catalogue policy), the prices of the hold with the buyer's bought count,
 * the buyer's pending bookings, and the insert of it all.
 */
/* times the answers show, named so each statement stays a plain string
 * concatenation (clang-format 14 mangles a macro call inside one) */
#define ISO_STARTS ISO("e.starts_at")
#define ISO_EXPIRES ISO("b.expires_at")
#define ISO_CREATED ISO("b.created_at")
#define ISO_CONFIRMED ISO("b.confirmed_at")
/* columns: enum zt__event_col (zt_booking_int.h: zt__created_json reads it) */
static struct zt_sql q_event = ZT_SQL("bk_event",
    "SELECT e.tenant_id, e.status, e.per_user_limit, e.title,"
    " " ISO_STARTS ", e.venue_name,"
    " e.refund_policy = 'before_start' AND now() < e.starts_at"
    "  - make_interval(hours => coalesce(e.refund_cutoff_hours, 0)),"
    " coalesce(e.refund_fee_paise, 0), coalesce(e.refund_fee_bps, 0),"
    " u.name, u.email, u.phone,"
    " extract(epoch FROM e.starts_at - interval '12 hours')::bigint,"
    " extract(epoch FROM e.ends_at + interval '6 hours')::bigint,"
    " " WHEN_LOCAL ", e.queue_on"
    " FROM events e LEFT JOIN users u ON u.id = $2 WHERE e.id = $1",
    2);
/*
 * Kind 0: the held seats ($2) on sale, with price and label; kind 1: the
 * held GA types ($3); kind 2: the buyer's live tickets for the event, the
 * per-user limit's truth.  Every table is narrowed to the event by a plain
 * (leakproof) equality, which PostgreSQL applies before the row policies:
 * without pc.event_id = $1 it ran public_read's function on every other
 * event's price categories (docs/benchmarks.md, section 12).
 */
enum line_col {
	LINE_KIND,
	LINE_ID,
	LINE_PRICE,
	LINE_LABEL,
	LINE_CAT,
	LINE_HIDDEN
};
enum line_kind { LINE_SEAT, LINE_GA, LINE_BOUGHT };
static struct zt_sql q_lines = ZT_SQL("bk_lines",
    "SELECT 0, s.id, pc.price_paise,"
    "  ltrim(s.section || ' ' || s.row_label || s.seat_label),"
    "  pc.id, false"
    " FROM seats s JOIN price_categories pc"
    "  ON pc.event_id = $1 AND pc.id = s.price_category_id"
    " WHERE s.event_id = $1 AND s.id = ANY($2::uuid[]) AND NOT s.blocked"
    " UNION ALL SELECT 1, tt.id, tt.price_paise, tt.name, NULL, tt.hidden"
    " FROM ticket_types tt"
    " WHERE tt.event_id = $1 AND tt.id = ANY($3::uuid[])"
    " UNION ALL SELECT 2, NULL, count(*), NULL, NULL, false FROM tickets"
    " WHERE event_id = $1 AND user_id = $4 AND status = 'live'",
    4);
/* the buyer's pending bookings for the event, with their items as
 * "id:qty,…" (sorted like zt__hold_sig) and the amount of an order still
 * to place */
enum pending_col { PEND_ID, PEND_SIG, PEND_UNPLACED, PEND_PROMO };
static struct zt_sql q_pending = ZT_SQL("bk_pending",
    "SELECT b.id, (SELECT string_agg(coalesce(bi.seat_id,"
    "  bi.ticket_type_id)::text || ':' || bi.quantity, ',' ORDER BY"
    "  coalesce(bi.seat_id, bi.ticket_type_id)) FROM booking_items bi"
    "  WHERE bi.booking_id = b.id),"
    " (SELECT p.amount_paise FROM payments p WHERE p.booking_id = b.id"
    "  AND p.provider_order_id IS NULL)," /* an order still to place */
    " coalesce(b.promo_code_id::text, '')"
    " FROM bookings b WHERE b.user_id = $1 AND b.event_id = $2"
    " AND b.status = 'pending' FOR UPDATE OF b",
    2);
static struct zt_sql q_supersede = ZT_SQL("bk_supersede",
    "UPDATE bookings SET status = 'cancelled', cancelled_at = now()"
    " WHERE id = $1 AND status = 'pending'",
    1);
/*
 * The booking, its lines ($15-$18, arrays) and either its payment row or,
 * when it is free ($14), its tickets: a free booking is inserted confirmed.
 * Its GA units are taken by the guarded update — the caller compares the
 * types taken (MADE_GA_TAKEN) with its GA lines: fewer is sold out — and a seat
 * with a live ticket fails the insert on the partial unique index.  Either
 * failure fails the caller's whole transaction, so nothing is half done.
 * One row per ticket (one row with NULL ticket columns when none), in
 * ticket id order (columns: enum zt__made_col).
 */
enum create_param {
	CR_ID,
	CR_TENANT,
	CR_EVENT,
	CR_USER,
	CR_SUBTOTAL,
	CR_FEE,
	CR_TAX,
	CR_TOTAL,
	CR_HOLD,
	CR_HOLD_EXPIRES_MS,
	CR_BUYER_NAME,
	CR_BUYER_EMAIL,
	CR_BUYER_PHONE,
	CR_FREE,  /* $14 */
	CR_SEATS, /* $15-$18: the lines, as arrays */
	CR_TYPES,
	CR_QTYS,
	CR_PRICES,
	CR_PROMO,    /* $19: the promo code, NULL for none */
	CR_DISCOUNT, /* $20: what it took off */
	CR_NPARAMS
};
static struct zt_sql q_create = ZT_SQL("bk_create",
    "WITH b AS (INSERT INTO bookings (id, tenant_id, event_id, user_id,"
    "  status, subtotal_paise, fee_paise, tax_paise, total_paise, hold_id,"
    "  expires_at, buyer_name, buyer_email, buyer_phone, confirmed_at,"
    "  promo_code_id, discount_paise)"
    "  VALUES ($1, $2, $3, $4,"
    "  CASE WHEN $14::boolean THEN 'confirmed' ELSE 'pending' END,"
    "  $5, $6, $7, $8, $9,"
    "  to_timestamp($10::bigint / 1000.0) + interval '" GRACE_SECS " seconds',"
    "  $11, $12, $13, CASE WHEN $14::boolean THEN now() END, $19, $20)"
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
    " SELECT " ISO_EXPIRES ", " ISO_CREATED ","
    "  " ISO_CONFIRMED ", (SELECT count(*) FROM g),"
    "  t.id, t.seat_id, t.ticket_type_id, t.price_paise"
    " FROM b LEFT JOIN t ON true ORDER BY t.id",
    20);
static struct zt_sql q_payment_order = ZT_SQL("bk_payment_order",
    "UPDATE payments SET provider_order_id = $2 WHERE booking_id = $1"
    " AND provider_order_id IS NULL",
    2);
static struct zt_sql q_cancel_unpaid = ZT_SQL("bk_cancel_unpaid",
    "UPDATE bookings SET status = 'cancelled', cancelled_at = now()"
    " WHERE id = $1 AND status = 'pending'",
    1);
struct zt_sql zt__q_find = ZT_SQL(
    "bk_find", "SELECT tenant_id, user_id FROM bookings WHERE id = $1", 1);
struct zt_sql zt__q_status = ZT_SQL("bk_status",
    "UPDATE bookings SET status = $2, cancelled_at = now() WHERE id = $1", 2);

/* reads */
struct zt_sql zt__q_get = ZT_SQL("bk_get",
    "SELECT b.id, b.status, b.event_id, b.tenant_id, b.subtotal_paise,"
    " b.fee_paise, b.tax_paise, b.total_paise, b.currency,"
    " to_char(b.expires_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " to_char(b.created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " to_char(b.confirmed_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " e.title, to_char(e.starts_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), e.venue_name, b.user_id,"
    " b.buyer_name, b.buyer_email, b.buyer_phone,"
    " b.status = 'confirmed' AND e.refund_policy = 'before_start'"
    "  AND now() < e.starts_at - make_interval(hours =>"
    "  coalesce(e.refund_cutoff_hours, 0)),"
    " coalesce(e.refund_fee_paise, 0), coalesce(e.refund_fee_bps, 0),"
    /* the QR window (docs/tickets.md, "Validity") */
    " extract(epoch FROM e.starts_at - interval '12 hours')::bigint,"
    " extract(epoch FROM e.ends_at + interval '6 hours')::bigint,"
    " " WHEN_LOCAL ", b.close_reason, b.discount_paise"
    " FROM bookings b CROSS JOIN LATERAL " EVENT_OF("b") " WHERE b.id = $1",
    1);
/*
 * Each label is a subquery narrowed to the item's event: a join let the
 * plan scan every tenant's ticket types, running their public_read policy
 * function on each (docs/benchmarks.md, section 19).
 */
struct zt_sql zt__q_get_items = ZT_SQL("bk_get_items",
    "SELECT bi.seat_id, bi.ticket_type_id, bi.quantity, bi.unit_price_paise,"
    " coalesce((SELECT ltrim(s.section || ' ' || s.row_label ||"
    " s.seat_label)"
    "  FROM seats s WHERE s.event_id = bi.event_id AND s.id = bi.seat_id),"
    " (SELECT tt.name FROM ticket_types tt WHERE tt.event_id = bi.event_id"
    "  AND tt.id = bi.ticket_type_id))"
    " FROM booking_items bi WHERE bi.booking_id = $1 ORDER BY 5",
    1);
static struct zt_sql q_mine = ZT_SQL("bk_mine",
    "SELECT b.id FROM bookings b WHERE b.user_id = $1"
    " AND b.status <> 'cancelled' ORDER BY b.created_at DESC LIMIT 100",
    1);
/* an event of the caller's tenant (another tenant's listed event is
 * visible through the catalogue policy, so the tenant is compared) */
static struct zt_sql q_own_event = ZT_SQL(
    "bk_own_event", "SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_list = ZT_SQL("bk_list",
    "SELECT b.id FROM bookings b WHERE b.event_id = $1"
    " AND b.status IN ('confirmed', 'refunded', 'cancelled')"
    " ORDER BY b.created_at DESC LIMIT 500",
    1);

/* cron */
/*
 * Cron finds work under the system admin's read-only scope, then locks
 * each row under its own tenant: FOR UPDATE needs the UPDATE policies,
 * which only a tenant scope passes.
 */
static struct zt_sql q_due = ZT_SQL("bk_due",
    "SELECT id, tenant_id FROM bookings WHERE status = 'pending'"
    " AND expires_at < now() ORDER BY expires_at LIMIT 1",
    0);
static struct zt_sql q_due_lock = ZT_SQL("bk_due_lock",
    "SELECT event_id, user_id, coalesce(hold_id, ''), approval IS NOT NULL"
    " FROM bookings"
    " WHERE id = $1 AND status = 'pending' AND expires_at < now()"
    " FOR UPDATE SKIP LOCKED",
    1);
static struct zt_sql q_expired = ZT_SQL("bk_expired",
    "UPDATE bookings SET status = 'expired', close_reason = 'hold_expired'"
    " WHERE id = $1",
    1);
/* released holds: the buyer's pending orders of the event ($1 user, $2
 * event), found under the buyer's own read policy, closed in their tenant */
/* ---------------------------------------------------------- helpers ---- */

const char *
zt__dup(struct zt_req *req, const PGresult *r, int row, int col)
{
	const char *v = zt_db_val(r, row, col);
	return v ? zt_arena_strdup(req->arena, v) : NULL;
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
	json_object_object_add(
	    m, "bookingId", json_object_new_string(booking_id));
	json_object_object_add(m, "eventId", json_object_new_string(event_id));
	const char *text = zt_json_text(req, m, &len);
	json_object_put(m);
	zt_live_publish(zt_g.live,
	    zt_arena_printf(req->arena, "tenant:%s", tenant_id), text, len);
	if (buyer)
		zt_live_publish(zt_g.live,
		    zt_arena_printf(req->arena, "booking:%s", booking_id), text,
		    len);
}

void
zt__run_after(struct zt_req *req, const struct zt__after *a)
{
	/* Redis trouble never undoes a committed sale: err is dropped */
	struct zt_error err = ZT_ERROR_INIT;
	if (a->consume)
		zt_hold_consume(req, &err, a->event_id, a->user_id,
		    a->hold_id ? a->hold_id : "", a->seats, a->nseats, a->ga,
		    a->nga);
	if (a->unsell)
		zt_hold_unsell(req, &err, a->event_id, a->user_id, a->seats,
		    a->nseats, a->ga, a->nga);
	if (a->refund_id)
		zt__refund_send(req, a->tenant_id, a->refund_id,
		    a->refund_payment, a->refund_amount, a->refund_key);
	if (a->live_type)
		publish_booking(req, a->live_type, a->tenant_id, a->booking_id,
		    a->event_id, !a->born_settled);
	/* committed: count it (paid when it was not born settled) */
	if (a->refund_id)
		zt_metrics_count(ZT_MC_REFUNDS, 1);
	if (a->live_type && strcmp(a->live_type, "booking.confirmed") == 0) {
		zt_metrics_count(ZT_MC_BOOKINGS_CONFIRMED, 1);
		if (!a->born_settled)
			zt_metrics_count(ZT_MC_PAYMENTS_CAPTURED, 1);
	}
}

/* Load the seats and GA lines of a booking into a (for Redis). */
enum zt_err
zt__load_items(struct zt_req *req, const char *booking_id, struct zt__after *a)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r = zt_db_exec(req, &err, &zt__q_get_items, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	a->items = r;
	int n = PQntuples(r);
	a->seats = zt_arena_array(req->arena, (size_t)n + 1, sizeof(char *));
	a->ga = zt_arena_array(req->arena, (size_t)n + 1, sizeof(*a->ga));
	a->nseats = a->nga = 0;
	for (int i = 0; i < n; i++) {
		if (!PQgetisnull(r, i, ITEM_SEAT)) {
			a->seats[a->nseats++] = zt__dup(req, r, i, ITEM_SEAT);
		} else {
			a->ga[a->nga].type_id = zt__dup(req, r, i, ITEM_TYPE);
			a->ga[a->nga].quantity =
			    atoi(PQgetvalue(r, i, ITEM_QTY));
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
	const char *tenant;  /* the booking's tenant (uuid) */
};

/* summary with one more line of a booking: "1 x A 1, 2 x Floor" */
const char *
zt__summary_add(
    struct zt_req *req, const char *summary, const char *qty, const char *label)
{
	return zt_arena_printf(req->arena, "%s%s%s x %s", summary,
	    *summary ? ", " : "", qty, label ? label : "");
}

/* Queue a templated message to the buyer of a booking (by email, else SMS). */
static enum zt_err
queue_buyer_msg(struct zt_req *req, const char *booking_id,
    const struct buyer_facts *f, const char *template, const char *amount_key,
    long long amount, const char *reason)
{
	struct json_object *m;
	char money[48];
	enum zt_err e;
	if (f->email == NULL && f->phone == NULL)
		return ZT_OK;
	m = json_object_new_object();
	json_object_object_add(m, "template", json_object_new_string(template));
	json_object_object_add(m, "name",
	    json_object_new_string(
		f->name ? f->name : "")); /* "" reads "there" */
	json_object_object_add(m, "bookingRef",
	    json_object_new_string(
		zt_arena_printf(req->arena, "ZT-%.8s", booking_id)));
	json_object_object_add(
	    m, "eventTitle", json_object_new_string(f->title));
	json_object_object_add(m, "eventWhen", json_object_new_string(f->when));
	json_object_object_add(
	    m, "venue", json_object_new_string(f->venue ? f->venue : ""));
	json_object_object_add(m, "total",
	    json_object_new_string(
		zt_price_format(f->total, money, sizeof(money))));
	json_object_object_add(m, amount_key,
	    json_object_new_string(
		zt_price_format(amount, money, sizeof(money))));
	json_object_object_add(m, "reason", json_object_new_string(reason));
	json_object_object_add(m, "link",
	    json_object_new_string(zt_arena_printf(
		req->arena, "%s/tickets.html", zt_g.cfg.public_url)));
	json_object_object_add(
	    m, "ticketSummary", json_object_new_string(f->summary));
	json_object_object_add(m, "tenantName", json_object_new_string(""));
	/* the sender attaches the tickets' PDF of a confirmation by these
	 * (zt_booking_pdf_attach) */
	json_object_object_add(
	    m, "bookingId", json_object_new_string(booking_id));
	json_object_object_add(
	    m, "tenantId", json_object_new_string(f->tenant));
	e = zt_outbox_enqueue(
	    req, f->email ? "email" : "sms", f->email ? f->email : f->phone, m);
	json_object_put(m);
	return e;
}

/*
 * The same for a booking read back from the database; a (may be NULL)
 * lends its items when read already and keeps the q_get row for the
 * answer.
 */
enum zt_err
zt__tell_buyer(struct zt_req *req, const char *booking_id, struct zt__after *a,
    const char *template, const char *amount_key, long long amount,
    const char *reason)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	const PGresult *items = a ? a->items : NULL;
	PGresult *r = zt_db_exec(req, &err, &zt__q_get, p);
	struct buyer_facts f;
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (a != NULL)
		a->got = r;
	if (PQntuples(r) == 0)
		return ZT_OK;
	memset(&f, 0, sizeof(f));
	f.email = zt_db_val(r, 0, GET_BUYER_EMAIL);
	f.phone = zt_db_val(r, 0, GET_BUYER_PHONE);
	f.name = zt_db_val(r, 0, GET_BUYER_NAME);
	if (f.email == NULL && f.phone == NULL)
		return ZT_OK;
	f.title = PQgetvalue(r, 0, GET_TITLE);
	f.tenant = PQgetvalue(r, 0, GET_TENANT);
	f.when = PQgetvalue(r, 0, GET_WHEN);
	f.venue = zt_db_val(r, 0, GET_VENUE);
	f.total = atoll(PQgetvalue(r, 0, GET_TOTAL));
	if (items == NULL &&
	    (items = zt_db_exec(req, &err, &zt__q_get_items, p)) == NULL)
		return zt_fail_error(req, &err);
	f.summary = "";
	for (int i = 0; i < PQntuples(items); i++)
		f.summary = zt__summary_add(req, f.summary,
		    PQgetvalue(items, i, ITEM_QTY),
		    PQgetvalue(items, i, ITEM_LABEL));
	return queue_buyer_msg(
	    req, booking_id, &f, template, amount_key, amount, reason);
}

/* --------------------------------------------------------- creating ---- */

/* Queue q_lines for a hold: its result arrives with the next statement. */
static enum zt_err
ask_lines(struct zt_req *req, const char *event_id, const struct zt_hold *h,
    PGresult **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[4], **ids;
	ids = zt_arena_array(req->arena, h->nga + 1, sizeof(char *));
	for (size_t i = 0; i < h->nga; i++)
		ids[i] = h->ga[i].type_id;
	p[0] = event_id;
	p[1] = zt_db_array(req, h->seats, h->nseats);
	p[2] = zt_db_array(req, ids, h->nga);
	p[3] = req->user_id;
	if (zt_db_queue(req, &err, &q_lines, p, out) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* The lines of hold h priced from q_lines's result r. */
static enum zt_err
price_hold(struct zt_req *req, const struct zt_hold *h, const PGresult *r,
    struct zt__lines *l)
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
	l->cat = zt_arena_array(req->arena, cap + 1, sizeof(char *));
	l->hidden = zt_arena_array(req->arena, cap + 1, sizeof(int));
	l->prices = zt_arena_array(
	    req->arena, (size_t)total_tickets + 1, sizeof(int64_t));
	for (int i = 0; i < PQntuples(r); i++) {
		int kind = atoi(PQgetvalue(r, i, LINE_KIND));
		if (kind == LINE_BOUGHT)
			l->bought = atoi(PQgetvalue(r, i, LINE_PRICE));
		if (kind != LINE_SEAT)
			continue;
		l->seat[l->n] = zt__dup(req, r, i, LINE_ID);
		l->type[l->n] = NULL;
		l->qty[l->n] = "1";
		l->price[l->n] = zt__dup(req, r, i, LINE_PRICE);
		l->label[l->n] = zt__dup(req, r, i, LINE_LABEL);
		l->cat[l->n] = zt__dup(req, r, i, LINE_CAT);
		l->hidden[l->n] = 0;
		l->prices[l->tickets++] = atoll(PQgetvalue(r, i, LINE_PRICE));
		l->n++;
		nseats++;
	}
	if (nseats != h->nseats)
		return zt_fail(req, ZT_ECONFLICT, "seats_changed",
		    "some held seats are no longer for sale; choose again");
	for (size_t i = 0; i < h->nga; i++) {
		int row = -1;
		for (int k = 0; k < PQntuples(r); k++)
			if (atoi(PQgetvalue(r, k, LINE_KIND)) == LINE_GA &&
			    strcmp(PQgetvalue(r, k, LINE_ID),
				h->ga[i].type_id) == 0)
				row = k;
		if (row < 0)
			return zt_fail(req, ZT_ECONFLICT, "tickets_changed",
			    "a held ticket type is no longer for sale; choose "
			    "again");
		l->seat[l->n] = NULL;
		l->type[l->n] = h->ga[i].type_id;
		l->qty[l->n] =
		    zt_arena_printf(req->arena, "%d", h->ga[i].quantity);
		l->price[l->n] = zt__dup(req, r, row, LINE_PRICE);
		l->label[l->n] = zt__dup(req, r, row, LINE_LABEL);
		l->cat[l->n] = NULL;
		l->hidden[l->n] = *PQgetvalue(r, row, LINE_HIDDEN) == 't';
		for (int q = 0; q < h->ga[i].quantity; q++)
			l->prices[l->tickets++] =
			    atoll(PQgetvalue(r, row, LINE_PRICE));
		l->n++;
		l->nga++;
	}
	return ZT_OK;
}

/*
 * The promo code (NULL: none) applied to the priced lines l: each line's
 * unit price (and l->prices, one per ticket) becomes its promo price;
 * what it took off is in use->discount (lib/zt_promo.c).
 */
static enum zt_err
apply_promo(struct zt_req *req, const char *tenant, const char *event_id,
    const char *code, struct zt__lines *l, struct zt_promo_use *use)
{
	struct zt_promo_line *pl =
	    zt_arena_array(req->arena, l->n + 1, sizeof(*pl));
	enum zt_err e;
	int t = 0;
	for (size_t i = 0; i < l->n; i++) {
		pl[i].type_id = l->type[i];
		pl[i].category = l->cat[i];
		pl[i].hidden = l->hidden[i];
		pl[i].qty = atoi(l->qty[i]);
		pl[i].unit = atoll(l->price[i]);
	}
	if ((e = zt_promo_apply(req, tenant, event_id, code, pl, l->n, use)) !=
	    ZT_OK)
		return e;
	for (size_t i = 0; i < l->n; i++) {
		l->price[i] =
		    zt_arena_printf(req->arena, "%lld", (long long)pl[i].unit);
		for (int q = 0; q < pl[i].qty; q++)
			l->prices[t++] = pl[i].unit;
	}
	return ZT_OK;
}

/* "id:qty,…" of the hold, sorted like q_pending's */
const char *
zt__hold_sig(struct zt_req *req, const struct zt__lines *l)
{
	const char **parts =
	    zt_arena_array(req->arena, l->n + 1, sizeof(char *));
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
		s = zt_arena_printf(
		    req->arena, "%s%s%s", s, i ? "," : "", parts[i]);
	return s;
}

/*
 * Line indexes of l in label order, NULL labels last: the order of
 * q_get_items (ORDER BY label; the cluster's collation is C.UTF-8, which is
 * strcmp's byte order).
 */
size_t *
zt__label_order(struct zt_req *req, const struct zt__lines *l)
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

/*
 * The Razorpay order of a committed, unpaid booking, stored on its payment
 * unless a racing request stored one first.  A provider failure cancels
 * the booking (502).
 */
enum zt_err
zt__place_order(struct zt_req *req, const char *id, const char *event_id,
    const char *tenant, long long total, const char **order_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_razorpay_cfg cfg;
	struct zt_razorpay_order order;
	struct zt_razorpay_err rerr;
	struct zt_razorpay_note notes[3] = {
	    {"booking_id", id}, {"event_id", event_id}, {"tenant_id", tenant}};

	zt_server_razorpay_cfg(&cfg);
	if (zt_razorpay_order_create(
		&cfg, total, id, notes, 3, &order, &rerr) != 0) {
		zt_log_error(
		    "booking", "order for %s failed: %s", id, rerr.msg);
		if (zt_db_begin_tenant(req, &err, tenant, req->user_id) ==
		    ZT_OK) {
			const char *c[1] = {id};
			if (zt_db_exec(req, &err, &q_cancel_unpaid, c) != NULL)
				zt_db_commit(req, &err);
		}
		zt_db_rollback();
		return zt_fail(req, ZT_EUPSTREAM, "payment_unavailable",
		    "the payment service did not answer; try again");
	}
	if (zt_db_begin_tenant(req, &err, tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	const char *op[2] = {id, order.id};
	if (zt_db_queue(req, &err, &q_payment_order, op, NULL) != ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*order_id = zt_arena_strdup(req->arena, order.id);
	return ZT_OK;
}

/* After the COMMIT of a booking born with its seats taken (free, or a
 * registration waiting for approval): hold h is consumed, live_type told. */
static void
consume_after(struct zt_req *req, struct zt__after *a, const struct zt_hold *h,
    const char *event_id, const char *tenant, const char *id,
    const char *live_type)
{
	a->consume = 1;
	a->event_id = event_id;
	a->user_id = req->user_id;
	a->hold_id = h->id;
	a->tenant_id = tenant;
	a->booking_id = id;
	a->seats = h->seats;
	a->nseats = h->nseats;
	a->ga = h->ga;
	a->nga = h->nga;
	a->live_type = live_type;
	a->born_settled = 1;
	zt__run_after(req, a);
}

enum zt_err
zt_booking_create(struct zt_req *req, const char *event_id,
    const char *promo_code, struct json_object *answers,
    struct json_object **out, int *created)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_hold h;
	struct zt__lines l;
	struct zt_price price;
	struct zt_price_rules rules;
	struct buyer_facts bf;
	struct zt__after a;
	struct zt_ticket_signer sg;
	struct zt_promo_use use;
	struct zt_form_take form;
	char id[ZT_UUID_BUF], num[5][24], expires[24];
	const char *p[2], *tenant;
	PGresult *ev, *lines, *pending, *made;
	enum zt_err e;
	int is_free;
	PGresult *key = NULL; /* the signing key, read ahead (free) */

	memset(&a, 0, sizeof(a));
	*out = NULL;
	*created = 0;
	/* the event's tenant, read through the public catalogue policy */
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	p[0] = event_id;
	p[1] = req->user_id;
	if ((ev = zt_db_exec(req, &err, &q_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(ev) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	/* a sale with a waiting room: the pass (docs/waiting-room.md) */
	if ((e = zt_queue_check(req, event_id,
		 PQgetvalue(ev, 0, EV_QUEUE_ON)[0] == 't')) != ZT_OK)
		return e;
	if ((e = zt_hold_get(req, event_id, req->user_id, &h)) != ZT_OK)
		return e;
	if (h.id[0] == '\0')
		return zt_fail(req, ZT_ECONFLICT, "no_holds",
		    "hold some seats or tickets first");
	if (strcmp(PQgetvalue(ev, 0, EV_STATUS), "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_not_on_sale",
		    "this event is not on sale");
	tenant = zt__dup(req, ev, 0, EV_TENANT);
	int limit = atoi(PQgetvalue(ev, 0, EV_LIMIT));
	if (zt_db_scope_tenant(req, &err, tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);

	/* the hold's prices and the buyer's pending bookings: one round trip */
	if ((e = ask_lines(req, event_id, &h, &lines)) != ZT_OK)
		return e;
	p[0] = req->user_id;
	p[1] = event_id;
	if ((pending = zt_db_exec(req, &err, &q_pending, p)) == NULL)
		return zt_fail_error(req, &err);
	if ((e = price_hold(req, &h, lines, &l)) != ZT_OK ||
	    (e = apply_promo(req, tenant, event_id, promo_code, &l, &use)) !=
		ZT_OK ||
	    /* the registration form's answers, approval mode (zt_form.h) */
	    (e = zt_form_take(
		 req, tenant, event_id, answers, l.tickets, &form)) != ZT_OK)
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
	price.discount = use.discount;
	if (price.total > 0 && price.total < 100)
		return zt_fail(req, ZT_EINVALID, "total_too_small",
		    "online payments start at \u20b91.00");

	/* one pending booking per buyer and event: the same hold gives the
	 * same booking back; a changed hold supersedes the old one */
	for (int i = 0; i < PQntuples(pending); i++) {
		const char *old = zt__dup(req, pending, i, PEND_ID);
		const char *q[1] = {old};
		if (strcmp(PQgetvalue(pending, i, PEND_SIG),
			zt__hold_sig(req, &l)) == 0 &&
		    strcmp(PQgetvalue(pending, i, PEND_PROMO), use.id) == 0) {
			const char *order_id;
			if (zt_db_commit(req, &err) != ZT_OK)
				return zt_fail_error(req, &err);
			/* its order was lost with the request that made it
			 * (the database went away after COMMIT): place it */
			if (!PQgetisnull(pending, i, PEND_UNPLACED) &&
			    (e = zt__place_order(req, old, event_id, tenant,
				 atoll(PQgetvalue(pending, i, PEND_UNPLACED)),
				 &order_id)) != ZT_OK)
				return e;
			return zt__booking_answer(req, old, out);
		}
		if (zt_db_exec(req, &err, &q_supersede, q) == NULL)
			return zt_fail_error(req, &err);
	}

	zt_uuid_new(id);
	/* a registration waiting for approval issues nothing yet */
	is_free = price.total == 0 && !form.approval;
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)price.subtotal);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)price.fee);
	snprintf(num[2], sizeof(num[2]), "%lld", (long long)price.tax);
	snprintf(num[3], sizeof(num[3]), "%lld", (long long)price.total);
	snprintf(num[4], sizeof(num[4]), "%lld", (long long)use.discount);
	snprintf(expires, sizeof(expires), "%lld", h.expires_ms);
	const char *bp[CR_NPARAMS] = {
	    [CR_ID] = id,
	    [CR_TENANT] = tenant,
	    [CR_EVENT] = event_id,
	    [CR_USER] = req->user_id,
	    [CR_SUBTOTAL] = num[0],
	    [CR_FEE] = num[1],
	    [CR_TAX] = num[2],
	    [CR_TOTAL] = num[3],
	    [CR_HOLD] = h.id,
	    [CR_HOLD_EXPIRES_MS] = expires,
	    [CR_BUYER_NAME] = zt_db_val(ev, 0, EV_BUYER_NAME),
	    [CR_BUYER_EMAIL] = zt_db_val(ev, 0, EV_BUYER_EMAIL),
	    [CR_BUYER_PHONE] = zt_db_val(ev, 0, EV_BUYER_PHONE),
	    [CR_FREE] = is_free ? "true" : "false",
	    [CR_SEATS] = zt_db_array(req, l.seat, l.n),
	    [CR_TYPES] = zt_db_array(req, l.type, l.n),
	    [CR_QTYS] = zt_db_array(req, l.qty, l.n),
	    [CR_PRICES] = zt_db_array(req, l.price, l.n),
	    [CR_PROMO] = use.id[0] ? use.id : NULL,
	    [CR_DISCOUNT] = num[4],
	};
	/* a free booking's answer signs its tickets: the key is read in the
	 * same round trip as the insert */
	if (is_free &&
	    (e = zt_ticket_signer_queue(req, tenant, NULL, &key)) != ZT_OK)
		return e;
	if ((made = zt_db_exec(req, &err, &q_create, bp)) == NULL) {
		/* free: a seat with a live ticket already */
		if (is_free && strcmp(zt_db_sqlstate(), "23505") == 0)
			return zt_fail(req, ZT_ECONFLICT, "sold_out",
			    "these seats or tickets were just taken");
		return zt_fail_error(req, &err);
	}
	/* the code's use, guarded: of buyers racing for its last use one
	 * passes, the others fail here and their transaction with it */
	if ((e = zt_promo_redeem(req, &use, id)) != ZT_OK ||
	    (e = zt_form_store(req, &form, tenant, id)) != ZT_OK)
		return e;

	if (is_free) {
		/* confirmed in that statement unless a GA type ran out */
		if (atoi(PQgetvalue(made, 0, MADE_GA_TAKEN)) != l.nga)
			return zt_fail(req, ZT_ECONFLICT, "sold_out",
			    "these seats or tickets were just taken");
		memset(&bf, 0, sizeof(bf));
		bf.name = zt_db_val(ev, 0, EV_BUYER_NAME);
		bf.email = zt_db_val(ev, 0, EV_BUYER_EMAIL);
		bf.phone = zt_db_val(ev, 0, EV_BUYER_PHONE);
		bf.title = PQgetvalue(ev, 0, EV_TITLE);
		bf.tenant = tenant;
		bf.when = PQgetvalue(ev, 0, EV_WHEN);
		bf.venue = zt_db_val(ev, 0, EV_VENUE);
		bf.total = price.total;
		size_t *o = zt__label_order(req, &l);
		bf.summary = "";
		for (size_t i = 0; i < l.n; i++)
			bf.summary = zt__summary_add(
			    req, bf.summary, l.qty[o[i]], l.label[o[i]]);
		if ((e = queue_buyer_msg(req, id, &bf, "booking.confirmed",
			 "amount", 0, "")) != ZT_OK ||
		    (e = zt_whout_event(req, tenant, "booking.confirmed",
			 "bookingId", id, "eventId", event_id, "amountPaise",
			 "0", NULL)) != ZT_OK)
			return e;
		/* the key that signs the answer's QR payloads, in this
		 * transaction: its first one commits with the tickets */
		if ((e = zt_ticket_signer_from(req, tenant, key, &sg)) != ZT_OK)
			return e;
		if (zt_db_commit(req, &err) != ZT_OK) {
			sodium_memzero(&sg, sizeof(sg));
			return zt_fail_error(req, &err);
		}
		consume_after(
		    req, &a, &h, event_id, tenant, id, "booking.confirmed");
		*out = zt__created_json(
		    req, id, event_id, tenant, &price, ev, &l, made, NULL, &sg);
		zt_form_created_add(&form, *out);
		sodium_memzero(&sg, sizeof(sg));
		*created = 1;
		zt_metrics_count(ZT_MC_BOOKINGS_CREATED, 1);
		return ZT_OK;
	}

	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (form.approval) {
		/* its seats and units stay taken while the organizer decides:
		 * the hold is consumed, no order yet (zt_form_approval.c) */
		consume_after(
		    req, &a, &h, event_id, tenant, id, "booking.registered");
		*created = 1;
		zt_metrics_count(ZT_MC_BOOKINGS_CREATED, 1);
		return zt__booking_answer(req, id, out);
	}

	/* the order, after COMMIT: a failure cancels the unpaid booking */
	const char *order_id;
	if ((e = zt__place_order(
		 req, id, event_id, tenant, price.total, &order_id)) != ZT_OK)
		return e;
	*out = zt__created_json(
	    req, id, event_id, tenant, &price, ev, &l, made, order_id, NULL);
	zt_form_created_add(&form, *out);
	*created = 1;
	zt_metrics_count(ZT_MC_BOOKINGS_CREATED, 1);
	return ZT_OK;
}

/* ------------------------------------------------------------ reads ---- */

enum zt_err
zt__no_booking(struct zt_req *req)
{
	return zt_fail(
	    req, ZT_ENOTFOUND, "booking_not_found", "no such booking");
}

enum zt_err
zt__begin_as_buyer(
    struct zt_req *req, const char *booking_id, const char **tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r;
	req->tenant_id[0] = '\0';
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &zt__q_find, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0 ||
	    strcmp(PQgetvalue(r, 0, FIND_USER), req->user_id) != 0)
		return zt__no_booking(req);
	*tenant = zt__dup(req, r, 0, FIND_TENANT);
	if (zt_db_scope_tenant(req, &err, *tenant, req->user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt__booking_answer(
    struct zt_req *req, const char *booking_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;
	*out = NULL;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = zt__booking_json(req, booking_id, out)) != ZT_OK)
		return e;
	/* commit: signing the buyer's tickets may have made the tenant's
	 * first key (docs/tickets.md) */
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

/*
 * The buyer reads their own booking under the buyer's scope alone; anyone
 * else is an organizer of the active tenant, whose membership and role are
 * read again from the database (zt_team_begin: a removed member is 403
 * not_a_member whatever their token says) before the tenant's bookings are
 * visible; another tenant's booking stays 404.
 */
enum zt_err
zt_booking_get(
    struct zt_req *req, const char *booking_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (!zt_is_uuid(booking_id))
		return zt__no_booking(req);
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* a token without a tenant reads as the buyer alone (404 when not
	 * theirs) in one round trip; with one, the buyer first */
	if (req->tenant_id[0] != '\0') {
		if ((r = zt_db_exec(req, &err, &zt__q_find, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) > 0 &&
		    strcmp(PQgetvalue(r, 0, FIND_USER), req->user_id) == 0) {
			req->tenant_id[0] = '\0'; /* the buyer's view */
		} else {
			zt_db_rollback();
			if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) !=
			    ZT_OK)
				return e;
		}
	}
	if ((e = zt__booking_json(req, booking_id, out)) != ZT_OK)
		return e;
	/* commit: signing the buyer's tickets may have made the tenant's
	 * first key (docs/tickets.md) */
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

enum zt_err
zt_booking_ticket_qr_svg(struct zt_req *req, const char *booking_id,
    const char *ticket_id, const char **svg)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *b, *tickets;
	const char *qr = NULL;
	enum zt_err e;
	*svg = NULL;
	if (!zt_is_uuid(booking_id) || !zt_is_uuid(ticket_id))
		return zt__no_booking(req);
	/* the buyer's scope alone: an organizer's token sees its own
	 * bookings only, and booking_json signs for the buyer only */
	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = zt__booking_json(req, booking_id, &b)) != ZT_OK)
		return e;
	tickets = json_object_object_get(b, "tickets");
	for (size_t i = 0; i < json_object_array_length(tickets); i++) {
		struct json_object *x = json_object_array_get_idx(tickets, i);
		struct json_object *q = json_object_object_get(x, "qr");
		if (q != NULL &&
		    strcasecmp(
			json_object_get_string(json_object_object_get(x, "id")),
			ticket_id) == 0)
			qr = zt_arena_strdup(
			    req->arena, json_object_get_string(q));
	}
	json_object_put(b);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (qr == NULL || (*svg = zt_qr_svg(req->arena, qr, NULL)) == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "ticket_not_found",
		    "no such live ticket in your booking");
	return ZT_OK;
}

/*
 * *out = {bookings: […]}, the bookings q (one parameter, arg) lists, in
 * the open transaction.
 */
static enum zt_err
list_of(struct zt_req *req, struct zt_sql *q, const char *arg,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {arg};
	PGresult *r;
	struct json_object *list, *body;
	enum zt_err e;
	if ((r = zt_db_exec(req, &err, q, p)) == NULL)
		return zt_fail_error(req, &err);
	list = json_object_new_array();
	body = json_object_new_object();
	json_object_object_add(body, "bookings", list);
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *b;
		if ((e = zt__booking_json(req, PQgetvalue(r, i, 0), &b)) !=
		    ZT_OK) {
			json_object_put(body);
			return e;
		}
		json_object_array_add(list, b);
	}
	/* commit: a buyer's list may have made the tenant's first key */
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(body);
		return zt_fail_error(req, &err);
	}
	*out = body;
	return ZT_OK;
}

enum zt_err
zt_booking_mine(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	*out = NULL;
	/* only the buyer policy: an organizer's token must not widen it */
	req->tenant_id[0] = '\0';
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return list_of(req, &q_mine, req->user_id, out);
}

/* Members of the event's tenant, role read again from the database;
 * another tenant's event is 404. */
enum zt_err
zt_booking_list(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_own_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	return list_of(req, &q_list, event_id, out);
}

/* -------------------------------------------------------------- cron ---- */

int
zt__run_steps(zt__step_fn fn, int limit, int *done)
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
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_due, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0;
	const char *id = zt__dup(req, r, 0, 0), *tenant = zt__dup(req, r, 0, 1);
	const char *p[1] = {id};
	if (zt_db_scope_tenant(req, &err, tenant, "") != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_due_lock, p)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		return 0; /* another run has it */
	const char *event = zt__dup(req, r, 0, 0),
		   *user = zt__dup(req, r, 0, 1);
	const char *hold = zt__dup(req, r, 0, 2);
	int registration = *PQgetvalue(r, 0, 3) == 't';
	struct zt__after a;
	memset(&a, 0, sizeof(a));
	/* a registration (approval mode) consumed its hold: its seats and
	 * units go back on sale (zt_form_approval.c) */
	if (zt_db_exec(req, &err, &q_expired, p) == NULL ||
	    (registration && zt__load_items(req, id, &a) != ZT_OK) ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	if (registration) {
		zt_hold_unsell(
		    req, &err, event, user, a.seats, a.nseats, a.ga, a.nga);
		zt_log_info("expire", "registration %s expired", id);
		return 1;
	}
	/* release the hold only if it is still the one this booking had;
	 * the booking has expired whatever Redis says (err is dropped) */
	zt_hold_release_if(req, &err, event, user, hold);
	zt_log_info("expire", "booking %s expired", id);
	return 1;
}

int
zt_booking_expire_due(int limit, int *done)
{
	return zt__run_steps(expire_one, limit, done);
}
