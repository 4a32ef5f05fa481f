/*
 * zt_venue.h - saved venues of a tenant: a hall, an auditorium, an
 * open-air theatre with its seat map, sections, price zones and GA ticket
 * types (docs/commerce.md, "Venues").
 *
 * A venue's layout is the layout document of PUT /api/events/:id/layout
 * (docs/seatmap.md), checked by the same parser (zt_seatmap_parse) and the
 * same kind rules (zt_layout_check) before it is stored.  Applying a venue
 * to an event stores a copy through zt_layout_put: the event owns its rows
 * from then on, so editing or deleting the venue never changes an event.
 *
 * Every function re-reads the caller's role (manager or owner) in the
 * database and works under the tenant's row-level security: another
 * tenant's venue is 404 venue_not_found.
 */
#ifndef ZT_VENUE_H
#define ZT_VENUE_H

#include <json-c/json.h>

#include "zt_req.h"

/* GET /api/tenants/me/venues: {venues: [summary…]}, by name. */
enum zt_err zt_venue_list(struct zt_req *req, struct json_object **out);

/* GET /api/tenants/me/venues/:id: the venue with its layout. */
enum zt_err zt_venue_get(
    struct zt_req *req, const char *id, struct json_object **out);

/*
 * POST /api/tenants/me/venues {name, description?, layout | fromEventId}:
 * a new venue from a layout document, or saved from one of the tenant's
 * events (its current layout, without ids, sales and sales windows).
 */
enum zt_err zt_venue_create(
    struct zt_req *req, struct json_object *in, struct json_object **out);

/* PATCH /api/tenants/me/venues/:id {name?, description?, layout?}. */
enum zt_err zt_venue_update(struct zt_req *req, const char *id,
    struct json_object *in, struct json_object **out);

/* DELETE /api/tenants/me/venues/:id (events made from it keep theirs). */
enum zt_err zt_venue_delete(struct zt_req *req, const char *id);

/*
 * POST /api/tenants/me/venues/:id/apply {eventId}: copy the venue's layout
 * into the event (zt_layout_put's rules: a published event keeps its kind
 * and its sold seats).  *out = zt_layout_put's answer plus venueId.
 */
enum zt_err zt_venue_apply(struct zt_req *req, const char *id,
    struct json_object *in, struct json_object **out);

#endif
