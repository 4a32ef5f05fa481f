/*
 * zt_channel.h - who may subscribe to which live channel.
 *
 * Browsers subscribe at /live/… (WebSocket or EventSource).  nginx hands
 * those requests to the seats responder, whose handlers call these
 * functions: each checks access and, when it is granted, sets *where to
 * /internal/sub/<channel> (arena), an internal nchan subscriber location;
 * the responder answers with X-Accel-Redirect to it, so the channel name
 * never appears in a URL a client chooses.  (nchan_authorize_request pointing
 * at a FastCGI location crashes nginx 1.22 + nchan 1.3.6; docs/live.md.)
 *
 * Channels: ev:<event> (anyone, published events), tenant:<tenant> (the
 * members of the caller's active tenant), booking:<booking> (its buyer).
 */
#ifndef ZT_CHANNEL_H
#define ZT_CHANNEL_H

#include "zt_req.h"

/* ev:<event_id>: 404 "event_not_found" unless public; 409
 * "event_not_live" unless published. */
enum zt_err zt_channel_event(
    struct zt_req *req, const char *event_id, const char **where);
/* tenant:<req->tenant_id>: the caller must still be a member, scanner or
 * above (zt_team_begin re-reads the role): 403 "not_a_member". */
enum zt_err zt_channel_tenant(struct zt_req *req, const char **where);
/* booking:<booking_id>: only its buyer; 404 "booking_not_found". */
enum zt_err zt_channel_booking(
    struct zt_req *req, const char *booking_id, const char **where);

/* q:<event_id>, the waiting room's ticks (docs/waiting-room.md): anyone,
 * public events whose room is on (409 "queue_off" otherwise). */
enum zt_err zt_channel_queue(
    struct zt_req *req, const char *event_id, const char **where);

#endif
