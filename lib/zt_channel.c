/* zt_channel.c - live subscription access; see zt_channel.h. */
#include "zt_channel.h"
#include "zt_db.h"
#include "zt_salemap.h"
#include "zt_team.h"

#include <string.h>

/* A booking through the buyer's own read policy (buyer_read). */
static struct zt_sql q_buyer = ZT_SQL("channel_buyer",
    "SELECT 1 FROM bookings WHERE id = $1 AND user_id = $2", 2);

/* Grant: the internal subscriber location of channel kind:id. */
static enum zt_err
granted(
    struct zt_req *req, const char *kind, const char *id, const char **where)
{
	*where = zt_arena_printf(req->arena, "/internal/sub/%s:%s", kind, id);
	return ZT_OK;
}

enum zt_err
zt_channel_event(struct zt_req *req, const char *event_id, const char **where)
{
	const struct zt_salemap *m;
	enum zt_err e = zt_salemap_get(req, event_id, &m);
	if (e != ZT_OK)
		return e;
	if (strcmp(m->status, "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_not_live",
		    "this event is %s: it has no live seat map", m->status);
	return granted(req, "ev", m->event_id, where);
}

enum zt_err
zt_channel_tenant(struct zt_req *req, const char **where)
{
	struct zt_error err = ZT_ERROR_INIT;
	/* the role in the token may be 15 minutes old: re-read it */
	enum zt_err e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL);
	if (e != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return granted(req, "tenant", req->tenant_id, where);
}

enum zt_err
zt_channel_booking(
    struct zt_req *req, const char *booking_id, const char **where)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {booking_id, req->user_id};
	PGresult *r;

	if (zt_db_begin_user(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_buyer, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking: %s", booking_id);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return granted(req, "booking", booking_id, where);
}

enum zt_err
zt_channel_queue(struct zt_req *req, const char *event_id, const char **where)
{
	const struct zt_salemap *m;
	enum zt_err e = zt_salemap_get(req, event_id, &m);
	if (e != ZT_OK)
		return e;
	if (!m->queue_on)
		return zt_fail(req, ZT_ECONFLICT, "queue_off",
		    "this event has no waiting room");
	return granted(req, "q", m->event_id, where);
}
