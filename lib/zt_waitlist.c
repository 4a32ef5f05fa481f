/* zt_waitlist.c - waiting lists; see zt_waitlist.h, docs/commerce.md. */
#include "zt_waitlist.h"
#include "zt_audit.h"
#include "zt_db.h"
#include "zt_finance.h"
#include "zt_hold.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_outbox.h"
#include "zt_rate.h"
#include "zt_salemap.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdlib.h>
#include <string.h>

/* join/leave calls per person per window (a person clicks a few times) */
#define RATE_MAX 30
#define RATE_WINDOW 600
/* offers one run makes at most (and 200 events, 200 entries an event:
 * q_waiting_events, q_line) */
#define RUN_OFFERS 1000

#define ISO_OF(x)                                                              \
	"to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_JOINED ISO_OF("w.created_at")
#define ISO_OFFERED ISO_OF("w.offered_at")
#define ISO_UNTIL ISO_OF("w.offer_expires_at")
/* a list's key: its type or its category */
#define LIST_OF(a) "coalesce(" a ".ticket_type_id, " a ".price_category_id)"
#define LIST_W LIST_OF("w")
#define LIST_O LIST_OF("o")
/* tickets of the entry's person for its event issued since the offer */
#define BOOKED_SINCE_OFFER                                                     \
	"EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = w.event_id"        \
	" AND t.user_id = w.user_id AND t.created_at >= w.offered_at)"

/* ------------------------------------------------------------ SQL ---- */

static struct zt_sql q_category = ZT_SQL("wl_category",
    "SELECT name FROM price_categories WHERE event_id = $1 AND id = $2", 2);
/* the event's GA types (not hidden) with what PostgreSQL says is left */
enum types_col { T_ID, T_NAME, T_LIMIT, T_LEFT };
static struct zt_sql q_types = ZT_SQL("wl_types",
    "SELECT id, name, per_order_limit, capacity - sold FROM ticket_types"
    " WHERE event_id = $1 AND NOT hidden ORDER BY sort_order, name",
    1);
/* seated categories with their free seats ($2: held or sold in Redis) */
static struct zt_sql q_cats = ZT_SQL("wl_cats",
    "SELECT pc.id, pc.name, count(s.id) FILTER (WHERE NOT s.blocked"
    "  AND NOT (s.id = ANY ($2::uuid[])))"
    " FROM price_categories pc JOIN seats s ON s.event_id = pc.event_id"
    "  AND s.price_category_id = pc.id"
    " WHERE pc.event_id = $1 GROUP BY pc.id, pc.name, pc.sort_order"
    " ORDER BY pc.sort_order, pc.name",
    2);
static struct zt_sql q_free_seats = ZT_SQL("wl_free_seats",
    "SELECT id FROM seats WHERE event_id = $1 AND price_category_id = $2"
    " AND NOT blocked AND NOT (id = ANY ($3::uuid[]))"
    " ORDER BY section, row_label, length(seat_label), seat_label LIMIT $4",
    4);
static struct zt_sql q_join = ZT_SQL("wl_join",
    "INSERT INTO waitlist_entries (tenant_id, event_id, ticket_type_id,"
    " price_category_id, user_id, quantity)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    6);
/* entries as the API shows them; $2 NULL: everybody's (organizer) */
enum entry_col {
	E_ID,
	E_TYPE,
	E_CAT,
	E_QTY,
	E_STATUS,
	E_POS,
	E_JOINED,
	E_OFFERED,
	E_UNTIL,
	E_SEATS,
	E_OFFERED_QTY,
	E_OFFERS,
	E_NAME,
	E_CONTACT
};
static struct zt_sql q_entries = ZT_SQL("wl_entries",
    "SELECT w.id, w.ticket_type_id, w.price_category_id, w.quantity,"
    " w.status, CASE WHEN w.status IN ('waiting', 'offered') THEN"
    "  (SELECT count(*) FROM waitlist_entries o"
    "   WHERE o.event_id = w.event_id AND " LIST_O " = " LIST_W
    "   AND o.status IN ('waiting', 'offered') AND o.seq <= w.seq) END,"
    " " ISO_JOINED ", " ISO_OFFERED ", " ISO_UNTIL ","
    " array_to_json(w.offered_seats)::text, w.offered_quantity, w.offers,"
    " CASE WHEN $2::uuid IS NULL THEN u.name END,"
    " CASE WHEN $2::uuid IS NULL THEN coalesce(u.email, u.phone) END"
    " FROM waitlist_entries w JOIN users u ON u.id = w.user_id"
    " WHERE w.event_id = $1 AND ($2::uuid IS NULL OR w.user_id = $2)"
    " ORDER BY w.status NOT IN ('waiting', 'offered'), w.seq LIMIT 1000",
    2);
static struct zt_sql q_own_event = ZT_SQL(
    "wl_own_event", "SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2", 2);
/* leave: the entry's status and hold before */
static struct zt_sql q_leave = ZT_SQL("wl_leave",
    "WITH o AS (SELECT id, status, hold_id FROM waitlist_entries"
    "  WHERE id = $1 AND event_id = $2 AND user_id = $3"
    "  AND status IN ('waiting', 'offered') FOR UPDATE)"
    " UPDATE waitlist_entries w SET status = 'left', updated_at = now()"
    " FROM o WHERE w.id = o.id RETURNING o.status, o.hold_id",
    3);
/* one entry to offer to (the organizer's choice) */
static struct zt_sql q_entry = ZT_SQL("wl_entry",
    "SELECT id, tenant_id, event_id, ticket_type_id, price_category_id,"
    " user_id, quantity, status FROM waitlist_entries"
    " WHERE id = $1 AND event_id = $2",
    2);
/* the guarded move to 'offered' with what the message needs */
enum offered_col { O_EMAIL, O_PHONE, O_NAME, O_TITLE, O_WHAT, O_UNTIL };
static struct zt_sql q_offered = ZT_SQL("wl_offered",
    "UPDATE waitlist_entries w SET status = 'offered', hold_id = $2,"
    " offered_at = now(), offer_expires_at = to_timestamp($3::bigint / "
    "1000.0),"
    " offered_seats = $4::uuid[], offered_quantity = $5, offered_by = $6,"
    " offers = w.offers + 1, updated_at = now()"
    " FROM users u, events e"
    " WHERE w.id = $1 AND w.status = 'waiting' AND u.id = w.user_id"
    " AND e.id = w.event_id"
    " RETURNING u.email, u.phone, u.name, e.title,"
    " coalesce((SELECT name FROM ticket_types WHERE id = w.ticket_type_id),"
    "  (SELECT name FROM price_categories WHERE id = w.price_category_id)),"
    " to_char(w.offer_expires_at AT TIME ZONE 'Asia/Kolkata',"
    "  'Dy, FMDD Mon YYYY, FMHH12:MI AM') || ' IST'",
    6);
/* the cron's work: open offers, and events with people waiting */
enum open_col { P_ID, P_TENANT, P_EVENT, P_USER, P_HOLD, P_PAST };
static struct zt_sql q_open = ZT_SQL("wl_open",
    "SELECT w.id, w.tenant_id, w.event_id, w.user_id, w.hold_id,"
    " w.offer_expires_at <= now() FROM waitlist_entries w"
    " WHERE w.status = 'offered' ORDER BY w.offer_expires_at LIMIT 1000",
    0);
static struct zt_sql q_booked = ZT_SQL("wl_booked",
    "UPDATE waitlist_entries w SET status = 'booked', updated_at = now()"
    " WHERE w.id = $1 AND w.status = 'offered' AND " BOOKED_SINCE_OFFER
    " RETURNING 1",
    1);
static struct zt_sql q_expire = ZT_SQL("wl_expire",
    "UPDATE waitlist_entries w SET status = 'expired', updated_at = now()"
    " WHERE w.id = $1 AND w.status = 'offered' AND NOT " BOOKED_SINCE_OFFER
    " RETURNING 1",
    1);
/* events still selling (a list of an ended or cancelled event waits in
 * vain: it is left alone) */
static struct zt_sql q_waiting_events = ZT_SQL("wl_waiting_events",
    "SELECT w.event_id FROM waitlist_entries w JOIN events e"
    " ON e.id = w.event_id AND e.status = 'published' AND e.ends_at > now()"
    " WHERE w.status = 'waiting' GROUP BY w.event_id ORDER BY min(w.seq)"
    " LIMIT 200",
    0);
enum line_col { L_ID, L_TENANT, L_EVENT, L_TYPE, L_CAT, L_USER, L_QTY };
static struct zt_sql q_line = ZT_SQL("wl_line",
    "SELECT id, tenant_id, event_id, ticket_type_id, price_category_id,"
    " user_id, quantity FROM waitlist_entries"
    " WHERE event_id = $1 AND status = 'waiting' ORDER BY seq LIMIT 200",
    1);

/* ---------------------------------------------------------- helpers ---- */

static const char *
num(struct zt_req *req, long long n)
{
	return zt_arena_printf(req->arena, "%lld", n);
}

static enum zt_err
not_found(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "event_not_found", "no such event");
}

/*
 * Redis's view of event_id (the public snapshot, zt_hold_status): *taken =
 * the seats held or sold as a PostgreSQL uuid[] literal, *ga = {type: free
 * units} (borrowed from *snap, which the caller puts).
 */
static enum zt_err
snapshot(struct zt_req *req, const char *event_id, struct json_object **snap,
    const char **taken, struct json_object **ga)
{
	const char *text;
	size_t len;
	struct json_object *held = NULL, *sold = NULL;
	enum zt_err e;

	*snap = NULL;
	if ((e = zt_hold_status(req, event_id, &text, &len)) != ZT_OK)
		return e;
	*snap = json_tokener_parse(zt_arena_strndup(req->arena, text, len));
	if (*snap == NULL)
		return zt_fail(req, ZT_EINTERNAL, "internal",
		    "the seat snapshot could not be read");
	json_object_object_get_ex(*snap, "held", &held);
	json_object_object_get_ex(*snap, "sold", &sold);
	if (!json_object_object_get_ex(*snap, "ga", ga))
		*ga = NULL;
	size_t nh = held ? json_object_array_length(held) : 0;
	size_t ns = sold ? json_object_array_length(sold) : 0;
	const char **ids =
	    zt_arena_array(req->arena, nh + ns + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < nh; i++) {
		struct json_object *s = NULL;
		json_object_object_get_ex(
		    json_object_array_get_idx(held, i), "seatId", &s);
		if (s)
			ids[n++] = json_object_get_string(s);
	}
	for (size_t i = 0; i < ns; i++)
		ids[n++] =
		    json_object_get_string(json_object_array_get_idx(sold, i));
	*taken = zt_db_array(req, ids, n);
	return ZT_OK;
}

/* Free GA units of type per Redis, or (no counter yet) PostgreSQL. */
static int
ga_free(struct json_object *ga, const char *type, int pg_left)
{
	struct json_object *v;
	if (ga && json_object_object_get_ex(ga, type, &v))
		return json_object_get_int(v);
	return pg_left;
}

/* The message of an offer, queued in the open transaction. */
static enum zt_err
queue_message(
    struct zt_req *req, const PGresult *r, const char *event_id, long long qty)
{
	const char *email = zt_db_val(r, 0, O_EMAIL);
	const char *phone = zt_db_val(r, 0, O_PHONE);
	const char *name = PQgetvalue(r, 0, O_NAME);
	struct json_object *m = json_object_new_object();
	enum zt_err e;

	json_object_object_add(
	    m, "template", json_object_new_string("waitlist.offer"));
	json_object_object_add(m, "name",
	    json_object_new_string(name)); /* "": the catalogue's word */
	json_object_object_add(
	    m, "eventTitle", json_object_new_string(PQgetvalue(r, 0, O_TITLE)));
	json_object_object_add(m, "what",
	    json_object_new_string(zt_arena_printf(
		req->arena, "%lld x %s", qty, PQgetvalue(r, 0, O_WHAT))));
	json_object_object_add(
	    m, "until", json_object_new_string(PQgetvalue(r, 0, O_UNTIL)));
	json_object_object_add(m, "link",
	    json_object_new_string(zt_arena_printf(req->arena,
		"%s/event.html?id=%s&waitlist=offer", zt_g.cfg.public_url,
		event_id)));
	e = zt_outbox_enqueue(
	    req, email ? "email" : "sms", email ? email : phone, m);
	json_object_put(m);
	return e;
}

/* An entry of the line. */
struct entry {
	const char *id, *tenant, *event, *type, *cat, *user;
	long long qty;
};

static void
entry_of(struct zt_req *req, const PGresult *r, int i, struct entry *en)
{
	en->id = zt_arena_strdup(req->arena, PQgetvalue(r, i, L_ID));
	en->tenant = zt_arena_strdup(req->arena, PQgetvalue(r, i, L_TENANT));
	en->event = zt_arena_strdup(req->arena, PQgetvalue(r, i, L_EVENT));
	en->type = PQgetisnull(r, i, L_TYPE)
		       ? NULL
		       : zt_arena_strdup(req->arena, PQgetvalue(r, i, L_TYPE));
	en->cat = PQgetisnull(r, i, L_CAT)
		      ? NULL
		      : zt_arena_strdup(req->arena, PQgetvalue(r, i, L_CAT));
	en->user = zt_arena_strdup(req->arena, PQgetvalue(r, i, L_USER));
	en->qty = atoll(PQgetvalue(r, i, L_QTY));
}

/* Not enough of the list is free: 409 with available {list: n}. */
static enum zt_err
short_of(struct zt_req *req, const char *list, int n)
{
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, list, json_object_new_int(n));
	zt_fail_detail(req, "available", a);
	return zt_fail(req, ZT_ECONFLICT, "nothing_free",
	    "not enough is free to offer this entry");
}

/*
 * Offer to en now: lock its quantity for its person (zt_hold_offer), then
 * the guarded move to 'offered' and the message, one transaction.  by: the
 * organizer's member, or NULL (cron).  ZT_OK offered; 409 "nothing_free"
 * (with available), the hold's own refusals ("ga_unavailable",
 * "per_user_limit", the event not on sale), 409 "not_waiting", or a
 * failure, all recorded on req.  No transaction may be open.
 */
static enum zt_err
offer_to(struct zt_req *req, const struct entry *en, const char *by,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct zt_hold_request hr = {en->event, 0, NULL, 0, NULL, NULL};
	struct zt_hold_ga ga[1];
	struct zt_hold before, h;
	const char *seats_lit = NULL;
	PGresult *r;
	enum zt_err e;

	if ((e = zt_hold_get(req, en->event, en->user, &before)) != ZT_OK)
		return e;
	if (en->type) {
		/* the quantity of a hold's type is the total it holds */
		long long have = 0;
		for (size_t i = 0; i < before.nga; i++)
			if (strcmp(before.ga[i].type_id, en->type) == 0)
				have = before.ga[i].quantity;
		ga[0].type_id = en->type;
		ga[0].quantity = (int)(have + en->qty);
		hr.nga = 1;
		hr.ga = ga;
		e = zt_hold_offer(
		    req, &hr, en->user, zt_g.cfg.waitlist_offer_ttl, &h);
	} else {
		/* the first free seats of the category; seats taken between
		 * the snapshot and the lock: once more without them */
		for (int attempt = 0; attempt < 2; attempt++) {
			struct json_object *snap, *gav;
			const char *taken;
			e = snapshot(req, en->event, &snap, &taken, &gav);
			json_object_put(snap);
			if (e != ZT_OK)
				return e;
			const char *p[4] = {
			    en->event, en->cat, taken, num(req, en->qty)};
			if (zt_db_begin_public(req, &err) != ZT_OK ||
			    (r = zt_db_exec(req, &err, &q_free_seats, p)) ==
				NULL ||
			    zt_db_commit(req, &err) != ZT_OK)
				return zt_fail_error(req, &err);
			if (PQntuples(r) < en->qty)
				return short_of(req, en->cat, PQntuples(r));
			hr.nseats = (size_t)PQntuples(r);
			hr.seats = zt_arena_array(
			    req->arena, hr.nseats, sizeof(char *));
			for (size_t i = 0; i < hr.nseats; i++)
				hr.seats[i] = zt_arena_strdup(
				    req->arena, PQgetvalue(r, (int)i, 0));
			seats_lit = zt_db_array(req, hr.seats, hr.nseats);
			e = zt_hold_offer(req, &hr, en->user,
			    zt_g.cfg.waitlist_offer_ttl, &h);
			if (e != ZT_ECONFLICT || req->err_code == NULL ||
			    strcmp(req->err_code, "seats_taken") != 0 ||
			    attempt == 1)
				break;
			zt_fail_clear(req);
		}
	}
	if (e != ZT_OK)
		return e;
	const char *p[6] = {en->id, h.id, num(req, h.expires_ms), seats_lit,
	    num(req, en->qty), by};
	if (zt_db_begin_tenant(req, &err, en->tenant, by) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_offered, p)) == NULL) {
		e = zt_fail_error(req, &err);
		goto give_back;
	}
	if (PQntuples(r) == 0) {
		/* offered meanwhile, or left: give back what this took */
		zt_db_rollback();
		e = zt_fail(req, ZT_ECONFLICT, "not_waiting",
		    "this entry is not waiting any more");
		goto give_back;
	}
	if ((e = queue_message(req, r, en->event, en->qty)) != ZT_OK ||
	    (by != NULL && (e = zt_audit(req, "waitlist.offered", en->id,
				NULL)) != ZT_OK)) {
		zt_db_rollback();
		goto give_back;
	}
	if (zt_db_commit(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto give_back;
	}
	if (out != NULL) {
		*out = json_object_new_object();
		json_object_object_add(
		    *out, "id", json_object_new_string(en->id));
		json_object_object_add(
		    *out, "status", json_object_new_string("offered"));
		json_object_object_add(*out, "offerExpiresAt",
		    json_object_new_string(
			zt_time_format_ms(req->arena, h.expires_ms)));
		json_object_object_add(*out, "hold", zt_hold_json(req, &h));
	}
	return ZT_OK;
give_back:
	/* a hold the person had before keeps what it had and this too,
	 * until it ends; a hold made for this offer goes */
	if (before.id[0] == '\0') {
		struct zt_error ignore = ZT_ERROR_INIT;
		zt_hold_release_if(req, &ignore, en->event, en->user, h.id);
	}
	return e;
}

/* ------------------------------------------------------------ buyer ---- */

static const char *const join_keys[] = {
    "ticketTypeId", "priceCategoryId", "quantity", NULL};

enum zt_err
zt_waitlist_join(struct zt_req *req, const char *event_id,
    struct json_object *body, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const struct zt_salemap *m;
	const char *type = NULL, *cat = NULL, *taken, *tenant, *ev;
	struct json_object *snap = NULL, *ga;
	int64_t qty = 0;
	long long max;
	int free_now;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if (body == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "send the list and quantity as a JSON object");
	if ((e = zt_json_known(req, body, NULL, join_keys)) != ZT_OK ||
	    (e = zt_json_uuid(req, body, "ticketTypeId", ZT_OPTIONAL, &type,
		 NULL)) != ZT_OK ||
	    (e = zt_json_uuid(req, body, "priceCategoryId", ZT_OPTIONAL, &cat,
		 NULL)) != ZT_OK ||
	    (e = zt_json_int(req, body, "quantity", ZT_REQUIRED, 1,
		 ZT_HOLD_MAX_QTY, &qty, NULL)) != ZT_OK)
		return e;
	if ((type == NULL) == (cat == NULL)) {
		zt_fail_detail(
		    req, "field", json_object_new_string("ticketTypeId"));
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "give either ticketTypeId or priceCategoryId");
	}
	if (!zt_is_uuid(event_id))
		return not_found(req);
	if ((e = zt_rate_hit(req, "waitlist", req->user_id, RATE_MAX,
		 RATE_WINDOW)) != ZT_OK)
		return e;
	if ((e = zt_salemap_get(req, event_id, &m)) != ZT_OK ||
	    (e = zt_salemap_on_sale(req, m, zt_time_now_ms())) != ZT_OK)
		return e;
	ev = zt_arena_strdup(req->arena, m->event_id);
	tenant = zt_arena_strdup(req->arena, m->tenant_id);
	max = m->per_user_limit < ZT_HOLD_MAX_SEATS ? m->per_user_limit
						    : ZT_HOLD_MAX_SEATS;
	if (type) {
		const struct zt_sale_type *t = zt_salemap_type(m, type);
		if (t == NULL) {
			zt_fail_detail(req, "field",
			    json_object_new_string("ticketTypeId"));
			return zt_fail(req, ZT_EINVALID, "unknown_ticket_type",
			    "this ticket type is not in this event");
		}
		max = t->per_order_limit;
		type = zt_arena_strdup(req->arena, t->id);
	}
	if (qty > max) {
		zt_fail_detail(
		    req, "field", json_object_new_string("quantity"));
		zt_fail_detail(req, "limit", json_object_new_int64(max));
		return zt_fail(req, ZT_EINVALID, "per_order_limit",
		    "at most %lld tickets per order", max);
	}
	if ((e = snapshot(req, ev, &snap, &taken, &ga)) != ZT_OK)
		goto out;
	if (zt_db_begin_public(req, &err) != ZT_OK)
		goto db;
	if (type) {
		const char *p[1] = {ev};
		if ((r = zt_db_exec(req, &err, &q_types, p)) == NULL)
			goto db;
		free_now = 0;
		for (int i = 0; i < PQntuples(r); i++)
			if (strcmp(PQgetvalue(r, i, T_ID), type) == 0)
				free_now = ga_free(
				    ga, type, atoi(PQgetvalue(r, i, T_LEFT)));
	} else {
		cat = zt_uuid_norm(req->arena, cat);
		const char *p[2] = {ev, cat}, *fp[4] = {ev, cat, taken, "1"};
		if ((r = zt_db_exec(req, &err, &q_category, p)) == NULL)
			goto db;
		if (PQntuples(r) == 0) {
			zt_db_rollback();
			zt_fail_detail(req, "field",
			    json_object_new_string("priceCategoryId"));
			e = zt_fail(req, ZT_EINVALID, "unknown_price_category",
			    "this price category is not in this event");
			goto out;
		}
		if ((r = zt_db_exec(req, &err, &q_free_seats, fp)) == NULL)
			goto db;
		free_now = PQntuples(r);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		goto db;
	if (free_now > 0) {
		zt_fail_detail(req, "available", json_object_new_int(free_now));
		e = zt_fail(req, ZT_ECONFLICT, "not_sold_out",
		    "tickets are still available: book them instead");
		goto out;
	}
	const char *p[6] = {
	    tenant, ev, type, cat, req->user_id, num(req, (long long)qty)};
	if (zt_db_begin_tenant(req, &err, tenant, req->user_id) != ZT_OK)
		goto db;
	if ((r = zt_db_exec(req, &err, &q_join, p)) == NULL) {
		if (strcmp(zt_db_sqlstate(), "23505") == 0) {
			zt_db_rollback();
			e = zt_fail(req, ZT_ECONFLICT, "already_waiting",
			    "you are on this waiting list already");
			goto out;
		}
		goto db;
	}
	const char *id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *ep[2] = {ev, req->user_id};
	if ((r = zt_db_exec(req, &err, &q_entries, ep)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		goto db;
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, E_ID), id) == 0) {
			*out = json_object_new_object();
			json_object_object_add(
			    *out, "id", json_object_new_string(id));
			json_object_object_add(*out, "position",
			    json_object_new_int(atoi(PQgetvalue(r, i, E_POS))));
			json_object_object_add(
			    *out, "status", json_object_new_string("waiting"));
			json_object_object_add(
			    *out, "quantity", json_object_new_int((int)qty));
			json_object_object_add(*out, "ticketTypeId",
			    type ? json_object_new_string(type) : NULL);
			json_object_object_add(*out, "priceCategoryId",
			    cat ? json_object_new_string(cat) : NULL);
		}
	e = ZT_OK;
	goto out;
db:
	e = zt_fail_error(req, &err);
out:
	json_object_put(snap);
	return e;
}

enum zt_err
zt_waitlist_leave(
    struct zt_req *req, const char *event_id, const char *entry_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const struct zt_salemap *m;
	const char *ev, *tenant, *hold;
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(event_id) || !zt_is_uuid(entry_id))
		return zt_fail(req, ZT_ENOTFOUND, "entry_not_found",
		    "no such waiting-list entry of yours");
	if ((e = zt_rate_hit(req, "waitlist", req->user_id, RATE_MAX,
		 RATE_WINDOW)) != ZT_OK)
		return e;
	if ((e = zt_salemap_get(req, event_id, &m)) != ZT_OK)
		return e;
	ev = zt_arena_strdup(req->arena, m->event_id);
	tenant = zt_arena_strdup(req->arena, m->tenant_id);
	const char *p[3] = {
	    zt_uuid_norm(req->arena, entry_id), ev, req->user_id};
	if (zt_db_begin_tenant(req, &err, tenant, req->user_id) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_leave, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "entry_not_found",
		    "no such waiting-list entry of yours");
	if (strcmp(PQgetvalue(r, 0, 0), "offered") == 0) {
		/* the offer's hold goes back: the next run offers it on */
		hold = zt_db_val(r, 0, 1);
		if (hold)
			zt_hold_release_if(req, &err, ev, req->user_id, hold);
	}
	return ZT_OK;
}

/* One entry as the API shows it (mine: without the person). */
static struct json_object *
entry_json(const PGresult *r, int i, int mine)
{
	struct json_object *o = json_object_new_object();
	const char *v;
	json_object_object_add(
	    o, "id", json_object_new_string(PQgetvalue(r, i, E_ID)));
	json_object_object_add(o, "ticketTypeId",
	    (v = zt_db_val(r, i, E_TYPE)) ? json_object_new_string(v) : NULL);
	json_object_object_add(o, "priceCategoryId",
	    (v = zt_db_val(r, i, E_CAT)) ? json_object_new_string(v) : NULL);
	json_object_object_add(
	    o, "quantity", json_object_new_int(atoi(PQgetvalue(r, i, E_QTY))));
	json_object_object_add(
	    o, "status", json_object_new_string(PQgetvalue(r, i, E_STATUS)));
	json_object_object_add(o, "position",
	    (v = zt_db_val(r, i, E_POS)) ? json_object_new_int(atoi(v)) : NULL);
	json_object_object_add(
	    o, "joinedAt", json_object_new_string(PQgetvalue(r, i, E_JOINED)));
	json_object_object_add(o, "offeredAt",
	    (v = zt_db_val(r, i, E_OFFERED)) ? json_object_new_string(v)
					     : NULL);
	json_object_object_add(o, "offerExpiresAt",
	    (v = zt_db_val(r, i, E_UNTIL)) ? json_object_new_string(v) : NULL);
	json_object_object_add(o, "offeredSeats",
	    (v = zt_db_val(r, i, E_SEATS)) ? json_tokener_parse(v)
					   : json_object_new_array());
	json_object_object_add(o, "offeredQuantity",
	    (v = zt_db_val(r, i, E_OFFERED_QTY)) ? json_object_new_int(atoi(v))
						 : NULL);
	if (!mine) {
		json_object_object_add(o, "offers",
		    json_object_new_int(atoi(PQgetvalue(r, i, E_OFFERS))));
		json_object_object_add(o, "name",
		    json_object_new_string(PQgetvalue(r, i, E_NAME)));
		json_object_object_add(o, "contact",
		    (v = zt_db_val(r, i, E_CONTACT)) ? json_object_new_string(v)
						     : NULL);
	}
	return o;
}

enum zt_err
zt_waitlist_mine(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const struct zt_salemap *m;
	struct json_object *snap = NULL, *ga, *lists, *entries;
	const char *taken, *ev, *tenant;
	PGresult *r, *rc;
	enum zt_err e;

	*out = NULL;
	if (!zt_is_uuid(event_id))
		return not_found(req);
	if ((e = zt_salemap_get(req, event_id, &m)) != ZT_OK)
		return e;
	ev = zt_arena_strdup(req->arena, m->event_id);
	tenant = zt_arena_strdup(req->arena, m->tenant_id);
	long long seat_max = m->per_user_limit < ZT_HOLD_MAX_SEATS
				 ? m->per_user_limit
				 : ZT_HOLD_MAX_SEATS;
	if ((e = snapshot(req, ev, &snap, &taken, &ga)) != ZT_OK)
		goto out;
	const char *p[2] = {ev, taken};
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_types, p)) == NULL ||
	    (rc = zt_db_exec(req, &err, &q_cats, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		e = zt_fail_error(req, &err);
		goto out;
	}
	lists = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		const char *id = PQgetvalue(r, i, T_ID);
		json_object_object_add(
		    o, "ticketTypeId", json_object_new_string(id));
		json_object_object_add(o, "name",
		    json_object_new_string(PQgetvalue(r, i, T_NAME)));
		json_object_object_add(o, "soldOut",
		    json_object_new_boolean(
			ga_free(ga, id, atoi(PQgetvalue(r, i, T_LEFT))) <= 0));
		json_object_object_add(o, "maxQuantity",
		    json_object_new_int(atoi(PQgetvalue(r, i, T_LIMIT))));
		json_object_array_add(lists, o);
	}
	for (int i = 0; i < PQntuples(rc); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "priceCategoryId",
		    json_object_new_string(PQgetvalue(rc, i, 0)));
		json_object_object_add(
		    o, "name", json_object_new_string(PQgetvalue(rc, i, 1)));
		json_object_object_add(o, "soldOut",
		    json_object_new_boolean(atoi(PQgetvalue(rc, i, 2)) <= 0));
		json_object_object_add(
		    o, "maxQuantity", json_object_new_int64(seat_max));
		json_object_array_add(lists, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "eventId", json_object_new_string(ev));
	json_object_object_add(*out, "lists", lists);
	entries = json_object_new_array();
	json_object_object_add(*out, "entries", entries);
	if (req->user_id[0] != '\0') {
		const char *ep[2] = {ev, req->user_id};
		if (zt_db_begin_tenant(req, &err, tenant, req->user_id) !=
			ZT_OK ||
		    (r = zt_db_exec(req, &err, &q_entries, ep)) == NULL ||
		    zt_db_commit(req, &err) != ZT_OK) {
			json_object_put(*out);
			*out = NULL;
			e = zt_fail_error(req, &err);
			goto out;
		}
		for (int i = 0; i < PQntuples(r); i++)
			json_object_array_add(entries, entry_json(r, i, 1));
	}
	e = ZT_OK;
out:
	json_object_put(snap);
	return e;
}

/* -------------------------------------------------------- organizer ---- */

/* manager+ of the event's tenant (re-read in the database), event owned */
static enum zt_err
organizer_begin(struct zt_req *req, const char *event_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	enum zt_err e;
	if (!zt_is_uuid(event_id))
		return not_found(req);
	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	const char *p[2] = {zt_uuid_norm(req->arena, event_id), req->tenant_id};
	if ((r = zt_db_exec(req, &err, &q_own_event, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return not_found(req);
	}
	return ZT_OK;
}

enum zt_err
zt_waitlist_list(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *entries, *counts;
	static const char *const states[] = {
	    "waiting", "offered", "booked", "expired", "left", "cancelled"};
	int n[6] = {0};
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = organizer_begin(req, event_id)) != ZT_OK)
		return e;
	const char *p[2] = {zt_uuid_norm(req->arena, event_id), NULL};
	if ((r = zt_db_exec(req, &err, &q_entries, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	entries = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_object_array_add(entries, entry_json(r, i, 0));
		for (int k = 0; k < 6; k++)
			if (strcmp(PQgetvalue(r, i, E_STATUS), states[k]) == 0)
				n[k]++;
	}
	counts = json_object_new_object();
	for (int k = 0; k < 6; k++)
		json_object_object_add(
		    counts, states[k], json_object_new_int(n[k]));
	*out = json_object_new_object();
	json_object_object_add(*out, "eventId", json_object_new_string(p[0]));
	json_object_object_add(*out, "counts", counts);
	json_object_object_add(*out, "entries", entries);
	return ZT_OK;
}

enum zt_err
zt_waitlist_offer(struct zt_req *req, const char *event_id,
    const char *entry_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct entry en;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = organizer_begin(req, event_id)) != ZT_OK)
		return e;
	if (!zt_is_uuid(entry_id)) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "entry_not_found",
		    "no such waiting-list entry");
	}
	const char *p[2] = {zt_uuid_norm(req->arena, entry_id),
	    zt_uuid_norm(req->arena, event_id)};
	if ((r = zt_db_exec(req, &err, &q_entry, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "entry_not_found",
		    "no such waiting-list entry");
	if (strcmp(PQgetvalue(r, 0, 7), "waiting") != 0)
		return zt_fail(req, ZT_ECONFLICT, "not_waiting",
		    "this entry is %s, not waiting", PQgetvalue(r, 0, 7));
	entry_of(req, r, 0, &en);
	return offer_to(req, &en, req->user_id, out);
}

/* ------------------------------------------------------------- cron ---- */

/* Settle the open offers: booked, or expired / given back. */
static int
settle_offers(struct zt_req *req, int *expired, int *booked)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *open, *r;

	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (open = zt_db_exec(req, &err, &q_open, NULL)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		zt_log_error("waitlist", "open offers: %s", err.msg);
		return -1;
	}
	for (int i = 0; i < PQntuples(open); i++) {
		const char *id = PQgetvalue(open, i, P_ID);
		const char *ev = PQgetvalue(open, i, P_EVENT);
		const char *user = PQgetvalue(open, i, P_USER);
		const char *hold = PQgetvalue(open, i, P_HOLD);
		const char *p[1] = {id};
		int past = *PQgetvalue(open, i, P_PAST) == 't';
		struct zt_hold h;

		if (zt_db_begin_tenant(req, &err, PQgetvalue(open, i, P_TENANT),
			NULL) != ZT_OK ||
		    (r = zt_db_exec(req, &err, &q_booked, p)) == NULL)
			goto db;
		if (PQntuples(r) > 0) {
			if (zt_db_commit(req, &err) != ZT_OK)
				goto db;
			(*booked)++;
			continue;
		}
		if (!past) {
			/* given back before its end (released, or the
			 * hold is gone): expired now */
			zt_db_rollback();
			if (zt_hold_get(req, ev, user, &h) != ZT_OK)
				return -1;
			if (h.id[0] != '\0' && strcmp(h.id, hold) == 0)
				continue;
			if (zt_db_begin_tenant(req, &err,
				PQgetvalue(open, i, P_TENANT), NULL) != ZT_OK)
				goto db;
		}
		if ((r = zt_db_exec(req, &err, &q_expire, p)) == NULL ||
		    zt_db_commit(req, &err) != ZT_OK)
			goto db;
		if (PQntuples(r) > 0) {
			(*expired)++;
			zt_hold_release_if(req, &err, ev, user, hold);
		}
		continue;
	db:
		zt_log_error("waitlist", "offer %s: %s", id, err.msg);
		zt_db_rollback();
		return -1;
	}
	return 0;
}

/* Offer what is free to each event's line, in order. */
static int
make_offers(struct zt_req *req, int *offered)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *evs, *line;

	if (zt_db_begin_system(req, &err) != ZT_OK ||
	    (evs = zt_db_exec(req, &err, &q_waiting_events, NULL)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK) {
		zt_log_error("waitlist", "waiting events: %s", err.msg);
		return -1;
	}
	for (int k = 0; k < PQntuples(evs) && *offered < RUN_OFFERS; k++) {
		const char *p[1] = {PQgetvalue(evs, k, 0)};
		/* lists found short this run: an entry wanting no more than
		 * what a refusal said is left may still fit */
		struct json_object *left = json_object_new_object();
		if (zt_db_begin_system(req, &err) != ZT_OK ||
		    (line = zt_db_exec(req, &err, &q_line, p)) == NULL ||
		    zt_db_commit(req, &err) != ZT_OK) {
			json_object_put(left);
			zt_log_error("waitlist", "line: %s", err.msg);
			return -1;
		}
		for (int i = 0; i < PQntuples(line); i++) {
			struct entry en;
			struct json_object *l;
			enum zt_err e;
			entry_of(req, line, i, &en);
			const char *list = en.type ? en.type : en.cat;
			if (json_object_object_get_ex(left, list, &l) &&
			    json_object_get_int(l) < en.qty)
				continue;
			e = offer_to(req, &en, NULL, NULL);
			if (e == ZT_OK) {
				(*offered)++;
				continue;
			}
			if (e != ZT_ECONFLICT && e != ZT_EINVALID &&
			    e != ZT_ENOTFOUND) {
				zt_log_warn("waitlist", "offer to %s: %s",
				    en.id, req->err_msg ? req->err_msg : "");
				zt_fail_clear(req);
				json_object_put(left);
				return -1;
			}
			/* the event does not sell now (sales ended, not
			 * started, cancelled): nobody of this line gets any */
			if (req->err_code &&
			    (strncmp(req->err_code, "event_", 6) == 0 ||
				strncmp(req->err_code, "sales_", 6) == 0)) {
				zt_fail_clear(req);
				break;
			}
			/* short of stock: what is left, as the refusal said
			 * (the person's own limit or state: that entry only) */
			struct json_object *a, *n;
			if (req->err_extra &&
			    json_object_object_get_ex(
				req->err_extra, "available", &a) &&
			    json_object_object_get_ex(a, list, &n))
				json_object_object_add(left, list,
				    json_object_new_int(
					json_object_get_int(n)));
			zt_fail_clear(req);
		}
		json_object_put(left);
	}
	return 0;
}

int
zt_waitlist_run(int *offered, int *expired, int *booked)
{
	struct zt_req *req;
	int rc;

	*offered = *expired = *booked = 0;
	if ((rc = zt_finance_lock("waitlist")) <= 0)
		return rc;
	req = zt_req_new(NULL, NULL);
	rc = settle_offers(req, expired, booked);
	if (rc == 0)
		rc = make_offers(req, offered);
	zt_req_end(req);
	zt_req_free(req);
	return rc;
}
