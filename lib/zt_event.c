/* zt_event.c - events for organizers and the public catalogue; see
 * zt_event.h and docs/organizers.md. */
#include "zt_event.h"
#include "zt_salemap.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_layout.h"
#include "zt_slug.h"
#include "zt_team.h"
#include "zt_whout.h"
#include "zt_tenant.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PRICE_MAX 10000000000LL
#define DEFAULT_TZ "Asia/Kolkata"
/* Candidates tried for a derived event slug (the last ones are random). */
#define SLUG_TRIES (ZT_SLUG_NUMBERED + 5)

/* Every column of an event; DESC is the description expression (the
 * catalogue sends a summary). Column numbers: enum col below. */
#define EVENT_COLS(DESC)                                                       \
	"e.id, e.tenant_id, e.slug, e.title, " DESC ", e.category,"            \
	" array_to_json(e.tags)::text, e.city, e.venue_name, e.venue_address," \
	" extract(epoch FROM e.starts_at)::bigint,"                            \
	" extract(epoch FROM e.ends_at)::bigint, e.timezone, e.poster_url,"    \
	" e.status, extract(epoch FROM e.published_at)::bigint,"               \
	" extract(epoch FROM e.sales_starts_at)::bigint,"                      \
	" extract(epoch FROM e.sales_ends_at)::bigint, e.per_user_limit,"      \
	" e.refund_policy, e.refund_cutoff_hours, e.refund_fee_paise,"         \
	" e.refund_fee_bps, e.layout_kind,"                                    \
	" extract(epoch FROM e.created_at)::bigint,"                           \
	" extract(epoch FROM e.updated_at)::bigint"
/* one event's columns with its whole description; a list's with the
 * first 280 characters (named, so the statements below stay plain string
 * concatenation that clang-format keeps as written) */
#define EVENT_COLS_FULL EVENT_COLS("e.description")
#define EVENT_COLS_SHORT EVENT_COLS("left(e.description, 280)")

enum col {
	C_ID,
	C_TENANT,
	C_SLUG,
	C_TITLE,
	C_DESC,
	C_CATEGORY,
	C_TAGS,
	C_CITY,
	C_VENUE,
	C_ADDRESS,
	C_STARTS,
	C_ENDS,
	C_TZ,
	C_POSTER,
	C_STATUS,
	C_PUBLISHED,
	C_SALES_STARTS,
	C_SALES_ENDS,
	C_PER_USER,
	C_REFUND,
	C_CUTOFF,
	C_FEE_PAISE,
	C_FEE_BPS,
	C_KIND,
	C_CREATED,
	C_UPDATED,
	C__COUNT
};

/* sales columns after the event's (organizer reads) */
#define SALES_COLS                                                             \
	" coalesce(es.tickets_live, 0), coalesce(es.tickets_checked_in, 0),"   \
	" coalesce(es.live_paise, 0),"                                         \
	" (SELECT count(*) FROM seats st WHERE st.event_id = e.id"             \
	"   AND NOT st.blocked) + coalesce((SELECT sum(tt.capacity)"           \
	"   FROM ticket_types tt WHERE tt.event_id = e.id), 0),"               \
	" e.unlisted_reason"

#define FIELD_SET                                                              \
	"slug = $3, title = $4, description = $5, category = $6,"              \
	" tags = ARRAY(SELECT jsonb_array_elements_text($7::jsonb)),"          \
	" city = $8, venue_name = $9, venue_address = $10, starts_at = $11,"   \
	" ends_at = $12, timezone = $13, poster_url = $14,"                    \
	" sales_starts_at = $15, sales_ends_at = $16, per_user_limit = $17,"   \
	" refund_policy = $18, refund_cutoff_hours = $19,"                     \
	" refund_fee_paise = $20, refund_fee_bps = $21, layout_kind = $22"

static struct zt_sql q_insert = ZT_SQL("event_insert",
    "INSERT INTO events (id, tenant_id, slug, title, description, category,"
    " tags, city, venue_name, venue_address, starts_at, ends_at, timezone,"
    " poster_url, sales_starts_at, sales_ends_at, per_user_limit,"
    " refund_policy, refund_cutoff_hours, refund_fee_paise, refund_fee_bps,"
    " layout_kind) VALUES ($1, $2, $3, $4, $5, $6,"
    " ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), $8, $9, $10, $11,"
    " $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    " ON CONFLICT (tenant_id, slug) DO NOTHING RETURNING id",
    22);
static struct zt_sql q_update = ZT_SQL("event_update",
    "UPDATE events SET " FIELD_SET " WHERE id = $1 AND tenant_id = $2", 22);
static struct zt_sql q_own = ZT_SQL("event_own",
    "SELECT " EVENT_COLS_FULL "," SALES_COLS
    " FROM events e LEFT JOIN event_sales es ON es.event_id = e.id"
    " WHERE e.id = $1 AND e.tenant_id = $2",
    2);
static struct zt_sql q_own_lock = ZT_SQL("event_own_lock",
    "SELECT " EVENT_COLS_FULL ", t.status"
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " WHERE e.id = $1 AND e.tenant_id = $2 FOR UPDATE OF e",
    2);
static struct zt_sql q_slug_taken = ZT_SQL("event_slug_taken",
    "SELECT 1 FROM events WHERE tenant_id = $1 AND slug = $2 AND id <> $3", 3);
static struct zt_sql q_tz = ZT_SQL("event_tz",
    "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)", 1);
static struct zt_sql q_delete = ZT_SQL(
    "event_delete", "DELETE FROM events WHERE id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_status = ZT_SQL("event_status",
    "UPDATE events SET status = $3 WHERE id = $1 AND tenant_id = $2", 3);
static struct zt_sql q_mine = ZT_SQL("event_mine",
    "SELECT " EVENT_COLS_SHORT "," SALES_COLS
    " FROM events e LEFT JOIN event_sales es ON es.event_id = e.id"
    " WHERE e.tenant_id = $1 AND ($2::text IS NULL OR e.status = $2)"
    " ORDER BY e.starts_at DESC, e.id LIMIT $3 OFFSET $4",
    4);
/* upcoming published events of active tenants (RLS shows no more) */
static struct zt_sql q_catalogue = ZT_SQL("event_catalogue",
    "SELECT " EVENT_COLS_SHORT "," ZT_TENANT_PUBLIC_COLS ","
    " (SELECT min(x.p) FROM (SELECT pc.price_paise AS p"
    "   FROM price_categories pc WHERE pc.event_id = e.id UNION ALL"
    "   SELECT tt.price_paise FROM ticket_types tt"
    "   WHERE tt.event_id = e.id AND NOT tt.hidden) x)"
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " WHERE e.status = 'published' AND t.status = 'active'"
    " AND e.unlisted_at IS NULL"
    " AND e.ends_at > now()"
    " AND ($1::text IS NULL OR strpos(lower(e.title || ' ' || e.description"
    "   || ' ' || array_to_string(e.tags, ' ')), lower($1)) > 0)"
    " AND ($2::text IS NULL OR lower(e.city) = lower($2))"
    " AND ($3::text IS NULL OR lower(e.category) = lower($3))"
    " AND ($4::timestamptz IS NULL OR e.starts_at >= $4)"
    " AND ($5::timestamptz IS NULL OR e.starts_at < $5)"
    " AND ($6::text IS NULL OR t.slug = $6)"
    " AND ($7::timestamptz IS NULL OR (e.starts_at, e.id) >"
    "   ($7::timestamptz, $8::uuid))"
    " ORDER BY e.starts_at, e.id LIMIT $9",
    9);
#define PUBLIC_WHERE                                                           \
	" zt_event_is_public(e.status, e.published_at) AND t.status = "        \
	"'active' AND e.unlisted_at IS NULL"
static struct zt_sql q_public_id = ZT_SQL("event_public_id",
    "SELECT " EVENT_COLS_FULL "," ZT_TENANT_PUBLIC_COLS
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " WHERE e.id = $1 AND" PUBLIC_WHERE,
    1);
static struct zt_sql q_public_slug = ZT_SQL("event_public_slug",
    "SELECT " EVENT_COLS_FULL "," ZT_TENANT_PUBLIC_COLS
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " WHERE t.slug = $1 AND e.slug = $2 AND" PUBLIC_WHERE,
    2);

/* ---- fields ---- */

void
zt_event_defaults(struct zt_event_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->description = "";
	f->timezone = DEFAULT_TZ;
	f->layout_kind = "ga";
	f->refund_policy = "none";
	f->tags_json = "[]";
	f->per_user_limit = 10;
}

static enum zt_err __attribute__((format(printf, 4, 5))) field_fail(
    struct zt_req *req, enum zt_err e, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = zt_arena_vprintf(req->arena, fmt, ap);
	va_end(ap);
	zt_fail_detail(req, "field", json_object_new_string(field));
	return zt_fail(req, e, e == ZT_EINVALID ? "invalid" : "invalid_field",
	    "field '%s' %s", field, msg);
}

/* An optional text field: "" clears it (NULL). */
static enum zt_err
opt_text(struct zt_req *req, struct json_object *doc, const char *key,
    size_t max, const char **field)
{
	const char *s = NULL;
	int present;
	enum zt_err e =
	    zt_json_str(req, doc, key, ZT_OPTIONAL, max, &s, &present);
	if (e == ZT_OK && present)
		*field = *s ? s : NULL;
	return e;
}

/* An optional instant: "" or null clears it. */
static enum zt_err
opt_time(struct zt_req *req, struct json_object *doc, const char *key,
    int64_t *v, int *has)
{
	struct json_object *o;
	if (!json_object_object_get_ex(doc, key, &o))
		return ZT_OK;
	if (o == NULL || (json_object_is_type(o, json_type_string) &&
			     json_object_get_string_len(o) == 0)) {
		*has = 0;
		return ZT_OK;
	}
	enum zt_err e = zt_json_time(req, doc, key, ZT_REQUIRED, v, NULL);
	if (e == ZT_OK)
		*has = 1;
	return e;
}

static enum zt_err
apply_tags(struct zt_req *req, struct json_object *doc, const char **out)
{
	struct json_object *arr = NULL, *norm;
	int present;
	enum zt_err e = zt_json_array(
	    req, doc, "tags", ZT_OPTIONAL, ZT_EVENT_MAX_TAGS, &arr, &present);
	if (e != ZT_OK || !present)
		return e;
	norm = zt_json_defer_put(req, json_object_new_array());
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s;
		size_t n;
		if (!json_object_is_type(v, json_type_string))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'tags' must be an array of strings");
		s = json_object_get_string(v);
		while (*s == ' ')
			s++;
		n = strlen(s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == 0 || n > ZT_EVENT_TAG_MAX ||
		    n > (size_t)json_object_get_string_len(v))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'tags' must hold words of 1 to %d "
			    "characters",
			    ZT_EVENT_TAG_MAX);
		char *t = zt_arena_strndup(req->arena, s, n);
		for (char *c = t; *c; c++) {
			if ((unsigned char)*c < 0x20)
				return zt_fail(req, ZT_EBADREQ, "invalid_field",
				    "field 'tags' must not hold control "
				    "characters");
			*c = (char)tolower((unsigned char)*c);
		}
		int dup = 0;
		for (size_t j = 0; j < json_object_array_length(norm); j++)
			if (strcmp(json_object_get_string(
				       json_object_array_get_idx(norm, j)),
				t) == 0)
				dup = 1;
		if (!dup)
			json_object_array_add(norm, json_object_new_string(t));
	}
	*out = zt_json_text(req, norm, NULL);
	return ZT_OK;
}

static const char *const refund_keys[] = {
    "type", "cutoffHours", "feePaise", "feeBps", NULL};

static enum zt_err
apply_refund(
    struct zt_req *req, struct json_object *doc, struct zt_event_fields *f)
{
	struct json_object *o;
	const char *type = NULL;
	int has_cutoff, has_paise, has_bps;
	enum zt_err e;

	if (!json_object_object_get_ex(doc, "refundPolicy", &o) || o == NULL)
		return ZT_OK;
	if (!json_object_is_type(o, json_type_object))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'refundPolicy' must be an object like "
		    "{\"type\": \"none\"}");
	if ((e = zt_json_known(req, o, "refundPolicy.", refund_keys)) !=
		ZT_OK ||
	    (e = zt_json_str(req, o, "type", ZT_REQUIRED, 16, &type, NULL)) !=
		ZT_OK ||
	    (e = zt_json_int(req, o, "cutoffHours", ZT_OPTIONAL, 0, 8760,
		 &f->refund_cutoff_hours, &has_cutoff)) != ZT_OK ||
	    (e = zt_json_int(req, o, "feePaise", ZT_OPTIONAL, 0, PRICE_MAX,
		 &f->refund_fee_paise, &has_paise)) != ZT_OK ||
	    (e = zt_json_int(req, o, "feeBps", ZT_OPTIONAL, 0, 10000,
		 &f->refund_fee_bps, &has_bps)) != ZT_OK)
		return e;
	if (strcmp(type, "none") == 0) {
		if (has_cutoff || has_paise || has_bps)
			return field_fail(req, ZT_EBADREQ, "refundPolicy",
			    "of type none takes no cutoff or fee");
		f->refund_policy = "none";
	} else if (strcmp(type, "before_start") == 0) {
		if (!has_cutoff)
			return field_fail(req, ZT_EBADREQ,
			    "refundPolicy.cutoffHours",
			    "is required: refunds end this many hours before "
			    "the start");
		if (has_paise && has_bps)
			return field_fail(req, ZT_EINVALID, "refundPolicy",
			    "takes either feePaise or feeBps, not both");
		f->refund_policy = "before_start";
	} else {
		return field_fail(req, ZT_EBADREQ, "refundPolicy.type",
		    "must be none or before_start");
	}
	f->has_cutoff = has_cutoff;
	f->has_fee_paise = has_paise;
	f->has_fee_bps = has_bps;
	return ZT_OK;
}

/* "UTC" or an IANA-shaped name; PostgreSQL says whether it exists. */
static int
tz_shaped(const char *s)
{
	const char *slash = strchr(s, '/');
	if (strcmp(s, "UTC") == 0)
		return 1;
	if (slash == NULL || slash == s)
		return 0;
	for (const char *p = s; p < slash; p++)
		if (!isalpha((unsigned char)*p) && *p != '_')
			return 0;
	for (const char *p = slash; *p; p++) {
		if (*p == '/') {
			if (p[1] == '\0' || p[1] == '/')
				return 0;
		} else if (!isalnum((unsigned char)*p) && !strchr("_+-", *p)) {
			return 0;
		}
	}
	return 1;
}

static const char *const event_keys[] = {"title", "slug", "description",
    "category", "tags", "city", "venueName", "venueAddress", "startsAt",
    "endsAt", "timezone", "posterUrl", "salesStartsAt", "salesEndsAt",
    "perUserLimit", "refundPolicy", "layoutKind", NULL};

enum zt_err
zt_event_apply(struct zt_req *req, struct json_object *doc,
    struct zt_event_fields *f, int creating, unsigned *set)
{
	enum zt_json_opt must = creating ? ZT_REQUIRED : ZT_OPTIONAL;
	const char *slug = NULL, *tz = NULL, *kind = NULL, *desc = NULL;
	int has_slug, has_tz, has_kind, has_starts, has_desc, dummy;
	enum zt_err e;

	*set = 0;
	if (doc == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the event as a JSON object");
	if ((e = zt_json_known(req, doc, NULL, event_keys)) != ZT_OK ||
	    (e = zt_json_str(req, doc, "title", must, ZT_EVENT_TITLE_MAX,
		 &f->title, &dummy)) != ZT_OK ||
	    (e = zt_json_str(req, doc, "slug", ZT_OPTIONAL, ZT_SLUG_EVENT_MAX,
		 &slug, &has_slug)) != ZT_OK ||
	    (e = zt_json_str(req, doc, "description", ZT_OPTIONAL,
		 ZT_EVENT_DESCRIPTION_MAX, &desc, &has_desc)) != ZT_OK ||
	    (e = opt_text(req, doc, "category", 50, &f->category)) != ZT_OK ||
	    (e = apply_tags(req, doc, &f->tags_json)) != ZT_OK ||
	    (e = opt_text(req, doc, "city", 100, &f->city)) != ZT_OK ||
	    (e = opt_text(req, doc, "venueName", 200, &f->venue_name)) !=
		ZT_OK ||
	    (e = opt_text(req, doc, "venueAddress", 500, &f->venue_address)) !=
		ZT_OK ||
	    (e = zt_json_time(req, doc, "startsAt", must, &f->starts_at,
		 &has_starts)) != ZT_OK ||
	    (e = zt_json_time(req, doc, "endsAt", must, &f->ends_at, &dummy)) !=
		ZT_OK ||
	    (e = zt_json_str(req, doc, "timezone", ZT_OPTIONAL, 64, &tz,
		 &has_tz)) != ZT_OK ||
	    (e = zt_json_url(req, doc, "posterUrl", ZT_OPTIONAL, &f->poster_url,
		 &dummy)) != ZT_OK ||
	    (e = opt_time(req, doc, "salesStartsAt", &f->sales_starts_at,
		 &f->has_sales_starts)) != ZT_OK ||
	    (e = opt_time(req, doc, "salesEndsAt", &f->sales_ends_at,
		 &f->has_sales_ends)) != ZT_OK ||
	    (e = zt_json_int(req, doc, "perUserLimit", ZT_OPTIONAL, 1, 100,
		 &f->per_user_limit, &dummy)) != ZT_OK ||
	    (e = apply_refund(req, doc, f)) != ZT_OK ||
	    (e = zt_json_str(req, doc, "layoutKind", ZT_OPTIONAL, 16, &kind,
		 &has_kind)) != ZT_OK)
		return e;
	if (f->title != NULL && *f->title == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'title' must not be empty");
	if (f->poster_url != NULL && *f->poster_url == '\0')
		f->poster_url = NULL;
	if (has_desc)
		f->description = desc;
	if (has_slug) {
		if (!zt_slug_valid(slug, ZT_SLUG_EVENT_MAX))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'slug' must be 1 to %d characters of a-z, "
			    "0-9 and '-', starting and ending with a letter "
			    "or digit",
			    ZT_SLUG_EVENT_MAX);
		f->slug = slug;
		*set |= ZT_EF_SLUG;
	}
	if (has_tz) {
		if (!tz_shaped(tz))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'timezone' must be an IANA zone name such "
			    "as Asia/Kolkata");
		f->timezone = tz;
		*set |= ZT_EF_TIMEZONE;
	}
	if (has_kind) {
		if (strcmp(kind, "reserved") != 0 && strcmp(kind, "ga") != 0 &&
		    strcmp(kind, "hybrid") != 0)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "field 'layoutKind' must be reserved, ga or "
			    "hybrid");
		f->layout_kind = kind;
		*set |= ZT_EF_LAYOUT_KIND;
	}
	if (has_starts)
		*set |= ZT_EF_STARTS;
	return ZT_OK;
}

enum zt_err
zt_event_validate(struct zt_req *req, const struct zt_event_fields *f,
    int64_t now, int starts_is_new)
{
	if (f->ends_at <= f->starts_at)
		return field_fail(
		    req, ZT_EINVALID, "endsAt", "must be after startsAt");
	if (f->ends_at - f->starts_at > (int64_t)ZT_EVENT_MAX_DAYS * 86400)
		return field_fail(req, ZT_EINVALID, "endsAt",
		    "must be at most %d days after startsAt",
		    ZT_EVENT_MAX_DAYS);
	if (starts_is_new && f->starts_at <= now)
		return field_fail(
		    req, ZT_EINVALID, "startsAt", "must be in the future");
	if (f->has_sales_ends && f->sales_ends_at > f->ends_at)
		return field_fail(req, ZT_EINVALID, "salesEndsAt",
		    "must not be after endsAt");
	if (f->has_sales_starts && f->sales_starts_at >= f->ends_at)
		return field_fail(
		    req, ZT_EINVALID, "salesStartsAt", "must be before endsAt");
	if (f->has_sales_starts && f->has_sales_ends &&
	    f->sales_ends_at <= f->sales_starts_at)
		return field_fail(req, ZT_EINVALID, "salesEndsAt",
		    "must be after salesStartsAt");
	return ZT_OK;
}

const char *
zt_event_transition(const char *status, const char *action, const char **why)
{
	int draft = strcmp(status, "draft") == 0;
	int published = strcmp(status, "published") == 0;
	*why = NULL;
	if (strcmp(action, "publish") == 0) {
		if (draft)
			return "published";
		*why = published ? "the event is already published"
				 : "a cancelled or completed event cannot be "
				   "published again";
	} else if (strcmp(action, "cancel") == 0) {
		if (draft || published)
			return "cancelled";
		*why = "only a draft or a published event can be cancelled";
	} else if (strcmp(action, "delete") == 0) {
		if (draft)
			return status;
		*why = "only drafts can be deleted; cancel a published event "
		       "instead";
	} else if (strcmp(action, "edit") == 0) {
		if (draft || published)
			return status;
		*why = "a cancelled or completed event cannot be changed";
	} else {
		*why = "unknown action";
	}
	return NULL;
}

/* ---- rows and JSON ---- */

static int64_t
num(const PGresult *r, int i, int c)
{
	return strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* An event row (EVENT_COLS) as JSON; the public form leaves out the
 * bookkeeping. */
static struct json_object *
event_json(const PGresult *r, int i, int public)
{
	struct json_object *o = json_object_new_object(), *rp, *tags;
	json_object_object_add(
	    o, "id", json_object_new_string(PQgetvalue(r, i, C_ID)));
	if (!public)
		json_object_object_add(o, "tenantId",
		    json_object_new_string(PQgetvalue(r, i, C_TENANT)));
	json_object_object_add(
	    o, "slug", json_object_new_string(PQgetvalue(r, i, C_SLUG)));
	json_object_object_add(
	    o, "title", json_object_new_string(PQgetvalue(r, i, C_TITLE)));
	json_object_object_add(
	    o, "description", json_object_new_string(PQgetvalue(r, i, C_DESC)));
	json_object_object_add(
	    o, "category", zt_json_nullable(zt_db_val(r, i, C_CATEGORY)));
	tags = json_tokener_parse(PQgetvalue(r, i, C_TAGS));
	json_object_object_add(
	    o, "tags", tags ? tags : json_object_new_array());
	json_object_object_add(
	    o, "city", zt_json_nullable(zt_db_val(r, i, C_CITY)));
	json_object_object_add(
	    o, "venueName", zt_json_nullable(zt_db_val(r, i, C_VENUE)));
	json_object_object_add(
	    o, "venueAddress", zt_json_nullable(zt_db_val(r, i, C_ADDRESS)));
	json_object_object_add(
	    o, "startsAt", zt_json_epoch(zt_db_val(r, i, C_STARTS)));
	json_object_object_add(
	    o, "endsAt", zt_json_epoch(zt_db_val(r, i, C_ENDS)));
	json_object_object_add(
	    o, "timezone", json_object_new_string(PQgetvalue(r, i, C_TZ)));
	json_object_object_add(
	    o, "posterUrl", zt_json_nullable(zt_db_val(r, i, C_POSTER)));
	json_object_object_add(
	    o, "status", json_object_new_string(PQgetvalue(r, i, C_STATUS)));
	json_object_object_add(
	    o, "publishedAt", zt_json_epoch(zt_db_val(r, i, C_PUBLISHED)));
	json_object_object_add(
	    o, "salesStartsAt", zt_json_epoch(zt_db_val(r, i, C_SALES_STARTS)));
	json_object_object_add(
	    o, "salesEndsAt", zt_json_epoch(zt_db_val(r, i, C_SALES_ENDS)));
	json_object_object_add(
	    o, "perUserLimit", json_object_new_int64(num(r, i, C_PER_USER)));
	rp = json_object_new_object();
	json_object_object_add(
	    rp, "type", json_object_new_string(PQgetvalue(r, i, C_REFUND)));
	if (zt_db_val(r, i, C_CUTOFF) != NULL)
		json_object_object_add(rp, "cutoffHours",
		    json_object_new_int64(num(r, i, C_CUTOFF)));
	if (zt_db_val(r, i, C_FEE_PAISE) != NULL)
		json_object_object_add(rp, "feePaise",
		    json_object_new_int64(num(r, i, C_FEE_PAISE)));
	if (zt_db_val(r, i, C_FEE_BPS) != NULL)
		json_object_object_add(
		    rp, "feeBps", json_object_new_int64(num(r, i, C_FEE_BPS)));
	json_object_object_add(o, "refundPolicy", rp);
	json_object_object_add(
	    o, "layoutKind", json_object_new_string(PQgetvalue(r, i, C_KIND)));
	if (!public) {
		json_object_object_add(
		    o, "createdAt", zt_json_epoch(zt_db_val(r, i, C_CREATED)));
		json_object_object_add(
		    o, "updatedAt", zt_json_epoch(zt_db_val(r, i, C_UPDATED)));
	}
	return o;
}

/* SALES_COLS starting at column c as {"sales": …} on o. */
static void
add_sales(struct json_object *o, const PGresult *r, int i, int c)
{
	struct json_object *s = json_object_new_object();
	json_object_object_add(
	    s, "ticketsLive", json_object_new_int64(num(r, i, c)));
	json_object_object_add(
	    s, "ticketsCheckedIn", json_object_new_int64(num(r, i, c + 1)));
	json_object_object_add(
	    s, "livePaise", json_object_new_int64(num(r, i, c + 2)));
	json_object_object_add(
	    s, "capacity", json_object_new_int64(num(r, i, c + 3)));
	json_object_object_add(o, "sales", s);
	/* set while a platform admin keeps the event out of the catalogue */
	json_object_object_add(o, "unlistedReason",
	    zt_db_val(r, i, c + 4)
		? json_object_new_string(PQgetvalue(r, i, c + 4))
		: NULL);
}

/* A stored event row back into fields (strings borrow from r). */
static void
fields_from_row(const PGresult *r, struct zt_event_fields *f)
{
	zt_event_defaults(f);
	f->slug = PQgetvalue(r, 0, C_SLUG);
	f->title = PQgetvalue(r, 0, C_TITLE);
	f->description = PQgetvalue(r, 0, C_DESC);
	f->category = zt_db_val(r, 0, C_CATEGORY);
	f->tags_json = PQgetvalue(r, 0, C_TAGS);
	f->city = zt_db_val(r, 0, C_CITY);
	f->venue_name = zt_db_val(r, 0, C_VENUE);
	f->venue_address = zt_db_val(r, 0, C_ADDRESS);
	f->starts_at = num(r, 0, C_STARTS);
	f->ends_at = num(r, 0, C_ENDS);
	f->timezone = PQgetvalue(r, 0, C_TZ);
	f->poster_url = zt_db_val(r, 0, C_POSTER);
	if ((f->has_sales_starts = zt_db_val(r, 0, C_SALES_STARTS) != NULL))
		f->sales_starts_at = num(r, 0, C_SALES_STARTS);
	if ((f->has_sales_ends = zt_db_val(r, 0, C_SALES_ENDS) != NULL))
		f->sales_ends_at = num(r, 0, C_SALES_ENDS);
	f->per_user_limit = num(r, 0, C_PER_USER);
	f->refund_policy = PQgetvalue(r, 0, C_REFUND);
	if ((f->has_cutoff = zt_db_val(r, 0, C_CUTOFF) != NULL))
		f->refund_cutoff_hours = num(r, 0, C_CUTOFF);
	if ((f->has_fee_paise = zt_db_val(r, 0, C_FEE_PAISE) != NULL))
		f->refund_fee_paise = num(r, 0, C_FEE_PAISE);
	if ((f->has_fee_bps = zt_db_val(r, 0, C_FEE_BPS) != NULL))
		f->refund_fee_bps = num(r, 0, C_FEE_BPS);
	f->layout_kind = PQgetvalue(r, 0, C_KIND);
}

/* fields as the 20 parameters $3…$22 of q_insert / q_update, into p */
static void
field_params(
    struct zt_req *req, const struct zt_event_fields *f, const char **p)
{
	char *t;
	p[0] = f->slug;
	p[1] = f->title;
	p[2] = f->description;
	p[3] = f->category;
	p[4] = f->tags_json;
	p[5] = f->city;
	p[6] = f->venue_name;
	p[7] = f->venue_address;
	p[8] = zt_time_format(
	    f->starts_at, zt_arena_alloc(req->arena, ZT_TIME_LEN));
	p[9] =
	    zt_time_format(f->ends_at, zt_arena_alloc(req->arena, ZT_TIME_LEN));
	p[10] = f->timezone;
	p[11] = f->poster_url;
	t = zt_arena_alloc(req->arena, ZT_TIME_LEN);
	p[12] =
	    f->has_sales_starts ? zt_time_format(f->sales_starts_at, t) : NULL;
	t = zt_arena_alloc(req->arena, ZT_TIME_LEN);
	p[13] = f->has_sales_ends ? zt_time_format(f->sales_ends_at, t) : NULL;
	p[14] =
	    zt_arena_printf(req->arena, "%lld", (long long)f->per_user_limit);
	p[15] = f->refund_policy;
	int before = strcmp(f->refund_policy, "before_start") == 0;
	p[16] = before && f->has_cutoff ? zt_arena_printf(req->arena, "%lld",
					      (long long)f->refund_cutoff_hours)
					: NULL;
	p[17] = before && f->has_fee_paise ? zt_arena_printf(req->arena, "%lld",
						 (long long)f->refund_fee_paise)
					   : NULL;
	p[18] = before && f->has_fee_bps ? zt_arena_printf(req->arena, "%lld",
					       (long long)f->refund_fee_bps)
					 : NULL;
	p[19] = f->layout_kind;
}

/* 422 when PostgreSQL does not know the zone. */
static enum zt_err
check_timezone(struct zt_req *req, const char *tz)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {tz};
	PGresult *r;
	if (strcmp(tz, DEFAULT_TZ) == 0 || strcmp(tz, "UTC") == 0)
		return ZT_OK;
	if ((r = zt_db_exec(req, &err, &q_tz, p)) == NULL)
		return zt_fail_error(req, &err);
	if (*PQgetvalue(r, 0, 0) != 't')
		return field_fail(req, ZT_EINVALID, "timezone",
		    "is not a time zone we know; use a name such as "
		    "Asia/Kolkata");
	return ZT_OK;
}

static enum zt_err
slug_taken(struct zt_req *req, const char *slug)
{
	zt_fail_detail(req, "field", json_object_new_string("slug"));
	return zt_fail(req, ZT_ECONFLICT, "slug_taken",
	    "another event of yours already uses the slug '%s'", slug);
}

static enum zt_err
not_found(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "event_not_found", "no such event");
}

/*
 * The caller's own event with sales as JSON (with its layout when full),
 * released when the request ends.
 */
static enum zt_err
own_event(
    struct zt_req *req, const char *id, int full, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id};
	PGresult *r;
	struct json_object *o;
	enum zt_err e;
	if ((r = zt_db_exec(req, &err, &q_own, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return not_found(req);
	o = zt_json_defer_put(req, event_json(r, 0, 0));
	add_sales(o, r, 0, C__COUNT);
	if (full &&
	    (e = zt_layout_json(req, id, ZT_LAYOUT_ORGANIZER, o)) != ZT_OK)
		return e;
	*out = o;
	return ZT_OK;
}

/*
 * The end of every change: audit it, read the event back, commit.
 * *out (the caller's) is the event; details are taken over.
 */
static enum zt_err
finish(struct zt_req *req, const char *id, const char *action,
    struct json_object *details, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *o;
	enum zt_err e;
	if ((e = zt_audit(req, action,
		 zt_arena_printf(req->arena, "event:%s", id), details)) !=
		ZT_OK ||
	    (e = own_event(req, id, 0, &o)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_salemap_touch(req, id);
	*out = json_object_get(o);
	return ZT_OK;
}

/* Lock the caller's event; 404 when it is not theirs. */
static enum zt_err
lock_own(struct zt_req *req, const char *id, PGresult **row)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id};
	if (!zt_is_uuid(id))
		return not_found(req);
	if ((*row = zt_db_exec(req, &err, &q_own_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(*row) == 0)
		return not_found(req);
	return ZT_OK;
}

/* The keys of doc as a JSON array (what an update touched). */
static struct json_object *
keys_of(struct json_object *doc)
{
	struct json_object *a = json_object_new_array();
	json_object_object_foreach(doc, k, v)
	{
		(void)v;
		json_object_array_add(a, json_object_new_string(k));
	}
	return a;
}

/* ---- organizer endpoints ---- */

enum zt_err
zt_event_create(
    struct zt_req *req, struct json_object *doc, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_event_fields f;
	char id[ZT_UUID_BUF], base[ZT_SLUG_EVENT_MAX + 1],
	    slug[ZT_SLUG_EVENT_MAX + 1];
	const char *p[22];
	unsigned set;
	PGresult *r = NULL;
	enum zt_err e;

	zt_event_defaults(&f);
	if ((e = zt_event_apply(req, doc, &f, 1, &set)) != ZT_OK ||
	    (e = zt_event_validate(req, &f, (int64_t)time(NULL), 1)) != ZT_OK)
		return e;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = check_timezone(req, f.timezone)) != ZT_OK)
		return e;
	if (f.slug == NULL &&
	    zt_slug_derive(f.title, base, ZT_SLUG_EVENT_MAX) != 0)
		snprintf(base, sizeof(base), "%s", "event");
	zt_uuid_new(id);
	p[0] = id;
	p[1] = req->tenant_id;
	for (unsigned n = 1; n <= SLUG_TRIES; n++) {
		if (f.slug == NULL) {
			zt_slug_next(base, n, slug, ZT_SLUG_EVENT_MAX);
			f.slug = slug;
		}
		field_params(req, &f, p + 2);
		if ((r = zt_db_exec(req, &err, &q_insert, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 1)
			break;
		if (f.slug != slug)
			return slug_taken(req, f.slug);
		f.slug = NULL;
	}
	if (PQntuples(r) != 1)
		return slug_taken(req, slug);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "title", json_object_new_string(f.title));
	return finish(req, id, "event.created", d, out);
}

enum zt_err
zt_event_update(struct zt_req *req, const char *id, struct json_object *doc,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_event_fields f;
	const char *p[22], *why, *old_slug;
	unsigned set;
	PGresult *row, *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = lock_own(req, id, &row)) != ZT_OK)
		return e;
	const char *status = PQgetvalue(row, 0, C_STATUS);
	if (zt_event_transition(status, "edit", &why) == NULL)
		return zt_fail(req, ZT_ECONFLICT, "event_closed", "%s", why);
	fields_from_row(row, &f);
	old_slug = f.slug;
	int64_t old_starts = f.starts_at;
	/* a start that moves must be in the future; resending the stored one
	 * (a client that PATCHes the whole event) is no move */
	if ((e = zt_event_apply(req, doc, &f, 0, &set)) != ZT_OK ||
	    (e = zt_event_validate(req, &f, (int64_t)time(NULL),
		 (set & ZT_EF_STARTS) && f.starts_at != old_starts)) != ZT_OK)
		return e;
	if (strcmp(status, "draft") != 0) {
		const char *locked =
		    (set & ZT_EF_SLUG) && strcmp(f.slug, old_slug) != 0 ? "slug"
		    : (set & ZT_EF_LAYOUT_KIND) &&
			    strcmp(f.layout_kind, PQgetvalue(row, 0, C_KIND)) !=
				0
			? "layoutKind"
			: NULL;
		if (locked != NULL) {
			zt_fail_detail(
			    req, "field", json_object_new_string(locked));
			return zt_fail(req, ZT_ECONFLICT, "event_published",
			    "field '%s' cannot change once the event is "
			    "published",
			    locked);
		}
	}
	if ((set & ZT_EF_TIMEZONE) &&
	    (e = check_timezone(req, f.timezone)) != ZT_OK)
		return e;
	if ((set & ZT_EF_SLUG) && strcmp(f.slug, old_slug) != 0) {
		p[0] = req->tenant_id;
		p[1] = f.slug;
		p[2] = id;
		if ((r = zt_db_exec(req, &err, &q_slug_taken, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) > 0)
			return slug_taken(req, f.slug);
	}
	p[0] = id;
	p[1] = req->tenant_id;
	field_params(req, &f, p + 2);
	if (zt_db_exec(req, &err, &q_update, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "fields", keys_of(doc));
	return finish(req, id, "event.updated", d, out);
}

enum zt_err
zt_event_delete(struct zt_req *req, const char *id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {id, req->tenant_id}, *why;
	PGresult *row;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = lock_own(req, id, &row)) != ZT_OK)
		return e;
	if (zt_event_transition(PQgetvalue(row, 0, C_STATUS), "delete", &why) ==
	    NULL)
		return zt_fail(req, ZT_ECONFLICT, "not_a_draft", "%s", why);
	if (zt_db_exec(req, &err, &q_delete, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = json_object_new_object();
	json_object_object_add(
	    d, "title", json_object_new_string(PQgetvalue(row, 0, C_TITLE)));
	json_object_object_add(
	    d, "slug", json_object_new_string(PQgetvalue(row, 0, C_SLUG)));
	if ((e = zt_audit(req, "event.deleted",
		 zt_arena_printf(req->arena, "event:%s", id), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* Publishing needs a complete layout, a tenant not suspended, and time. */
static enum zt_err
may_publish(struct zt_req *req, const char *id, const PGresult *row)
{
	long sellable, seats, types;
	const char *why;
	enum zt_err e;

	if (strcmp(PQgetvalue(row, 0, C__COUNT), "suspended") == 0)
		return zt_fail(req, ZT_ECONFLICT, "tenant_suspended",
		    "this organization is suspended and cannot publish");
	if (num(row, 0, C_ENDS) <= (int64_t)time(NULL))
		return zt_fail(req, ZT_ECONFLICT, "event_over",
		    "the event has already ended; move endsAt first");
	if ((e = zt_layout_counts(req, id, &sellable, &seats, &types)) != ZT_OK)
		return e;
	why = zt_layout_unpublishable(
	    PQgetvalue(row, 0, C_KIND), sellable, seats, types);
	if (why != NULL)
		return zt_fail(req, ZT_ECONFLICT, "layout_incomplete",
		    "cannot publish a %s event yet: %s",
		    PQgetvalue(row, 0, C_KIND), why);
	return ZT_OK;
}

enum zt_err
zt_event_change_state(struct zt_req *req, const char *id, const char *action,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3], *why, *next;
	PGresult *row;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK ||
	    (e = lock_own(req, id, &row)) != ZT_OK)
		return e;
	const char *status = PQgetvalue(row, 0, C_STATUS);
	if ((next = zt_event_transition(status, action, &why)) == NULL)
		return zt_fail(req, ZT_ECONFLICT, "invalid_transition",
		    "cannot %s: %s", action, why);
	if (strcmp(action, "publish") == 0 &&
	    (e = may_publish(req, id, row)) != ZT_OK)
		return e;
	p[0] = id;
	p[1] = req->tenant_id;
	p[2] = next;
	if (zt_db_exec(req, &err, &q_status, p) == NULL)
		return zt_fail_error(req, &err);
	if ((e = zt_whout_event(req, req->tenant_id,
		 strcmp(action, "publish") == 0 ? "event.published"
						: "event.cancelled",
		 "eventId", id, NULL)) != ZT_OK)
		return e;
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "from", json_object_new_string(status));
	json_object_object_add(d, "to", json_object_new_string(next));
	if ((e = finish(req, id,
		 strcmp(action, "publish") == 0 ? "event.published"
						: "event.cancelled",
		 d, out)) != ZT_OK)
		return e;
	/* listed: shown in the public catalogue (needs an approved tenant) */
	json_object_object_add(*out, "listed",
	    json_object_new_boolean(
		strcmp(next, "published") == 0 &&
		strcmp(PQgetvalue(row, 0, C__COUNT), "active") == 0));
	return ZT_OK;
}

/* A whole-number query parameter; 400 naming it. */
static enum zt_err
query_int(struct zt_req *req, const char *name, long min, long max, long *out)
{
	const char *s = zt_query(req, name);
	char *end;
	long v;
	if (s == NULL)
		return ZT_OK;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter '%s' must be a whole number from %ld to "
		    "%ld",
		    name, min, max);
	*out = v;
	return ZT_OK;
}

/* A text query parameter of at most max bytes; "" is absent. */
static enum zt_err
query_str(struct zt_req *req, const char *name, size_t max, const char **out)
{
	const char *s = zt_query(req, name);
	*out = NULL;
	if (s == NULL || *s == '\0')
		return ZT_OK;
	if (strlen(s) > max)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter '%s' must be at most %zu characters", name,
		    max);
	*out = s;
	return ZT_OK;
}

enum zt_err
zt_event_mine(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *status = NULL, *p[4];
	long limit = 50, offset = 0;
	struct json_object *list;
	PGresult *r;
	enum zt_err e;

	if ((e = query_str(req, "status", 16, &status)) != ZT_OK ||
	    (e = query_int(req, "limit", 1, 200, &limit)) != ZT_OK ||
	    (e = query_int(req, "offset", 0, 100000, &offset)) != ZT_OK)
		return e;
	if (status != NULL && strcmp(status, "draft") != 0 &&
	    strcmp(status, "published") != 0 &&
	    strcmp(status, "cancelled") != 0 &&
	    strcmp(status, "completed") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'status' must be draft, published, "
		    "cancelled or completed");
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = status;
	p[2] = zt_arena_printf(req->arena, "%ld", limit + 1);
	p[3] = zt_arena_printf(req->arena, "%ld", offset);
	if ((r = zt_db_exec(req, &err, &q_mine, p)) == NULL)
		return zt_fail_error(req, &err);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(r) && i < limit; i++) {
		struct json_object *o = event_json(r, i, 0);
		add_sales(o, r, i, C__COUNT);
		json_object_array_add(list, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "events", list);
	json_object_object_add(*out, "next",
	    PQntuples(r) > limit ? json_object_new_int64(offset + limit)
				 : NULL);
	return ZT_OK;
}

enum zt_err
zt_event_mine_one(struct zt_req *req, const char *id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	enum zt_err e;
	if ((e = zt_team_begin(req, ZT_ROLE_SCANNER, NULL)) != ZT_OK)
		return e;
	if (!zt_is_uuid(id))
		return not_found(req);
	struct json_object *o;
	if ((e = own_event(req, id, 1, &o)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_get(o);
	return ZT_OK;
}

/* ---- the public catalogue ---- */

/* Begin a transaction that sees only what the public sees; on the read
 * replica when there is one and the caller may lag (the catalogue).  The
 * event page stays on the primary: it is cached under the map version in
 * Redis, which may run ahead of a replica (docs/scale.md). */
static enum zt_err
begin_public(struct zt_req *req, int replica_ok)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (replica_ok) {
		if (zt_db_begin_replica(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return ZT_OK;
	}
	if (zt_db_begin(req, &err) != ZT_OK ||
	    zt_db_scope_public(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

/* "from"/"to": RFC 3339, as a timestamp parameter (arena) or NULL. */
static enum zt_err
query_time(struct zt_req *req, const char *name, const char **out)
{
	const char *s = zt_query(req, name);
	int64_t t;
	*out = NULL;
	if (s == NULL || *s == '\0')
		return ZT_OK;
	if (zt_time_parse(s, &t) != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter '%s' must be an RFC 3339 date-time such "
		    "as 2026-11-22T00:00:00+05:30",
		    name);
	*out = zt_time_format(t, zt_arena_alloc(req->arena, ZT_TIME_LEN));
	return ZT_OK;
}

/* cursor "<epoch seconds>_<event id>": the last event of the page */
static enum zt_err
query_cursor(struct zt_req *req, const char **when, const char **id)
{
	const char *s = zt_query(req, "cursor");
	const char *us;
	char *end;
	long long t;
	*when = *id = NULL;
	if (s == NULL || *s == '\0')
		return ZT_OK;
	us = strchr(s, '_');
	errno = 0;
	t = strtoll(s, &end, 10);
	if (us == NULL || end != us || errno != 0 || t < 0 ||
	    !zt_is_uuid(us + 1))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'cursor' must be a 'next' value from an "
		    "earlier page");
	*when =
	    zt_time_format((int64_t)t, zt_arena_alloc(req->arena, ZT_TIME_LEN));
	*id = us + 1;
	return ZT_OK;
}

enum zt_err
zt_event_catalogue(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[9], *tenant;
	long limit = 20;
	struct json_object *list, *next = NULL;
	PGresult *r;
	enum zt_err e;

	if ((e = query_str(req, "q", 100, &p[0])) != ZT_OK ||
	    (e = query_str(req, "city", 100, &p[1])) != ZT_OK ||
	    (e = query_str(req, "category", 50, &p[2])) != ZT_OK ||
	    (e = query_time(req, "from", &p[3])) != ZT_OK ||
	    (e = query_time(req, "to", &p[4])) != ZT_OK ||
	    (e = query_str(req, "tenant", ZT_SLUG_TENANT_MAX, &tenant)) !=
		ZT_OK ||
	    (e = query_cursor(req, &p[6], &p[7])) != ZT_OK ||
	    (e = query_int(req, "limit", 1, ZT_EVENT_PAGE_MAX, &limit)) !=
		ZT_OK)
		return e;
	if (tenant != NULL) {
		char *low = zt_arena_strdup(req->arena, tenant);
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		tenant = low;
	}
	p[5] = tenant;
	p[8] = zt_arena_printf(req->arena, "%ld", limit + 1);
	if ((e = begin_public(req, 1)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_catalogue, p)) == NULL)
		return zt_fail_error(req, &err);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	list = json_object_new_array();
	int n = PQntuples(r) < limit ? PQntuples(r) : (int)limit;
	for (int i = 0; i < n; i++) {
		struct json_object *o = event_json(r, i, 1);
		json_object_object_add(
		    o, "tenant", zt_tenant_public_json(r, i, C__COUNT));
		const char *from = zt_db_val(r, i, C__COUNT + 6);
		json_object_object_add(o, "priceFromPaise",
		    from ? json_object_new_int64(strtoll(from, NULL, 10))
			 : NULL);
		json_object_array_add(list, o);
	}
	if (PQntuples(r) > limit)
		next = json_object_new_string(zt_arena_printf(req->arena,
		    "%s_%s", PQgetvalue(r, n - 1, C_STARTS),
		    PQgetvalue(r, n - 1, C_ID)));
	*out = json_object_new_object();
	json_object_object_add(*out, "events", list);
	json_object_object_add(*out, "next", next);
	return ZT_OK;
}

/* The public answers this process built last (zt_event.h). */
static struct public_slot {
	char event_id[ZT_UUID_BUF]; /* "" when free */
	char map_ver[24];
	long long built_ms;
	char *text; /* malloc'd; NULL when gz is kept instead */
	size_t len;
	char etag[48];
	unsigned char *gz; /* the text gzipped (malloc'd), or NULL */
	size_t gz_len;
	char gz_etag[48];
} kept[ZT_EVENT_PUBLIC_SLOTS];

static struct public_slot *
kept_slot(const char *event_id)
{
	struct public_slot *oldest = &kept[0];
	for (int i = 0; i < ZT_EVENT_PUBLIC_SLOTS; i++) {
		if (strcmp(kept[i].event_id, event_id) == 0)
			return &kept[i];
		if (kept[i].built_ms < oldest->built_ms)
			oldest = &kept[i];
	}
	return oldest;
}

/* The kept answer of slot k, for sending (zt_etag_send inflates a gzip-only
 * one for a client that does not take gzip). */
static void
kept_answer(struct zt_req *req, const struct public_slot *k,
    struct zt_public_answer *out)
{
	out->text = k->text;
	out->len = k->len;
	out->etag = zt_arena_strdup(req->arena, k->etag);
	out->gz = (const char *)k->gz;
	out->gz_len = k->gz_len;
	out->gz_etag = k->gz ? zt_arena_strdup(req->arena, k->gz_etag) : NULL;
}

/*
 * Keep a built answer in its event's slot (or the oldest one).  A big one
 * is kept gzipped only (a 30,000-seat venue's 2.75 MB page is 0.79 MB: a
 * process keeps a quarter of the bytes, docs/benchmarks.md, section 25),
 * compressed once here rather than by nginx per request, and inflated for
 * the rare client that does not take gzip; a small one (not worth
 * compressing) as text.  out then sends the built text and the gzip.
 */
static void
keep(struct zt_req *req, const char *event_id, const char *map_ver,
    struct zt_public_answer *out)
{
	struct public_slot *k = kept_slot(event_id);
	unsigned char *gz;
	size_t gz_len = 0;
	char *copy = NULL;
	if (strcmp(map_ver, "?") == 0 || strlen(out->etag) >= sizeof(k->etag))
		return;
	gz = zt_etag_gzip(out->text, out->len, &gz_len);
	if (gz == NULL) {
		if ((copy = malloc(out->len + 1)) == NULL)
			return;
		memcpy(copy, out->text, out->len + 1);
	}
	free(k->text);
	free(k->gz);
	snprintf(k->event_id, sizeof(k->event_id), "%s", event_id);
	snprintf(k->map_ver, sizeof(k->map_ver), "%s", map_ver);
	snprintf(k->etag, sizeof(k->etag), "%s", out->etag);
	k->text = copy;
	k->len = out->len;
	k->gz = gz;
	k->gz_len = gz_len;
	if (gz != NULL)
		snprintf(k->gz_etag, sizeof(k->gz_etag), "%s",
		    zt_etag_of(req, (const char *)gz, gz_len));
	k->built_ms = zt_time_mono_ms();
	/* this request still has the text it built */
	out->gz = (const char *)k->gz;
	out->gz_len = k->gz_len;
	out->gz_etag = k->gz ? zt_arena_strdup(req->arena, k->gz_etag) : NULL;
}

enum zt_err
zt_event_public(struct zt_req *req, const char *id_or_tenant,
    const char *event_slug, struct zt_public_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2];
	PGresult *r;
	struct json_object *o;
	struct public_slot *k;
	char ver[24];
	enum zt_err e;

	if (event_slug == NULL && !zt_is_uuid(id_or_tenant))
		return not_found(req);
	if ((e = begin_public(req, 0)) != ZT_OK)
		return e;
	if (event_slug == NULL) {
		p[0] = id_or_tenant;
		r = zt_db_exec(req, &err, &q_public_id, p);
	} else {
		char *t = zt_arena_strdup(req->arena, id_or_tenant);
		char *s = zt_arena_strdup(req->arena, event_slug);
		for (char *c = t; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (char *c = s; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		p[0] = t;
		p[1] = s;
		r = zt_db_exec(req, &err, &q_public_slug, p);
	}
	if (r == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return not_found(req);
	const char *id = PQgetvalue(r, 0, C_ID);

	/* read before building: a change committed meanwhile bumps it past
	 * what is kept */
	zt_salemap_version(req, id, ver, sizeof(ver));
	k = kept_slot(id);
	if (strcmp(k->event_id, id) == 0 && strcmp(k->map_ver, ver) == 0 &&
	    zt_time_mono_ms() - k->built_ms < ZT_EVENT_PUBLIC_FRESH_MS) {
		kept_answer(req, k, out);
		if (zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return ZT_OK;
	}

	o = zt_json_defer_put(req, event_json(r, 0, 1));
	json_object_object_add(
	    o, "tenant", zt_tenant_public_json(r, 0, C__COUNT));
	/*
	 * The layout is public, but read through the tenant's own policy (the
	 * event was just read as public, and its children are its tenant's
	 * rows): the public_read policy runs a function per row, a second of
	 * PostgreSQL for a 30,000-seat venue.  Counting sold seats needs that
	 * scope anyway, for this one public event only.
	 */
	if (zt_db_scope_tenant(req, &err, PQgetvalue(r, 0, C_TENANT), "") !=
	    ZT_OK)
		return zt_fail_error(req, &err);
	if ((e = zt_layout_json(req, id, ZT_LAYOUT_AVAILABILITY, o)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	memset(out, 0, sizeof(*out));
	out->text = zt_json_text(req, o, &out->len);
	out->etag = zt_etag_of(req, out->text, out->len);
	keep(req, id, ver, out);
	/* a venue's page is tens of megabytes of JSON objects while built */
	if (out->len > (1u << 20))
		req->trim_heap = 1;
	return ZT_OK;
}
