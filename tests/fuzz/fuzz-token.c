/*
 * fuzz-token.c - access token verification (lib/zt_token.c over libjwt),
 * which reads the Authorization header (and ?token= of live paths) of
 * every request.  Input: a compact JWT; or, after a leading '!', a claims
 * document that is signed with the configured key (HS256, kid k1), so the
 * fuzzer reaches the claim checks behind the signature.
 */
#include "fuzz.h"
#include "zt_arena.h"
#include "zt_config.h"
#include "zt_token.h"

#include <sodium.h>
#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct zt_config cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	(void)argc;
	(void)argv;
	setenv("ZT_JWT_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
	setenv("ZT_JWT_KID", "k1", 1);
	if (sodium_init() < 0 ||
	    zt_config_load(&cfg, ZT_NEED_JWT, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz-token: %s\n", err);
		abort();
	}
	return 0;
}

static char *
b64u(const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(len);
	if (out == NULL)
		abort();
	sodium_bin2base64(out, len, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* header.claims.signature, signed with k1 */
static char *
sign(const uint8_t *claims, size_t n)
{
	static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
	const struct zt_jwt_key *k = zt_config_jwt_key(&cfg, "k1");
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char *h = b64u((const unsigned char *)hdr, sizeof hdr - 1);
	char *c = b64u(claims, n);
	size_t sn = strlen(h) + 1 + strlen(c);
	char *tok = malloc(sn + 1 + 64);
	if (tok == NULL || k == NULL)
		abort();
	snprintf(tok, sn + 1, "%s.%s", h, c);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, k->key, k->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, sn);
	crypto_auth_hmacsha256_final(&st, mac);
	char *s = b64u(mac, sizeof mac);
	snprintf(tok + sn, 1 + 64, ".%s", s);
	free(h);
	free(c);
	free(s);
	return tok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_claims c;
	const char *why = NULL;
	char *tok = size > 0 && data[0] == '!' ? sign(data + 1, size - 1) :
	    fuzz_str(data, size);
	long now = 1700000000;
	memset(&c, 0, sizeof c);
	if (zt_token_verify(&cfg, ZT_TOKEN_AUD, tok, now, &c, &why) == 0) {
		if (memchr(c.sub, '\0', sizeof c.sub) == NULL ||
		    memchr(c.tid, '\0', sizeof c.tid) == NULL ||
		    memchr(c.role, '\0', sizeof c.role) == NULL || c.exp <= now)
			abort();
	} else if (why == NULL) {
		abort();
	}
	(void)zt_token_verify(&cfg, ZT_TOKEN_AUD_ADMIN, tok, now, &c, &why);
	free(tok);
	return 0;
}
