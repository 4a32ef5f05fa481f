/* zt_hold.c - seat and GA holds in Redis; see zt_hold.h, docs/holds.md. */
#include "zt_hold.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_keys.h"
#include "zt_promo.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_lua.h"
#include "zt_metrics.h"
#include "zt_queue.h"
#include "zt_rate.h"
#include "zt_redis.h"
#include "zt_salemap.h"
#include "zt_server.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a rebuilt sold set is trusted before it is rebuilt again. */
#define SOLD_TTL_MS 300000
/* An index entry whose last hold expired this long ago, with no hold
 * left, is dropped by the sweeper. */
#define INDEX_IDLE_MS 60000

/*
 * The scripts: lib/lua/hold_*.lua (each says its KEYS, ARGV and reply),
 * embedded at build time (zt_lua.h).  Every one but index_drop is given
 * the event's keys (zt_keys_event_all) and starts with hold_prelude.lua.
 */
static struct zt_script lock_script = ZT_SCRIPT(zt_lua_hold_lock);
static struct zt_script release_script = ZT_SCRIPT(zt_lua_hold_release);
static struct zt_script consume_script = ZT_SCRIPT(zt_lua_hold_consume);
static struct zt_script unsell_script = ZT_SCRIPT(zt_lua_hold_unsell);
static struct zt_script sweep_script = ZT_SCRIPT(zt_lua_hold_sweep);
static struct zt_script get_script = ZT_SCRIPT(zt_lua_hold_get);
static struct zt_script status_script = ZT_SCRIPT(zt_lua_hold_status);
static struct zt_script seed_sold_script = ZT_SCRIPT(zt_lua_hold_seed_sold);
static struct zt_script index_drop_script = ZT_SCRIPT(zt_lua_hold_index_drop);

/* What the sold set, the bought counts and the GA counters are rebuilt
 * from, in one round trip: sold seats ('s'), live tickets per buyer ('u'),
 * capacity - sold and capacity per type ('t'). */
static struct zt_sql q_sold = ZT_SQL("hold_sold",
    "SELECT 's', seat_id::text, 0, 0 FROM tickets"
    "  WHERE event_id = $1 AND status = 'live' AND seat_id IS NOT NULL"
    " UNION ALL"
    " SELECT 'u', user_id::text, count(*), 0 FROM tickets"
    "  WHERE event_id = $1 AND status = 'live' GROUP BY user_id"
    " UNION ALL"
    " SELECT 't', id::text, capacity - sold, capacity FROM ticket_types"
    "  WHERE event_id = $1",
    1);

/* ------------------------------------------------------------------ */

static void
put_json(void *p)
{
	json_object_put(p);
}

/*
 * Run an event script on the process's Redis; *out is its decoded JSON
 * reply, released when the request ends.  A failure (503 when Redis is
 * down, 500 on a script error) is described in err, not recorded on req:
 * run() below passes it on, a best-effort caller drops it.
 */
static enum zt_err
run_into(struct zt_req *req, struct zt_error *err, struct zt_script *s,
    const char *event_id, int nargs, const char *const *args,
    struct json_object **out)
{
	redisReply *rep =
	    zt_redis_eval(zt_g.redis, req, err, s, ZT_KEY__EVENT_COUNT,
		zt_keys_event_all(req->arena, event_id), nargs, args);
	struct json_object *o;

	if (rep == NULL)
		return err->err;
	if (rep->type != REDIS_REPLY_STRING ||
	    (o = json_tokener_parse(rep->str)) == NULL) {
		zt_log_error(
		    "hold", "unexpected script reply (type %d)", rep->type);
		return zt_error_set(err, ZT_EINTERNAL, NULL, "internal error");
	}
	zt_req_defer(req, put_json, o);
	*out = o;
	return ZT_OK;
}

/* run_into with the failure recorded for the client. */
static enum zt_err
run(struct zt_req *req, struct zt_script *s, const char *event_id, int nargs,
    const char *const *args, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (run_into(req, &err, s, event_id, nargs, args, out) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

static struct json_object *
field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Lua's cjson writes an empty list as {}: both read as no items. */
static size_t
list_len(struct json_object *a)
{
	return a != NULL && json_object_is_type(a, json_type_array)
		   ? json_object_array_length(a)
		   : 0;
}

static long long
int_field(struct json_object *o, const char *key)
{
	struct json_object *v = field(o, key);
	return v != NULL ? (long long)json_object_get_int64(v) : 0;
}

/* A new JSON array of the strings of list a (a Lua list). */
static struct json_object *
string_list(struct json_object *a)
{
	struct json_object *out = json_object_new_array();
	for (size_t i = 0; i < list_len(a); i++)
		json_object_array_add(
		    out, json_object_get(json_object_array_get_idx(a, i)));
	return out;
}

/* A new {type: n} object from a Lua map (never an array). */
static struct json_object *
count_map(struct json_object *m)
{
	struct json_object *out = json_object_new_object();
	if (m == NULL || !json_object_is_type(m, json_type_object))
		return out;
	json_object_object_foreach(m, k, v)
	{
		json_object_object_add(
		    out, k, json_object_new_int64(json_object_get_int64(v)));
	}
	return out;
}

/* Publish the script's messages on ev:<event_id>, in order. */
static void
publish(struct zt_req *req, const char *event_id, struct json_object *reply)
{
	struct json_object *msgs = field(reply, "msgs");
	for (size_t i = 0; i < list_len(msgs); i++) {
		struct json_object *m = json_object_array_get_idx(msgs, i);
		struct json_object *body = json_object_new_object();
		long long exp = int_field(m, "exp");
		json_object_object_add(
		    body, "seats", string_list(field(m, "seats")));
		json_object_object_add(body, "ga", count_map(field(m, "ga")));
		if (exp != 0)
			json_object_object_add(body, "expiresAt",
			    json_object_new_string(
				zt_time_format_ms(req->arena, exp)));
		zt_live_publish_event(zt_g.live, event_id, int_field(m, "v"),
		    json_object_get_string(field(m, "type")), body);
	}
}

/* Fill h from a script's {hold, exp, seats, ga} (h->id "" when none). */
static void
read_hold(struct zt_req *req, struct json_object *o, struct zt_hold *h)
{
	struct json_object *hid = field(o, "hold"), *seats = field(o, "seats");
	struct json_object *ga = field(o, "ga");
	size_t i = 0;

	memset(h, 0, sizeof(*h));
	h->id = "";
	if (hid == NULL || !json_object_is_type(hid, json_type_string))
		return;
	h->id = zt_arena_strdup(req->arena, json_object_get_string(hid));
	h->expires_ms = int_field(o, "exp");
	h->max_expires_ms = int_field(o, "max");
	h->nseats = list_len(seats);
	h->seats = zt_arena_array(req->arena, h->nseats + 1, sizeof(char *));
	for (i = 0; i < h->nseats; i++)
		h->seats[i] = zt_arena_strdup(
		    req->arena, json_object_get_string(
				    json_object_array_get_idx(seats, i)));
	if (ga == NULL || !json_object_is_type(ga, json_type_object))
		return;
	h->nga = (size_t)json_object_object_length(ga);
	h->ga = zt_arena_array(req->arena, h->nga + 1, sizeof(*h->ga));
	i = 0;
	json_object_object_foreach(ga, k, v)
	{
		h->ga[i].type_id = zt_arena_strdup(req->arena, k);
		h->ga[i].quantity = (int)json_object_get_int64(v);
		i++;
	}
}

static const char *
num_arg(struct zt_req *req, long long n)
{
	return zt_arena_printf(req->arena, "%lld", n);
}

/* ------------------------------------------------------------ parse -- */

enum zt_err
zt_hold_parse(
    struct zt_req *req, struct json_object *body, struct zt_hold_request *out)
{
	struct json_object *seats = NULL, *ga = NULL;
	enum zt_err e;

	memset(out, 0, sizeof(*out));
	if ((e = zt_json_uuid(req, body, "eventId", ZT_REQUIRED, &out->event_id,
		 NULL)) != ZT_OK ||
	    (e = zt_json_array(req, body, "seatIds", ZT_OPTIONAL,
		 ZT_HOLD_MAX_SEATS, &seats, NULL)) != ZT_OK ||
	    (e = zt_json_array(req, body, "ga", ZT_OPTIONAL, ZT_HOLD_MAX_TYPES,
		 &ga, NULL)) != ZT_OK ||
	    (e = zt_json_str(req, body, "promoCode", ZT_OPTIONAL, 64,
		 &out->promo_code, NULL)) != ZT_OK)
		return e;

	out->nseats = list_len(seats);
	out->seats =
	    zt_arena_array(req->arena, out->nseats + 1, sizeof(char *));
	for (size_t i = 0; i < out->nseats; i++) {
		struct json_object *v = json_object_array_get_idx(seats, i);
		const char *s = json_object_is_type(v, json_type_string)
				    ? json_object_get_string(v)
				    : NULL;
		if ((out->seats[i] = zt_uuid_norm(req->arena, s)) == NULL)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'seatIds' must hold seat ids (UUIDs); "
			    "item %zu does not",
			    i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->seats[j], out->seats[i]) == 0)
				return zt_fail(req, ZT_EBADREQ, "invalid_field",
				    "field 'seatIds' names seat %s twice",
				    out->seats[i]);
	}

	out->nga = list_len(ga);
	out->ga = zt_arena_array(req->arena, out->nga + 1, sizeof(*out->ga));
	for (size_t i = 0; i < out->nga; i++) {
		struct json_object *item = json_object_array_get_idx(ga, i);
		int64_t q = 0;
		if (!json_object_is_type(item, json_type_object))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'ga' must hold objects "
			    "{ticketTypeId, quantity}; item %zu does not",
			    i);
		if ((e = zt_json_uuid(req, item, "ticketTypeId", ZT_REQUIRED,
			 &out->ga[i].type_id, NULL)) != ZT_OK ||
		    (e = zt_json_int(req, item, "quantity", ZT_REQUIRED, 0,
			 ZT_HOLD_MAX_QTY, &q, NULL)) != ZT_OK)
			return e;
		out->ga[i].quantity = (int)q;
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->ga[j].type_id, out->ga[i].type_id) == 0)
				return zt_fail(req, ZT_EBADREQ, "invalid_field",
				    "field 'ga' names ticket type %s twice",
				    out->ga[i].type_id);
	}
	if (out->nseats == 0 && out->nga == 0)
		return zt_fail(req, ZT_EBADREQ, "empty_request",
		    "name at least one seat in 'seatIds' or one ticket type "
		    "in 'ga'");
	return ZT_OK;
}

/* ------------------------------------------------------------- lock -- */

/* 422 with a list of the offending ids. */
static enum zt_err
fail_ids(struct zt_req *req, const char *code, const char *key,
    struct json_object *ids, const char *msg)
{
	zt_fail_detail(req, key, ids);
	return zt_fail(req, ZT_EINVALID, code, "%s", msg);
}

/*
 * A hidden type (docs/commerce.md) is held only with a code that unlocks
 * it: without a code it is as unknown as a type of another event (the
 * public layout does not list it); with one, the code is looked up once
 * per request (*unlocked caches what it names) and must name the type.
 * Giving units back (quantity 0) needs no code.
 */
static enum zt_err
check_hidden(struct zt_req *req, const struct zt_salemap *m,
    const struct zt_hold_request *r, const char **unlocked,
    struct json_object *unknown)
{
	enum zt_err e;
	for (size_t i = 0; i < r->nga; i++) {
		const struct zt_sale_type *t =
		    zt_salemap_type(m, r->ga[i].type_id);
		if (t == NULL || !t->hidden || r->ga[i].quantity == 0)
			continue;
		if (r->promo_code == NULL || *r->promo_code == '\0') {
			json_object_array_add(
			    unknown, json_object_new_string(t->id));
			continue;
		}
		if (*unlocked == NULL &&
		    (e = zt_promo_unlocks(req, m->tenant_id, m->event_id,
			 r->promo_code, unlocked)) != ZT_OK)
			return e;
		if (!zt_promo_unlocks_type(*unlocked, t->id)) {
			zt_fail_detail(
			    req, "field", json_object_new_string("promoCode"));
			return zt_fail(req, ZT_EINVALID, "promo_required",
			    "this promo code does not unlock the ticket type "
			    "you chose");
		}
	}
	return ZT_OK;
}

/* The event's rules that need no Redis: sale state, seats, types. */
static enum zt_err
check_request(struct zt_req *req, const struct zt_salemap *m,
    const struct zt_hold_request *r, long long now, const char **unlocked)
{
	struct json_object *unknown = json_object_new_array();
	struct json_object *blocked = json_object_new_array();
	enum zt_err e;

	if ((e = zt_salemap_on_sale(req, m, now)) != ZT_OK)
		goto out;
	for (size_t i = 0; i < r->nseats; i++) {
		enum zt_sale_seat_state s = zt_salemap_seat(m, r->seats[i]);
		if (s == ZT_SEAT_UNKNOWN)
			json_object_array_add(
			    unknown, json_object_new_string(r->seats[i]));
		else if (s == ZT_SEAT_BLOCKED)
			json_object_array_add(
			    blocked, json_object_new_string(r->seats[i]));
	}
	if (json_object_array_length(unknown) > 0) {
		e = fail_ids(req, "unknown_seats", "seatIds",
		    json_object_get(unknown),
		    "these seats are not in this event");
		goto out;
	}
	if (json_object_array_length(blocked) > 0) {
		e = fail_ids(req, "seats_blocked", "seatIds",
		    json_object_get(blocked), "these seats are not for sale");
		goto out;
	}
	for (size_t i = 0; i < r->nga; i++)
		if (zt_salemap_type(m, r->ga[i].type_id) == NULL)
			json_object_array_add(
			    unknown, json_object_new_string(r->ga[i].type_id));
	if (json_object_array_length(unknown) == 0 &&
	    (e = check_hidden(req, m, r, unlocked, unknown)) != ZT_OK)
		goto out;
	if (json_object_array_length(unknown) > 0) {
		e = fail_ids(req, "unknown_ticket_types", "ticketTypeIds",
		    json_object_get(unknown),
		    "these ticket types are not in this event");
		goto out;
	}
	for (size_t i = 0; i < r->nga; i++) {
		const struct zt_sale_type *t =
		    zt_salemap_type(m, r->ga[i].type_id);
		if ((e = zt_salemap_type_on_sale(req, t, now)) != ZT_OK)
			goto out;
		if (r->ga[i].quantity > t->per_order_limit) {
			zt_fail_detail(
			    req, "ticketTypeId", json_object_new_string(t->id));
			zt_fail_detail(req, "limit",
			    json_object_new_int(t->per_order_limit));
			e = zt_fail(req, ZT_EINVALID, "per_order_limit",
			    "at most %d tickets of this type per order",
			    t->per_order_limit);
			goto out;
		}
	}
	e = ZT_OK;
out:
	json_object_put(unknown);
	json_object_put(blocked);
	return e;
}

/* The script said no: the reason as an HTTP error. */
static enum zt_err
refused(
    struct zt_req *req, const struct zt_salemap *m, struct json_object *reply)
{
	struct json_object *conflicts = field(reply, "conflicts");
	struct json_object *shortage = field(reply, "short");

	if (list_len(conflicts) > 0) {
		zt_fail_detail(req, "conflicts", string_list(conflicts));
		return zt_fail(req, ZT_ECONFLICT, "seats_taken",
		    "some of these seats are held by someone else or sold");
	}
	if (shortage != NULL &&
	    json_object_is_type(shortage, json_type_object) &&
	    json_object_object_length(shortage) > 0) {
		zt_fail_detail(req, "available", count_map(shortage));
		return zt_fail(req, ZT_ECONFLICT, "ga_unavailable",
		    "not enough tickets of this type are left");
	}
	zt_fail_detail(req, "limit", json_object_new_int(m->per_user_limit));
	zt_fail_detail(
	    req, "count", json_object_new_int64(int_field(reply, "count")));
	return zt_fail(req, ZT_ECONFLICT, "per_user_limit",
	    "at most %d tickets per person for this event, counting those "
	    "you hold and have bought",
	    m->per_user_limit);
}

static enum zt_err seed_sold(
    struct zt_req *req, const struct zt_salemap *m, long long v0);

/*
 * After an event script (lock, snapshot) ran: {reload = true}, the seat
 * map it was given is older than an organizer's change: dropped, so the
 * caller loads it again (once; then the map version is "*"); {seed =
 * true}, Redis lacks its copy of what is sold (restart, flush, or the
 * copy's life ended): rebuilt from PostgreSQL, at most twice a request.
 * *again: load the map and run the script once more.
 */
static enum zt_err
settle(struct zt_req *req, const struct zt_salemap *m,
    struct json_object *reply, int *reloaded, int *seeded, int *again)
{
	*again = 1;
	if (field(reply, "reload") != NULL) {
		zt_salemap_drop(m->event_id);
		*reloaded = 1;
		return ZT_OK;
	}
	if (field(reply, "seed") == NULL) {
		*again = 0;
		return ZT_OK;
	}
	if ((*seeded)++ == 2) {
		zt_log_error(
		    "hold", "sold set of %s did not stick", m->event_id);
		return zt_fail(req, ZT_EUNAVAIL, "redis_unavailable",
		    "the hold service is unavailable, try again shortly");
	}
	return seed_sold(req, m, int_field(reply, "v"));
}

/*
 * The sweeper's index (outside the event's hash tag, so not in the lock
 * script): ZADD GT keeps an event's latest expiry.  Each worker remembers
 * what it wrote and writes again only when an expiry moved by more than
 * INDEX_REFRESH_MS, or after Redis reconnected: while a hold of the event
 * is alive (ZCARD > 0) the sweeper never drops the entry, so a score a
 * little behind changes nothing but when the idle entry goes.
 */
#define INDEX_REFRESH_MS 30000
#define INDEX_MEMO 16
static struct {
	char event_id[ZT_UUID_BUF];
	long long expires_ms;
	unsigned long redis_gen;
} index_memo[INDEX_MEMO];

static void
index_event(struct zt_req *req, const char *event_id, long long expires_ms)
{
	unsigned long gen = zt_redis_generation(zt_g.redis);
	struct zt_error err = ZT_ERROR_INIT;
	int slot = 0;
	redisReply *rep;

	for (int i = 0; i < INDEX_MEMO; i++) {
		if (strcmp(index_memo[i].event_id, event_id) == 0) {
			if (index_memo[i].redis_gen == gen &&
			    expires_ms <
				index_memo[i].expires_ms + INDEX_REFRESH_MS)
				return;
			slot = i;
			break;
		}
		if (index_memo[i].expires_ms < index_memo[slot].expires_ms)
			slot = i;
	}
	/* best effort: the hold stands without it (err is dropped); the
	 * next lock indexes again */
	rep = zt_redis_cmd(zt_g.redis, req, &err, "ZADD %s GT %lld %s",
	    ZT_KEY_HOLD_INDEX, expires_ms, event_id);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		zt_log_error("hold", "could not index event %s", event_id);
		index_memo[slot].event_id[0] = '\0';
		return;
	}
	snprintf(index_memo[slot].event_id, sizeof(index_memo[slot].event_id),
	    "%s", event_id);
	index_memo[slot].expires_ms = expires_ms;
	index_memo[slot].redis_gen = gen;
}

/*
 * How a lock is taken: for whom, for how long, and whether the waiting
 * room's pass and the lock rate limits apply (a buyer's lock) or not (a
 * waiting-list offer, which is itself the pass: lib/zt_waitlist.c).
 */
struct lock_as {
	const char *user_id;
	long long ttl_ms, life_ms;
	int buyer;
};

static enum zt_err
lock_as(struct zt_req *req, const struct zt_hold_request *r,
    const struct lock_as *as, struct zt_hold *out)
{
	const struct zt_salemap *m;
	long long now = zt_time_now_ms();
	size_t nargs = 12 + r->nseats + 4 * r->nga, k;
	const char **args = zt_arena_array(req->arena, nargs, sizeof(char *));
	char hold_id[ZT_UUID_BUF];
	struct json_object *reply, *ok;
	enum zt_err e;

	const char *unlocked = NULL; /* what r->promo_code unlocks */
	const char *addr =
	    as->buyer ? zt_rate_digest(req, "hold-ip", zt_rate_addr(req)) : "";

	zt_uuid_new(hold_id);
	for (int reloaded = 0, seeded = 0, again = 1; again;) {
		if ((e = zt_salemap_get(req, r->event_id, &m)) != ZT_OK ||
		    (e = check_request(req, m, r, now, &unlocked)) != ZT_OK)
			return e;
		/* the waiting room's pass: checked in C, no round trip
		 * (docs/waiting-room.md); a refusal on a map older than an
		 * organizer's change (the room was just turned off) loads
		 * the map again first */
		if (as->buyer && (e = zt_queue_check(req, m->event_id,
				      m->queue_on)) != ZT_OK) {
			char v[sizeof(m->map_ver)];
			if (reloaded)
				return e;
			zt_salemap_version(req, m->event_id, v, sizeof(v));
			if (strcmp(v, m->map_ver) == 0)
				return e;
			zt_fail_clear(req);
			zt_salemap_drop(m->event_id);
			reloaded = 1;
			continue;
		}
		k = 0;
		args[k++] = as->user_id;
		args[k++] = hold_id;
		args[k++] = num_arg(req, as->ttl_ms);
		args[k++] = num_arg(req, m->per_user_limit);
		/* after one reload, go on with what PostgreSQL said */
		args[k++] = reloaded ? "*" : m->map_ver;
		args[k++] = num_arg(req, as->life_ms);
		args[k++] =
		    num_arg(req, as->buyer ? zt_g.cfg.hold_user_max : 0);
		args[k++] = num_arg(req, as->buyer ? zt_g.cfg.hold_ip_max : 0);
		args[k++] =
		    num_arg(req, (long long)zt_g.cfg.hold_rate_window * 1000);
		args[k++] = addr;
		args[k++] = num_arg(req, (long long)r->nseats);
		for (size_t i = 0; i < r->nseats; i++)
			args[k++] = r->seats[i];
		args[k++] = num_arg(req, (long long)r->nga);
		for (size_t i = 0; i < r->nga; i++) {
			/* the seed counts only for a type Redis has no
			 * counter of (seed_sold writes them all) */
			const struct zt_sale_type *t =
			    zt_salemap_type(m, r->ga[i].type_id);
			args[k++] = r->ga[i].type_id;
			args[k++] = num_arg(req, r->ga[i].quantity);
			args[k++] = num_arg(req, t->capacity - t->sold);
			args[k++] = num_arg(req, t->capacity);
		}
		if ((e = run(req, &lock_script, m->event_id, (int)k, args,
			 &reply)) != ZT_OK ||
		    (e = settle(req, m, reply, &reloaded, &seeded, &again)) !=
			ZT_OK)
			return e;
	}
	if (field(reply, "limited") != NULL) {
		zt_metrics_count(ZT_MC_HOLDS_REFUSED, 1);
		return zt_rate_refuse(req, "rate_limited",
		    "too many seat requests", int_field(reply, "limited"));
	}
	publish(req, m->event_id, reply);
	ok = field(reply, "ok");
	if (ok == NULL || !json_object_get_boolean(ok)) {
		zt_metrics_count(ZT_MC_HOLDS_REFUSED, 1);
		return refused(req, m, reply);
	}
	zt_metrics_count(ZT_MC_HOLDS_TAKEN, 1);
	read_hold(req, reply, out);
	if (out->id[0] != '\0')
		index_event(req, m->event_id, out->expires_ms);
	return ZT_OK;
}

enum zt_err
zt_hold_lock(
    struct zt_req *req, const struct zt_hold_request *r, struct zt_hold *out)
{
	struct lock_as as = {req->user_id, (long long)zt_g.cfg.hold_ttl * 1000,
	    (long long)zt_g.cfg.hold_max_life * 1000, 1};
	return lock_as(req, r, &as, out);
}

enum zt_err
zt_hold_offer(struct zt_req *req, const struct zt_hold_request *r,
    const char *user_id, int ttl_s, struct zt_hold *out)
{
	struct lock_as as = {
	    user_id, (long long)ttl_s * 1000, (long long)ttl_s * 1000, 0};
	return lock_as(req, r, &as, out);
}

/* -------------------------------------------------- get and release -- */

enum zt_err
zt_hold_get(struct zt_req *req, const char *event_id, const char *user_id,
    struct zt_hold *out)
{
	const char *args[1] = {user_id};
	struct json_object *reply;
	enum zt_err e = run(req, &get_script, event_id, 1, args, &reply);
	if (e != ZT_OK)
		return e;
	read_hold(req, reply, out);
	return ZT_OK;
}

enum zt_err
zt_hold_release(struct zt_req *req, const char *event_id, const char *user_id,
    const char *seat_id)
{
	const char *args[2] = {user_id, seat_id ? seat_id : ""};
	struct json_object *reply, *ok;
	enum zt_err e = run(req, &release_script, event_id, 2, args, &reply);
	if (e != ZT_OK)
		return e;
	publish(req, event_id, reply);
	ok = field(reply, "ok");
	if (ok == NULL || !json_object_get_boolean(ok))
		return zt_fail(req, ZT_ENOTFOUND, "hold_not_found",
		    "you do not hold seat %s", seat_id);
	return ZT_OK;
}

enum zt_err
zt_hold_release_if(struct zt_req *req, struct zt_error *err,
    const char *event_id, const char *user_id, const char *hold_id)
{
	const char *get[1] = {user_id}, *all[2] = {user_id, ""};
	struct json_object *reply;
	struct zt_hold h;
	enum zt_err e;

	if ((e = run_into(req, err, &get_script, event_id, 1, get, &reply)) !=
	    ZT_OK)
		return e;
	read_hold(req, reply, &h);
	if (h.id[0] == '\0' || strcmp(h.id, hold_id) != 0)
		return ZT_OK; /* gone, or a newer hold: not this one's */
	if ((e = run_into(
		 req, err, &release_script, event_id, 2, all, &reply)) != ZT_OK)
		return e;
	publish(req, event_id, reply);
	return ZT_OK;
}

/* Arguments "n, seats…, m, (type, qty)…" after the first `skip`. */
static const char **
items_args(struct zt_req *req, size_t skip, const char *const *seats,
    size_t nseats, const struct zt_hold_ga *ga, size_t nga, size_t *nargs)
{
	const char **args = zt_arena_array(
	    req->arena, skip + 2 + nseats + 2 * nga, sizeof(char *));
	size_t k = skip;
	args[k++] = num_arg(req, (long long)nseats);
	for (size_t i = 0; i < nseats; i++)
		args[k++] = seats[i];
	args[k++] = num_arg(req, (long long)nga);
	for (size_t i = 0; i < nga; i++) {
		args[k++] = ga[i].type_id;
		args[k++] = num_arg(req, ga[i].quantity);
	}
	*nargs = k;
	return args;
}

enum zt_err
zt_hold_consume(struct zt_req *req, struct zt_error *err, const char *event_id,
    const char *user_id, const char *hold_id, const char *const *seats,
    size_t nseats, const struct zt_hold_ga *ga, size_t nga)
{
	size_t nargs;
	const char **args = items_args(req, 2, seats, nseats, ga, nga, &nargs);
	struct json_object *reply, *ok;
	enum zt_err e;

	args[0] = user_id;
	args[1] = hold_id;
	if ((e = run_into(req, err, &consume_script, event_id, (int)nargs, args,
		 &reply)) != ZT_OK)
		return e;
	publish(req, event_id, reply);
	ok = field(reply, "ok");
	if (ok == NULL || !json_object_get_boolean(ok))
		return zt_error_set(err, ZT_EFORBIDDEN, "not_owner",
		    "hold %s belongs to someone else", hold_id);
	return ZT_OK;
}

enum zt_err
zt_hold_unsell(struct zt_req *req, struct zt_error *err, const char *event_id,
    const char *user_id, const char *const *seats, size_t nseats,
    const struct zt_hold_ga *ga, size_t nga)
{
	size_t nargs;
	const char **args = items_args(req, 1, seats, nseats, ga, nga, &nargs);
	struct json_object *reply;
	enum zt_err e;

	args[0] = user_id;
	e = run_into(
	    req, err, &unsell_script, event_id, (int)nargs, args, &reply);
	if (e != ZT_OK)
		return e;
	publish(req, event_id, reply);
	return ZT_OK;
}

/* ----------------------------------------------------------- status -- */

/* Rebuild the sold set, the bought counts and missing GA counters from
 * PostgreSQL; v0 is the version seen before. */
static enum zt_err
seed_sold(struct zt_req *req, const struct zt_salemap *m, long long v0)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {m->event_id};
	struct json_object *reply;
	PGresult *res;
	const char **args;
	size_t n, k = 0, count[3] = {0, 0, 0};
	const char kinds[3] = {'s', 'u', 't'};
	const int width[3] = {1, 2, 3};

	if (zt_db_begin_tenant(req, &err, m->tenant_id, "") != ZT_OK)
		return zt_fail_error(req, &err);
	if ((res = zt_db_exec(req, &err, &q_sold, p)) == NULL)
		return zt_fail_error(req, &err);
	n = (size_t)PQntuples(res);
	for (size_t row = 0; row < n; row++)
		for (int j = 0; j < 3; j++)
			if (PQgetvalue(res, (int)row, 0)[0] == kinds[j])
				count[j]++;
	args = zt_arena_array(req->arena, 5 + 3 * n, sizeof(char *));
	args[k++] = num_arg(req, v0);
	args[k++] = num_arg(req, SOLD_TTL_MS);
	/* rows of one kind at a time, in the script's order: 's' seat;
	 * 'u' user, count; 't' type, free, capacity */
	for (int j = 0; j < 3; j++) {
		args[k++] = num_arg(req, (long long)count[j]);
		for (size_t row = 0; row < n; row++) {
			if (PQgetvalue(res, (int)row, 0)[0] != kinds[j])
				continue;
			for (int c = 1; c <= width[j]; c++)
				args[k++] = PQgetvalue(res, (int)row, c);
		}
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return run(req, &seed_sold_script, m->event_id, (int)k, args, &reply);
}

struct json_object *
zt_hold_json(struct zt_req *req, const struct zt_hold *h)
{
	struct json_object *o, *list;

	if (h->id[0] == '\0')
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "holdId", json_object_new_string(h->id));
	json_object_object_add(o, "expiresAt",
	    json_object_new_string(
		zt_time_format_ms(req->arena, h->expires_ms)));
	if (h->max_expires_ms > 0)
		json_object_object_add(o, "maxExpiresAt",
		    json_object_new_string(
			zt_time_format_ms(req->arena, h->max_expires_ms)));
	list = json_object_new_array();
	for (size_t i = 0; i < h->nseats; i++)
		json_object_array_add(
		    list, json_object_new_string(h->seats[i]));
	json_object_object_add(o, "seats", list);
	list = json_object_new_array();
	for (size_t i = 0; i < h->nga; i++) {
		struct json_object *g = json_object_new_object();
		json_object_object_add(g, "ticketTypeId",
		    json_object_new_string(h->ga[i].type_id));
		json_object_object_add(
		    g, "quantity", json_object_new_int(h->ga[i].quantity));
		json_object_array_add(list, g);
	}
	json_object_object_add(o, "ga", list);
	return o;
}

/*
 * Each process keeps the public part of the last few snapshots it built
 * as JSON text (everything but "mine" and the closing brace), with the v
 * and earliest hold expiry the status script needs to say it is still
 * exact, and the seat-map load it used (blocked seats, GA fallbacks).  A
 * hit costs one small script run and a copy: no 90 kB reply to parse and
 * no 90 kB answer to build (docs/benchmarks.md, row 5).
 */
#define SNAP_SLOTS 4
static struct snap {
	char event_id[ZT_UUID_BUF];
	long long v;
	char next[24];	      /* earliest expiry of a hold in it, ms */
	long long live;	      /* holds alive in it */
	long long map_loaded; /* zt_salemap loaded_ms it was built with */
	char *text;	      /* {"eventId":…,"ga":{…}} */
	size_t len;
	unsigned long redis_gen;
	unsigned long used;
} snaps[SNAP_SLOTS];
static unsigned long snap_clock;

static struct snap *
snap_find(const char *event_id)
{
	for (int i = 0; i < SNAP_SLOTS; i++)
		if (strcmp(snaps[i].event_id, event_id) == 0)
			return &snaps[i];
	return NULL;
}

/*
 * Building a big snapshot (and dropping one) leaves free heap that stays
 * resident: the next status request gives it back (malloc_trim at the
 * request's end), at most once a second so that a rush of changes does
 * not trim on every build (docs/benchmarks.md, row 8).
 */
#define SNAP_TRIM_BYTES (32 * 1024)
static int heap_dirty;
static long long heap_trimmed_ms;

static void
trim_heap_later(struct zt_req *req)
{
	long long now = zt_time_mono_ms();
	if (heap_dirty && now - heap_trimmed_ms >= 1000) {
		req->trim_heap = 1;
		heap_dirty = 0;
		heap_trimmed_ms = now;
	}
}

/*
 * Free the snapshots built with a map load past its TTL: that map is
 * loaded again before its next use, so they can never be hit again.
 */
static void
snap_expire(void)
{
	long long now = zt_time_mono_ms();
	for (int i = 0; i < SNAP_SLOTS; i++) {
		struct snap *sn = &snaps[i];
		if (sn->text != NULL &&
		    now - sn->map_loaded >= ZT_SALEMAP_TTL_MS) {
			heap_dirty |= sn->len >= SNAP_TRIM_BYTES;
			free(sn->text);
			memset(sn, 0, sizeof(*sn));
		}
	}
}

/* Keep text (len bytes, a JSON object) as event_id's snapshot. */
static void
snap_store(const struct zt_salemap *m, struct json_object *reply,
    const char *text, size_t len)
{
	struct snap *sn = snap_find(m->event_id);
	if (sn == NULL) {
		sn = &snaps[0];
		for (int i = 1; i < SNAP_SLOTS; i++)
			if (snaps[i].used < sn->used)
				sn = &snaps[i];
	}
	heap_dirty |= len >= SNAP_TRIM_BYTES || sn->len >= SNAP_TRIM_BYTES;
	free(sn->text);
	sn->text = zt_xmalloc(len + 1);
	memcpy(sn->text, text, len);
	sn->text[len] = '\0';
	sn->len = len;
	snprintf(sn->event_id, sizeof(sn->event_id), "%s", m->event_id);
	snprintf(sn->next, sizeof(sn->next), "%s",
	    json_object_get_string(field(reply, "next")));
	sn->v = int_field(reply, "v");
	sn->live = int_field(reply, "live");
	sn->map_loaded = m->loaded_ms;
	sn->redis_gen = zt_redis_generation(zt_g.redis);
	sn->used = ++snap_clock;
}

/* The public snapshot from the script's full reply. */
static struct json_object *
snap_build(
    struct zt_req *req, const struct zt_salemap *m, struct json_object *reply)
{
	struct json_object *body, *list, *ga, *counters, *v;

	body = json_object_new_object();
	json_object_object_add(
	    body, "eventId", json_object_new_string(m->event_id));
	json_object_object_add(
	    body, "v", json_object_new_int64(int_field(reply, "v")));
	list = json_object_new_array();
	v = field(reply, "held");
	for (size_t i = 0; i < list_len(v); i++) {
		/* {expiry, seat, seat…}: one hold */
		struct json_object *g = json_object_array_get_idx(v, i);
		const char *exp =
		    json_object_get_string(json_object_array_get_idx(g, 0));
		struct json_object *at =
		    json_object_new_string(zt_time_format_ms(
			req->arena, exp ? strtoll(exp, NULL, 10) : 0));
		for (size_t k = 1; k < list_len(g); k++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "seatId",
			    json_object_get(json_object_array_get_idx(g, k)));
			json_object_object_add(
			    o, "expiresAt", json_object_get(at));
			json_object_array_add(list, o);
		}
		json_object_put(at);
	}
	json_object_object_add(body, "held", list);
	json_object_object_add(body, "sold", string_list(field(reply, "sold")));
	list = json_object_new_array();
	for (size_t i = 0; i < m->nblocked; i++) {
		char id[ZT_UUID_BUF];
		zt_uuid_format(m->blocked[i], id);
		json_object_array_add(list, json_object_new_string(id));
	}
	json_object_object_add(body, "blocked", list);
	/* a type nobody held since Redis started has no counter yet: it
	 * has capacity - sold free (no hold can have taken any); a counter
	 * follows a capacity the organizer changed since it was seeded */
	ga = json_object_new_object();
	counters = field(reply, "ga");
	for (size_t i = 0; i < m->ntypes; i++) {
		const struct zt_sale_type *t = &m->types[i];
		struct json_object *c = field(counters, t->id);
		struct json_object *cap = field(
		    counters, zt_arena_printf(req->arena, "cap:%s", t->id));
		long long n = c != NULL ? json_object_get_int64(c)
					: t->capacity - t->sold;
		if (c != NULL && cap != NULL)
			n += t->capacity - json_object_get_int64(cap);
		json_object_object_add(
		    ga, t->id, json_object_new_int64(n > 0 ? n : 0));
	}
	json_object_object_add(body, "ga", ga);
	return body;
}

enum zt_err
zt_hold_status(
    struct zt_req *req, const char *event_id, const char **text, size_t *len)
{
	const struct zt_salemap *m;
	const char *args[5] = {req->user_id, "", "", "", ""};
	struct json_object *reply = NULL;
	struct snap *sn;
	enum zt_err e;

	snap_expire();
	for (int reloaded = 0, seeded = 0, again = 1; again;) {
		if ((e = zt_salemap_get(req, event_id, &m)) != ZT_OK)
			return e;
		sn = snap_find(m->event_id);
		args[1] = args[2] = args[3] = "";
		if (sn != NULL && sn->map_loaded == m->loaded_ms &&
		    sn->redis_gen == zt_redis_generation(zt_g.redis)) {
			args[1] = num_arg(req, sn->v);
			args[2] = sn->next;
			args[3] = num_arg(req, sn->live);
		}
		args[4] = reloaded ? "*" : m->map_ver;
		if ((e = run(req, &status_script, m->event_id, 5, args,
			 &reply)) != ZT_OK ||
		    (e = settle(req, m, reply, &reloaded, &seeded, &again)) !=
			ZT_OK)
			return e;
	}
	if (field(reply, "hit") == NULL ||
	    (sn = snap_find(m->event_id)) == NULL) {
		struct json_object *body = snap_build(req, m, reply);
		size_t n = 0;
		const char *t = zt_json_text(req, body, &n);
		json_object_put(body);
		snap_store(m, reply, t, n);
		sn = snap_find(m->event_id);
	}
	sn->used = ++snap_clock;
	trim_heap_later(req);
	if (req->user_id[0] == '\0') {
		/* valid until this process builds its next snapshot */
		*text = sn->text;
		*len = sn->len;
	} else {
		struct zt_hold mine;
		struct json_object *o;
		const char *mt;
		size_t mlen = 0;
		char *out;

		read_hold(req, field(reply, "mine"), &mine);
		o = zt_hold_json(req, &mine);
		mt = o ? zt_json_text(req, o, &mlen) : "null";
		if (o == NULL)
			mlen = 4;
		json_object_put(o);
		/* the public part, then ,"mine":… before its closing brace */
		out = zt_arena_alloc(req->arena, sn->len + mlen + 10);
		memcpy(out, sn->text, sn->len - 1);
		memcpy(out + sn->len - 1, ",\"mine\":", 8);
		memcpy(out + sn->len + 7, mt, mlen);
		out[sn->len + 7 + mlen] = '}';
		out[sn->len + 8 + mlen] = '\0';
		*text = out;
		*len = sn->len + 8 + mlen;
	}
	return ZT_OK;
}

/* ------------------------------------------------------------ sweep -- */

/* Sweep one event; a failure is described in err. */
static enum zt_err
sweep_into(struct zt_req *req, struct zt_error *err, const char *event_id,
    int *swept, int *remaining)
{
	const char *args[1] = {num_arg(req, ZT_HOLD_SWEEP_MAX)};
	struct json_object *reply;
	enum zt_err e;

	*swept = 0;
	*remaining = 0;
	/* bounded: a flood of expiries is finished by the next run */
	for (int round = 0; round < 50; round++) {
		if ((e = run_into(req, err, &sweep_script, event_id, 1, args,
			 &reply)) != ZT_OK)
			return e;
		publish(req, event_id, reply);
		*swept += (int)int_field(reply, "swept");
		*remaining = (int)int_field(reply, "holds");
		if (int_field(reply, "left") == 0)
			break;
	}
	return ZT_OK;
}

enum zt_err
zt_hold_sweep(
    struct zt_req *req, const char *event_id, int *swept, int *remaining)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (sweep_into(req, &err, event_id, swept, remaining) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_hold_sweep_all(struct zt_req *req, int *swept)
{
	struct zt_error err = ZT_ERROR_INIT, last = ZT_ERROR_INIT;
	redisReply *idx = zt_redis_cmd(zt_g.redis, req, &err,
	    "ZRANGE %s 0 -1 WITHSCORES", ZT_KEY_HOLD_INDEX);
	long long now = zt_time_now_ms();

	*swept = 0;
	if (idx == NULL)
		return zt_fail_error(req, &err);
	if (idx->type != REDIS_REPLY_ARRAY)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	for (size_t i = 0; i + 1 < idx->elements; i += 2) {
		const char *ev = idx->element[i]->str;
		const char *score = idx->element[i + 1]->str;
		const char *args[2] = {ev, score};
		const char *keys[1] = {ZT_KEY_HOLD_INDEX};
		int n = 0, left = 0;

		zt_error_clear(&err);
		if (!zt_is_uuid(ev)) {
			zt_redis_cmd(zt_g.redis, req, &err, "ZREM %s %s",
			    ZT_KEY_HOLD_INDEX, ev);
			continue;
		}
		/* one event's failure does not stop the others: the last
		 * one is the run's answer */
		if (sweep_into(req, &err, ev, &n, &left) != ZT_OK) {
			zt_log_warn(
			    "sweep", "could not sweep %s: %s", ev, err.msg);
			last = err;
			continue;
		}
		*swept += n;
		if (left == 0 && strtoll(score, NULL, 10) < now - INDEX_IDLE_MS)
			zt_redis_eval(zt_g.redis, req, &err, &index_drop_script,
			    1, keys, 2, args);
	}
	return zt_fail_error(req, &last);
}
