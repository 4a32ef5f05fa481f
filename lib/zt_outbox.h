/*
 * zt_outbox.h - messages to people, written with the change that causes them.
 *
 * A handler enqueues inside its own transaction (so a confirmation exists
 * exactly when the booking does); the cron sender cron/outbox.c drains the
 * table through zt_notify with retries and exponential backoff.  Payloads
 * are JSON objects {"template": "<name>", …data}; the templates live in
 * zt_outbox.c so every sender renders them alike.
 */
#ifndef ZT_OUTBOX_H
#define ZT_OUTBOX_H

#include "zt_req.h"

#define ZT_OUTBOX_MAX_ATTEMPTS 8

/*
 * Queue a message inside the caller's open transaction.  channel is
 * "email", "sms" or "whatsapp"; payload is borrowed (serialised here) and
 * must carry "template".  Errors are recorded on req.
 */
enum zt_err zt_outbox_enqueue(struct zt_req *req, const char *channel,
    const char *recipient, struct json_object *payload);

/* Subject, text and HTML of a rendered message (arena strings). */
struct zt_outbox_msg {
	const char *subject;
	const char *text;
	const char *html;
};

/*
 * Render payload's template.  0 ok; -1 unknown template or missing field
 * (reason in err).  Every value is HTML-escaped in the html part.
 */
int zt_outbox_render(struct zt_arena *a, struct json_object *payload,
    struct zt_outbox_msg *out, char *err, size_t errlen);

/* Backoff before attempt n+1 after n failures (seconds): 30 s doubling,
 * capped at 6 h. */
long zt_outbox_backoff(int attempts);

struct zt_notify_attachment;
/*
 * What a message carries besides its text, made as it is sent (the
 * tickets' PDF of a confirmation, zt_booking_pdf_attach): runs inside the
 * sender's transaction (its own savepoint), fills *att in req's arena and
 * returns 1, 0 for nothing, or -1 when it could not (reason in err: the
 * message is tried again later, like a provider's failure, and its last
 * attempt goes without the files).
 */
typedef int zt_outbox_attach_fn(struct zt_req *req, const char *channel,
    struct json_object *payload, struct zt_notify_attachment *att, char *err,
    size_t errlen);

/*
 * Send up to limit due messages, in batches of up to 20 per transaction
 * (rows locked with SKIP LOCKED, so several senders may run; one COMMIT a
 * batch).  attach (may be NULL) adds a message's files.  Counts what
 * happened.  Returns 0, or -1 when the database is
 * unreachable.
 */
int zt_outbox_drain(
    int limit, zt_outbox_attach_fn *attach, int *sent, int *failed);

#endif
