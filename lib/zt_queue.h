/*
 * zt_queue.h - the waiting room of an on-sale (docs/waiting-room.md).
 *
 * The queue lives in Redis on the event's hash tag (lib/lua/queue_*.lua),
 * the organizer's settings on the event row (sql/018_waitroom.sql).  A
 * joiner's place is given by one script (one round trip); progress reaches
 * everyone through one message per tick on the channel q:<event>,
 * published by the ticker (cron/queue.c).  The admitted get a pass: an
 * HMAC-SHA-256 (ZT_QUEUE_PASS_KEY) over the event, the user and the
 * expiry, checked in C by the lock and the booking before any Redis call.
 */
#ifndef ZT_QUEUE_H
#define ZT_QUEUE_H

#include <json-c/json.h>

#include "zt_req.h"

/* The header that carries the pass on POST /api/seats/lock and
 * POST /api/bookings. */
#define ZT_QUEUE_PASS_HEADER "X-Queue-Pass"

/* Join (join = 1) or look up one's place (0): *out = {eventId, state,
 * place, admittedUpTo, total, …, pass, passExpiresAt} (caller owns it).
 * 409 queue_off, queue_not_open; 429 queue_address_limit; 404
 * not_in_queue (look-up only); 404 event_not_found. */
enum zt_err zt_queue_join(struct zt_req *req, const char *event_id, int join,
    struct json_object **out);

/*
 * May the caller lock or book on event_id?  room_on: the event's room is
 * on (1) or off (0), as the caller read it (the seats responder from
 * Redis, a booking with its event's row).  ZT_OK, or 403 queue_required
 * with joinUrl and queueUrl (no pass, forged, another user's or event's,
 * expired).
 */
enum zt_err zt_queue_check(
    struct zt_req *req, const char *event_id, int room_on);

/* A pass for user_id on event_id until exp_ms (arena); NULL when
 * ZT_QUEUE_PASS_KEY is not set. */
const char *zt_queue_pass_make(struct zt_req *req, const char *event_id,
    const char *user_id, long long exp_ms);

/* Organizer: the settings and the live counts of event_id (manager or
 * owner of its tenant); *out caller's. */
enum zt_err zt_queue_settings_get(
    struct zt_req *req, const char *event_id, struct json_object **out);
/* Organizer: change them ({on, opensMinutes, ratePerMinute,
 * passSeconds, paused}, each optional), then as zt_queue_settings_get. */
enum zt_err zt_queue_settings_put(struct zt_req *req, const char *event_id,
    struct json_object *body, struct json_object **out);

/* The ticker: one tick of every event whose room is on (sync the
 * settings from PostgreSQL, admit, publish one message on q:<event>).
 * *n events ticked.  Failures logged; ZT_EUNAVAIL when Redis is down. */
enum zt_err zt_queue_tick_all(struct zt_req *req, int *n);

#endif
