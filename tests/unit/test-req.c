/* test-req.c - request accessors, error bodies, header safety. */
#include <stdint.h>

#include "zt_config.h"
#include "zt_rate.h"
#include "zt_redis.h"
#include "zt_req.h"
#include "zt_test.h"

static const char *const *env_pairs;

static const char *
fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	for (int i = 0; env_pairs[i] != NULL; i += 2)
		if (strcmp(env_pairs[i], name) == 0)
			return env_pairs[i + 1];
	return NULL;
}

TEST(query_params_are_decoded)
{
	struct zt_req *req = zt_req_new(fake_getenv, NULL);
	req->query = "eventId=abc%2Fd&q=hello+world&empty=&flag&x=%zz";
	CHECK_STR(zt_query(req, "eventId"), "abc/d");
	CHECK_STR(zt_query(req, "q"), "hello world");
	CHECK_STR(zt_query(req, "empty"), "");
	CHECK_STR(zt_query(req, "flag"), "");
	CHECK_STR(zt_query(req, "x"), "%zz");
	CHECK(zt_query(req, "nope") == NULL);
	zt_req_free(req);
}

TEST(utf8_validation_refuses_what_postgresql_would)
{
	CHECK(zt_utf8_valid("", 0));
	CHECK(zt_utf8_valid("plain ascii", 11));
	CHECK(zt_utf8_valid("\xe0\xa4\xb9\xe0\xa4\xbf", 6)); /* Devanagari */
	CHECK(zt_utf8_valid("\xf0\x9f\x8e\x9f", 4));           /* U+1F39F */
	CHECK(!zt_utf8_valid("\xff", 1));
	CHECK(!zt_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	CHECK(!zt_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
	CHECK(!zt_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	CHECK(!zt_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	CHECK(!zt_utf8_valid("\xe0\xa4", 2));         /* cut short */
	CHECK(!zt_utf8_valid("a\x80", 2));             /* stray continuation */
}

TEST(path_and_query_text_must_be_utf8)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct json_object *body, *err, *v;
	req->query = "q=%E0%A4%B9&city=Pune";
	req->nparams = 1;
	req->param_name[0] = "id";
	req->param_value[0] = "techfest-2026";
	CHECK(zt_req_check_text(req) == ZT_OK);
	req->query = "city=Pune&q=%ff";
	CHECK(zt_req_check_text(req) == ZT_EBADREQ);
	body = zt_req_error_body(req);
	CHECK(json_object_object_get_ex(body, "error", &err));
	CHECK(json_object_object_get_ex(err, "message", &v));
	CHECK(strstr(json_object_get_string(v), "'q'") != NULL);
	json_object_put(body);
	zt_req_end(req);
	req->query = "";
	req->nparams = 1;
	req->param_name[0] = "id";
	req->param_value[0] = "\xc3";
	CHECK(zt_req_check_text(req) == ZT_EBADREQ);
	zt_req_free(req);
}

TEST(headers_and_cookies)
{
	static const char *const pairs[] = {
	    "HTTP_AUTHORIZATION", "Bearer x",
	    "CONTENT_TYPE", "application/json",
	    "HTTP_COOKIE", "a=1; zt_refresh=tok.en; zt_refreshx=no",
	    NULL};
	env_pairs = pairs;
	struct zt_req *req = zt_req_new(fake_getenv, NULL);
	CHECK_STR(zt_header(req, "Authorization"), "Bearer x");
	CHECK_STR(zt_header(req, "content-type"), "application/json");
	CHECK_STR(zt_cookie(req, "zt_refresh"), "tok.en");
	CHECK_STR(zt_cookie(req, "a"), "1");
	CHECK(zt_cookie(req, "zt_ref") == NULL);
	zt_req_free(req);
}

TEST(error_body_has_code_message_and_details)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct json_object *body, *err, *v;
	CHECK(zt_fail(req, ZT_ECONFLICT, "seat_taken", "%d seats taken", 2) ==
	      ZT_ECONFLICT);
	struct json_object *c = json_object_new_array();
	json_object_array_add(c, json_object_new_string("s1"));
	zt_fail_detail(req, "conflicts", c);
	body = zt_req_error_body(req);
	CHECK(json_object_object_get_ex(body, "error", &err));
	CHECK(json_object_object_get_ex(err, "code", &v));
	CHECK_STR(json_object_get_string(v), "seat_taken");
	CHECK(json_object_object_get_ex(err, "message", &v));
	CHECK_STR(json_object_get_string(v), "2 seats taken");
	CHECK(json_object_object_get_ex(body, "conflicts", &v));
	CHECK(json_object_array_length(v) == 1);
	json_object_put(body);
	CHECK(zt_err_status(ZT_ECONFLICT) == 409);
	CHECK(zt_err_status(ZT_ETOOLARGE) == 413);
	CHECK(zt_err_status(ZT_ELIMIT) == 429);
	zt_req_free(req);
}

TEST(header_values_with_newlines_are_dropped)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	zt_reply_header(req, "X-Ok", "fine");
	zt_reply_header(req, "X-Bad", "a\r\nSet-Cookie: evil=1");
	CHECK(req->nheaders == 1);
	CHECK_STR(req->hname[0], "X-Ok");
	zt_req_free(req);
}

static int rec_order[3], rec_n;

static void
rec(void *p)
{
	rec_order[rec_n++] = (int)(intptr_t)p;
}

TEST(defers_run_in_reverse_at_end)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	rec_n = 0;
	zt_req_defer(req, rec, (void *)(intptr_t)1);
	zt_req_defer(req, rec, (void *)(intptr_t)2);
	zt_req_end(req);
	CHECK(rec_n == 2);
	CHECK(rec_order[0] == 2 && rec_order[1] == 1);
	zt_req_end(req);
	CHECK(rec_n == 2); /* defers run once */
	zt_req_free(req);
}

static int
body_int(struct json_object *body, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(body, key, &v))
		return -1;
	return json_object_get_int(v);
}

TEST(a_store_failure_is_passed_on_with_its_wait)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_error e = ZT_ERROR_INIT;
	struct json_object *body, *err, *v;

	CHECK(zt_fail_error(req, &e) == ZT_OK); /* nothing failed */
	CHECK(req->err == ZT_OK);
	CHECK(zt_error_set(&e, ZT_EUNAVAIL, "redis_unavailable", "down %d",
		  1) == ZT_EUNAVAIL);
	e.retry_after = 7;
	CHECK(zt_fail_error(req, &e) == ZT_EUNAVAIL);
	CHECK(req->err == ZT_EUNAVAIL && req->retry_after == 7);
	body = zt_req_error_body(req);
	CHECK(json_object_object_get_ex(body, "error", &err));
	CHECK(json_object_object_get_ex(err, "code", &v));
	CHECK_STR(json_object_get_string(v), "redis_unavailable");
	CHECK(json_object_object_get_ex(err, "message", &v));
	CHECK_STR(json_object_get_string(v), "down 1");
	CHECK(body_int(body, "retryAfter") == 7);
	json_object_put(body);
	zt_error_clear(&e);
	CHECK(e.err == ZT_OK && e.msg[0] == '\0' && e.retry_after == 0);
	/* a failure handled by the domain step that was told of it */
	zt_fail_detail(req, "attemptsLeft", json_object_new_int(1));
	zt_fail_clear(req);
	CHECK(req->err == ZT_OK && req->err_code == NULL &&
	      req->err_msg == NULL && req->retry_after == 0 &&
	      req->err_extra == NULL);
	zt_req_end(req);
	CHECK(req->err == ZT_OK && req->retry_after == 0); /* per request */
	zt_req_free(req);
}

TEST(a_rate_refusal_records_the_wait_not_a_header)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct json_object *body;

	CHECK(
	    zt_rate_refuse(req, "rate_limited", "too many", 1500) == ZT_ELIMIT);
	CHECK(req->nheaders == 0);    /* the dispatcher writes Retry-After */
	CHECK(req->retry_after == 2); /* rounded up to whole seconds */
	CHECK_STR(req->err_code, "rate_limited");
	CHECK_STR(req->err_msg, "too many; try again in 2 seconds");
	body = zt_req_error_body(req);
	CHECK(body_int(body, "retryAfter") == 2);
	json_object_put(body);
	zt_req_end(req);
	CHECK(zt_rate_refuse(req, "rate_limited", "x", 0) == ZT_ELIMIT);
	CHECK(req->retry_after == 1); /* at least a second */
	zt_req_free(req);
}

TEST(redis_failures_go_to_the_callers_error_not_the_request)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_error e = ZT_ERROR_INIT;
	struct zt_config cfg;
	struct zt_redis *r;

	/* no connection at all (a program that did not ask for Redis) */
	CHECK(zt_redis_cmd(NULL, req, &e, "PING") == NULL);
	CHECK(e.err == ZT_EUNAVAIL);
	CHECK_STR(e.code, "redis_unavailable");
	CHECK(req->err == ZT_OK && req->err_msg == NULL);
	/* a server that is not there */
	memset(&cfg, 0, sizeof(cfg));
	cfg.redis_unix = "/nonexistent/redis.sock";
	cfg.redis_timeout_ms = 100;
	r = zt_redis_new(&cfg);
	zt_error_clear(&e);
	const char *keys[1] = {"k"};
	static struct zt_script s = ZT_SCRIPT("return 1");
	CHECK(zt_redis_eval(r, req, &e, &s, 1, keys, 0, NULL) == NULL);
	CHECK(e.err == ZT_EUNAVAIL);
	CHECK(req->err == ZT_OK && req->nheaders == 0);
	CHECK(zt_redis_generation(r) == 0 && zt_redis_generation(NULL) == 0);
	zt_redis_free(r);
	zt_req_free(req);
}

int
main(void)
{
	static const char *const none[] = {NULL};
	env_pairs = none;
	RUN(query_params_are_decoded);
	RUN(utf8_validation_refuses_what_postgresql_would);
	RUN(path_and_query_text_must_be_utf8);
	RUN(headers_and_cookies);
	RUN(error_body_has_code_message_and_details);
	RUN(header_values_with_newlines_are_dropped);
	RUN(defers_run_in_reverse_at_end);
	RUN(a_store_failure_is_passed_on_with_its_wait);
	RUN(a_rate_refusal_records_the_wait_not_a_header);
	RUN(redis_failures_go_to_the_callers_error_not_the_request);
	return DONE();
}
