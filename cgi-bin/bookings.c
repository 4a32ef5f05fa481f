/*
 * bookings - orders, payment proof, reads, cancellations and refunds
 * (/api/bookings…).  Rules live in lib/zt_booking.c (docs/bookings.md).
 */
#include "config.h"

#include "zt_booking.h"
#include "zt_json.h"
#include "zt_serve.h"

static enum zt_err
post_booking(struct zt_req *req)
{
	const char *event = NULL;
	enum zt_err e;
	if ((e = zt_json_uuid(req, req->json, "eventId", ZT_REQUIRED, &event,
	         NULL)) != ZT_OK)
		return e;
	return zt_booking_create(req, event);
}

static enum zt_err
post_confirm(struct zt_req *req)
{
	const char *id = NULL, *order = NULL, *payment = NULL, *sig = NULL;
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
	return zt_booking_confirm(req, id, order, payment, sig);
}

static enum zt_err
get_mine(struct zt_req *req)
{
	return zt_booking_mine(req);
}

static enum zt_err
get_list(struct zt_req *req)
{
	const char *event = zt_query(req, "eventId");
	if (event == NULL || !zt_is_uuid(event))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'eventId' must be a UUID");
	return zt_booking_list(req, event);
}

static enum zt_err
get_booking(struct zt_req *req)
{
	return zt_booking_get(req, zt_param(req, "id"));
}

static enum zt_err
post_cancel(struct zt_req *req)
{
	return zt_booking_cancel(req, zt_param(req, "id"));
}

static enum zt_err
post_refund(struct zt_req *req)
{
	int64_t amount = 0;
	const char *reason = NULL;
	enum zt_err e;
	if (req->json != NULL &&
	    ((e = zt_json_int(req, req->json, "amountPaise", ZT_OPTIONAL, 1,
	          INT64_C(100000000000), &amount, NULL)) != ZT_OK ||
	        (e = zt_json_str(req, req->json, "reason", ZT_OPTIONAL, 200,
	             &reason, NULL)) != ZT_OK))
		return e;
	return zt_booking_refund(req, zt_param(req, "id"), amount, reason);
}

static const struct zt_route routes[] = {
	{"POST", "/api/bookings", post_booking, ZT_AUTH_USER, 1024, 0},
	{"GET", "/api/bookings", get_list, ZT_AUTH_SCANNER, 0, 0},
	{"POST", "/api/bookings/confirm", post_confirm, ZT_AUTH_USER, 2048, 0},
	{"GET", "/api/bookings/mine", get_mine, ZT_AUTH_USER, 0, 0},
	{"GET", "/api/bookings/:id", get_booking, ZT_AUTH_USER, 0, 0},
	{"POST", "/api/bookings/:id/cancel", post_cancel, ZT_AUTH_USER, 256, 0},
	{"POST", "/api/bookings/:id/refund", post_refund, ZT_AUTH_MANAGER, 1024,
	    0},
};

int
main(void)
{
	return zt_serve("bookings", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_LIVE | ZT_NEED_JWT |
	        ZT_NEED_RAZORPAY);
}
