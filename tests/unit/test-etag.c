/* test-etag.c - conditional GET: If-None-Match against our tags. */
#include "zt_etag.h"
#include "zt_test.h"

#include <stdlib.h>

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
};

static const char *
getenv_fn(void *ctx, const char *name)
{
	struct env *e = ctx;
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
	struct env e = {NULL};
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

int
main(void)
{
	RUN(if_none_match_lists_stars_and_weak_tags);
	RUN(same_body_same_tag_and_304_when_the_client_has_it);
	return DONE();
}
