/*
 * auth - passwordless sign-in, Sign in with Google, sessions, and the
 * person's own account (/api/auth/…).  Rules live in lib/zt_otp.c,
 * lib/zt_oidc.c, lib/zt_session.c and lib/zt_profile.c.
 */
#include "config.h"

#include "zt_json.h"
#include "zt_oidc.h"
#include "zt_otp.h"
#include "zt_profile.h"
#include "zt_serve.h"
#include "zt_session.h"
#include "zt_uuid.h"

#include <ctype.h>
#include <string.h>

/* Send a's cookie (whatever e is), then answer status with its body. */
static enum zt_err
reply(
    struct zt_req *req, enum zt_err e, int status, struct zt_session_answer *a)
{
	if (a->cookie != NULL)
		zt_reply_header(req, "Set-Cookie", a->cookie);
	return e != ZT_OK ? e : zt_reply(req, status, a->body);
}

static enum zt_err
post_otp_send(struct zt_req *req)
{
	const char *channel = NULL, *to = NULL;
	struct json_object *body;
	enum zt_err e;

	if ((e = zt_json_str(req, req->json, "channel", ZT_REQUIRED, 16,
		 &channel, NULL)) != ZT_OK ||
	    (e = zt_json_str(
		 req, req->json, "to", ZT_REQUIRED, 254, &to, NULL)) != ZT_OK ||
	    (e = zt_otp_send_json(req, channel, to, &body)) != ZT_OK)
		return e;
	return zt_reply(req, 202, body);
}

static enum zt_err
post_otp_verify(struct zt_req *req)
{
	const char *id = NULL, *code = NULL, *channel, *ident;
	char user_id[ZT_UUID_BUF];
	struct zt_session_answer a;
	enum zt_err e;

	if ((e = zt_otp_read_proof(req, req->json, &id, &code)) != ZT_OK ||
	    (e = zt_otp_check_begin(req, id, code, &channel, &ident)) != ZT_OK)
		return e;
	if ((e = zt_session_user(req, channel, ident, user_id)) != ZT_OK)
		return e;
	return reply(req, zt_session_start(req, user_id, &a), 200, &a);
}

static enum zt_err
post_refresh(struct zt_req *req)
{
	const char *tenant = NULL;
	struct zt_session_answer a = {NULL, NULL};
	enum zt_err e;
	if (req->json != NULL && (e = zt_json_uuid(req, req->json, "tenantId",
				      ZT_OPTIONAL, &tenant, NULL)) != ZT_OK)
		return e;
	return reply(req, zt_session_refresh(req, tenant, &a), 200, &a);
}

static enum zt_err
post_logout(struct zt_req *req)
{
	struct zt_session_answer a;
	return reply(req, zt_session_logout(req, &a), 204, &a);
}

static enum zt_err
get_me(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_session_me(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
get_providers(struct zt_req *req)
{
	struct json_object *body = json_object_new_object();
	json_object_object_add(
	    body, "google", json_object_new_boolean(zt_oidc_enabled()));
	return zt_reply(req, 200, body);
}

static enum zt_err
get_google_start(struct zt_req *req)
{
	struct zt_oidc_redirect r;
	enum zt_err e = zt_oidc_start(
	    req, zt_query(req, "next"), zt_query(req, "login_hint"), &r);
	if (e != ZT_OK)
		return e;
	zt_reply_header(req, "Set-Cookie", r.cookie);
	zt_reply_header(req, "Location", r.location);
	return zt_reply(req, 302, NULL);
}

/*
 * A browser that was refused at the callback (it asked for HTML) goes back
 * to the home page with the code (?signin_error=…), which web/js/auth.js
 * shows; API clients get the JSON error.
 */
static enum zt_err
to_page(struct zt_req *req, enum zt_err e)
{
	const char *accept = zt_header(req, "Accept"), *code;
	if (accept == NULL || strstr(accept, "text/html") == NULL)
		return e;
	code = req->err_code ? req->err_code : zt_err_code(e);
	zt_fail_clear(req);
	zt_reply_header(req, "Location",
	    zt_arena_printf(req->arena, "/?signin_error=%s", code));
	return zt_reply(req, 303, NULL);
}

static enum zt_err
get_google_callback(struct zt_req *req)
{
	struct zt_oidc_done d;
	enum zt_err e = zt_oidc_callback(req, &d);
	zt_reply_header(req, "Set-Cookie", d.clear_cookie);
	if (e != ZT_OK)
		return to_page(req, e);
	json_object_put(d.session.body); /* the page refreshes for a token */
	zt_reply_header(req, "Set-Cookie", d.session.cookie);
	zt_reply_header(req, "Location", d.next);
	return zt_reply(req, 302, NULL);
}

/* ------------------------------------------ the person's account ---- */

static enum zt_err
patch_me(struct zt_req *req)
{
	static const char *const known[] = {"name", "lang", NULL};
	const char *name = NULL, *lang = NULL;
	int has_name = 0, has_lang = 0;
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "name", ZT_OPTIONAL, 400, &name,
		 &has_name)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "lang", ZT_OPTIONAL, 16, &lang,
		 &has_lang)) != ZT_OK)
		return e;
	if (!has_name && !has_lang)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'name' or 'lang' is required");
	if (has_lang && (e = zt_profile_check_lang(req, lang)) != ZT_OK)
		return e;
	if (has_name && (e = zt_profile_set_name(req, name, &out)) != ZT_OK)
		return e;
	if (has_lang) {
		json_object_put(out);
		if ((e = zt_profile_set_lang(req, lang, &out)) != ZT_OK)
			return e;
	}
	return zt_reply(req, 200, out);
}

static enum zt_err
post_ident_send(struct zt_req *req)
{
	const char *channel = NULL, *to = NULL;
	char id[ZT_UUID_BUF];
	long expires;
	enum zt_err e;
	static const char *const known[] = {"channel", "to", NULL};

	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_json_str(req, req->json, "channel", ZT_REQUIRED, 16,
		 &channel, NULL)) != ZT_OK ||
	    (e = zt_json_str(
		 req, req->json, "to", ZT_REQUIRED, 254, &to, NULL)) != ZT_OK ||
	    (e = zt_profile_ident_send(req, channel, to, id, &expires)) !=
		ZT_OK)
		return e;
	return zt_reply(req, 202, zt_otp_challenge_json(id, expires));
}

static enum zt_err
post_ident_verify(struct zt_req *req)
{
	static const char *const known[] = {"challengeId", "code", NULL};
	const char *id = NULL, *code = NULL;
	struct json_object *out = NULL;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_otp_read_proof(req, req->json, &id, &code)) != ZT_OK ||
	    (e = zt_profile_ident_verify(req, id, code, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

static enum zt_err
get_sessions(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_profile_sessions(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
delete_session(struct zt_req *req)
{
	const char *id = zt_uuid_norm(req->arena, zt_param(req, "sessionId"));
	if (id == NULL)
		return zt_fail(
		    req, ZT_ENOTFOUND, "session_not_found", "no such session");
	return zt_profile_session_end(req, id);
}

static enum zt_err
delete_sessions(struct zt_req *req)
{
	int n;
	enum zt_err e = zt_profile_sessions_end_others(req, &n);
	if (e != ZT_OK)
		return e;
	struct json_object *body = json_object_new_object();
	json_object_object_add(body, "ended", json_object_new_int(n));
	return zt_reply(req, 200, body);
}

/* ------------------------------------------- personal data (DPDP) ---- */

static enum zt_err
get_export(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_profile_export(req, &out);
	if (e != ZT_OK)
		return e;
	zt_reply_header(req, "Content-Disposition",
	    "attachment; filename=\"ztic-my-data.json\"");
	zt_reply_header(req, "Cache-Control", "no-store");
	return zt_reply(req, 200, out);
}

static enum zt_err
get_consents(struct zt_req *req)
{
	struct json_object *out = NULL;
	enum zt_err e = zt_profile_consents(req, &out);
	return e != ZT_OK ? e : zt_reply(req, 200, out);
}

static enum zt_err
put_consents(struct zt_req *req)
{
	static const char *const known[] = {
	    "marketing", "organizerContact", NULL};
	struct json_object *out = NULL;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_profile_consents_set(req, req->json, &out)) != ZT_OK)
		return e;
	return zt_reply(req, 200, out);
}

/* {"confirm": true}: the person means it (a bodiless POST does nothing) */
static enum zt_err
post_deletion(struct zt_req *req)
{
	static const char *const known[] = {"confirm", NULL};
	char id[ZT_UUID_BUF];
	const char *channel;
	long expires;
	int yes = 0;
	enum zt_err e;
	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_json_bool(
		 req, req->json, "confirm", ZT_REQUIRED, &yes, NULL)) != ZT_OK)
		return e;
	if (!yes)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'confirm' must be true to delete the account");
	if ((e = zt_profile_deletion_start(req, id, &expires, &channel)) !=
	    ZT_OK)
		return e;
	struct json_object *body = zt_otp_challenge_json(id, expires);
	json_object_object_add(
	    body, "channel", json_object_new_string(channel));
	return zt_reply(req, 202, body);
}

static enum zt_err
post_deletion_confirm(struct zt_req *req)
{
	static const char *const known[] = {"challengeId", "code", NULL};
	const char *id = NULL, *code = NULL;
	enum zt_err e;

	if ((e = zt_json_known(req, req->json, NULL, known)) != ZT_OK ||
	    (e = zt_otp_read_proof(req, req->json, &id, &code)) != ZT_OK ||
	    (e = zt_profile_delete(req, id, code)) != ZT_OK)
		return e;
	/* this browser's session went with the others */
	zt_reply_header(req, "Set-Cookie", zt_session_cookie(req, NULL, 0));
	return zt_reply(req, 204, NULL);
}

static const struct zt_route routes[] = {
    {"POST", "/api/auth/otp/send", post_otp_send, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/otp/verify", post_otp_verify, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/token/refresh", post_refresh, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"POST", "/api/auth/logout", post_logout, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"GET", "/api/auth/me", get_me, ZT_AUTH_USER, 0, 0},
    {"PATCH", "/api/auth/me", patch_me, ZT_AUTH_USER, 1024, 0},
    {"GET", "/api/auth/me/consents", get_consents, ZT_AUTH_USER, 0, 0},
    {"PUT", "/api/auth/me/consents", put_consents, ZT_AUTH_USER, 1024, 0},
    {"POST", "/api/auth/me/deletion", post_deletion, ZT_AUTH_USER, 1024, 0},
    {"POST", "/api/auth/me/deletion/confirm", post_deletion_confirm,
	ZT_AUTH_USER, 1024, 0},
    {"GET", "/api/auth/me/export", get_export, ZT_AUTH_USER, 0, 0},
    {"POST", "/api/auth/me/identifiers", post_ident_send, ZT_AUTH_USER, 1024,
	0},
    {"POST", "/api/auth/me/identifiers/verify", post_ident_verify, ZT_AUTH_USER,
	1024, 0},
    {"GET", "/api/auth/sessions", get_sessions, ZT_AUTH_USER, 0, 0},
    {"DELETE", "/api/auth/sessions", delete_sessions, ZT_AUTH_USER, 0, 0},
    {"DELETE", "/api/auth/sessions/:sessionId", delete_session, ZT_AUTH_USER, 0,
	0},
    {"GET", "/api/auth/providers", get_providers, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/auth/google/start", get_google_start, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/api/auth/google/callback", get_google_callback, ZT_AUTH_PUBLIC, 0,
	0},
};

int
main(void)
{
	return zt_serve("auth", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_JWT | ZT_NEED_AUTH);
}
