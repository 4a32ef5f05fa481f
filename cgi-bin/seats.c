/*
 * seats - seat and GA holds (/api/seats/…) and live subscriptions
 * (/live/…).  Rules live in lib/zt_hold.c, lib/zt_salemap.c and
 * lib/zt_channel.c; docs/holds.md and docs/live.md describe them.
 */
#include "config.h"

#include "zt_booking.h"
#include "zt_channel.h"
#include "zt_hold.h"
#include "zt_json.h"
#include "zt_queue.h"
#include "zt_salemap.h"
#include "zt_serve.h"
#include "zt_uuid.h"

#include <string.h>

/* ?eventId= (required or not); 400 when present but malformed. */
static enum zt_err
event_query(struct zt_req *req, int required, const char **out)
{
	const char *q = zt_query(req, "eventId");
	*out = NULL;
	if (q == NULL && !required)
		return ZT_OK;
	if ((*out = zt_uuid_norm(req->arena, q)) == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'eventId' must be an event id (UUID)");
	return ZT_OK;
}

static enum zt_err
post_lock(struct zt_req *req)
{
	struct zt_hold_request r;
	struct zt_hold h;
	struct json_object *body;
	enum zt_err e;

	if ((e = zt_hold_parse(req, req->json, &r)) != ZT_OK ||
	    (e = zt_hold_lock(req, &r, &h)) != ZT_OK)
		return e;
	body = zt_hold_json(req, &h);
	if (body == NULL) {
		/* the request gave back every unit it held */
		body = json_object_new_object();
		json_object_object_add(body, "holdId", NULL);
		json_object_object_add(body, "expiresAt", NULL);
		json_object_object_add(body, "seats", json_object_new_array());
		json_object_object_add(body, "ga", json_object_new_array());
	}
	json_object_object_add(
	    body, "eventId", json_object_new_string(r.event_id));
	return zt_reply(req, 200, body);
}

static enum zt_err
delete_seat(struct zt_req *req)
{
	const char *seat = zt_uuid_norm(req->arena, zt_param(req, "seatId"));
	const char *event;
	char found[ZT_UUID_BUF];
	enum zt_err e;

	if (seat == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "hold_not_found",
		    "no such seat: %s", zt_param(req, "seatId"));
	if ((e = event_query(req, 0, &event)) != ZT_OK)
		return e;
	if (event == NULL) {
		/* the hash tag needs the event: one indexed lookup */
		if ((e = zt_salemap_seat_event(req, seat, found)) != ZT_OK)
			return e;
		event = found;
	}
	if ((e = zt_hold_release(req, event, req->user_id, seat)) != ZT_OK)
		return e;
	/* the order made from the hold no longer matches it */
	return zt_booking_close_released(req, event, req->user_id);
}

static enum zt_err
delete_all(struct zt_req *req)
{
	const char *event;
	enum zt_err e = event_query(req, 1, &event);
	if (e != ZT_OK ||
	    (e = zt_hold_release(req, event, req->user_id, NULL)) != ZT_OK)
		return e;
	return zt_booking_close_released(req, event, req->user_id);
}

static enum zt_err
get_status(struct zt_req *req)
{
	const char *event = zt_uuid_norm(req->arena, zt_param(req, "eventId"));
	const char *text;
	size_t len;
	enum zt_err e;

	if (event == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", zt_param(req, "eventId"));
	if ((e = zt_hold_status(req, event, &text, &len)) != ZT_OK)
		return e;
	return zt_reply_text(req, 200, text, len);
}

/* Access granted (e is ZT_OK): nginx re-enters at the internal
 * subscriber location where. */
static enum zt_err
subscribe(struct zt_req *req, enum zt_err e, const char **where)
{
	if (e != ZT_OK)
		return e;
	zt_reply_header(req, "X-Accel-Redirect", *where);
	zt_reply_header(req, "X-Accel-Buffering", "no");
	return zt_reply(req, 200, NULL);
}

static enum zt_err
live_event(struct zt_req *req)
{
	const char *event = zt_uuid_norm(req->arena, zt_param(req, "eventId"));
	const char *where = NULL;
	if (event == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", zt_param(req, "eventId"));
	return subscribe(req, zt_channel_event(req, event, &where), &where);
}

static enum zt_err
live_tenant(struct zt_req *req)
{
	const char *where = NULL;
	return subscribe(req, zt_channel_tenant(req, &where), &where);
}

static enum zt_err
live_booking(struct zt_req *req)
{
	const char *booking =
	    zt_uuid_norm(req->arena, zt_param(req, "bookingId"));
	const char *where = NULL;
	if (booking == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking: %s", zt_param(req, "bookingId"));
	return subscribe(req, zt_channel_booking(req, booking, &where), &where);
}

/* ------------------------------------------ the waiting room (#21) -- */

/* The :eventId of the path, or 404. */
static enum zt_err
path_event(struct zt_req *req, const char **out)
{
	if ((*out = zt_uuid_norm(req->arena, zt_param(req, "eventId"))) == NULL)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", zt_param(req, "eventId"));
	return ZT_OK;
}

static enum zt_err
queue_place(struct zt_req *req, int join)
{
	struct json_object *out;
	const char *event;
	enum zt_err e;
	if ((e = path_event(req, &event)) != ZT_OK ||
	    (e = zt_queue_join(req, event, join, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
queue_join(struct zt_req *req)
{
	return queue_place(req, 1);
}

static enum zt_err
queue_status(struct zt_req *req)
{
	return queue_place(req, 0);
}

static enum zt_err
queue_settings(struct zt_req *req, int put)
{
	struct json_object *out;
	const char *event;
	enum zt_err e;
	if ((e = path_event(req, &event)) != ZT_OK ||
	    (e = put ? zt_queue_settings_put(req, event, req->json, &out)
		     : zt_queue_settings_get(req, event, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
queue_settings_get(struct zt_req *req)
{
	return queue_settings(req, 0);
}

static enum zt_err
queue_settings_put(struct zt_req *req)
{
	return queue_settings(req, 1);
}

static enum zt_err
live_queue(struct zt_req *req)
{
	const char *event, *where = NULL;
	enum zt_err e = path_event(req, &event);
	if (e != ZT_OK)
		return e;
	return subscribe(req, zt_channel_queue(req, event, &where), &where);
}

static const struct zt_route routes[] = {
    {"POST", "/api/seats/lock", post_lock, ZT_AUTH_USER, 4096, 0},
    {"DELETE", "/api/seats/lock", delete_all, ZT_AUTH_USER, 0, 0},
    {"DELETE", "/api/seats/lock/:seatId", delete_seat, ZT_AUTH_USER, 0, 0},
    {"GET", "/api/seats/status/:eventId", get_status, ZT_AUTH_PUBLIC, 0, 0},
    /* the waiting room: nginx routes /api/queue/ here */
    {"GET", "/api/queue/:eventId", queue_status, ZT_AUTH_USER, 0, 0},
    {"POST", "/api/queue/:eventId", queue_join, ZT_AUTH_USER, 0, 0},
    {"GET", "/api/queue/:eventId/settings", queue_settings_get, ZT_AUTH_MANAGER,
	0, 0},
    {"PUT", "/api/queue/:eventId/settings", queue_settings_put, ZT_AUTH_MANAGER,
	4096, 0},
    /* live subscriptions: nginx routes /live/ here (docs/live.md) */
    {"GET", "/live/events/:eventId", live_event, ZT_AUTH_PUBLIC, 0,
	ZT_ROUTE_QUERY_TOKEN},
    {"GET", "/live/queue/:eventId", live_queue, ZT_AUTH_PUBLIC, 0,
	ZT_ROUTE_QUERY_TOKEN},
    {"GET", "/live/tenant", live_tenant, ZT_AUTH_SCANNER, 0,
	ZT_ROUTE_QUERY_TOKEN},
    {"GET", "/live/bookings/:bookingId", live_booking, ZT_AUTH_USER, 0,
	ZT_ROUTE_QUERY_TOKEN},
};

int
main(void)
{
	return zt_serve("seats", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_LIVE | ZT_NEED_JWT);
}
