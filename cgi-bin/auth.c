/*
 * auth - passwordless sign-in, Sign in with Google, and sessions
 * (/api/auth/…).  Rules live in lib/zt_otp.c, lib/zt_oidc.c and
 * lib/zt_session.c.
 */
#include "config.h"

#include "zt_db.h"
#include "zt_json.h"
#include "zt_oidc.h"
#include "zt_otp.h"
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
	struct zt_error err = ZT_ERROR_INIT;
	const char *id = NULL, *code = NULL, *channel, *ident;
	char user_id[ZT_UUID_BUF];
	struct zt_session_answer a;
	int must_commit;
	enum zt_err e;

	if ((e = zt_json_uuid(req, req->json, "challengeId", ZT_REQUIRED, &id,
		 NULL)) != ZT_OK ||
	    (e = zt_json_str(
		 req, req->json, "code", ZT_REQUIRED, 6, &code, NULL)) != ZT_OK)
		return e;
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'code' must be 6 digits");
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	e = zt_otp_check(req, id, code, &channel, &ident, &must_commit);
	if (e != ZT_OK) {
		/* keep the attempt count, then report the failure; a COMMIT
		 * that fails reports its own error in its place */
		if (must_commit && zt_db_commit(req, &err) != ZT_OK)
			return zt_fail_error(req, &err);
		return e;
	}
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

static const struct zt_route routes[] = {
    {"POST", "/api/auth/otp/send", post_otp_send, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/otp/verify", post_otp_verify, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/token/refresh", post_refresh, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"POST", "/api/auth/logout", post_logout, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"GET", "/api/auth/me", get_me, ZT_AUTH_USER, 0, 0},
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
