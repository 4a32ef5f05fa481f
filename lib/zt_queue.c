/* zt_queue.c - the waiting room; see zt_queue.h, docs/waiting-room.md. */
#include "zt_queue.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_keys.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_lua.h"
#include "zt_rate.h"
#include "zt_redis.h"
#include "zt_salemap.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_script join_script = ZT_SCRIPT(zt_lua_queue_join);
static struct zt_script tick_script = ZT_SCRIPT(zt_lua_queue_tick);
static struct zt_script auto_script = ZT_SCRIPT(zt_lua_queue_auto);

#define MS(col) "coalesce((extract(epoch from " col ") * 1000)::bigint, 0)"
#define Q_COLS                                                                 \
	"queue_on, queue_opens_min, queue_rate, queue_pass_ttl, "              \
	"queue_paused, " MS(                                                   \
	    "sales_starts_at") ", queue_auto_lps, "                            \
			       "coalesce(queue_auto_reason, '')"
#define Q_SEATS                                                                \
	"(SELECT count(*) FROM seats s WHERE s.event_id = events.id"           \
	" AND NOT s.blocked)"
enum {
	C_ON,
	C_OPENS,
	C_RATE,
	C_TTL,
	C_PAUSED,
	C_SALE,
	C_AUTO,
	C_REASON,
	C_SEATS
};

/* The rooms that are on, with their settings, as the public sees them
 * (the ticker's walk; PostgreSQL, not Redis, says which rooms exist, so
 * a Redis restart loses none). */
static struct zt_sql q_rooms = ZT_SQL("queue_rooms",
    "SELECT " Q_COLS ", " Q_SEATS ", id, tenant_id FROM events"
    " WHERE queue_on AND status = 'published'",
    0);
#define C_ID (C_SEATS + 1)
#define C_TENANT (C_SEATS + 2)
/* One room's row, the same columns (a join that found Redis without the
 * room's settings: the ticker has not run since the room was turned on,
 * or Redis lost them). */
static struct zt_sql q_room = ZT_SQL("queue_room",
    "SELECT " Q_COLS ", " Q_SEATS ", id, tenant_id FROM events"
    " WHERE id = $1 AND queue_on AND status = 'published'",
    1);
static struct zt_sql q_org_get = ZT_SQL("queue_org_get",
    "SELECT " Q_COLS ", " Q_SEATS
    " FROM events WHERE id = $1 AND tenant_id = $2",
    2);
static struct zt_sql q_org_set = ZT_SQL("queue_org_set",
    "UPDATE events SET queue_on = coalesce($3::boolean, queue_on),"
    " queue_opens_min = coalesce($4::integer, queue_opens_min),"
    " queue_rate = coalesce($5::integer, queue_rate),"
    " queue_pass_ttl = coalesce($6::integer, queue_pass_ttl),"
    " queue_paused = coalesce($7::boolean, queue_paused),"
    " queue_auto_lps = coalesce($8::integer, queue_auto_lps),"
    " queue_auto_reason = CASE WHEN $3::boolean IS NULL"
    " THEN queue_auto_reason END"
    " WHERE id = $1 AND tenant_id = $2 RETURNING " Q_COLS ", " Q_SEATS
    ", id, tenant_id",
    8);
/* The events that may turn their room on by themselves, and the switch
 * (sql/025_queue_places.sql). */
static struct zt_sql q_auto = ZT_SQL("queue_auto",
    "SELECT id, tenant_id, queue_auto_lps FROM events"
    " WHERE queue_auto_lps > 0 AND NOT queue_on AND status = 'published'",
    0);
static struct zt_sql q_auto_on = ZT_SQL("queue_auto_on",
    "UPDATE events SET queue_on = true, queue_auto_reason = $2"
    " WHERE id = $1 AND NOT queue_on",
    2);

/* The copy of the drawn order (sql/025_queue_places.sql): places from
 * $3 + 1 for the users $4 in order; the room's marks. */
static struct zt_sql q_put_places = ZT_SQL("queue_put_places",
    "INSERT INTO queue_places (tenant_id, event_id, user_id, place)"
    " SELECT $1, $2, u, $3::integer + n::integer"
    " FROM unnest($4::text[]) WITH ORDINALITY AS t(u, n)"
    " ON CONFLICT DO NOTHING",
    4);
static struct zt_sql q_put_marks = ZT_SQL("queue_put_marks",
    "INSERT INTO queue_marks (tenant_id, event_id, frozen, late, acc, k)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO UPDATE"
    " SET frozen = EXCLUDED.frozen,"
    " late = greatest(queue_marks.late, EXCLUDED.late),"
    " acc = greatest(queue_marks.acc, EXCLUDED.acc),"
    " k = greatest(queue_marks.k, EXCLUDED.k), updated_at = now()",
    6);
static struct zt_sql q_get_marks = ZT_SQL("queue_get_marks",
    "SELECT frozen, late, acc, k FROM queue_marks WHERE event_id = $1", 1);
static struct zt_sql q_get_places = ZT_SQL("queue_get_places",
    "SELECT user_id, place FROM queue_places WHERE event_id = $1"
    " AND place <= $2::integer ORDER BY place",
    2);

static void
put_json(void *p)
{
	json_object_put(p);
}

static int
key_set(void)
{
	return !sodium_is_zero(
	    zt_g.cfg.queue_pass_key, sizeof(zt_g.cfg.queue_pass_key));
}

/* Run a queue script of event_id; *out its JSON reply (request's). */
static enum zt_err
run(struct zt_req *req, struct zt_error *err, struct zt_script *s,
    const char *event_id, int extra, int nargs, const char *const *args,
    struct json_object **out)
{
	redisReply *rep = zt_redis_eval(zt_g.redis, req, err, s,
	    ZT_KEY__Q_COUNT + (extra ? 5 : 0),
	    zt_keys_queue_all(req->arena, event_id, extra), nargs, args);
	struct json_object *o;

	if (rep == NULL)
		return err->err;
	if (rep->type != REDIS_REPLY_STRING ||
	    (o = json_tokener_parse(rep->str)) == NULL) {
		zt_log_error(
		    "queue", "unexpected script reply (type %d)", rep->type);
		return zt_error_set(err, ZT_EINTERNAL, NULL, "internal error");
	}
	zt_req_defer(req, put_json, o);
	*out = o;
	return ZT_OK;
}

static long long
num(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return (long long)json_object_get_int64(v);
}

static int
flag(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return o != NULL && json_object_object_get_ex(o, key, &v) &&
	       v != NULL && json_object_get_boolean(v);
}

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *
time_or_null(struct zt_req *req, long long ms)
{
	return ms > 0
		   ? json_object_new_string(zt_time_format_ms(req->arena, ms))
		   : NULL;
}

/* A script's reply field copied into an answer: 'i' an integer, 'b' a
 * boolean, 't' a time (ms) as RFC 3339 or null. */
struct copy {
	const char *out, *in;
	char kind;
};

static void
copy_fields(struct zt_req *req, struct json_object *o, struct json_object *rep,
    const struct copy *c)
{
	for (; c->out != NULL; c++)
		json_object_object_add(o, c->out,
		    c->kind == 'b'   ? json_object_new_boolean(flag(rep, c->in))
		    : c->kind == 't' ? time_or_null(req, num(rep, c->in))
				     : json_object_new_int64(num(rep, c->in)));
}

/* ------------------------------------------------------------ pass -- */

#define PASS_V "zq1"

static void
pass_mac(const char *event_id, const char *user_id, long long exp_ms,
    unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	char msg[160];
	int n = snprintf(
	    msg, sizeof(msg), PASS_V "|%s|%s|%lld", event_id, user_id, exp_ms);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (size_t)n,
	    zt_g.cfg.queue_pass_key);
}

const char *
zt_queue_pass_make(struct zt_req *req, const char *event_id,
    const char *user_id, long long exp_ms)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	if (!key_set())
		return NULL;
	pass_mac(event_id, user_id, exp_ms, mac);
	return zt_arena_printf(req->arena, PASS_V ".%lld.%s", exp_ms,
	    zt_b64url(req->arena, mac, sizeof(mac)));
}

/* Is pass valid for (event, user) now?  The MAC covers both, so a pass
 * of another user or event fails the (constant-time) comparison. */
static int
pass_ok(const char *pass, const char *event_id, const char *user_id)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES], want[sizeof(mac)];
	char *end;
	long long exp;

	if (pass == NULL || user_id == NULL || !key_set() ||
	    strncmp(pass, PASS_V ".", 4) != 0)
		return 0;
	exp = strtoll(pass + 4, &end, 10);
	if (end == pass + 4 || *end != '.' || exp <= 0 ||
	    zt_b64url_decode(end + 1, mac, sizeof(mac)) != 0)
		return 0;
	pass_mac(event_id, user_id, exp, want);
	if (!zt_ct_equal(mac, want, sizeof(mac)))
		return 0;
	return exp > zt_time_now_ms();
}

enum zt_err
zt_queue_check(struct zt_req *req, const char *event_id, int room_on)
{
	if (room_on == 0 || pass_ok(zt_header(req, ZT_QUEUE_PASS_HEADER),
				event_id, req->user_id))
		return ZT_OK;
	zt_fail_detail(req, "joinUrl",
	    json_object_new_string(
		zt_arena_printf(req->arena, "/queue.html?event=%s", event_id)));
	zt_fail_detail(req, "queueUrl",
	    json_object_new_string(
		zt_arena_printf(req->arena, "/api/queue/%s", event_id)));
	return zt_fail(req, ZT_EFORBIDDEN, "queue_required",
	    "this sale has a waiting room: join it and come back with your "
	    "pass (header " ZT_QUEUE_PASS_HEADER ")");
}

/* ------------------------------------------------------------ join -- */

static enum zt_err sync_row(struct zt_req *req, struct zt_error *err,
    const char *event_id, const PGresult *r, int row);

/* Copy event_id's settings from PostgreSQL into Redis now. */
static enum zt_err
sync_now(struct zt_req *req, struct zt_error *err, const char *event_id)
{
	const char *p[1] = {event_id};
	PGresult *r;
	if (zt_db_begin_public(req, err) != ZT_OK ||
	    (r = zt_db_exec(req, err, &q_room, p)) == NULL ||
	    zt_db_commit(req, err) != ZT_OK)
		return err->err;
	return PQntuples(r) == 1 ? sync_row(req, err, event_id, r, 0) : ZT_OK;
}

static const char *
state_of(struct json_object *rep, long long place, long long now)
{
	if (num(rep, "pass") > 0)
		return num(rep, "pass") > now ? "admitted" : "expired";
	if (flag(rep, "soldout"))
		return "sold_out";
	return place == 0 ? "prequeue" : "waiting";
}

static const struct copy join_fields[] = {{"admittedUpTo", "k", 'i'},
    {"total", "total", 'i'}, {"paused", "paused", 'b'},
    {"soldOut", "soldout", 'b'}, {"salesStartAt", "sale", 't'},
    {"opensAt", "open", 't'}, {NULL, NULL, 0}};

enum zt_err
zt_queue_join(struct zt_req *req, const char *event_id, int join,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const struct zt_salemap *m;
	struct json_object *rep, *o;
	const char *args[4], *why;
	long long place, now, pexp;
	enum zt_err e;

	*out = NULL;
	if ((e = zt_salemap_get(req, event_id, &m)) != ZT_OK)
		return e;
	if (!m->queue_on || strcmp(m->status, "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "queue_off",
		    "this event has no waiting room: go straight to the "
		    "seats");
	if (!key_set())
		return zt_fail(req, ZT_EUNAVAIL, "queue_unconfigured",
		    "the waiting room is not configured on this server");
	args[0] = req->user_id;
	args[1] = join ? "join" : "peek";
	args[2] = zt_rate_digest(req, "queue-ip", zt_rate_addr(req));
	args[3] = zt_arena_printf(req->arena, "%d", zt_g.cfg.queue_addr_max);
	if (run(req, &err, &join_script, m->event_id, 1, 4, args, &rep) !=
	    ZT_OK)
		return zt_fail_error(req, &err);
	if ((why = str(rep, "err")) != NULL && strcmp(why, "queue_off") == 0) {
		/* on in PostgreSQL, not yet in Redis: copy it and go on */
		if (sync_now(req, &err, m->event_id) != ZT_OK ||
		    run(req, &err, &join_script, m->event_id, 1, 4, args,
			&rep) != ZT_OK)
			return zt_fail_error(req, &err);
		why = str(rep, "err");
	}
	if (why != NULL) {
		if (strcmp(why, "queue_not_open") == 0) {
			zt_fail_detail(req, "opensAt",
			    time_or_null(req, num(rep, "open")));
			return zt_fail(req, ZT_ECONFLICT, why,
			    "the waiting room is not open yet");
		}
		if (strcmp(why, "address_limit") == 0)
			return zt_fail(req, ZT_ELIMIT, "queue_address_limit",
			    "too many places in this waiting room from your "
			    "network");
		if (strcmp(why, "not_in_queue") == 0)
			return zt_fail(req, ZT_ENOTFOUND, why,
			    "you are not in this waiting room: join it");
		/* queue_off: turned off meanwhile */
		return zt_fail(req, ZT_ECONFLICT, "queue_off",
		    "this event has no waiting room: go straight to the "
		    "seats");
	}
	place = num(rep, "place");
	now = num(rep, "now");
	pexp = num(rep, "pass");
	o = json_object_new_object();
	json_object_object_add(o, "eventId", json_object_new_string(event_id));
	json_object_object_add(
	    o, "state", json_object_new_string(state_of(rep, place, now)));
	json_object_object_add(
	    o, "place", place > 0 ? json_object_new_int64(place) : NULL);
	copy_fields(req, o, rep, join_fields);
	json_object_object_add(o, "channel",
	    json_object_new_string(
		zt_arena_printf(req->arena, "/live/queue/%s", event_id)));
	json_object_object_add(o, "pass",
	    pexp > now ? json_object_new_string(zt_queue_pass_make(
			     req, event_id, req->user_id, pexp))
		       : NULL);
	json_object_object_add(
	    o, "passExpiresAt", pexp > 0 ? time_or_null(req, pexp) : NULL);
	*out = o;
	return ZT_OK;
}

/* ------------------------------------------------------- settings -- */

/* Run argv[0..n) (one command) on Redis; a Redis error reply fails. */
static enum zt_err
redis_run(struct zt_req *req, struct zt_error *err, int n, const char **argv)
{
	redisReply *rep = zt_redis_argv(zt_g.redis, req, err, n, argv, NULL);
	if (rep == NULL)
		return err->err;
	if (rep->type == REDIS_REPLY_ERROR) {
		zt_log_error("queue", "redis: %s", rep->str);
		return zt_error_set(err, ZT_EINTERNAL, NULL, "internal error");
	}
	return ZT_OK;
}

/*
 * The room's Redis state was just created (its seed did not exist): if
 * PostgreSQL has a copy of a drawn order (sql/025_queue_places.sql), put
 * it back — the pre-queue as a ZSET scored by place, the late joiners in
 * LATE and LOG, the counters frozen, late, acc and k — so that a Redis
 * restart or flush neither reshuffles nor loses the queue.
 */
static enum zt_err
restore(struct zt_req *req, struct zt_error *err, const char *event_id,
    const char *tenant_id)
{
	const char **keys = zt_keys_queue_all(req->arena, event_id, 0);
	const char *p[2] = {event_id, NULL};
	const char **zadd, **hset, **rpush, *st[14];
	int nz = 2, nh = 2, nr = 2, n;
	long long frozen;
	PGresult *m, *r;

	if (zt_db_begin_tenant(req, err, tenant_id, NULL) != ZT_OK ||
	    (m = zt_db_exec(req, err, &q_get_marks, p)) == NULL)
		return err->err;
	if (PQntuples(m) != 1)
		return zt_db_commit(req, err);
	frozen = atoll(PQgetvalue(m, 0, 0));
	p[1] = zt_arena_printf(
	    req->arena, "%lld", frozen + atoll(PQgetvalue(m, 0, 1)));
	if ((r = zt_db_exec(req, err, &q_get_places, p)) == NULL ||
	    zt_db_commit(req, err) != ZT_OK)
		return err->err;
	n = PQntuples(r);
	zadd = zt_arena_array(req->arena, 2 + 2 * (size_t)n, sizeof(*zadd));
	hset = zt_arena_array(req->arena, 2 + 2 * (size_t)n, sizeof(*hset));
	rpush = zt_arena_array(req->arena, 2 + (size_t)n, sizeof(*rpush));
	zadd[0] = "ZADD", zadd[1] = keys[ZT_KEY_Q_PRE];
	hset[0] = "HSET", hset[1] = keys[ZT_KEY_Q_LATE];
	rpush[0] = "RPUSH", rpush[1] = keys[ZT_KEY_Q_LOG];
	for (int i = 0; i < n; i++) {
		const char *user = PQgetvalue(r, i, 0),
			   *place = PQgetvalue(r, i, 1);
		if (atoll(place) <= frozen) {
			zadd[nz++] = place, zadd[nz++] = user;
		} else {
			hset[nh++] = user, hset[nh++] = place;
			rpush[nr++] = user;
		}
	}
	st[0] = "HSET", st[1] = keys[ZT_KEY_Q_STATE];
	st[2] = "frozen", st[3] = PQgetvalue(m, 0, 0);
	st[4] = "late", st[5] = PQgetvalue(m, 0, 1);
	st[6] = "lcopied", st[7] = PQgetvalue(m, 0, 1);
	st[8] = "pcopied", st[9] = "1";
	st[10] = "acc", st[11] = PQgetvalue(m, 0, 2);
	st[12] = "k", st[13] = PQgetvalue(m, 0, 3);
	{
		const char *del[5] = {"DEL", keys[ZT_KEY_Q_PRE],
		    keys[ZT_KEY_Q_LATE], keys[ZT_KEY_Q_LOG], NULL};
		if (redis_run(req, err, 4, del) != ZT_OK)
			return err->err;
	}
	if ((nz > 2 && redis_run(req, err, nz, zadd) != ZT_OK) ||
	    (nh > 2 && redis_run(req, err, nh, hset) != ZT_OK) ||
	    (nr > 2 && redis_run(req, err, nr, rpush) != ZT_OK) ||
	    redis_run(req, err, 14, st) != ZT_OK)
		return err->err;
	zt_log_info("queue",
	    "restored the queue of %s from PostgreSQL: %d places, %s admitted",
	    event_id, n, st[13]);
	return ZT_OK;
}

/*
 * Copy the settings of row `row` of r (Q_COLS, Q_SEATS, id, tenant_id)
 * into the event's Redis state.  The seed of the lottery is drawn once
 * (HSETNX); when it did not exist the state is new, or Redis lost it:
 * the drawn order, if any, comes back from PostgreSQL before the room is
 * switched on in Redis.
 */
static enum zt_err
sync_row(struct zt_req *req, struct zt_error *err, const char *event_id,
    const PGresult *r, int row)
{
	const char *st = zt_keys_queue_all(req->arena, event_id, 0)[0];
	int on = PQgetvalue(r, row, C_ON)[0] == 't';
	long long sale = atoll(PQgetvalue(r, row, C_SALE));
	long long open = sale - 60000LL * atoll(PQgetvalue(r, row, C_OPENS));
	unsigned char seed[32];
	redisReply *rep;

	randombytes_buf(seed, sizeof(seed));
	rep = zt_redis_cmd(zt_g.redis, req, err, "HSETNX %s seed %s", st,
	    zt_hex(req->arena, seed, sizeof(seed)));
	if (rep == NULL)
		return err->err;
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 &&
	    restore(req, err, event_id, PQgetvalue(r, row, C_TENANT)) != ZT_OK)
		return err->err;
	rep = zt_redis_cmd(zt_g.redis, req, err,
	    "HSET %s on %d sale %lld open %lld rate %s ttl %s paused %d "
	    "seats %s",
	    st, on, sale, sale > 0 ? open : 0LL, PQgetvalue(r, row, C_RATE),
	    PQgetvalue(r, row, C_TTL), PQgetvalue(r, row, C_PAUSED)[0] == 't',
	    PQgetvalue(r, row, C_SEATS));
	return rep == NULL ? err->err : ZT_OK;
}

/* The organizer's view: settings and the live counts from Redis. */
static struct json_object *
settings_json(struct zt_req *req, const char *event_id, const PGresult *r)
{
	struct zt_error err = ZT_ERROR_INIT; /* counts are best effort */
	struct json_object *o = json_object_new_object();
	const char *st = zt_keys_queue_all(req->arena, event_id, 0)[0];
	redisReply *rep;
	long long k = 0, total = 0, pre = 0, soldout = 0;

	rep = zt_redis_cmd(
	    zt_g.redis, req, &err, "HMGET %s k frozen late soldout", st);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 4) {
		for (size_t i = 0; i < 4; i++) {
			long long v =
			    rep->element[i]->type == REDIS_REPLY_STRING
				? atoll(rep->element[i]->str)
				: 0;
			if (i == 0)
				k = v;
			else if (i == 3)
				soldout = v;
			else
				total += v;
		}
	}
	rep = zt_redis_cmd(zt_g.redis, req, &err, "ZCARD %s",
	    zt_keys_queue_all(req->arena, event_id, 0)[ZT_KEY_Q_PRE]);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		pre = rep->integer;
	json_object_object_add(o, "eventId", json_object_new_string(event_id));
	json_object_object_add(
	    o, "on", json_object_new_boolean(PQgetvalue(r, 0, C_ON)[0] == 't'));
	json_object_object_add(o, "opensMinutes",
	    json_object_new_int(atoi(PQgetvalue(r, 0, C_OPENS))));
	json_object_object_add(o, "ratePerMinute",
	    json_object_new_int(atoi(PQgetvalue(r, 0, C_RATE))));
	json_object_object_add(o, "passSeconds",
	    json_object_new_int(atoi(PQgetvalue(r, 0, C_TTL))));
	json_object_object_add(o, "paused",
	    json_object_new_boolean(PQgetvalue(r, 0, C_PAUSED)[0] == 't'));
	json_object_object_add(o, "salesStartAt",
	    time_or_null(req, atoll(PQgetvalue(r, 0, C_SALE))));
	json_object_object_add(o, "autoLocksPerSecond",
	    json_object_new_int(atoi(PQgetvalue(r, 0, C_AUTO))));
	json_object_object_add(o, "autoReason",
	    PQgetvalue(r, 0, C_REASON)[0]
		? json_object_new_string(PQgetvalue(r, 0, C_REASON))
		: NULL);
	json_object_object_add(o, "preQueue", json_object_new_int64(pre));
	json_object_object_add(o, "placed", json_object_new_int64(total));
	json_object_object_add(o, "admitted", json_object_new_int64(k));
	json_object_object_add(
	    o, "waiting", json_object_new_int64(total > k ? total - k : 0));
	json_object_object_add(
	    o, "soldOut", json_object_new_boolean(soldout != 0));
	return o;
}

/* Organizer: run q (params p, p[1] filled with the tenant) in the
 * caller's tenant as a manager or owner; *r its one row, or 404. */
static enum zt_err
org_row(struct zt_req *req, struct zt_sql *q, const char **p,
    const char *event_id, PGresult **r)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	p[1] = req->tenant_id;
	if ((*r = zt_db_exec(req, &err, q, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (PQntuples(*r) != 1)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", event_id);
	return ZT_OK;
}

enum zt_err
zt_queue_settings_get(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	const char *p[2] = {event_id, NULL};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = org_row(req, &q_org_get, p, event_id, &r)) != ZT_OK)
		return e;
	*out = settings_json(req, event_id, r);
	return ZT_OK;
}

/* An optional integer/boolean field as text for the UPDATE (NULL when
 * absent: the column keeps its value). */
static enum zt_err
opt_int(struct zt_req *req, struct json_object *body, const char *key,
    int64_t min, int64_t max, const char **out)
{
	int64_t v = 0;
	int present = 0;
	enum zt_err e =
	    zt_json_int(req, body, key, ZT_OPTIONAL, min, max, &v, &present);
	*out =
	    present ? zt_arena_printf(req->arena, "%lld", (long long)v) : NULL;
	return e;
}

static enum zt_err
opt_bool(struct zt_req *req, struct json_object *body, const char *key,
    const char **out)
{
	int v = 0, present = 0;
	enum zt_err e = zt_json_bool(req, body, key, ZT_OPTIONAL, &v, &present);
	*out = present ? (v ? "true" : "false") : NULL;
	return e;
}

enum zt_err
zt_queue_settings_put(struct zt_req *req, const char *event_id,
    struct json_object *body, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[8] = {event_id, NULL};
	PGresult *r;
	enum zt_err e;

	static const char *const known[] = {"on", "opensMinutes",
	    "ratePerMinute", "passSeconds", "paused", "autoLocksPerSecond",
	    NULL};

	*out = NULL;
	if (body == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the settings as a JSON object");
	if ((e = zt_json_known(req, body, NULL, known)) != ZT_OK ||
	    (e = opt_bool(req, body, "on", &p[2])) != ZT_OK ||
	    (e = opt_int(req, body, "opensMinutes", 0, 1440, &p[3])) != ZT_OK ||
	    (e = opt_int(req, body, "ratePerMinute", 1, 1000000, &p[4])) !=
		ZT_OK ||
	    (e = opt_int(req, body, "passSeconds", 60, 7200, &p[5])) != ZT_OK ||
	    (e = opt_bool(req, body, "paused", &p[6])) != ZT_OK ||
	    (e = opt_int(req, body, "autoLocksPerSecond", 0, 1000000, &p[7])) !=
		ZT_OK)
		return e;
	if ((e = org_row(req, &q_org_set, p, event_id, &r)) != ZT_OK)
		return e;
	/* every process's seat map learns queue_on before its next lock */
	zt_salemap_touch(req, event_id);
	if (sync_row(req, &err, event_id, r, 0) != ZT_OK)
		zt_log_warn("queue",
		    "settings of %s reach Redis at the "
		    "next tick",
		    event_id);
	*out = settings_json(req, event_id, r);
	return ZT_OK;
}

/* ----------------------------------------------------------- ticker -- */

static const struct copy tick_fields[] = {{"admittedUpTo", "k", 'i'},
    {"total", "total", 'i'}, {"preQueue", "pre", 'i'},
    {"ratePerMinute", "rate", 'i'}, {"measuredPerMinute", "measured", 'i'},
    {"drawn", "frozen", 'b'}, {"paused", "paused", 'b'},
    {"soldOut", "soldout", 'b'}, {"salesStartAt", "sale", 't'},
    {"at", "now", 't'}, {NULL, NULL, 0}};

/* The users of a Redis array reply as a text array parameter. */
static const char *
users_array(struct zt_req *req, const redisReply *rep, size_t *n)
{
	const char **v;
	*n = 0;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
		return NULL;
	v = zt_arena_array(req->arena, rep->elements, sizeof(*v));
	for (size_t i = 0; i < rep->elements; i++)
		v[i] = rep->element[i]->type == REDIS_REPLY_STRING
			   ? rep->element[i]->str
			   : "";
	*n = rep->elements;
	return zt_db_array(req, v, rep->elements);
}

/*
 * After a tick of a drawn room: copy to PostgreSQL what is not there yet
 * (sql/025_queue_places.sql) — the whole drawn pre-queue once, the late
 * joiners since the last copy (LOG, in place order) — and the admission
 * counter; one transaction per room per tick, whatever the number of
 * joins.  What was copied is marked in Redis only after the commit, so a
 * failed copy is retried at the next tick.
 */
static enum zt_err
copy_out(struct zt_req *req, struct zt_error *err, const char *event_id,
    const char *tenant_id, struct json_object *rep)
{
	const char **keys = zt_keys_queue_all(req->arena, event_id, 0);
	long long fz = num(rep, "fz"), late = num(rep, "late");
	long long lc = num(rep, "lcopied");
	int pc = num(rep, "pcopied") != 0;
	const char *pre = NULL, *lat = NULL, *p[6];
	size_t npre = 0, nlat = 0;
	struct json_object *acc = NULL;
	redisReply *rr;

	if (!pc) {
		rr = zt_redis_cmd(
		    zt_g.redis, req, err, "ZRANGE %s 0 -1", keys[ZT_KEY_Q_PRE]);
		if (rr == NULL)
			return err->err;
		pre = users_array(req, rr, &npre);
	}
	if (late > lc) {
		rr = zt_redis_cmd(zt_g.redis, req, err, "LRANGE %s %lld %lld",
		    keys[ZT_KEY_Q_LOG], lc, late - 1);
		if (rr == NULL)
			return err->err;
		lat = users_array(req, rr, &nlat);
	}
	json_object_object_get_ex(rep, "acc", &acc);
	p[0] = tenant_id, p[1] = event_id;
	if (zt_db_begin_tenant(req, err, tenant_id, NULL) != ZT_OK)
		return err->err;
	if (pre != NULL) {
		p[2] = "0", p[3] = pre;
		if (zt_db_exec(req, err, &q_put_places, p) == NULL)
			return err->err;
	}
	if (lat != NULL) {
		p[2] = zt_arena_printf(req->arena, "%lld", fz + lc);
		p[3] = lat;
		if (zt_db_exec(req, err, &q_put_places, p) == NULL)
			return err->err;
	}
	p[2] = zt_arena_printf(req->arena, "%lld", fz);
	p[3] = zt_arena_printf(req->arena, "%lld", lc + (long long)nlat);
	p[4] = zt_arena_printf(req->arena, "%.17g",
	    acc != NULL ? json_object_get_double(acc) : 0.0);
	p[5] = zt_arena_printf(req->arena, "%lld", num(rep, "k"));
	if (zt_db_exec(req, err, &q_put_marks, p) == NULL ||
	    zt_db_commit(req, err) != ZT_OK)
		return err->err;
	if (!pc || nlat > 0) {
		rr = zt_redis_cmd(zt_g.redis, req, err,
		    "HSET %s pcopied 1 lcopied %lld", keys[ZT_KEY_Q_STATE],
		    lc + (long long)nlat);
		if (rr == NULL)
			return err->err;
	}
	return ZT_OK;
}

/* Sync the settings of row `row` of the rooms, run one tick, copy the
 * order to PostgreSQL, publish the tick on q:<event>. */
static enum zt_err
tick_one(struct zt_req *req, struct zt_error *err, const PGresult *r, int row)
{
	const char *event_id = PQgetvalue(r, row, C_ID);
	struct json_object *rep, *msg;
	const char *json;

	if (sync_row(req, err, event_id, r, row) != ZT_OK ||
	    run(req, err, &tick_script, event_id, 1, 0, NULL, &rep) != ZT_OK)
		return err->err;
	if (!flag(rep, "on"))
		return ZT_OK;
	if (flag(rep, "frozen") &&
	    copy_out(req, err, event_id, PQgetvalue(r, row, C_TENANT), rep) !=
		ZT_OK)
		zt_log_warn("queue", "copy of %s to PostgreSQL failed: %s",
		    event_id, err->msg[0] ? err->msg : "");
	msg = json_object_new_object();
	json_object_object_add(
	    msg, "type", json_object_new_string("queue.tick"));
	copy_fields(req, msg, rep, tick_fields);
	json = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	zt_live_publish(zt_g.live,
	    zt_arena_printf(req->arena, "q:%s", event_id), json, strlen(json));
	json_object_put(msg);
	return ZT_OK;
}

/*
 * The rooms that may turn on by themselves: sample each event's hold
 * change counter (queue_auto.lua, one round trip per event per tick) and
 * turn the room on, with the reason, when the changes per second reach
 * the event's threshold.  The room then ticks from the next walk.
 */
static void
auto_on(struct zt_req *req)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;

	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_auto, NULL)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		zt_log_warn("queue", "auto-on watch failed: %s", err.msg);
		return;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *ev = PQgetvalue(r, i, 0), *p[2] = {ev, NULL};
		long long lim = atoll(PQgetvalue(r, i, 2));
		const char *keys[2] = {
		    zt_keys_queue_all(req->arena, ev, 0)[ZT_KEY_Q_STATE],
		    zt_keys_event(req->arena, ev, ZT_KEY_VER)};
		redisReply *rep = zt_redis_eval(
		    zt_g.redis, req, &err, &auto_script, 2, keys, 0, NULL);
		PGresult *u;

		if (rep == NULL || rep->type != REDIS_REPLY_INTEGER ||
		    rep->integer < lim)
			continue;
		p[1] = zt_arena_printf(req->arena,
		    "lock traffic reached %lld changes per second (threshold "
		    "%lld) at %s",
		    (long long)rep->integer, lim,
		    zt_time_format_ms(req->arena, zt_time_now_ms()));
		if (zt_db_begin_tenant(req, &err, PQgetvalue(r, i, 1), NULL) !=
			ZT_OK ||
		    (u = zt_db_exec(req, &err, &q_auto_on, p)) == NULL ||
		    zt_db_commit(req, &err) != ZT_OK) {
			zt_log_warn(
			    "queue", "auto-on of %s failed: %s", ev, err.msg);
			continue;
		}
		zt_salemap_touch(req, ev);
		zt_log_info("queue", "room of %s turned on: %s", ev, p[1]);
	}
}

enum zt_err
zt_queue_tick_all(struct zt_req *req, int *n)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;

	*n = 0;
	auto_on(req);
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_rooms, NULL)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		struct zt_error one = ZT_ERROR_INIT;
		if (tick_one(req, &one, r, i) != ZT_OK) {
			zt_log_warn("queue", "tick of %s failed: %s",
			    PQgetvalue(r, i, C_ID), one.msg[0] ? one.msg : "");
			if (one.err == ZT_EUNAVAIL)
				return zt_fail_error(req, &one);
		} else {
			(*n)++;
		}
	}
	return ZT_OK;
}
