/* zt_venue.c - saved venues of a tenant; see zt_venue.h. */
#include "zt_venue.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_layout.h"
#include "zt_seatmap.h"
#include "zt_team.h"
#include "zt_uuid.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VENUE_NAME_MAX 200
#define VENUE_DESC_MAX 2000
#define ISO_UPDATED                                                            \
	"to_char(updated_at AT TIME ZONE 'UTC', "                              \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define VENUE_COLS                                                             \
	"id, name, description, kind, seat_count,"                             \
	" jsonb_array_length(coalesce(layout->'ticketTypes', '[]')),"          \
	" jsonb_array_length(coalesce(layout->'categories', "                  \
	"'[]')), " ISO_UPDATED

/* ------------------------------------------------------------ SQL ---- */

enum venue_col {
	C_ID,
	C_NAME,
	C_DESC,
	C_KIND,
	C_SEATS,
	C_TYPES,
	C_CATS,
	C_UPDATED,
	C_LAYOUT /* only q_get */
};
static struct zt_sql q_list = ZT_SQL("venue_list",
    "SELECT " VENUE_COLS " FROM venues WHERE tenant_id = $1"
    " ORDER BY lower(name), id",
    1);
static struct zt_sql q_get = ZT_SQL("venue_get",
    "SELECT " VENUE_COLS ", layout::text FROM venues"
    " WHERE tenant_id = $1 AND id = $2",
    2);
static struct zt_sql q_insert = ZT_SQL("venue_insert",
    "INSERT INTO venues (tenant_id, name, description, kind, layout,"
    " seat_count, created_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)"
    " RETURNING " VENUE_COLS ", layout::text",
    7);
/* NULL parameters keep what is stored */
static struct zt_sql q_update = ZT_SQL("venue_update",
    "UPDATE venues SET name = coalesce($3, name),"
    " description = coalesce($4, description), kind = coalesce($5, kind),"
    " layout = coalesce($6::jsonb, layout),"
    " seat_count = coalesce($7::integer, seat_count), updated_at = now()"
    " WHERE tenant_id = $1 AND id = $2 RETURNING " VENUE_COLS ", layout::text",
    7);
static struct zt_sql q_delete = ZT_SQL("venue_delete",
    "DELETE FROM venues WHERE tenant_id = $1 AND id = $2 RETURNING name", 2);
static struct zt_sql q_event_kind = ZT_SQL("venue_event_kind",
    "SELECT layout_kind FROM events WHERE tenant_id = $1 AND id = $2", 2);

/* ------------------------------------------------------- helpers ---- */

static enum zt_err
not_found(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "venue_not_found", "no such venue");
}

static struct json_object *
summary_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "id", json_object_new_string(PQgetvalue(r, i, C_ID)));
	json_object_object_add(
	    o, "name", json_object_new_string(PQgetvalue(r, i, C_NAME)));
	json_object_object_add(
	    o, "description", json_object_new_string(PQgetvalue(r, i, C_DESC)));
	json_object_object_add(
	    o, "kind", json_object_new_string(PQgetvalue(r, i, C_KIND)));
	json_object_object_add(o, "seatCount",
	    json_object_new_int64(
		strtoll(PQgetvalue(r, i, C_SEATS), NULL, 10)));
	json_object_object_add(o, "ticketTypeCount",
	    json_object_new_int64(
		strtoll(PQgetvalue(r, i, C_TYPES), NULL, 10)));
	json_object_object_add(o, "categoryCount",
	    json_object_new_int64(strtoll(PQgetvalue(r, i, C_CATS), NULL, 10)));
	json_object_object_add(o, "updatedAt",
	    json_object_new_string(PQgetvalue(r, i, C_UPDATED)));
	return o;
}

static struct json_object *
full_json(const PGresult *r)
{
	struct json_object *o = summary_json(r, 0);
	struct json_object *l = json_tokener_parse(PQgetvalue(r, 0, C_LAYOUT));
	json_object_object_add(o, "layout", l ? l : json_object_new_object());
	return o;
}

/* drop what GET adds to a layout (ids, sales) and, from an event, what
 * belongs to its dates (sales windows) */
static void
strip(struct json_object *o, int dates)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			strip(json_object_array_get_idx(o, i), dates);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_del(o, "id");
	json_object_object_del(o, "sold");
	json_object_object_del(o, "available");
	if (dates) {
		json_object_object_del(o, "salesStartsAt");
		json_object_object_del(o, "salesEndsAt");
	}
	json_object_object_foreach(o, k, v)
	{
		(void)k;
		strip(v, dates);
	}
}

/* a seat-map error names its place in the layout: "layout.<place>" */
static enum zt_err
in_layout(struct zt_req *req, enum zt_err e)
{
	struct json_object *f;
	if (req->err_extra == NULL ||
	    !json_object_object_get_ex(req->err_extra, "field", &f)) {
		/* an unknown key: "layout: field 'x' is not known here" */
		if (req->err_msg != NULL)
			req->err_msg = zt_arena_printf(
			    req->arena, "layout: %s", req->err_msg);
		return e;
	}
	const char *field =
	    zt_arena_printf(req->arena, "layout.%s", json_object_get_string(f));
	json_object_object_add(
	    req->err_extra, "field", json_object_new_string(field));
	if (req->err_msg != NULL)
		req->err_msg =
		    zt_arena_printf(req->arena, "layout.%s", req->err_msg);
	return e;
}

/*
 * Check a layout document the way PUT /api/events/:id/layout does (parser
 * and kind rules, as for a draft with no end) and give the text to store,
 * with "kind" always set.
 */
static enum zt_err
check_layout(struct zt_req *req, struct json_object *doc, const char *kind_now,
    const char **text, const char **kind, const char **seats)
{
	struct zt_seatmap m;
	enum zt_err e;

	if (!json_object_is_type(doc, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "layout: a layout document (docs/seatmap.md)");
	if ((e = zt_seatmap_parse(req, doc, &m)) != ZT_OK)
		return in_layout(req, e);
	if (kind_now == NULL)
		kind_now = m.ntypes == 0   ? "reserved"
			   : m.nseats == 0 ? "ga"
					   : "hybrid";
	if ((e = zt_layout_check(
		 req, &m, "draft", kind_now, INT64_MAX, kind)) != ZT_OK)
		return in_layout(req, e);
	if (m.nseats == 0 && m.ntypes == 0) {
		zt_fail_detail(req, "field", json_object_new_string("layout"));
		return zt_fail(req, ZT_EINVALID, "invalid_layout",
		    "layout: a venue needs seats or ticket types");
	}
	/* *kind may be doc's own "kind" string, which the add below frees */
	*kind = zt_arena_strdup(req->arena, *kind);
	json_object_object_add(doc, "kind", json_object_new_string(*kind));
	*text = zt_json_text(req, doc, NULL);
	*seats = zt_arena_printf(req->arena, "%zu", m.nseats);
	return ZT_OK;
}

static const char *const venue_keys[] = {
    "name", "description", "layout", "fromEventId", NULL};

/* name and description of in; *layout the "layout" member or NULL */
static enum zt_err
read_fields(struct zt_req *req, struct json_object *in, int create,
    const char **name, const char **desc, struct json_object **layout)
{
	enum zt_err e;
	if (in == NULL || !json_object_is_type(in, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the venue as a JSON object");
	if ((e = zt_json_known(req, in, NULL, venue_keys)) != ZT_OK ||
	    (e = zt_json_str(req, in, "name",
		 create ? ZT_REQUIRED : ZT_OPTIONAL, VENUE_NAME_MAX, name,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, in, "description", ZT_OPTIONAL,
		 VENUE_DESC_MAX, desc, NULL)) != ZT_OK)
		return e;
	if (*name != NULL && (*name)[0] == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "name: 1 to %d characters", VENUE_NAME_MAX);
	struct json_object *l = NULL, *copy = NULL;
	*layout = NULL;
	/* a copy: "kind" is added to what is stored */
	if (json_object_object_get_ex(in, "layout", &l) && l != NULL &&
	    json_object_deep_copy(l, &copy, NULL) == 0)
		*layout = zt_json_defer_put(req, copy);
	return ZT_OK;
}

/* the layout of the tenant's event_id as a venue document */
static enum zt_err
event_layout(struct zt_req *req, const char *event_id, struct json_object **doc)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {req->tenant_id, event_id};
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	p[1] = zt_uuid_norm(req->arena, event_id);
	if ((r = zt_db_exec(req, &err, &q_event_kind, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	*doc = zt_json_defer_put(req, json_object_new_object());
	json_object_object_add(
	    *doc, "kind", json_object_new_string(PQgetvalue(r, 0, 0)));
	if ((e = zt_layout_json(req, p[1], 1, *doc)) != ZT_OK)
		return e;
	/* the seat list comes as text (zt_layout.c, seat_list): parse the
	 * document once to edit it */
	struct json_object *parsed = json_tokener_parse(
	    json_object_to_json_string_ext(*doc, JSON_C_TO_STRING_PLAIN));
	if (parsed == NULL)
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "the event's layout could not be read back");
	*doc = zt_json_defer_put(req, parsed);
	strip(*doc, 1);
	return ZT_OK;
}

/* ----------------------------------------------------------- API ---- */

enum zt_err
zt_venue_list(struct zt_req *req, struct json_object **out)
{
	return zt_team_list_rows(
	    req, ZT_ROLE_MANAGER, &q_list, "venues", summary_json, out);
}

enum zt_err
zt_venue_get(struct zt_req *req, const char *id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	*out = NULL;
	if (!zt_is_uuid(id))
		return not_found(req);
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {req->tenant_id, zt_uuid_norm(req->arena, id)};
	if ((r = zt_db_exec(req, &err, &q_get, p)) == NULL)
		return zt_fail_error(req, &err);
	zt_db_rollback();
	if (PQntuples(r) == 0)
		return not_found(req);
	*out = full_json(r);
	return ZT_OK;
}

enum zt_err
zt_venue_create(
    struct zt_req *req, struct json_object *in, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *name = NULL, *desc = NULL, *from = NULL, *text, *kind,
		   *seats;
	struct json_object *layout;
	int has_from = 0;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = read_fields(req, in, 1, &name, &desc, &layout)) != ZT_OK ||
	    (e = zt_json_uuid(req, in, "fromEventId", ZT_OPTIONAL, &from,
		 &has_from)) != ZT_OK)
		return e;
	if ((layout != NULL) == (has_from != 0))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "layout: give either layout or fromEventId");
	if (layout != NULL && (e = check_layout(req, layout, NULL, &text, &kind,
				   &seats)) != ZT_OK)
		return e;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if (has_from) {
		if ((e = event_layout(req, from, &layout)) != ZT_OK)
			return e;
		struct json_object *k = NULL;
		json_object_object_get_ex(layout, "kind", &k);
		if ((e = check_layout(req, layout, json_object_get_string(k),
			 &text, &kind, &seats)) != ZT_OK)
			return e;
	}
	const char *p[7] = {req->tenant_id, name, desc ? desc : "", kind, text,
	    seats, req->user_id};
	if ((r = zt_db_exec(req, &err, &q_insert, p)) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(name));
	if (has_from)
		json_object_object_add(d, "fromEventId",
		    json_object_new_string(zt_uuid_norm(req->arena, from)));
	if ((e = zt_audit(req, "venue.created",
		 zt_arena_printf(
		     req->arena, "venue:%s", PQgetvalue(r, 0, C_ID)),
		 d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = full_json(r);
	return ZT_OK;
}

enum zt_err
zt_venue_update(struct zt_req *req, const char *id, struct json_object *in,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *name = NULL, *desc = NULL, *text = NULL, *kind = NULL,
		   *seats = NULL;
	struct json_object *layout;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = read_fields(req, in, 0, &name, &desc, &layout)) != ZT_OK)
		return e;
	if (json_object_object_get_ex(in, "fromEventId", NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "fromEventId: only when creating a venue");
	if (layout != NULL && (e = check_layout(req, layout, NULL, &text, &kind,
				   &seats)) != ZT_OK)
		return e;
	if (!zt_is_uuid(id))
		return not_found(req);
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[7] = {req->tenant_id, zt_uuid_norm(req->arena, id), name,
	    desc, kind, text, seats};
	if ((r = zt_db_exec(req, &err, &q_update, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return not_found(req);
	}
	struct json_object *d = json_object_new_object();
	json_object_object_add(
	    d, "layout", json_object_new_boolean(layout != NULL));
	if ((e = zt_audit(req, "venue.updated",
		 zt_arena_printf(req->arena, "venue:%s", p[1]), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = full_json(r);
	return ZT_OK;
}

enum zt_err
zt_venue_delete(struct zt_req *req, const char *id)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	if (!zt_is_uuid(id))
		return not_found(req);
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {req->tenant_id, zt_uuid_norm(req->arena, id)};
	if ((r = zt_db_exec(req, &err, &q_delete, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return not_found(req);
	}
	struct json_object *d = json_object_new_object();
	json_object_object_add(
	    d, "name", json_object_new_string(PQgetvalue(r, 0, 0)));
	if ((e = zt_audit(req, "venue.deleted",
		 zt_arena_printf(req->arena, "venue:%s", p[1]), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

static const char *const apply_keys[] = {"eventId", NULL};

enum zt_err
zt_venue_apply(struct zt_req *req, const char *id, struct json_object *in,
    struct json_object **out)
{
	struct json_object *venue = NULL, *layout = NULL;
	const char *event_id = NULL;
	enum zt_err e;

	*out = NULL;
	if (in == NULL || !json_object_is_type(in, json_type_object))
		return zt_fail(
		    req, ZT_EBADREQ, "invalid_json", "send {\"eventId\": …}");
	if ((e = zt_json_known(req, in, NULL, apply_keys)) != ZT_OK ||
	    (e = zt_json_uuid(
		 req, in, "eventId", ZT_REQUIRED, &event_id, NULL)) != ZT_OK)
		return e;
	/* read (role checked, tenant's rows only), then copy: the event's
	 * rows are its own from here on */
	if ((e = zt_venue_get(req, id, &venue)) != ZT_OK)
		return e;
	zt_json_defer_put(req, venue);
	json_object_object_get_ex(venue, "layout", &layout);
	if ((e = zt_layout_put(req, event_id, layout, out)) != ZT_OK)
		return e;
	json_object_object_add(*out, "venueId",
	    json_object_new_string(zt_uuid_norm(req->arena, id)));
	return ZT_OK;
}
