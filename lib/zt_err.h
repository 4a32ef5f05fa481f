/*
 * zt_err.h - the library's one error enum.
 *
 * Every lib function that can fail for a reason the client should hear about
 * returns an enum zt_err.  The dispatcher (zt_serve.c) is the only place that
 * turns one into an HTTP status and the JSON error body.
 */
#ifndef ZT_ERR_H
#define ZT_ERR_H

enum zt_err {
	ZT_OK = 0,
	ZT_EBADREQ,       /* 400 malformed or invalid input */
	ZT_EUNAUTH,       /* 401 no or bad credentials */
	ZT_EFORBIDDEN,    /* 403 authenticated but not allowed */
	ZT_ENOTFOUND,     /* 404 */
	ZT_EMETHOD,       /* 405 */
	ZT_ECONFLICT,     /* 409 state conflict (seat taken, wrong state) */
	ZT_ETOOLARGE,     /* 413 body over the route's limit */
	ZT_EMEDIA,        /* 415 body is not JSON */
	ZT_EINVALID,      /* 422 well-formed but semantically invalid */
	ZT_ELIMIT,        /* 429 rate limited */
	ZT_EINTERNAL,     /* 500 our fault */
	ZT_EUPSTREAM,     /* 502 a provider failed */
	ZT_EUNAVAIL,      /* 503 a dependency (PostgreSQL, Redis) is down */
	ZT_ERR__COUNT
};

/* HTTP status for an error; 200 for ZT_OK. */
int zt_err_status(enum zt_err e);
/* Default machine-readable code ("not_found"), static storage. */
const char *zt_err_code(enum zt_err e);
/* Reason phrase for the status line ("Not Found"), static storage. */
const char *zt_http_reason(int status);

#endif
