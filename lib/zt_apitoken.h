/*
 * zt_apitoken.h - organizer API tokens (docs/api-tokens.md).
 *
 * An owner creates named tokens for their tenant with scopes and an
 * optional expiry.  The secret, "zt_live_" and 64 base64url characters
 * (the token's id and 32 random bytes), is shown once; only its keyed
 * hash (HMAC-SHA256, key derived from ZT_TOKEN_PEPPER) is stored.
 *
 * A request with `Authorization: Bearer zt_live_…` acts as a member of the
 * token's one tenant (its creator, whose membership zt_team_begin re-reads
 * as for any organizer) with exactly the token's scopes: the route must be
 * in the one table zt_apitoken_scope() reads, and its scope among the
 * token's.  Every request reads the token row (revoked or expired: 401 at
 * once), counts against the token's rate limit, and notes the last use at
 * most once a minute.
 */
#ifndef ZT_APITOKEN_H
#define ZT_APITOKEN_H

#include <json-c/json.h>
#include <stdint.h>

#include "zt_req.h"

#define ZT_APITOKEN_PREFIX "zt_live_"
#define ZT_APITOKEN_PREFIX_LEN 8
/* Tokens a tenant may hold that are not revoked. */
#define ZT_APITOKEN_MAX 50

/* 1 when a bearer credential is an API token (by its prefix). */
int zt_apitoken_is(const char *bearer);

/*
 * The scope a route needs from a token ("orders:read"…), or NULL when no
 * token may call it (it is not in the table: sign-in, team, tokens and
 * webhooks, a buyer's own routes).  The one place that maps routes to
 * scopes.
 */
const char *zt_apitoken_scope(const char *method, const char *pattern);

/*
 * Authenticate req (its route already matched) with the API token
 * `token`: fills req->user_id, tenant_id, role and apitoken_id.  401
 * invalid_token / token_revoked / token_expired; 403 token_not_allowed
 * (route not open to tokens) or insufficient_scope; 429 past the token's
 * limit.  A public route that tokens do not use is served as anonymous.
 */
enum zt_err zt_apitoken_authenticate(struct zt_req *req, const char *token);

/* Create a token (owner); *out = {tokenId, name, scopes, prefix,
 * createdAt, expiresAt, token} with the secret, the only time it is
 * shown.  expires_at 0: never. */
enum zt_err zt_apitoken_create(struct zt_req *req, const char *name,
    struct json_object *scopes, int64_t expires_at, struct json_object **out);

/* The tenant's tokens, newest first, without secrets: *out = {tokens:
 * [{tokenId, name, prefix, scopes, createdAt, expiresAt, lastUsedAt,
 * revokedAt, status}]}. */
enum zt_err zt_apitoken_list(struct zt_req *req, struct json_object **out);

/* Revoke a token of the caller's tenant (404 otherwise); repeating it
 * is harmless. */
enum zt_err zt_apitoken_revoke(struct zt_req *req, const char *token_id);

#endif
