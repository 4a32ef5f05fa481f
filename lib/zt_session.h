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

#include "zt_req.h"

#define ZT_REFRESH_COOKIE "zt_refresh"

/*
 * Find or create the user for a verified identifier (channel "email" or a
 * phone channel) inside the open transaction; fills user_id[37].
 */
enum zt_err zt_session_user(struct zt_req *req, const char *channel,
    const char *identifier, char user_id[37]);

/*
 * Start a family for user_id inside the open transaction (after
 * zt_session_user), choosing the first membership as active tenant.
 * Commits, then answers 200 {accessToken, expiresIn, user, tenant} with the
 * refresh cookie.
 */
enum zt_err zt_session_start(struct zt_req *req, const char *user_id);

/*
 * Rotate the cookie's refresh token; switch the active tenant to tenant_id
 * when given (403 unless a member).  Answers 200 like zt_session_start.
 */
enum zt_err zt_session_refresh(struct zt_req *req, const char *tenant_id);

/* Revoke the cookie's family (if any); answers 204 and clears the cookie. */
enum zt_err zt_session_logout(struct zt_req *req);

/* 200 {user, memberships, activeTenant, role} for the signed-in caller. */
enum zt_err zt_session_me(struct zt_req *req);

/*
 * Issue an access token for user_id with tenant_id (may be ""), reading the
 * role from the membership; used after onboarding.  Adds accessToken,
 * expiresIn, tenantId, role to body.
 */
enum zt_err zt_session_token_for(struct zt_req *req, const char *user_id,
    const char *tenant_id, struct json_object *body);

#endif
