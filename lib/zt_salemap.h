/*
 * zt_salemap.h - an event's sale settings, seats and GA ticket types,
 * cached per process.
 *
 * The hold hot path must not read a 5,000-seat venue from PostgreSQL on
 * every request, so each process keeps the few events it served last for
 * ZT_SALEMAP_TTL_MS.  What changes rarely lives here (seat ids, blocked
 * flags, status, sales windows, limits, capacities); what changes on every
 * sale (sold seats, GA units) is read fresh where it matters: the hold
 * script (Redis) and the confirming transaction (PostgreSQL) are the
 * guards, never this cache.
 *
 * An organizer's change (layout, capacities, status, sales windows) calls
 * zt_salemap_touch after its COMMIT, which bumps the event's map version
 * in Redis (zt:{ev:<event>}:map).  A map remembers the version it was
 * loaded at, and the hold script refuses a stale one, so the next lock
 * reloads it: changes apply at once in every process.  The TTL remains the
 * backstop for changes made around the API.
 *
 * Only public events load (the row-level security policy public_read): a
 * draft, or an event of a suspended organizer, is "not found".
 */
#ifndef ZT_SALEMAP_H
#define ZT_SALEMAP_H

#include <stddef.h>

#include "zt_req.h"
#include "zt_uuid.h"

#define ZT_SALEMAP_TTL_MS 30000
#define ZT_SALEMAP_SLOTS 8
/*
 * The seat ids a process keeps (16 bytes a seat): beyond this the least
 * recently used maps are dropped, never the one in use (a 40,000-seat
 * venue is 640 kB; docs/benchmarks.md, row 8).
 */
#define ZT_SALEMAP_CAP_BYTES (1024 * 1024)

/* A seat id as its 16 bytes (zt_uuid_format prints it). */
typedef unsigned char zt_sale_seat_id[16];

/* What zt_salemap_seat says of a seat id. */
enum zt_sale_seat_state {
	ZT_SEAT_UNKNOWN, /* not a seat of this event */
	ZT_SEAT_OPEN,
	ZT_SEAT_BLOCKED, /* the organizer keeps it off sale */
};

struct zt_sale_type {
	char id[ZT_UUID_BUF];
	int capacity;
	int sold; /* as of loading: seeds the Redis counter, never a guard */
	int per_order_limit;
	long long sales_start_ms, sales_end_ms; /* 0: no bound */
	int hidden; /* unlocked by a promo code only (docs/commerce.md) */
};

struct zt_salemap {
	char event_id[ZT_UUID_BUF];
	char tenant_id[ZT_UUID_BUF];
	char status[16];			/* published, cancelled, … */
	long long sales_start_ms, sales_end_ms; /* 0: no bound */
	long long ends_ms;			/* the event's end */
	int per_user_limit;
	int queue_on; /* the waiting room is on (docs/waiting-room.md) */
	/*
	 * The seat ids as bytes, sorted (the order of their lowercase text),
	 * then the blocked ones among them, sorted: one block of seat_bytes
	 * (room for seat_room seats, then the blocked), its own mapping so
	 * that dropping a big venue gives its pages back at once.
	 */
	size_t nseats, nblocked, seat_room, seat_bytes;
	zt_sale_seat_id *seats;
	zt_sale_seat_id *blocked;
	size_t ntypes;
	struct zt_sale_type *types; /* sorted by id */
	long long loaded_ms;	    /* monotonic clock */
	char map_ver[24];	    /* zt:{ev:<event>}:map when loaded */
	unsigned long used;	    /* the cache's clock when last asked for */
};

/*
 * The map of a public event, from the cache or PostgreSQL.  ZT_OK with *out
 * valid until the next zt_salemap_get() of this process (do not keep it);
 * 404 "event_not_found" for an unknown or non-public event; 503 when the
 * database is down.  Runs its own transaction: call it outside one.
 */
enum zt_err zt_salemap_get(
    struct zt_req *req, const char *event_id, const struct zt_salemap **out);

/*
 * The event of seat_id (a seat of a public event) into event_id; 404
 * "seat_not_found" otherwise.  Runs its own transaction.
 */
enum zt_err zt_salemap_seat_event(
    struct zt_req *req, const char *seat_id, char event_id[ZT_UUID_BUF]);

/*
 * Room for n seats, nblocked of them blocked, in m (which has none yet);
 * then zt_salemap_add_seat each and zt_salemap_index.  Maps built by hand
 * (tests) release them with zt_salemap_free_seats.
 */
void zt_salemap_seat_room(struct zt_salemap *m, size_t n, size_t nblocked);
/* Add a seat (a UUID in either case): 0, or -1 when id is not a UUID or
 * there is no room left for it. */
int zt_salemap_add_seat(struct zt_salemap *m, const char *id, int blocked);
/* Sort the seats and types of a map built by hand (tests) or loaded. */
void zt_salemap_index(struct zt_salemap *m);
/* Release the seats of a map built by hand (its types are the caller's). */
void zt_salemap_free_seats(struct zt_salemap *m);
/* Whether the event has the seat id (a UUID in either case; anything else
 * is unknown), and whether it is blocked. */
enum zt_sale_seat_state zt_salemap_seat(
    const struct zt_salemap *m, const char *id);
/* The ticket type with this id, NULL when the event has none. */
const struct zt_sale_type *zt_salemap_type(
    const struct zt_salemap *m, const char *id);

/*
 * May the event sell at now_ms (wall clock, ms)?  ZT_OK, or 409 recorded on
 * req: "event_cancelled", "event_ended" (completed, or past its end),
 * "event_not_on_sale" (any other non-published status), "sales_not_started"
 * (with salesStartsAt), "sales_ended".  Without sales_ends_at, sales run
 * until the event ends.
 */
enum zt_err zt_salemap_on_sale(
    struct zt_req *req, const struct zt_salemap *m, long long now_ms);
/* Same for one ticket type's own window (inside the event's). */
enum zt_err zt_salemap_type_on_sale(
    struct zt_req *req, const struct zt_sale_type *t, long long now_ms);

/* Drop every cached map (tests). */
void zt_salemap_forget(void);
/* Drop this process's map of event_id. */
void zt_salemap_drop(const char *event_id);

/*
 * After the COMMIT of an organizer's change to event_id: bump its map
 * version so every process reloads its map before the next hold.  Redis
 * trouble is logged and ignored (the TTL catches up).
 */
void zt_salemap_touch(struct zt_req *req, const char *event_id);

/*
 * event_id's map version into out: "0" before the first change, "?" when
 * Redis could not say (a reader must then treat what it keeps as stale).
 * Anything built from the event's PostgreSQL rows after reading version V
 * is at least as new as V.
 */
void zt_salemap_version(
    struct zt_req *req, const char *event_id, char *out, size_t n);

#endif
