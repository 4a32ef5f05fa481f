/*
 * zt_serve.h - the shared FastCGI accept loop and dispatcher.
 *
 * A responder's main() is one call:
 *
 *     int main(void) {
 *         return zt_serve("events", routes, ZT_ROUTES_LEN(routes),
 *             ZT_NEED_PG | ZT_NEED_JWT);
 *     }
 *
 * The dispatcher matches the route (404, or 405 with Allow), authenticates
 * the bearer token against the route's auth level (401/403), reads the body
 * within the route's limit (413), parses JSON (415/400), calls the handler,
 * rolls back a transaction the handler left open, and writes the answer:
 * JSON, security headers, X-Request-Id.  It is the only place where an
 * enum zt_err becomes an HTTP status.
 */
#ifndef ZT_SERVE_H
#define ZT_SERVE_H

#include "zt_config.h"
#include "zt_req.h"
#include "zt_route.h"

int zt_serve(const char *program, const struct zt_route *routes, size_t n,
    unsigned needs);

/*
 * Dispatch one prepared request (method, path, query, body set) through
 * the table: the transport-free core of zt_serve, used by unit tests.
 * The answer is left in req (status, resp or err).
 */
void zt_dispatch(const struct zt_route *routes, size_t n, struct zt_req *req,
    size_t content_length);

/*
 * A request is matched against its table once: the transport needs the
 * route (its body_max) before reading the body, and the dispatcher gets
 * that same match (zt_dispatch is zt_match followed by zt_dispatch_match).
 */
struct zt_match {
	enum zt_err e;		   /* ZT_OK, ZT_ENOTFOUND or ZT_EMETHOD */
	const struct zt_route *rt; /* the route when ZT_OK */
	const char *allow;	   /* the methods allowed when ZT_EMETHOD */
};
/* Match req (fills its path parameters) into *m. */
void zt_match(const struct zt_route *routes, size_t n, struct zt_req *req,
    struct zt_match *m);
void zt_dispatch_match(
    const struct zt_match *m, struct zt_req *req, size_t content_length);

/* Authenticate req from its Authorization header against auth. */
enum zt_err zt_authenticate(struct zt_req *req, enum zt_auth auth);

#endif
