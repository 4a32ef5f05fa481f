/* zt_razorpay.c - the Razorpay client; see zt_razorpay.h for the contract. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include "zt_razorpay.h"
#include "zt_http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>

#define RESPONSE_CAP (256 * 1024) /* an order's payment list fits easily */
#define CONNECT_TIMEOUT_MS 3000L
#define USER_AGENT "ztic-razorpay/1 (+libcurl)"
#define MAX_NOTES 15
#define MAX_NOTE_LEN 256
#define MAX_RECEIPT 40
#define MIN_AMOUNT 100LL	  /* INR 1.00 */
#define MAX_AMOUNT 100000000000LL /* a sanity bound, far above any fee */

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */
/* ------------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Replace every occurrence of secret in s (in place) with "***". */
static void
redact(char *s, const char *secret)
{
	size_t n;
	char *p;

	if (empty(secret) || (n = strlen(secret)) < 4)
		return;
	while ((p = strstr(s, secret)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

/* Copy provider text for a message: printable ASCII only, bounded. */
static void
clean_copy(char *dst, size_t dstlen, const char *src)
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

static void
err_reset(struct zt_razorpay_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

static void set_err(const struct zt_razorpay_cfg *, struct zt_razorpay_err *,
    long, int, const char *, ...) __attribute__((format(printf, 5, 6)));

static void
set_err(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err,
    long status, int retryable, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->status = status;
	err->retryable = retryable;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (cfg != NULL) {
		redact(err->msg, cfg->key_secret);
		redact(err->msg, cfg->webhook_secret);
		redact(err->code, cfg->key_secret);
		redact(err->field, cfg->key_secret);
	}
}

/*
 * A Razorpay id: prefix "_" then letters and digits, at most
 * ZT_RAZORPAY_ID_MAX - 1 bytes.  Refusing anything else keeps ids out of
 * URL paths unescaped and keeps '|' out of the checkout signature input.
 */
static int
valid_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix), n;

	if (s == NULL || strncmp(s, prefix, pl) != 0 || s[pl] != '_')
		return 0;
	n = strlen(s);
	if (n <= pl + 1 || n >= ZT_RAZORPAY_ID_MAX)
		return 0;
	for (s += pl + 1; *s; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

static int
valid_idem_key(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return n >= 10 && n <= 128;
}

static void
wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* ------------------------------------------------------------------------ */
/* configuration                                                            */
/* ------------------------------------------------------------------------ */

static const char *
base_of(const struct zt_razorpay_cfg *cfg)
{
	return empty(cfg->base_url) ? ZT_RAZORPAY_BASE : cfg->base_url;
}

/* https:// anywhere, http:// only to loopback (the emulator). */
static int
check_base(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err)
{
	char why[160];
	int rc = zt_http_check_base("razorpay", base_of(cfg), why,
	    sizeof(why));
	if (rc == -2)
		set_err(cfg, err, 0, 1,
		    "could not reach razorpay: out of memory");
	else if (rc != 0)
		set_err(cfg, err, 0, 0, "%s", why);
	return rc == 0 ? 0 : -1;
}

static int
check_cfg(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err)
{
	if (cfg == NULL) {
		set_err(NULL, err, 0, 0, "razorpay is not configured");
		return -1;
	}
	if (empty(cfg->key_id) || empty(cfg->key_secret)) {
		set_err(cfg, err, 0, 0,
		    "razorpay is not configured: the key %s is missing",
		    empty(cfg->key_id) ? "id" : "secret");
		return -1;
	}
	if (has_ctl(cfg->key_id) || has_ctl(cfg->key_secret)) {
		set_err(cfg, err, 0, 0,
		    "razorpay credentials contain control characters");
		return -1;
	}
	return check_base(cfg, err);
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */
/* ------------------------------------------------------------------------ */

static CURL *curl_h;
static int curl_inited;

static CURL *
get_handle(void)
{
	if (curl_h != NULL)
		return curl_h;
	if (!curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_inited = 1;
	}
	curl_h = curl_easy_init();
	return curl_h;
}

void
zt_razorpay_cleanup(void)
{
	if (curl_h != NULL) {
		curl_easy_cleanup(curl_h);
		curl_h = NULL;
	}
	if (curl_inited) {
		curl_global_cleanup();
		curl_inited = 0;
	}
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb, keep = n;

	if (b->len >= RESPONSE_CAP) {
		b->oom = 1; /* too long to trust: treat as unreadable */
		return n;
	}
	if (b->len + keep > RESPONSE_CAP) {
		keep = RESPONSE_CAP - b->len;
		b->oom = 1;
	}
	if (buf_add(b, ptr, keep) != 0)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	return n;
}

struct call {
	const char *method; /* "GET" or "POST" */
	const char *path;   /* "/v1/…", ids already validated */
	const char *body;   /* POST only */
	const char *idem;   /* X-Refund-Idempotency, or NULL */
	long status;	    /* out */
	struct buf resp;    /* out */
};

static struct curl_slist *
add_header(struct curl_slist *list, int *oom, const char *line)
{
	struct curl_slist *r;

	if (*oom)
		return list;
	if ((r = curl_slist_append(list, line)) == NULL) {
		*oom = 1;
		return list;
	}
	return r;
}

/* 0: an HTTP answer arrived (any status); -1: none (err is set). */
static int
perform(const struct zt_razorpay_cfg *cfg, struct call *c,
    struct zt_razorpay_err *err)
{
	CURL *h = get_handle();
	struct curl_slist *hd = NULL;
	char ebuf[CURL_ERROR_SIZE], lowered[CURL_ERROR_SIZE], idem[160];
	long timeout =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : ZT_RAZORPAY_TIMEOUT_MS;
	long ctimeout =
	    timeout < CONNECT_TIMEOUT_MS ? timeout : CONNECT_TIMEOUT_MS;
	const char *base = base_of(cfg);
	size_t bl = strlen(base);
	char *url = NULL;
	int oom = 0, failed_setup = 0, rc = -1;
	CURLcode cc;

	if (h == NULL) {
		set_err(cfg, err, 0, 1,
		    "could not reach razorpay: cannot initialise libcurl");
		return -1;
	}
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if ((url = malloc(bl + strlen(c->path) + 1)) == NULL) {
		set_err(
		    cfg, err, 0, 1, "could not reach razorpay: out of memory");
		return -1;
	}
	memcpy(url, base, bl);
	strcpy(url + bl, c->path);

	hd = add_header(hd, &oom, "Accept: application/json");
	hd = add_header(hd, &oom, "Expect:");
	if (c->body != NULL)
		hd = add_header(hd, &oom, "Content-Type: application/json");
	if (c->idem != NULL) {
		snprintf(
		    idem, sizeof(idem), "X-Refund-Idempotency: %s", c->idem);
		hd = add_header(hd, &oom, idem);
	}
	if (oom) {
		set_err(
		    cfg, err, 0, 1, "could not reach razorpay: out of memory");
		goto out;
	}

	if (zt_http_prepare(h, url, timeout, ctimeout, ebuf, USER_AGENT) != 0)
		failed_setup = 1;
#define SET(opt, val)                                                          \
	do {                                                                   \
		if (curl_easy_setopt(h, opt, val) != CURLE_OK)                 \
			failed_setup = 1;                                      \
	} while (0)
	SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SET(CURLOPT_USERNAME, cfg->key_id);
	SET(CURLOPT_PASSWORD, cfg->key_secret);
	SET(CURLOPT_HTTPHEADER, hd);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &c->resp);
	if (c->body != NULL) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, c->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(c->body));
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
#undef SET
	if (failed_setup) {
		curl_easy_reset(h);
		set_err(cfg, err, 0, 0,
		    "could not reach razorpay: libcurl refused an option");
		goto out;
	}
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_reset(h); /* drop its copies of the credentials */
	if (cc != CURLE_OK) {
		clean_copy(lowered, sizeof(lowered),
		    ebuf[0] ? ebuf : curl_easy_strerror(cc));
		for (char *p = lowered; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		set_err(
		    cfg, err, 0, 1, "could not reach razorpay: %s", lowered);
		goto out;
	}
	rc = 0;
out:
	wipe(idem, sizeof(idem));
	curl_slist_free_all(hd);
	free(url);
	return rc;
}

static int
retryable_status(long s)
{
	return s == 408 || s == 409 || s == 425 || s == 429 || s >= 500;
}

static json_object *
get_obj(json_object *o, const char *key)
{
	json_object *v;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_object))
		return v;
	return NULL;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static long long
get_int(json_object *o, const char *key)
{
	json_object *v;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_int))
		return (long long)json_object_get_int64(v);
	return 0;
}

static int
get_bool(json_object *o, const char *key)
{
	json_object *v;

	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/* Copies a string field ("" when absent or null). */
static void
get_copy(char *dst, size_t n, json_object *o, const char *key)
{
	clean_copy(dst, n, get_str(o, key));
}

/* Non-2xx: "razorpay answered 400: The amount must be … (field amount)" */
static void
answered_err(const struct zt_razorpay_cfg *cfg, const struct call *c,
    json_object *o, struct zt_razorpay_err *err)
{
	json_object *e = get_obj(o, "error");
	char detail[200];
	const char *d = get_str(e, "description");

	if (err == NULL)
		return;
	clean_copy(err->code, sizeof(err->code), get_str(e, "code"));
	clean_copy(err->field, sizeof(err->field), get_str(e, "field"));
	clean_copy(detail, sizeof(detail), d);
	if (detail[0] && err->field[0])
		set_err(cfg, err, c->status, retryable_status(c->status),
		    "razorpay answered %ld: %s (field %s)", c->status, detail,
		    err->field);
	else if (detail[0])
		set_err(cfg, err, c->status, retryable_status(c->status),
		    "razorpay answered %ld: %s", c->status, detail);
	else
		set_err(cfg, err, c->status, retryable_status(c->status),
		    "razorpay answered %ld", c->status);
}

/*
 * Runs the call; on a 2xx answer that is a JSON object whose "entity" is
 * entity, returns 0 and *out (the caller puts it).  Else -1 and err.
 */
static int
run(const struct zt_razorpay_cfg *cfg, struct call *c, const char *entity,
    json_object **out, struct zt_razorpay_err *err)
{
	json_object *o = NULL;
	const char *ent;

	*out = NULL;
	if (perform(cfg, c, err) != 0)
		return -1;
	if (!c->resp.oom && c->resp.p != NULL)
		o = json_tokener_parse(c->resp.p);
	if (c->status < 200 || c->status > 299) {
		answered_err(cfg, c, o, err);
		json_object_put(o);
		return -1;
	}
	ent = get_str(o, "entity");
	if (o == NULL || ent == NULL || strcmp(ent, entity) != 0) {
		set_err(cfg, err, c->status, 1,
		    "razorpay answered %ld but not with %s %s", c->status,
		    strcmp(entity, "order") == 0 ? "an" : "a", entity);
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* entities                                                                 */
/* ------------------------------------------------------------------------ */

/* The id must be there, fit, and look like an id: else the parse fails. */
static int
get_id(char *dst, json_object *o, const char *key, const char *prefix)
{
	const char *s = get_str(o, key);

	dst[0] = '\0';
	if (!valid_id(s, prefix))
		return -1;
	strcpy(dst, s);
	return 0;
}

static int
parse_order(json_object *o, struct zt_razorpay_order *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "order") != 0)
		return -1;
	get_copy(out->status, sizeof(out->status), o, "status");
	get_copy(out->currency, sizeof(out->currency), o, "currency");
	get_copy(out->receipt, sizeof(out->receipt), o, "receipt");
	out->amount = get_int(o, "amount");
	out->amount_paid = get_int(o, "amount_paid");
	out->amount_due = get_int(o, "amount_due");
	out->attempts = (int)get_int(o, "attempts");
	out->created_at = get_int(o, "created_at");
	return 0;
}

static int
parse_payment(json_object *o, struct zt_razorpay_payment *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "pay") != 0)
		return -1;
	if (get_str(o, "order_id") != NULL &&
	    get_id(out->order_id, o, "order_id", "order") != 0)
		return -1;
	get_copy(out->status, sizeof(out->status), o, "status");
	get_copy(out->method, sizeof(out->method), o, "method");
	get_copy(out->currency, sizeof(out->currency), o, "currency");
	get_copy(
	    out->refund_status, sizeof(out->refund_status), o, "refund_status");
	get_copy(out->error_code, sizeof(out->error_code), o, "error_code");
	get_copy(
	    out->error_reason, sizeof(out->error_reason), o, "error_reason");
	get_copy(out->error_description, sizeof(out->error_description), o,
	    "error_description");
	out->amount = get_int(o, "amount");
	out->amount_refunded = get_int(o, "amount_refunded");
	out->fee = get_int(o, "fee");
	out->tax = get_int(o, "tax");
	out->captured = get_bool(o, "captured");
	out->created_at = get_int(o, "created_at");
	return 0;
}

static int
parse_refund(json_object *o, struct zt_razorpay_refund *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "rfnd") != 0 ||
	    get_id(out->payment_id, o, "payment_id", "pay") != 0)
		return -1;
	get_copy(out->status, sizeof(out->status), o, "status");
	get_copy(out->currency, sizeof(out->currency), o, "currency");
	get_copy(out->receipt, sizeof(out->receipt), o, "receipt");
	get_copy(out->speed_processed, sizeof(out->speed_processed), o,
	    "speed_processed");
	out->amount = get_int(o, "amount");
	out->created_at = get_int(o, "created_at");
	return 0;
}

static int
bad_entity(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err,
    const char *what)
{
	set_err(cfg, err, 200, 1,
	    "razorpay answered 200 but the %s could not be read", what);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* request bodies                                                           */
/* ------------------------------------------------------------------------ */

static int
check_amount(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err,
    long long amount)
{
	if (amount < MIN_AMOUNT || amount > MAX_AMOUNT) {
		set_err(cfg, err, 0, 0,
		    "amount must be from %lld to %lld paise, not %lld",
		    MIN_AMOUNT, MAX_AMOUNT, amount);
		return -1;
	}
	return 0;
}

static int
check_receipt(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err,
    const char *receipt)
{
	if (receipt != NULL &&
	    (strlen(receipt) > MAX_RECEIPT || has_ctl(receipt))) {
		set_err(cfg, err, 0, 0,
		    "receipt must be at most %d printable characters",
		    MAX_RECEIPT);
		return -1;
	}
	return 0;
}

/* Adds "notes" to o; -1 with err on bad notes or out of memory. */
static int
add_notes(const struct zt_razorpay_cfg *cfg, struct zt_razorpay_err *err,
    json_object *o, const struct zt_razorpay_note *notes, size_t n)
{
	json_object *jn, *v;

	if (n == 0)
		return 0;
	if (notes == NULL || n > MAX_NOTES) {
		set_err(cfg, err, 0, 0, "notes: at most %d key/value pairs",
		    MAX_NOTES);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (empty(notes[i].key) || notes[i].value == NULL ||
		    strlen(notes[i].key) > MAX_NOTE_LEN ||
		    strlen(notes[i].value) > MAX_NOTE_LEN) {
			set_err(cfg, err, 0, 0,
			    "notes: keys must be 1-%d and values 0-%d "
			    "characters",
			    MAX_NOTE_LEN, MAX_NOTE_LEN);
			return -1;
		}
	if ((jn = json_object_new_object()) == NULL)
		goto oom;
	json_object_object_add(o, "notes", jn);
	for (size_t i = 0; i < n; i++) {
		if ((v = json_object_new_string(notes[i].value)) == NULL)
			goto oom;
		if (json_object_object_add(jn, notes[i].key, v) != 0) {
			json_object_put(v);
			goto oom;
		}
	}
	return 0;
oom:
	set_err(cfg, err, 0, 1, "could not reach razorpay: out of memory");
	return -1;
}

static const char *
to_json(json_object *o)
{
	return json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ------------------------------------------------------------------------ */
/* the API                                                                  */
/* ------------------------------------------------------------------------ */

int
zt_razorpay_order_create(const struct zt_razorpay_cfg *cfg, long long amount,
    const char *receipt, const struct zt_razorpay_note *notes, size_t nnotes,
    struct zt_razorpay_order *out, struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST", .path = "/v1/orders"};
	json_object *body = NULL, *ans = NULL, *v;
	int rc = -1;

	err_reset(err);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the order");
		return -1;
	}
	if (check_cfg(cfg, err) != 0 || check_amount(cfg, err, amount) != 0 ||
	    check_receipt(cfg, err, receipt) != 0)
		return -1;
	if ((body = json_object_new_object()) == NULL)
		goto oom;
	if ((v = json_object_new_int64(amount)) == NULL)
		goto oom;
	json_object_object_add(body, "amount", v);
	if ((v = json_object_new_string("INR")) == NULL)
		goto oom;
	json_object_object_add(body, "currency", v);
	if (receipt != NULL) {
		if ((v = json_object_new_string(receipt)) == NULL)
			goto oom;
		json_object_object_add(body, "receipt", v);
	}
	if (add_notes(cfg, err, body, notes, nnotes) != 0)
		goto out;
	if ((c.body = to_json(body)) == NULL)
		goto oom;
	if (run(cfg, &c, "order", &ans, err) != 0)
		goto out;
	if (parse_order(ans, out) != 0) {
		bad_entity(cfg, err, "order");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	set_err(cfg, err, 0, 1, "could not reach razorpay: out of memory");
out:
	json_object_put(ans);
	json_object_put(body);
	buf_free(&c.resp);
	return rc;
}

/* GET path -> entity; shared by the fetch functions. */
static int
fetch(const struct zt_razorpay_cfg *cfg, const char *what, const char *id,
    const char *prefix, const char *fmt, const char *entity, json_object **ans,
    struct zt_razorpay_err *err)
{
	struct call c = {.method = "GET"};
	char path[160];
	int rc;

	*ans = NULL;
	if (check_cfg(cfg, err) != 0)
		return -1;
	if (!valid_id(id, prefix)) {
		set_err(cfg, err, 0, 0, "invalid %s id", what);
		return -1;
	}
	snprintf(path, sizeof(path), fmt, id);
	c.path = path;
	rc = run(cfg, &c, entity, ans, err);
	buf_free(&c.resp);
	return rc;
}

int
zt_razorpay_order_fetch(const struct zt_razorpay_cfg *cfg, const char *order_id,
    struct zt_razorpay_order *out, struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc = -1;

	err_reset(err);
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the order");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (fetch(cfg, "order", order_id, "order", "/v1/orders/%s", "order",
		&ans, err) != 0)
		return -1;
	if (parse_order(ans, out) != 0)
		bad_entity(cfg, err, "order");
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_order_payments(const struct zt_razorpay_cfg *cfg,
    const char *order_id, struct zt_razorpay_payment *items, size_t max,
    size_t *count, struct zt_razorpay_err *err)
{
	json_object *ans, *arr;
	size_t n;
	int rc = -1;

	err_reset(err);
	if (count != NULL)
		*count = 0;
	if (count == NULL || (items == NULL && max > 0)) {
		set_err(cfg, err, 0, 0, "no place for the payments");
		return -1;
	}
	if (fetch(cfg, "order", order_id, "order", "/v1/orders/%s/payments",
		"collection", &ans, err) != 0)
		return -1;
	if (!json_object_object_get_ex(ans, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		bad_entity(cfg, err, "payment list");
		goto out;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n && i < max; i++)
		if (parse_payment(
			json_object_array_get_idx(arr, i), &items[i]) != 0) {
			bad_entity(cfg, err, "payment list");
			goto out;
		}
	*count = n;
	rc = 0;
out:
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_payment_fetch(const struct zt_razorpay_cfg *cfg,
    const char *payment_id, struct zt_razorpay_payment *out,
    struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc = -1;

	err_reset(err);
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the payment");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (fetch(cfg, "payment", payment_id, "pay", "/v1/payments/%s",
		"payment", &ans, err) != 0)
		return -1;
	if (parse_payment(ans, out) != 0)
		bad_entity(cfg, err, "payment");
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_payment_capture(const struct zt_razorpay_cfg *cfg,
    const char *payment_id, long long amount, struct zt_razorpay_payment *out,
    struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST"};
	struct zt_razorpay_payment tmp;
	json_object *body = NULL, *ans = NULL, *v;
	char path[160];
	int rc = -1;

	err_reset(err);
	if (out == NULL)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	if (check_cfg(cfg, err) != 0 || check_amount(cfg, err, amount) != 0)
		return -1;
	if (!valid_id(payment_id, "pay")) {
		set_err(cfg, err, 0, 0, "invalid payment id");
		return -1;
	}
	snprintf(path, sizeof(path), "/v1/payments/%s/capture", payment_id);
	c.path = path;
	if ((body = json_object_new_object()) == NULL ||
	    (v = json_object_new_int64(amount)) == NULL)
		goto oom;
	json_object_object_add(body, "amount", v);
	if ((v = json_object_new_string("INR")) == NULL)
		goto oom;
	json_object_object_add(body, "currency", v);
	if ((c.body = to_json(body)) == NULL)
		goto oom;
	if (run(cfg, &c, "payment", &ans, err) != 0)
		goto out;
	if (parse_payment(ans, out) != 0) {
		bad_entity(cfg, err, "payment");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	set_err(cfg, err, 0, 1, "could not reach razorpay: out of memory");
out:
	json_object_put(ans);
	json_object_put(body);
	buf_free(&c.resp);
	return rc;
}

int
zt_razorpay_refund_create(const struct zt_razorpay_cfg *cfg,
    const struct zt_razorpay_refund_req *req, struct zt_razorpay_refund *out,
    struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST"};
	json_object *body = NULL, *ans = NULL, *v;
	char path[160];
	int rc = -1;

	err_reset(err);
	if (out == NULL || req == NULL) {
		set_err(cfg, err, 0, 0, "no refund request or no place for it");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (check_cfg(cfg, err) != 0)
		return -1;
	if (!valid_id(req->payment_id, "pay")) {
		set_err(cfg, err, 0, 0, "invalid payment id");
		return -1;
	}
	if (req->amount != 0 && check_amount(cfg, err, req->amount) != 0)
		return -1;
	if (req->idempotency_key != NULL &&
	    !valid_idem_key(req->idempotency_key)) {
		set_err(cfg, err, 0, 0,
		    "idempotency key must be 10-128 letters, digits, '-' or "
		    "'_'");
		return -1;
	}
	if (req->speed != NULL && strcmp(req->speed, "normal") != 0 &&
	    strcmp(req->speed, "optimum") != 0) {
		set_err(
		    cfg, err, 0, 0, "refund speed must be normal or optimum");
		return -1;
	}
	if (check_receipt(cfg, err, req->receipt) != 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/payments/%s/refund", req->payment_id);
	c.path = path;
	c.idem = req->idempotency_key;
	if ((body = json_object_new_object()) == NULL)
		goto oom;
	if (req->amount != 0) {
		if ((v = json_object_new_int64(req->amount)) == NULL)
			goto oom;
		json_object_object_add(body, "amount", v);
	}
	if ((v = json_object_new_string(req->speed ? req->speed : "normal")) ==
	    NULL)
		goto oom;
	json_object_object_add(body, "speed", v);
	if (req->receipt != NULL) {
		if ((v = json_object_new_string(req->receipt)) == NULL)
			goto oom;
		json_object_object_add(body, "receipt", v);
	}
	if (add_notes(cfg, err, body, req->notes, req->nnotes) != 0)
		goto out;
	if ((c.body = to_json(body)) == NULL)
		goto oom;
	if (run(cfg, &c, "refund", &ans, err) != 0)
		goto out;
	if (parse_refund(ans, out) != 0) {
		bad_entity(cfg, err, "refund");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	set_err(cfg, err, 0, 1, "could not reach razorpay: out of memory");
out:
	json_object_put(ans);
	json_object_put(body);
	buf_free(&c.resp);
	return rc;
}

int
zt_razorpay_refund_fetch(const struct zt_razorpay_cfg *cfg,
    const char *refund_id, struct zt_razorpay_refund *out,
    struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc = -1;

	err_reset(err);
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the refund");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (fetch(cfg, "refund", refund_id, "rfnd", "/v1/refunds/%s", "refund",
		&ans, err) != 0)
		return -1;
	if (parse_refund(ans, out) != 0)
		bad_entity(cfg, err, "refund");
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* signatures                                                               */
/* ------------------------------------------------------------------------ */

struct part {
	const void *p;
	size_t n;
};

/*
 * 1 when sig_hex is exactly 64 hex digits spelling HMAC-SHA256(secret,
 * parts…).  libsodium's _init/_update/_final take a key of any length
 * (crypto_auth_hmacsha256 itself wants exactly 32 bytes).
 */
static int
hmac_matches(const char *secret, const struct part *parts, size_t nparts,
    const char *sig_hex)
{
	crypto_auth_hmacsha256_state st;
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES];
	const char *end = NULL;
	size_t bin_len = 0;
	int ok;

	if (empty(secret) || sig_hex == NULL ||
	    strnlen(sig_hex, 2 * sizeof(got) + 1) != 2 * sizeof(got))
		return 0;
	if (sodium_init() < 0)
		return 0;
	if (sodium_hex2bin(got, sizeof(got), sig_hex, 2 * sizeof(got), NULL,
		&bin_len, &end) != 0 ||
	    bin_len != sizeof(got) || end != sig_hex + 2 * sizeof(got))
		return 0;
	crypto_auth_hmacsha256_init(
	    &st, (const unsigned char *)secret, strlen(secret));
	for (size_t i = 0; i < nparts; i++)
		crypto_auth_hmacsha256_update(&st, parts[i].p, parts[i].n);
	crypto_auth_hmacsha256_final(&st, want);
	ok = sodium_memcmp(want, got, sizeof(want)) == 0;
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(want, sizeof(want));
	return ok;
}

int
zt_razorpay_verify_checkout(const struct zt_razorpay_cfg *cfg,
    const char *order_id, const char *payment_id, const char *signature_hex)
{
	struct part parts[3];

	if (cfg == NULL || !valid_id(order_id, "order") ||
	    !valid_id(payment_id, "pay"))
		return 0;
	parts[0] = (struct part){order_id, strlen(order_id)};
	parts[1] = (struct part){"|", 1};
	parts[2] = (struct part){payment_id, strlen(payment_id)};
	return hmac_matches(cfg->key_secret, parts, 3, signature_hex);
}

int
zt_razorpay_verify_webhook(const struct zt_razorpay_cfg *cfg,
    const char *raw_body, size_t len, const char *signature_hex)
{
	struct part part = {raw_body, len};

	if (cfg == NULL || (raw_body == NULL && len > 0))
		return 0;
	if (raw_body == NULL)
		part.p = "";
	return hmac_matches(cfg->webhook_secret, &part, 1, signature_hex);
}

/* ------------------------------------------------------------------------ */
/* webhook bodies                                                           */
/* ------------------------------------------------------------------------ */

int
zt_razorpay_event_parse(const char *body, size_t len,
    struct zt_razorpay_event *ev, struct zt_razorpay_err *err)
{
	struct json_tokener *tok = NULL;
	json_object *o = NULL, *payload, *ent;
	const char *what = "event";
	int rc = -1;

	err_reset(err);
	if (ev == NULL || (body == NULL && len > 0)) {
		set_err(NULL, err, 0, 0, "no webhook body or no place for it");
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	if (len > (size_t)RESPONSE_CAP || (tok = json_tokener_new()) == NULL)
		goto bad;
	o = json_tokener_parse_ex(tok, body ? body : "", (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto bad;
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!isspace((unsigned char)body[i]))
			goto bad; /* trailing bytes after the JSON */
	if (get_str(o, "entity") == NULL ||
	    strcmp(get_str(o, "entity"), "event") != 0 ||
	    empty(get_str(o, "event")))
		goto bad;
	get_copy(ev->event, sizeof(ev->event), o, "event");
	get_copy(ev->account_id, sizeof(ev->account_id), o, "account_id");
	ev->created_at = get_int(o, "created_at");
	payload = get_obj(o, "payload");
	if ((ent = get_obj(get_obj(payload, "payment"), "entity")) != NULL) {
		what = "payment";
		if (parse_payment(ent, &ev->payment) != 0)
			goto bad;
		ev->has_payment = 1;
	}
	if ((ent = get_obj(get_obj(payload, "order"), "entity")) != NULL) {
		what = "order";
		if (parse_order(ent, &ev->order) != 0)
			goto bad;
		ev->has_order = 1;
	}
	if ((ent = get_obj(get_obj(payload, "refund"), "entity")) != NULL) {
		what = "refund";
		if (parse_refund(ent, &ev->refund) != 0)
			goto bad;
		ev->has_refund = 1;
	}
	rc = 0;
	goto out;
bad:
	if (strcmp(what, "event") == 0)
		set_err(
		    NULL, err, 0, 0, "webhook body is not a razorpay event");
	else
		set_err(NULL, err, 0, 0,
		    "webhook body carries a %s that could not be read", what);
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}
