/* zt_oidc.c - Sign in with Google: the flow and the provider's documents;
 * see zt_oidc.h.  The ID token: zt_oidc_token.c. */
#include "zt_oidc.h"
#include "zt_oidc_int.h"
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_http.h"
#include "zt_json.h"
#include "zt_keys.h"
#include "zt_log.h"
#include "zt_rate.h"
#include "zt_redis.h"
#include "zt_server.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROV "google"
#define USER_AGENT "ztic-oidc/1 (+libcurl)"
#define TIMEOUT_MS 10000L
#define DOC_CAP (64 * 1024) /* discovery, JWKS and token answers */
#define CACHE_DEFAULT 3600  /* seconds, when no Cache-Control max-age */
#define CACHE_MAX 86400

static struct zt_sql q_ident = ZT_SQL("oidc_ident",
    "UPDATE user_identities SET last_login_at = now(), email = $3"
    " WHERE provider = $1 AND subject = $2 RETURNING user_id",
    3);
/* a racing first sign-in of the same subject: the row already there wins */
static struct zt_sql q_ident_new = ZT_SQL("oidc_ident_new",
    "INSERT INTO user_identities (provider, subject, user_id, email)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (provider, subject) DO UPDATE SET last_login_at = now()"
    " RETURNING user_id",
    4);
static struct zt_sql q_user_seen = ZT_SQL("oidc_user_seen",
    "UPDATE users SET last_login_at = now(),"
    " name = CASE WHEN name = '' THEN $2 ELSE name END"
    " WHERE id = $1",
    2);

/* ---- the provider's documents, cached per process ------------------------ */

static struct {
	char *authorize, *token, *jwks;
	time_t until; /* 0: never loaded */
} disc;

time_t
zt__oidc_cache_until(long max_age)
{
	if (max_age < 0)
		max_age = CACHE_DEFAULT;
	if (max_age > CACHE_MAX)
		max_age = CACHE_MAX;
	return time(NULL) + max_age;
}

int
zt__oidc_fetch(const char *url, const char *form, struct zt__oidc_fetched *f,
    char *why, size_t whylen)
{
	struct zt_http_call c;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(f, 0, sizeof(*f));
	c.prov = PROV;
	c.user_agent = USER_AGENT;
	c.url = url;
	c.timeout_ms = TIMEOUT_MS;
	c.cap = DOC_CAP;
	if (form != NULL) {
		c.body = form;
		c.body_len = strlen(form);
		c.headers = zt_http_header(
		    NULL, "Content-Type: application/x-www-form-urlencoded");
	}
	rc = zt_http_perform(&c, why, whylen);
	if (rc == 0) {
		f->status = c.status;
		f->max_age = c.max_age;
		f->o = zt_http_answer(&c);
	}
	zt_http_call_free(&c);
	return rc == 0 ? 0 : -1;
}

enum zt_err
zt__oidc_unavailable(struct zt_req *req, const char *why)
{
	zt_log_warn("oidc", "%s", why);
	return zt_fail(req, ZT_EUPSTREAM, "google_unavailable",
	    "could not reach Google sign-in; try again later");
}

/* A copy of the endpoint field key of o when it may be called, else NULL. */
static char *
endpoint(struct json_object *o, const char *key, char *why, size_t whylen)
{
	const char *v = zt_http_json_str(o, key);
	if (v == NULL || zt_http_has_ctl(v) || strlen(v) > 1024) {
		snprintf(why, whylen, "google discovery: no valid %s", key);
		return NULL;
	}
	if (zt_http_check_base(PROV, v, why, whylen) != 0)
		return NULL;
	return zt_xstrdup(v);
}

/* Load the discovery document unless the cached one is still fresh. */
static enum zt_err
discover(struct zt_req *req)
{
	const char *issuer = zt_g.cfg.google_issuer;
	char why[CURL_ERROR_SIZE + 160];
	char *url = NULL, *a = NULL, *t = NULL, *j = NULL;
	const char *iss;
	struct zt__oidc_fetched f = {NULL, 0, -1};
	enum zt_err e = ZT_EUPSTREAM;

	if (disc.until != 0 && time(NULL) < disc.until)
		return ZT_OK;
	if (zt_http_check_base(PROV, issuer, why, sizeof(why)) != 0)
		goto out;
	url = zt_http_url(issuer, "/.well-known/openid-configuration");
	if (zt__oidc_fetch(url, NULL, &f, why, sizeof(why)) != 0)
		goto out;
	if (f.status != 200 || f.o == NULL) {
		snprintf(why, sizeof(why),
		    "google discovery answered %ld without a document",
		    f.status);
		goto out;
	}
	/* OpenID Connect Discovery 1.0, 4.3: the issuer must be ours */
	iss = zt_http_json_str(f.o, "issuer");
	if (iss == NULL || strcmp(iss, issuer) != 0) {
		snprintf(why, sizeof(why),
		    "google discovery names another issuer than %s", issuer);
		goto out;
	}
	if ((a = endpoint(f.o, "authorization_endpoint", why, sizeof(why))) ==
		NULL ||
	    (t = endpoint(f.o, "token_endpoint", why, sizeof(why))) == NULL ||
	    (j = endpoint(f.o, "jwks_uri", why, sizeof(why))) == NULL)
		goto out;
	free(disc.authorize);
	free(disc.token);
	free(disc.jwks);
	disc.authorize = a;
	disc.token = t;
	disc.jwks = j;
	a = t = j = NULL;
	disc.until = zt__oidc_cache_until(f.max_age);
	e = ZT_OK;
out:
	free(a);
	free(t);
	free(j);
	free(url);
	if (f.o != NULL)
		json_object_put(f.o);
	return e == ZT_OK ? ZT_OK : zt__oidc_unavailable(req, why);
}

/* ---- the flow ------------------------------------------------------------ */

int
zt_oidc_enabled(void)
{
	return zt_g.cfg.google_client_id != NULL &&
	       *zt_g.cfg.google_client_id != '\0';
}

int
zt_oidc_next_ok(const char *next)
{
	size_t n;
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return 0;
	n = strlen(next);
	if (n > ZT_OIDC_NEXT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)next[i] <= 0x20 ||
		    (unsigned char)next[i] >= 0x7f || next[i] == '\\')
			return 0;
	return 1;
}

static enum zt_err
not_configured(struct zt_req *req)
{
	return zt_fail(req, ZT_ENOTFOUND, "google_not_configured",
	    "Sign in with Google is not configured here");
}

static int
secure_cookie(void)
{
	return zt_config_production(&zt_g.cfg) ||
	       strncmp(zt_g.cfg.public_url, "https://", 8) == 0;
}

/* The browser binding cookie (value NULL: cleared), arena. */
static const char *
state_cookie(struct zt_req *req, const char *value)
{
	return zt_arena_printf(req->arena,
	    "%s=%s; Path=/api/auth/google; Max-Age=%d; HttpOnly; "
	    "SameSite=Lax%s",
	    ZT_OIDC_COOKIE, value ? value : "", value ? ZT_OIDC_STATE_TTL : 0,
	    secure_cookie() ? "; Secure" : "");
}

static const char *
redirect_uri(struct zt_req *req)
{
	return zt_arena_printf(
	    req->arena, "%s/api/auth/google/callback", zt_g.cfg.public_url);
}

/* 32 random bytes, base64url (43 characters), arena. */
static const char *
random_b64(struct zt_req *req)
{
	unsigned char r[32];
	randombytes_buf(r, sizeof(r));
	return zt_b64url(req->arena, r, sizeof(r));
}

static void
add_param(struct zt_http_buf *b, const char *sep, const char *k, const char *v)
{
	zt_http_buf_adds(b, sep);
	zt_http_buf_adds(b, k);
	zt_http_buf_adds(b, "=");
	zt_http_buf_add_escaped(b, v);
}

enum zt_err
zt_oidc_start(struct zt_req *req, const char *next, const char *login_hint,
    struct zt_oidc_redirect *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *state, *nonce, *verifier, *bind, *challenge, *argv[6];
	unsigned char h[crypto_hash_sha256_BYTES];
	struct json_object *rec;
	struct zt_http_buf url = {NULL, 0, 0};
	char ttl[16];
	redisReply *r;
	enum zt_err e;

	out->location = out->cookie = NULL;
	if (!zt_oidc_enabled())
		return not_configured(req);
	if (next == NULL || *next == '\0')
		next = "/";
	if (!zt_oidc_next_ok(next))
		return zt_fail(req, ZT_EBADREQ, "invalid_next",
		    "'next' must be a path on this site, like /tickets.html");
	if (login_hint != NULL &&
	    (strlen(login_hint) > 254 || zt_http_has_ctl(login_hint)))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'login_hint' must be an email address");
	if ((e = zt_rate_hit(req, "google-start", zt_rate_addr(req),
		 zt_g.cfg.otp_ip_max, zt_g.cfg.otp_window)) != ZT_OK ||
	    (e = discover(req)) != ZT_OK)
		return e;

	state = random_b64(req);
	nonce = random_b64(req);
	verifier = random_b64(req); /* RFC 7636: 43 characters */
	bind = random_b64(req);
	crypto_hash_sha256(
	    h, (const unsigned char *)verifier, strlen(verifier));
	challenge = zt_b64url(req->arena, h, sizeof(h));

	rec = zt_json_defer_put(req, json_object_new_object());
	json_object_object_add(rec, "b",
	    json_object_new_string(zt_rate_digest(req, "oidc-bind", bind)));
	json_object_object_add(rec, "v", json_object_new_string(verifier));
	json_object_object_add(rec, "n", json_object_new_string(nonce));
	json_object_object_add(rec, "x", json_object_new_string(next));
	argv[0] = "SET";
	argv[1] =
	    zt_keys_oidc(req->arena, zt_rate_digest(req, "oidc-state", state));
	argv[2] = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	argv[3] = "EX";
	snprintf(ttl, sizeof(ttl), "%d", ZT_OIDC_STATE_TTL);
	argv[4] = ttl;
	argv[5] = "NX";
	if ((r = zt_redis_argv(zt_g.redis, req, &err, 6, argv, NULL)) == NULL)
		return zt_fail_error(req, &err);
	if (r->type != REDIS_REPLY_STATUS)
		return zt_fail(req, ZT_EUNAVAIL, "redis_unavailable",
		    "could not start the sign-in; try again");

	zt_http_buf_adds(&url, disc.authorize);
	add_param(&url, strchr(disc.authorize, '?') ? "&" : "?",
	    "response_type", "code");
	add_param(&url, "&", "client_id", zt_g.cfg.google_client_id);
	add_param(&url, "&", "redirect_uri", redirect_uri(req));
	add_param(&url, "&", "scope", "openid email profile");
	add_param(&url, "&", "state", state);
	add_param(&url, "&", "nonce", nonce);
	add_param(&url, "&", "code_challenge", challenge);
	add_param(&url, "&", "code_challenge_method", "S256");
	if (login_hint != NULL && *login_hint != '\0')
		add_param(&url, "&", "login_hint", login_hint);
	out->location = zt_arena_strdup(req->arena, url.p);
	zt_http_buf_free(&url);
	out->cookie = state_cookie(req, bind);
	return ZT_OK;
}

/* The sign-in state of `state` taken out of Redis (single use), or NULL. */
static struct json_object *
take_state(struct zt_req *req, const char *state, enum zt_err *e)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *argv[2];
	redisReply *r;
	struct json_object *o;

	*e = ZT_OK;
	argv[0] = "GETDEL";
	argv[1] =
	    zt_keys_oidc(req->arena, zt_rate_digest(req, "oidc-state", state));
	if ((r = zt_redis_argv(zt_g.redis, req, &err, 2, argv, NULL)) == NULL) {
		*e = zt_fail_error(req, &err);
		return NULL;
	}
	if (r->type != REDIS_REPLY_STRING)
		return NULL;
	o = zt_json_defer_put(req, json_tokener_parse(r->str));
	return o != NULL && json_object_is_type(o, json_type_object) ? o : NULL;
}

/* Exchange code at the token endpoint; *id_token (arena) on success. */
static enum zt_err
exchange(struct zt_req *req, const char *code, const char *verifier,
    const char **id_token)
{
	const struct zt_config *cfg = &zt_g.cfg;
	char why[CURL_ERROR_SIZE + 160], detail[128];
	struct zt_http_buf form = {NULL, 0, 0};
	struct zt__oidc_fetched f = {NULL, 0, -1};
	const char *t;
	enum zt_err e;

	add_param(&form, "", "grant_type", "authorization_code");
	add_param(&form, "&", "code", code);
	add_param(&form, "&", "redirect_uri", redirect_uri(req));
	add_param(&form, "&", "client_id", cfg->google_client_id);
	add_param(&form, "&", "client_secret", cfg->google_client_secret);
	add_param(&form, "&", "code_verifier", verifier);
	if (zt__oidc_fetch(disc.token, form.p, &f, why, sizeof(why)) != 0) {
		zt_http_redact(why, cfg->google_client_secret);
		e = zt__oidc_unavailable(req, why);
	} else if (f.status != 200) {
		zt_http_json_copy(detail, sizeof(detail), f.o, "error");
		zt_http_redact(detail, cfg->google_client_secret);
		zt_log_info("oidc", "token endpoint answered %ld: %s", f.status,
		    detail);
		e = f.status >= 500
			? zt__oidc_unavailable(req, "token endpoint failed")
			: zt_fail(req, ZT_EUNAUTH, "code_rejected",
			      "Google refused the sign-in code "
			      "(%s); start again",
			      *detail ? detail : "no reason");
	} else if ((t = zt_http_json_str(f.o, "id_token")) == NULL) {
		e = zt_fail(req, ZT_EUNAUTH, "id_token_invalid",
		    "Google answered without an ID token");
	} else {
		*id_token = zt_arena_strdup(req->arena, t);
		e = ZT_OK;
	}
	sodium_memzero(form.p, form.len);
	zt_http_buf_free(&form);
	if (f.o != NULL)
		json_object_put(f.o);
	return e;
}

/*
 * The user of the Google subject; else the user of the email (found or
 * created) bound to the subject.  Opens the transaction zt_session_start
 * commits.
 */
static enum zt_err
find_user(struct zt_req *req, const struct zt__oidc_claims *c,
    char user_id[ZT_UUID_BUF])
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[4] = {PROV, c->sub, c->email, NULL};
	PGresult *r;
	enum zt_err e;

	if (zt_db_begin(req, &err) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_ident, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0) {
		if ((e = zt_session_user(req, "email", c->email, user_id)) !=
		    ZT_OK)
			return e;
		p[2] = user_id;
		p[3] = c->email;
		if ((r = zt_db_exec(req, &err, &q_ident_new, p)) == NULL)
			return zt_fail_error(req, &err);
	}
	snprintf(user_id, ZT_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	p[0] = user_id;
	p[1] = c->name;
	if (zt_db_exec(req, &err, &q_user_seen, p) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_oidc_callback(struct zt_req *req, struct zt_oidc_done *out)
{
	const char *bind = zt_cookie(req, ZT_OIDC_COOKIE);
	const char *state = zt_query(req, "state"),
		   *code = zt_query(req, "code");
	const char *error = zt_query(req, "error"), *b, *v, *n, *x, *tok = NULL;
	char user_id[ZT_UUID_BUF], detail[64];
	struct json_object *rec;
	struct zt__oidc_claims c = {NULL, NULL, NULL};
	enum zt_err e;

	out->next = NULL;
	out->clear_cookie = state_cookie(req, NULL);
	out->session.body = NULL;
	out->session.cookie = NULL;
	if (!zt_oidc_enabled())
		return not_configured(req);
	if ((e = zt_rate_hit(req, "google-callback", zt_rate_addr(req),
		 zt_g.cfg.otp_ip_max, zt_g.cfg.otp_window)) != ZT_OK)
		return e;
	if (bind == NULL || *bind == '\0')
		return zt_fail(req, ZT_EBADREQ, "missing_state_cookie",
		    "this sign-in did not start in this browser, or took too "
		    "long; start again");
	if (state == NULL || *state == '\0' || strlen(state) > 128)
		return zt_fail(req, ZT_EBADREQ, "invalid_state",
		    "this sign-in is unknown, used or expired; start again");
	if ((rec = take_state(req, state, &e)) == NULL)
		return e != ZT_OK ? e
				  : zt_fail(req, ZT_EBADREQ, "invalid_state",
					"this sign-in is unknown, used or "
					"expired; start again");
	b = zt_http_json_str(rec, "b");
	v = zt_http_json_str(rec, "v");
	n = zt_http_json_str(rec, "n");
	x = zt_http_json_str(rec, "x");
	if (b == NULL || v == NULL || n == NULL || x == NULL ||
	    !zt_ct_streq(zt_rate_digest(req, "oidc-bind", bind), b))
		return zt_fail(req, ZT_EBADREQ, "invalid_state",
		    "this sign-in started in another browser; start again");
	if (error != NULL) {
		zt_http_clean_copy(detail, sizeof(detail), error);
		return zt_fail(req, ZT_EUNAUTH, "google_refused",
		    "Google did not sign you in (%s)", detail);
	}
	if (code == NULL || *code == '\0' || strlen(code) > 2048 ||
	    zt_http_has_ctl(code))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "query parameter 'code' is missing or malformed");
	if ((e = discover(req)) != ZT_OK ||
	    (e = exchange(req, code, v, &tok)) != ZT_OK ||
	    (e = zt__oidc_verify(req, disc.jwks, tok, n, &c)) != ZT_OK ||
	    (e = find_user(req, &c, user_id)) != ZT_OK ||
	    (e = zt_session_start(req, user_id, &out->session)) != ZT_OK)
		return e;
	out->next = zt_arena_strdup(req->arena, x);
	return ZT_OK;
}
