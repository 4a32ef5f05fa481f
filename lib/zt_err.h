/*
 * zt_err.h - the library's one error channel.
 *
 * Every lib function that can fail for a reason the client should hear about
 * returns an enum zt_err.  The dispatcher (zt_serve.c) is the only place that
 * turns one into an HTTP status, headers (Retry-After) and the JSON error
 * body.
 *
 * The rule, floor by floor (docs/stack.md, "One error channel"):
 *   - stores (zt_db, zt_redis, zt_live) never write on struct zt_req: they
 *     return an enum zt_err and describe the failure in a struct zt_error
 *     the caller owns (zt_db keeps its last one on the connection, see
 *     zt_db.h);
 *   - domain modules and handlers return an enum zt_err and record the one
 *     failure the client will hear with zt_fail() (their own validation) or
 *     zt_fail_error() (a store's failure passed on);
 *   - a best-effort call (a Redis bump after COMMIT, a live message) passes
 *     a struct zt_error of its own and drops it: nothing to clear by hand.
 */
#ifndef ZT_ERR_H
#define ZT_ERR_H

enum zt_err {
	ZT_OK = 0,
	ZT_EBADREQ,    /* 400 malformed or invalid input */
	ZT_EUNAUTH,    /* 401 no or bad credentials */
	ZT_EFORBIDDEN, /* 403 authenticated but not allowed */
	ZT_ENOTFOUND,  /* 404 */
	ZT_EMETHOD,    /* 405 */
	ZT_ECONFLICT,  /* 409 state conflict (seat taken, wrong state) */
	ZT_ETOOLARGE,  /* 413 body over the route's limit */
	ZT_EMEDIA,     /* 415 body is not JSON */
	ZT_EINVALID,   /* 422 well-formed but semantically invalid */
	ZT_ELIMIT,     /* 429 rate limited */
	ZT_EINTERNAL,  /* 500 our fault */
	ZT_EUPSTREAM,  /* 502 a provider failed */
	ZT_EUNAVAIL,   /* 503 a dependency (PostgreSQL, Redis) is down */
	ZT_EGONE,      /* 410 existed, and is no more (a refunded ticket) */
	ZT_ERR__COUNT
};

/*
 * A failure as a store reports it.  code is static storage (NULL: the
 * default code of err); msg is for the client (never a secret, never the
 * server's own wording of a query); retry_after > 0 asks the dispatcher for
 * a Retry-After header of that many seconds (429, 503).
 */
struct zt_error {
	enum zt_err err; /* ZT_OK: nothing failed */
	const char *code;
	char msg[160];
	int retry_after;
};

/* clang-format off */
#define ZT_ERROR_INIT { ZT_OK, NULL, "", 0 }
/* clang-format on */

/* Fill e (any of it left from before goes) and return err. */
enum zt_err zt_error_set(struct zt_error *e, enum zt_err err, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Forget e's failure. */
void zt_error_clear(struct zt_error *e);

/* HTTP status for an error; 200 for ZT_OK. */
int zt_err_status(enum zt_err e);
/* Default machine-readable code ("not_found"), static storage. */
const char *zt_err_code(enum zt_err e);
/* Reason phrase for the status line ("Not Found"), static storage. */
const char *zt_http_reason(int status);

#endif
