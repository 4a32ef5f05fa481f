/*
 * zt_admin_console.c - what the admin console reads and does: the tenants
 * queue, their approval and suspension, the audit log, platform figures.
 * Inside zt_admin_require's transaction (app.admin_id = the admin: reads
 * span tenants, writes go through each tenant's own scope).  zt_admin.h.
 */
#include "zt_admin.h"
#include "zt_db.h"
#include "zt_event.h"
#include "zt_json.h"
#include "zt_outbox.h"
#include "zt_salemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An instant as RFC 3339 UTC text, in SQL */
#define ISO(col)                                                               \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ISO_T_CREATED ISO("t.created_at")
#define ISO_L_AT ISO("l.at")
#define ISO_E_STARTS ISO("e.starts_at")
#define ISO_B_CREATED ISO("b.created_at")

static struct zt_sql q_tenants = ZT_SQL("adm_tenants",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT t.id, t.slug, t.name, t.institution, t.status,"
    " t.contact_email AS \"contactEmail\", t.contact_phone AS"
    " \"contactPhone\", " ISO_T_CREATED " AS \"createdAt\","
    " (SELECT json_build_object('method', p.method, 'upiId', p.upi_id,"
    "   'bankAccountName', p.bank_account_name, 'bankAccountNumber',"
    "   p.bank_account_number, 'bankIfsc', p.bank_ifsc)"
    "   FROM tenant_payout_details p WHERE p.tenant_id = t.id) AS payout,"
    " (SELECT coalesce(json_agg(json_build_object('email', u.email,"
    "   'phone', u.phone, 'name', u.name) ORDER BY m.created_at), '[]')"
    "   FROM memberships m JOIN users u ON u.id = m.user_id"
    "   WHERE m.tenant_id = t.id AND m.role = 'owner') AS owners,"
    " (SELECT count(*) FROM events e WHERE e.tenant_id = t.id) AS events"
    " FROM tenants t"
    " WHERE ($1 = '' OR t.status = $1)"
    " AND ($2 = '' OR strpos(lower(t.name || ' ' || t.slug || ' ' ||"
    "   coalesce(t.contact_email, '') || ' ' || coalesce(t.institution, '')"
    "   || ' ' || t.id::text), lower($2)) > 0)"
    " ORDER BY t.created_at DESC LIMIT 200) x",
    2);
static struct zt_sql q_tenant_lock = ZT_SQL("adm_tenant_lock",
    "SELECT status, name FROM tenants WHERE id = $1 FOR UPDATE", 1);
static struct zt_sql q_tenant_set =
    ZT_SQL("adm_tenant_set", "UPDATE tenants SET status = $2 WHERE id = $1", 2);
/* the tenant's events, whose cached sale maps a change of status ends */
static struct zt_sql q_tenant_events = ZT_SQL(
    "adm_tenant_events", "SELECT id FROM events WHERE tenant_id = $1", 1);
static struct zt_sql q_owner_emails = ZT_SQL("adm_owner_emails",
    "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.tenant_id = $1 AND m.role = 'owner' AND u.email IS NOT NULL",
    1);
static struct zt_sql q_audit_list = ZT_SQL("adm_audit_list",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT l.id, l.tenant_id AS \"tenantId\", t.name AS \"tenantName\","
    " l.actor_user_id AS \"actorUserId\", u.email AS \"actorUserEmail\","
    " l.actor_admin_id AS \"actorAdminId\", a.email AS"
    " \"actorAdminEmail\", l.action, l.target, l.details,"
    " " ISO_L_AT " AS at"
    " FROM audit_log l LEFT JOIN tenants t ON t.id = l.tenant_id"
    " LEFT JOIN users u ON u.id = l.actor_user_id"
    " LEFT JOIN platform_admins a ON a.id = l.actor_admin_id"
    " WHERE ($1::uuid IS NULL OR l.tenant_id = $1::uuid)"
    " AND ($2::uuid IS NULL OR l.actor_admin_id = $2::uuid)"
    " AND ($3 = '' OR starts_with(l.action, $3))"
    " AND ($4::timestamptz IS NULL OR l.at < $4::timestamptz)"
    " ORDER BY l.at DESC, l.id LIMIT $5::int) x",
    5);
static struct zt_sql q_figures = ZT_SQL("adm_figures",
    "WITH d AS (SELECT date_trunc('day', now()) AS today,"
    " now() - interval '7 days' AS week)"
    " SELECT json_build_object("
    " 'tenants', (SELECT coalesce(json_object_agg(status, n), '{}') FROM"
    "   (SELECT status, count(*) AS n FROM tenants GROUP BY status) s),"
    " 'eventsOnSale', (SELECT count(*) FROM events e JOIN tenants t"
    "   ON t.id = e.tenant_id WHERE t.status = 'active'"
    "   AND zt_event_is_public(e.status, e.published_at)"
    "   AND e.unlisted_at IS NULL AND e.ends_at > now()),"
    " 'tickets', json_build_object("
    "   'today', (SELECT count(*) FROM tickets, d WHERE created_at >= today),"
    "   'days7', (SELECT count(*) FROM tickets, d WHERE created_at >= week)),"
    " 'gmvPaise', json_build_object("
    "   'today', (SELECT coalesce(sum(total_paise), 0) FROM bookings, d"
    "     WHERE confirmed_at >= today),"
    "   'days7', (SELECT coalesce(sum(total_paise), 0) FROM bookings, d"
    "     WHERE confirmed_at >= week)),"
    " 'refunds', json_build_object("
    "   'today', (SELECT json_build_object('count', count(*), 'paise',"
    "     coalesce(sum(amount_paise), 0)) FROM refunds, d"
    "     WHERE created_at >= today),"
    "   'days7', (SELECT json_build_object('count', count(*), 'paise',"
    "     coalesce(sum(amount_paise), 0)) FROM refunds, d"
    "     WHERE created_at >= week),"
    "   'pending', (SELECT count(*) FROM refunds WHERE status = 'pending')),"
    " 'checkinsToday', (SELECT count(*) FROM admissions, d"
    "   WHERE scanned_at >= today AND undone_at IS NULL))"
    " FROM d",
    0);

static struct zt_sql q_events = ZT_SQL("adm_events",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT e.id, e.tenant_id AS \"tenantId\", t.name AS \"tenantName\","
    " e.title, e.slug, e.status, e.city, " ISO_E_STARTS " AS \"startsAt\","
    " e.unlisted_reason AS \"unlistedReason\","
    " coalesce(s.tickets_live, 0) AS \"ticketsLive\","
    " coalesce(s.live_paise, 0) AS \"livePaise\""
    " FROM events e JOIN tenants t ON t.id = e.tenant_id"
    " LEFT JOIN event_sales s ON s.event_id = e.id"
    " WHERE ($1::uuid IS NULL OR e.tenant_id = $1::uuid)"
    " AND ($2 = '' OR strpos(lower(e.title || ' ' || e.slug || ' ' ||"
    "   t.name || ' ' || e.id::text), lower($2)) > 0)"
    " ORDER BY e.starts_at DESC LIMIT 200) x",
    2);
static struct zt_sql q_event_tenant =
    ZT_SQL("adm_event_tenant", "SELECT tenant_id FROM events WHERE id = $1", 1);
static struct zt_sql q_event_lock = ZT_SQL("adm_event_lock",
    "SELECT status, title FROM events WHERE id = $1 FOR UPDATE", 1);
static struct zt_sql q_event_set =
    ZT_SQL("adm_event_set", "UPDATE events SET status = $2 WHERE id = $1", 2);
static struct zt_sql q_event_unlist_lock = ZT_SQL("adm_event_unlist_lock",
    "SELECT title, coalesce(unlisted_reason, '') FROM events WHERE id = $1"
    " FOR UPDATE",
    1);
/* $2 '' relists; the guard of sql/022 lets only an admin session */
static struct zt_sql q_event_unlist_set = ZT_SQL("adm_event_unlist_set",
    "UPDATE events SET unlisted_at = CASE WHEN $2 = '' THEN NULL ELSE"
    " now() END, unlisted_reason = nullif($2, '') WHERE id = $1",
    2);
static struct zt_sql q_users = ZT_SQL("adm_users",
    "SELECT coalesce(json_agg(x), '[]') FROM ("
    " SELECT u.id, u.email, u.phone, u.name,"
    " (SELECT count(*) FROM refresh_families f WHERE f.user_id = u.id"
    "   AND f.revoked_at IS NULL AND f.expires_at > now()) AS sessions,"
    " (SELECT coalesce(json_agg(json_build_object('id', b.id, 'status',"
    "   b.status, 'totalPaise', b.total_paise, 'eventTitle', e.title,"
    "   'tenantName', t.name, 'createdAt', " ISO_B_CREATED ")"
    "   ORDER BY b.created_at DESC), '[]')"
    "   FROM bookings b JOIN events e ON e.id = b.event_id"
    "   JOIN tenants t ON t.id = b.tenant_id WHERE b.user_id = u.id)"
    "   AS bookings"
    " FROM users u WHERE u.email = lower($1) OR u.phone = $1"
    " OR u.id::text = $1 LIMIT 20) x",
    1);
static struct zt_sql q_user_signout = ZT_SQL("adm_user_signout",
    "UPDATE refresh_families SET revoked_at = now() WHERE user_id = $1"
    " AND revoked_at IS NULL",
    1);

/* One JSON value of the first row (the queries build it), under key in a
 * new object (key NULL: the value itself); commits. */
enum zt_err
zt__admin_json_row(struct zt_req *req, struct zt_sql *q, const char *const *p,
    const char *key, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	PGresult *r;
	if ((r = zt_db_exec(req, &err, q, p)) == NULL ||
	    zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	struct json_object *v = json_tokener_parse(PQgetvalue(r, 0, 0));
	if (key == NULL) {
		*out = v;
		return ZT_OK;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, key, v);
	return ZT_OK;
}

struct json_object *
zt__admin_change(
    const char *reason, struct json_object *before, struct json_object *after)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "reason", json_object_new_string(reason));
	json_object_object_add(d, "before", before);
	json_object_object_add(d, "after", after);
	return d;
}

struct json_object *
zt__admin_status_change(
    const char *reason, const char *before, const char *after)
{
	struct json_object *b = json_object_new_object(),
			   *a = json_object_new_object();
	json_object_object_add(b, "status", json_object_new_string(before));
	json_object_object_add(a, "status", json_object_new_string(after));
	return zt__admin_change(reason, b, a);
}

enum zt_err
zt_admin_tenants(struct zt_req *req, const char *status, const char *search,
    struct json_object **out)
{
	const char *p[2] = {status ? status : "", search ? search : ""};
	return zt__admin_json_row(req, &q_tenants, p, "tenants", out);
}

struct transition {
	const char *action, *from, *to, *audit, *tmpl;
	int needs_reason;
};

static const struct transition transitions[] = {
    {"approve", "pending", "active", "tenant.approved", "tenant.approved", 0},
    {"reject", "pending", "rejected", "tenant.rejected", "tenant.rejected", 1},
    {"suspend", "active", "suspended", "tenant.suspended", "tenant.suspended",
	1},
    {"reinstate", "suspended", "active", "tenant.reinstated",
	"tenant.reinstated", 0},
};

/* Email every owner of tenant_id about t (inside the transaction). */
static enum zt_err
tell_owners(struct zt_req *req, const struct transition *t,
    const char *tenant_id, const char *name, const char *reason)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {tenant_id};
	PGresult *r;
	enum zt_err e = ZT_OK;
	if ((r = zt_db_exec(req, &err, &q_owner_emails, p)) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "template", json_object_new_string(t->tmpl));
	json_object_object_add(m, "tenantName", json_object_new_string(name));
	json_object_object_add(m, "reason",
	    json_object_new_string(*reason ? reason : "(no reason given)"));
	for (int i = 0; i < PQntuples(r) && e == ZT_OK; i++)
		e = zt_outbox_enqueue(req, "email", PQgetvalue(r, i, 0), m);
	json_object_put(m);
	return e;
}

enum zt_err
zt_admin_tenant_act(struct zt_req *req, const struct zt_admin *by,
    const char *tenant_id, const char *action, const char *reason,
    struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const struct transition *t = NULL;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	for (size_t i = 0; i < sizeof(transitions) / sizeof(*transitions); i++)
		if (strcmp(transitions[i].action, action) == 0)
			t = &transitions[i];
	if (t == NULL) {
		zt_db_rollback();
		return zt_fail(
		    req, ZT_ENOTFOUND, NULL, "no such action: %s", action);
	}
	if (reason == NULL)
		reason = "";
	if (t->needs_reason && *reason == '\0') {
		zt_db_rollback();
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'reason' is required to %s", action);
	}
	/* writes go through the tenant's own scope, as the admin */
	if (zt_db_scope_tenant(req, &err, tenant_id, "") != ZT_OK)
		return zt_fail_error(req, &err);
	const char *p[2] = {tenant_id, t->to};
	if ((r = zt_db_exec(req, &err, &q_tenant_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "no organization with this id");
	}
	const char *before = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *name = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	if (strcmp(before, t->from) != 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "invalid_transition",
		    "cannot %s an organization that is %s", action, before);
	}
	if (zt_db_exec(req, &err, &q_tenant_set, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = zt__admin_status_change(reason, before, t->to);
	if ((e = zt__admin_audit(req, by, tenant_id, t->audit,
		 zt_arena_printf(req->arena, "tenant:%s", tenant_id), d)) !=
		ZT_OK ||
	    (e = tell_owners(req, t, tenant_id, name, reason)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_tenant_events, p)) == NULL)
		return zt_fail_error(req, &err);
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* a suspended organizer's events stop selling at once in every
	 * process (a worker's cached sale map would hold them until its
	 * time-out; zt_salemap.h), a reinstated one's sell again */
	for (int i = 0; i < PQntuples(r); i++)
		zt_salemap_touch(req, PQgetvalue(r, i, 0));
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(tenant_id));
	json_object_object_add(*out, "name", json_object_new_string(name));
	json_object_object_add(*out, "status", json_object_new_string(t->to));
	return ZT_OK;
}

enum zt_err
zt_admin_audit(struct zt_req *req, const struct zt_admin_audit_filter *f,
    struct json_object **out)
{
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", f->limit > 0 ? f->limit : 100);
	const char *p[5] = {f->tenant_id, f->admin_id,
	    f->action ? f->action : "", f->before, limit};
	return zt__admin_json_row(req, &q_audit_list, p, "entries", out);
}

enum zt_err
zt_admin_figures(struct zt_req *req, struct json_object **out)
{
	return zt__admin_json_row(req, &q_figures, NULL, NULL, out);
}

enum zt_err
zt_admin_events(struct zt_req *req, const char *tenant_id, const char *search,
    struct json_object **out)
{
	const char *p[2] = {tenant_id, search ? search : ""};
	return zt__admin_json_row(req, &q_events, p, "events", out);
}

/* Find event_id's tenant (the admin reads across tenants) and scope the
 * transaction to it, to write like its organizer; *tenant in the arena. */
static enum zt_err
event_scope(struct zt_req *req, const char *event_id, const char **tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {event_id};
	PGresult *r;
	if ((r = zt_db_exec(req, &err, &q_event_tenant, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		zt_db_rollback();
		return zt_fail(req, ZT_ENOTFOUND, "event_not_found",
		    "no event with this id");
	}
	*tenant = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	if (zt_db_scope_tenant(req, &err, *tenant, "") != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_admin_event_cancel(struct zt_req *req, const struct zt_admin *by,
    const char *event_id, const char *reason, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, "cancelled"}, *why, *next, *tenant;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = event_scope(req, event_id, &tenant)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_event_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	const char *before = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *title = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	if ((next = zt_event_transition(before, "cancel", &why)) == NULL) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "invalid_transition",
		    "cannot cancel: %s", why);
	}
	p[1] = next;
	if (zt_db_exec(req, &err, &q_event_set, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *d = zt__admin_status_change(reason, before, next);
	if ((e = zt__admin_audit(req, by, tenant, "event.cancelled",
		 zt_arena_printf(req->arena, "event:%s", event_id), d)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* what is on sale changes: holds stop at once */
	zt_salemap_touch(req, event_id);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(event_id));
	json_object_object_add(*out, "title", json_object_new_string(title));
	json_object_object_add(*out, "status", json_object_new_string(next));
	return ZT_OK;
}

enum zt_err
zt_admin_event_unlist(struct zt_req *req, const struct zt_admin *by,
    const char *event_id, const char *reason, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {event_id, reason ? reason : ""}, *tenant;
	PGresult *r;
	enum zt_err e;

	*out = NULL;
	if ((e = event_scope(req, event_id, &tenant)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_event_unlist_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	const char *title = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	const char *was = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 1));
	int unlist = *p[1] != '\0';
	if (unlist == (*was != '\0')) {
		zt_db_rollback();
		return zt_fail(req, ZT_ECONFLICT, "invalid_transition",
		    unlist ? "the event is already unlisted"
			   : "the event is not unlisted");
	}
	if (zt_db_exec(req, &err, &q_event_unlist_set, p) == NULL)
		return zt_fail_error(req, &err);
	struct json_object *b = json_object_new_object(),
			   *a = json_object_new_object();
	json_object_object_add(b, "listed", json_object_new_boolean(unlist));
	json_object_object_add(
	    b, "unlistedReason", unlist ? NULL : json_object_new_string(was));
	json_object_object_add(a, "listed", json_object_new_boolean(!unlist));
	json_object_object_add(
	    a, "unlistedReason", unlist ? json_object_new_string(p[1]) : NULL);
	struct json_object *d = zt__admin_change(unlist ? p[1] : was, b, a);
	if ((e = zt__admin_audit(req, by, tenant,
		 unlist ? "event.unlisted" : "event.relisted",
		 zt_arena_printf(req->arena, "event:%s", event_id), d)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	/* what is on sale changes: holds stop (or start again) at once */
	zt_salemap_touch(req, event_id);
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(event_id));
	json_object_object_add(*out, "title", json_object_new_string(title));
	json_object_object_add(
	    *out, "listed", json_object_new_boolean(!unlist));
	json_object_object_add(*out, "unlistedReason",
	    unlist ? json_object_new_string(p[1]) : NULL);
	return ZT_OK;
}

enum zt_err
zt_admin_users(struct zt_req *req, const char *q, struct json_object **out)
{
	const char *p[1] = {q};
	return zt__admin_json_row(req, &q_users, p, "users", out);
}

enum zt_err
zt_admin_user_signout(struct zt_req *req, const struct zt_admin *by,
    const char *user_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {user_id};
	PGresult *r;
	enum zt_err e;
	if ((r = zt_db_exec(req, &err, &q_user_signout, p)) == NULL)
		return zt_fail_error(req, &err);
	const char *n = PQcmdTuples(r);
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "families", json_object_new_int(atoi(n)));
	if ((e = zt__admin_audit(req, by, NULL, "user.signed_out",
		 zt_arena_printf(req->arena, "user:%s", user_id), d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(
	    *out, "sessionsEnded", json_object_new_int(atoi(n)));
	return ZT_OK;
}
