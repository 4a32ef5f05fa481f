/*
 * zt_whout.h - outgoing webhooks (docs/webhooks.md).
 *
 * Owners register HTTPS endpoints for event types.  A change that fires an
 * event calls zt_whout_emit() inside its own transaction: one
 * webhook_deliveries row per subscribed endpoint, committed with the
 * change or not at all (the outbox pattern).  cron/webhooks sends them
 * (zt_whout_drain): signed with the endpoint's secret, no redirects, the
 * address checked as it is connected (no private, loopback or link-local
 * address in production), retried with exponential backoff for 24 hours,
 * each try in the delivery log.  An endpoint failing for 24 hours is
 * disabled and its owners are emailed.
 *
 * Signature: header `Ztic-Signature: t=<unix seconds>,v1=<hex>` where hex
 * is HMAC-SHA256(secret, "<t>.<body>"); during a rotation a second v1
 * with the previous secret follows.
 */
#ifndef ZT_WHOUT_H
#define ZT_WHOUT_H

#include <json-c/json.h>
#include <sys/socket.h>

#include "zt_req.h"

/* Deliveries are tried for this long after the event, seconds. */
#define ZT_WHOUT_RETRY_FOR (24 * 3600)
/* An endpoint failing without a success for this long is disabled. */
#define ZT_WHOUT_DISABLE_AFTER (24 * 3600)
/* The previous secret keeps signing this long after a rotation. */
#define ZT_WHOUT_ROTATE_OVERLAP (24 * 3600)
/* Endpoints per tenant. */
#define ZT_WHOUT_MAX_ENDPOINTS 10
/* Bytes of an answer kept in the delivery log. */
#define ZT_WHOUT_RESPONSE_PREFIX 256
/* Seconds one try may take. */
#define ZT_WHOUT_TIMEOUT_MS 10000L

/* 1 when type is one of the event types, else 0. */
int zt_whout_known_type(const char *type);

/*
 * Queue `type` with data (borrowed) for every active endpoint of
 * tenant_id subscribed to it, inside the caller's open transaction
 * (scoped to that tenant).  Sends nothing now; nothing waits for a round
 * trip (queued with the transaction's next statement).  Reports into err
 * like a store: the caller passes a failure on with zt_fail_error.
 */
enum zt_err zt_whout_emit(struct zt_req *req, struct zt_error *err,
    const char *tenant_id, const char *type, struct json_object *data);

/*
 * The one-line form for the places where events happen: data is built from
 * NULL-terminated pairs of string key and value (a key ending in "Paise"
 * gets its value as a JSON integer; a NULL value is skipped), and a
 * failure is recorded on req (zt_fail_error) and returned, e.g.
 *   if ((e = zt_whout_event(req, tenant, "event.published",
 *            "eventId", id, NULL)) != ZT_OK)
 *           return e;
 */
enum zt_err zt_whout_event(struct zt_req *req, const char *tenant_id,
    const char *type, ...) __attribute__((sentinel));

/* Owners' management (docs/webhooks.md; all begin with zt_team_begin). */
enum zt_err zt_whout_create(struct zt_req *req, const char *url,
    struct json_object *events, const char *description,
    struct json_object **out);
enum zt_err zt_whout_list(struct zt_req *req, struct json_object **out);
/* url/events/description may be NULL (unchanged); enable < 0 unchanged,
 * 1 re-enables a disabled endpoint. */
enum zt_err zt_whout_update(struct zt_req *req, const char *id, const char *url,
    struct json_object *events, const char *description, int enable,
    struct json_object **out);
enum zt_err zt_whout_delete(struct zt_req *req, const char *id);
/* New secret; the old one keeps signing for ZT_WHOUT_ROTATE_OVERLAP. */
enum zt_err zt_whout_rotate(
    struct zt_req *req, const char *id, struct json_object **out);
/* The endpoint's latest deliveries with their tries. */
enum zt_err zt_whout_deliveries(
    struct zt_req *req, const char *id, struct json_object **out);
/* Send a delivery again (now, a fresh 24 hours of retries). */
enum zt_err zt_whout_redeliver(struct zt_req *req, const char *id,
    const char *delivery_id, struct json_object **out);

/*
 * May a delivery connect to sa?  Always when allow_local (dev and test,
 * whose receivers listen on loopback); otherwise only a public unicast
 * address: no loopback, private (RFC 1918, fc00::/7), link-local,
 * carrier-grade NAT, multicast, unspecified, documentation or benchmark
 * ranges, IPv4-mapped or NAT64 forms of those.  1 yes, 0 no.
 */
int zt_whout_addr_ok(const struct sockaddr *sa, int allow_local);

/* The Ztic-Signature value for body at t with secret (and prev, may be
 * NULL), in the arena. */
char *zt_whout_signature(struct zt_arena *a, long long t, const char *body,
    const char *secret, const char *prev);

/*
 * Send due deliveries (cron/webhooks), at most limit, each in its own
 * transaction with its row locked (SKIP LOCKED).  Counts what happened.
 * 0, or -1 when the database is unreachable.
 */
int zt_whout_drain(int limit, int *sent, int *failed);

#endif
