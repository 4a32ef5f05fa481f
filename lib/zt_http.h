/*
 * zt_http.h - the one provider client: what every outside-provider call
 * over libcurl shares (zt_notify: Resend, Twilio, Gupshup; zt_razorpay).
 *
 * The clients build a request (url, headers, body, credentials) and read
 * the answer; this module owns the rest: which base URLs may be called,
 * the process's one reused easy handle (its connection cache keeps
 * provider connections alive between calls), the timeouts, the error text
 * of a call that got no answer, the growable buffers, header lists that
 * are wiped when freed, redaction of secrets in messages, and reading
 * fields of a JSON answer.
 *
 * libcurl is initialised once per process, before main, in every program
 * that links this file (a constructor; programs without a provider client
 * do not load libcurl at all, see docs/benchmarks.md).
 *
 * Out of memory: like the arena (zt_arena.h), allocation failure aborts
 * the process with a log line (zt_oom); nothing here returns it.
 *
 * Not thread-safe: one easy handle per process (responders and cron
 * programs are single-threaded).
 */
#ifndef ZT_HTTP_H
#define ZT_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

struct json_object;

#define ZT_HTTP_CONNECT_TIMEOUT_MS 3000L /* at most; never above the total */

/* ---- text ---------------------------------------------------------------- */

/* 1 when s holds a control character (below 0x20, or 0x7f); else 0. */
int zt_http_has_ctl(const char *s);

/*
 * Copy provider-supplied text (src may be NULL: "") into dst for a
 * message: printable ASCII only (anything else becomes ' '), truncated to
 * dstlen - 1 bytes, always terminated when dstlen > 0.
 */
void zt_http_clean_copy(char *dst, size_t dstlen, const char *src);

/*
 * Replace every occurrence of secret in s, in place, with "***".  A
 * secret that is NULL or shorter than 4 bytes is left alone (it would
 * blank out ordinary words).
 */
void zt_http_redact(char *s, const char *secret);

/* ---- buffers ------------------------------------------------------------- */

/* A growable byte string, always NUL-terminated once anything was added. */
struct zt_http_buf {
	char *p; /* NULL until the first add */
	size_t len, cap;
};

void zt_http_buf_add(struct zt_http_buf *b, const char *s, size_t n);
void zt_http_buf_adds(struct zt_http_buf *b, const char *s);
/* Percent-encoded s: all but A-Z a-z 0-9 - . _ ~ (as curl_easy_escape). */
void zt_http_buf_add_escaped(struct zt_http_buf *b, const char *s);
/* Frees and zeroes b. */
void zt_http_buf_free(struct zt_http_buf *b);

/* base without its trailing slashes, then path; free() it. */
char *zt_http_url(const char *base, const char *path);

/* ---- requests ------------------------------------------------------------ */

/*
 * May base be called?  https:// anywhere; http:// only to a loopback host
 * (127.x, localhost, ::1), where tests and the dev stack run their fakes.
 * 0 yes; -1 no, with a lowercase reason naming prov in why.
 */
int zt_http_check_base(
    const char *prov, const char *base, char *why, size_t whylen);

/*
 * Append the header printf(fmt, …) to list and return the new list (the
 * same list when it was not NULL).  The caller has refused control
 * characters in the values (zt_http_has_ctl).  The formatted copy is wiped.
 */
struct curl_slist *zt_http_header(struct curl_slist *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Wipe every header line (they may hold keys), then free the list. */
void zt_http_headers_free(struct curl_slist *list);

/*
 * Reset h (keeping its connection cache, so keep-alive survives) and set
 * the options every provider call uses: url, http/https only, no
 * redirects, no signals, the timeouts, errbuf (CURL_ERROR_SIZE bytes) and
 * user_agent.  The caller adds method, body, auth, headers and the write
 * callback.  0 ok, -1 when libcurl refused an option.
 */
int zt_http_prepare(CURL *h, const char *url, long timeout_ms,
    long connect_timeout_ms, char *errbuf, const char *user_agent);

/* One call: the client fills the request part, zt_http_perform the rest. */
struct zt_http_call {
	const char *prov;	/* "razorpay", "resend", …: for messages */
	const char *user_agent; /* "ztic-razorpay/1 (+libcurl)" */
	const char *url;	/* already checked with zt_http_check_base */
	struct curl_slist *headers; /* zt_http_header; freed by _call_free */
	const char *body;	    /* NULL: GET; else POST of body_len bytes */
	size_t body_len;
	const char *user, *pass; /* HTTP Basic, or user NULL: none */
	long timeout_ms;	 /* total, > 0; connecting takes at most
				    ZT_HTTP_CONNECT_TIMEOUT_MS of it */
	size_t cap;		 /* answer bytes kept, e.g. 64 kB */
	long status;		 /* out: the answer's HTTP status */
	int too_long;		 /* out: the answer passed cap (not kept) */
	struct zt_http_buf resp; /* out: the answer's first cap bytes */
	long max_age;		 /* out: Cache-Control max-age in seconds (0 for
				    no-store / no-cache), -1 when the answer gave none */	/* optional, for URLs a tenant chose (outgoing webhooks): called for
	 * every socket libcurl opens, with the address it will connect to
	 * (CURLOPT_OPENSOCKETFUNCTION), so a name that resolves to a private
	 * address is refused as it is connected; no proxy is used then */
	curl_opensocket_callback opensocket;
	void *opensocket_data;
};

/*
 * Add "Accept: application/json" and "Expect:" to c's headers and run c
 * on the process's easy handle (reset afterwards, so it keeps no
 * credentials).  0: an answer arrived, any status.  No answer:
 * -1 (network, timeout, no handle: worth retrying) or -2 (libcurl refused
 * an option: not), with "could not reach <prov>: <why, lowercase>" in why.
 */
int zt_http_perform(struct zt_http_call *c, char *why, size_t whylen);

/* Frees c's headers and answer. */
void zt_http_call_free(struct zt_http_call *c);

/* The answer as JSON (put it), or NULL: empty, too long or not JSON. */
struct json_object *zt_http_answer(const struct zt_http_call *c);

/* Frees the process's easy handle and libcurl (optional; leak checkers). */
void zt_http_cleanup(void);

/* ---- JSON answers -------------------------------------------------------- */

/*
 * Field key of the object o, when o is an object and the field has the
 * type asked for; else NULL, 0 or "".  o may be NULL.
 */
struct json_object *zt_http_json_obj(struct json_object *o, const char *key);
const char *zt_http_json_str(struct json_object *o, const char *key);
long long zt_http_json_int(struct json_object *o, const char *key);
int zt_http_json_bool(struct json_object *o, const char *key);
/* zt_http_clean_copy of a string field ("" when absent or not a string). */
void zt_http_json_copy(
    char *dst, size_t dstlen, struct json_object *o, const char *key);

#endif
