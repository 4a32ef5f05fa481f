/*
 * zt_oidc_int.h - what the two halves of Sign in with Google share
 * (internal to lib/): zt_oidc.c runs the flow and fetches the provider's
 * documents; zt_oidc_token.c keeps its signing keys and verifies ID tokens.
 */
#ifndef ZT_OIDC_INT_H
#define ZT_OIDC_INT_H

#include <stddef.h>
#include <time.h>

#include "zt_req.h"

struct json_object;

/* An answer of the provider. */
struct zt__oidc_fetched {
	struct json_object *o; /* the body as JSON (put it), or NULL */
	long status;
	long max_age; /* Cache-Control max-age, -1 when none */
};

/*
 * GET url (form NULL) or POST the form (x-www-form-urlencoded) to it over
 * zt_http.  0 when an answer arrived (any status: f filled), -1 when none
 * (why says so).
 */
int zt__oidc_fetch(const char *url, const char *form,
    struct zt__oidc_fetched *f, char *why, size_t whylen);

/* Log why and record 502 google_unavailable on req. */
enum zt_err zt__oidc_unavailable(struct zt_req *req, const char *why);

/* Until when an answer with this max-age is kept (-1: an hour; at most a
 * day). */
time_t zt__oidc_cache_until(long max_age);

/* What a verified ID token says (arena strings). */
struct zt__oidc_claims {
	const char *sub;   /* the Google subject */
	const char *email; /* verified, normalised (zt_ident_email) */
	const char *name;  /* "" when absent or unusable */
};

/*
 * Verify the ID token tok against the keys of jwks_uri and this sign-in's
 * nonce (docs/auth.md, "What is verified in the ID token"); each refusal
 * is 401 with its own code, 502 google_unavailable when the JWKS cannot be
 * had.
 */
enum zt_err zt__oidc_verify(struct zt_req *req, const char *jwks_uri,
    const char *tok, const char *nonce, struct zt__oidc_claims *out);

#endif
