/*
 * zt_booking_release.c - closing a buyer's pending bookings when their
 * hold is released (zt_booking_close_released, zt_booking.h).  On its own
 * so that the seats responder, which calls only this, does not link the
 * rest of the booking code and the libraries it needs (libcurl for
 * Razorpay, cairo for media, qrencode: docs/benchmarks.md, row 8).
 */
#include "zt_booking.h"
#include "zt_db.h"
#include "zt_log.h"

static struct zt_sql q_open_tenants = ZT_SQL("bk_open_tenants",
    "SELECT DISTINCT tenant_id FROM bookings WHERE user_id = $1"
    " AND event_id = $2 AND status = 'pending' AND approval IS NULL",
    2);
static struct zt_sql q_close_released = ZT_SQL("bk_close_released",
    "UPDATE bookings SET status = 'expired', close_reason = 'hold_released'"
    " WHERE user_id = $1 AND event_id = $2 AND status = 'pending'"
    " AND approval IS NULL RETURNING id",
    2);

enum zt_err
zt_booking_close_released(
    struct zt_req *req, const char *event_id, const char *user_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {user_id, event_id};
	PGresult *r;

	if (zt_db_begin_user(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_open_tenants, p)) == NULL)
		return zt_fail_error(req, &err);
	/* one tenant per event: at most one row */
	for (int i = 0; i < PQntuples(r); i++) {
		const char *tenant =
		    zt_arena_strdup(req->arena, PQgetvalue(r, i, 0));
		PGresult *c;
		if (zt_db_scope_tenant(req, &err, tenant, user_id) != ZT_OK ||
		    (c = zt_db_exec(req, &err, &q_close_released, p)) == NULL)
			return zt_fail_error(req, &err);
		for (int j = 0; j < PQntuples(c); j++)
			zt_log_info("booking",
			    "booking %s closed: hold released",
			    PQgetvalue(c, j, 0));
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}
