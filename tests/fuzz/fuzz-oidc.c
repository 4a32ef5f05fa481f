/*
 * fuzz-oidc.c - what Sign in with Google (lib/zt_oidc.c) reads from
 * outside: the `next` path of /api/auth/google/start (a stranger's), and a
 * JWK's modulus and exponent from the provider's JWKS, which become a PEM
 * that OpenSSL parses (through libjwt) to verify ID tokens.  Input: the
 * path; or, after a leading '!', "n\ne" of a JWK.
 */
#include "fuzz.h"
#include "zt_oidc.h"

#include <jwt.h>

/* any compact RS256 token: the PEM is parsed before the signature fails */
static const char TOKEN[] = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0."
			    "eyJzdWIiOiIxIn0.c2lnbmF0dXJl";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *e, *pem;
	jwt_t *j = NULL;

	if (s[0] != '!') {
		if (zt_oidc_next_ok(s) && (s[0] != '/' || s[1] == '/'))
			abort();
		free(s);
		return 0;
	}
	e = fuzz_line(s + 1);
	pem = zt_oidc_rsa_pem(s + 1, e);
	if (pem != NULL) {
		if (strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) != 0)
			abort();
		(void)jwt_decode(&j, TOKEN, (const unsigned char *)pem,
		    (int)strlen(pem));
		jwt_free(j);
		free(pem);
	}
	free(s);
	return 0;
}
