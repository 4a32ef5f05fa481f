/*
 * zt_session.h - who is signed in: users, refresh-token families, sessions.
 *
 * A sign-in starts a family.  The browser holds one refresh token (32
 * random bytes, base64url) in an HttpOnly SameSite=Strict cookie scoped to
 * /api/auth; the database holds only its keyed BLAKE2b hash.  Every refresh
 * rotates it.  The successor of a token is derived from it with a server
 * key, so two tabs refreshing the same token inside the grace window get
 * the same successor; a rotated token presented after the grace window is
 * a theft signal and revokes the whole family.  Families end after
 * ZT_REFRESH_MAX_AGE whatever happens.
 */
#ifndef ZT_SESSION_H
#define ZT_SESSION_H

#include <json-c/json.h>

#include "zt_req.h"
#include "zt_uuid.h"

#define ZT_REFRESH_COOKIE "zt_refresh"
#define ZT_SESSION_TOKEN_BYTES 32 /* a refresh token, raw */

/*
 * What a session call answers; the responder replies with it.  cookie is
 * sent as Set-Cookie whatever the call returned: a refused refresh clears
 * the cookie with its 401.
 */
struct zt_session_answer {
	struct json_object *body; /* the caller owns it; NULL on errors */
	const char *cookie;	  /* a Set-Cookie value (arena), or NULL */
};

/*
 * Find or create the user for a verified identifier (channel "email" or a
 * phone channel) inside the open transaction; fills user_id[ZT_UUID_BUF].
 */
enum zt_err zt_session_user(struct zt_req *req, const char *channel,
    const char *identifier, char user_id[ZT_UUID_BUF]);

/*
 * Start a family for user_id inside the open transaction (after
 * zt_session_user), choosing the first membership as active tenant.
 * Commits; out is the 200 answer {accessToken, expiresIn, user, tenant}
 * and the refresh cookie.
 */
enum zt_err zt_session_start(
    struct zt_req *req, const char *user_id, struct zt_session_answer *out);

/*
 * Rotate the cookie's refresh token; switch the active tenant to tenant_id
 * when given (403 unless a member).  out as for zt_session_start; 401
 * answers clear the cookie.
 */
enum zt_err zt_session_refresh(
    struct zt_req *req, const char *tenant_id, struct zt_session_answer *out);

/*
 * Refuse, from now on, every access token of user_id issued up to this
 * second (account deletion): SET zt:revoked:<user> <now> for one access
 * token lifetime (ZT_ACCESS_TTL + 60 s), read by zt_session_revoked.  Call
 * it before committing the change it follows: a Redis failure (in err)
 * then rolls the change back.
 */
enum zt_err zt_session_revoke_user(
    struct zt_req *req, struct zt_error *err, const char *user_id);

/*
 * Refuse, from now on, every access token of the n sessions (refresh
 * families): SET zt:revoked:s:<family> for one access
 * token lifetime each.  Call it before committing the
 * change it follows, as zt_session_revoke_user.
 */
enum zt_err zt_session_revoke_sessions(struct zt_req *req, struct zt_error *err,
    const char *const *families, size_t n);

/*
 * 1 when an access token of user_id issued at iat was revoked by
 * zt_session_revoke_user, or its session sid ("" for none) by
 * zt_session_revoke_sessions, else 0.  One GET (MGET with a session) on
 * the request's Redis connection; when Redis cannot answer it logs and
 * returns 0 (the token then lives out its lifetime, as before this check
 * existed).
 */
int zt_session_revoked(
    struct zt_req *req, const char *user_id, const char *sid, long iat);

/* Revoke the cookie's family (if any); out is a 204 (no body) clearing
 * the cookie. */
enum zt_err zt_session_logout(
    struct zt_req *req, struct zt_session_answer *out);

/* *out = {user, memberships, activeTenant, role} for the signed-in caller
 * (caller owns it). */
enum zt_err zt_session_me(struct zt_req *req, struct json_object **out);

/*
 * Issue an access token for user_id with tenant_id (may be ""), reading the
 * role from the membership; used after onboarding.  Adds accessToken,
 * expiresIn, tenantId, role to body.
 */
enum zt_err zt_session_token_for(struct zt_req *req, const char *user_id,
    const char *tenant_id, struct json_object *body);

/*
 * The parts of the calls above that need no database
 * (tests/unit/test-session.c).
 */
/* The stored form of a raw refresh token: BLAKE2b-256 keyed with
 * zt_g.cfg.token_pepper, lowercase hex (arena). */
const char *zt_session_token_hash(
    struct zt_req *req, const unsigned char raw[ZT_SESSION_TOKEN_BYTES]);
/* The successor of raw: BLAKE2b keyed with a subkey of the pepper, so only
 * the server can make it and the same token always has the same one. */
void zt_session_successor(const unsigned char raw[ZT_SESSION_TOKEN_BYTES],
    unsigned char next[ZT_SESSION_TOKEN_BYTES]);
/* The Set-Cookie value carrying raw for max_age seconds (raw NULL: one
 * that clears the cookie), arena.  Secure in production or behind an
 * https ZT_PUBLIC_URL. */
const char *zt_session_cookie(struct zt_req *req,
    const unsigned char raw[ZT_SESSION_TOKEN_BYTES], long max_age);

/* A refresh token as the database found it. */
struct zt_session_token_state {
	int revoked;	   /* its family was revoked (sign-out, theft) */
	int family_over;   /* past ZT_REFRESH_MAX_AGE */
	int token_over;	   /* unused for ZT_REFRESH_TTL */
	int rotated;	   /* exchanged for a successor already */
	int in_grace;	   /* ... less than ZT_REFRESH_GRACE ago */
	int has_successor; /* and that successor is on record */
};

/* What zt_session_refresh does with it. */
enum zt_session_step {
	ZT_SESSION_ROTATE, /* live and unused: mint its successor */
	ZT_SESSION_AGAIN,  /* a racing tab: the same successor again */
	ZT_SESSION_REUSED, /* exchanged before: a copy exists, revoke all */
	ZT_SESSION_ENDED   /* 401 session_ended */
};
enum zt_session_step zt_session_refresh_step(
    const struct zt_session_token_state *t);

#endif
