/*
 * zt_hold.h - seat and GA holds in Redis, shared by the seats responder,
 * the bookings responder and the cron sweeper.  docs/holds.md has the key
 * layout and the reasoning; docs/live.md the messages.
 *
 * A user has at most one hold per event.  Locking again adds to it and
 * moves its expiry to now + ZT_HOLD_TTL for every seat and unit in it, but
 * never past its first lock + ZT_HOLD_MAX_LIFE (default 2 x the TTL).
 * Lock calls are rate-limited per event, per address and per user
 * (ZT_HOLD_IP_MAX, ZT_HOLD_USER_MAX per ZT_HOLD_RATE_WINDOW seconds),
 * counted by the lock script: 429 "rate_limited" with Retry-After.
 * Seats are taken all or nothing; a seat held by someone else (in a hold
 * that has not expired) or sold is a conflict.  GA units come from a
 * per-event, per-type counter of free units seeded from PostgreSQL
 * (capacity - sold) when missing.  PostgreSQL stays the final guard: the
 * confirming transaction inserts the tickets under the partial unique index
 * and the guarded ticket_types update (docs/schema.md), whatever Redis says.
 *
 * Every change bumps the event's version (zt:{ev:<event>}:ver) in the same
 * script and is published on the event's channel (ev:<event>) after the
 * Redis change: seats.held, seats.released, seats.sold or ga.changed.
 *
 * For the bookings engineer:
 *   zt_hold_get(req, event, user, &h)    the user's live hold (h.id "" if
 *                                        none): seats, GA, expiry
 *   … insert the tickets, COMMIT …
 *   zt_hold_consume(req, &err, event, user, h.id, seats, n, ga, m)
 *                                        after COMMIT: the sold seats and
 *                                        units leave the hold, the rest of
 *                                        the hold is released, seats.sold
 *                                        (+ seats.released) is published
 *   zt_hold_unsell(req, &err, event, user, seats, n, ga, m)
 *                                        after a refund/cancel COMMIT: the
 *                                        seats and units are for sale again
 *
 * Strings returned in structs live in req's arena.  Functions answering a
 * client record their error on req (zt_fail) and return it; the
 * after-COMMIT ones (consume, unsell, release_if) only describe it in the
 * caller's struct zt_error (zt_err.h).  Redis down is 503
 * "redis_unavailable".  None of them runs inside a PostgreSQL transaction
 * of the caller (those that read PostgreSQL open their own).
 */
#ifndef ZT_HOLD_H
#define ZT_HOLD_H

#include <json-c/json.h>
#include <stddef.h>

#include "zt_req.h"

#define ZT_HOLD_MAX_SEATS 20 /* seats per lock request */
#define ZT_HOLD_MAX_TYPES 10 /* GA ticket types per lock request */
#define ZT_HOLD_MAX_QTY 100  /* units of one type per request */
/* expired holds one script run ends (SWEEP_MAX in lib/lua/hold_prelude.lua) */
#define ZT_HOLD_SWEEP_MAX 100

/* The Redis keys: lib/zt_keys.h.  The scripts: lib/lua/hold_*.lua. */

struct zt_hold_ga {
	const char *type_id;
	int quantity;
};

/* A user's hold on one event. */
struct zt_hold {
	const char *id; /* "" when the user holds nothing */
	long long expires_ms;
	size_t nseats;
	const char **seats;
	size_t nga;
	struct zt_hold_ga *ga;
	long long max_expires_ms; /* the latest expiry locks can reach; 0
				   * for a hold that has none recorded yet */
};

/* A parsed POST /api/seats/lock body. */
struct zt_hold_request {
	const char *event_id;
	size_t nseats;
	const char **seats;
	size_t nga;
	struct zt_hold_ga *ga;
	const char *promo_code; /* unlocks hidden types; NULL when absent */
};

/*
 * Read {eventId, seatIds:[…], ga:[{ticketTypeId, quantity}], promoCode?}
 * from body.
 * 400 naming the field for: a missing or malformed eventId, ids that are
 * not UUIDs, duplicates, more than ZT_HOLD_MAX_SEATS seats or
 * ZT_HOLD_MAX_TYPES types, a quantity outside 0…ZT_HOLD_MAX_QTY, and a
 * request with neither seats nor GA ("empty_request").  A GA quantity is
 * the number of units of that type the caller wants to hold in total
 * (0 gives back all of them), so retrying a request changes nothing.
 */
enum zt_err zt_hold_parse(
    struct zt_req *req, struct json_object *body, struct zt_hold_request *out);

/*
 * Take everything in r for req->user_id, or nothing.  Checks the event is
 * on sale (zt_salemap_on_sale), that the seats exist in it (422
 * "unknown_seats" with seatIds) and are not blocked (422 "seats_blocked"),
 * that the types exist (422 "unknown_ticket_types"), are on sale, and that
 * quantities stay within their per_order_limit (422 "per_order_limit").
 * Then one script: 409 "seats_taken" with conflicts:[seat ids held by
 * others or sold], 409 "ga_unavailable" with available:{type: units},
 * 409 "per_user_limit" with limit and count (held + bought + requested).
 * On success fills out with the whole hold.
 */
enum zt_err zt_hold_lock(
    struct zt_req *req, const struct zt_hold_request *r, struct zt_hold *out);

/*
 * The same lock taken for user_id by the waiting list (lib/zt_waitlist.c):
 * the hold lasts ttl_s seconds (its expiry and its cap), without the
 * waiting room's pass or the lock rate limits; every other rule of
 * zt_hold_lock applies (on sale, all or nothing, per-user limit).  A
 * hold user_id already has is added to, its cap unchanged.
 */
enum zt_err zt_hold_offer(struct zt_req *req, const struct zt_hold_request *r,
    const char *user_id, int ttl_s, struct zt_hold *out);

/*
 * h as the API shows it: {holdId, expiresAt, maxExpiresAt, seats:[…],
 * ga:[{ticketTypeId, quantity}]}; NULL (JSON null) when h->id is "".
 * The caller owns the result.
 */
struct json_object *zt_hold_json(struct zt_req *req, const struct zt_hold *h);

/* The live hold of user_id on event_id (out->id "" when none). */
enum zt_err zt_hold_get(struct zt_req *req, const char *event_id,
    const char *user_id, struct zt_hold *out);

/*
 * Release user_id's seat_id on event_id, or (seat_id NULL) the user's
 * whole hold with its GA units.  Releasing a seat the user does not hold
 * is 404 "hold_not_found" and touches nothing; releasing everything when
 * nothing is held is ZT_OK.
 */
enum zt_err zt_hold_release(struct zt_req *req, const char *event_id,
    const char *user_id, const char *seat_id);

/*
 * Release user_id's whole hold on event_id only if it is still hold_id (a
 * booking that expired gives back the hold it had, not a newer one).
 * Best effort for cron: a failure is described in err, nothing is
 * recorded on req.
 */
enum zt_err zt_hold_release_if(struct zt_req *req, struct zt_error *err,
    const char *event_id, const char *user_id, const char *hold_id);

/*
 * After the COMMIT that sold them: seats and GA units of hold_id (owned by
 * user_id) are sold.  They leave Redis's hold and join the sold set; the
 * GA counter keeps units the hold had taken and gives up the others (a
 * hold that expired before payment); whatever else the hold had is
 * released.  Publishes seats.sold (ga.changed for GA only), then
 * seats.released for the rest.  A hold of another user is 403 "not_owner";
 * a hold that is gone (expired, swept, Redis restarted) is fine.  The sale
 * stands whatever happens here, so a failure is described in err for the
 * caller to log or drop, never recorded on req.
 */
enum zt_err zt_hold_consume(struct zt_req *req, struct zt_error *err,
    const char *event_id, const char *user_id, const char *hold_id,
    const char *const *seats, size_t nseats, const struct zt_hold_ga *ga,
    size_t nga);

/*
 * After the COMMIT of a refund or cancellation of user_id's tickets: seats
 * leave the sold set, GA units go back to the counter and the user's
 * bought count drops.  Publishes seats.released.  As zt_hold_consume, a
 * failure goes to err only.
 */
enum zt_err zt_hold_unsell(struct zt_req *req, struct zt_error *err,
    const char *event_id, const char *user_id, const char *const *seats,
    size_t nseats, const struct zt_hold_ga *ga, size_t nga);

/*
 * The public snapshot of event_id as JSON text: {eventId, v,
 * held:[{seatId, expiresAt}], sold:[…], blocked:[…], ga:{typeId:
 * available}} read atomically with v, plus mine:{holdId, seats, ga,
 * expiresAt} (or null) when req is signed in.  Never says who holds a
 * seat.  Each process caches the public part while it is exact (same v,
 * no hold in it expired, same seat-map load).  *text lives until the
 * request ends.
 */
enum zt_err zt_hold_status(
    struct zt_req *req, const char *event_id, const char **text, size_t *len);

/*
 * End the expired holds of one event (at most ZT_HOLD_SWEEP_MAX per script
 * run, repeated until none is left): seats freed, GA units returned,
 * seats.released published.  *swept counts them; *remaining gets the
 * number of holds (live) the event still has.
 */
enum zt_err zt_hold_sweep(
    struct zt_req *req, const char *event_id, int *swept, int *remaining);

/*
 * Sweep every event of the index; forget events without holds whose last
 * hold expired more than a minute ago.  *swept totals the holds ended.
 */
enum zt_err zt_hold_sweep_all(struct zt_req *req, int *swept);

#endif
