/* zt_serve.c - FastCGI accept loop and dispatcher; see zt_serve.h. */
#define _GNU_SOURCE /* accept4 */
#include "zt_serve.h"
#include "zt_apitoken.h"
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_json.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_pool.h"
#include "zt_server.h"
#include "zt_session.h"
#include "zt_token.h"

#include <fcgiapp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Seconds a 503 asks a client to wait: PostgreSQL's crash recovery and a
 * Redis restart take about this long on a small stack. */
#define ZT_RETRY_AFTER 2

static int
role_rank(const char *role)
{
	if (strcmp(role, "owner") == 0)
		return 3;
	if (strcmp(role, "manager") == 0)
		return 2;
	if (strcmp(role, "scanner") == 0)
		return 1;
	return 0;
}

enum zt_err
zt_authenticate(struct zt_req *req, enum zt_auth auth)
{
	const char *h = zt_header(req, "Authorization"), *why, *q;
	const char *aud =
	    auth == ZT_AUTH_ADMIN ? ZT_TOKEN_AUD_ADMIN : ZT_TOKEN_AUD;
	struct zt_claims c;

	if ((h == NULL || *h == '\0') && req->route != NULL &&
	    (req->route->flags & ZT_ROUTE_QUERY_TOKEN) &&
	    (q = zt_query(req, "token")) != NULL && *q != '\0')
		h = zt_arena_printf(req->arena, "Bearer %s", q);
	if (h == NULL || *h == '\0') {
		if (auth == ZT_AUTH_PUBLIC)
			return ZT_OK;
		return zt_fail(req, ZT_EUNAUTH, "unauthenticated",
		    "sign in first: missing bearer token");
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		if (auth == ZT_AUTH_PUBLIC)
			return ZT_OK;
		return zt_fail(req, ZT_EUNAUTH, "invalid_token",
		    "the Authorization header must be 'Bearer <token>'");
	}
	/* an organizer's API token: its scopes stand for the role */
	if (zt_apitoken_is(h + 7) && auth != ZT_AUTH_ADMIN)
		return zt_apitoken_authenticate(req, h + 7);
	if (zt_token_verify(
		&zt_g.cfg, aud, h + 7, (long)time(NULL), &c, &why) != 0) {
		zt_log_info("auth", "token refused: %s", why);
		/* a public page stays public with a stale token */
		if (auth == ZT_AUTH_PUBLIC)
			return ZT_OK;
		return zt_fail(req, ZT_EUNAUTH, "invalid_token",
		    "the access token is invalid or expired");
	}
	/* a deleted account's tokens, and those of an ended session, stop at
	 * once (docs/privacy.md, docs/auth.md): one Redis round trip */
	if (auth != ZT_AUTH_ADMIN &&
	    zt_session_revoked(req, c.sub, c.sid, c.iat)) {
		zt_log_info("auth", "token refused: user revoked");
		if (auth == ZT_AUTH_PUBLIC)
			return ZT_OK;
		return zt_fail(req, ZT_EUNAUTH, "invalid_token",
		    "the access token is invalid or expired");
	}
	req->authenticated = 1;
	memcpy(req->user_id, c.sub, sizeof(req->user_id));
	memcpy(req->tenant_id, c.tid, sizeof(req->tenant_id));
	memcpy(req->sid, c.sid, sizeof(req->sid));
	snprintf(req->role, sizeof(req->role), "%s", c.role);

	switch (auth) {
	case ZT_AUTH_PUBLIC:
	case ZT_AUTH_USER:
	case ZT_AUTH_ADMIN:
		return ZT_OK;
	case ZT_AUTH_SCANNER:
	case ZT_AUTH_MANAGER:
	case ZT_AUTH_OWNER:
		if (req->tenant_id[0] == '\0')
			return zt_fail(req, ZT_EFORBIDDEN, "no_tenant",
			    "choose an organizer account first");
		if (role_rank(req->role) < (int)auth - (int)ZT_AUTH_SCANNER + 1)
			return zt_fail(req, ZT_EFORBIDDEN, "forbidden",
			    "your role in this organization cannot do this");
		return ZT_OK;
	}
	return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
}

static int
is_json_type(const char *ct)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

void
zt_match(const struct zt_route *routes, size_t n, struct zt_req *req,
    struct zt_match *m)
{
	m->rt = NULL;
	m->allow = NULL;
	m->e = zt_route_match(routes, n, req, &m->rt, &m->allow);
}

void
zt_dispatch(const struct zt_route *routes, size_t n, struct zt_req *req,
    size_t content_length)
{
	struct zt_match m;
	zt_match(routes, n, req, &m);
	zt_dispatch_match(&m, req, content_length);
}

void
zt_dispatch_match(
    const struct zt_match *m, struct zt_req *req, size_t content_length)
{
	const struct zt_route *rt = m->rt;
	const char *allow = m->allow;
	enum zt_err e = m->e;

	if (e == ZT_ENOTFOUND) {
		if (zt_utf8_valid(req->path, strlen(req->path)))
			zt_fail(
			    req, e, NULL, "no such endpoint: %s", req->path);
		else
			zt_fail(req, e, NULL, "no such endpoint");
		return;
	}
	if (e == ZT_EMETHOD) {
		zt_reply_header(req, "Allow", allow);
		zt_fail(req, e, NULL, "%s is not allowed here; use %s",
		    req->method, allow);
		return;
	}
	req->route = rt;
	if (zt_req_check_text(req) != ZT_OK)
		return;
	if (content_length > rt->body_max) {
		if (rt->body_max == 0)
			zt_fail(req, ZT_ETOOLARGE, NULL,
			    "this endpoint takes no request body");
		else
			zt_fail(req, ZT_ETOOLARGE, NULL,
			    "request body is larger than %zu bytes",
			    rt->body_max);
		return;
	}
	if (zt_authenticate(req, rt->auth) != ZT_OK)
		return;
	if ((rt->flags & ZT_ROUTE_NO_FORMS) &&
	    !is_json_type(zt_header(req, "Content-Type"))) {
		zt_fail(req, ZT_EMEDIA, NULL,
		    "send Content-Type: application/json");
		return;
	}
	if (req->body_len > 0 && !(rt->flags & ZT_ROUTE_RAW_BODY)) {
		/* JSON only: also refuses cross-site form posts */
		if (!is_json_type(zt_header(req, "Content-Type"))) {
			zt_fail(req, ZT_EMEDIA, NULL,
			    "send the body as application/json");
			return;
		}
		if (zt_json_parse_body(
			req, req->body, req->body_len, &req->json) != ZT_OK)
			return;
	}
	e = rt->handler(req);
	if (zt_db_in_txn())
		zt_db_rollback();
	if (e != ZT_OK && req->err == ZT_OK)
		zt_fail(req, e, NULL, "%s", zt_http_reason(zt_err_status(e)));
	if (e == ZT_OK && req->status == 0)
		req->status = 204;
}

/* ---- FastCGI transport ---- */

static const char *
fcgi_getenv(void *ctx, const char *name)
{
	FCGX_Request *r = ctx;
	return FCGX_GetParam(name, r->envp);
}

static void
write_response(FCGX_Request *r, struct zt_req *req)
{
	struct json_object *body = NULL;
	const char *text = NULL;
	size_t len = 0;
	int status = req->status;
	int has_cache = 0, has_retry = 0;

	if (req->err != ZT_OK) {
		zt_i18n_error(req); /* the message in the request's language */
		status = zt_err_status(req->err);
		body = zt_req_error_body(req);
		text = zt_json_text(req, body, &len);
		json_object_put(body);
	} else if (req->resp_raw != NULL) {
		text = req->resp_raw;
		len = req->resp_raw_len;
	} else if (req->resp != NULL) {
		text = zt_json_text(req, req->resp, &len);
	}
	FCGX_FPrintF(
	    r->out, "Status: %d %s\r\n", status, zt_http_reason(status));
	if (text != NULL)
		FCGX_FPrintF(r->out, "Content-Type: %s\r\n",
		    req->resp_type ? req->resp_type
				   : "application/json; charset=utf-8");
	for (int i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->hname[i], "Cache-Control") == 0)
			has_cache = 1;
		if (strcasecmp(req->hname[i], "Retry-After") == 0)
			has_retry = 1;
		FCGX_FPrintF(
		    r->out, "%s: %s\r\n", req->hname[i], req->hvalue[i]);
	}
	if (!has_cache)
		FCGX_PutS("Cache-Control: no-store\r\n", r->out);
	/* the wait recorded with the error (a limit's, zt_fail_retry); every
	 * other 503 is a dependency that is down or restarting (PostgreSQL,
	 * Redis): tell clients when to come back (docs/stack.md) */
	if (!has_retry && req->err != ZT_OK && req->retry_after > 0)
		FCGX_FPrintF(r->out, "Retry-After: %d\r\n", req->retry_after);
	else if (status == 503 && !has_retry)
		FCGX_FPrintF(r->out, "Retry-After: %d\r\n", ZT_RETRY_AFTER);
	FCGX_PutS("X-Content-Type-Options: nosniff\r\n"
		  "X-Frame-Options: DENY\r\n"
		  "Referrer-Policy: no-referrer\r\n"
		  "Content-Security-Policy: default-src 'none'; "
		  "frame-ancestors 'none'\r\n",
	    r->out);
	if (req->request_id[0] != '\0')
		FCGX_FPrintF(r->out, "X-Request-Id: %s\r\n", req->request_id);
	FCGX_PutS("\r\n", r->out);
	if (text != NULL && strcmp(req->method, "HEAD") != 0)
		FCGX_PutStr(text, (int)len, r->out);
}

/* Read the body up to limit+1 bytes; returns bytes read. */
static size_t
read_body(FCGX_Request *r, struct zt_req *req, size_t want)
{
	char *buf = zt_arena_alloc(req->arena, want + 1);
	size_t got = 0;
	while (got < want) {
		int n = FCGX_GetStr(buf + got, (int)(want - got), r->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	req->body = buf;
	req->body_len = got;
	return got;
}

static int
valid_request_id(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
			(s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= 'A' && s[n] <= 'Z') || s[n] == '-'))
			return 0;
	return n > 0 && n <= 64;
}

/* Serve one request; returns 1 when its whole input was read. */
static int
serve_one(FCGX_Request *r, const struct zt_route *routes, size_t n,
    struct zt_req *req)
{
	int all_read = 1;
	struct zt_match m;
	const char *cl, *rid, *uri;
	size_t content_length = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	req->getenv_ctx = r;
	req->method = fcgi_getenv(r, "REQUEST_METHOD");
	req->path = fcgi_getenv(r, "PATH_INFO");
	if (req->path == NULL || *req->path == '\0') {
		/* without nginx's PATH_INFO, take REQUEST_URI minus query */
		uri = fcgi_getenv(r, "REQUEST_URI");
		const char *q = uri ? strchr(uri, '?') : NULL;
		req->path = uri ? (q ? zt_arena_strndup(
					   req->arena, uri, (size_t)(q - uri))
				     : uri)
				: "/";
	}
	req->query = fcgi_getenv(r, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	if (req->method == NULL)
		req->method = "GET";
	rid = fcgi_getenv(r, "REQUEST_ID");
	req->request_id = rid && valid_request_id(rid) ? rid : "";
	req->remote_addr = fcgi_getenv(r, "REMOTE_ADDR");
	if (req->remote_addr == NULL)
		req->remote_addr = "";
	zt_log_set_request_id(req->request_id);

	cl = fcgi_getenv(r, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0') {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(cl, &end, 10);
		content_length =
		    (errno != 0 || *end != '\0' || v > SIZE_MAX / 2)
			? SIZE_MAX / 2
			: (size_t)v;
	}
	zt_match(routes, n, req, &m);
	if (content_length > 0) {
		/* read only what the route may take; the dispatcher answers
		 * 413 from content_length before looking at the bytes */
		all_read = 0;
		if (m.e == ZT_OK && content_length <= m.rt->body_max)
			all_read =
			    read_body(r, req, content_length) == content_length;
	}
	zt_dispatch_match(&m, req, content_length);
	write_response(r, req);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	long us = (t1.tv_sec - t0.tv_sec) * 1000000L +
		  (t1.tv_nsec - t0.tv_nsec) / 1000L;
	int status = req->err != ZT_OK ? zt_err_status(req->err) : req->status;
	char user[17];
	zt_log_user_hash(req->user_id, user);
	zt_log_request(&(struct zt_log_request){
	    .method = req->method,
	    .route = m.e == ZT_OK ? m.rt->pattern : NULL,
	    .tenant = req->tenant_id,
	    .user = user,
	    .error = req->err == ZT_OK ? NULL
		     : req->err_code   ? req->err_code
				       : zt_err_code(req->err),
	    .msg = status >= 500 ? req->err_msg : NULL,
	    .status = status,
	    .pg_pid = zt_db_backend_pid(zt_g.db),
	    .dur_us = us,
	});
	zt_metrics_request(
	    m.e == ZT_OK ? (int)(m.rt - routes) : -1, status, us);
	zt_log_set_request_id(NULL);
	return all_read;
}

/*
 * The workers of a pool share one listening socket (descriptor 0).  A
 * worker with live messages gathered (zt_live_batch) must not block in
 * accept() past their time, so the workers accept for libfcgi: the socket
 * is non-blocking, each waits in epoll (EPOLLEXCLUSIVE: one wakes per
 * connection) at most until its messages are due, and hands the
 * connection to FCGX_Accept_r, which reads the request from it.  Without
 * a socket to watch (not run by a FastCGI pool), libfcgi accepts.
 */
static int listen_ep = -1;
static struct epoll_event ev_in = {.events = EPOLLIN | EPOLLEXCLUSIVE};

static void
own_accept_init(void)
{
	int fl = fcntl(0, F_GETFL);
	int ep;

	if (fl < 0 || (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev_in) != 0 ||
	    fcntl(0, F_SETFL, fl | O_NONBLOCK) != 0) {
		close(ep);
		return;
	}
	listen_ep = ep;
}

/* A connection into r (1), none within timeout_ms (0: -1 waits), or
 * stop (-1: a signal to stop, or the socket failed). */
static int
own_accept(FCGX_Request *r, int timeout_ms)
{
	for (;;) {
		struct epoll_event ev;
		int fd = accept4(0, NULL, NULL, SOCK_CLOEXEC), n;
		if (fd >= 0) {
			r->ipcFd = fd;
			/* FCGX_Accept_r first finishes the previous request:
			 * keep it from closing this connection */
			r->keepConnection = 1;
			return 1;
		}
		if (errno == EINTR && zt_g.stopping)
			return -1;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			return -1;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		n = epoll_wait(listen_ep, &ev, 1, timeout_ms);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
		if (zt_g.stopping)
			return -1;
		/* woken: go to the back of the line, so that idle workers
		 * take turns as they did in a blocking accept() (the kernel
		 * wakes the first waiter registered on the socket) */
		if (n > 0 &&
		    (epoll_ctl(listen_ep, EPOLL_CTL_DEL, 0, NULL) != 0 ||
			epoll_ctl(listen_ep, EPOLL_CTL_ADD, 0, &ev_in) != 0))
			return -1;
	}
}

int
zt_serve(const char *program, const struct zt_route *routes, size_t n,
    unsigned needs)
{
	FCGX_Request r;
	struct zt_req *req;
	char err[256];
	int status;

	zt_server_load(program, needs);
	if (zt_route_check(routes, n, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program, err);
		return 1;
	}
	zt_metrics_open(program);
	zt_metrics_routes(routes, n);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "%s: could not initialise fastcgi\n", program);
		return 1;
	}
	/* a pool: the master forks the workers from here, with everything
	 * above loaded once and shared (zt_pool.h) */
	if (!FCGX_IsCGI() && !zt_pool_run(program, &status)) {
		zt_server_cleanup();
		return status;
	}
	zt_server_connect(needs);
	FCGX_InitRequest(&r, 0, 0);
	if (!FCGX_IsCGI())
		own_accept_init();
	req = zt_req_new(fcgi_getenv, &r);
	zt_log_info("start", "%s ready", program);
	zt_live_defer(zt_g.live, 1);
	while (!zt_g.stopping) {
		if (listen_ep >= 0) {
			long due = zt_live_due_in(zt_g.live);
			int got = own_accept(&r, due < 0       ? -1
						 : due > 60000 ? 60000
							       : (int)due);
			if (got == 0) { /* the gathered messages are due */
				zt_live_flush(zt_g.live);
				continue;
			}
			if (got < 0)
				break;
		}
		if (FCGX_Accept_r(&r) < 0) {
			/* a connection that sent no request: libfcgi closed
			 * it and found nothing more to accept */
			if (listen_ep >= 0 && !zt_g.stopping)
				continue;
			break;
		}
		/* libfcgi closes a connection with shutdown, then waits for
		 * nginx to close its end (a lingering close, against a reset
		 * losing the answer when input is left unread).  When all
		 * input was read there is nothing to reset over: a detached
		 * request is closed at once, and the worker is free a
		 * wake-up earlier (docs/benchmarks.md) */
		if (serve_one(&r, routes, n, req))
			FCGX_Detach(&r);
		FCGX_Finish_r(&r);
		/* the client has its answer: now the live messages that are
		 * due (an event channel's wait for their batch) */
		zt_live_flush_due(zt_g.live);
		zt_req_end(req);
		req->getenv = fcgi_getenv;
		req->getenv_ctx = &r;
	}
	zt_live_wait(zt_g.live); /* what was gathered goes before we stop */
	zt_log_info("stop", "%s stopping", program);
	zt_req_free(req);
	zt_server_cleanup();
	return 0;
}
