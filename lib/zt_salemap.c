/* zt_salemap.c - per-process cache of event seat maps; see zt_salemap.h. */
#include "zt_salemap.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_keys.h"
#include "zt_log.h"
#include "zt_redis.h"
#include "zt_server.h"
#include "zt_ticket.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Times as epoch milliseconds (0 = no bound) so C compares integers. */
#define MS(col) "coalesce((extract(epoch from " col ") * 1000)::bigint, 0)"

/* Public read, no tenant in scope: only public events are visible. */
static struct zt_sql q_event = ZT_SQL("salemap_event",
    "SELECT tenant_id, status, " MS("sales_starts_at") ", " MS(
	"sales_ends_at") ", " MS("ends_at") ", per_user_limit, queue_on"
					    " FROM events WHERE id = $1",
    1);
static struct zt_sql q_seats = ZT_SQL(
    "salemap_seats", "SELECT id, blocked FROM seats WHERE event_id = $1", 1);
static struct zt_sql q_types = ZT_SQL("salemap_types",
    "SELECT id, capacity, sold, per_order_limit, " MS(
	"sales_starts_at") ", " MS("sales_ends_at") ", hidden"
						    " FROM ticket_types WHERE "
						    "event_id = $1",
    1);
static struct zt_sql q_seat_event =
    ZT_SQL("salemap_seat_event", "SELECT event_id FROM seats WHERE id = $1", 1);

static struct zt_salemap cache[ZT_SALEMAP_SLOTS];
static unsigned long cache_clock;

void
zt_salemap_seat_room(struct zt_salemap *m, size_t n, size_t nblocked)
{
	size_t bytes = (n + nblocked) * sizeof(zt_sale_seat_id);
	void *p;

	m->nseats = m->nblocked = 0;
	m->seat_room = n;
	m->seat_bytes = bytes;
	if (bytes == 0)
		return;
	/* a mapping of its own, whatever malloc's moving mmap threshold
	 * would decide: freeing it returns the pages at once and leaves no
	 * hole in the heap */
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		zt_log_error("salemap", "out of memory for %zu seats", n);
		abort();
	}
	m->seats = p;
	m->blocked = m->seats + n;
}

void
zt_salemap_free_seats(struct zt_salemap *m)
{
	if (m->seats != NULL)
		munmap(m->seats, m->seat_bytes);
	m->seats = m->blocked = NULL;
	m->nseats = m->nblocked = m->seat_room = m->seat_bytes = 0;
}

int
zt_salemap_add_seat(struct zt_salemap *m, const char *id, int blocked)
{
	size_t blocked_room =
	    m->seat_bytes / sizeof(zt_sale_seat_id) - m->seat_room;

	if (m->nseats == m->seat_room ||
	    (blocked && m->nblocked == blocked_room) ||
	    zt_ticket_uuid_bytes(id, m->seats[m->nseats]) != 0)
		return -1;
	if (blocked)
		memcpy(m->blocked[m->nblocked++], m->seats[m->nseats],
		    sizeof(zt_sale_seat_id));
	m->nseats++;
	return 0;
}

static void
clear(struct zt_salemap *m)
{
	zt_salemap_free_seats(m);
	free(m->types);
	memset(m, 0, sizeof(*m));
}

void
zt_salemap_forget(void)
{
	for (int i = 0; i < ZT_SALEMAP_SLOTS; i++)
		clear(&cache[i]);
}

void
zt_salemap_drop(const char *event_id)
{
	char id[ZT_UUID_BUF];
	/* event_id may be a cached map's own (m->event_id) */
	snprintf(id, sizeof(id), "%s", event_id);
	for (int i = 0; i < ZT_SALEMAP_SLOTS; i++)
		if (id[0] != '\0' && strcmp(cache[i].event_id, id) == 0)
			clear(&cache[i]);
}

void
zt_salemap_touch(struct zt_req *req, const char *event_id)
{
	struct zt_error err = ZT_ERROR_INIT; /* dropped: the change is
					      * committed either way */
	redisReply *rep;

	if (zt_g.redis == NULL)
		return;
	rep = zt_redis_cmd(zt_g.redis, req, &err, "INCR %s",
	    zt_keys_event(req->arena, event_id, ZT_KEY_MAP));
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER)
		zt_log_warn("salemap", "could not bump the map version of %s",
		    event_id);
}

void
zt_salemap_version(
    struct zt_req *req, const char *event_id, char *out, size_t n)
{
	struct zt_error err = ZT_ERROR_INIT; /* dropped: "?" says it */
	redisReply *rep = NULL;

	if (zt_g.redis != NULL)
		rep = zt_redis_cmd(zt_g.redis, req, &err, "GET %s",
		    zt_keys_event(req->arena, event_id, ZT_KEY_MAP));

	snprintf(out, n, "0");
	if (rep != NULL && rep->type == REDIS_REPLY_STRING)
		snprintf(out, n, "%s", rep->str);
	else if (rep == NULL || rep->type != REDIS_REPLY_NIL)
		snprintf(out, n, "?");
}

static int
by_seat_id(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(zt_sale_seat_id));
}

static int
by_type_id(const void *a, const void *b)
{
	return strcmp(((const struct zt_sale_type *)a)->id,
	    ((const struct zt_sale_type *)b)->id);
}

void
zt_salemap_index(struct zt_salemap *m)
{
	if (m->nseats > 1)
		qsort(m->seats, m->nseats, sizeof(*m->seats), by_seat_id);
	if (m->nblocked > 1)
		qsort(m->blocked, m->nblocked, sizeof(*m->blocked), by_seat_id);
	if (m->ntypes > 1)
		qsort(m->types, m->ntypes, sizeof(*m->types), by_type_id);
}

enum zt_sale_seat_state
zt_salemap_seat(const struct zt_salemap *m, const char *id)
{
	zt_sale_seat_id key;
	if (m->nseats == 0 || zt_ticket_uuid_bytes(id, key) != 0 ||
	    bsearch(key, m->seats, m->nseats, sizeof(*m->seats), by_seat_id) ==
		NULL)
		return ZT_SEAT_UNKNOWN;
	if (m->nblocked > 0 && bsearch(key, m->blocked, m->nblocked,
				   sizeof(*m->blocked), by_seat_id) != NULL)
		return ZT_SEAT_BLOCKED;
	return ZT_SEAT_OPEN;
}

const struct zt_sale_type *
zt_salemap_type(const struct zt_salemap *m, const char *id)
{
	struct zt_sale_type key;
	if (m->ntypes == 0 || strlen(id) > ZT_UUID_LEN)
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(
	    &key, m->types, m->ntypes, sizeof(*m->types), by_type_id);
}

static long long
num(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Load event_id into m (empty on entry).  ZT_OK, 404 or the db error. */
static enum zt_err
load(struct zt_req *req, const char *event_id, struct zt_salemap *m)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	size_t nblocked = 0;
	PGresult *r;
	int n;

	/* the version before the map itself: a change that lands while
	 * loading makes the next lock reload ("?": reload once) */
	zt_salemap_version(req, event_id, m->map_ver, sizeof(m->map_ver));
	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) != 1)
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no such event: %s", event_id);
	snprintf(m->event_id, sizeof(m->event_id), "%s", event_id);
	snprintf(m->tenant_id, sizeof(m->tenant_id), "%s", PQgetvalue(r, 0, 0));
	snprintf(m->status, sizeof(m->status), "%s", PQgetvalue(r, 0, 1));
	m->sales_start_ms = num(r, 0, 2);
	m->sales_end_ms = num(r, 0, 3);
	m->ends_ms = num(r, 0, 4);
	m->per_user_limit = (int)num(r, 0, 5);
	m->queue_on = PQgetvalue(r, 0, 6)[0] == 't';

	/* the children through the tenant's own policy: a plain index
	 * scan instead of the per-row public_read check */
	if (zt_db_scope_tenant(req, &err, m->tenant_id, "") != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_seats, p)) == NULL)
		return zt_fail_error(req, &err);
	n = PQntuples(r);
	/* a big venue's rows passed through libpq: give the freed heap back
	 * rather than keep it until the next reload (row 8 of
	 * docs/benchmarks.md) */
	if (n > 1000)
		req->trim_heap = 1;
	for (int i = 0; i < n; i++)
		nblocked += PQgetvalue(r, i, 1)[0] == 't';
	zt_salemap_seat_room(m, (size_t)n, nblocked);
	for (int i = 0; i < n; i++)
		zt_salemap_add_seat(m, PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1)[0] == 't'); /* uuid column: never -1 */
	if ((r = zt_db_exec(req, &err, &q_types, p)) == NULL)
		return zt_fail_error(req, &err);
	m->ntypes = (size_t)PQntuples(r);
	if (m->ntypes > 0) {
		m->types = zt_xmalloc(m->ntypes * sizeof(*m->types));
		for (size_t i = 0; i < m->ntypes; i++) {
			struct zt_sale_type *t = &m->types[i];
			int row = (int)i;
			snprintf(
			    t->id, sizeof(t->id), "%s", PQgetvalue(r, row, 0));
			t->capacity = (int)num(r, row, 1);
			t->sold = (int)num(r, row, 2);
			t->per_order_limit = (int)num(r, row, 3);
			t->sales_start_ms = num(r, row, 4);
			t->sales_end_ms = num(r, row, 5);
			t->hidden = PQgetvalue(r, row, 6)[0] == 't';
		}
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_salemap_index(m);
	m->loaded_ms = zt_time_mono_ms();
	return ZT_OK;
}

/*
 * Keep the cache's seat ids within ZT_SALEMAP_CAP_BYTES by dropping the
 * least recently used maps, never keep (the map in use).
 */
static void
cap(const struct zt_salemap *keep)
{
	for (;;) {
		struct zt_salemap *lru = NULL;
		size_t bytes = 0;
		for (int i = 0; i < ZT_SALEMAP_SLOTS; i++) {
			struct zt_salemap *m = &cache[i];
			bytes += m->seat_bytes;
			if (m != keep && m->event_id[0] != '\0' &&
			    (lru == NULL || m->used < lru->used))
				lru = m;
		}
		if (bytes <= ZT_SALEMAP_CAP_BYTES || lru == NULL)
			return;
		clear(lru);
	}
}

enum zt_err
zt_salemap_get(
    struct zt_req *req, const char *event_id, const struct zt_salemap **out)
{
	long long now = zt_time_mono_ms();
	struct zt_salemap *slot = NULL;
	enum zt_err e;

	for (int i = 0; i < ZT_SALEMAP_SLOTS; i++) {
		struct zt_salemap *m = &cache[i];
		if (m->event_id[0] == '\0')
			continue;
		/* a map past its TTL is loaded again before any use: keep
		 * none of it meanwhile */
		if (now - m->loaded_ms >= ZT_SALEMAP_TTL_MS)
			clear(m);
		else if (strcmp(m->event_id, event_id) == 0)
			slot = m;
	}
	if (slot != NULL) {
		slot->used = ++cache_clock;
		*out = slot;
		return ZT_OK;
	}
	/* an empty slot, else the least recently used */
	slot = &cache[0];
	for (int i = 1; i < ZT_SALEMAP_SLOTS && slot->event_id[0] != '\0'; i++)
		if (cache[i].event_id[0] == '\0' || cache[i].used < slot->used)
			slot = &cache[i];
	clear(slot);
	e = load(req, event_id, slot);
	if (e != ZT_OK) {
		zt_db_rollback();
		clear(slot);
		return e;
	}
	slot->used = ++cache_clock;
	cap(slot);
	*out = slot;
	return ZT_OK;
}

enum zt_err
zt_salemap_seat_event(
    struct zt_req *req, const char *seat_id, char event_id[ZT_UUID_BUF])
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {seat_id};
	PGresult *r;

	if (zt_db_begin_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_seat_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) != 1) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "seat_not_found",
		    "no such seat: %s", seat_id);
	}
	snprintf(event_id, ZT_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_salemap_on_sale(
    struct zt_req *req, const struct zt_salemap *m, long long now_ms)
{
	long long end = m->sales_end_ms ? m->sales_end_ms : m->ends_ms;

	if (strcmp(m->status, "cancelled") == 0)
		return zt_fail(req, ZT_ECONFLICT, "event_cancelled",
		    "this event was cancelled");
	if (strcmp(m->status, "completed") == 0 || now_ms >= m->ends_ms)
		return zt_fail(
		    req, ZT_ECONFLICT, "event_ended", "this event has ended");
	if (strcmp(m->status, "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_not_on_sale",
		    "this event is not on sale");
	if (m->sales_start_ms != 0 && now_ms < m->sales_start_ms) {
		zt_fail_detail(req, "salesStartsAt",
		    json_object_new_string(
			zt_time_format_ms(req->arena, m->sales_start_ms)));
		return zt_fail(req, ZT_ECONFLICT, "sales_not_started",
		    "sales for this event have not started yet");
	}
	if (end != 0 && now_ms >= end)
		return zt_fail(req, ZT_ECONFLICT, "sales_ended",
		    "sales for this event have ended");
	return ZT_OK;
}

enum zt_err
zt_salemap_type_on_sale(
    struct zt_req *req, const struct zt_sale_type *t, long long now_ms)
{
	if (t->sales_start_ms != 0 && now_ms < t->sales_start_ms) {
		zt_fail_detail(
		    req, "ticketTypeId", json_object_new_string(t->id));
		zt_fail_detail(req, "salesStartsAt",
		    json_object_new_string(
			zt_time_format_ms(req->arena, t->sales_start_ms)));
		return zt_fail(req, ZT_ECONFLICT, "sales_not_started",
		    "sales for this ticket type have not started yet");
	}
	if (t->sales_end_ms != 0 && now_ms >= t->sales_end_ms) {
		zt_fail_detail(
		    req, "ticketTypeId", json_object_new_string(t->id));
		return zt_fail(req, ZT_ECONFLICT, "sales_ended",
		    "sales for this ticket type have ended");
	}
	return ZT_OK;
}
