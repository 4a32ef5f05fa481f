/*
 * events - organizers' events and layouts, and the public catalogue
 * (/api/events…).  Rules live in lib/zt_event.c, lib/zt_layout.c and
 * lib/zt_seatmap.c; docs/organizers.md and docs/seatmap.md.
 */
#include "config.h"

#include "zt_etag.h"
#include "zt_event.h"
#include "zt_form.h"
#include "zt_json.h"
#include "zt_layout.h"
#include "zt_media.h"
#include "zt_promo.h"
#include "zt_serve.h"
#include "zt_team_reg.h"
#include "zt_transfer.h"
#include "zt_waitlist.h"

/* Public answers may be kept this long by nginx and browsers. */
#define PUBLIC_MAX_AGE 30

/* Answer status with *out once the lib call returned e. */
static enum zt_err
reply(struct zt_req *req, enum zt_err e, int status, struct json_object **out)
{
	return e != ZT_OK ? e : zt_reply(req, status, out ? *out : NULL);
}

static enum zt_err
get_catalogue(struct zt_req *req)
{
	struct json_object *out;
	enum zt_err e = zt_event_catalogue(req, &out);
	return e != ZT_OK ? e : zt_etag_reply(req, out, PUBLIC_MAX_AGE);
}

static enum zt_err
get_public_by_id(struct zt_req *req)
{
	struct zt_public_answer a;
	enum zt_err e = zt_event_public(req, zt_param(req, "id"), NULL, &a);
	return e != ZT_OK ? e : zt_etag_send(req, &a, PUBLIC_MAX_AGE);
}

static enum zt_err
get_public_by_slug(struct zt_req *req)
{
	struct zt_public_answer a;
	enum zt_err e = zt_event_public(
	    req, zt_param(req, "tenant"), zt_param(req, "event"), &a);
	return e != ZT_OK ? e : zt_etag_send(req, &a, PUBLIC_MAX_AGE);
}

static enum zt_err
get_mine(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req, zt_event_mine(req, &out), 200, &out);
}

static enum zt_err
get_mine_one(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_event_mine_one(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_event(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req, zt_event_create(req, req->json, &out), 201, &out);
}

static enum zt_err
patch_event(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_event_update(req, zt_param(req, "id"), req->json, &out), 200,
	    &out);
}

static enum zt_err
delete_event(struct zt_req *req)
{
	return reply(req, zt_event_delete(req, zt_param(req, "id")), 204, NULL);
}

static enum zt_err
post_publish(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_event_change_state(req, zt_param(req, "id"), "publish", &out),
	    200, &out);
}

static enum zt_err
post_cancel(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_event_change_state(req, zt_param(req, "id"), "cancel", &out),
	    200, &out);
}

static enum zt_err
put_layout(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_layout_put(req, zt_param(req, "id"), req->json, &out), 200,
	    &out);
}

static enum zt_err
put_transfer_rules(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_transfer_rules(req, zt_param(req, "id"), req->json, &out), 200,
	    &out);
}

static enum zt_err
put_poster(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req, zt_media_put_poster(req, zt_param(req, "id"), &out),
	    200, &out);
}

static enum zt_err
post_unlock(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_promo_reveal(req, zt_param(req, "id"), req->json, &out), 200,
	    &out);
}

/* waiting lists (docs/commerce.md, "Waiting list") */
static enum zt_err
get_waitlist(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_waitlist_mine(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_waitlist(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_waitlist_join(req, zt_param(req, "id"), req->json, &out), 201,
	    &out);
}

static enum zt_err
delete_waitlist(struct zt_req *req)
{
	return reply(req,
	    zt_waitlist_leave(
		req, zt_param(req, "id"), zt_param(req, "entryId")),
	    204, NULL);
}

static enum zt_err
get_waitlist_entries(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_waitlist_list(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
post_waitlist_offer(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_waitlist_offer(
		req, zt_param(req, "id"), zt_param(req, "entryId"), &out),
	    200, &out);
}

/* registration forms and approval mode (docs/commerce.md, "Forms and
 * teams") */
static enum zt_err
get_form(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_form_get_public(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
get_own_form(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_form_get_own(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
put_form(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_form_put(req, zt_param(req, "id"), req->json, &out), 200, &out);
}

static enum zt_err
post_form_file(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_form_upload(
		req, zt_param(req, "id"), zt_query(req, "questionId"), &out),
	    201, &out);
}

static enum zt_err
get_form_file(struct zt_req *req)
{
	const char *bytes = NULL, *type = NULL;
	size_t len = 0;
	enum zt_err e = zt_form_file_read(req, zt_param(req, "id"),
	    zt_param(req, "fileId"), &bytes, &len, &type);
	if (e != ZT_OK)
		return e;
	req->resp_type = type;
	/* never shown inline: a PDF or image the buyer sent */
	zt_reply_header(req, "Content-Disposition", "attachment");
	zt_reply_header(req, "Cache-Control", "private, no-store");
	zt_reply_header(req, "X-Content-Type-Options", "nosniff");
	return zt_reply_text(req, 200, bytes, len);
}

static enum zt_err
get_attendees_csv(struct zt_req *req)
{
	const char *csv = NULL;
	size_t len = 0;
	enum zt_err e =
	    zt_form_attendees_csv(req, zt_param(req, "id"), &csv, &len);
	if (e != ZT_OK)
		return e;
	req->resp_type = "text/csv; charset=utf-8";
	zt_reply_header(req, "Content-Disposition",
	    "attachment; filename=\"attendees.csv\"");
	zt_reply_header(req, "Cache-Control", "private, no-store");
	return zt_reply_text(req, 200, csv, len);
}

static enum zt_err
get_registrations(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(req,
	    zt_form_registrations(
		req, zt_param(req, "id"), zt_query(req, "status"), &out),
	    200, &out);
}

/* teams of a team event (zt_team_reg.h) */
static enum zt_err
post_team(struct zt_req *req)
{
	static const char *const keys[] = {"name", NULL};
	const char *name = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "name", ZT_REQUIRED, 60, &name,
		 NULL)) != ZT_OK)
		return e;
	if (*name == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'name' must not be empty");
	return reply(req,
	    zt_team_reg_create(req, zt_param(req, "id"), name, &out), 201,
	    &out);
}

static enum zt_err
post_team_join(struct zt_req *req)
{
	static const char *const keys[] = {"inviteCode", NULL};
	const char *code = NULL;
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, keys)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "inviteCode", ZT_REQUIRED, 32,
		 &code, NULL)) != ZT_OK)
		return e;
	return reply(req,
	    zt_team_reg_join(req, zt_param(req, "id"), code, &out), 200, &out);
}

static enum zt_err
get_team_mine(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_team_reg_mine(req, zt_param(req, "id"), &out), 200, &out);
}

static enum zt_err
get_teams(struct zt_req *req)
{
	struct json_object *out = NULL;
	return reply(
	    req, zt_team_reg_list(req, zt_param(req, "id"), &out), 200, &out);
}

static const struct zt_route routes[] = {
    {"GET", "/api/events", get_catalogue, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/events/:id", get_public_by_id, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/events/:tenant/:event", get_public_by_slug, ZT_AUTH_PUBLIC, 0,
	0},
    {"GET", "/api/events/mine", get_mine, ZT_AUTH_SCANNER, 0, 0},
    {"GET", "/api/events/mine/:id", get_mine_one, ZT_AUTH_SCANNER, 0, 0},
    {"POST", "/api/events", post_event, ZT_AUTH_MANAGER, 32768, 0},
    {"PATCH", "/api/events/:id", patch_event, ZT_AUTH_MANAGER, 32768, 0},
    {"DELETE", "/api/events/:id", delete_event, ZT_AUTH_MANAGER, 0, 0},
    {"POST", "/api/events/:id/publish", post_publish, ZT_AUTH_MANAGER, 1024, 0},
    {"POST", "/api/events/:id/cancel", post_cancel, ZT_AUTH_MANAGER, 1024, 0},
    {"PUT", "/api/events/:id/poster", put_poster, ZT_AUTH_MANAGER,
	ZT_MEDIA_MAX_BYTES, ZT_ROUTE_RAW_BODY},
    /* 20,000 seats in the explicit form fit in 1 MiB (nginx's cap) */
    {"PUT", "/api/events/:id/layout", put_layout, ZT_AUTH_MANAGER, 1024 * 1024,
	0},
    /* ticket transfer (docs/commerce.md) */
    {"PUT", "/api/events/:id/transfer-rules", put_transfer_rules,
	ZT_AUTH_MANAGER, 1024, 0},
    /* hidden ticket types: what a promo code unlocks (docs/commerce.md) */
    {"POST", "/api/events/:id/unlock", post_unlock, ZT_AUTH_USER, 1024, 0},
    /* waiting lists (docs/commerce.md, "Waiting list") */
    {"GET", "/api/events/:id/waitlist", get_waitlist, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/events/:id/waitlist", post_waitlist, ZT_AUTH_USER, 1024, 0},
    {"DELETE", "/api/events/:id/waitlist/:entryId", delete_waitlist,
	ZT_AUTH_USER, 0, 0},
    {"GET", "/api/events/:id/waitlist/entries", get_waitlist_entries,
	ZT_AUTH_MANAGER, 0, 0},
    {"POST", "/api/events/:id/waitlist/entries/:entryId/offer",
	post_waitlist_offer, ZT_AUTH_MANAGER, 1024, 0},
    /* registration forms and approval mode (docs/commerce.md) */
    {"GET", "/api/events/:id/form", get_form, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/events/mine/:id/form", get_own_form, ZT_AUTH_SCANNER, 0, 0},
    {"PUT", "/api/events/:id/form", put_form, ZT_AUTH_MANAGER, 65536, 0},
    {"POST", "/api/events/:id/form-files", post_form_file, ZT_AUTH_USER,
	ZT_FORM_FILE_MAX, ZT_ROUTE_RAW_BODY},
    {"GET", "/api/events/:id/form-files/:fileId", get_form_file, ZT_AUTH_USER,
	0, 0},
    {"GET", "/api/events/:id/attendees.csv", get_attendees_csv, ZT_AUTH_MANAGER,
	0, 0},
    {"GET", "/api/events/:id/registrations", get_registrations, ZT_AUTH_MANAGER,
	0, 0},
    /* teams of a team event (zt_team_reg.h) */
    {"POST", "/api/events/:id/teams", post_team, ZT_AUTH_USER, 1024, 0},
    {"POST", "/api/events/:id/teams/join", post_team_join, ZT_AUTH_USER, 1024,
	0},
    {"GET", "/api/events/:id/teams/mine", get_team_mine, ZT_AUTH_USER, 0, 0},
    {"GET", "/api/events/:id/teams", get_teams, ZT_AUTH_MANAGER, 0, 0},
};

int
main(void)
{
	return zt_serve("events", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_JWT | ZT_NEED_AUTH);
}
