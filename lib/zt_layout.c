/* zt_layout.c - storing and reading layouts; see zt_layout.h. */
#include "zt_layout.h"
#include "zt_salemap.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_seatmap.h"
#include "zt_team.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct zt_sql q_lock_event = ZT_SQL("layout_lock_event",
    "SELECT status, layout_kind, extract(epoch FROM ends_at)::bigint"
    " FROM events WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
    2);
/* FOR UPDATE conflicts with the FOR KEY SHARE a ticket insert takes on its
 * seat / ticket type: bookings committing now finish first, later ones
 * wait for this transaction */
static struct zt_sql q_lock_rows = ZT_SQL("layout_lock_rows",
    "WITH s AS (SELECT 1 FROM seats WHERE event_id = $1 FOR UPDATE),"
    " t AS (SELECT 1 FROM ticket_types WHERE event_id = $1 FOR UPDATE)"
    " SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM t)",
    1);
/* the seats there are now, with what the new layout must respect */
static struct zt_sql q_current_seats = ZT_SQL("layout_current_seats",
    "SELECT s.id, s.section, s.row_label, s.seat_label, s.x, s.y, pc.name,"
    " pc.price_paise, s.blocked, s.accessible,"
    " EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = s.event_id"
    "   AND t.seat_id = s.id AND t.status = 'live'),"
    " EXISTS (SELECT 1 FROM tickets t WHERE t.seat_id = s.id)"
    " FROM seats s JOIN price_categories pc"
    "  ON pc.event_id = $1 AND pc.id = s.price_category_id"
    " WHERE s.event_id = $1 ORDER BY s.section, s.row_label, s.seat_label",
    1);
static struct zt_sql q_type_conflicts = ZT_SQL("layout_type_conflicts",
    "WITH n AS (SELECT * FROM jsonb_to_recordset($2::jsonb)"
    "   AS n(n text, cap int))"
    " SELECT tt.name, tt.sold, CASE WHEN n.n IS NULL THEN 'removed'"
    "   ELSE 'capacity' END"
    " FROM ticket_types tt LEFT JOIN n ON n.n = tt.name"
    " WHERE tt.event_id = $1 AND ((n.n IS NULL AND (tt.sold > 0 OR EXISTS"
    "   (SELECT 1 FROM tickets t WHERE t.event_id = tt.event_id"
    "     AND t.ticket_type_id = tt.id))) OR n.cap < tt.sold)"
    " ORDER BY 1 LIMIT 50",
    2);
static struct zt_sql q_upsert_cats = ZT_SQL("layout_upsert_cats",
    "INSERT INTO price_categories (tenant_id, event_id, name, price_paise,"
    " colour, sort_order)"
    " SELECT $1::uuid, $2::uuid, c.n, c.p, c.c, c.o"
    " FROM jsonb_to_recordset($3::jsonb) AS c(n text, p bigint, c text, o int)"
    " ON CONFLICT (event_id, name) DO UPDATE SET"
    " price_paise = excluded.price_paise, colour = excluded.colour,"
    " sort_order = excluded.sort_order",
    3);
/* only the seats that are new or changed are sent */
static struct zt_sql q_upsert_seats = ZT_SQL("layout_upsert_seats",
    "INSERT INTO seats (tenant_id, event_id, section, row_label, seat_label,"
    " x, y, price_category_id, blocked, accessible)"
    " SELECT $1::uuid, $2::uuid, n.s, n.r, n.l, n.x, n.y, pc.id, n.b, n.a"
    " FROM jsonb_to_recordset($3::jsonb) AS n(s text, r text, l text,"
    "   x real, y real, c text, b boolean, a boolean)"
    " JOIN price_categories pc ON pc.event_id = $2::uuid AND pc.name = n.c"
    " ON CONFLICT (event_id, section, row_label, seat_label) DO UPDATE SET"
    " x = excluded.x, y = excluded.y,"
    " price_category_id = excluded.price_category_id,"
    " blocked = excluded.blocked, accessible = excluded.accessible",
    3);
static struct zt_sql q_delete_seats = ZT_SQL("layout_delete_seats",
    "DELETE FROM seats WHERE event_id = $1 AND id = ANY ($2::uuid[])", 2);
static struct zt_sql q_delete_cats = ZT_SQL("layout_delete_cats",
    "DELETE FROM price_categories pc WHERE pc.event_id = $1 AND pc.name <>"
    " ALL (SELECT c.n FROM jsonb_to_recordset($2::jsonb) AS c(n text))",
    2);
static struct zt_sql q_upsert_types = ZT_SQL("layout_upsert_types",
    "INSERT INTO ticket_types (tenant_id, event_id, name, description,"
    " price_paise, capacity, per_order_limit, sales_starts_at,"
    " sales_ends_at, sort_order)"
    " SELECT $1::uuid, $2::uuid, t.n, t.d, t.p, t.cap, t.lim, t.ss, t.se, t.o"
    " FROM jsonb_to_recordset($3::jsonb) AS t(n text, d text, p bigint,"
    "   cap int, lim int, ss timestamptz, se timestamptz, o int)"
    " ON CONFLICT (event_id, name) DO UPDATE SET"
    " description = excluded.description,"
    " price_paise = excluded.price_paise, capacity = excluded.capacity,"
    " per_order_limit = excluded.per_order_limit,"
    " sales_starts_at = excluded.sales_starts_at,"
    " sales_ends_at = excluded.sales_ends_at,"
    " sort_order = excluded.sort_order",
    3);
static struct zt_sql q_delete_types = ZT_SQL("layout_delete_types",
    "DELETE FROM ticket_types tt WHERE tt.event_id = $1 AND tt.name <>"
    " ALL (SELECT t.n FROM jsonb_to_recordset($2::jsonb) AS t(n text))",
    2);
static struct zt_sql q_set_kind = ZT_SQL("layout_set_kind",
    "UPDATE events SET layout_kind = $3 WHERE id = $1 AND tenant_id = $2", 3);

static struct zt_sql q_cats = ZT_SQL("layout_cats",
    "SELECT id, name, price_paise, colour FROM price_categories"
    " WHERE event_id = $1 ORDER BY sort_order, name",
    1);
/*
 * Sections in the order they appear top to bottom, rows likewise, then x
 * and the label: the order seats.display_rank keeps (sql/032_seat_rank.sql,
 * ranked again by triggers whenever seats move), so the rows are not
 * sorted on text.  Whether each seat is sold is read for every reader:
 * the public page counts its availability from these rows rather than a
 * second pass over the seats (layout_seats 65-75 -> about 10 ms, and the
 * 18 ms count gone: docs/benchmarks.md, section 25).  t.event_id = $1
 * keeps the sold seats looked up among this event's live tickets only.
 */
static struct zt_sql q_seats = ZT_SQL("layout_seats",
    "SELECT s.id, s.section, s.row_label, s.seat_label, s.x::text,"
    " s.y::text, pc.name, s.blocked, s.accessible,"
    " EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = $1"
    "   AND t.seat_id = s.id AND t.status = 'live')"
    " FROM seats s"
    " JOIN price_categories pc"
    "  ON pc.event_id = $1 AND pc.id = s.price_category_id"
    " WHERE s.event_id = $1"
    " ORDER BY s.display_rank",
    1);
static struct zt_sql q_types = ZT_SQL("layout_types",
    "SELECT id, name, description, price_paise, capacity, sold,"
    " per_order_limit, extract(epoch FROM sales_starts_at)::bigint,"
    " extract(epoch FROM sales_ends_at)::bigint"
    " FROM ticket_types WHERE event_id = $1"
    /* a hidden type is for organizers and the code's holders only
     * (POST /api/events/:id/unlock, docs/commerce.md) */
    " AND ($2::boolean OR NOT hidden) ORDER BY sort_order, name",
    2);
static struct zt_sql q_counts = ZT_SQL("layout_counts",
    "SELECT count(*) FILTER (WHERE NOT blocked), count(*),"
    " (SELECT count(*) FROM ticket_types WHERE event_id = $1)"
    " FROM seats WHERE event_id = $1",
    1);
const char *
zt_layout_unpublishable(const char *kind, long sellable, long seats, long types)
{
	int want_seats = strcmp(kind, "ga") != 0;
	int want_types = strcmp(kind, "reserved") != 0;
	if (want_seats && sellable == 0)
		return seats ? "every seat is blocked: unblock some seats"
			     : "a reserved layout needs seats: PUT a layout "
			       "with sections";
	if (want_types && types == 0)
		return "general admission needs at least one ticket type";
	if (!want_seats && seats > 0)
		return "a general-admission event cannot have seats: remove "
		       "them or make the layout hybrid";
	if (!want_types && types > 0)
		return "a reserved event cannot have ticket types: remove "
		       "them or make the layout hybrid";
	return NULL;
}

/* ---- writing ---- */

/* What to send: categories and ticket types whole, seats as a diff. */
struct plan {
	const char *cats, *types; /* JSON arrays for jsonb_to_recordset */
	const char *upsert;	  /* new or changed seats, JSON array */
	const char *gone;	  /* ids of seats to delete, "{…}" */
	size_t nupsert, ngone;
	struct json_object *conflicts; /* seats the change would break */
	const char *first;	       /* message for the first of them */
};

static int
seat_key_cmp(const char *section, const char *row, const char *label,
    const struct zt_seat *s)
{
	int d = strcmp(section, s->section);
	if (d == 0)
		d = strcmp(row, s->row);
	if (d == 0)
		d = strcmp(label, s->label);
	return d;
}

static int
seat_ptr_cmp(const void *a, const void *b)
{
	const struct zt_seat *x = *(const struct zt_seat *const *)a;
	return seat_key_cmp(
	    x->section, x->row, x->label, *(const struct zt_seat *const *)b);
}

/* The new seat with this key, or NULL (v sorted by seat_ptr_cmp). */
static const struct zt_seat *
find_seat(const struct zt_seat **v, size_t n, const char *section,
    const char *row, const char *label)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = seat_key_cmp(section, row, label, v[mid]);
		if (d == 0)
			return v[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void
conflict(struct zt_req *req, struct plan *pl, const char *section,
    const char *row, const char *label, const char *reason)
{
	static const struct {
		const char *reason, *text;
	} why[] = {
	    {"removed", "has been sold and cannot be removed"},
	    {"history", "has tickets (refunded or cancelled) and cannot be "
			"removed; block it instead"},
	    {"blocked", "has been sold and cannot be blocked"},
	    {"repriced", "has been sold and cannot change price"},
	};
	const char *name = zt_arena_printf(
	    req->arena, "%s%s%s-%s", section, *section ? " " : "", row, label);
	if (pl->first == NULL) {
		for (size_t k = 0; k < sizeof(why) / sizeof(why[0]); k++)
			if (strcmp(why[k].reason, reason) == 0)
				pl->first = zt_arena_printf(req->arena,
				    "seat %s %s", name, why[k].text);
	}
	if (json_object_array_length(pl->conflicts) >= 50)
		return;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "seat", json_object_new_string(name));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(pl->conflicts, o);
}

static struct json_object *
seat_param(const struct zt_seatmap *m, const struct zt_seat *s)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "s", json_object_new_string(s->section));
	json_object_object_add(o, "r", json_object_new_string(s->row));
	json_object_object_add(o, "l", json_object_new_string(s->label));
	json_object_object_add(o, "x", json_object_new_double(s->x));
	json_object_object_add(o, "y", json_object_new_double(s->y));
	json_object_object_add(
	    o, "c", json_object_new_string(m->cats[s->cat].name));
	json_object_object_add(o, "b", json_object_new_boolean(s->blocked));
	json_object_object_add(o, "a", json_object_new_boolean(s->accessible));
	return o;
}

/*
 * Compare the new seats with the stored ones (sorting in C: a join of two
 * 20,000-row sets inside PostgreSQL was planned as a nested loop over the
 * JSON function): which to delete, which to write, which sold seats the
 * change would break.
 */
static enum zt_err
plan_seats(struct zt_req *req, const char *event_id, const struct zt_seatmap *m,
    struct plan *pl)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	const struct zt_seat **v;
	unsigned char *same;
	struct json_object *up;
	char *gone, *g;
	PGresult *r;
	int n;

	v = zt_arena_array(req->arena, m->nseats ? m->nseats : 1, sizeof(*v));
	for (size_t i = 0; i < m->nseats; i++)
		v[i] = &m->seats[i];
	qsort(v, m->nseats, sizeof(*v), seat_ptr_cmp);
	same = zt_arena_zalloc(req->arena, m->nseats ? m->nseats : 1);

	if ((r = zt_db_exec(req, &err, &q_current_seats, p)) == NULL)
		return zt_fail_error(req, &err);
	n = PQntuples(r);
	/* n uuids of 36 characters, commas, braces: no overflow at n <= 20k
	 * rows of one event (the seat cap) */
	g = gone = zt_arena_array(req->arena, (size_t)n + 1, ZT_UUID_BUF);
	*g++ = '{';
	for (int i = 0; i < n; i++) {
		const char *section = PQgetvalue(r, i, 1);
		const char *row = PQgetvalue(r, i, 2);
		const char *label = PQgetvalue(r, i, 3);
		int was_blocked = *PQgetvalue(r, i, 8) == 't';
		int live = *PQgetvalue(r, i, 10) == 't';
		int any = *PQgetvalue(r, i, 11) == 't';
		const struct zt_seat *ns =
		    find_seat(v, m->nseats, section, row, label);
		if (ns == NULL) {
			if (any) {
				conflict(req, pl, section, row, label,
				    live ? "removed" : "history");
				continue;
			}
			if (pl->ngone++ > 0)
				*g++ = ',';
			memcpy(g, PQgetvalue(r, i, 0), ZT_UUID_LEN);
			g += ZT_UUID_LEN;
			continue;
		}
		if (live && ns->blocked && !was_blocked)
			conflict(req, pl, section, row, label, "blocked");
		else if (live && m->cats[ns->cat].price_paise !=
				     strtoll(PQgetvalue(r, i, 7), NULL, 10))
			conflict(req, pl, section, row, label, "repriced");
		/* seats are stored as real: compare at that precision */
		same[ns - m->seats] =
		    (float)ns->x == strtof(PQgetvalue(r, i, 4), NULL) &&
		    (float)ns->y == strtof(PQgetvalue(r, i, 5), NULL) &&
		    strcmp(m->cats[ns->cat].name, PQgetvalue(r, i, 6)) == 0 &&
		    ns->blocked == was_blocked &&
		    ns->accessible == (*PQgetvalue(r, i, 9) == 't');
	}
	*g++ = '}';
	*g = '\0';
	pl->gone = gone;
	up = json_object_new_array();
	for (size_t i = 0; i < m->nseats; i++) {
		if (same[i])
			continue;
		json_object_array_add(up, seat_param(m, &m->seats[i]));
		pl->nupsert++;
	}
	pl->upsert = zt_json_text(req, up, NULL);
	json_object_put(up);
	return ZT_OK;
}

/* Categories and ticket types as JSON parameters. */
static void
plan_rest(struct zt_req *req, const struct zt_seatmap *m, struct plan *pl)
{
	struct json_object *cats = json_object_new_array();
	struct json_object *types = json_object_new_array();
	char when[ZT_TIME_LEN];

	for (size_t i = 0; i < m->ncats; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "n", json_object_new_string(m->cats[i].name));
		json_object_object_add(
		    o, "p", json_object_new_int64(m->cats[i].price_paise));
		json_object_object_add(
		    o, "c", json_object_new_string(m->cats[i].colour));
		json_object_object_add(o, "o", json_object_new_int((int)i));
		json_object_array_add(cats, o);
	}
	for (size_t i = 0; i < m->ntypes; i++) {
		const struct zt_ticket_type *t = &m->types[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "n", json_object_new_string(t->name));
		json_object_object_add(
		    o, "d", json_object_new_string(t->description));
		json_object_object_add(
		    o, "p", json_object_new_int64(t->price_paise));
		json_object_object_add(
		    o, "cap", json_object_new_int64(t->capacity));
		json_object_object_add(
		    o, "lim", json_object_new_int64(t->per_order_limit));
		json_object_object_add(o, "ss",
		    t->has_sales_starts ? json_object_new_string(zt_time_format(
					      t->sales_starts_at, when))
					: NULL);
		json_object_object_add(o, "se",
		    t->has_sales_ends ? json_object_new_string(zt_time_format(
					    t->sales_ends_at, when))
				      : NULL);
		json_object_object_add(o, "o", json_object_new_int((int)i));
		json_object_array_add(types, o);
	}
	pl->cats = zt_json_text(req, cats, NULL);
	pl->types = zt_json_text(req, types, NULL);
	json_object_put(cats);
	json_object_put(types);
}

/* Ticket types the change would break join the seat conflicts. */
static enum zt_err
plan_types(struct zt_req *req, const char *event_id, struct plan *pl)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, pl->types};
	PGresult *r = zt_db_exec(req, &err, &q_type_conflicts, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		const char *reason = PQgetvalue(r, i, 2);
		struct json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "ticketType", json_object_new_string(name));
		json_object_object_add(
		    o, "reason", json_object_new_string(reason));
		json_object_object_add(o, "sold",
		    json_object_new_int64(
			strtoll(PQgetvalue(r, i, 1), NULL, 10)));
		json_object_array_add(pl->conflicts, o);
		if (pl->first == NULL)
			pl->first = zt_arena_printf(req->arena,
			    "ticket type %s %s", name,
			    strcmp(reason, "removed") == 0
				? "has tickets and cannot be removed"
				: "cannot have a capacity below the tickets "
				  "sold");
	}
	return ZT_OK;
}

/* The document against the event: kind, and GA sales inside the event. */
static enum zt_err
check_against_event(struct zt_req *req, const struct zt_seatmap *m,
    const char *kind, int64_t ends_at)
{
	if (strcmp(kind, "ga") == 0 && m->nseats > 0) {
		zt_fail_detail(
		    req, "field", json_object_new_string("sections"));
		return zt_fail(req, ZT_EINVALID, "invalid_layout",
		    "sections: a general-admission (ga) event has no seats; "
		    "set \"kind\": \"hybrid\" to have both");
	}
	if (strcmp(kind, "reserved") == 0 && m->ntypes > 0) {
		zt_fail_detail(
		    req, "field", json_object_new_string("ticketTypes"));
		return zt_fail(req, ZT_EINVALID, "invalid_layout",
		    "ticketTypes: a reserved event has no ticket types; set "
		    "\"kind\": \"hybrid\" to have both");
	}
	for (size_t i = 0; i < m->ntypes; i++) {
		const struct zt_ticket_type *t = &m->types[i];
		const char *bad = NULL, *why = NULL;
		if (t->has_sales_ends && t->sales_ends_at > ends_at) {
			bad = "salesEndsAt";
			why = "must not be after the event ends";
		} else if (t->has_sales_starts &&
			   t->sales_starts_at >= ends_at) {
			bad = "salesStartsAt";
			why = "must be before the event ends";
		}
		if (bad != NULL) {
			const char *w = zt_arena_printf(
			    req->arena, "ticketTypes[%zu].%s", i, bad);
			zt_fail_detail(req, "field", json_object_new_string(w));
			return zt_fail(req, ZT_EINVALID, "invalid_layout",
			    "%s: %s", w, why);
		}
	}
	return ZT_OK;
}

enum zt_err
zt_layout_check(struct zt_req *req, const struct zt_seatmap *m,
    const char *status, const char *kind_now, int64_t ends_at,
    const char **kind)
{
	*kind = kind_now;
	if (strcmp(status, "draft") != 0 && strcmp(status, "published") != 0)
		return zt_fail(req, ZT_ECONFLICT, "event_closed",
		    "the event is %s: its layout can no longer change", status);
	if (m->kind != NULL && strcmp(m->kind, kind_now) != 0) {
		if (strcmp(status, "draft") != 0) {
			zt_fail_detail(
			    req, "field", json_object_new_string("kind"));
			return zt_fail(req, ZT_ECONFLICT, "layout_kind_locked",
			    "kind: the layout kind of a published event "
			    "cannot change");
		}
		*kind = m->kind;
	}
	return check_against_event(req, m, *kind, ends_at);
}

enum zt_err
zt_layout_put(struct zt_req *req, const char *event_id, struct json_object *doc,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_seatmap m;
	struct plan pl = {0};
	const char *p[3], *status, *kind;
	int64_t ends_at;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_seatmap_parse(req, doc, &m)) != ZT_OK)
		return e;
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	p[0] = event_id;
	p[1] = req->tenant_id;
	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((r = zt_db_exec(req, &err, &q_lock_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	status = PQgetvalue(r, 0, 0);
	ends_at = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	if ((e = zt_layout_check(req, &m, status, PQgetvalue(r, 0, 1), ends_at,
		 &kind)) != ZT_OK)
		return e;
	/* only a published event can have bookings in flight */
	p[0] = event_id;
	if (strcmp(status, "published") == 0 &&
	    zt_db_exec(req, &err, &q_lock_rows, p) == NULL)
		return zt_fail_error(req, &err);
	pl.conflicts = zt_json_defer_put(req, json_object_new_array());
	plan_rest(req, &m, &pl);
	if ((e = plan_seats(req, event_id, &m, &pl)) != ZT_OK ||
	    (e = plan_types(req, event_id, &pl)) != ZT_OK)
		return e;
	if (pl.first != NULL) {
		zt_fail_detail(req, "conflicts", json_object_get(pl.conflicts));
		return zt_fail(req, ZT_ECONFLICT,
		    strncmp(pl.first, "seat ", 5) == 0 ? "seat_sold"
						       : "ticket_type_sold",
		    "%s", pl.first);
	}

	p[0] = req->tenant_id;
	p[1] = event_id;
	p[2] = pl.cats;
	if (zt_db_exec(req, &err, &q_upsert_cats, p) == NULL)
		return zt_fail_error(req, &err);
	p[0] = event_id;
	p[1] = pl.gone;
	if (pl.ngone > 0 && zt_db_exec(req, &err, &q_delete_seats, p) == NULL)
		return zt_fail_error(req, &err);
	p[0] = req->tenant_id;
	p[1] = event_id;
	p[2] = pl.upsert;
	if (pl.nupsert > 0 && zt_db_exec(req, &err, &q_upsert_seats, p) == NULL)
		return zt_fail_error(req, &err);
	p[0] = event_id;
	p[1] = pl.cats;
	if (zt_db_exec(req, &err, &q_delete_cats, p) == NULL)
		return zt_fail_error(req, &err);
	p[0] = req->tenant_id;
	p[1] = event_id;
	p[2] = pl.types;
	if (zt_db_exec(req, &err, &q_upsert_types, p) == NULL)
		return zt_fail_error(req, &err);
	p[0] = event_id;
	p[1] = pl.types;
	if (zt_db_exec(req, &err, &q_delete_types, p) == NULL)
		return zt_fail_error(req, &err);
	p[1] = req->tenant_id;
	p[2] = kind;
	if (zt_db_exec(req, &err, &q_set_kind, p) == NULL)
		return zt_fail_error(req, &err);

	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string(kind));
	json_object_object_add(
	    d, "categories", json_object_new_int64((int64_t)m.ncats));
	json_object_object_add(
	    d, "seats", json_object_new_int64((int64_t)m.nseats));
	json_object_object_add(
	    d, "seatsWritten", json_object_new_int64((int64_t)pl.nupsert));
	json_object_object_add(
	    d, "seatsRemoved", json_object_new_int64((int64_t)pl.ngone));
	json_object_object_add(
	    d, "ticketTypes", json_object_new_int64((int64_t)m.ntypes));
	if ((e = zt_audit(req, "event.layout_replaced",
		 zt_arena_printf(req->arena, "event:%s", event_id), d)) !=
	    ZT_OK)
		return e;

	struct json_object *body =
	    zt_json_defer_put(req, json_object_new_object());
	json_object_object_add(
	    body, "eventId", json_object_new_string(event_id));
	json_object_object_add(body, "kind", json_object_new_string(kind));
	json_object_object_add(
	    body, "seatCount", json_object_new_int64((int64_t)m.nseats));
	if ((e = zt_layout_json(req, event_id, ZT_LAYOUT_ORGANIZER, body)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	zt_salemap_touch(req, event_id);
	*out = json_object_get(body);
	return ZT_OK;
}

/* ---- reading ---- */

/* Seats per category of the page's seat rows (ZT_LAYOUT_AVAILABILITY). */
struct tally {
	int ncats;
	const char **name; /* q_cats' rows, in their order */
	int64_t *price, *total, *avail;
};

/* The category of a seat: the previous seat's, mostly. */
static int
tally_cat(const struct tally *t, const char *name, int last)
{
	if (last >= 0 && strcmp(t->name[last], name) == 0)
		return last;
	for (int c = 0; c < t->ncats; c++)
		if (strcmp(t->name[c], name) == 0)
			return c;
	return -1;
}

/* Open a section or a row: {"<key>":<name>,"<list>":[ */
static void
open_group(
    struct printbuf *pb, const char *key, const char *name, const char *list)
{
	printbuf_memappend(pb, "{\"", 2);
	printbuf_memappend(pb, key, (int)strlen(key));
	printbuf_memappend(pb, "\":", 2);
	zt_json_pb_str(pb, name);
	printbuf_memappend(pb, ",\"", 2);
	printbuf_memappend(pb, list, (int)strlen(list));
	printbuf_memappend(pb, "\":[", 3);
}

/*
 * The "sections" of q_seats' rows, written as JSON text in one pass (a
 * 30,000-seat venue was some 200,000 json-c objects built, serialized and
 * freed for every build of the event page): the same keys in the same
 * order as json-c wrote them, so the answer is byte for byte what it was
 * (docs/benchmarks.md, section 23).  "sold" for organizers; t, when given,
 * counts the seats for sale and those still free per category.
 */
static struct json_object *
seat_list(PGresult *r, int organizer, struct tally *t)
{
	struct printbuf *pb = printbuf_new();
	const char *cur_section = NULL, *cur_row = NULL;
	int n = PQntuples(r), cat = -1;
	if (pb == NULL)
		zt_oom();
	printbuf_strappend(pb, "[");
	for (int i = 0; i < n; i++) {
		const char *section = PQgetvalue(r, i, 1);
		const char *row = PQgetvalue(r, i, 2);
		int blocked = *PQgetvalue(r, i, 7) == 't';
		int sold = *PQgetvalue(r, i, 9) == 't';
		int new_section =
		    cur_section == NULL || strcmp(cur_section, section) != 0;
		if (new_section || strcmp(cur_row, row) != 0) {
			if (cur_row != NULL)
				printbuf_strappend(pb, "]}");
			if (new_section) {
				if (cur_section != NULL)
					printbuf_strappend(pb, "]},");
				open_group(pb, "name", section, "rows");
				cur_section = section;
			} else {
				printbuf_strappend(pb, ",");
			}
			open_group(pb, "label", row, "seats");
			cur_row = row;
		} else {
			printbuf_strappend(pb, ",");
		}
		printbuf_strappend(pb, "{\"id\":");
		zt_json_pb_str(pb, PQgetvalue(r, i, 0));
		printbuf_strappend(pb, ",\"label\":");
		zt_json_pb_str(pb, PQgetvalue(r, i, 3));
		/* a real as PostgreSQL writes it (the shortest exact text) */
		printbuf_strappend(pb, ",\"x\":");
		printbuf_memappend(
		    pb, PQgetvalue(r, i, 4), PQgetlength(r, i, 4));
		printbuf_strappend(pb, ",\"y\":");
		printbuf_memappend(
		    pb, PQgetvalue(r, i, 5), PQgetlength(r, i, 5));
		printbuf_strappend(pb, ",\"category\":");
		zt_json_pb_str(pb, PQgetvalue(r, i, 6));
		if (blocked)
			printbuf_strappend(pb, ",\"blocked\":true");
		if (*PQgetvalue(r, i, 8) == 't')
			printbuf_strappend(pb, ",\"accessible\":true");
		if (organizer && sold)
			printbuf_strappend(pb, ",\"sold\":true");
		printbuf_strappend(pb, "}");
		if (t != NULL && !blocked &&
		    (cat = tally_cat(t, PQgetvalue(r, i, 6), cat)) >= 0) {
			t->total[cat]++;
			t->avail[cat] += !sold;
		}
	}
	if (cur_row != NULL)
		printbuf_strappend(pb, "]}]}");
	printbuf_strappend(pb, "]");
	return zt_json_raw(pb);
}

/*
 * "availability": the seats per category (t) and the GA units of the
 * ticket types obj already carries.
 */
static void
availability(const struct tally *t, struct json_object *obj)
{
	struct json_object *a, *cats, *o, *types;
	int64_t total = 0, avail = 0, ga_total = 0, ga_avail = 0;

	a = json_object_new_object();
	json_object_object_add(obj, "availability", a);
	cats = json_object_new_array();
	for (int i = 0; i < t->ncats; i++) {
		o = json_object_new_object();
		json_object_object_add(
		    o, "name", json_object_new_string(t->name[i]));
		json_object_object_add(
		    o, "pricePaise", json_object_new_int64(t->price[i]));
		json_object_object_add(
		    o, "total", json_object_new_int64(t->total[i]));
		json_object_object_add(
		    o, "available", json_object_new_int64(t->avail[i]));
		json_object_array_add(cats, o);
		total += t->total[i];
		avail += t->avail[i];
	}
	o = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_int64(total));
	json_object_object_add(o, "available", json_object_new_int64(avail));
	json_object_object_add(a, "seats", o);
	json_object_object_add(a, "categories", cats);
	if (json_object_object_get_ex(obj, "ticketTypes", &types)) {
		for (size_t i = 0; i < json_object_array_length(types); i++) {
			struct json_object *tt = json_object_array_get_idx(
					       types, i),
					   *v;
			if (json_object_object_get_ex(tt, "capacity", &v))
				ga_total += json_object_get_int64(v);
			if (json_object_object_get_ex(tt, "available", &v))
				ga_avail += json_object_get_int64(v);
		}
	}
	o = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_int64(ga_total));
	json_object_object_add(o, "available", json_object_new_int64(ga_avail));
	json_object_object_add(a, "ga", o);
}

enum zt_err
zt_layout_json(struct zt_req *req, const char *event_id, unsigned flags,
    struct json_object *obj)
{
	struct zt_error err = ZT_ERROR_INIT;
	int organizer = (flags & ZT_LAYOUT_ORGANIZER) != 0;
	const char *p[2] = {event_id, organizer ? "true" : "false"};
	struct json_object *cats, *types;
	struct tally t = {0}, *tp = NULL;
	PGresult *r;

	if ((r = zt_db_exec(req, &err, &q_cats, p)) == NULL)
		return zt_fail_error(req, &err);
	cats = json_object_new_array();
	json_object_object_add(obj, "categories", cats);
	if (flags & ZT_LAYOUT_AVAILABILITY) {
		size_t n = (size_t)PQntuples(r) + 1;
		tp = &t;
		t.ncats = PQntuples(r);
		t.name = zt_arena_array(req->arena, n, sizeof(*t.name));
		t.price = zt_arena_array(req->arena, n, sizeof(*t.price));
		t.total = zt_arena_array(req->arena, n, sizeof(*t.total));
		t.avail = zt_arena_array(req->arena, n, sizeof(*t.avail));
		memset(t.total, 0, n * sizeof(*t.total));
		memset(t.avail, 0, n * sizeof(*t.avail));
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		int64_t price = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		json_object_object_add(
		    o, "id", json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(
		    o, "name", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(
		    o, "pricePaise", json_object_new_int64(price));
		json_object_object_add(
		    o, "colour", json_object_new_string(PQgetvalue(r, i, 3)));
		json_object_array_add(cats, o);
		if (tp != NULL) {
			t.name[i] = PQgetvalue(r, i, 1);
			t.price[i] = price;
		}
	}

	if ((r = zt_db_exec(req, &err, &q_seats, p)) == NULL)
		return zt_fail_error(req, &err);
	json_object_object_add(obj, "sections", seat_list(r, organizer, tp));

	if ((r = zt_db_exec(req, &err, &q_types, p)) == NULL)
		return zt_fail_error(req, &err);
	types = json_object_new_array();
	json_object_object_add(obj, "ticketTypes", types);
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		int64_t cap = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		int64_t sold = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		json_object_object_add(
		    o, "id", json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(
		    o, "name", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(o, "description",
		    json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(o, "pricePaise",
		    json_object_new_int64(
			strtoll(PQgetvalue(r, i, 3), NULL, 10)));
		json_object_object_add(
		    o, "capacity", json_object_new_int64(cap));
		if (organizer)
			json_object_object_add(
			    o, "sold", json_object_new_int64(sold));
		else
			json_object_object_add(
			    o, "available", json_object_new_int64(cap - sold));
		json_object_object_add(o, "perOrderLimit",
		    json_object_new_int64(
			strtoll(PQgetvalue(r, i, 6), NULL, 10)));
		json_object_object_add(
		    o, "salesStartsAt", zt_json_epoch(zt_db_val(r, i, 7)));
		json_object_object_add(
		    o, "salesEndsAt", zt_json_epoch(zt_db_val(r, i, 8)));
		json_object_array_add(types, o);
	}
	if (tp != NULL)
		availability(tp, obj);
	return ZT_OK;
}

enum zt_err
zt_layout_counts(struct zt_req *req, const char *event_id, long *sellable,
    long *seats, long *types)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *r = zt_db_exec(req, &err, &q_counts, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	*sellable = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	*seats = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	*types = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	return ZT_OK;
}
