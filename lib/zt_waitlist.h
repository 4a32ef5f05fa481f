/*
 * zt_waitlist.h - waiting lists of sold-out ticket types (GA) and price
 * categories (seated); docs/commerce.md, "Waiting list".
 *
 * A list is one ticket type or one price category of an event.  A
 * signed-in person joins it while nothing of it is free to hold (409
 * "not_sold_out" otherwise), once per list, with the quantity wanted
 * (1..the type's per_order_limit, or the event's per-user limit for
 * seats).  When stock comes back, ztic-waitlist (zt_waitlist_run) offers
 * it to the line in order: the units or seats are locked in Redis for the
 * person with the hold machinery (zt_hold_offer, the same lock script), for
 * ZT_WAITLIST_OFFER_TTL seconds, and a message goes through the outbox.
 * The person accepts by booking that hold; an offer not booked when its
 * hold ends (or given back) expires and the stock goes to the next.
 * Organizers (manager+, re-checked in the database) see the list and may
 * offer to a chosen entry at once.
 *
 * Redis is the arbiter of stock (a seat or unit is in at most one hold);
 * the guarded UPDATE … WHERE status = 'waiting' makes an entry's offer
 * happen once; one cron run at a time (advisory lock).
 */
#ifndef ZT_WAITLIST_H
#define ZT_WAITLIST_H

#include <json-c/json.h>

#include "zt_req.h"

/* POST /api/events/:id/waitlist {ticketTypeId | priceCategoryId,
 * quantity} → the caller's entry with its position. */
enum zt_err zt_waitlist_join(struct zt_req *req, const char *event_id,
    struct json_object *body, struct json_object **out);

/* DELETE /api/events/:id/waitlist/:entryId: the caller leaves; an open
 * offer's hold is given back. */
enum zt_err zt_waitlist_leave(
    struct zt_req *req, const char *event_id, const char *entry_id);

/* GET /api/events/:id/waitlist: {lists:[{ticketTypeId | priceCategoryId,
 * name, soldOut, maxQuantity}], entries:[the caller's entries]} (entries
 * empty when not signed in). */
enum zt_err zt_waitlist_mine(
    struct zt_req *req, const char *event_id, struct json_object **out);

/* GET /api/events/:id/waitlist/entries (manager+): {counts, entries}. */
enum zt_err zt_waitlist_list(
    struct zt_req *req, const char *event_id, struct json_object **out);

/* POST /api/events/:id/waitlist/entries/:entryId/offer (manager+): offer
 * what is free now to that entry, out of turn. */
enum zt_err zt_waitlist_offer(struct zt_req *req, const char *event_id,
    const char *entry_id, struct json_object **out);

/*
 * ztic-waitlist, one run under its advisory lock: settle open offers
 * (booked, expired, given back), then offer free stock to the lines.
 * Counts what happened.  0, or -1 when the database or Redis failed.
 */
int zt_waitlist_run(int *offered, int *expired, int *booked);

#endif
