/*
 * zt_booking_int.h - what the booking modules share among themselves
 * (zt_booking.c, zt_booking_json.c, zt_settle.c, zt_refund.c); not for
 * other modules.  Public calls are in zt_booking.h, zt_settle.h and
 * zt_refund.h; docs/bookings.md tells the whole story.
 */
#ifndef ZT_BOOKING_INT_H
#define ZT_BOOKING_INT_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "zt_db.h"
#include "zt_hold.h"
#include "zt_price.h"
#include "zt_razorpay.h"
#include "zt_req.h"
#include "zt_ticket.h"

/* a timestamptz as the API shows it */
#define ISO(x)                                                                 \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * A booking's event as e, read by its key alone.  A plain join of a
 * small events table is planned as a scan of every event, and each other
 * tenant's event then runs the public_read policy's function before the
 * join compares ids (docs/benchmarks.md, section 19); the LIMIT keeps the
 * subquery a parameterised lookup.
 */
#define EVENT_OF(b)                                                            \
	"(SELECT * FROM events e WHERE e.id = " b ".event_id"                  \
	" LIMIT 1) e"

/*
 * When the event starts, as a person reads it in a message: in the event's
 * own time zone, "Sun, 27 Dec 2026, 6:00 PM IST" (the pages format the
 * same instant from the RFC 3339 time the API gives).
 */
#define WHEN_LOCAL                                                             \
	"to_char(e.starts_at AT TIME ZONE e.timezone,"                         \
	" 'Dy, FMDD Mon YYYY, FMHH12:MI AM') || ' ' || CASE e.timezone"        \
	" WHEN 'Asia/Kolkata' THEN 'IST' ELSE e.timezone END"

/* ------------------------------------- statements of zt_booking.c ---- */

/* A booking with its event card, buyer and refund terms, by id ($1). */
extern struct zt_sql zt__q_get;
enum zt__get_col {
	GET_ID,
	GET_STATUS,
	GET_EVENT,
	GET_TENANT,
	GET_SUBTOTAL,
	GET_FEE,
	GET_TAX,
	GET_TOTAL,
	GET_CURRENCY,
	GET_EXPIRES,
	GET_CREATED,
	GET_CONFIRMED,
	GET_TITLE, /* the event card: title, starts, venue */
	GET_STARTS,
	GET_VENUE,
	GET_USER,
	GET_BUYER_NAME, /* the buyer: name, email, phone */
	GET_BUYER_EMAIL,
	GET_BUYER_PHONE,
	GET_CANCELLABLE, /* 't' when the buyer may cancel now */
	GET_FEE_PAISE,	 /* the policy's fee: flat, basis points */
	GET_FEE_BPS,
	GET_VALID_FROM, /* the tickets' validity window, epoch seconds */
	GET_VALID_UNTIL,
	GET_WHEN,     /* WHEN_LOCAL */
	GET_CLOSE,    /* why a pending order closed, or NULL */
	GET_DISCOUNT, /* what a promo code took off (docs/commerce.md) */
};
/* A booking's lines with their labels, in label order ($1). */
extern struct zt_sql zt__q_get_items;
enum zt__item_col { ITEM_SEAT, ITEM_TYPE, ITEM_QTY, ITEM_PRICE, ITEM_LABEL };
/* tenant_id, user_id of a booking ($1) */
extern struct zt_sql zt__q_find;
enum zt__find_col { FIND_TENANT, FIND_USER };
/* booking $1 gets status $2 and cancelled_at now */
extern struct zt_sql zt__q_status;
/* Columns of the event a booking is created for (zt_booking_create). */
enum zt__event_col {
	EV_TENANT,
	EV_STATUS,
	EV_LIMIT,
	EV_TITLE, /* the event card: title, starts, venue */
	EV_STARTS,
	EV_VENUE,
	EV_CANCELLABLE, /* 't' when a confirmed booking may be cancelled */
	EV_FEE_PAISE,	/* the policy's fee: flat, basis points */
	EV_FEE_BPS,
	EV_BUYER_NAME, /* the buyer: name, email, phone */
	EV_BUYER_EMAIL,
	EV_BUYER_PHONE,
	EV_VALID_FROM, /* the tickets' validity window, epoch seconds */
	EV_VALID_UNTIL,
	EV_WHEN,     /* WHEN_LOCAL */
	EV_QUEUE_ON, /* 't': the sale has a waiting room */
};
/* Columns of the insert of a booking: one row per ticket issued. */
enum zt__made_col {
	MADE_EXPIRES,
	MADE_CREATED,
	MADE_CONFIRMED,
	MADE_GA_TAKEN, /* GA types whose units were taken */
	MADE_TICKET,   /* then the ticket: id, seat, type, price */
};

/* --------------------------------------------------------- helpers ---- */

/* What to do once the transaction has committed (zt__run_after). */
struct zt__after {
	int consume; /* the hold's seats/units were sold */
	int unsell;  /* cancelled tickets go back on sale */
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
	/* zt__q_get and zt__q_get_items of the booking, once read after its
	 * last change in this transaction (reused by the email and the
	 * answer) */
	const PGresult *got, *items;
};

/* Items of the hold with their database prices; fills arrays for SQL. */
struct zt__lines {
	size_t n;
	const char **seat, **type, **qty, **price, **label;
	const char **cat; /* a seat's price category (promo codes) */
	int *hidden;	  /* a hidden GA type (promo codes) */
	int64_t *prices;  /* one per ticket, for the breakdown */
	int tickets;
	int nga;    /* GA lines among the n */
	int bought; /* the buyer's live tickets for the event */
};

/* zt_booking.c */

/* The value at (row, col) copied into the arena; NULL for SQL NULL. */
const char *zt__dup(struct zt_req *req, const PGresult *r, int row, int col);
/* Queue the system admin's read-only scope (cron and webhooks). */
/* Redis, Razorpay and nchan once the transaction has committed. */
void zt__run_after(struct zt_req *req, const struct zt__after *a);
/* Load the seats and GA lines of a booking into a (for Redis). */
enum zt_err zt__load_items(
    struct zt_req *req, const char *booking_id, struct zt__after *a);
/* summary with one more line of a booking: "1 x A 1, 2 x Floor" (arena) */
const char *zt__summary_add(struct zt_req *req, const char *summary,
    const char *qty, const char *label);
/*
 * Queue a templated message to the buyer of a booking read back from the
 * database; a (may be NULL) lends its items when read already and keeps
 * the zt__q_get row for the answer.
 */
enum zt_err zt__tell_buyer(struct zt_req *req, const char *booking_id,
    struct zt__after *a, const char *template, const char *amount_key,
    long long amount, const char *reason);
/* "id:qty,…" of the lines, sorted (arena) */
const char *zt__hold_sig(struct zt_req *req, const struct zt__lines *l);
/*
 * Line indexes of l in label order, NULL labels last: the order of
 * zt__q_get_items (ORDER BY label; the cluster's collation is C.UTF-8,
 * which is strcmp's byte order).  In the arena.
 */
size_t *zt__label_order(struct zt_req *req, const struct zt__lines *l);
/* 404 booking_not_found: what anyone but its buyer and organizers sees. */
enum zt_err zt__no_booking(struct zt_req *req);
/*
 * Begin a transaction as the buyer of booking_id, scoped to its tenant
 * (*tenant, arena) for the buyer's writes: 404 booking_not_found unless
 * the caller bought it.  Drops the caller's active tenant.
 */
enum zt_err zt__begin_as_buyer(
    struct zt_req *req, const char *booking_id, const char **tenant);
/*
 * *out = the booking read in a fresh transaction under req's scope
 * (caller owns it).
 */
enum zt_err zt__booking_answer(
    struct zt_req *req, const char *booking_id, struct json_object **out);
/*
 * The Razorpay order of a committed, unpaid booking, stored on its payment
 * unless a racing request stored one first (opens its own transactions);
 * a provider failure cancels the booking (502).  *order_id in the arena.
 */
enum zt_err zt__place_order(struct zt_req *req, const char *id,
    const char *event_id, const char *tenant, long long total,
    const char **order_id);
/* zt_settle.c: issue the tickets of a pending booking inside a savepoint
 * (ZT_ECONFLICT: sold out, rolled back to it, the transaction goes on). */
enum zt_err zt__settle_issue(struct zt_req *req, const char *booking_id);
/* One step of a cron job: 1 did one, 0 nothing due, -1 failed. */
typedef int (*zt__step_fn)(struct zt_req *req);
/* Run fn up to limit times, each in its own request; *done counts. */
int zt__run_steps(zt__step_fn fn, int limit, int *done);

/* zt_booking_json.c: the JSON answers; every result is the caller's. */

/*
 * The booking as the API shows it, read under the current scope, into
 * *out (the caller's); 404 when invisible.  got and it: its zt__q_get and
 * zt__q_get_items rows when read already in this transaction after its
 * last change (else NULL).  The live tickets carry their signed QR
 * payloads when the buyer reads, or when sign is set (a job printing the
 * buyer's PDF): the key is read in the same round trip either way.
 */
enum zt_err zt__booking_json_with(struct zt_req *req, const char *booking_id,
    const PGresult *got, const PGresult *it, int sign,
    struct json_object **out);
enum zt_err zt__booking_json(
    struct zt_req *req, const char *booking_id, struct json_object **out);

/*
 * The booking zt_booking_create just wrote, as zt__booking_json shows it,
 * from what it had: ev (zt__event_col), its lines, made (zt__made_col:
 * timestamps, tickets) and, for a paid one, the Razorpay order.
 */
struct json_object *zt__created_json(struct zt_req *req, const char *id,
    const char *event_id, const char *tenant, const struct zt_price *price,
    const PGresult *ev, const struct zt__lines *l, const PGresult *made,
    const char *order_id, const struct zt_ticket_signer *sg);
/* "qr" on each ticket of the buyer's answer (zt_booking_json.c). */
enum zt_err zt__booking_add_qr(struct zt_req *req, struct json_object *tickets,
    const char *tenant, const char *event, int64_t from, int64_t until,
    const struct zt_ticket_signer *sg, const PGresult *ahead);

/* zt_refund.c */

/* Send a refund row to Razorpay and record what it said. */
void zt__refund_send(struct zt_req *req, const char *tenant_id,
    const char *refund_id, const char *provider_payment_id, long long amount,
    const char *key);
/*
 * A refund's end from Razorpay (ev->event "refund.processed" or
 * "refund.failed") recorded in the open transaction, under the system
 * scope; a->tenant_id is set to the refund's tenant.
 */
enum zt_err zt__refund_webhook(struct zt_req *req,
    const struct zt_razorpay_event *ev, struct zt__after *a);
/* Write a full refund of a captured payment row and tell the buyer. */
enum zt_err zt__refund_captured(struct zt_req *req, struct zt__after *a,
    const char *booking_id, const char *payment_row,
    const char *provider_payment_id, long long amount, const char *key,
    const char *reason, const char *template);

#endif
