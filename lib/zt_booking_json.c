/*
 * zt_booking_json.c - bookings as the API shows them (docs/bookings.md,
 * "The booking answer"): read back from the database, or built from what
 * zt_booking_create just wrote.  Every function here returns JSON the
 * caller owns; none replies.
 */
#include "zt_booking_int.h"
#include "zt_json.h"
#include "zt_form.h"
#include "zt_razorpay.h"
#include "zt_refund.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_ticket.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* the other two reads of a booking (zt__q_get, zt__q_get_items are shared) */
enum ticket_col {
	TK_ID,
	TK_SEAT,
	TK_TYPE,
	TK_PRICE,
	TK_STATUS,
	TK_CHECKED,
	TK_BUYERS, /* 't': the buyer's row, else a transfer's recipient's */
	TK_HOLDER, /* the recipient: user id, name, email, phone */
	TK_HOLDER_NAME,
	TK_HOLDER_EMAIL,
	TK_HOLDER_PHONE
};
static struct zt_sql q_get_tickets = ZT_SQL("bk_get_tickets",
    "SELECT t.id, t.seat_id, t.ticket_type_id, t.price_paise, t.status,"
    " to_char(t.checked_in_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " t.user_id = b.user_id, t.user_id, u.name, u.email, u.phone"
    " FROM tickets t JOIN bookings b ON b.id = t.booking_id"
    " LEFT JOIN users u ON u.id = t.user_id AND t.user_id <> b.user_id"
    " WHERE t.booking_id = $1 ORDER BY t.created_at, t.id",
    1);

/*
 * The tickets of a booking as its reader sees them (docs/commerce.md,
 * "Who sees which row"): the buyer, their own rows only (one given away
 * shows as transferred, the recipient's new row is not theirs); an
 * organizer, every row, a recipient's with its "holder".
 */
static int
ticket_shown(const PGresult *tk, int i, int buyer)
{
	return *PQgetvalue(tk, i, TK_BUYERS) == 't' || !buyer;
}

static struct json_object *
holder_json(const PGresult *tk, int i)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "userId", json_object_new_string(PQgetvalue(tk, i, TK_HOLDER)));
	json_object_object_add(o, "name",
	    json_object_new_string(PQgetvalue(tk, i, TK_HOLDER_NAME)));
	json_object_object_add(
	    o, "email", zt_json_nullable(zt_db_val(tk, i, TK_HOLDER_EMAIL)));
	json_object_object_add(
	    o, "phone", zt_json_nullable(zt_db_val(tk, i, TK_HOLDER_PHONE)));
	return o;
}
enum payment_col { PAY_ORDER, PAY_STATUS, PAY_AMOUNT, PAY_REFUNDED };
static struct zt_sql q_get_payment = ZT_SQL("bk_get_payment",
    "SELECT provider_order_id, status, amount_paise, refunded_paise"
    " FROM payments WHERE booking_id = $1 ORDER BY created_at LIMIT 1",
    1);

static const char *
checkout_script(const struct zt_razorpay_cfg *c, struct zt_req *req)
{
	const char *base = c->base_url ? c->base_url : ZT_RAZORPAY_BASE;
	if (strcmp(base, ZT_RAZORPAY_BASE) == 0)
		return "https://checkout.razorpay.com/v1/checkout.js";
	return zt_arena_printf(req->arena, "%s/v1/checkout.js", base);
}

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
	json_object_object_add(x, "id", opt_str(r, row, col + TK_ID));
	json_object_object_add(x, "seatId", opt_str(r, row, col + TK_SEAT));
	json_object_object_add(
	    x, "ticketTypeId", opt_str(r, row, col + TK_TYPE));
	json_object_object_add(x, "pricePaise",
	    json_object_new_int64(atoll(PQgetvalue(r, row, col + TK_PRICE))));
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
	json_object_object_add(
	    x, "provider", json_object_new_string("razorpay"));
	json_object_object_add(x, "orderId", order);
	json_object_object_add(x, "status", status);
	json_object_object_add(x, "amount", json_object_new_int64(amount));
	json_object_object_add(
	    x, "refundedPaise", json_object_new_int64(refunded));
	json_object_object_add(x, "currency", json_object_new_string("INR"));
	if (cfg.key_id)
		json_object_object_add(
		    x, "keyId", json_object_new_string(cfg.key_id));
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
	return req->tenant_id[0] != '\0' &&
	       strcmp(req->tenant_id, tenant) == 0 &&
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
    long long subtotal, long long left, const PGresult *r, int fees, int card,
    int who, const char *tenant)
{
	struct json_object *x;
	long long refund = zt_refund_policy(subtotal,
	    atoll(PQgetvalue(r, 0, fees)), atoll(PQgetvalue(r, 0, fees + 1)));
	if (left >= 0 && refund > left)
		refund = left;
	json_object_object_add(
	    b, "cancellable", json_object_new_boolean(cancellable));
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
 * The buyer's view: each live ticket of tickets (the answer's array) gets
 * its signed QR payload as "qr", the others qr null (docs/tickets.md).
 * Signed by sg, or when NULL by the tenant's key (ahead: its row read
 * ahead, zt_ticket_signer_queue; else read or made here once), and only
 * when some ticket is live.  Valid from..until (epoch seconds).
 */
enum zt_err
zt__booking_add_qr(struct zt_req *req, struct json_object *tickets,
    const char *tenant, const char *event, int64_t from, int64_t until,
    const struct zt_ticket_signer *sg, const PGresult *ahead)
{
	struct zt_ticket_signer own;
	enum zt_err e = ZT_OK;
	size_t n = json_object_array_length(tickets);
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(tickets, i);
		struct json_object *st = json_object_object_get(x, "status");
		const char *qr = NULL;
		if (st != NULL &&
		    strcmp(json_object_get_string(st), "live") == 0) {
			if (sg == NULL) {
				if ((e = zt_ticket_signer_from(
					 req, tenant, ahead, &own)) != ZT_OK)
					break;
				sg = &own;
			}
			qr = zt_ticket_qr(req, sg,
			    json_object_get_string(
				json_object_object_get(x, "id")),
			    event, from, until);
		}
		json_object_object_add(
		    x, "qr", qr ? json_object_new_string(qr) : NULL);
	}
	sodium_memzero(&own, sizeof(own));
	return e;
}

/*
 * The booking as the API shows it, read under the current scope, into
 * *out; 404 when invisible.  got and it: its q_get and q_get_items rows
 * when read already in this transaction after its last change (else NULL);
 * sign: the QR payloads also for a reader who is not the buyer.
 */
enum zt_err
zt__booking_json_with(struct zt_req *req, const char *booking_id,
    const PGresult *got, const PGresult *it, int sign, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {booking_id};
	const PGresult *r = got;
	PGresult *qr = NULL, *qit = NULL, *tk = NULL, *key = NULL, *pay;
	struct json_object *b, *items, *tickets;
	enum zt_err e;
	*out = NULL;
	/* the four reads in one round trip (an unknown id reads nothing) */
	if ((r == NULL &&
		zt_db_queue(req, &err, &zt__q_get, p, &qr) != ZT_OK) ||
	    (it == NULL &&
		zt_db_queue(req, &err, &zt__q_get_items, p, &qit) != ZT_OK) ||
	    zt_db_queue(req, &err, &q_get_tickets, p, &tk) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = zt_ticket_signer_queue(req, NULL, booking_id, &key)) != ZT_OK)
		return e;
	if ((pay = zt_db_exec(req, &err, &q_get_payment, p)) == NULL)
		return zt_fail_error(req, &err);
	if (r == NULL)
		r = qr;
	if (it == NULL)
		it = qit;
	if (PQntuples(r) == 0)
		return zt__no_booking(req);
	b = json_object_new_object();
	json_object_object_add(b, "id", json_object_new_string(booking_id));
	json_object_object_add(b, "status", opt_str(r, 0, GET_STATUS));
	json_object_object_add(b, "closeReason", opt_str(r, 0, GET_CLOSE));
	json_object_object_add(b, "eventId", opt_str(r, 0, GET_EVENT));
	json_object_object_add(b, "tenantId", opt_str(r, 0, GET_TENANT));
	json_object_object_add(b, "subtotalPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, GET_SUBTOTAL))));
	json_object_object_add(b, "discountPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, GET_DISCOUNT))));
	json_object_object_add(b, "feePaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, GET_FEE))));
	json_object_object_add(b, "taxPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, GET_TAX))));
	json_object_object_add(b, "totalPaise",
	    json_object_new_int64(atoll(PQgetvalue(r, 0, GET_TOTAL))));
	json_object_object_add(b, "currency", opt_str(r, 0, GET_CURRENCY));
	json_object_object_add(b, "expiresAt", opt_str(r, 0, GET_EXPIRES));
	json_object_object_add(b, "createdAt", opt_str(r, 0, GET_CREATED));
	json_object_object_add(b, "confirmedAt", opt_str(r, 0, GET_CONFIRMED));
	add_terms(req, b, *PQgetvalue(r, 0, GET_CANCELLABLE) == 't',
	    atoll(PQgetvalue(r, 0, GET_SUBTOTAL)),
	    PQntuples(pay) > 0 ? atoll(PQgetvalue(pay, 0, PAY_AMOUNT)) -
				     atoll(PQgetvalue(pay, 0, PAY_REFUNDED))
			       : -1,
	    r, GET_FEE_PAISE, GET_TITLE, GET_BUYER_NAME,
	    PQgetvalue(r, 0, GET_TENANT));
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(it); i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "seatId", opt_str(it, i, ITEM_SEAT));
		json_object_object_add(
		    x, "ticketTypeId", opt_str(it, i, ITEM_TYPE));
		json_object_object_add(x, "quantity",
		    json_object_new_int(atoi(PQgetvalue(it, i, ITEM_QTY))));
		json_object_object_add(x, "unitPricePaise",
		    json_object_new_int64(
			atoll(PQgetvalue(it, i, ITEM_PRICE))));
		json_object_object_add(x, "label", opt_str(it, i, ITEM_LABEL));
		json_object_array_add(items, x);
	}
	json_object_object_add(b, "items", items);
	tickets = json_object_new_array();
	/* an organizer (a tenant in scope, not the buyer) sees every row;
	 * anyone else (the buyer, a job's PDF) the buyer's */
	int buyer = strcmp(PQgetvalue(r, 0, GET_USER), req->user_id) == 0 ||
		    req->tenant_id[0] == '\0';
	for (int i = 0; i < PQntuples(tk); i++) {
		if (!ticket_shown(tk, i, buyer))
			continue;
		struct json_object *x = ticket_json(tk, i, 0,
		    opt_str(tk, i, TK_STATUS), opt_str(tk, i, TK_CHECKED));
		if (*PQgetvalue(tk, i, TK_BUYERS) != 't')
			json_object_object_add(x, "holder", holder_json(tk, i));
		json_object_array_add(tickets, x);
	}
	json_object_object_add(b, "tickets", tickets);
	if ((sign || strcmp(PQgetvalue(r, 0, GET_USER), req->user_id) == 0) &&
	    (e = zt__booking_add_qr(req, tickets, PQgetvalue(r, 0, GET_TENANT),
		 PQgetvalue(r, 0, GET_EVENT),
		 atoll(PQgetvalue(r, 0, GET_VALID_FROM)),
		 atoll(PQgetvalue(r, 0, GET_VALID_UNTIL)), NULL, key)) !=
		ZT_OK) {
		json_object_put(b);
		return e;
	}
	/* the registration form's answers and approval (zt_form.h) */
	if ((e = zt_form_booking_add(req, booking_id, b)) != ZT_OK) {
		json_object_put(b);
		return e;
	}
	if (PQntuples(pay) > 0)
		json_object_object_add(b, "payment",
		    payment_json(req, opt_str(pay, 0, PAY_ORDER),
			opt_str(pay, 0, PAY_STATUS),
			atoll(PQgetvalue(pay, 0, PAY_AMOUNT)),
			atoll(PQgetvalue(pay, 0, PAY_REFUNDED))));
	*out = b;
	return ZT_OK;
}

enum zt_err
zt__booking_json(
    struct zt_req *req, const char *booking_id, struct json_object **out)
{
	return zt__booking_json_with(req, booking_id, NULL, NULL, 0, out);
}

/*
 * The booking zt_booking_create just wrote, as booking_json shows it, from
 * what it had: ev (q_event), its lines, made (q_create: timestamps, tickets)
 * and, for a paid one, the Razorpay order.  Saves reading it back.
 */
struct json_object *
zt__created_json(struct zt_req *req, const char *id, const char *event_id,
    const char *tenant, const struct zt_price *price, const PGresult *ev,
    const struct zt__lines *l, const PGresult *made, const char *order_id,
    const struct zt_ticket_signer *sg)
{
	struct json_object *b, *items, *tickets, *x;
	int confirmed = order_id == NULL;
	int cancellable =
	    confirmed && *PQgetvalue(ev, 0, EV_CANCELLABLE) == 't';
	size_t *o = zt__label_order(req, l);

	b = json_object_new_object();
	json_object_object_add(b, "id", json_object_new_string(id));
	json_object_object_add(b, "status",
	    json_object_new_string(confirmed ? "confirmed" : "pending"));
	json_object_object_add(b, "closeReason", NULL);
	json_object_object_add(b, "eventId", json_object_new_string(event_id));
	json_object_object_add(b, "tenantId", json_object_new_string(tenant));
	json_object_object_add(
	    b, "subtotalPaise", json_object_new_int64(price->subtotal));
	json_object_object_add(
	    b, "discountPaise", json_object_new_int64(price->discount));
	json_object_object_add(
	    b, "feePaise", json_object_new_int64(price->fee));
	json_object_object_add(
	    b, "taxPaise", json_object_new_int64(price->tax));
	json_object_object_add(
	    b, "totalPaise", json_object_new_int64(price->total));
	json_object_object_add(b, "currency", json_object_new_string("INR"));
	json_object_object_add(b, "expiresAt", opt_str(made, 0, MADE_EXPIRES));
	json_object_object_add(b, "createdAt", opt_str(made, 0, MADE_CREATED));
	json_object_object_add(
	    b, "confirmedAt", opt_str(made, 0, MADE_CONFIRMED));
	add_terms(req, b, cancellable, price->subtotal, -1, ev, EV_FEE_PAISE,
	    EV_TITLE, EV_BUYER_NAME, tenant);
	items = json_object_new_array();
	for (size_t k = 0; k < l->n; k++) {
		size_t i = o[k];
		x = json_object_new_object();
		json_object_object_add(x, "seatId",
		    l->seat[i] ? json_object_new_string(l->seat[i]) : NULL);
		json_object_object_add(x, "ticketTypeId",
		    l->type[i] ? json_object_new_string(l->type[i]) : NULL);
		json_object_object_add(
		    x, "quantity", json_object_new_int(atoi(l->qty[i])));
		json_object_object_add(x, "unitPricePaise",
		    json_object_new_int64(atoll(l->price[i])));
		json_object_object_add(x, "label",
		    l->label[i] ? json_object_new_string(l->label[i]) : NULL);
		json_object_array_add(items, x);
	}
	json_object_object_add(b, "items", items);
	tickets = json_object_new_array();
	for (int i = 0; i < PQntuples(made); i++) {
		if (PQgetisnull(made, i, MADE_TICKET))
			continue;
		json_object_array_add(
		    tickets, ticket_json(made, i, MADE_TICKET,
				 json_object_new_string("live"), NULL));
	}
	json_object_object_add(b, "tickets", tickets);
	if (sg != NULL)
		zt__booking_add_qr(req, tickets, tenant, event_id,
		    atoll(PQgetvalue(ev, 0, EV_VALID_FROM)),
		    atoll(PQgetvalue(ev, 0, EV_VALID_UNTIL)), sg, NULL);
	if (order_id != NULL)
		json_object_object_add(b, "payment",
		    payment_json(req, json_object_new_string(order_id),
			json_object_new_string("created"), price->total, 0));
	return b;
}
