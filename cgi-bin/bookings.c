/*
 * bookings - orders, payment proof, reads, cancellations and refunds
 * (/api/bookings…).  Rules live in lib/zt_booking.c, lib/zt_settle.c and
 * lib/zt_refund.c (docs/bookings.md).
 */
#include "config.h"

#include <string.h>

#include "zt_booking.h"
#include "zt_form.h"
#include "zt_json.h"
#include "zt_refund.h"
#include "zt_serve.h"
#include "zt_settle.h"
#include "zt_transfer.h"
#include "zt_uuid.h"

/* Answer status with *out once the lib call returned e. */
static enum zt_err
reply(struct zt_req *req, enum zt_err e, int status, struct json_object **out)
{
	return e != ZT_OK ? e : zt_reply(req, status, *out);
}

static enum zt_err
post_booking(struct zt_req *req)
{
	const char *event = NULL, *promo = NULL;
	struct json_object *answers = NULL;
	enum zt_err e;
	if ((e = zt_json_uuid(req, req->json, "eventId", ZT_REQUIRED, &event,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "promoCode", ZT_OPTIONAL, 64,
		 &promo, NULL)) != ZT_OK)
		return e;
	/* the registration form (zt_form.h): checked against the event's
	 * questions by the library */
	json_object_object_get_ex(req->json, "answers", &answers);
	struct json_object *out = NULL;
	int created = 0;
	e = zt_booking_create(req, event, promo, answers, &out, &created);
	return reply(req, e, created ? 201 : 200, &out);
}

static enum zt_err
post_confirm(struct zt_req *req)
{
	const char *id = NULL, *order = NULL, *payment = NULL, *sig = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_uuid(req, req->json, "bookingId", ZT_REQUIRED, &id,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "razorpay_order_id", ZT_REQUIRED,
		 64, &order, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "razorpay_payment_id", ZT_REQUIRED,
		 64, &payment, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "razorpay_signature", ZT_REQUIRED,
		 128, &sig, NULL)) != ZT_OK)
		return e;
	e = zt_settle_confirm(req, id, order, payment, sig, &out);
	return reply(req, e, 200, &out);
}

static enum zt_err
get_mine(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req, zt_booking_mine(req, &out), 200, &out);
}

static enum zt_err
get_list(struct zt_req *req)
{
	const char *event = zt_query(req, "eventId");
	struct json_object *out = NULL;
	if (event == NULL || !zt_is_uuid(event))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'eventId' must be a UUID");
	return reply(req, zt_booking_list(req, event, &out), 200, &out);
}

static enum zt_err
get_booking(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_booking_get(req, zt_param(req, "id"), &out), 200, &out);
}

/* A ticket's QR code as SVG once the lib call returned e. */
static enum zt_err
svg_reply(struct zt_req *req, enum zt_err e, const char *svg)
{
	if (e != ZT_OK)
		return e;
	req->resp_type = "image/svg+xml";
	/* the holder's alone: no shared cache keeps it */
	zt_reply_header(req, "Cache-Control", "private, max-age=300");
	return zt_reply_text(req, 200, svg, strlen(svg));
}

static enum zt_err
get_ticket_qr(struct zt_req *req)
{
	const char *svg = NULL;
	enum zt_err e = zt_booking_ticket_qr_svg(
	    req, zt_param(req, "id"), zt_param(req, "ticketId"), &svg);
	return svg_reply(req, e, svg);
}

static enum zt_err
get_tickets_pdf(struct zt_req *req)
{
	const char *id = zt_param(req, "id");
	const unsigned char *pdf = NULL;
	size_t len = 0;
	enum zt_err e = zt_booking_tickets_pdf(req, id, &pdf, &len);
	if (e != ZT_OK)
		return e;
	req->resp_type = "application/pdf";
	zt_reply_header(req, "Content-Disposition",
	    zt_arena_printf(req->arena, "attachment; filename=\"%s\"",
		zt_booking_pdf_name(req, id)));
	/* the buyer's alone: no shared cache keeps it */
	zt_reply_header(req, "Cache-Control", "private, no-store");
	return zt_reply_text(req, 200, (const char *)pdf, len);
}

static enum zt_err
post_cancel(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_refund_cancel(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_refund(struct zt_req *req)
{
	int64_t amount = 0;
	const char *reason = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if (req->json != NULL &&
	    ((e = zt_json_int(req, req->json, "amountPaise", ZT_OPTIONAL, 1,
		  INT64_C(100000000000), &amount, NULL)) != ZT_OK ||
		(e = zt_json_str(req, req->json, "reason", ZT_OPTIONAL, 200,
		     &reason, NULL)) != ZT_OK))
		return e;
	e = zt_refund_grant(req, zt_param(req, "id"), amount, reason, &out);
	return reply(req, e, 200, &out);
}

/* ticket transfer (docs/commerce.md) */
static const char *const transfer_keys[] = {"email", "phone", NULL};

static enum zt_err
post_transfer(struct zt_req *req)
{
	const char *email = NULL, *phone = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, transfer_keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "email", ZT_OPTIONAL, 254, &email,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "phone", ZT_OPTIONAL, 32, &phone,
		 NULL)) != ZT_OK)
		return e;
	e = zt_transfer_offer(req, zt_param(req, "id"),
	    zt_param(req, "ticketId"), email, phone, &out);
	return reply(req, e, 201, &out);
}

static enum zt_err
get_transfers_mine(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req, zt_transfer_mine(req, &out), 200, &out);
}

static enum zt_err
post_transfer_accept(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_transfer_accept(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_transfer_cancel(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_transfer_cancel(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
get_received_qr(struct zt_req *req)
{
	const char *svg = NULL;
	enum zt_err e =
	    zt_transfer_qr_svg(req, zt_param(req, "ticketId"), &svg);
	return svg_reply(req, e, svg);
}

/* approval mode (docs/commerce.md, "Forms and teams") */
static enum zt_err
post_accept(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_form_accept(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_reject(struct zt_req *req)
{
	const char *reason = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if (req->json != NULL &&
	    (e = zt_json_str(req, req->json, "reason", ZT_OPTIONAL, 500,
		 &reason, NULL)) != ZT_OK)
		return e;
	e = zt_form_reject(req, zt_param(req, "id"), reason, &out);
	return reply(req, e, 200, &out);
}

static const struct zt_route routes[] = {
    /* answers to a registration form make it longer (zt_form.h) */
    {"POST", "/api/bookings", post_booking, ZT_AUTH_USER, 65536, 0},
    {"GET", "/api/bookings", get_list, ZT_AUTH_SCANNER, 0, 0},
    {"POST", "/api/bookings/confirm", post_confirm, ZT_AUTH_USER, 2048, 0},
    {"GET", "/api/bookings/mine", get_mine, ZT_AUTH_USER, 0, 0},
    {"GET", "/api/bookings/:id", get_booking, ZT_AUTH_USER, 0, 0},
    {"GET", "/api/bookings/:id/tickets/:ticketId/qr.svg", get_ticket_qr,
	ZT_AUTH_USER, 0, 0},
    {"GET", "/api/bookings/:id/tickets.pdf", get_tickets_pdf, ZT_AUTH_USER, 0,
	0},
    {"POST", "/api/bookings/:id/cancel", post_cancel, ZT_AUTH_USER, 256, 0},
    {"POST", "/api/bookings/:id/refund", post_refund, ZT_AUTH_MANAGER, 1024, 0},
    {"POST", "/api/bookings/:id/tickets/:ticketId/transfer", post_transfer,
	ZT_AUTH_USER, 1024, 0},
    {"GET", "/api/bookings/transfers/mine", get_transfers_mine, ZT_AUTH_USER, 0,
	0},
    {"GET", "/api/bookings/transfers/tickets/:ticketId/qr.svg", get_received_qr,
	ZT_AUTH_USER, 0, 0},
    {"POST", "/api/bookings/transfers/:id/accept", post_transfer_accept,
	ZT_AUTH_USER, 256, 0},
    {"POST", "/api/bookings/transfers/:id/cancel", post_transfer_cancel,
	ZT_AUTH_USER, 256, 0},
    /* approval mode (docs/commerce.md, "Forms and teams") */
    {"POST", "/api/bookings/:id/accept", post_accept, ZT_AUTH_MANAGER, 256, 0},
    {"POST", "/api/bookings/:id/reject", post_reject, ZT_AUTH_MANAGER, 1024, 0},
};

int
main(void)
{
	return zt_serve("bookings", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_LIVE | ZT_NEED_JWT |
		ZT_NEED_RAZORPAY | ZT_NEED_TICKETS | ZT_NEED_AUTH);
}
