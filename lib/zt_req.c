/* zt_req.c - request accessors and replies; see zt_req.h. */
#include "zt_req.h"
#include "zt_log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>

struct zt_defer {
	struct zt_defer *next;
	void (*fn)(void *);
	void *p;
};

/* Blank every field but the arena and transport. */
static void
reset(struct zt_req *req, struct zt_arena *a, zt_getenv_fn fn, void *ctx)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->getenv = fn;
	req->getenv_ctx = ctx;
	req->method = "GET";
	req->path = "/";
	req->query = "";
	req->request_id = "";
	req->remote_addr = "";
}

struct zt_req *
zt_req_new(zt_getenv_fn fn, void *ctx)
{
	struct zt_req *req = zt_xmalloc(sizeof(*req));
	reset(req, zt_arena_new(), fn, ctx);
	return req;
}

void
zt_req_defer(struct zt_req *req, void (*fn)(void *), void *p)
{
	struct zt_defer *d = zt_arena_alloc(req->arena, sizeof(*d));
	d->fn = fn;
	d->p = p;
	d->next = req->defers;
	req->defers = d;
}

void
zt_req_end(struct zt_req *req)
{
	struct zt_defer *d;
	int trim = req->trim_heap;
	for (d = req->defers; d != NULL; d = d->next)
		d->fn(d->p);
	if (req->resp != NULL)
		json_object_put(req->resp);
	if (req->err_extra != NULL)
		json_object_put(req->err_extra);
	if (req->json != NULL)
		json_object_put(req->json);
	zt_arena_reset(req->arena);
	reset(req, req->arena, req->getenv, req->getenv_ctx);
	if (trim)
		malloc_trim(0);
}

void
zt_req_free(struct zt_req *req)
{
	if (req == NULL)
		return;
	zt_req_end(req);
	zt_arena_free(req->arena);
	free(req);
}

const char *
zt_param(const struct zt_req *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->param_name[i], name) == 0)
			return req->param_value[i];
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
zt_url_decode(struct zt_arena *a, const char *s, size_t n, int form)
{
	char *out = zt_arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if (form && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int
zt_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		size_t len;
		unsigned min, cp;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if ((size_t)(end - p) < len)
			return 0;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += len;
	}
	return 1;
}

/*
 * One "key=value" pair of a query string, decoded into the arena: *key, and
 * *val (NULL when the pair has no '='); returns where the next pair starts,
 * NULL after the last.
 */
static const char *
query_pair(struct zt_req *req, const char *p, char **key, char **val)
{
	const char *amp = strchr(p, '&');
	size_t len = amp ? (size_t)(amp - p) : strlen(p);
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len;
	*key = zt_url_decode(req->arena, p, klen, 1);
	*val = eq ? zt_url_decode(req->arena, eq + 1, len - klen - 1, 1) : NULL;
	return amp ? amp + 1 : NULL;
}

enum zt_err
zt_req_check_text(struct zt_req *req)
{
	const char *p = req->query;
	char *key, *val;
	for (int i = 0; i < req->nparams; i++) {
		const char *v = req->param_value[i];
		if (!zt_utf8_valid(v, strlen(v)))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "path parameter '%s' is not valid UTF-8",
			    req->param_name[i]);
	}
	while (p != NULL && *p != '\0') {
		p = query_pair(req, p, &key, &val);
		if (!zt_utf8_valid(key, strlen(key)))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "a query parameter name is not valid UTF-8");
		if (val != NULL && !zt_utf8_valid(val, strlen(val)))
			return zt_fail(req, ZT_EBADREQ, "invalid_field",
			    "query parameter '%s' is not valid UTF-8", key);
	}
	return ZT_OK;
}

const char *
zt_query(struct zt_req *req, const char *name)
{
	const char *p = req->query;
	char *key, *val;
	while (p != NULL && *p != '\0') {
		p = query_pair(req, p, &key, &val);
		if (strcmp(key, name) == 0)
			return val != NULL ? val : "";
	}
	return NULL;
}

const char *
zt_header(struct zt_req *req, const char *name)
{
	char var[128] = "HTTP_";
	size_t n = strlen(name);
	if (req->getenv == NULL || n + 6 > sizeof(var))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		var[5 + i] = c == '-' ? '_' : (char)toupper((unsigned char)c);
	}
	var[5 + n] = '\0';
	/* CGI passes these two without the HTTP_ prefix */
	if (strcmp(var, "HTTP_CONTENT_TYPE") == 0 ||
	    strcmp(var, "HTTP_CONTENT_LENGTH") == 0)
		return req->getenv(req->getenv_ctx, var + 5);
	return req->getenv(req->getenv_ctx, var);
}

const char *
zt_cookie(struct zt_req *req, const char *name)
{
	const char *h = zt_header(req, "Cookie");
	size_t nlen = strlen(name);
	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ';')
			h++;
		const char *end = strchr(h, ';');
		size_t len = end ? (size_t)(end - h) : strlen(h);
		if (len > nlen && memcmp(h, name, nlen) == 0 && h[nlen] == '=')
			return zt_arena_strndup(
			    req->arena, h + nlen + 1, len - nlen - 1);
		h = end;
	}
	return NULL;
}

enum zt_err
zt_reply(struct zt_req *req, int status, struct json_object *body)
{
	if (req->resp != NULL)
		json_object_put(req->resp);
	req->status = status;
	req->resp = body;
	return ZT_OK;
}

enum zt_err
zt_reply_text(struct zt_req *req, int status, const char *text, size_t len)
{
	zt_reply(req, status, NULL);
	req->resp_raw = text;
	req->resp_raw_len = len;
	return ZT_OK;
}

void
zt_reply_header(struct zt_req *req, const char *name, const char *value)
{
	if (req->nheaders == ZT_MAX_HEADERS) {
		zt_log_error(
		    "headers", "too many response headers, dropped %s", name);
		return;
	}
	/* header injection guard: values never carry CR or LF */
	if (strpbrk(value, "\r\n") != NULL) {
		zt_log_error(
		    "headers", "dropped header %s with a newline", name);
		return;
	}
	req->hname[req->nheaders] = zt_arena_strdup(req->arena, name);
	req->hvalue[req->nheaders] = zt_arena_strdup(req->arena, value);
	req->nheaders++;
}

enum zt_err
zt_fail(
    struct zt_req *req, enum zt_err e, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	req->err_msg = zt_arena_vprintf(req->arena, fmt, ap);
	va_end(ap);
	req->err = e;
	req->err_code = code != NULL ? code : zt_err_code(e);
	return e;
}

enum zt_err
zt_fail_error(struct zt_req *req, const struct zt_error *e)
{
	if (e->err == ZT_OK)
		return ZT_OK;
	zt_fail(req, e->err, e->code, "%s", e->msg);
	if (e->retry_after > 0)
		zt_fail_retry(req, e->retry_after);
	return e->err;
}

void
zt_fail_clear(struct zt_req *req)
{
	req->err = ZT_OK;
	req->err_code = NULL;
	req->err_msg = NULL;
	req->retry_after = 0;
	if (req->err_extra != NULL)
		json_object_put(req->err_extra);
	req->err_extra = NULL;
}

void
zt_fail_retry(struct zt_req *req, int secs)
{
	req->retry_after = secs;
}

void
zt_fail_detail(struct zt_req *req, const char *key, struct json_object *val)
{
	if (req->err_extra == NULL)
		req->err_extra = json_object_new_object();
	json_object_object_add(req->err_extra, key, val);
}

struct json_object *
zt_req_error_body(const struct zt_req *req)
{
	struct json_object *body = json_object_new_object();
	struct json_object *err = json_object_new_object();
	enum zt_err e = req->err != ZT_OK ? req->err : ZT_EINTERNAL;
	json_object_object_add(err, "code",
	    json_object_new_string(
		req->err_code ? req->err_code : zt_err_code(e)));
	json_object_object_add(err, "message",
	    json_object_new_string(req->err_msg
				       ? req->err_msg
				       : zt_http_reason(zt_err_status(e))));
	json_object_object_add(body, "error", err);
	if (req->retry_after > 0)
		json_object_object_add(
		    body, "retryAfter", json_object_new_int(req->retry_after));
	if (req->err_extra != NULL) {
		json_object_object_foreach(req->err_extra, k, v)
		{
			json_object_object_add(body, k, json_object_get(v));
		}
	}
	return body;
}
