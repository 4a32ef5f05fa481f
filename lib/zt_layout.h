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

#include "zt_req.h"

/*
 * PUT /api/events/:id/layout for the caller's tenant (manager or owner):
 * parse doc, check it against the event, store it.  *out = the stored
 * layout as zt_layout_json() shows it to organizers, plus counts.
 */
enum zt_err zt_layout_put(struct zt_req *req, const char *event_id,
    struct json_object *doc, struct json_object **out);

/*
 * Add "categories", "sections" and "ticketTypes" of event_id to obj,
 * inside the open transaction.  organizer: seats carry "sold" and ticket
 * types "sold"; otherwise ticket types carry "available" only.
 */
enum zt_err zt_layout_json(struct zt_req *req, const char *event_id,
    int organizer, struct json_object *obj);

/* Add "availability" {seats: {total, available}, categories: […], ga:
 * {total, available}} (needs the event's tenant in scope). */
enum zt_err zt_layout_availability(
    struct zt_req *req, const char *event_id, struct json_object *obj);

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
