/*
 * zt_token.h - access tokens: HS256 JWTs with a kid.
 *
 * Issued with libjwt. Verified without it (libjwt 1.10 takes the algorithm
 * from the token, checks no claims and costs two parses and OpenSSL's EVP
 * per request): the header must say HS256 with a known kid, the signature
 * is libsodium's HMAC-SHA-256 compared in constant time, the payload is
 * parsed once with json-c and exp, iat, nbf, iss, aud, sub, tid and role
 * are checked here (docs/benchmarks.md, section 21).
 */
#ifndef ZT_TOKEN_H
#define ZT_TOKEN_H

#include "zt_arena.h"
#include "zt_config.h"
#include "zt_uuid.h"

#define ZT_TOKEN_ISS "ztic"
#define ZT_TOKEN_AUD "ztic-api"
#define ZT_TOKEN_AUD_ADMIN "ztic-admin"

struct zt_claims {
	char sub[ZT_UUID_BUF];
	char tid[ZT_UUID_BUF]; /* "" when no active tenant */
	char role[16];
	char aud[16];
	char sid[ZT_UUID_BUF]; /* the session (refresh family), "" when none */
	long iat, exp;
};

/*
 * Sign a token for sub (tenant and role may be NULL) valid ttl seconds from
 * now.  Returns the compact JWT in the arena, or NULL if signing failed.
 */
char *zt_token_issue(const struct zt_config *cfg, struct zt_arena *a,
    const char *aud, const char *sub, const char *tid, const char *role,
    long now, int ttl);
/* The same with the session it belongs to (claim "sid", a refresh
 * family's id; NULL or "": none), so ending that session can refuse it
 * at once (zt_session_revoke_sessions, docs/auth.md). */
char *zt_token_issue_sid(const struct zt_config *cfg, struct zt_arena *a,
    const char *aud, const char *sub, const char *tid, const char *role,
    const char *sid, long now, int ttl);

/*
 * Verify a compact JWT for audience aud.  Returns 0 and fills out, or -1
 * with a short static reason in *why (for logs, not for clients).
 */
int zt_token_verify(const struct zt_config *cfg, const char *aud,
    const char *token, long now, struct zt_claims *out, const char **why);

#endif
