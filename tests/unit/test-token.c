/* test-token.c - access tokens: issue, verify, and the attacks on them. */
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <time.h>

#include "zt_config.h"
#include "zt_test.h"
#include "zt_token.h"

static struct zt_config cfg;
static struct zt_arena *a;
static const char *UID = "11111111-2222-4333-8444-555555555555";
static const char *TID = "66666666-7777-4888-9999-aaaaaaaaaaaa";

static long
now(void)
{
	return (long)time(NULL);
}

static int
verify(const char *tok)
{
	struct zt_claims c;
	const char *why;
	return zt_token_verify(&cfg, ZT_TOKEN_AUD, tok, now(), &c, &why);
}

/* b64url(json) */
static char *
b64(const char *s)
{
	size_t n = strlen(s);
	char *out = zt_arena_alloc(a, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	return sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), (const unsigned char *)s,
	    n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static char *
forge(jwt_alg_t alg, const unsigned char *key, int keylen, const char *kid,
    const char *aud, long exp)
{
	jwt_t *j;
	char *enc, *out;
	jwt_new(&j);
	jwt_set_alg(j, alg, key, keylen);
	if (kid)
		jwt_add_header(j, "kid", kid);
	jwt_add_grant(j, "iss", ZT_TOKEN_ISS);
	jwt_add_grant(j, "aud", aud);
	jwt_add_grant(j, "sub", UID);
	jwt_add_grant_int(j, "iat", now());
	jwt_add_grant_int(j, "exp", exp);
	enc = jwt_encode_str(j);
	out = zt_arena_strdup(a, enc);
	free(enc);
	jwt_free(j);
	return out;
}

TEST(issued_token_verifies_with_claims)
{
	struct zt_claims c;
	const char *why;
	char *t = zt_token_issue(&cfg, a, ZT_TOKEN_AUD, UID, TID, "owner",
	    now(), 900);
	CHECK(t != NULL);
	CHECK(zt_token_verify(&cfg, ZT_TOKEN_AUD, t, now(), &c, &why) == 0);
	CHECK_STR(c.sub, UID);
	CHECK_STR(c.tid, TID);
	CHECK_STR(c.role, "owner");
	CHECK(c.exp == c.iat + 900);
}

TEST(alg_none_is_refused)
{
	char *h = b64("{\"alg\":\"none\",\"kid\":\"k1\",\"typ\":\"JWT\"}");
	char *p = b64("{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":"
	              "\"11111111-2222-4333-8444-555555555555\",\"iat\":1,"
	              "\"exp\":9999999999}");
	CHECK(verify(zt_arena_printf(a, "%s.%s.", h, p)) == -1);
	CHECK(verify(zt_arena_printf(a, "%s.%s", h, p)) == -1);
}

TEST(other_algorithms_with_the_same_key_are_refused)
{
	const struct zt_jwt_key *k = zt_config_jwt_key(&cfg, "k1");
	CHECK(verify(forge(JWT_ALG_HS512, k->key, (int)k->len, "k1",
	          ZT_TOKEN_AUD, now() + 60)) == -1);
	CHECK(verify(forge(JWT_ALG_HS384, k->key, (int)k->len, "k1",
	          ZT_TOKEN_AUD, now() + 60)) == -1);
	/* the same token with HS256 is fine: the forge helper is sound */
	CHECK(verify(forge(JWT_ALG_HS256, k->key, (int)k->len, "k1",
	          ZT_TOKEN_AUD, now() + 60)) == 0);
}

TEST(wrong_key_unknown_kid_and_missing_kid_are_refused)
{
	unsigned char other[32];
	memset(other, 7, sizeof(other));
	CHECK(verify(forge(JWT_ALG_HS256, other, 32, "k1", ZT_TOKEN_AUD,
	          now() + 60)) == -1);
	CHECK(verify(forge(JWT_ALG_HS256, other, 32, "k9", ZT_TOKEN_AUD,
	          now() + 60)) == -1);
	const struct zt_jwt_key *k = zt_config_jwt_key(&cfg, "k1");
	CHECK(verify(forge(JWT_ALG_HS256, k->key, (int)k->len, NULL,
	          ZT_TOKEN_AUD, now() + 60)) == -1);
}

TEST(expired_and_wrong_audience_are_refused)
{
	const struct zt_jwt_key *k = zt_config_jwt_key(&cfg, "k1");
	CHECK(verify(forge(JWT_ALG_HS256, k->key, (int)k->len, "k1",
	          ZT_TOKEN_AUD, now() - 1)) == -1);
	CHECK(verify(forge(JWT_ALG_HS256, k->key, (int)k->len, "k1",
	          "someone-else", now() + 60)) == -1);
	/* an admin token is not an attendee token and vice versa */
	char *adm = zt_token_issue(&cfg, a, ZT_TOKEN_AUD_ADMIN, UID, NULL,
	    NULL, now(), 60);
	CHECK(verify(adm) == -1);
}

TEST(tampered_payload_is_refused)
{
	char *t = zt_token_issue(&cfg, a, ZT_TOKEN_AUD, UID, NULL, NULL, now(),
	    900);
	char *d1 = strchr(t, '.'), *d2 = strchr(d1 + 1, '.');
	char *p = b64("{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":"
	              "\"11111111-2222-4333-8444-555555555555\",\"tid\":"
	              "\"66666666-7777-4888-9999-aaaaaaaaaaaa\",\"role\":"
	              "\"owner\",\"iat\":1,\"exp\":9999999999}");
	char *forged = zt_arena_printf(a, "%.*s.%s%s", (int)(d1 - t), t, p, d2);
	CHECK(verify(forged) == -1);
	CHECK(verify("") == -1);
	CHECK(verify("a.b.c") == -1);
}

/* Signed with the right key but wrong in shape: verification is
 * libsodium's HMAC over the first two parts and json-c's parse of the
 * payload (no libjwt), so each shape is checked here. */
static char *
signed_with_k1(const char *header, const char *payload)
{
	static const char *key = "0123456789abcdef0123456789abcdef";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char *body = zt_arena_printf(a, "%s.%s", b64(header), b64(payload));
	char sig[64];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
	    strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return zt_arena_printf(a, "%s.%s", body, sig);
}

TEST(hand_signed_tokens_are_checked_for_shape)
{
	const char *h = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
	char *good = signed_with_k1(h,
	    zt_arena_printf(a,
		"{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":\"%s\","
		"\"iat\":%ld,\"exp\":%ld}",
		UID, now(), now() + 60));
	CHECK(verify(good) == 0);
	/* a fourth part, padding on the signature, a cut signature */
	CHECK(verify(zt_arena_printf(a, "%s.x", good)) == -1);
	CHECK(verify(zt_arena_printf(a, "%s=", good)) == -1);
	CHECK(verify(zt_arena_printf(a, "%.*s", (int)strlen(good) - 2,
	          good)) == -1);
	/* exp as a string, iat missing, sub not a uuid, aud as an array */
	CHECK(verify(signed_with_k1(h,
	          zt_arena_printf(a,
		      "{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":\"%s\","
		      "\"iat\":%ld,\"exp\":\"%ld\"}",
		      UID, now(), now() + 60))) == -1);
	CHECK(verify(signed_with_k1(h,
	          zt_arena_printf(a,
		      "{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":\"%s\","
		      "\"exp\":%ld}",
		      UID, now() + 60))) == -1);
	CHECK(verify(signed_with_k1(h,
	          zt_arena_printf(a,
		      "{\"iss\":\"ztic\",\"aud\":\"ztic-api\",\"sub\":\"x\","
		      "\"iat\":%ld,\"exp\":%ld}",
		      now(), now() + 60))) == -1);
	CHECK(verify(signed_with_k1(h,
	          zt_arena_printf(a,
		      "{\"iss\":\"ztic\",\"aud\":[\"ztic-api\"],\"sub\":\"%s\","
		      "\"iat\":%ld,\"exp\":%ld}",
		      UID, now(), now() + 60))) == -1);
	/* a payload that is not JSON */
	CHECK(verify(signed_with_k1(h, "not json")) == -1);
}

TEST(rotated_keys_still_verify_old_tokens)
{
	struct zt_config c2;
	char err[256];
	char *old = zt_token_issue(&cfg, a, ZT_TOKEN_AUD, UID, NULL, NULL,
	    now(), 900);
	setenv("ZT_JWT_KEYS",
	    "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=,"
	    "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
	setenv("ZT_JWT_KID", "k2", 1);
	CHECK(zt_config_load(&c2, ZT_NEED_JWT, err, sizeof(err)) == 0);
	struct zt_claims c;
	const char *why;
	CHECK(zt_token_verify(&c2, ZT_TOKEN_AUD, old, now(), &c, &why) == 0);
	char *fresh = zt_token_issue(&c2, a, ZT_TOKEN_AUD, UID, NULL, NULL,
	    now(), 900);
	CHECK(verify(fresh) == -1); /* old config does not know k2 */
	zt_config_free(&c2);
}

int
main(void)
{
	char err[256];
	setenv("ZT_JWT_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
	setenv("ZT_JWT_KID", "k1", 1);
	if (zt_config_load(&cfg, ZT_NEED_JWT, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return 1;
	}
	a = zt_arena_new();
	RUN(issued_token_verifies_with_claims);
	RUN(alg_none_is_refused);
	RUN(other_algorithms_with_the_same_key_are_refused);
	RUN(wrong_key_unknown_kid_and_missing_kid_are_refused);
	RUN(expired_and_wrong_audience_are_refused);
	RUN(tampered_payload_is_refused);
	RUN(hand_signed_tokens_are_checked_for_shape);
	RUN(rotated_keys_still_verify_old_tokens);
	zt_arena_free(a);
	zt_config_free(&cfg);
	return DONE();
}
