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

#endif
