/*
 * zt_form_approval.c - approval mode: the organizer's list of
 * registrations, accepting and rejecting them (zt_form.h; docs/commerce.md,
 * "Forms and teams").
 *
 * A registration is a booking with approval 'waiting': its hold was
 * consumed when it was made, so its seats and units stay taken, and it has
 * no Razorpay order, so it cannot be paid.  Accepting a paid one places
 * the order and gives the buyer paymentWindowMinutes to pay (the expiry
 * cron then puts its seats back on sale); accepting a free one issues its
 * tickets at once.  Rejecting cancels it and puts its seats back on sale.
 * Each decision is re-checked against the member's role in the database,
 * audited and emailed to the buyer through the outbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_audit.h"
#include "zt_booking_int.h"
#include "zt_db.h"
#include "zt_form.h"
#include "zt_json.h"
#include "zt_team.h"
#include "zt_uuid.h"

enum lock_col { L_STATUS, L_APPROVAL, L_TOTAL, L_EVENT, L_USER, L_WINDOW };
/* the registration, locked, in the caller's tenant ($2) */
static struct zt_sql q_lock = ZT_SQL("reg_lock",
    "SELECT b.status, coalesce(b.approval, ''), b.total_paise, b.event_id,"
    " b.user_id, coalesce((SELECT r.payment_window_minutes"
    "  FROM event_registration r WHERE r.event_id = b.event_id), 1440)"
    " FROM bookings b WHERE b.id = $1 AND b.tenant_id = $2"
    " FOR UPDATE OF b",
    2);
static struct zt_sql q_accept = ZT_SQL("reg_accept",
    "UPDATE bookings SET approval = 'accepted', expires_at = CASE"
    " WHEN status = 'pending' THEN now() + make_interval(mins => $2::int)"
    " ELSE expires_at END WHERE id = $1",
    2);
static struct zt_sql q_reject = ZT_SQL("reg_reject",
    "UPDATE bookings SET approval = 'rejected', status = 'cancelled',"
    " cancelled_at = now(), close_reason = 'rejected' WHERE id = $1",
    1);
static struct zt_sql q_list = ZT_SQL("reg_list",
    "SELECT b.id FROM bookings b WHERE b.event_id = $1"
    " AND b.approval IS NOT NULL AND ($2 = '' OR b.approval = $2)"
    " ORDER BY b.created_at LIMIT 500",
    2);
static struct zt_sql q_own_event = ZT_SQL("reg_own_event",
    "SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2", 2);

enum zt_err
zt_form_registrations(struct zt_req *req, const char *event_id,
    const char *status, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (status == NULL)
		status = "";
	if (*status && strcmp(status, "waiting") != 0 &&
	    strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'status' must be waiting, accepted or "
		    "rejected");
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(event_id) ||
	    (r = zt_db_exec(req, &err, &q_own_event, p)) == NULL ||
	    PQntuples(r) == 0) {
		if (err.err != ZT_OK)
			return zt_fail_error(req, &err);
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	}
	p[1] = status;
	if ((r = zt_db_exec(req, &err, &q_list, p)) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *b;
		if ((e = zt__booking_json(req, PQgetvalue(r, i, 0), &b)) !=
		    ZT_OK) {
			json_object_put(list);
			return e;
		}
		json_object_array_add(list, b);
	}
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(list);
		return zt_fail_error(req, &err);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "registrations", list);
	return ZT_OK;
}

/* Begin as a manager+ (role re-read) and lock the registration; 404 for
 * another tenant's booking or one without approval. */
static enum zt_err
lock(struct zt_req *req, const char *booking_id, PGresult **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {booking_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(booking_id))
		return zt__no_booking(req);
	if ((r = zt_db_exec(req, &err, &q_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0 || *PQgetvalue(r, 0, L_APPROVAL) == '\0')
		return zt__no_booking(req);
	*out = r;
	return ZT_OK;
}

/* The booking read back under the organizer's scope, in a new
 * transaction. */
static enum zt_err
answer(struct zt_req *req, const char *booking_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = zt__booking_json(req, booking_id, out)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return zt_fail_error(req, &err);
	}
	return ZT_OK;
}

static enum zt_err
audit(struct zt_req *req, const char *action, const char *booking_id,
    const char *reason)
{
	struct json_object *d = json_object_new_object();
	if (reason)
		json_object_object_add(
		    d, "reason", json_object_new_string(reason));
	return zt_audit(req, action,
	    zt_arena_printf(req->arena, "booking:%s", booking_id), d);
}

enum zt_err
zt_form_accept(
    struct zt_req *req, const char *booking_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt__after a;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	memset(&a, 0, sizeof(a));
	if ((e = lock(req, booking_id, &r)) != ZT_OK)
		return e;
	if (strcmp(PQgetvalue(r, 0, L_STATUS), "pending") != 0 ||
	    strcmp(PQgetvalue(r, 0, L_APPROVAL), "waiting") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_waiting",
		    "this registration is not waiting for a decision");
	long long total = atoll(PQgetvalue(r, 0, L_TOTAL));
	const char *event = zt__dup(req, r, 0, L_EVENT);
	const char *window = zt__dup(req, r, 0, L_WINDOW);
	const char *tenant = zt_arena_strdup(req->arena, req->tenant_id);
	a.tenant_id = tenant;
	a.booking_id = booking_id;
	a.event_id = event;
	if (total == 0) {
		/* free: its tickets now (its units were taken when it was
		 * made, so only a database rule can refuse) */
		if ((e = zt__settle_issue(req, booking_id)) != ZT_OK) {
			if (e != ZT_ECONFLICT)
				return e;
			return zt_fail(req, ZT_ECONFLICT, "sold_out",
			    "these seats or tickets are no longer available");
		}
		a.live_type = "booking.confirmed";
		a.born_settled = 1;
	}
	const char *p[2] = {booking_id, window};
	if (zt_db_exec(req, &err, &q_accept, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = audit(req, "registration.accepted", booking_id, NULL)) !=
		ZT_OK ||
	    (e = zt__tell_buyer(req, booking_id, NULL, "registration.accepted",
		 "amount", total,
		 /* words the catalogue has in every language (zt_outbox.c
		  * own_words); the window's end is on the booking page */
		 total == 0 ? "Your tickets are ready."
			    : "Pay before the time shown on your booking to "
			      "confirm your place; after that it goes to "
			      "someone else.")) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt__run_after(req, &a);
	if (total > 0) {
		const char *order;
		if ((e = zt__place_order(req, booking_id, event, tenant, total,
			 &order)) != ZT_OK)
			return e;
	}
	return answer(req, booking_id, out);
}

enum zt_err
zt_form_reject(struct zt_req *req, const char *booking_id, const char *reason,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt__after a;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	memset(&a, 0, sizeof(a));
	if ((e = lock(req, booking_id, &r)) != ZT_OK)
		return e;
	/* waiting, or accepted and not paid yet */
	if (strcmp(PQgetvalue(r, 0, L_STATUS), "pending") != 0 ||
	    strcmp(PQgetvalue(r, 0, L_APPROVAL), "rejected") == 0)
		return zt_fail(req, ZT_ECONFLICT, "not_waiting",
		    "only a registration still waiting or not yet paid can be "
		    "rejected");
	a.tenant_id = zt_arena_strdup(req->arena, req->tenant_id);
	a.booking_id = booking_id;
	a.event_id = zt__dup(req, r, 0, L_EVENT);
	a.user_id = zt__dup(req, r, 0, L_USER);
	a.unsell = 1;
	a.live_type = "booking.cancelled";
	const char *p[1] = {booking_id};
	if (zt_db_exec(req, &err, &q_reject, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = zt__load_items(req, booking_id, &a)) != ZT_OK ||
	    (e = audit(req, "registration.rejected", booking_id, reason)) !=
		ZT_OK ||
	    (e = zt__tell_buyer(req, booking_id, &a, "registration.rejected",
		 "amount", 0, reason && *reason ? reason : "")) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* its seats and units are for sale again */
	zt__run_after(req, &a);
	return answer(req, booking_id, out);
}
