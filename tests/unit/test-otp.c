/*
 * test-otp.c - one-time codes without the database: the code's format,
 * its stored form (HMAC-SHA256 with the pepper, bound to its challenge),
 * the constant-time compare, and the backoff policy zt_otp hands to
 * zt_rate (the wait arithmetic itself is lib/lua/rate_fail.lua's, tested
 * against Redis in test-lua.c; tests/integration/test_auth*.py run
 * zt_otp_send/zt_otp_check whole).
 */
#include "zt_otp.h"
#include "zt_server.h"
#include "zt_test.h"

#include <sodium.h>
#include <stdlib.h>

#define CH1 "11111111-1111-4111-8111-111111111111"
#define CH2 "22222222-2222-4222-8222-222222222222"

static struct zt_req *req;

static void
pepper(unsigned char v)
{
	memset(zt_g.cfg.otp_pepper, v, sizeof(zt_g.cfg.otp_pepper));
}

TEST(a_code_is_six_digits_uniform_with_leading_zeros)
{
	char code[ZT_OTP_DIGITS + 1];
	int first[10] = {0}, same = 0;
	char prev[ZT_OTP_DIGITS + 1] = "";
	for (int i = 0; i < 20000; i++) {
		memset(code, 'x', sizeof(code));
		zt_otp_code_new(code);
		if (strlen(code) != ZT_OTP_DIGITS ||
		    strspn(code, "0123456789") != ZT_OTP_DIGITS) {
			CHECK(!"a code is not six digits");
			break;
		}
		first[code[0] - '0']++;
		same += strcmp(code, prev) == 0;
		memcpy(prev, code, sizeof(prev));
	}
	/* every leading digit, 0 included (about 2,000 each) */
	for (int d = 0; d < 10; d++)
		CHECK(first[d] > 1500 && first[d] < 2500);
	CHECK(same < 5);
}

TEST(the_stored_form_is_hmac_sha256_of_challenge_and_code)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * sizeof(mac) + 1];
	const char *msg = CH1 ":042917";
	pepper(7);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg),
	    zt_g.cfg.otp_pepper);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	CHECK_STR(zt_otp_code_hash(req, CH1, "042917"), hex);
	/* the same code of another challenge is stored differently */
	CHECK(strcmp(zt_otp_code_hash(req, CH2, "042917"), hex) != 0);
	/* and without the pepper nobody can make it */
	pepper(8);
	CHECK(strcmp(zt_otp_code_hash(req, CH1, "042917"), hex) != 0);
	pepper(7);
}

TEST(only_the_right_code_of_that_challenge_matches)
{
	pepper(7);
	const char *stored = zt_otp_code_hash(req, CH1, "042917");
	CHECK(zt_otp_code_matches(req, CH1, "042917", stored) == 1);
	CHECK(zt_otp_code_matches(req, CH1, "042918", stored) == 0);
	CHECK(zt_otp_code_matches(req, CH1, "42917", stored) == 0);
	CHECK(zt_otp_code_matches(req, CH1, "", stored) == 0);
	/* a code sent for one challenge does not open another */
	CHECK(zt_otp_code_matches(req, CH2, "042917", stored) == 0);
	/* a pepper changed since: no code matches any more */
	pepper(9);
	CHECK(zt_otp_code_matches(req, CH1, "042917", stored) == 0);
	pepper(7);
}

TEST(a_stored_value_that_is_no_hash_is_not_a_match)
{
	const char *stored = zt_otp_code_hash(req, CH1, "123456");
	char *cut = zt_arena_strdup(req->arena, stored);
	cut[62] = '\0';
	CHECK(zt_otp_code_matches(req, CH1, "123456", cut) == -1);
	CHECK(zt_otp_code_matches(req, CH1, "123456", "") == -1);
	char *bad = zt_arena_strdup(req->arena, stored);
	bad[10] = 'g';
	CHECK(zt_otp_code_matches(req, CH1, "123456", bad) == -1);
}

TEST(the_backoff_policy_comes_from_the_settings)
{
	struct zt_config c;
	struct zt_rate_backoff b;
	memset(&c, 0, sizeof(c));
	c.otp_fail_free = 5;
	c.otp_fail_max = 15;
	c.otp_backoff = 30;
	c.otp_backoff_max = 3600;
	zt_otp_fail_policy(&c, &b);
	CHECK(b.free == 5 && b.cap == 15);
	CHECK(b.backoff_s == 30 && b.backoff_max_s == 3600);
	CHECK(b.day_s == 86400); /* the cap counts a day from the first */
	c.otp_fail_free = 1;
	c.otp_backoff = 2;
	zt_otp_fail_policy(&c, &b);
	CHECK(b.free == 1 && b.backoff_s == 2);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	req = zt_req_new(NULL, NULL);
	RUN(a_code_is_six_digits_uniform_with_leading_zeros);
	RUN(the_stored_form_is_hmac_sha256_of_challenge_and_code);
	RUN(only_the_right_code_of_that_challenge_matches);
	RUN(a_stored_value_that_is_no_hash_is_not_a_match);
	RUN(the_backoff_policy_comes_from_the_settings);
	zt_req_free(req);
	return DONE();
}
