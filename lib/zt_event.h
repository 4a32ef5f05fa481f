/*
 * zt_event.h - events: the organizer's side (create, edit, publish, cancel,
 * delete, list) and the public catalogue.
 *
 * State machine (docs/organizers.md):
 *
 *     draft --publish--> published --(cron, after it ends)--> completed
 *       |                    |
 *       +------cancel--------+-----> cancelled
 *     draft --delete--> (gone)
 *
 * Organizer functions act in the caller's active tenant (re-checked with
 * zt_team_begin); an event of another tenant is 404 and nothing changes.
 * Public functions never use the caller's tenant: they see what row-level
 * security shows to anyone (published events of active tenants).
 */
#ifndef ZT_EVENT_H
#define ZT_EVENT_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_etag.h"
#include "zt_req.h"

#define ZT_EVENT_TITLE_MAX 200
#define ZT_EVENT_DESCRIPTION_MAX 10000
#define ZT_EVENT_MAX_TAGS 20
#define ZT_EVENT_TAG_MAX 40
#define ZT_EVENT_MAX_DAYS 90 /* longest event, start to end */
#define ZT_EVENT_PAGE_MAX 100

/* Every field of an event as the API sees it; times in epoch seconds. */
struct zt_event_fields {
	const char *title, *slug, *description, *category, *city;
	const char *venue_name, *venue_address, *timezone, *poster_url;
	const char *layout_kind;   /* reserved | ga | hybrid */
	const char *refund_policy; /* none | before_start */
	const char *tags_json;	   /* normalised tags as a JSON array */
	int64_t starts_at, ends_at, sales_starts_at, sales_ends_at;
	int has_sales_starts, has_sales_ends;
	int64_t per_user_limit;
	int64_t refund_cutoff_hours, refund_fee_paise, refund_fee_bps;
	int has_cutoff, has_fee_paise, has_fee_bps;
};

/* Which fields a document set (for PATCH rules and the audit trail). */
enum zt_event_field_bit {
	ZT_EF_SLUG = 1u << 0,
	ZT_EF_STARTS = 1u << 1,
	ZT_EF_TIMEZONE = 1u << 2,
	ZT_EF_LAYOUT_KIND = 1u << 3,
};

/* Defaults of a new event (timezone Asia/Kolkata, per-user limit 10, …). */
void zt_event_defaults(struct zt_event_fields *f);

/*
 * Apply the fields present in doc onto f (400 naming the field when one is
 * malformed; unknown fields are refused).  creating: title, startsAt and
 * endsAt are required.  *set gets the zt_event_field_bit of what was given.
 */
enum zt_err zt_event_apply(struct zt_req *req, struct json_object *doc,
    struct zt_event_fields *f, int creating, unsigned *set);

/*
 * Check how the fields fit together (422 naming the field): ends after
 * starts (at most ZT_EVENT_MAX_DAYS), the sales window inside the event,
 * refund policy complete, a timezone shaped like an IANA name, and, when
 * starts_is_new, a start later than now.
 */
enum zt_err zt_event_validate(struct zt_req *req,
    const struct zt_event_fields *f, int64_t now, int starts_is_new);

/*
 * The state after `action` ("publish", "cancel", "delete", "edit") from
 * status, or NULL when not allowed (*why says why).  "delete" and "edit"
 * answer the status itself when allowed.
 */
const char *zt_event_transition(
    const char *status, const char *action, const char **why);

/* Organizer endpoints; *out is owned by the caller. */
enum zt_err zt_event_create(
    struct zt_req *req, struct json_object *doc, struct json_object **out);
enum zt_err zt_event_update(struct zt_req *req, const char *id,
    struct json_object *doc, struct json_object **out);
enum zt_err zt_event_delete(struct zt_req *req, const char *id);
/* action "publish" or "cancel" */
enum zt_err zt_event_change_state(struct zt_req *req, const char *id,
    const char *action, struct json_object **out);
/* GET /api/events/mine?status=&limit=&offset= */
enum zt_err zt_event_mine(struct zt_req *req, struct json_object **out);
/* GET /api/events/mine/:id: event, layout with sold seats, sales */
enum zt_err zt_event_mine_one(
    struct zt_req *req, const char *id, struct json_object **out);

/* GET /api/events?q=&city=&category=&from=&to=&tenant=&limit=&cursor= */
enum zt_err zt_event_catalogue(struct zt_req *req, struct json_object **out);
/*
 * A public event by id (tenant_slug NULL) or by tenant slug and event
 * slug: event, tenant card, layout, availability.  404 for anything not
 * public.
 *
 * Each process keeps the answers of the last ZT_EVENT_PUBLIC_SLOTS events
 * it built (a 30,000-seat venue is 2.7 MB of JSON and most of a second to
 * build; an on-sale rush asks for it thousands of times).  A kept answer
 * is served while the event's map version (zt_salemap_touch: every
 * organizer change bumps it) is the one it was built at and it is younger
 * than ZT_EVENT_PUBLIC_FRESH_MS, which bounds how late the availability
 * counts and the organizer's card may be.  Whether the event is public at
 * all is read fresh on every request.
 */
#define ZT_EVENT_PUBLIC_SLOTS 4
#define ZT_EVENT_PUBLIC_FRESH_MS 5000
enum zt_err zt_event_public(struct zt_req *req, const char *id_or_tenant,
    const char *event_slug, struct zt_public_answer *out);

#endif
