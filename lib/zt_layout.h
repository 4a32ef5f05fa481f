/*
 * zt_layout.h - storing and reading an event's layout: price categories,
 * seats and GA ticket types (the document format is zt_seatmap.h and
 * docs/seatmap.md).
 *
 * Replacing a layout is one transaction that keeps the ids of everything
 * that stays (seats are matched by section, row and label; categories and
 * ticket types by name), so holds and tickets keep pointing at the right
 * rows.  Once tickets exist it refuses, with 409 naming the seat or type:
 * removing, blocking or re-pricing a seat with a live ticket, removing a
 * seat or ticket type that any ticket refers to, and a capacity below what
 * is sold.  The event row and its seats and ticket types are locked first,
 * so a booking that commits meanwhile is either seen or waits.
 */
#ifndef ZT_LAYOUT_H
#define ZT_LAYOUT_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_req.h"
#include "zt_seatmap.h"

/*
 * PUT /api/events/:id/layout for the caller's tenant (manager or owner):
 * parse doc, check it against the event, store it.  *out = the stored
 * layout as zt_layout_json() shows it to organizers, plus counts.
 */
enum zt_err zt_layout_put(struct zt_req *req, const char *event_id,
    struct json_object *doc, struct json_object **out);

/*
 * The checks of a parsed document m (zt_seatmap_parse) against its event
 * that need no database: the event is a draft or published (else 409
 * event_closed), the kind changes only in a draft (409 layout_kind_locked,
 * field "kind"), a ga layout has no seats and a reserved one no ticket
 * types (422 invalid_layout, field "sections" / "ticketTypes"), a ticket
 * type's sales end by the event's end (ends_at, unix seconds: field
 * "ticketTypes[i].salesEndsAt" / "...salesStartsAt").  *kind = the kind
 * the layout will have (m's, or kind_now when m names none).
 */
enum zt_err zt_layout_check(struct zt_req *req, const struct zt_seatmap *m,
    const char *status, const char *kind_now, int64_t ends_at,
    const char **kind);

/*
 * Add "categories", "sections" and "ticketTypes" of event_id to obj,
 * inside the open transaction.  flags:
 *   ZT_LAYOUT_ORGANIZER     seats carry "sold" and ticket types "sold";
 *                           otherwise ticket types carry "available" only;
 *   ZT_LAYOUT_AVAILABILITY  then "availability" {seats: {total,
 *                           available}, categories: [...], ga: {total,
 *                           available}}, counted from the same seat rows
 *                           (needs the event's tenant in scope).
 */
#define ZT_LAYOUT_ORGANIZER 1u
#define ZT_LAYOUT_AVAILABILITY 2u
enum zt_err zt_layout_json(struct zt_req *req, const char *event_id,
    unsigned flags, struct json_object *obj);

/* Seats that can be sold, all seats, ticket types of event_id. */
enum zt_err zt_layout_counts(struct zt_req *req, const char *event_id,
    long *sellable, long *seats, long *types);

/*
 * Why a layout of this kind cannot be published with these counts, or
 * NULL when it can (reserved: a sellable seat and no ticket types; ga: a
 * ticket type and no seats; hybrid: both).
 */
const char *zt_layout_unpublishable(
    const char *kind, long sellable, long seats, long types);

#endif
