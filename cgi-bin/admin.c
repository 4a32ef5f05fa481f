/*
 * admin - the platform admin console's API (/api/admin/…).
 * Rules live in lib/zt_admin.c and lib/zt_admin_console.c; docs/admin.md.
 *
 * Authentication is the admin session cookie (Path=/api/admin/,
 * HttpOnly, SameSite=Strict), never a bearer token: every route is
 * ZT_AUTH_PUBLIC to the dispatcher and each handler asks zt_admin_require.
 * Writes are ZT_ROUTE_NO_FORMS (Content-Type: application/json only), so
 * no cross-site form can post to them.
 */
#include "config.h"

#include "zt_admin.h"
#include "zt_db.h"
#include "zt_ident.h"
#include "zt_json.h"
#include "zt_otp.h"
#include "zt_serve.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <stdlib.h>
#include <string.h>

/* Send a's cookie (whatever e is), then answer status with its body. */
static enum zt_err
reply(struct zt_req *req, enum zt_err e, int status, struct zt_admin_answer *a)
{
	if (a->cookie != NULL)
		zt_reply_header(req, "Set-Cookie", a->cookie);
	return e != ZT_OK ? e : zt_reply(req, status, a->body);
}

static enum zt_err
need_digits(struct zt_req *req, const char *field, const char *v)
{
	if (strlen(v) != 6 || strspn(v, "0123456789") != 6)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must be 6 digits", field);
	return ZT_OK;
}

/* The fields each body may carry: a typo is a 400, never ignored. */
static const char *const k_code[] = {"email", NULL};
static const char *const k_signin[] = {"challengeId", "code", "totp", NULL};
static const char *const k_start[] = {"token", "challengeId", "code", NULL};
static const char *const k_confirm[] = {"token", "code1", "code2", NULL};
static const char *const k_invite[] = {"email", "name", NULL};
static const char *const k_reason[] = {"reason", NULL};
static const char *const k_note[] = {"note", NULL};
static const char *const k_none[] = {NULL};

/* ------------------------------------------------------------ sign-in -- */

static enum zt_err
post_code(struct zt_req *req)
{
	const char *email = NULL;
	struct json_object *body;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, k_code)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "email", ZT_REQUIRED, 254, &email,
		 NULL)) != ZT_OK ||
	    (e = zt_otp_send_json(req, "email", email, &body)) != ZT_OK)
		return e;
	return zt_reply(req, 202, body);
}

static enum zt_err
post_signin(struct zt_req *req)
{
	const char *id = NULL, *code = NULL, *totp = NULL;
	struct zt_admin_answer a = {NULL, NULL};
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, k_signin)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "challengeId", ZT_REQUIRED, &id,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "code", ZT_REQUIRED, 6, &code,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "totp", ZT_REQUIRED, 6, &totp,
		 NULL)) != ZT_OK ||
	    (e = need_digits(req, "code", code)) != ZT_OK ||
	    (e = need_digits(req, "totp", totp)) != ZT_OK)
		return e;
	return reply(req, zt_admin_signin(req, id, code, totp, &a), 200, &a);
}

static enum zt_err
post_signout(struct zt_req *req)
{
	struct zt_admin_answer a = {NULL, NULL};
	return reply(req, zt_admin_signout(req, &a), 204, &a);
}

static enum zt_err
get_me(struct zt_req *req)
{
	struct zt_admin who;
	enum zt_err e;
	struct zt_error err = ZT_ERROR_INIT;
	if ((e = zt_admin_require(req, &who)) != ZT_OK)
		return e;
	/* sends the session's touch (last_seen_at) */
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return zt_reply(req, 200, zt_admin_json(&who));
}

/* ---------------------------------------------------------- enrolment -- */

static enum zt_err
post_enrol_start(struct zt_req *req)
{
	const char *token = NULL, *id = NULL, *code = NULL;
	struct json_object *out;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, k_start)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "token", ZT_REQUIRED, 64, &token,
		 NULL)) != ZT_OK ||
	    (e = zt_json_uuid(req, req->json, "challengeId", ZT_REQUIRED, &id,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "code", ZT_REQUIRED, 6, &code,
		 NULL)) != ZT_OK ||
	    (e = need_digits(req, "code", code)) != ZT_OK ||
	    (e = zt_admin_enrol_start(req, token, id, code, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_enrol_confirm(struct zt_req *req)
{
	const char *token = NULL, *c1 = NULL, *c2 = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, k_confirm)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "token", ZT_REQUIRED, 64, &token,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "code1", ZT_REQUIRED, 6, &c1,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "code2", ZT_REQUIRED, 6, &c2,
		 NULL)) != ZT_OK ||
	    (e = need_digits(req, "code1", c1)) != ZT_OK ||
	    (e = need_digits(req, "code2", c2)) != ZT_OK ||
	    (e = zt_admin_enrol_confirm(req, token, c1, c2)) != ZT_OK)
		return e;
	struct json_object *out = json_object_new_object();
	json_object_object_add(out, "enrolled", json_object_new_boolean(1));
	return zt_reply(req, 200, out);
}

/* ------------------------------------------------------------- admins -- */

static enum zt_err
get_admins(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	enum zt_err e;
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_list(req, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_admins(struct zt_req *req)
{
	struct zt_admin who;
	const char *email = NULL, *name = NULL, *link;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, k_invite)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "email", ZT_REQUIRED, 254, &email,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "name", ZT_OPTIONAL, 200, &name,
		 NULL)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_invite(req, &who, email, name, &link)) != ZT_OK)
		return e;
	struct json_object *out = json_object_new_object();
	json_object_object_add(out, "enrolUrl", json_object_new_string(link));
	return zt_reply(req, 201, out);
}

static enum zt_err
need_reason(struct zt_req *req, int required, const char **reason)
{
	enum zt_err e;
	*reason = NULL;
	if (req->json == NULL && !required)
		return ZT_OK;
	if ((e = zt_json_known(req, req->json, NULL, k_reason)) != ZT_OK)
		return e;
	return zt_json_str(req, req->json, "reason",
	    required ? ZT_REQUIRED : ZT_OPTIONAL, 500, reason, NULL);
}

/* The path's :id as a UUID; 404 code "no <noun> with this id" if not. */
static enum zt_err
path_id(struct zt_req *req, const char *code, const char *noun, const char **id)
{
	if ((*id = zt_uuid_norm(req->arena, zt_param(req, "id"))) == NULL)
		return zt_fail(
		    req, ZT_ENOTFOUND, code, "no %s with this id", noun);
	return ZT_OK;
}

/* What an admin's action on one row starts with: the row's id, the body's
 * reason (when required, not empty) and the signed-in admin. */
static enum zt_err
acting(struct zt_req *req, const char *code, const char *noun,
    int reason_required, const char **id, const char **reason,
    struct zt_admin *who)
{
	enum zt_err e;
	if ((e = path_id(req, code, noun, id)) != ZT_OK ||
	    (e = need_reason(req, reason_required, reason)) != ZT_OK)
		return e;
	if (reason_required && **reason == '\0')
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'reason' must not be empty");
	return zt_admin_require(req, who);
}

static enum zt_err
post_admin_disable(struct zt_req *req)
{
	struct zt_admin who;
	const char *id, *reason;
	enum zt_err e;
	if ((e = acting(req, "admin_not_found", "enabled admin", 1, &id,
		 &reason, &who)) != ZT_OK ||
	    (e = zt_admin_disable(req, &who, id, reason)) != ZT_OK)
		return e;
	return zt_reply(req, 204, NULL);
}

/* ------------------------------------------------------------ tenants -- */

static enum zt_err
get_tenants(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *status = zt_query(req, "status"), *q = zt_query(req, "q");
	enum zt_err e;
	if (status != NULL && *status != '\0' &&
	    strcmp(status, "pending") != 0 && strcmp(status, "active") != 0 &&
	    strcmp(status, "suspended") != 0 && strcmp(status, "rejected") != 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'status' must be pending, active, suspended or "
		    "rejected");
	if (q != NULL && strlen(q) > 100)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'q' is longer than 100 characters");
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_tenants(req, status, q, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
tenant_act(struct zt_req *req, const char *action, int reason_required)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id, *reason;
	enum zt_err e;
	if ((e = acting(req, "tenant_not_found", "organization",
		 reason_required, &id, &reason, &who)) != ZT_OK ||
	    (e = zt_admin_tenant_act(req, &who, id, action, reason, &out)) !=
		ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_approve(struct zt_req *req)
{
	return tenant_act(req, "approve", 0);
}

static enum zt_err
post_reject(struct zt_req *req)
{
	return tenant_act(req, "reject", 1);
}

static enum zt_err
post_suspend(struct zt_req *req)
{
	return tenant_act(req, "suspend", 1);
}

static enum zt_err
post_reinstate(struct zt_req *req)
{
	return tenant_act(req, "reinstate", 0);
}

/* ------------------------------------------------------------- events -- */

static enum zt_err query_uuid(
    struct zt_req *req, const char *name, const char **out);

static enum zt_err
get_events(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *tenant, *q = zt_query(req, "q");
	enum zt_err e;
	if ((e = query_uuid(req, "tenantId", &tenant)) != ZT_OK)
		return e;
	if (q != NULL && strlen(q) > 100)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'q' is longer than 100 characters");
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_events(req, tenant, q, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_event_cancel(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id, *reason;
	enum zt_err e;
	if ((e = acting(req, "event_not_found", "event", 1, &id, &reason,
		 &who)) != ZT_OK ||
	    (e = zt_admin_event_cancel(req, &who, id, reason, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
event_listing(struct zt_req *req, int unlist)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id, *reason;
	enum zt_err e;
	if ((e = acting(req, "event_not_found", "event", unlist, &id, &reason,
		 &who)) != ZT_OK ||
	    (e = zt_admin_event_unlist(
		 req, &who, id, unlist ? reason : NULL, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_event_unlist(struct zt_req *req)
{
	return event_listing(req, 1);
}

static enum zt_err
post_event_relist(struct zt_req *req)
{
	return event_listing(req, 0);
}

/* -------------------------------------------------------------- money -- */

/* Query name: absent, empty or one of the NULL-terminated allowed. */
static enum zt_err
query_enum(struct zt_req *req, const char *name, const char *const *allowed,
    const char *all, const char **out)
{
	const char *v = zt_query(req, name);
	*out = NULL;
	if (v == NULL || *v == '\0')
		return ZT_OK;
	for (int i = 0; allowed[i] != NULL; i++)
		if (strcmp(v, allowed[i]) == 0) {
			*out = v;
			return ZT_OK;
		}
	return zt_fail(req, ZT_EBADREQ, "invalid_field",
	    "query '%s' must be one of %s", name, all);
}

static enum zt_err
query_search(struct zt_req *req, const char **q)
{
	*q = zt_query(req, "q");
	if (*q != NULL && strlen(*q) > 100)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'q' is longer than 100 characters");
	return ZT_OK;
}

static const char *const payout_states[] = {"pending", "held", "approved",
    "processing", "paid", "failed", "reversed", NULL};
static const char *const refund_states[] = {
    "pending", "processed", "failed", NULL};
static const char *const finding_states[] = {"open", "resolved", NULL};

static enum zt_err
get_payouts(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *status, *q;
	enum zt_err e;
	if ((e = query_enum(req, "status", payout_states,
		 "pending, held, approved, processing, paid, failed, reversed",
		 &status)) != ZT_OK ||
	    (e = query_search(req, &q)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_payouts(req, status, q, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
payout_decide(struct zt_req *req, int approve)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id, *reason;
	enum zt_err e;
	if ((e = acting(req, "payout_not_found", "payout", !approve, &id,
		 &reason, &who)) != ZT_OK ||
	    (e = zt_admin_payout_decide(
		 req, &who, id, approve, reason, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_payout_approve(struct zt_req *req)
{
	return payout_decide(req, 1);
}

static enum zt_err
post_payout_hold(struct zt_req *req)
{
	return payout_decide(req, 0);
}

static enum zt_err
get_discrepancies(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *state;
	enum zt_err e;
	if ((e = query_enum(req, "state", finding_states, "open, resolved",
		 &state)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_discrepancies(req, state, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_discrepancy_resolve(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id, *note = NULL;
	enum zt_err e;
	if ((e = path_id(req, "discrepancy_not_found", "discrepancy", &id)) !=
		ZT_OK ||
	    (e = zt_json_known(req, req->json, NULL, k_note)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "note", ZT_REQUIRED, 500, &note,
		 NULL)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_discrepancy_resolve(req, &who, id, note, &out)) !=
		ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_refunds(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *status, *q;
	enum zt_err e;
	if ((e = query_enum(req, "status", refund_states,
		 "pending, processed, failed", &status)) != ZT_OK ||
	    (e = query_search(req, &q)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_refunds(req, status, q, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

/* -------------------------------------------------------------- users -- */

static enum zt_err
get_users(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *q = zt_query(req, "q"), *key = NULL;
	char norm[256];
	enum zt_err e;
	if (q != NULL && strlen(q) <= 254) {
		if (zt_is_uuid(q))
			key = zt_uuid_norm(req->arena, q);
		else if ((strchr(q, '@') != NULL
				 ? zt_ident_email(q, norm, sizeof(norm))
				 : zt_ident_phone(q, norm, sizeof(norm))) == 0)
			key = zt_arena_strdup(req->arena, norm);
	}
	if (key == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'q' must be an email address, a phone number or a "
		    "user id");
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_users(req, key, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
post_user_signout(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	const char *id;
	enum zt_err e;
	if ((e = path_id(req, "user_not_found", "user", &id)) != ZT_OK ||
	    (e = zt_json_known(req, req->json, NULL, k_none)) != ZT_OK ||
	    (e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_user_signout(req, &who, id, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

/* -------------------------------------------------- audit and figures -- */

static enum zt_err
query_uuid(struct zt_req *req, const char *name, const char **out)
{
	const char *v = zt_query(req, name);
	*out = NULL;
	if (v == NULL || *v == '\0')
		return ZT_OK;
	if ((*out = zt_uuid_norm(req->arena, v)) == NULL)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query '%s' must be a UUID", name);
	return ZT_OK;
}

static enum zt_err
get_audit(struct zt_req *req)
{
	struct zt_admin who;
	struct zt_admin_audit_filter f = {NULL, NULL, NULL, NULL, 100};
	struct json_object *out;
	const char *v;
	int64_t t;
	enum zt_err e;
	if ((e = query_uuid(req, "tenantId", &f.tenant_id)) != ZT_OK ||
	    (e = query_uuid(req, "adminId", &f.admin_id)) != ZT_OK)
		return e;
	if ((f.action = zt_query(req, "action")) != NULL &&
	    (strlen(f.action) > 64 ||
		strspn(f.action, "abcdefghijklmnopqrstuvwxyz_.") !=
		    strlen(f.action)))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query 'action' must be an action name or its prefix "
		    "(lowercase letters, '.', '_')");
	if ((v = zt_query(req, "before")) != NULL && *v != '\0') {
		if (zt_time_parse(v, &t) != 0)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "query 'before' must be an RFC 3339 time");
		f.before = v;
	}
	if ((v = zt_query(req, "limit")) != NULL && *v != '\0') {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1 || n > 500)
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "query 'limit' must be 1 to 500");
		f.limit = (int)n;
	}
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_audit(req, &f, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_figures(struct zt_req *req)
{
	struct zt_admin who;
	struct json_object *out;
	enum zt_err e;
	if ((e = zt_admin_require(req, &who)) != ZT_OK ||
	    (e = zt_admin_figures(req, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

#define W ZT_ROUTE_NO_FORMS

static const struct zt_route routes[] = {
    {"POST", "/api/admin/signin/code", post_code, ZT_AUTH_PUBLIC, 1024, W},
    {"POST", "/api/admin/signin", post_signin, ZT_AUTH_PUBLIC, 1024, W},
    {"POST", "/api/admin/signout", post_signout, ZT_AUTH_PUBLIC, 1024, W},
    {"GET", "/api/admin/me", get_me, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/enrol/start", post_enrol_start, ZT_AUTH_PUBLIC, 1024,
	W},
    {"POST", "/api/admin/enrol/confirm", post_enrol_confirm, ZT_AUTH_PUBLIC,
	1024, W},
    {"GET", "/api/admin/admins", get_admins, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/admins", post_admins, ZT_AUTH_PUBLIC, 1024, W},
    {"POST", "/api/admin/admins/:id/disable", post_admin_disable,
	ZT_AUTH_PUBLIC, 2048, W},
    {"GET", "/api/admin/tenants", get_tenants, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/tenants/:id/approve", post_approve, ZT_AUTH_PUBLIC,
	2048, W},
    {"POST", "/api/admin/tenants/:id/reject", post_reject, ZT_AUTH_PUBLIC, 2048,
	W},
    {"POST", "/api/admin/tenants/:id/suspend", post_suspend, ZT_AUTH_PUBLIC,
	2048, W},
    {"POST", "/api/admin/tenants/:id/reinstate", post_reinstate, ZT_AUTH_PUBLIC,
	2048, W},
    {"GET", "/api/admin/audit", get_audit, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/admin/events", get_events, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/events/:id/cancel", post_event_cancel, ZT_AUTH_PUBLIC,
	2048, W},
    {"POST", "/api/admin/events/:id/unlist", post_event_unlist, ZT_AUTH_PUBLIC,
	2048, W},
    {"POST", "/api/admin/events/:id/relist", post_event_relist, ZT_AUTH_PUBLIC,
	2048, W},
    {"GET", "/api/admin/payouts", get_payouts, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/payouts/:id/approve", post_payout_approve,
	ZT_AUTH_PUBLIC, 2048, W},
    {"POST", "/api/admin/payouts/:id/hold", post_payout_hold, ZT_AUTH_PUBLIC,
	2048, W},
    {"GET", "/api/admin/discrepancies", get_discrepancies, ZT_AUTH_PUBLIC, 0,
	0},
    {"POST", "/api/admin/discrepancies/:id/resolve", post_discrepancy_resolve,
	ZT_AUTH_PUBLIC, 2048, W},
    {"GET", "/api/admin/refunds", get_refunds, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/admin/users", get_users, ZT_AUTH_PUBLIC, 0, 0},
    {"POST", "/api/admin/users/:id/signout", post_user_signout, ZT_AUTH_PUBLIC,
	1024, W},
    {"GET", "/api/admin/figures", get_figures, ZT_AUTH_PUBLIC, 0, 0},
};

int
main(void)
{
	return zt_serve("admin", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_PG_SYSTEM | ZT_NEED_REDIS | ZT_NEED_AUTH |
		ZT_NEED_ADMIN);
}
