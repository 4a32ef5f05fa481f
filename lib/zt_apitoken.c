/* zt_apitoken.c - organizer API tokens; see zt_apitoken.h. */
#include "zt_apitoken.h"
#include "zt_audit.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_json.h"
#include "zt_log.h"
#include "zt_rate.h"
#include "zt_route.h"
#include "zt_server.h"
#include "zt_team.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * THE table: which routes a token may call, and the scope each needs.
 * A route not listed here refuses every token (403 token_not_allowed),
 * whatever its scopes.  GET /api/bookings/:id is left out on purpose: it
 * also shows the caller's own purchases in other tenants.
 */
static const struct {
	const char *method, *pattern, *scope;
} scope_table[] = {
    {"GET", "/api/tenants/me", "events:read"},
    {"GET", "/api/events/mine", "events:read"},
    {"GET", "/api/events/mine/:id", "events:read"},
    {"POST", "/api/events", "events:write"},
    {"PATCH", "/api/events/:id", "events:write"},
    {"DELETE", "/api/events/:id", "events:write"},
    {"POST", "/api/events/:id/publish", "events:write"},
    {"POST", "/api/events/:id/cancel", "events:write"},
    {"PUT", "/api/events/:id/layout", "events:write"},
    {"GET", "/api/bookings", "orders:read"},
    {"POST", "/api/bookings/:id/refund", "refunds"},
    {"POST", "/api/checkin/scan", "checkin"},
    {"POST", "/api/checkin/undo", "checkin"},
    {"POST", "/api/checkin/sync", "checkin"},
    {"GET", "/api/checkin/events/:id/stats", "checkin"},
    {"GET", "/api/checkin/events/:id/bundle", "checkin"},
    {"GET", "/api/checkin/events/:id/duplicates", "checkin"},
};

static const char *const known_scopes[] = {
    "events:read", "events:write", "orders:read", "refunds", "checkin", NULL};

#define TOKEN_COLS                                                             \
	"id, name, prefix, array_to_json(scopes)::text,"                       \
	" extract(epoch FROM created_at)::bigint,"                             \
	" extract(epoch FROM expires_at)::bigint,"                             \
	" extract(epoch FROM last_used_at)::bigint,"                           \
	" extract(epoch FROM revoked_at)::bigint,"                             \
	" CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"                     \
	" WHEN expires_at <= now() THEN 'expired' ELSE 'active' END"

static struct zt_sql q_set_id = ZT_SQL(
    "apitoken_set_id", "SELECT set_config('app.apitoken_id', $1, true)", 1);
/* under apitoken_read: the one row the presented token names */
static struct zt_sql q_find = ZT_SQL("apitoken_find",
    "SELECT tenant_id, created_by, encode(token_hash, 'hex'),"
    " revoked_at IS NOT NULL, coalesce(expires_at <= now(), false),"
    " $2 = ANY (scopes),"
    " last_used_at IS NULL OR last_used_at < now() - interval '60 seconds'"
    " FROM api_tokens WHERE id = $1",
    2);
static struct zt_sql q_touch = ZT_SQL("apitoken_touch",
    "UPDATE api_tokens SET last_used_at = now() WHERE id = $1", 1);
static struct zt_sql q_count = ZT_SQL("apitoken_count",
    "SELECT count(*) FROM api_tokens WHERE tenant_id = $1"
    " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
    1);
static struct zt_sql q_insert = ZT_SQL("apitoken_insert",
    "INSERT INTO api_tokens (id, tenant_id, name, prefix, token_hash, scopes,"
    " created_by, expires_at)"
    " VALUES ($1, $2, $3, $4, decode($5, 'hex'), $6::text[], $7,"
    " to_timestamp($8::bigint))"
    " RETURNING " TOKEN_COLS,
    8);
static struct zt_sql q_list = ZT_SQL("apitoken_list",
    "SELECT " TOKEN_COLS " FROM api_tokens WHERE tenant_id = $1"
    " ORDER BY created_at DESC, id",
    1);
static struct zt_sql q_revoke = ZT_SQL("apitoken_revoke",
    "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()),"
    " revoked_by = coalesce(revoked_by, $2::uuid)"
    " WHERE id = $1 AND tenant_id = $3 RETURNING id",
    3);

int
zt_apitoken_is(const char *bearer)
{
	return bearer != NULL &&
	       strncmp(bearer, ZT_APITOKEN_PREFIX, ZT_APITOKEN_PREFIX_LEN) == 0;
}

const char *
zt_apitoken_scope(const char *method, const char *pattern)
{
	for (size_t i = 0; i < sizeof(scope_table) / sizeof(scope_table[0]);
	     i++)
		if (strcmp(scope_table[i].method, method) == 0 &&
		    strcmp(scope_table[i].pattern, pattern) == 0)
			return scope_table[i].scope;
	return NULL;
}

/* Hex HMAC-SHA256 of the whole token, keyed with a subkey of
 * ZT_TOKEN_PEPPER, in the arena. */
static char *
token_hash(struct zt_arena *a, const char *token)
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char h[crypto_auth_hmacsha256_BYTES];
	crypto_generichash(key, sizeof(key),
	    (const unsigned char *)"ztic-apitoken", 13, zt_g.cfg.token_pepper,
	    sizeof(zt_g.cfg.token_pepper));
	crypto_auth_hmacsha256(
	    h, (const unsigned char *)token, strlen(token), key);
	sodium_memzero(key, sizeof(key));
	return zt_hex(a, h, sizeof(h));
}

static enum zt_err
refuse(struct zt_req *req, const char *code, const char *msg)
{
	return zt_fail(req, ZT_EUNAUTH, code, "%s", msg);
}

enum zt_err
zt_apitoken_authenticate(struct zt_req *req, const char *token)
{
	struct zt_error err = ZT_ERROR_INIT;
	char id[ZT_UUID_BUF];
	unsigned char secret[ZT_TEAM_TOKEN_SECRET];
	const char *scope, *p[2], *mine;
	PGresult *r;
	enum zt_err e;

	scope = req->route != NULL
		    ? zt_apitoken_scope(req->route->method, req->route->pattern)
		    : NULL;
	if (scope == NULL) {
		if (req->route != NULL && req->route->auth == ZT_AUTH_PUBLIC)
			return ZT_OK; /* served as to anyone */
		return zt_fail(req, ZT_EFORBIDDEN, "token_not_allowed",
		    "API tokens cannot call this endpoint; sign in instead");
	}
	if (strlen(token) != ZT_APITOKEN_PREFIX_LEN + 64 ||
	    zt_team_token_parse(token + ZT_APITOKEN_PREFIX_LEN, id, secret) !=
		0)
		return refuse(req, "invalid_token", "the API token is invalid");
	sodium_memzero(secret, sizeof(secret));
	p[0] = id;
	p[1] = scope;
	if (zt_db_begin_public(req, &err) != ZT_OK ||
	    zt_db_queue(req, &err, &q_set_id, p, NULL) != ZT_OK ||
	    (r = zt_db_exec(req, &err, &q_find, p)) == NULL) {
		zt_db_rollback();
		return zt_fail_error(req, &err);
	}
	mine = token_hash(req->arena, token);
	if (PQntuples(r) == 0 || !zt_ct_streq(mine, PQgetvalue(r, 0, 2))) {
		zt_db_rollback();
		zt_log_info("auth", "api token refused: unknown");
		return refuse(req, "invalid_token", "the API token is invalid");
	}
	if (strcmp(PQgetvalue(r, 0, 3), "t") == 0) {
		zt_db_rollback();
		return refuse(
		    req, "token_revoked", "this API token has been revoked");
	}
	if (strcmp(PQgetvalue(r, 0, 4), "t") == 0) {
		zt_db_rollback();
		return refuse(
		    req, "token_expired", "this API token has expired");
	}
	snprintf(
	    req->tenant_id, sizeof(req->tenant_id), "%s", PQgetvalue(r, 0, 0));
	snprintf(req->user_id, sizeof(req->user_id), "%s", PQgetvalue(r, 0, 1));
	int allowed = strcmp(PQgetvalue(r, 0, 5), "t") == 0;
	if (strcmp(PQgetvalue(r, 0, 6), "t") == 0 &&
	    zt_db_queue(req, &err, &q_touch, p, NULL) != ZT_OK) {
		zt_db_rollback();
		return zt_fail_error(req, &err);
	}
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	snprintf(req->apitoken_id, sizeof(req->apitoken_id), "%s", id);
	req->authenticated = 1;
	/* the ceiling; zt_team_begin reads the creator's role again */
	snprintf(req->role, sizeof(req->role), "owner");
	if ((e = zt_rate_hit(req, "apitoken", id, zt_g.cfg.apitoken_per_minute,
		 60)) != ZT_OK)
		return e;
	if (!allowed)
		return zt_fail(req, ZT_EFORBIDDEN, "insufficient_scope",
		    "this API token lacks the scope '%s'", scope);
	return ZT_OK;
}

static struct json_object *
token_json(const PGresult *r, int i)
{
	struct json_object *t = json_object_new_object();
	json_object_object_add(
	    t, "tokenId", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(
	    t, "name", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(
	    t, "prefix", json_object_new_string(PQgetvalue(r, i, 2)));
	json_object_object_add(
	    t, "scopes", json_tokener_parse(PQgetvalue(r, i, 3)));
	json_object_object_add(
	    t, "createdAt", zt_json_epoch(zt_db_val(r, i, 4)));
	json_object_object_add(
	    t, "expiresAt", zt_json_epoch(zt_db_val(r, i, 5)));
	json_object_object_add(
	    t, "lastUsedAt", zt_json_epoch(zt_db_val(r, i, 6)));
	json_object_object_add(
	    t, "revokedAt", zt_json_epoch(zt_db_val(r, i, 7)));
	json_object_object_add(
	    t, "status", json_object_new_string(PQgetvalue(r, i, 8)));
	return t;
}

/* The scopes as a PostgreSQL array text, checked: 400 naming the field. */
static enum zt_err
scopes_param(struct zt_req *req, struct json_object *scopes, const char **out)
{
	const char *v[5];
	size_t n;
	enum zt_err e =
	    zt_json_pick(req, scopes, "scopes", known_scopes, 5, v, &n);
	if (e == ZT_OK)
		*out = zt_db_array(req, v, n);
	return e;
}

enum zt_err
zt_apitoken_create(struct zt_req *req, const char *name,
    struct json_object *scopes, int64_t expires_at, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	char id[ZT_UUID_BUF], exp[24], count[24];
	unsigned char secret[ZT_TEAM_TOKEN_SECRET];
	const char *p[8], *arr = NULL, *token, *prefix;
	struct json_object *details;
	PGresult *r;
	enum zt_err e;

	if ((e = scopes_param(req, scopes, &arr)) != ZT_OK)
		return e;
	if (expires_at != 0 && expires_at <= (int64_t)time(NULL))
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field 'expiresAt' must be in the future");
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	if ((r = zt_db_exec(req, &err, &q_count, p)) == NULL)
		return zt_fail_error(req, &err);
	snprintf(count, sizeof(count), "%s", PQgetvalue(r, 0, 0));
	if (atoi(count) >= ZT_APITOKEN_MAX)
		return zt_fail(req, ZT_ECONFLICT, "too_many_tokens",
		    "an organization may hold %d active API tokens; revoke one "
		    "first",
		    ZT_APITOKEN_MAX);
	zt_uuid_new(id);
	randombytes_buf(secret, sizeof(secret));
	token = zt_arena_printf(req->arena, ZT_APITOKEN_PREFIX "%s",
	    zt_team_token(req->arena, id, secret));
	sodium_memzero(secret, sizeof(secret));
	prefix = zt_arena_printf(
	    req->arena, "%.*s", ZT_APITOKEN_PREFIX_LEN + 4, token);
	snprintf(exp, sizeof(exp), "%lld", (long long)expires_at);
	p[0] = id;
	p[1] = req->tenant_id;
	p[2] = name;
	p[3] = prefix;
	p[4] = token_hash(req->arena, token);
	p[5] = arr;
	p[6] = req->user_id;
	p[7] = expires_at != 0 ? exp : NULL;
	if ((r = zt_db_exec(req, &err, &q_insert, p)) == NULL)
		return zt_fail_error(req, &err);
	*out = token_json(r, 0);
	details = json_object_new_object();
	json_object_object_add(details, "name", json_object_new_string(name));
	json_object_object_add(details, "scopes",
	    json_object_get(json_object_object_get(*out, "scopes")));
	if ((e = zt_audit(req, "apitoken.created",
		 zt_arena_printf(req->arena, "apitoken:%s", id), details)) !=
		ZT_OK ||
	    zt_db_commit(req, &err) != ZT_OK) {
		json_object_put(*out);
		*out = NULL;
		return e != ZT_OK ? e : zt_fail_error(req, &err);
	}
	json_object_object_add(*out, "token", json_object_new_string(token));
	return ZT_OK;
}

enum zt_err
zt_apitoken_list(struct zt_req *req, struct json_object **out)
{
	return zt_team_list_rows(
	    req, ZT_ROLE_OWNER, &q_list, "tokens", token_json, out);
}

enum zt_err
zt_apitoken_revoke(struct zt_req *req, const char *token_id)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[3] = {token_id, req->user_id, req->tenant_id};
	PGresult *r;
	enum zt_err e;

	if (!zt_is_uuid(token_id))
		return zt_fail(req, ZT_ENOTFOUND, "token_not_found",
		    "no such API token in this organization");
	if ((e = zt_team_begin(req, ZT_ROLE_OWNER, NULL)) != ZT_OK)
		return e;
	if ((r = zt_db_exec(req, &err, &q_revoke, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "token_not_found",
		    "no such API token in this organization");
	if ((e = zt_audit(req, "apitoken.revoked",
		 zt_arena_printf(req->arena, "apitoken:%s", token_id), NULL)) !=
	    ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	return ZT_OK;
}
