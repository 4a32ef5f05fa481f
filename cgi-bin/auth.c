/*
 * auth - passwordless sign-in and sessions (/api/auth/…).
 * Rules live in lib/zt_otp.c and lib/zt_session.c.
 */
#include "config.h"

#include "zt_db.h"
#include "zt_json.h"
#include "zt_otp.h"
#include "zt_serve.h"
#include "zt_session.h"
#include "zt_time.h"
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
	char id[ZT_UUID_BUF], when[ZT_TIME_LEN];
	long expires;
	enum zt_err e;

	if ((e = zt_json_str(req, req->json, "channel", ZT_REQUIRED, 16,
		 &channel, NULL)) != ZT_OK ||
	    (e = zt_json_str(
		 req, req->json, "to", ZT_REQUIRED, 254, &to, NULL)) != ZT_OK)
		return e;
	if ((e = zt_otp_send(req, channel, to, id, &expires)) != ZT_OK)
		return e;
	zt_time_format(expires, when);
	struct json_object *body = json_object_new_object();
	json_object_object_add(body, "challengeId", json_object_new_string(id));
	json_object_object_add(body, "expiresAt", json_object_new_string(when));
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

static const struct zt_route routes[] = {
    {"POST", "/api/auth/otp/send", post_otp_send, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/otp/verify", post_otp_verify, ZT_AUTH_PUBLIC, 1024, 0},
    {"POST", "/api/auth/token/refresh", post_refresh, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"POST", "/api/auth/logout", post_logout, ZT_AUTH_PUBLIC, 1024,
	ZT_ROUTE_NO_FORMS},
    {"GET", "/api/auth/me", get_me, ZT_AUTH_USER, 0, 0},
};

int
main(void)
{
	return zt_serve("auth", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_JWT | ZT_NEED_AUTH);
}
