/*
 * zt_live.h - publishing to nchan channels.
 *
 * Messages go by HTTP POST to the nchan publisher server, which listens only
 * on a unix socket (docs/stack.md), over one kept-alive connection per
 * process.  Publish only after COMMIT: a message announces what the
 * database already holds.
 *
 * A responder defers: zt_serve turns zt_live_defer on, messages queue up
 * while a request is handled and zt_live_flush sends them all in one write
 * after the FastCGI answer is out (docs/live.md), so the client never waits
 * for nchan, and neither does the worker: nchan's answers are read when
 * they have arrived.  Elsewhere (cron programs) each publish is sent and
 * answered at once.
 *
 * A responder also gathers an event channel's messages (ev:<event>) for
 * up to zt_live_batch's window, across requests, and publishes them as
 * one message {"type":"batch","v":<last v>,"msgs":[…]}: in an on-sale
 * rush nginx then sends each subscriber one message per window instead
 * of one per seat change (docs/live.md, "Batches").  zt_serve waits for
 * the next request no longer than zt_live_due_in says, then flushes.
 *
 * The error channel (zt_err.h): a publish never fails a request (the
 * change is committed; clients catch up from the next message's gap), so
 * these calls log and return an enum zt_err (ZT_EUNAVAIL: nchan did not
 * take it or l is NULL) that callers may drop; nothing is written on a
 * request.  The publisher l is passed in (zt_g.live from the top).
 */
#ifndef ZT_LIVE_H
#define ZT_LIVE_H

#include <json-c/json.h>
#include <stddef.h>

#include "zt_err.h"

struct zt_live;

struct zt_live *zt_live_new(const char *socket_path);
void zt_live_free(struct zt_live *l);

/* Queue publishes until zt_live_flush (on) or send each at once (off). */
void zt_live_defer(struct zt_live *l, int on);

/* While deferring, gather each event channel's messages for up to ms
 * (0: none, each request's messages go after it as they are). */
void zt_live_batch(struct zt_live *l, int ms);

/* Milliseconds until what is queued must go (0: now), -1 when nothing
 * is queued (l NULL too). */
long zt_live_due_in(const struct zt_live *l);

/* Send what is queued (the gathered batches too) and read the answers
 * that have arrived.  ZT_OK (l NULL too: nothing to send), ZT_EUNAVAIL
 * some failed (logged). */
enum zt_err zt_live_flush(struct zt_live *l);
/* zt_live_flush when zt_live_due_in says 0; ZT_OK otherwise. */
enum zt_err zt_live_flush_due(struct zt_live *l);
/* The same, waiting for every answer. */
enum zt_err zt_live_wait(struct zt_live *l);

/* POST json (len bytes) to channel ("ev:<uuid>").  ZT_OK sent (or
 * queued), ZT_EUNAVAIL failed, ZT_EINTERNAL a channel name too long. */
enum zt_err zt_live_publish(
    struct zt_live *l, const char *channel, const char *json, size_t len);

/*
 * Publish one change of an event on its channel ev:<event_id>:
 * {"v":v,"type":type, …the members of body} (docs/live.md).  v is the
 * event's version after the change (zt:{ev:<event>}:ver), so subscribers
 * can drop what their snapshot already has and see gaps.  Takes ownership
 * of body (NULL for none).  As zt_live_publish (logged; the change stands,
 * clients catch up from the next message's gap).
 */
enum zt_err zt_live_publish_event(struct zt_live *l, const char *event_id,
    long long v, const char *type, struct json_object *body);

/* Is the publisher l (NULL: none configured) reachable, for health?  0 ok,
 * -1 down (reason in err). */
int zt_live_ping(struct zt_live *l, char *err, size_t errlen);

#endif
