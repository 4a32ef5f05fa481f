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
 */
#ifndef ZT_LIVE_H
#define ZT_LIVE_H

#include <json-c/json.h>
#include <stddef.h>

struct zt_live;

struct zt_live *zt_live_new(const char *socket_path);
void zt_live_free(struct zt_live *l);

/* Queue publishes until zt_live_flush (on) or send each at once (off). */
void zt_live_defer(int on);

/* Send what is queued and read the answers that have arrived.  0 ok, -1
 * some failed (logged). */
int zt_live_flush(void);
/* The same, waiting for every answer. */
int zt_live_wait(void);

/* POST json (len bytes) to channel ("ev:<uuid>").  0 ok (or queued), -1
 * failed. */
int zt_live_publish(const char *channel, const char *json, size_t len);

/*
 * Publish one change of an event on its channel ev:<event_id>:
 * {"v":v,"type":type, …the members of body} (docs/live.md).  v is the
 * event's version after the change (zt:{ev:<event>}:ver), so subscribers
 * can drop what their snapshot already has and see gaps.  Takes ownership
 * of body (NULL for none).  0 ok, -1 failed (logged; the change stands,
 * clients catch up from the next message's gap).
 */
int zt_live_publish_event(const char *event_id, long long v, const char *type,
    struct json_object *body);

/* Is the publisher reachable?  0 ok, -1 down (reason in err). */
int zt_live_ping(char *err, size_t errlen);

#endif
