/*
 * zt_oidc.h - Sign in with Google: OpenID Connect, authorization code flow
 * with PKCE (S256), state and nonce (docs/auth.md, "Sign in with Google").
 *
 * start: a random state, nonce and PKCE verifier are kept in Redis for
 * ZT_OIDC_STATE_TTL seconds under the state's digest, with the digest of a
 * random browser binding that goes to the browser as an HttpOnly,
 * SameSite=Lax cookie (zt_oidc, Path=/api/auth/google), and the `next`
 * path.  The browser is sent to the provider's authorization endpoint.
 *
 * callback: the state is taken out of Redis (GETDEL: single use) and must
 * belong to this browser's cookie; the code is exchanged at the token
 * endpoint (client_secret_post, with the verifier); the ID token must be
 * RS256 (nothing else is accepted, whatever its header says), signed by a
 * key of the provider's JWKS (cached for its Cache-Control max-age; an
 * unknown kid refetches once), from the issuer, for this client (aud, and
 * azp when several audiences), unexpired (30 s leeway), with the nonce of
 * this state and a verified email.  Then the user of the Google subject,
 * else of the email (found or created), gets a session as the one-time
 * code sign-in gives (zt_session_start).
 *
 * The provider's discovery document and JWKS are cached per process.
 * Configuration: ZT_GOOGLE_CLIENT_ID, ZT_GOOGLE_CLIENT_SECRET,
 * ZT_GOOGLE_ISSUER (zt_config.h); without a client id every call answers
 * 404 google_not_configured.
 */
#ifndef ZT_OIDC_H
#define ZT_OIDC_H

#include <stddef.h>

#include "zt_req.h"
#include "zt_session.h"

#define ZT_OIDC_COOKIE "zt_oidc"
#define ZT_OIDC_STATE_TTL 600 /* seconds from start to callback */
#define ZT_OIDC_NEXT_MAX 512  /* bytes of a `next` path */

/* 1 when Sign in with Google is configured (a client id is set). */
int zt_oidc_enabled(void);

/*
 * 1 when next may be redirected to: a same-origin path ("/…", not "//…"
 * nor "/\…"), printable ASCII without backslashes, at most
 * ZT_OIDC_NEXT_MAX bytes.  0 otherwise.
 */
int zt_oidc_next_ok(const char *next);

/* What start answers: a 302 to location with cookie set. */
struct zt_oidc_redirect {
	const char *location; /* arena */
	const char *cookie;   /* Set-Cookie value, arena */
};

/*
 * Begin a sign-in that returns to next (NULL: "/"; 400 invalid_next when
 * not zt_oidc_next_ok).  login_hint (may be NULL) is passed on to the
 * provider.  Rate-limited per client address (ZT_OTP_IP_MAX per
 * ZT_OTP_WINDOW).  502 google_unavailable when the discovery document
 * cannot be had.
 */
enum zt_err zt_oidc_start(struct zt_req *req, const char *next,
    const char *login_hint, struct zt_oidc_redirect *out);

/* What the callback answers: a 302 to next with both cookies. */
struct zt_oidc_done {
	const char *next;	  /* arena; set on success */
	const char *clear_cookie; /* clears zt_oidc; set whatever happens */
	struct zt_session_answer session; /* the refresh cookie; the caller
					     puts session.body */
};

/*
 * Finish the sign-in from the callback's query (code, state, or error).
 * Every refusal is its own code (docs/auth.md): 400 missing_state_cookie,
 * invalid_state; 401 google_refused, code_rejected, id_token_alg,
 * id_token_kid, id_token_signature, id_token_issuer, id_token_audience,
 * id_token_expired, id_token_nonce, email_unverified, id_token_invalid;
 * 502 google_unavailable.  On success the session is started (committed).
 */
enum zt_err zt_oidc_callback(struct zt_req *req, struct zt_oidc_done *out);

/*
 * The PEM ("-----BEGIN PUBLIC KEY-----") of the RSA public key with the
 * base64url modulus n and exponent e of a JWK, malloc'ed (free it), or
 * NULL when they do not decode or the modulus is not 2048 to 4096 bits.
 */
char *zt_oidc_rsa_pem(const char *n, const char *e);

#endif
