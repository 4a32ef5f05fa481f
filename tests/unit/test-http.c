/* test-http.c - which provider base URLs may be called. */
#include "zt_http.h"
#include "zt_test.h"

static int
ok(const char *base)
{
	char why[160] = "";
	return zt_http_check_base("resend", base, why, sizeof(why)) == 0;
}

static const char *
reason(const char *base)
{
	static char why[160];
	why[0] = '\0';
	zt_http_check_base("twilio", base, why, sizeof(why));
	return why;
}

TEST(https_anywhere_http_only_to_loopback)
{
	CHECK(ok("https://api.resend.com"));
	CHECK(ok("https://10.0.0.5:8443/x"));
	CHECK(ok("http://127.0.0.1:8081"));
	CHECK(ok("http://127.12.0.9"));
	CHECK(ok("http://localhost:9000/"));
	CHECK(ok("http://[::1]:9000"));
	CHECK(!ok("http://api.resend.com"));
	CHECK(!ok("http://127.0.0.1.evil.example"));
	CHECK(!ok("http://10.0.0.5"));
	CHECK(!ok("ftp://127.0.0.1"));
	CHECK(!ok("not a url"));
}

TEST(reasons_name_the_provider)
{
	CHECK(strstr(reason("http://api.twilio.com"), "refusing plain http to "
	                                              "twilio") != NULL);
	CHECK(strstr(reason("gopher://x"), "twilio base url must be https") !=
	      NULL);
	CHECK(strstr(reason("::::"), "not a valid url") != NULL);
}

TEST(prepare_sets_up_a_reused_handle)
{
	char ebuf[CURL_ERROR_SIZE];
	CURL *h = curl_easy_init();
	CHECK(h != NULL);
	CHECK(zt_http_prepare(h, "https://api.razorpay.com/v1/orders", 5000,
	          1000, ebuf, "ztic-test/1") == 0);
	CHECK(ebuf[0] == '\0');
	curl_easy_cleanup(h);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	RUN(https_anywhere_http_only_to_loopback);
	RUN(reasons_name_the_provider);
	RUN(prepare_sets_up_a_reused_handle);
	curl_global_cleanup();
	return DONE();
}
