/* test-route.c - route matching, 404 vs 405, params, collisions, dispatch. */
#include <stdlib.h>
#include <time.h>

#include "zt_serve.h"
#include "zt_server.h"
#include "zt_test.h"
#include "zt_token.h"

static enum zt_err
h_ok(struct zt_req *req)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "route",
	    json_object_new_string(req->route->pattern));
	return zt_reply(req, 200, o);
}

/* The seat param as the handler sees it (set by the one match). */
static const char *seen_seat;
static enum zt_err
h_seat(struct zt_req *req)
{
	seen_seat = zt_param(req, "seat");
	return h_ok(req);
}

static const struct zt_route routes[] = {
	{"GET", "/api/bookings/mine", h_ok, ZT_AUTH_USER, 0, 0},
	{"GET", "/api/bookings/:id", h_ok, ZT_AUTH_PUBLIC, 0, 0},
	{"POST", "/api/bookings", h_ok, ZT_AUTH_PUBLIC, 64, 0},
	{"POST", "/api/bookings/:id/cancel", h_ok, ZT_AUTH_USER, 0, 0},
	{"GET", "/api/events/:id/seats/:seat", h_seat, ZT_AUTH_PUBLIC, 0, 0},
	{"PATCH", "/api/events/:id", h_ok, ZT_AUTH_MANAGER, 1024, 0},
	{"DELETE", "/api/events/:id", h_ok, ZT_AUTH_OWNER, 0, 0},
	{"POST", "/api/webhooks/x", h_ok, ZT_AUTH_PUBLIC, 1024,
	    ZT_ROUTE_RAW_BODY},
	{"GET", "/live/tenant", h_ok, ZT_AUTH_SCANNER, 0, ZT_ROUTE_QUERY_TOKEN},
};

static const char *const *env_pairs;
static const char *
fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	for (int i = 0; env_pairs && env_pairs[i] != NULL; i += 2)
		if (strcmp(env_pairs[i], name) == 0)
			return env_pairs[i + 1];
	return NULL;
}

static struct zt_req *
mkreq(const char *method, const char *path)
{
	struct zt_req *req = zt_req_new(fake_getenv, NULL);
	req->method = method;
	req->path = path;
	return req;
}

static int
dispatch(struct zt_req *req, const char *body)
{
	if (body != NULL) {
		req->body = (char *)body;
		req->body_len = strlen(body);
	}
	zt_dispatch(routes, ZT_ROUTES_LEN(routes), req,
	    body ? strlen(body) : 0);
	return req->err != ZT_OK ? zt_err_status(req->err) : req->status;
}

TEST(table_has_no_collisions)
{
	char err[256];
	CHECK(zt_route_check(routes, ZT_ROUTES_LEN(routes), err,
	          sizeof(err)) == 0);
}

TEST(collisions_are_detected)
{
	static const struct zt_route bad[] = {
		{"GET", "/api/events/:id", h_ok, ZT_AUTH_PUBLIC, 0, 0},
		{"GET", "/api/events/:slug", h_ok, ZT_AUTH_PUBLIC, 0, 0},
	};
	static const struct zt_route fine[] = {
		{"GET", "/api/events/:id", h_ok, ZT_AUTH_PUBLIC, 0, 0},
		{"PATCH", "/api/events/:slug", h_ok, ZT_AUTH_PUBLIC, 0, 0},
	};
	static const struct zt_route badmethod[] = {
		{"FETCH", "/api/x", h_ok, ZT_AUTH_PUBLIC, 0, 0},
	};
	char err[256];
	CHECK(zt_route_check(bad, 2, err, sizeof(err)) == -1);
	CHECK(strstr(err, "collide") != NULL);
	CHECK(zt_route_check(fine, 2, err, sizeof(err)) == 0);
	CHECK(zt_route_check(badmethod, 1, err, sizeof(err)) == -1);
}

TEST(literal_beats_param_and_params_fill)
{
	struct zt_req *req = mkreq("GET", "/api/bookings/abc");
	const struct zt_route *rt;
	const char *allow;
	CHECK(zt_route_match(routes, ZT_ROUTES_LEN(routes), req, &rt,
	          &allow) == ZT_OK);
	CHECK_STR(rt->pattern, "/api/bookings/:id");
	CHECK_STR(zt_param(req, "id"), "abc");
	req->path = "/api/bookings/mine";
	CHECK(zt_route_match(routes, ZT_ROUTES_LEN(routes), req, &rt,
	          &allow) == ZT_OK);
	CHECK_STR(rt->pattern, "/api/bookings/mine");
	req->path = "/api/events/e1/seats/A-12";
	CHECK(zt_route_match(routes, ZT_ROUTES_LEN(routes), req, &rt,
	          &allow) == ZT_OK);
	CHECK_STR(zt_param(req, "id"), "e1");
	CHECK_STR(zt_param(req, "seat"), "A-12");
	req->path = "/api/bookings/";
	req->method = "POST";
	CHECK(zt_route_match(routes, ZT_ROUTES_LEN(routes), req, &rt,
	          &allow) == ZT_OK);
	CHECK_STR(rt->pattern, "/api/bookings"); /* trailing slash folds */
	zt_req_free(req);
}

TEST(not_found_vs_method_not_allowed)
{
	struct zt_req *req = mkreq("GET", "/api/nothing/here");
	CHECK(dispatch(req, NULL) == 404);
	zt_req_free(req);
	req = mkreq("PUT", "/api/events/e1");
	CHECK(dispatch(req, NULL) == 405);
	CHECK(req->nheaders == 1);
	CHECK_STR(req->hname[0], "Allow");
	CHECK_STR(req->hvalue[0], "PATCH, DELETE");
	zt_req_free(req);
	req = mkreq("HEAD", "/api/bookings/x");
	CHECK(dispatch(req, NULL) == 200); /* HEAD served by GET */
	zt_req_free(req);
}

TEST(the_transport_match_is_the_one_dispatched)
{
	struct zt_match m;
	struct zt_req *req = mkreq("GET", "/api/events/e1/seats/A-12");
	zt_match(routes, ZT_ROUTES_LEN(routes), req, &m);
	CHECK(m.e == ZT_OK && m.rt != NULL);
	CHECK_STR(m.rt->pattern, "/api/events/:id/seats/:seat");
	seen_seat = NULL;
	zt_dispatch_match(&m, req, 0);
	CHECK(req->status == 200 && req->route == m.rt);
	CHECK(seen_seat != NULL && strcmp(seen_seat, "A-12") == 0);
	zt_req_free(req);

	/* a 405 answers with the Allow of that same match */
	req = mkreq("PUT", "/api/events/e1");
	zt_match(routes, ZT_ROUTES_LEN(routes), req, &m);
	CHECK(m.e == ZT_EMETHOD && m.rt == NULL);
	CHECK_STR(m.allow, "PATCH, DELETE");
	zt_dispatch_match(&m, req, 0);
	CHECK(req->err == ZT_EMETHOD && req->nheaders == 1);
	CHECK_STR(req->hvalue[0], "PATCH, DELETE");
	zt_req_free(req);

	/* and a body over the matched route's limit is 413 from the length */
	req = mkreq("POST", "/api/bookings");
	zt_match(routes, ZT_ROUTES_LEN(routes), req, &m);
	CHECK(m.e == ZT_OK && m.rt->body_max == 64);
	zt_dispatch_match(&m, req, 65);
	CHECK(req->err == ZT_ETOOLARGE);
	zt_req_free(req);
}

TEST(body_limits_media_type_and_json)
{
	static const char *const json_ct[] = {"CONTENT_TYPE",
	    "application/json; charset=utf-8", NULL};
	static const char *const form_ct[] = {"CONTENT_TYPE",
	    "application/x-www-form-urlencoded", NULL};
	struct zt_req *req;

	env_pairs = json_ct;
	req = mkreq("POST", "/api/bookings");
	CHECK(dispatch(req, "{\"eventId\":\"0123456789012345678901234567890123456789012345678901234567890123\"}") == 413);
	zt_req_free(req);
	req = mkreq("POST", "/api/bookings");
	CHECK(dispatch(req, "{\"a\":") == 400);
	CHECK_STR(req->err_code, "invalid_json");
	zt_req_free(req);
	req = mkreq("POST", "/api/bookings");
	CHECK(dispatch(req, "{\"a\":1}") == 200);
	CHECK(req->json != NULL);
	zt_req_free(req);
	req = mkreq("POST", "/api/bookings/x/cancel");
	CHECK(dispatch(req, "{}") == 413); /* takes no body */
	zt_req_free(req);

	env_pairs = form_ct;
	req = mkreq("POST", "/api/bookings");
	CHECK(dispatch(req, "a=1") == 415); /* cross-site form post */
	zt_req_free(req);
	req = mkreq("POST", "/api/webhooks/x");
	CHECK(dispatch(req, "raw bytes {") == 200); /* raw body route */
	CHECK(req->json == NULL && req->body_len == 11);
	zt_req_free(req);
	env_pairs = NULL;
}

TEST(auth_levels)
{
	static const char *pairs[3] = {"HTTP_AUTHORIZATION", NULL, NULL};
	struct zt_arena *a = zt_arena_new();
	const char *uid = "11111111-2222-4333-8444-555555555555";
	const char *tid = "66666666-7777-4888-9999-aaaaaaaaaaaa";
	char *user = zt_token_issue(&zt_g.cfg, a, ZT_TOKEN_AUD, uid, NULL, NULL,
	    (long)time(NULL), 60);
	char *scanner = zt_token_issue(&zt_g.cfg, a, ZT_TOKEN_AUD, uid, tid,
	    "scanner", (long)time(NULL), 60);
	char *manager = zt_token_issue(&zt_g.cfg, a, ZT_TOKEN_AUD, uid, tid,
	    "manager", (long)time(NULL), 60);
	struct zt_req *req;

	env_pairs = NULL;
	req = mkreq("GET", "/api/bookings/mine");
	CHECK(dispatch(req, NULL) == 401);
	zt_req_free(req);

	env_pairs = pairs;
	pairs[1] = zt_arena_printf(a, "Bearer %s", user);
	req = mkreq("GET", "/api/bookings/mine");
	CHECK(dispatch(req, NULL) == 200);
	CHECK_STR(req->user_id, uid);
	zt_req_free(req);
	req = mkreq("PATCH", "/api/events/e1"); /* no tenant in token */
	CHECK(dispatch(req, NULL) == 403);
	zt_req_free(req);

	pairs[1] = zt_arena_printf(a, "Bearer %s", scanner);
	req = mkreq("PATCH", "/api/events/e1");
	CHECK(dispatch(req, NULL) == 403);
	zt_req_free(req);

	pairs[1] = zt_arena_printf(a, "Bearer %s", manager);
	req = mkreq("PATCH", "/api/events/e1");
	CHECK(dispatch(req, NULL) == 204 || req->status == 200);
	CHECK_STR(req->tenant_id, tid);
	zt_req_free(req);
	req = mkreq("DELETE", "/api/events/e1"); /* owner only */
	CHECK(dispatch(req, NULL) == 403);
	zt_req_free(req);

	pairs[1] = "Bearer not.a.token";
	req = mkreq("GET", "/api/bookings/mine");
	CHECK(dispatch(req, NULL) == 401);
	zt_req_free(req);
	req = mkreq("GET", "/api/bookings/x"); /* public ignores bad token */
	CHECK(dispatch(req, NULL) == 200);
	CHECK(!req->authenticated);
	zt_req_free(req);
	env_pairs = NULL;
	zt_arena_free(a);
}

TEST(query_token_only_where_the_route_allows_it)
{
	static const char *pairs[3] = {"HTTP_AUTHORIZATION", NULL, NULL};
	struct zt_arena *a = zt_arena_new();
	const char *uid = "11111111-2222-4333-8444-555555555555";
	const char *tid = "66666666-7777-4888-9999-aaaaaaaaaaaa";
	char *scanner = zt_token_issue(&zt_g.cfg, a, ZT_TOKEN_AUD, uid, tid,
	    "scanner", (long)time(NULL), 60);
	char *plain = zt_token_issue(&zt_g.cfg, a, ZT_TOKEN_AUD, uid, NULL,
	    NULL, (long)time(NULL), 60);
	struct zt_req *req;

	env_pairs = NULL;
	req = mkreq("GET", "/live/tenant");
	req->query = zt_arena_printf(req->arena, "x=1&token=%s", scanner);
	CHECK(dispatch(req, NULL) == 200);
	CHECK_STR(req->tenant_id, tid);
	zt_req_free(req);

	/* a route without the flag ignores ?token= */
	req = mkreq("GET", "/api/bookings/mine");
	req->query = zt_arena_printf(req->arena, "token=%s", scanner);
	CHECK(dispatch(req, NULL) == 401);
	zt_req_free(req);

	/* the level still applies; a bad one is 401 */
	req = mkreq("GET", "/live/tenant");
	req->query = zt_arena_printf(req->arena, "token=%s", plain);
	CHECK(dispatch(req, NULL) == 403);
	zt_req_free(req);
	req = mkreq("GET", "/live/tenant");
	req->query = "token=not.a.token";
	CHECK(dispatch(req, NULL) == 401);
	zt_req_free(req);

	/* the header wins over the query */
	env_pairs = pairs;
	pairs[1] = zt_arena_printf(a, "Bearer %s", plain);
	req = mkreq("GET", "/live/tenant");
	req->query = zt_arena_printf(req->arena, "token=%s", scanner);
	CHECK(dispatch(req, NULL) == 403);
	zt_req_free(req);
	env_pairs = NULL;
	zt_arena_free(a);
}

int
main(void)
{
	char err[256];
	setenv("ZT_JWT_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);
	setenv("ZT_JWT_KID", "k1", 1);
	if (zt_config_load(&zt_g.cfg, ZT_NEED_JWT, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return 1;
	}
	RUN(table_has_no_collisions);
	RUN(collisions_are_detected);
	RUN(literal_beats_param_and_params_fill);
	RUN(not_found_vs_method_not_allowed);
	RUN(the_transport_match_is_the_one_dispatched);
	RUN(body_limits_media_type_and_json);
	RUN(auth_levels);
	RUN(query_token_only_where_the_route_allows_it);
	zt_config_free(&zt_g.cfg);
	return DONE();
}
