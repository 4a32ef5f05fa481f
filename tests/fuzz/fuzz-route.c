/*
 * fuzz-route.c - route matching (lib/zt_route.c) against the responders'
 * real patterns, and the table check on patterns from the input.
 * Input: line 1 the method, line 2 the path; the remaining lines are
 * patterns of a table for zt_route_check (and matched against the path).
 */
#include "fuzz.h"
#include "zt_req.h"
#include "zt_route.h"

#define R(m, p) {m, p, NULL, ZT_AUTH_PUBLIC, 0, 0}
static const struct zt_route routes[] = {
    R("POST", "/api/auth/otp/send"), R("POST", "/api/auth/otp/verify"),
    R("GET", "/api/auth/me"), R("POST", "/api/bookings"),
    R("GET", "/api/bookings"), R("GET", "/api/bookings/mine"),
    R("GET", "/api/bookings/:id"), R("POST", "/api/bookings/:id/cancel"),
    R("POST", "/api/bookings/:id/refund"), R("GET", "/api/events"),
    R("GET", "/api/events/:id"), R("GET", "/api/events/:tenant/:event"),
    R("GET", "/api/events/mine"), R("GET", "/api/events/mine/:id"),
    R("PATCH", "/api/events/:id"), R("DELETE", "/api/events/:id"),
    R("PUT", "/api/events/:id/layout"), R("DELETE", "/api/seats/lock"),
    R("DELETE", "/api/seats/lock/:seatId"),
    R("GET", "/api/seats/status/:eventId"),
    R("PATCH", "/api/tenants/me/members/:userId"),
    R("GET", "/live/events/:eventId"), R("GET", "/"),
};

#define MAXPAT 12

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	char *path = fuzz_line(s);
	char *rest = fuzz_line(path);
	struct zt_req *req = zt_req_new(NULL, NULL);
	const struct zt_route *found = NULL;
	const char *allow = NULL;
	req->method = s;
	req->path = path;
	enum zt_err e = zt_route_match(routes, ZT_ROUTES_LEN(routes), req,
	    &found, &allow);
	if (e == ZT_OK && (found == NULL || req->nparams > ZT_MAX_PARAMS))
		abort();
	for (int i = 0; e == ZT_OK && i < req->nparams; i++)
		if (zt_param(req, req->param_name[i]) == NULL)
			abort();

	struct zt_route t[MAXPAT];
	size_t n = 0;
	while (*rest != '\0' && n < MAXPAT) {
		char *next = fuzz_line(rest);
		t[n] = (struct zt_route){n % 2 ? "GET" : "POST", rest, NULL,
		    ZT_AUTH_PUBLIC, 0, 0};
		n++;
		rest = next;
	}
	char err[256];
	if (n > 0 && zt_route_check(t, n, err, sizeof err) == 0) {
		zt_req_end(req);
		req->method = "GET";
		req->path = path;
		(void)zt_route_match(t, n, req, &found, &allow);
	}
	zt_req_free(req);
	free(s);
	return 0;
}
