/* zt_channel.c - live subscription access; see zt_channel.h. */
#include "zt_channel.h"
#include "zt_db.h"
#include "zt_salemap.h"

#include <string.h>

/* Memberships and bookings through the caller's own read policies
 * (self_read, buyer_read): no tenant in scope. */
static struct zt_sql q_member = ZT_SQL("channel_member",
    "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", 2);
static struct zt_sql q_buyer = ZT_SQL("channel_buyer",
    "SELECT 1 FROM bookings WHERE id = $1 AND user_id = $2", 2);

/* Grant: nginx re-enters at the internal subscriber location. */
static enum zt_err
subscribe(struct zt_req *req, const char *kind, const char *id)
{
	zt_reply_header(req, "X-Accel-Redirect",
	    zt_arena_printf(req->arena, "/internal/sub/%s:%s", kind, id));
	zt_reply_header(req, "X-Accel-Buffering", "no");
	return zt_reply(req, 200, NULL);
}

enum zt_err
zt_channel_event(struct zt_req *req, const char *event_id)
{
	const struct zt_salemap *m;
	enum zt_err e = zt_salemap_get(req, event_id, &m);
	if (e != ZT_OK)
		return e;
	if (strcmp(m->status, "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_not_live",
		    "this event is %s: it has no live seat map", m->status);
	return subscribe(req, "ev", m->event_id);
}

/* One row of q for (a, user) in the caller's own scope?  1, 0 or -1. */
static int
exists(struct zt_req *req, struct zt_sql *q, const char *a)
{
	const char *p[2] = {a, req->user_id};
	PGresult *r;
	if (zt_db_begin_as(req, "", req->user_id) != ZT_OK)
		return -1;
	if ((r = zt_db_exec(req, q, p)) == NULL)
		return -1;
	int n = PQntuples(r);
	if (zt_db_commit(req) != ZT_OK)
		return -1;
	return n > 0;
}

enum zt_err
zt_channel_tenant(struct zt_req *req)
{
	int member = exists(req, &q_member, req->tenant_id);
	if (member < 0)
		return req->err;
	if (!member)
		return zt_fail(req, ZT_EFORBIDDEN, "not_a_member",
		    "you are not a member of this organization");
	return subscribe(req, "tenant", req->tenant_id);
}

enum zt_err
zt_channel_booking(struct zt_req *req, const char *booking_id)
{
	int mine = exists(req, &q_buyer, booking_id);
	if (mine < 0)
		return req->err;
	if (!mine)
		return zt_fail(req, ZT_ENOTFOUND, "booking_not_found",
		    "no such booking: %s", booking_id);
	return subscribe(req, "booking", booking_id);
}
