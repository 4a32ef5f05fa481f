/*
 * zt_route.h - route tables.
 *
 * A responder declares a const table of routes; zt_serve() dispatches to it.
 * Patterns are absolute paths whose segments are literals or ":name"
 * parameters.  When several patterns match a path, the one whose first
 * differing segment is a literal wins ("/api/bookings/mine" beats
 * "/api/bookings/:id"), so order in the table does not matter.
 */
#ifndef ZT_ROUTE_H
#define ZT_ROUTE_H

#include <stddef.h>

#include "zt_err.h"

struct zt_req;

enum zt_auth {
	ZT_AUTH_PUBLIC,	 /* no token needed; a valid one is still read */
	ZT_AUTH_USER,	 /* any signed-in user */
	ZT_AUTH_SCANNER, /* member of the active tenant: scanner or above */
	ZT_AUTH_MANAGER, /* manager or owner of the active tenant */
	ZT_AUTH_OWNER,	 /* owner of the active tenant */
	ZT_AUTH_ADMIN,	 /* platform admin */
};

enum zt_route_flags {
	ZT_ROUTE_RAW_BODY = 1u << 0, /* keep the body as bytes, no JSON parse */
	/* cookie-authenticated: refuse anything a cross-site form could send
	 * (Content-Type must be application/json, even with no body) */
	ZT_ROUTE_NO_FORMS = 1u << 1,
	/* the access token may also come as ?token= when there is no
	 * Authorization header: browsers cannot set headers on WebSocket or
	 * EventSource requests (live subscriptions).  Keep such paths out of
	 * the access log's query string (nginx/ztic.conf.in). */
	ZT_ROUTE_QUERY_TOKEN = 1u << 2,
};

typedef enum zt_err (*zt_handler)(struct zt_req *req);

struct zt_route {
	const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *pattern; /* "/api/events/:id/publish" */
	zt_handler handler;
	enum zt_auth auth;
	size_t body_max; /* bytes; 0 means no body accepted */
	unsigned flags;
};

#define ZT_ROUTES_LEN(t) (sizeof(t) / sizeof((t)[0]))

/*
 * Find the route for method and path; fills req params from the pattern.
 * Returns ZT_OK, ZT_ENOTFOUND (no pattern matches), or ZT_EMETHOD (patterns
 * match but not with this method; allow gets "GET, POST" in the arena).
 * HEAD is answered by a GET route.
 */
enum zt_err zt_route_match(const struct zt_route *routes, size_t n,
    struct zt_req *req, const struct zt_route **found, const char **allow);

/*
 * Check a table: every pattern well formed, no two routes with the same
 * method and the same shape.  Returns 0, or -1 with a message in err.
 */
int zt_route_check(
    const struct zt_route *routes, size_t n, char *err, size_t errlen);

#endif
