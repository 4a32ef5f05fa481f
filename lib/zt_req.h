/*
 * zt_req.h - one HTTP request and its response.
 *
 * A struct zt_req lives for one request.  Everything hanging off it comes
 * from req->arena or is registered with zt_req_defer(), and is released by
 * zt_req_end().  Handlers read with the accessors below and answer with
 * zt_reply*() or by returning zt_fail(); they never print anything.
 * Only handlers and domain modules record on a request; stores report into
 * a struct zt_error (zt_err.h) that the caller passes on or drops.
 */
#ifndef ZT_REQ_H
#define ZT_REQ_H

#include <json-c/json.h>
#include <stddef.h>

#include "zt_arena.h"
#include "zt_err.h"
#include "zt_uuid.h"

#define ZT_MAX_PARAMS 8
#define ZT_MAX_HEADERS 16

struct zt_route;

/* Getter for CGI-style params ("HTTP_COOKIE"); NULL when absent. */
typedef const char *(*zt_getenv_fn)(void *ctx, const char *name);

struct zt_req {
	struct zt_arena *arena;
	zt_getenv_fn getenv;
	void *getenv_ctx;

	const char *method;	/* "GET" */
	const char *path;	/* "/api/events/42", no query */
	const char *query;	/* "a=1&b=2" or "" */
	const char *request_id; /* nginx $request_id, or generated */
	const char *remote_addr;

	const struct zt_route *route;
	int nparams;
	const char *param_name[ZT_MAX_PARAMS];
	const char *param_value[ZT_MAX_PARAMS];

	char *body; /* NUL-terminated; NULL when none */
	size_t body_len;
	struct json_object *json; /* parsed body (an object), or NULL */

	/* who is asking (filled by the dispatcher from the access token) */
	int authenticated;
	char user_id[ZT_UUID_BUF];   /* "" when anonymous */
	char tenant_id[ZT_UUID_BUF]; /* active tenant, "" when none */
	char role[16];		     /* role in the active tenant */
	char sid[ZT_UUID_BUF];	     /* the token's session, "" when none */
	/* the API token that authenticated the request (zt_apitoken.h),
	 * "" for a signed-in person */
	char apitoken_id[ZT_UUID_BUF];
	/* the language the request is answered in, "en"/"hi" (zt_i18n.h);
	 * NULL until zt_i18n_lang() decides it */
	const char *lang;

	/* response */
	int status;
	struct json_object *resp; /* owned; released at the end */
	const char *resp_type;	  /* for raw bodies */
	const char *resp_raw;
	size_t resp_raw_len;
	int nheaders;
	const char *hname[ZT_MAX_HEADERS];
	const char *hvalue[ZT_MAX_HEADERS];

	/* error (set by zt_fail) */
	enum zt_err err;
	const char *err_code;
	const char *err_msg;
	struct json_object *err_extra; /* merged into the error body; owned */
	int retry_after; /* > 0: Retry-After and retryAfter (seconds) */

	struct zt_defer *defers;
	/* set by a request that built something large (a big seat map, a
	 * venue's event page): its end returns the freed heap to the system
	 * (malloc_trim) once everything of it is released */
	int trim_heap;
};

/* A request with a fresh arena, not bound to any transport (tests, cron). */
struct zt_req *zt_req_new(zt_getenv_fn fn, void *ctx);
/* Run the defers (reverse order), release replies, reset the arena. */
void zt_req_end(struct zt_req *req);
void zt_req_free(struct zt_req *req);

/* Call fn(p) when the request ends (LIFO). */
void zt_req_defer(struct zt_req *req, void (*fn)(void *), void *p);

/* Accessors.  Returned strings are owned by the request. */
const char *zt_param(const struct zt_req *req, const char *name);
/* Decoded query parameter, NULL when absent. */
const char *zt_query(struct zt_req *req, const char *name);
/* Request header by its HTTP name ("Cookie"), NULL when absent. */
const char *zt_header(struct zt_req *req, const char *name);
/* Cookie value by name, NULL when absent. */
const char *zt_cookie(struct zt_req *req, const char *name);

/* Answer status with body (takes ownership of body; NULL for none). */
enum zt_err zt_reply(struct zt_req *req, int status, struct json_object *body);
/* Answer a JSON text as it is (len bytes, kept alive by the caller until
 * the request ends): no parse, no second serialisation. */
enum zt_err zt_reply_text(
    struct zt_req *req, int status, const char *text, size_t len);
/* Add a response header (copied into the arena). */
void zt_reply_header(struct zt_req *req, const char *name, const char *value);

/*
 * Record an error for the dispatcher to answer and return e, so handlers can
 * write `return zt_fail(req, ZT_EBADREQ, "invalid_field", "…", …);`.
 * code NULL means the default code of e.
 */
enum zt_err zt_fail(struct zt_req *req, enum zt_err e, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Record a store's failure (struct zt_error, zt_err.h) for the dispatcher
 * and return its enum: how a domain function passes one on.  ZT_OK records
 * nothing.
 */
enum zt_err zt_fail_error(struct zt_req *req, const struct zt_error *e);
/* Ask for a Retry-After of secs seconds (and retryAfter in the body) with
 * the recorded error (429 with a wait; a 503 without one gets the
 * default, docs/stack.md). */
void zt_fail_retry(struct zt_req *req, int secs);
/*
 * Forget the recorded error (code, message, details, wait): for a domain
 * function that was told of a failure by a callee which records on req
 * and handles it itself.  Stores never need it (they report into a
 * struct zt_error); nothing else may reset req->err by hand.
 */
void zt_fail_clear(struct zt_req *req);
/* Attach key=val to the error body (takes ownership of val). */
void zt_fail_detail(
    struct zt_req *req, const char *key, struct json_object *val);

/* Build the JSON error body for the recorded error; caller owns it. */
struct json_object *zt_req_error_body(const struct zt_req *req);

/* Percent-decode s (also '+' as space when form != 0) into the arena. */
char *zt_url_decode(struct zt_arena *a, const char *s, size_t n, int form);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing
 * past U+10FFFF), else 0. */
int zt_utf8_valid(const char *s, size_t n);

/*
 * Refuse a path parameter or a query parameter (name or value, decoded)
 * that is not valid UTF-8: 400 invalid_field naming it.  The dispatcher
 * calls it once the route is known, so text never reaches PostgreSQL in a
 * shape it would refuse with a message that names nothing.
 */
enum zt_err zt_req_check_text(struct zt_req *req);

#endif
