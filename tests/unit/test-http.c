/*
 * test-http.c - the one provider client (lib/zt_http.c): which base URLs
 * may be called, the text helpers (redaction, control characters, clean
 * copies), buffers, URL and header building, the JSON field readers, and
 * zt_http_perform against a one-shot server this test forks on 127.0.0.1
 * (what the request carried, the answer cap, no answer, a timeout).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "zt_http.h"
#include "zt_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

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

TEST(redaction_replaces_every_copy_of_a_secret)
{
	char s[128];

	strcpy(s, "bad key sk_live_abc123 (sk_live_abc123)");
	zt_http_redact(s, "sk_live_abc123");
	CHECK_STR(s, "bad key *** (***)");
	strcpy(s, "sk_live_abc123");
	zt_http_redact(s, "sk_live_abc123");
	CHECK_STR(s, "***");
	/* overlapping copies leave no part of the secret behind */
	strcpy(s, "aaaaaaaaa");
	zt_http_redact(s, "aaaa");
	CHECK(strstr(s, "aaaa") == NULL);
	/* NULL, "" and secrets under 4 bytes would blank out words */
	strcpy(s, "the key is abc");
	zt_http_redact(s, NULL);
	zt_http_redact(s, "");
	zt_http_redact(s, "abc");
	CHECK_STR(s, "the key is abc");
}

TEST(control_characters_and_clean_copies)
{
	char d[8];

	CHECK(!zt_http_has_ctl(""));
	CHECK(!zt_http_has_ctl("key_123 ~!"));
	CHECK(!zt_http_has_ctl("caf\xc3\xa9")); /* UTF-8 is not control */
	CHECK(zt_http_has_ctl("key\r\nX-Evil: 1"));
	CHECK(zt_http_has_ctl("tab\there"));
	CHECK(zt_http_has_ctl("del\x7f"));

	zt_http_clean_copy(d, sizeof(d), "a\nb\x01\xc3\xa9z");
	CHECK_STR(d, "a b   z");
	zt_http_clean_copy(d, sizeof(d), "longer than eight");
	CHECK_STR(d, "longer ");
	zt_http_clean_copy(d, sizeof(d), NULL);
	CHECK_STR(d, "");
	d[0] = 'x';
	zt_http_clean_copy(d, 0, "untouched");
	CHECK(d[0] == 'x');
}

TEST(buffers_grow_and_stay_terminated)
{
	struct zt_http_buf b = {0};
	char piece[100];

	memset(piece, 'x', sizeof(piece));
	for (int i = 0; i < 1000; i++)
		zt_http_buf_add(&b, piece, sizeof(piece));
	CHECK(b.len == 100000);
	CHECK(b.cap > b.len);
	CHECK(b.p[b.len] == '\0');
	CHECK(strspn(b.p, "x") == 100000);
	zt_http_buf_adds(&b, "end");
	CHECK(strcmp(b.p + 100000, "end") == 0);
	zt_http_buf_free(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
	zt_http_buf_adds(&b, ""); /* usable again after a free */
	CHECK(b.p != NULL && b.p[0] == '\0');
	zt_http_buf_free(&b);
}

TEST(escaping_matches_libcurl)
{
	struct zt_http_buf b = {0};
	char all[256];
	char *want;

	zt_http_buf_add_escaped(&b, "+91 98&x=y/\xc3\xa9~._-");
	CHECK_STR(b.p, "%2B91%2098%26x%3Dy%2F%C3%A9~._-");
	zt_http_buf_free(&b);
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	zt_http_buf_add_escaped(&b, all);
	want = curl_easy_escape(NULL, all, 0);
	CHECK_STR(b.p, want);
	curl_free(want);
	zt_http_buf_free(&b);
}

TEST(urls_join_without_double_slashes)
{
	char *u;

	u = zt_http_url("https://api.razorpay.com", "/v1/orders");
	CHECK_STR(u, "https://api.razorpay.com/v1/orders");
	free(u);
	u = zt_http_url("http://127.0.0.1:9/base///", "/emails");
	CHECK_STR(u, "http://127.0.0.1:9/base/emails");
	free(u);
}

TEST(header_lists_keep_order_and_any_length)
{
	struct curl_slist *h = NULL, *it;
	char key[3001];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	h = zt_http_header(h, "Content-Type: application/json");
	h = zt_http_header(h, "Authorization: Bearer %s", key);
	h = zt_http_header(h, "X-Refund-Idempotency: %s-%d", "rf", 7);
	it = h;
	CHECK_STR(it->data, "Content-Type: application/json");
	it = it->next;
	CHECK(strncmp(it->data, "Authorization: Bearer kkk", 25) == 0 &&
	      strlen(it->data) == 22 + 3000);
	it = it->next;
	CHECK_STR(it->data, "X-Refund-Idempotency: rf-7");
	CHECK(it->next == NULL);
	zt_http_headers_free(h);
}

TEST(json_fields_are_read_by_type)
{
	json_object *o = json_tokener_parse(
	    "{\"id\":\"pay_1\",\"n\":42,\"big\":100000000000,\"ok\":true,"
	    "\"e\":{\"code\":\"BAD\"},\"bad\":\"a\\nb\",\"num\":\"7\"}");
	char d[16];

	CHECK(o != NULL);
	CHECK_STR(zt_http_json_str(o, "id"), "pay_1");
	CHECK(zt_http_json_str(o, "n") == NULL);
	CHECK(zt_http_json_str(o, "missing") == NULL);
	CHECK(zt_http_json_int(o, "n") == 42);
	CHECK(zt_http_json_int(o, "big") == 100000000000LL);
	CHECK(zt_http_json_int(o, "num") == 0); /* a string is not a number */
	CHECK(zt_http_json_bool(o, "ok") == 1);
	CHECK(zt_http_json_bool(o, "n") == 0);
	CHECK_STR(zt_http_json_str(zt_http_json_obj(o, "e"), "code"), "BAD");
	CHECK(zt_http_json_obj(o, "id") == NULL);
	zt_http_json_copy(d, sizeof(d), o, "bad");
	CHECK_STR(d, "a b");
	zt_http_json_copy(d, sizeof(d), o, "n");
	CHECK_STR(d, "");
	/* NULL and non-objects are simply empty */
	CHECK(zt_http_json_str(NULL, "id") == NULL);
	CHECK(zt_http_json_int(zt_http_json_obj(o, "id"), "x") == 0);
	json_object_put(o);
}

/* ---- zt_http_perform against a one-shot server --------------------------- */

struct server {
	pid_t pid;
	int port;
	int seen; /* read end: the request the server received */
};

/*
 * Fork a server that accepts one connection on 127.0.0.1, reads the
 * request (headers and a Content-Length body), passes it up the pipe,
 * sleeps delay_ms, answers with answer and exits.
 */
static int
serve_once(struct server *s, const char *answer, int delay_ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int ls, p[2];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(ls, 1) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0 || pipe(p) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	if ((s->pid = fork()) == 0) {
		char req[65536];
		size_t n = 0;
		ssize_t r;
		int c = accept(ls, NULL, NULL);
		const char *end = NULL, *cl;

		while (n < sizeof(req) - 1 &&
		       (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
			n += (size_t)r;
			req[n] = '\0';
			if (end == NULL && (end = strstr(req, "\r\n\r\n")))
				end += 4;
			if (end == NULL)
				continue;
			cl = strcasestr(req, "\r\nContent-Length: ");
			if (cl == NULL ||
			    (size_t)(end - req) + (size_t)atol(cl + 18) <= n)
				break;
		}
		if (write(p[1], req, n) < 0)
			_exit(1);
		close(p[1]);
		usleep((useconds_t)delay_ms * 1000);
		if (write(c, answer, strlen(answer)) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(ls);
	close(p[1]);
	s->seen = p[0];
	return s->pid > 0 ? 0 : -1;
}

static void
server_done(struct server *s, char *seen, size_t n)
{
	ssize_t r;
	size_t got = 0;

	/* the request is in the pipe before any answer: stop it first */
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	while (got < n - 1 && (r = read(s->seen, seen + got, n - 1 - got)) > 0)
		got += (size_t)r;
	seen[got] = '\0';
	close(s->seen);
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
call_to(struct zt_http_call *c, struct server *s, char *url, size_t n)
{
	snprintf(url, n, "http://127.0.0.1:%d/v1/x", s->port);
	memset(c, 0, sizeof(*c));
	c->prov = "testprov";
	c->user_agent = "ztic-test/1";
	c->url = url;
	c->timeout_ms = 3000;
	c->cap = 1024;
}

TEST(perform_sends_the_request_and_reads_the_answer)
{
	static const char answer[] = "HTTP/1.1 201 Created\r\n"
				     "Content-Length: 14\r\n"
				     "Connection: close\r\n\r\n"
				     "{\"id\":\"ok_1\"}\n";
	struct zt_http_call c;
	struct server s;
	char url[64], why[256] = "", seen[8192];
	json_object *o;

	CHECK(serve_once(&s, answer, 0) == 0);
	call_to(&c, &s, url, sizeof(url));
	c.body = "a=1&b=2";
	c.body_len = 7;
	c.user = "key_id";
	c.pass = "secret";
	c.headers = zt_http_header(
	    c.headers, "Content-Type: %s", "application/x-www-form-urlencoded");
	CHECK(zt_http_perform(&c, why, sizeof(why)) == 0);
	server_done(&s, seen, sizeof(seen));
	CHECK(c.status == 201 && !c.too_long);
	CHECK(strncmp(seen, "POST /v1/x HTTP/1.1\r\n", 21) == 0);
	CHECK(strstr(seen, "\r\nUser-Agent: ztic-test/1\r\n") != NULL);
	CHECK(strstr(seen, "\r\nAccept: application/json\r\n") != NULL);
	CHECK(strstr(seen, "\r\nContent-Type: application/x-www-form-"
			   "urlencoded\r\n") != NULL);
	/* base64("key_id:secret") */
	CHECK(strstr(seen,
		  "\r\nAuthorization: Basic a2V5X2lkOnNlY3JldA==\r\n") != NULL);
	CHECK(strcasestr(seen, "\r\nExpect:") == NULL);
	CHECK(strstr(seen, "\r\n\r\na=1&b=2") != NULL);
	o = zt_http_answer(&c);
	CHECK_STR(zt_http_json_str(o, "id"), "ok_1");
	json_object_put(o);
	zt_http_call_free(&c);
	CHECK(c.headers == NULL && c.resp.p == NULL);
}

TEST(perform_without_a_body_is_a_get_and_caps_the_answer)
{
	char answer[4096], url[64], why[256] = "", seen[8192];
	struct zt_http_call c;
	struct server s;
	int n;

	n = snprintf(answer, sizeof(answer),
	    "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n"
	    "Connection: close\r\n\r\n");
	memset(answer + n, 'y', 3000);
	answer[n + 3000] = '\0';
	CHECK(serve_once(&s, answer, 0) == 0);
	call_to(&c, &s, url, sizeof(url));
	CHECK(zt_http_perform(&c, why, sizeof(why)) == 0);
	server_done(&s, seen, sizeof(seen));
	CHECK(strncmp(seen, "GET /v1/x HTTP/1.1\r\n", 20) == 0);
	CHECK(strstr(seen, "Authorization:") == NULL);
	CHECK(c.status == 200);
	CHECK(c.too_long == 1);
	CHECK(c.resp.len == 1024);
	CHECK(zt_http_answer(&c) == NULL); /* too long to trust */
	zt_http_call_free(&c);
}

/* Cache-Control's max-age reaches the caller (OpenID discovery and JWKS
 * are cached for it, lib/zt_oidc.c); none is -1, no-store is 0. */
TEST(perform_reads_the_max_age_of_cache_control)
{
	static const char *answers[][2] = {
	    {"Cache-Control: public, max-age=19800, must-revalidate\r\n",
		"19800"},
	    {"cache-control: MAX-AGE=60\r\n", "60"},
	    {"Cache-Control: no-store\r\n", "0"},
	    {"", "-1"},
	};
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		char answer[512], url[64], why[256] = "", seen[4096];
		struct zt_http_call c;
		struct server s;
		snprintf(answer, sizeof(answer),
		    "HTTP/1.1 200 OK\r\n%sContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n{}",
		    answers[i][0]);
		CHECK(serve_once(&s, answer, 0) == 0);
		call_to(&c, &s, url, sizeof(url));
		CHECK(zt_http_perform(&c, why, sizeof(why)) == 0);
		server_done(&s, seen, sizeof(seen));
		CHECK(c.max_age == atol(answers[i][1]));
		zt_http_call_free(&c);
	}
}

TEST(perform_without_an_answer_says_why)
{
	struct zt_http_call c;
	struct server s;
	char url[64], why[256] = "", seen[64];
	long long t0;

	/* a closed port: nobody listens once the one-shot server is gone */
	CHECK(serve_once(&s, "", 0) == 0);
	server_done(&s, seen, sizeof(seen));
	call_to(&c, &s, url, sizeof(url));
	CHECK(zt_http_perform(&c, why, sizeof(why)) == -1);
	CHECK(strncmp(why, "could not reach testprov: ", 26) == 0);
	CHECK(c.status == 0);
	zt_http_call_free(&c);

	/* a server that answers too late: the call's own timeout */
	CHECK(serve_once(&s, "HTTP/1.1 200 OK\r\n\r\n", 2000) == 0);
	call_to(&c, &s, url, sizeof(url));
	c.timeout_ms = 300;
	t0 = now_ms();
	CHECK(zt_http_perform(&c, why, sizeof(why)) == -1);
	CHECK(now_ms() - t0 < 1500);
	CHECK(strncmp(why, "could not reach testprov: ", 26) == 0);
	CHECK(strstr(why, "timed out") != NULL);
	for (const char *p = why; *p; p++)
		CHECK(!(*p >= 'A' && *p <= 'Z')); /* lowercase */
	server_done(&s, seen, sizeof(seen));
	zt_http_call_free(&c);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(https_anywhere_http_only_to_loopback);
	RUN(reasons_name_the_provider);
	RUN(prepare_sets_up_a_reused_handle);
	RUN(redaction_replaces_every_copy_of_a_secret);
	RUN(control_characters_and_clean_copies);
	RUN(buffers_grow_and_stay_terminated);
	RUN(escaping_matches_libcurl);
	RUN(urls_join_without_double_slashes);
	RUN(header_lists_keep_order_and_any_length);
	RUN(json_fields_are_read_by_type);
	RUN(perform_sends_the_request_and_reads_the_answer);
	RUN(perform_without_a_body_is_a_get_and_caps_the_answer);
	RUN(perform_reads_the_max_age_of_cache_control);
	RUN(perform_without_an_answer_says_why);
	zt_http_cleanup();
	return DONE();
}
