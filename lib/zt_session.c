/* zt_session.c - users, refresh-token families; see zt_session.h. */
#include "zt_session.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_keys.h"
#include "zt_log.h"
#include "zt_redis.h"
#include "zt_server.h"
#include "zt_token.h"
#include "zt_uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct zt_sql q_user_email = ZT_SQL("sess_user_email",
    "INSERT INTO users (email, last_login_at) VALUES ($1, now())"
    " ON CONFLICT (email) DO UPDATE SET last_login_at = now()"
    " RETURNING id",
    1);
static struct zt_sql q_user_phone = ZT_SQL("sess_user_phone",
    "INSERT INTO users (phone, last_login_at) VALUES ($1, now())"
    " ON CONFLICT (phone) DO UPDATE SET last_login_at = now()"
    " RETURNING id",
    1);
enum user_col {
	USER_ID,
	USER_EMAIL,
	USER_PHONE,
	USER_NAME,
	USER_CREATED,
	USER_LANG
};
static struct zt_sql q_user = ZT_SQL("sess_user",
    "SELECT id, email, phone, name, created_at, lang FROM users WHERE id = $1"
    " AND deleted_at IS NULL", /* a deleted account has no session */
    1);
/* memberships visible through the self_read policy (app.user_id) */
enum membership_col { MS_TENANT, MS_ROLE, MS_SLUG, MS_NAME, MS_STATUS };
static struct zt_sql q_memberships = ZT_SQL("sess_memberships",
    "SELECT m.tenant_id, m.role, t.slug, t.name, t.status"
    " FROM memberships m JOIN tenants t ON t.id = m.tenant_id"
    " WHERE m.user_id = $1 ORDER BY m.created_at, m.tenant_id",
    1);
static struct zt_sql q_role = ZT_SQL("sess_role",
    "SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = $2", 2);
static struct zt_sql q_family_new = ZT_SQL("sess_family_new",
    "INSERT INTO refresh_families (user_id, active_tenant_id, expires_at,"
    " user_agent, last_used_at)"
    " VALUES ($1, $2, now() + make_interval(secs => $3::int),"
    " left($4, 200), now()) RETURNING id",
    4);
static struct zt_sql q_token_new = ZT_SQL("sess_token_new",
    "INSERT INTO refresh_tokens (family_id, token_hash, parent_id,"
    " expires_at)"
    " SELECT $1, decode($2, 'hex'), $3, least(f.expires_at,"
    "   now() + make_interval(secs => $4::int))"
    " FROM refresh_families f WHERE f.id = $1 RETURNING id",
    4);
/* a refresh token by hash ($1) with its family, locked; $2 the grace */
enum token_col {
	TL_ID,
	TL_FAMILY,
	TL_USER,
	TL_TENANT, /* the family's active tenant */
	TL_REVOKED,
	TL_FAMILY_OVER,
	TL_TOKEN_OVER,
	TL_ROTATED,
	TL_IN_GRACE, /* rotated less than the grace window ago */
	TL_SUCCESSOR,
};
static struct zt_sql q_token_lock = ZT_SQL("sess_token_lock",
    "SELECT t.id, t.family_id, f.user_id, f.active_tenant_id,"
    " f.revoked_at IS NOT NULL, f.expires_at <= now(),"
    " t.expires_at <= now(), t.rotated_at IS NOT NULL,"
    " t.rotated_at > now() - make_interval(secs => $2::int),"
    " t.successor_id"
    " FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id"
    " WHERE t.token_hash = decode($1, 'hex')"
    " FOR UPDATE OF t, f",
    2);
static struct zt_sql q_token_rotated = ZT_SQL("sess_token_rotated",
    "UPDATE refresh_tokens SET rotated_at = now(), successor_id = $2"
    " WHERE id = $1",
    2);
/* the session list's "last used" (GET /api/auth/sessions) */
static struct zt_sql q_family_used = ZT_SQL("sess_family_used",
    "UPDATE refresh_families SET last_used_at = now() WHERE id = $1", 1);
static struct zt_sql q_successor = ZT_SQL("sess_successor",
    "SELECT id FROM refresh_tokens"
    " WHERE id = $1 AND token_hash = decode($2, 'hex')",
    2);
static struct zt_sql q_family_revoke = ZT_SQL("sess_family_revoke",
    "UPDATE refresh_families SET revoked_at = now()"
    " WHERE id = $1 AND revoked_at IS NULL",
    1);
static struct zt_sql q_family_tenant = ZT_SQL("sess_family_tenant",
    "UPDATE refresh_families SET active_tenant_id = $2 WHERE id = $1", 2);

const char *
zt_session_token_hash(
    struct zt_req *req, const unsigned char raw[ZT_SESSION_TOKEN_BYTES])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), raw, ZT_SESSION_TOKEN_BYTES,
	    zt_g.cfg.token_pepper, sizeof(zt_g.cfg.token_pepper));
	return zt_hex(req->arena, h, sizeof(h));
}

void
zt_session_successor(const unsigned char raw[ZT_SESSION_TOKEN_BYTES],
    unsigned char next[ZT_SESSION_TOKEN_BYTES])
{
	unsigned char subkey[32];
	crypto_generichash(subkey, sizeof(subkey),
	    (const unsigned char *)"ztic-refresh-successor", 22,
	    zt_g.cfg.token_pepper, sizeof(zt_g.cfg.token_pepper));
	crypto_generichash(next, ZT_SESSION_TOKEN_BYTES, raw,
	    ZT_SESSION_TOKEN_BYTES, subkey, sizeof(subkey));
	sodium_memzero(subkey, sizeof(subkey));
}

static int
secure_cookies(void)
{
	return zt_config_production(&zt_g.cfg) ||
	       strncmp(zt_g.cfg.public_url, "https://", 8) == 0;
}

const char *
zt_session_cookie(struct zt_req *req,
    const unsigned char raw[ZT_SESSION_TOKEN_BYTES], long max_age)
{
	const char *val =
	    raw ? zt_b64url(req->arena, raw, ZT_SESSION_TOKEN_BYTES) : "";
	return zt_arena_printf(req->arena,
	    "%s=%s; Path=/api/auth; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
	    ZT_REFRESH_COOKIE, val, raw ? max_age : 0L,
	    secure_cookies() ? "; Secure" : "");
}

enum zt_session_step
zt_session_refresh_step(const struct zt_session_token_state *t)
{
	if (t->revoked || t->family_over || t->token_over)
		return ZT_SESSION_ENDED;
	if (!t->rotated)
		return ZT_SESSION_ROTATE;
	/* a token already exchanged comes back: within the grace window a
	 * racing tab, after it someone else has a copy */
	return t->in_grace && t->has_successor ? ZT_SESSION_AGAIN
					       : ZT_SESSION_REUSED;
}

static struct json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

enum zt_err
zt_session_user(struct zt_req *req, const char *channel, const char *identifier,
    char user_id[ZT_UUID_BUF])
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {identifier};
	PGresult *r = zt_db_exec(req, &err,
	    strcmp(channel, "email") == 0 ? &q_user_email : &q_user_phone, p);
	if (r == NULL)
		return zt_fail_error(req, &err);
	snprintf(user_id, ZT_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	return ZT_OK;
}

/* Add user, memberships and the access token for (user, tenant) of the
 * session sid (a refresh family; "" for none) to body. */
static enum zt_err
session_body(struct zt_req *req, const char *user_id, const char *tenant_id,
    const char *sid, struct json_object *body)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[2] = {user_id, tenant_id};
	PGresult *r;
	struct json_object *user, *ms;
	const char *role = "";
	char *tok;

	if (zt_db_scope_user(req, &err, user_id) != ZT_OK)
		return zt_fail_error(req, &err);
	if ((r = zt_db_exec(req, &err, &q_user, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_EUNAUTH, "invalid_session",
		    "this account no longer exists");
	user = json_object_new_object();
	json_object_object_add(user, "id", json_object_new_string(user_id));
	json_object_object_add(
	    user, "email", str_or_null(zt_db_val(r, 0, USER_EMAIL)));
	json_object_object_add(
	    user, "phone", str_or_null(zt_db_val(r, 0, USER_PHONE)));
	json_object_object_add(
	    user, "name", json_object_new_string(PQgetvalue(r, 0, USER_NAME)));
	/* the language the person reads in (docs/web.md) */
	json_object_object_add(
	    user, "lang", json_object_new_string(PQgetvalue(r, 0, USER_LANG)));
	json_object_object_add(body, "user", user);

	if ((r = zt_db_exec(req, &err, &q_memberships, p)) == NULL)
		return zt_fail_error(req, &err);
	ms = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "tenantId",
		    json_object_new_string(PQgetvalue(r, i, MS_TENANT)));
		json_object_object_add(m, "role",
		    json_object_new_string(PQgetvalue(r, i, MS_ROLE)));
		json_object_object_add(m, "slug",
		    json_object_new_string(PQgetvalue(r, i, MS_SLUG)));
		json_object_object_add(m, "name",
		    json_object_new_string(PQgetvalue(r, i, MS_NAME)));
		json_object_object_add(m, "status",
		    json_object_new_string(PQgetvalue(r, i, MS_STATUS)));
		json_object_array_add(ms, m);
		if (tenant_id && *tenant_id &&
		    strcmp(PQgetvalue(r, i, MS_TENANT), tenant_id) == 0)
			role = zt_arena_strdup(
			    req->arena, PQgetvalue(r, i, MS_ROLE));
	}
	json_object_object_add(body, "memberships", ms);
	if (*role == '\0')
		tenant_id = "";
	tok = zt_token_issue_sid(&zt_g.cfg, req->arena, ZT_TOKEN_AUD, user_id,
	    tenant_id, role, sid, (long)time(NULL), zt_g.cfg.access_ttl);
	if (tok == NULL)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	json_object_object_add(
	    body, "accessToken", json_object_new_string(tok));
	json_object_object_add(
	    body, "expiresIn", json_object_new_int(zt_g.cfg.access_ttl));
	json_object_object_add(
	    body, "tokenType", json_object_new_string("Bearer"));
	json_object_object_add(body, "tenantId",
	    *tenant_id ? json_object_new_string(tenant_id) : NULL);
	json_object_object_add(
	    body, "role", *role ? json_object_new_string(role) : NULL);
	return ZT_OK;
}

/* First membership's tenant of user_id, or "" (arena), into *tenant. */
static enum zt_err
default_tenant(struct zt_req *req, const char *user_id, const char **tenant)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {user_id};
	PGresult *r;
	if (zt_db_scope_user(req, &err, user_id) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_memberships, p)) == NULL)
		return zt_fail_error(req, &err);
	*tenant = PQntuples(r)
		      ? zt_arena_strdup(req->arena, PQgetvalue(r, 0, MS_TENANT))
		      : "";
	return ZT_OK;
}

enum zt_err
zt_session_start(
    struct zt_req *req, const char *user_id, struct zt_session_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char raw[ZT_SESSION_TOKEN_BYTES];
	char age[16], ttl[16];
	const char *p[4], *tenant = "";
	struct json_object *body;
	PGresult *r;
	enum zt_err e;

	out->body = NULL;
	out->cookie = NULL;
	if ((e = default_tenant(req, user_id, &tenant)) != ZT_OK)
		return e;
	/* the session list shows the device by its User-Agent, valid UTF-8
	 * only (the column is text) */
	const char *agent = zt_header(req, "User-Agent");
	if (agent != NULL && !zt_utf8_valid(agent, strlen(agent)))
		agent = NULL;

	snprintf(age, sizeof(age), "%d", zt_g.cfg.refresh_max_age);
	snprintf(ttl, sizeof(ttl), "%d", zt_g.cfg.refresh_ttl);
	p[0] = user_id;
	p[1] = *tenant ? tenant : NULL;
	p[2] = age;
	p[3] = agent;
	if ((r = zt_db_exec(req, &err, &q_family_new, p)) == NULL)
		return zt_fail_error(req, &err);
	randombytes_buf(raw, sizeof(raw));
	const char *family = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
	p[0] = family;
	p[1] = zt_session_token_hash(req, raw);
	p[2] = NULL;
	p[3] = ttl;
	if (zt_db_exec(req, &err, &q_token_new, p) == NULL)
		return zt_fail_error(req, &err);
	body = json_object_new_object();
	if ((e = session_body(req, user_id, tenant, family, body)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {
		json_object_put(body);
		return e;
	}
	out->body = body;
	out->cookie = zt_session_cookie(req, raw, zt_g.cfg.refresh_ttl);
	sodium_memzero(raw, sizeof(raw));
	return ZT_OK;
}

/* 401 code, and the cookie cleared */
static enum zt_err
refused(struct zt_req *req, struct zt_session_answer *out, const char *code,
    const char *msg)
{
	out->cookie = zt_session_cookie(req, NULL, 0);
	return zt_fail(req, ZT_EUNAUTH, code, "%s", msg);
}

enum zt_err
zt_session_refresh(
    struct zt_req *req, const char *tenant_id, struct zt_session_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *sent = zt_cookie(req, ZT_REFRESH_COOKIE);
	unsigned char raw[ZT_SESSION_TOKEN_BYTES], next[ZT_SESSION_TOKEN_BYTES];
	char grace[16], ttl[16];
	const char *p[4], *token_id, *family, *user_id, *active;
	struct json_object *body;
	PGresult *r;
	enum zt_err e;

	out->body = NULL;
	out->cookie = NULL;
	if (sent == NULL || zt_b64url_decode(sent, raw, sizeof(raw)) != 0)
		return refused(req, out, "no_session", "sign in again");
	snprintf(grace, sizeof(grace), "%d", zt_g.cfg.refresh_grace);
	snprintf(ttl, sizeof(ttl), "%d", zt_g.cfg.refresh_ttl);
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	p[0] = zt_session_token_hash(req, raw);
	p[1] = grace;
	if ((r = zt_db_exec(req, &err, &q_token_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return refused(req, out, "no_session", "sign in again");
	token_id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, TL_ID));
	family = zt_arena_strdup(req->arena, PQgetvalue(r, 0, TL_FAMILY));
	user_id = zt_arena_strdup(req->arena, PQgetvalue(r, 0, TL_USER));
	active = zt_arena_strdup(req->arena, PQgetvalue(r, 0, TL_TENANT));
	const char *succ = zt_db_val(r, 0, TL_SUCCESSOR);
	succ = succ ? zt_arena_strdup(req->arena, succ) : NULL;
	struct zt_session_token_state st = {
	    .revoked = *PQgetvalue(r, 0, TL_REVOKED) == 't',
	    .family_over = *PQgetvalue(r, 0, TL_FAMILY_OVER) == 't',
	    .token_over = *PQgetvalue(r, 0, TL_TOKEN_OVER) == 't',
	    .rotated = *PQgetvalue(r, 0, TL_ROTATED) == 't',
	    .in_grace = *PQgetvalue(r, 0, TL_IN_GRACE) == 't',
	    .has_successor = succ != NULL,
	};
	enum zt_session_step step = zt_session_refresh_step(&st);

	if (step == ZT_SESSION_ENDED)
		return refused(req, out, "session_ended",
		    "your session has ended; sign in again");
	zt_session_successor(raw, next);
	if (step != ZT_SESSION_ROTATE) {
		if (step == ZT_SESSION_REUSED) {
			/* someone else has a copy: end every token of this
			 * login */
			p[0] = family;
			if (zt_db_exec(req, &err, &q_family_revoke, p) == NULL)
				return zt_fail_error(req, &err);
			if (zt_db_commit(req, &err) != ZT_OK)
				return zt_fail_error(req, &err);
			zt_log_warn("session",
			    "refresh token reused; family %s revoked", family);
			return refused(req, out, "token_reused",
			    "this session was used elsewhere and has been "
			    "ended; sign in again");
		}
		/* a racing tab: hand out the same successor */
		p[0] = succ;
		p[1] = zt_session_token_hash(req, next);
		if ((r = zt_db_exec(req, &err, &q_successor, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 0)
			return refused(
			    req, out, "session_ended", "sign in again");
	} else {
		p[0] = family;
		p[1] = zt_session_token_hash(req, next);
		p[2] = token_id;
		p[3] = ttl;
		if ((r = zt_db_exec(req, &err, &q_token_new, p)) == NULL)
			return zt_fail_error(req, &err);
		p[0] = token_id;
		p[1] = zt_arena_strdup(req->arena, PQgetvalue(r, 0, 0));
		if (zt_db_exec(req, &err, &q_token_rotated, p) == NULL)
			return zt_fail_error(req, &err);
		p[0] = family;
		if (zt_db_queue(req, &err, &q_family_used, p, NULL) != ZT_OK)
			return zt_fail_error(req, &err);
	}

	if (tenant_id != NULL && strcmp(tenant_id, active) != 0) {
		if (zt_db_scope_user(req, &err, user_id) != ZT_OK)
			return zt_fail_error(req, &err);
		p[0] = user_id;
		p[1] = tenant_id;
		if ((r = zt_db_exec(req, &err, &q_role, p)) == NULL)
			return zt_fail_error(req, &err);
		if (PQntuples(r) == 0)
			return zt_fail(req, ZT_EFORBIDDEN, "not_a_member",
			    "you are not a member of that organization");
		p[0] = family;
		p[1] = tenant_id;
		if (zt_db_exec(req, &err, &q_family_tenant, p) == NULL)
			return zt_fail_error(req, &err);
		active = tenant_id;
	}
	body = json_object_new_object();
	if ((e = session_body(req, user_id, active, family, body)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {
		json_object_put(body);
		return e;
	}
	out->body = body;
	out->cookie = zt_session_cookie(req, next, zt_g.cfg.refresh_ttl);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(next, sizeof(next));
	return ZT_OK;
}

enum zt_err
zt_session_logout(struct zt_req *req, struct zt_session_answer *out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *sent = zt_cookie(req, ZT_REFRESH_COOKIE);
	unsigned char raw[ZT_SESSION_TOKEN_BYTES];
	const char *p[2];
	char grace[8] = "0";
	PGresult *r;

	out->body = NULL;
	out->cookie =
	    zt_session_cookie(req, NULL, 0); /* cleared whatever happens */
	if (sent == NULL || zt_b64url_decode(sent, raw, sizeof(raw)) != 0)
		return ZT_OK;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	p[0] = zt_session_token_hash(req, raw);
	p[1] = grace;
	if ((r = zt_db_exec(req, &err, &q_token_lock, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) > 0) {
		p[0] = zt_arena_strdup(req->arena, PQgetvalue(r, 0, TL_FAMILY));
		if (zt_db_exec(req, &err, &q_family_revoke, p) == NULL)
			return zt_fail_error(req, &err);
		/* its access tokens too; best effort: signing out never fails
		 * on Redis (the tokens then live out their minutes) */
		struct zt_error rerr = ZT_ERROR_INIT;
		if (zt_session_revoke_sessions(req, &rerr, p, 1) != ZT_OK)
			zt_log_warn("auth", "logout: access tokens not cut: %s",
			    rerr.msg);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}

enum zt_err
zt_session_me(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *body;
	enum zt_err e;
	*out = NULL;
	if (zt_db_begin(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	body = json_object_new_object();
	if ((e = session_body(
		 req, req->user_id, req->tenant_id, req->sid, body)) == ZT_OK &&
	    zt_db_commit(req, &err) != ZT_OK)
		e = zt_fail_error(req, &err);
	if (e != ZT_OK) {

		json_object_put(body);
		return e;
	}
	/* /me reports, it does not mint: drop the token session_body made */
	json_object_object_del(body, "accessToken");
	json_object_object_del(body, "expiresIn");
	json_object_object_del(body, "tokenType");
	json_object_object_add(body, "activeTenant",
	    json_object_get(json_object_object_get(body, "tenantId")));
	*out = body;
	return ZT_OK;
}

enum zt_err
zt_session_token_for(struct zt_req *req, const char *user_id,
    const char *tenant_id, struct json_object *body)
{
	/* the caller's session goes on with the new token */
	return session_body(req, user_id, tenant_id, req->sid, body);
}

/* ---- access tokens refused before they expire ---- */

enum zt_err
zt_session_revoke_user(
    struct zt_req *req, struct zt_error *err, const char *user_id)
{
	redisReply *rr = zt_redis_cmd(zt_g.redis, req, err, "SET %s %lld EX %d",
	    zt_keys_revoked(req->arena, user_id), (long long)time(NULL),
	    zt_g.cfg.access_ttl + 60);
	if (rr == NULL)
		return err->err;
	if (rr->type == REDIS_REPLY_ERROR) {
		err->err = ZT_EINTERNAL;
		snprintf(err->msg, sizeof(err->msg), "internal error");
		return err->err;
	}
	return ZT_OK;
}

enum zt_err
zt_session_revoke_sessions(struct zt_req *req, struct zt_error *err,
    const char *const *families, size_t n)
{
	/* not the hot path: one SET per ended session */
	for (size_t i = 0; i < n; i++) {
		redisReply *rr =
		    zt_redis_cmd(zt_g.redis, req, err, "SET %s 1 EX %d",
			zt_keys_revoked_session(req->arena, families[i]),
			zt_g.cfg.access_ttl + 60);
		if (rr == NULL)
			return err->err;
		if (rr->type == REDIS_REPLY_ERROR) {
			err->err = ZT_EINTERNAL;
			snprintf(err->msg, sizeof(err->msg), "internal error");
			return err->err;
		}
	}
	return ZT_OK;
}

int
zt_session_revoked(
    struct zt_req *req, const char *user_id, const char *sid, long iat)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *user_key = zt_keys_revoked(req->arena, user_id);
	redisReply *rr, *u;
	if (sid != NULL && *sid != '\0')
		rr = zt_redis_cmd(zt_g.redis, req, &err, "MGET %s %s", user_key,
		    zt_keys_revoked_session(req->arena, sid));
	else
		rr = zt_redis_cmd(zt_g.redis, req, &err, "GET %s", user_key);
	if (rr == NULL || rr->type == REDIS_REPLY_ERROR) {
		zt_log_warn("auth", "revoked-user check skipped: %s",
		    rr == NULL ? err.msg : "redis error");
		return 0;
	}
	u = rr;
	if (rr->type == REDIS_REPLY_ARRAY) {
		if (rr->elements != 2)
			return 0;
		if (rr->element[1]->type == REDIS_REPLY_STRING)
			return 1; /* the session was ended */
		u = rr->element[0];
	}
	return u->type == REDIS_REPLY_STRING && iat <= atoll(u->str);
}
