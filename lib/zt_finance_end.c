/*
 * zt_finance_end.c - the end of an event: ztic-finalize and the organizer's
 * refund window after it; see zt_finance.h.
 */
#include "zt_booking_int.h"
#include "zt_finance.h"
#include "zt_keys.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_redis.h"
#include "zt_salemap.h"
#include "zt_server.h"

#include <stdio.h>
#include <string.h>

static struct zt_sql q_due = ZT_SQL("fin_end_due",
    "SELECT id, tenant_id FROM events WHERE (status = 'published'"
    " AND ends_at < now()) OR (status = 'completed' AND finalized_at IS NULL)"
    " ORDER BY ends_at LIMIT 1",
    0);
static struct zt_sql q_complete = ZT_SQL("fin_end_complete",
    "UPDATE events SET status = 'completed' WHERE id = $1"
    " AND ((status = 'published' AND ends_at < now())"
    "  OR (status = 'completed' AND finalized_at IS NULL))"
    " RETURNING id",
    1);
static struct zt_sql q_expire = ZT_SQL("fin_end_expire",
    "UPDATE bookings SET status = 'expired' WHERE event_id = $1"
    " AND status = 'pending'",
    1);
static struct zt_sql q_finalized = ZT_SQL("fin_end_finalized",
    "UPDATE events SET finalized_at = now() WHERE id = $1", 1);
static struct zt_sql q_window = ZT_SQL("fin_end_window",
    "SELECT e.status = 'completed' AND now() > e.ends_at"
    " + make_interval(days => $2::int) FROM bookings b"
    " CROSS JOIN LATERAL " EVENT_OF("b") " WHERE b.id = $1",
    2);

/*
 * The event's last message, then its keys.  The message carries the
 * version after it like every other; the keys (version included) go
 * after it.  The map version (zt_salemap) is bumped instead, so that
 * every process's cached map of the event reloads and sees it completed,
 * and expires once no such cache can be left.  ZT_OK, or the Redis
 * failure in err.
 */
static enum zt_err
clear_redis(struct zt_req *req, struct zt_error *err, const char *event_id)
{
	const char **keys = zt_keys_event_all(req->arena, event_id);
	const char *argv[ZT_KEY__EVENT_COUNT];
	int n = 0;
	redisReply *rr;

	if ((rr = zt_redis_cmd(
		 zt_g.redis, req, err, "INCR %s", keys[ZT_KEY_MAP])) == NULL ||
	    zt_redis_cmd(zt_g.redis, req, err, "PEXPIRE %s %d",
		keys[ZT_KEY_MAP], 4 * ZT_SALEMAP_TTL_MS) == NULL ||
	    (rr = zt_redis_cmd(
		 zt_g.redis, req, err, "INCR %s", keys[ZT_KEY_VER])) == NULL)
		return err->err;
	zt_live_publish_event(zt_g.live, event_id,
	    rr->type == REDIS_REPLY_INTEGER ? rr->integer : 0,
	    "event.completed", NULL);
	argv[n++] = "DEL";
	for (int i = 0; i < ZT_KEY__EVENT_COUNT; i++)
		if (i != ZT_KEY_MAP)
			argv[n++] = keys[i];
	if (zt_redis_argv(zt_g.redis, req, err, n, argv, NULL) == NULL ||
	    zt_redis_cmd(zt_g.redis, req, err, "ZREM %s %s", ZT_KEY_HOLD_INDEX,
		event_id) == NULL)
		return err->err;
	return ZT_OK;
}

static int
finalize_one(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r, *claim;
	int c = zt_finance_claim(req, &q_due, NULL, &q_complete, &r, &claim);
	if (c != 1)
		return c == 2 ? 1 : c; /* 2: finalized meanwhile */
	const char *id = zt__dup(req, r, 0, 0), *tenant = zt__dup(req, r, 0, 1);
	const char *p[1] = {id};
	if ((r = zt_db_exec(req, &err, &q_expire, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	const char *expired = PQcmdTuples(r);
	if (clear_redis(req, &err, id) != ZT_OK) {
		/* completed all the same; the keys go next run */
		zt_log_warn("finalize", "event %s: redis: %s", id, err.msg);
		return -1;
	}
	if (zt_db_begin_tenant(req, &err, tenant, "") != ZT_OK ||
	    zt_db_exec(req, &err, &q_finalized, p) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return -1;
	zt_log_info("finalize",
	    "event %s completed (%s pending bookings expired)", id,
	    *expired ? expired : "0");
	return 1;
}

int
zt_finance_finalize(int limit, int *done)
{
	int lock = zt_finance_lock("finalize");
	*done = 0;
	if (lock <= 0)
		return lock;
	return zt__run_steps(finalize_one, limit, done);
}

enum zt_err
zt_finance_refund_open(struct zt_req *req, const char *booking_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	char days[16];
	PGresult *r;
	snprintf(days, sizeof(days), "%d", zt_g.cfg.refund_window_days);
	const char *p[2] = {booking_id, days};
	if ((r = zt_db_exec(req, &err, &q_window, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0 && *PQgetvalue(r, 0, 0) == 't')
		return zt_fail(req, ZT_ECONFLICT, "refund_window_closed",
		    "this event ended more than %d days ago: its bookings can "
		    "no longer be refunded",
		    zt_g.cfg.refund_window_days);
	return ZT_OK;
}
