/* test-totp.c - RFC 6238 codes (liboath): the RFC's vectors, the window,
 * the otpauth:// URI. */
#include "zt_totp.h"
#include "zt_test.h"

#include <string.h>

/* RFC 6238 appendix B, SHA-1 key "12345678901234567890" */
static const unsigned char key[] = "12345678901234567890";
#define KEYLEN 20

TEST(rfc_6238_vectors_with_six_digits)
{
	/* the RFC's 8-digit codes, last 6 digits */
	const struct {
		long long t;
		const char *code;
	} v[] = {{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
	    {1234567890, "005924"}, {2000000000, "279037"}};
	char out[ZT_TOTP_DIGITS + 1];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t c = -1;
		CHECK(zt_totp_code(key, KEYLEN, v[i].t / 30, out) == 0);
		CHECK(strcmp(out, v[i].code) == 0);
		CHECK(zt_totp_match(
			  key, KEYLEN, v[i].code, (time_t)v[i].t, &c) == 0);
		CHECK(c == v[i].t / 30);
	}
}

TEST(one_step_either_side_and_no_further)
{
	char out[ZT_TOTP_DIGITS + 1];
	int64_t now = 1234567890 / 30, c = 0;
	for (int d = -3; d <= 3; d++) {
		CHECK(zt_totp_code(key, KEYLEN, now + d, out) == 0);
		int ok = zt_totp_match(key, KEYLEN, out, 1234567890, &c) == 0;
		CHECK(ok == (d >= -1 && d <= 1));
		if (ok)
			CHECK(c == now + d);
	}
}

TEST(malformed_codes_never_match)
{
	int64_t c;
	const char *bad[] = {
	    "", "12345", "1234567", "12a456", " 05924", "005924\n", NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zt_totp_match(key, KEYLEN, bad[i], 1234567890, &c) != 0);
}

TEST(otpauth_uri_carries_base32_and_parameters)
{
	struct zt_arena *a = zt_arena_new();
	char *u = zt_totp_uri(a, "ztic admin", "a+b@x.in", key, KEYLEN);
	CHECK(u != NULL);
	CHECK(
	    strcmp(u,
		"otpauth://totp/ztic%20admin:a%2Bb%40x.in"
		"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
		"&issuer=ztic%20admin&algorithm=SHA1&digits=6&period=30") == 0);
	zt_arena_free(a);
}

int
main(void)
{
	RUN(rfc_6238_vectors_with_six_digits);
	RUN(one_step_either_side_and_no_further);
	RUN(malformed_codes_never_match);
	RUN(otpauth_uri_carries_base32_and_parameters);
	return DONE();
}
