/* test-config.c - settings from the environment fail with one clear line. */
#include <stdlib.h>

#include "zt_config.h"
#include "zt_test.h"

static const char *KEY = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
static const char *HEX =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static struct zt_config c;

/* load into the shared config, releasing the previous one */
static int
reload(unsigned needs, char *err, size_t len)
{
	zt_config_free(&c);
	return zt_config_load(&c, needs, err, len);
}

static void
clean(void)
{
	const char *vars[] = {"ZT_ENV", "ZT_PG_DSN", "ZT_REDIS", "ZT_LIVE_SOCKET",
	    "ZT_JWT_KEYS", "ZT_JWT_KID", "ZT_OTP_PEPPER", "ZT_TOKEN_PEPPER",
	    "ZT_HOLD_TTL", "ZT_PUBLIC_URL", "ZT_REDIS_TIMEOUT_MS",
	    "ZT_RAZORPAY_KEY_ID", "ZT_RAZORPAY_KEY_SECRET",
	    "ZT_RAZORPAY_WEBHOOK_SECRET", "ZT_RAZORPAY_BASE_URL",
	    "ZT_RAZORPAY_TIMEOUT_MS", "ZT_HOLD_MAX_LIFE", "ZT_HOLD_USER_MAX",
	    "ZT_HOLD_IP_MAX", "ZT_OTP_FAIL_FREE", "ZT_OTP_FAIL_MAX",
	    "ZT_OTP_BACKOFF", "ZT_OTP_BACKOFF_MAX", "ZT_GOOGLE_CLIENT_ID",
	    "ZT_GOOGLE_CLIENT_SECRET", "ZT_GOOGLE_ISSUER"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

TEST(defaults_apply_when_nothing_needed)
{
	char err[256] = "";
	clean();
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK_STR(c.env, "dev");
	CHECK(c.hold_ttl == 300);
	CHECK(c.access_ttl == 900);
	CHECK(c.resend_key == NULL);
	CHECK_STR(c.resend_base, "https://api.resend.com");
}

TEST(missing_required_names_the_variable)
{
	char err[256] = "";
	clean();
	CHECK(reload( ZT_NEED_PG, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_PG_DSN") != NULL);
	CHECK(strstr(err, "required") != NULL);
}

TEST(bad_values_name_the_variable)
{
	char err[256];
	clean();
	setenv("ZT_HOLD_TTL", "abc", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_HOLD_TTL") != NULL);
	setenv("ZT_HOLD_TTL", "999999", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_HOLD_TTL") != NULL);
	clean();
	setenv("ZT_ENV", "staging", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_ENV") != NULL);
	clean();
	setenv("ZT_REDIS", "localhost", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_REDIS") != NULL);
	clean();
	setenv("ZT_PUBLIC_URL", "ftp://x", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_PUBLIC_URL") != NULL);
	clean();
	setenv("ZT_OTP_PEPPER", "abcd", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_OTP_PEPPER") != NULL);
}

TEST(hold_max_life_defaults_to_twice_the_ttl_and_is_at_least_one_ttl)
{
	char err[256];
	clean();
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK(c.hold_max_life == 600);
	CHECK(c.hold_user_max == 60 && c.hold_ip_max == 3000);
	setenv("ZT_HOLD_TTL", "20", 1);
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK(c.hold_max_life == 40);
	setenv("ZT_HOLD_MAX_LIFE", "30", 1);
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK(c.hold_max_life == 30);
	setenv("ZT_HOLD_MAX_LIFE", "10", 1); /* shorter than one TTL */
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_HOLD_MAX_LIFE") != NULL);
	setenv("ZT_HOLD_MAX_LIFE", "-1", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_HOLD_MAX_LIFE") != NULL);
}

TEST(otp_backoff_settings_are_consistent)
{
	char err[256];
	clean();
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK(c.otp_fail_free == 5 && c.otp_fail_max == 15);
	CHECK(c.otp_backoff == 30 && c.otp_backoff_max == 3600);
	setenv("ZT_OTP_BACKOFF", "60", 1);
	setenv("ZT_OTP_BACKOFF_MAX", "30", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_OTP_BACKOFF_MAX") != NULL);
	clean();
	setenv("ZT_OTP_FAIL_FREE", "10", 1);
	setenv("ZT_OTP_FAIL_MAX", "5", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_OTP_FAIL_MAX") != NULL);
}

TEST(redis_address_forms)
{
	char err[256];
	clean();
	setenv("ZT_REDIS", "unix:/tmp/r.sock", 1);
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK_STR(c.redis_unix, "/tmp/r.sock");
	setenv("ZT_REDIS", "127.0.0.1:6380", 1);
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK_STR(c.redis_host, "127.0.0.1");
	CHECK(c.redis_port == 6380);
	setenv("ZT_REDIS", "127.0.0.1:99999", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
}

TEST(jwt_keys_parse_and_kid_must_exist)
{
	char err[256];
	clean();
	setenv("ZT_JWT_KEYS", KEY, 1);
	setenv("ZT_JWT_KID", "k1", 1);
	setenv("ZT_OTP_PEPPER", HEX, 1);
	setenv("ZT_TOKEN_PEPPER", HEX, 1);
	CHECK(reload( ZT_NEED_JWT | ZT_NEED_AUTH, err,
	          sizeof(err)) == 0);
	CHECK(c.jwt_nkeys == 1);
	CHECK(c.jwt_keys[0].len == 32);
	CHECK(zt_config_jwt_key(&c, "k1") != NULL);
	CHECK(zt_config_jwt_key(&c, "k2") == NULL);
	CHECK(c.otp_pepper[1] == 0x11);
	setenv("ZT_JWT_KID", "k9", 1);
	CHECK(reload( ZT_NEED_JWT, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_JWT_KID") != NULL);
	setenv("ZT_JWT_KEYS", "k1:c2hvcnQ=", 1); /* "short" */
	CHECK(reload( ZT_NEED_JWT, err, sizeof(err)) == -1);
	CHECK(strstr(err, "32 bytes") != NULL);
	setenv("ZT_JWT_KEYS", "nocolon", 1);
	CHECK(reload( ZT_NEED_JWT, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_JWT_KEYS") != NULL);
}

TEST(razorpay_settings)
{
	char err[256];
	clean();
	CHECK(reload( 0, err, sizeof(err)) == 0);
	CHECK(c.razorpay_key_id == NULL && c.razorpay_key_secret == NULL);
	CHECK_STR(c.razorpay_base, "https://api.razorpay.com");
	CHECK(c.razorpay_timeout_ms == 10000);
	/* a responder that takes payments needs all three secrets */
	CHECK(reload( ZT_NEED_RAZORPAY, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_RAZORPAY_KEY_ID") != NULL);
	setenv("ZT_RAZORPAY_KEY_ID", "rzp_test_ztic", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_RAZORPAY_KEY_SECRET") != NULL);
	setenv("ZT_RAZORPAY_KEY_SECRET", "rzp_test_secret", 1);
	CHECK(reload( ZT_NEED_RAZORPAY, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_RAZORPAY_WEBHOOK_SECRET") != NULL);
	setenv("ZT_RAZORPAY_WEBHOOK_SECRET", "whsec_test", 1);
	setenv("ZT_RAZORPAY_BASE_URL", "http://127.0.0.1:9999/", 1);
	CHECK(reload( ZT_NEED_RAZORPAY, err, sizeof(err)) == 0);
	CHECK_STR(c.razorpay_base, "http://127.0.0.1:9999");
	CHECK_STR(c.razorpay_webhook_secret, "whsec_test");
	setenv("ZT_RAZORPAY_BASE_URL", "api.razorpay.com", 1);
	CHECK(reload( 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_RAZORPAY_BASE_URL") != NULL);
	clean();
}

/* Sign in with Google: off without a client id, both halves or none */
TEST(google_client_is_both_halves_or_off)
{
	char err[256] = "";
	clean();
	CHECK(reload(0, err, sizeof(err)) == 0);
	CHECK(c.google_client_id == NULL);
	CHECK_STR(c.google_issuer, "https://accounts.google.com");
	setenv("ZT_GOOGLE_CLIENT_ID", "x.apps.googleusercontent.com", 1);
	CHECK(reload(0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_GOOGLE_CLIENT_SECRET") != NULL);
	unsetenv("ZT_GOOGLE_CLIENT_ID");
	setenv("ZT_GOOGLE_CLIENT_SECRET", "s", 1);
	CHECK(reload(0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_GOOGLE_CLIENT_ID") != NULL);
	setenv("ZT_GOOGLE_CLIENT_ID", "x.apps.googleusercontent.com", 1);
	setenv("ZT_GOOGLE_ISSUER", "http://127.0.0.1:9999/", 1);
	CHECK(reload(0, err, sizeof(err)) == 0);
	CHECK_STR(c.google_issuer, "http://127.0.0.1:9999");
	setenv("ZT_GOOGLE_ISSUER", "accounts.google.com", 1);
	CHECK(reload(0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ZT_GOOGLE_ISSUER") != NULL);
	clean();
}

int
main(void)
{
	RUN(defaults_apply_when_nothing_needed);
	RUN(google_client_is_both_halves_or_off);
	RUN(missing_required_names_the_variable);
	RUN(bad_values_name_the_variable);
	RUN(hold_max_life_defaults_to_twice_the_ttl_and_is_at_least_one_ttl);
	RUN(otp_backoff_settings_are_consistent);
	RUN(redis_address_forms);
	RUN(jwt_keys_parse_and_kid_must_exist);
	RUN(razorpay_settings);
	zt_config_free(&c);
	return DONE();
}
