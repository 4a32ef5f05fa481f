/* zt_http.c - the one provider client; see zt_http.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include "zt_http.h"
#include "zt_arena.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

/* ---- the process's libcurl ------------------------------------------------
 */

static CURL *handle; /* created by the first call, reused by every other */
static int curl_ready;

/*
 * Before main, so before any thread: libcurl's global init is not
 * thread-safe.  Runs only in programs that link a provider client.  A
 * failure shows at the first call ("cannot initialise libcurl").
 */
__attribute__((constructor)) static void
http_init(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void
zt_http_cleanup(void)
{
	if (handle != NULL) {
		curl_easy_cleanup(handle);
		handle = NULL;
	}
	if (curl_ready) {
		curl_global_cleanup();
		curl_ready = 0;
	}
}

/* ---- text -----------------------------------------------------------------
 */

int
zt_http_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

void
zt_http_clean_copy(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	if (dstlen == 0)
		return;
	for (; src && *src && i + 1 < dstlen; src++) {
		unsigned char c = (unsigned char)*src;
		dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	dst[i] = '\0';
}

void
zt_http_redact(char *s, const char *secret)
{
	size_t n;
	char *p;

	if (secret == NULL || (n = strlen(secret)) < 4)
		return;
	while ((p = strstr(s, secret)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

/* ---- buffers --------------------------------------------------------------
 */

void
zt_http_buf_add(struct zt_http_buf *b, const char *s, size_t n)
{
	size_t cap;

	if (n >= SIZE_MAX / 2 - b->len)
		zt_oom(); /* no length this large is real */
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = zt_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
zt_http_buf_adds(struct zt_http_buf *b, const char *s)
{
	zt_http_buf_add(b, s, strlen(s));
}

void
zt_http_buf_add_escaped(struct zt_http_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = {'%'};

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			zt_http_buf_add(b, s, 1);
			continue;
		}
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		zt_http_buf_add(b, pct, 3);
	}
}

void
zt_http_buf_free(struct zt_http_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

char *
zt_http_url(const char *base, const char *path)
{
	struct zt_http_buf b = {0};
	size_t bl = strlen(base);

	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	zt_http_buf_add(&b, base, bl);
	zt_http_buf_adds(&b, path);
	return b.p;
}

/* ---- requests -------------------------------------------------------------
 */

static int
is_loopback_host(const char *h)
{
	if (strcmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
	    strcmp(h, "::1") == 0)
		return 1;
	if (strncmp(h, "127.", 4) == 0) {
		for (const char *p = h + 4; *p; p++)
			if (!(isdigit((unsigned char)*p) || *p == '.'))
				return 0;
		return 1;
	}
	return 0;
}

int
zt_http_check_base(const char *prov, const char *base, char *why, size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL)
		zt_oom();
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		snprintf(why, whylen, "%s base url is not a valid url", prov);
	else if (strcasecmp(scheme, "https") == 0)
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && is_loopback_host(host))
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0)
		snprintf(why, whylen,
		    "refusing plain http to %s at a non-loopback host", prov);
	else
		snprintf(why, whylen, "%s base url must be https", prov);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

struct curl_slist *
zt_http_header(struct curl_slist *list, const char *fmt, ...)
{
	struct curl_slist *r;
	va_list ap;
	char *line;
	int n;

	/* vasprintf, not vsnprintf(NULL, 0, …): GCC 12 with UBSan warns
	 * "null format string" on the latter (a false positive) */
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		zt_oom(); /* out of memory (or an impossible length) */
	r = curl_slist_append(list, line);
	explicit_bzero(line, (size_t)n);
	free(line);
	if (r == NULL)
		zt_oom();
	return r;
}

void
zt_http_headers_free(struct curl_slist *list)
{
	for (struct curl_slist *it = list; it != NULL; it = it->next)
		if (it->data != NULL)
			explicit_bzero(it->data, strlen(it->data));
	curl_slist_free_all(list);
}

int
zt_http_prepare(CURL *h, const char *url, long timeout_ms,
    long connect_timeout_ms, char *errbuf, const char *user_agent)
{
	int failed = 0;

	curl_easy_reset(h); /* keeps the connection cache: keep-alive */
	errbuf[0] = '\0';
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (curl_easy_setopt(h, opt, val) != CURLE_OK)                 \
			failed = 1;                                            \
	} while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_USERAGENT, user_agent);
#undef SET
	return failed ? -1 : 0;
}

/* Keeps the first c->cap bytes; the rest is read and dropped. */
static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct zt_http_call *c = ud;
	size_t n = size * nmemb, keep = n;

	if (c->resp.len + keep > c->cap) {
		keep = c->resp.len < c->cap ? c->cap - c->resp.len : 0;
		c->too_long = 1;
	}
	if (keep > 0)
		zt_http_buf_add(&c->resp, ptr, keep);
	return n;
}

/* Reads Cache-Control's max-age (cached documents: OpenID discovery, JWKS). */
static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct zt_http_call *c = ud;
	size_t n = size * nmemb;
	char line[512], *v;

	if (n < 14 || n >= sizeof(line) ||
	    strncasecmp(ptr, "cache-control:", 14))
		return n;
	memcpy(line, ptr, n);
	line[n] = '\0';
	for (char *p = line; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strstr(line, "no-store") || strstr(line, "no-cache"))
		c->max_age = 0;
	else if ((v = strstr(line, "max-age=")) != NULL)
		c->max_age = strtol(v + 8, NULL, 10);
	if (c->max_age < -1)
		c->max_age = 0;
	return n;
}

int
zt_http_perform(struct zt_http_call *c, char *why, size_t whylen)
{
	char ebuf[CURL_ERROR_SIZE], lowered[CURL_ERROR_SIZE];
	long ctimeout = c->timeout_ms < ZT_HTTP_CONNECT_TIMEOUT_MS
			    ? c->timeout_ms
			    : ZT_HTTP_CONNECT_TIMEOUT_MS;
	int failed;
	CURLcode cc;

	c->status = 0;
	c->too_long = 0;
	c->max_age = -1;
	c->headers = zt_http_header(c->headers, "Accept: application/json");
	c->headers =
	    zt_http_header(c->headers, "Expect:"); /* no 100-continue */
	if (handle == NULL && (!curl_ready || !(handle = curl_easy_init()))) {
		snprintf(why, whylen,
		    "could not reach %s: cannot initialise libcurl", c->prov);
		return -1;
	}
	failed = zt_http_prepare(handle, c->url, c->timeout_ms, ctimeout, ebuf,
		     c->user_agent) != 0;
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (curl_easy_setopt(handle, opt, val) != CURLE_OK)            \
			failed = 1;                                            \
	} while (0)
	SET(CURLOPT_HTTPHEADER, c->headers);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	if (c->user != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, c->user);
		SET(CURLOPT_PASSWORD, c->pass ? c->pass : "");
	}
	if (c->opensocket != NULL) {
		SET(CURLOPT_OPENSOCKETFUNCTION, c->opensocket);
		SET(CURLOPT_OPENSOCKETDATA, c->opensocket_data);
		SET(CURLOPT_PROXY, "");
	}
	if (c->body != NULL) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, c->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
#undef SET
	if (failed) {
		curl_easy_reset(handle);
		snprintf(why, whylen,
		    "could not reach %s: libcurl refused an option", c->prov);
		return -2;
	}
	cc = curl_easy_perform(handle);
	if (cc == CURLE_OK)
		curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_reset(handle); /* drops its copies of the credentials */
	if (cc != CURLE_OK) {
		zt_http_clean_copy(lowered, sizeof(lowered),
		    ebuf[0] ? ebuf : curl_easy_strerror(cc));
		for (char *p = lowered; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(
		    why, whylen, "could not reach %s: %s", c->prov, lowered);
		return -1;
	}
	return 0;
}

void
zt_http_call_free(struct zt_http_call *c)
{
	zt_http_headers_free(c->headers);
	c->headers = NULL;
	zt_http_buf_free(&c->resp);
}

struct json_object *
zt_http_answer(const struct zt_http_call *c)
{
	if (c->too_long || c->resp.len == 0)
		return NULL;
	return json_tokener_parse(c->resp.p);
}

/* ---- JSON answers ---------------------------------------------------------
 */

/* Field key of o when it has type t, else NULL. */
static json_object *
field(json_object *o, const char *key, json_type t)
{
	json_object *v;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t))
		return v;
	return NULL;
}

json_object *
zt_http_json_obj(json_object *o, const char *key)
{
	return field(o, key, json_type_object);
}

const char *
zt_http_json_str(json_object *o, const char *key)
{
	json_object *v = field(o, key, json_type_string);
	return v ? json_object_get_string(v) : NULL;
}

long long
zt_http_json_int(json_object *o, const char *key)
{
	json_object *v = field(o, key, json_type_int);
	return v ? (long long)json_object_get_int64(v) : 0;
}

int
zt_http_json_bool(json_object *o, const char *key)
{
	json_object *v = field(o, key, json_type_boolean);
	return v ? json_object_get_boolean(v) != 0 : 0;
}

void
zt_http_json_copy(char *dst, size_t dstlen, json_object *o, const char *key)
{
	zt_http_clean_copy(dst, dstlen, zt_http_json_str(o, key));
}
