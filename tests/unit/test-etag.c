/* test-etag.c - conditional GET: If-None-Match against our tags. */
#include "zt_etag.h"
#include "zt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(if_none_match_lists_stars_and_weak_tags)
{
	const char *tag = "\"abc123\"";
	CHECK(zt_etag_match("\"abc123\"", tag));
	CHECK(zt_etag_match("W/\"abc123\"", tag));
	CHECK(zt_etag_match("\"x\", \"abc123\"", tag));
	CHECK(zt_etag_match("\"x\",W/\"abc123\" ,\"y\"", tag));
	CHECK(zt_etag_match("*", tag));
	CHECK(!zt_etag_match(NULL, tag));
	CHECK(!zt_etag_match("", tag));
	CHECK(!zt_etag_match("\"abc1234\"", tag));
	CHECK(!zt_etag_match("\"abc12\"", tag));
	CHECK(!zt_etag_match("abc123", tag));
	CHECK(!zt_etag_match("\"abc123", tag));
}

struct env {
	const char *inm;
	const char *ae; /* Accept-Encoding */
};

static const char *
getenv_fn(void *ctx, const char *name)
{
	struct env *e = ctx;
	if (strcmp(name, "HTTP_ACCEPT_ENCODING") == 0)
		return e->ae;
	return strcmp(name, "HTTP_IF_NONE_MATCH") == 0 ? e->inm : NULL;
}

static const char *
header(struct zt_req *req, const char *name)
{
	for (int i = 0; i < req->nheaders; i++)
		if (strcmp(req->hname[i], name) == 0)
			return req->hvalue[i];
	return NULL;
}

TEST(same_body_same_tag_and_304_when_the_client_has_it)
{
	struct env e = {NULL, NULL};
	struct zt_req *req = zt_req_new(getenv_fn, &e);
	struct json_object *b = json_object_new_object();
	json_object_object_add(b, "title", json_object_new_string("<x>"));
	CHECK(zt_etag_reply(req, json_object_get(b), 30) == ZT_OK);
	CHECK(req->status == 200);
	CHECK_STR(header(req, "Cache-Control"), "public, max-age=30");
	char *tag = strdup(header(req, "ETag"));
	CHECK(tag[0] == '"' && strlen(tag) == 34);
	CHECK(req->resp_raw != NULL &&
	      strcmp(req->resp_raw, "{\"title\":\"<x>\"}") == 0);
	zt_req_end(req);

	e.inm = tag;
	CHECK(zt_etag_reply(req, json_object_get(b), 30) == ZT_OK);
	CHECK(req->status == 304);
	CHECK(req->resp == NULL && req->resp_raw == NULL);
	CHECK_STR(header(req, "ETag"), tag);
	zt_req_end(req);

	json_object_object_add(b, "title", json_object_new_string("<y>"));
	CHECK(zt_etag_reply(req, json_object_get(b), 30) == ZT_OK);
	CHECK(req->status == 200);
	CHECK(strcmp(header(req, "ETag"), tag) != 0);
	zt_req_end(req);
	free(tag);
	json_object_put(b);
	zt_req_free(req);
}

TEST(accept_encoding_gzip_unless_q_zero)
{
	static const struct {
		const char *h;
		int yes;
	} cases[] = {{"gzip", 1}, {"gzip, deflate, br", 1}, {"br,gzip", 1},
	    {"GZIP", 1}, {"gzip;q=0.5", 1}, {"deflate, gzip ;q=1", 1},
	    {NULL, 0}, {"", 0}, {"identity", 0}, {"br", 0}, {"gzip;q=0", 0},
	    {"gzip;q=0.000, br", 0}, {"x-gzip", 0}, {"gzipx", 0},
	    {"br;q=0, gzip", 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e = {NULL, cases[i].h};
		struct zt_req *req = zt_req_new(getenv_fn, &e);
		if (zt_accepts_gzip(req) != cases[i].yes)
			fprintf(stderr, "Accept-Encoding: %s\n",
			    cases[i].h ? cases[i].h : "(none)");
		CHECK(zt_accepts_gzip(req) == cases[i].yes);
		zt_req_free(req);
	}
}

TEST(a_gzip_variant_has_its_own_tag_and_vary)
{
	char text[8192];
	size_t gz_len = 0;
	unsigned char *gz;
	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = "{\"seat\":1},"[i % 11];
	text[sizeof(text) - 1] = '\0';
	CHECK(zt_etag_gzip("{}", 2, &gz_len) == NULL); /* too small to pay */
	gz = zt_etag_gzip(text, sizeof(text) - 1, &gz_len);
	CHECK(gz != NULL && gz_len > 18 && gz_len < sizeof(text) / 2);
	CHECK(gz[0] == 0x1f && gz[1] == 0x8b); /* a gzip member */

	struct env e = {NULL, "gzip"};
	struct zt_req *req = zt_req_new(getenv_fn, &e);
	struct zt_public_answer a = {text, sizeof(text) - 1, NULL,
	    (const char *)gz, gz_len, NULL};
	a.etag = zt_etag_of(req, a.text, a.len);
	a.gz_etag = zt_etag_of(req, a.gz, a.gz_len);
	CHECK(strcmp(a.etag, a.gz_etag) != 0);
	CHECK(zt_etag_send(req, &a, 30) == ZT_OK);
	CHECK(req->status == 200 && req->resp_raw_len == gz_len);
	CHECK(strcmp(header(req, "Content-Encoding"), "gzip") == 0);
	CHECK(strcmp(header(req, "Vary"), "Accept-Encoding") == 0);
	CHECK(strcmp(header(req, "ETag"), a.gz_etag) == 0);
	zt_req_end(req);

	e.ae = "identity";
	a.etag = zt_etag_of(req, a.text, a.len);
	a.gz_etag = zt_etag_of(req, a.gz, a.gz_len);
	CHECK(zt_etag_send(req, &a, 30) == ZT_OK);
	CHECK(req->status == 200 && req->resp_raw_len == a.len);
	CHECK(header(req, "Content-Encoding") == NULL);
	CHECK(strcmp(header(req, "Vary"), "Accept-Encoding") == 0);
	zt_req_end(req);

	/* the gzip tag does not validate the plain text; it does the gzip */
	e.inm = zt_arena_strdup(req->arena, a.gz_etag);
	a.etag = zt_etag_of(req, a.text, a.len);
	a.gz_etag = zt_etag_of(req, a.gz, a.gz_len);
	CHECK(zt_etag_send(req, &a, 30) == ZT_OK && req->status == 200);
	zt_req_end(req);
	e.ae = "gzip";
	a.etag = zt_etag_of(req, a.text, a.len);
	a.gz_etag = zt_etag_of(req, a.gz, a.gz_len);
	char *tag = strdup(a.gz_etag);
	e.inm = tag;
	CHECK(zt_etag_send(req, &a, 30) == ZT_OK && req->status == 304);
	zt_req_end(req);
	free(tag);
	zt_req_free(req);
	free(gz);
}

int
main(void)
{
	RUN(if_none_match_lists_stars_and_weak_tags);
	RUN(same_body_same_tag_and_304_when_the_client_has_it);
	RUN(accept_encoding_gzip_unless_q_zero);
	RUN(a_gzip_variant_has_its_own_tag_and_vary);
	return DONE();
}
