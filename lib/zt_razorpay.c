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

#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>

#define RESPONSE_CAP (256 * 1024) /* an order's payment list fits easily */
#define USER_AGENT "ztic-razorpay/1 (+libcurl)"
#define MAX_NOTES 15
#define MAX_NOTE_LEN 256
#define MAX_RECEIPT 40
#define MIN_AMOUNT 100LL	  /* INR 1.00 */
#define MAX_AMOUNT 100000000000LL /* a sanity bound, far above any fee */

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */
/* ------------------------------------------------------------------------ */

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
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
		zt_http_redact(err->msg, cfg->key_secret);
		zt_http_redact(err->msg, cfg->webhook_secret);
		zt_http_redact(err->code, cfg->key_secret);
		zt_http_redact(err->field, cfg->key_secret);
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

	if (zt_http_check_base("razorpay", base_of(cfg), why, sizeof(why)) == 0)
		return 0;
	set_err(cfg, err, 0, 0, "%s", why);
	return -1;
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
	if (zt_http_has_ctl(cfg->key_id) || zt_http_has_ctl(cfg->key_secret)) {
		set_err(cfg, err, 0, 0,
		    "razorpay credentials contain control characters");
		return -1;
	}
	return check_base(cfg, err);
}

/* ------------------------------------------------------------------------ */
/* HTTP (lib/zt_http.c)                                                     */
/* ------------------------------------------------------------------------ */

struct call {
	const char *method;	  /* "GET" or "POST" (with body) */
	const char *path;	  /* "/v1/…", ids already validated */
	const char *body;	  /* POST only */
	const char *idem;	  /* X-Refund-Idempotency, or NULL */
	const char *idem_header;  /* NULL: X-Refund-Idempotency */
	struct zt_http_call http; /* status and answer */
};

/* 0: an HTTP answer arrived (any status); -1: none (err is set). */
static int
perform(const struct zt_razorpay_cfg *cfg, struct call *c,
    struct zt_razorpay_err *err)
{
	struct zt_http_call *h = &c->http;
	char why[CURL_ERROR_SIZE + 64];
	char *url = zt_http_url(base_of(cfg), c->path);
	int rc;

	h->prov = "razorpay";
	h->user_agent = USER_AGENT;
	h->url = url;
	h->user = cfg->key_id;
	h->pass = cfg->key_secret;
	h->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : ZT_RAZORPAY_TIMEOUT_MS;
	h->cap = RESPONSE_CAP;
	if (c->body != NULL) {
		h->body = c->body;
		h->body_len = strlen(c->body);
		h->headers = zt_http_header(
		    h->headers, "Content-Type: application/json");
	}
	if (c->idem != NULL)
		h->headers = zt_http_header(h->headers, "%s: %s",
		    c->idem_header ? c->idem_header : "X-Refund-Idempotency",
		    c->idem);
	rc = zt_http_perform(h, why, sizeof(why));
	if (rc != 0)
		set_err(cfg, err, 0, rc == -1, "%s", why);
	free(url);
	return rc == 0 ? 0 : -1;
}

static int
retryable_status(long s)
{
	return s == 408 || s == 409 || s == 425 || s == 429 || s >= 500;
}

/* Non-2xx: "razorpay answered 400: The amount must be … (field amount)" */
static void
answered_err(const struct zt_razorpay_cfg *cfg, const struct call *c,
    json_object *o, struct zt_razorpay_err *err)
{
	json_object *e = zt_http_json_obj(o, "error");
	char detail[200];
	const char *d = zt_http_json_str(e, "description");

	if (err == NULL)
		return;
	zt_http_clean_copy(
	    err->code, sizeof(err->code), zt_http_json_str(e, "code"));
	zt_http_clean_copy(
	    err->field, sizeof(err->field), zt_http_json_str(e, "field"));
	zt_http_clean_copy(detail, sizeof(detail), d);
	if (detail[0] && err->field[0])
		set_err(cfg, err, c->http.status,
		    retryable_status(c->http.status),
		    "razorpay answered %ld: %s (field %s)", c->http.status,
		    detail, err->field);
	else if (detail[0])
		set_err(cfg, err, c->http.status,
		    retryable_status(c->http.status),
		    "razorpay answered %ld: %s", c->http.status, detail);
	else
		set_err(cfg, err, c->http.status,
		    retryable_status(c->http.status), "razorpay answered %ld",
		    c->http.status);
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
	o = zt_http_answer(&c->http);
	if (c->http.status < 200 || c->http.status > 299) {
		answered_err(cfg, c, o, err);
		json_object_put(o);
		return -1;
	}
	ent = zt_http_json_str(o, "entity");
	if (o == NULL || ent == NULL || strcmp(ent, entity) != 0) {
		set_err(cfg, err, c->http.status, 1,
		    "razorpay answered %ld but not with %s %s", c->http.status,
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
	const char *s = zt_http_json_str(o, key);

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
	zt_http_json_copy(out->status, sizeof(out->status), o, "status");
	zt_http_json_copy(out->currency, sizeof(out->currency), o, "currency");
	zt_http_json_copy(out->receipt, sizeof(out->receipt), o, "receipt");
	out->amount = zt_http_json_int(o, "amount");
	out->amount_paid = zt_http_json_int(o, "amount_paid");
	out->amount_due = zt_http_json_int(o, "amount_due");
	out->attempts = (int)zt_http_json_int(o, "attempts");
	out->created_at = zt_http_json_int(o, "created_at");
	return 0;
}

static int
parse_payment(json_object *o, struct zt_razorpay_payment *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "pay") != 0)
		return -1;
	if (zt_http_json_str(o, "order_id") != NULL &&
	    get_id(out->order_id, o, "order_id", "order") != 0)
		return -1;
	zt_http_json_copy(out->status, sizeof(out->status), o, "status");
	zt_http_json_copy(out->method, sizeof(out->method), o, "method");
	zt_http_json_copy(out->currency, sizeof(out->currency), o, "currency");
	zt_http_json_copy(
	    out->refund_status, sizeof(out->refund_status), o, "refund_status");
	zt_http_json_copy(
	    out->error_code, sizeof(out->error_code), o, "error_code");
	zt_http_json_copy(
	    out->error_reason, sizeof(out->error_reason), o, "error_reason");
	zt_http_json_copy(out->error_description,
	    sizeof(out->error_description), o, "error_description");
	out->amount = zt_http_json_int(o, "amount");
	out->amount_refunded = zt_http_json_int(o, "amount_refunded");
	out->fee = zt_http_json_int(o, "fee");
	out->tax = zt_http_json_int(o, "tax");
	out->captured = zt_http_json_bool(o, "captured");
	out->created_at = zt_http_json_int(o, "created_at");
	return 0;
}

static int
parse_refund(json_object *o, struct zt_razorpay_refund *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "rfnd") != 0 ||
	    get_id(out->payment_id, o, "payment_id", "pay") != 0)
		return -1;
	zt_http_json_copy(out->status, sizeof(out->status), o, "status");
	zt_http_json_copy(out->currency, sizeof(out->currency), o, "currency");
	zt_http_json_copy(out->receipt, sizeof(out->receipt), o, "receipt");
	zt_http_json_copy(out->speed_processed, sizeof(out->speed_processed), o,
	    "speed_processed");
	out->amount = zt_http_json_int(o, "amount");
	out->created_at = zt_http_json_int(o, "created_at");
	return 0;
}

static int
parse_transfer(json_object *o, struct zt_razorpay_transfer *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "trf") != 0)
		return -1;
	zt_http_json_copy(
	    out->recipient, sizeof(out->recipient), o, "recipient");
	zt_http_json_copy(out->status, sizeof(out->status), o, "status");
	out->amount = zt_http_json_int(o, "amount");
	out->amount_reversed = zt_http_json_int(o, "amount_reversed");
	out->fees = zt_http_json_int(o, "fees");
	out->created_at = zt_http_json_int(o, "created_at");
	return 0;
}

static int
parse_payout(json_object *o, struct zt_razorpay_payout *out)
{
	memset(out, 0, sizeof(*out));
	if (get_id(out->id, o, "id", "pout") != 0)
		return -1;
	zt_http_json_copy(out->fund_account_id, sizeof(out->fund_account_id), o,
	    "fund_account_id");
	zt_http_json_copy(out->status, sizeof(out->status), o, "status");
	zt_http_json_copy(out->reason, sizeof(out->reason),
	    zt_http_json_obj(o, "status_details"), "description");
	out->amount = zt_http_json_int(o, "amount");
	out->fees = zt_http_json_int(o, "fees");
	out->created_at = zt_http_json_int(o, "created_at");
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
	    (strlen(receipt) > MAX_RECEIPT || zt_http_has_ctl(receipt))) {
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
	zt_http_call_free(&c.http);
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
	zt_http_call_free(&c.http);
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

/* A collection of payments into items (up to max), *count the number
 * Razorpay listed.  0, or -1 (err). */
static int
payment_list(const struct zt_razorpay_cfg *cfg, json_object *ans,
    struct zt_razorpay_payment *items, size_t max, size_t *count,
    struct zt_razorpay_err *err)
{
	json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(ans, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		bad_entity(cfg, err, "payment list");
		return -1;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n && i < max; i++)
		if (parse_payment(
			json_object_array_get_idx(arr, i), &items[i]) != 0) {
			bad_entity(cfg, err, "payment list");
			return -1;
		}
	*count = n;
	return 0;
}

int
zt_razorpay_order_payments(const struct zt_razorpay_cfg *cfg,
    const char *order_id, struct zt_razorpay_payment *items, size_t max,
    size_t *count, struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc;

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
	rc = payment_list(cfg, ans, items, max, count, err);
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_payments_list(const struct zt_razorpay_cfg *cfg, long long from,
    long long to, int skip, struct zt_razorpay_payment *items, size_t max,
    size_t *count, struct zt_razorpay_err *err)
{
	struct call c = {.method = "GET"};
	json_object *ans = NULL;
	char path[160];
	int rc = -1;

	err_reset(err);
	if (count != NULL)
		*count = 0;
	if (count == NULL || items == NULL || max == 0 || max > 100 ||
	    from < 0 || to < from || skip < 0) {
		set_err(cfg, err, 0, 0, "bad payment list request");
		return -1;
	}
	if (check_cfg(cfg, err) != 0)
		return -1;
	snprintf(path, sizeof(path),
	    "/v1/payments?from=%lld&to=%lld&count=%zu&skip=%d", from, to, max,
	    skip);
	c.path = path;
	if (run(cfg, &c, "collection", &ans, err) == 0)
		rc = payment_list(cfg, ans, items, max, count, err);
	json_object_put(ans);
	zt_http_call_free(&c.http);
	return rc;
}

int
zt_razorpay_recon_day(const struct zt_razorpay_cfg *cfg, int year, int month,
    int day, int count, int skip, struct zt_razorpay_recon_item *items,
    size_t max, size_t *n, struct zt_razorpay_err *err)
{
	struct call c = {.method = "GET"};
	char path[160];
	json_object *ans = NULL, *list;
	int rc = -1;

	err_reset(err);
	*n = 0;
	if (check_cfg(cfg, err) != 0)
		return -1;
	snprintf(path, sizeof(path),
	    "/v1/settlements/recon/combined?year=%04d&month=%02d&day=%02d"
	    "&count=%d&skip=%d",
	    year, month, day, count, skip);
	c.path = path;
	if (run(cfg, &c, "collection", &ans, err) != 0)
		goto out;
	if (!json_object_object_get_ex(ans, "items", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		bad_entity(cfg, err, "settlement report");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(list) && *n < max;
	     i++) {
		json_object *o = json_object_array_get_idx(list, i);
		struct zt_razorpay_recon_item *it = &items[(*n)++];
		memset(it, 0, sizeof(*it));
		zt_http_json_copy(
		    it->entity_id, sizeof(it->entity_id), o, "entity_id");
		zt_http_json_copy(it->type, sizeof(it->type), o, "type");
		zt_http_json_copy(
		    it->payment_id, sizeof(it->payment_id), o, "payment_id");
		zt_http_json_copy(
		    it->order_id, sizeof(it->order_id), o, "order_id");
		zt_http_json_copy(it->settlement_id, sizeof(it->settlement_id),
		    o, "settlement_id");
		it->amount = zt_http_json_int(o, "amount");
		it->credit = zt_http_json_int(o, "credit");
		it->debit = zt_http_json_int(o, "debit");
		it->fee = zt_http_json_int(o, "fee");
		it->tax = zt_http_json_int(o, "tax");
	}
	rc = 0;
out:
	json_object_put(ans);
	zt_http_call_free(&c.http);
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
	zt_http_call_free(&c.http);
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
	zt_http_call_free(&c.http);
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

int
zt_razorpay_transfer_create(const struct zt_razorpay_cfg *cfg,
    const char *account, long long amount, const char *idempotency_key,
    struct zt_razorpay_transfer *out, struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST",
	    .path = "/v1/transfers",
	    .idem = idempotency_key,
	    .idem_header = "X-Transfer-Idempotency"};
	json_object *body = NULL, *ans = NULL;
	int rc = -1;

	err_reset(err);
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the transfer");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (check_cfg(cfg, err) != 0 || check_amount(cfg, err, amount) != 0)
		return -1;
	if (!valid_id(account, "acc")) {
		set_err(cfg, err, 0, 0, "invalid linked account id");
		return -1;
	}
	if (idempotency_key == NULL || !valid_idem_key(idempotency_key)) {
		set_err(cfg, err, 0, 0,
		    "idempotency key must be 10-128 letters, digits, '-' or "
		    "'_'");
		return -1;
	}
	if ((body = json_object_new_object()) == NULL)
		goto oom;
	json_object_object_add(
	    body, "account", json_object_new_string(account));
	json_object_object_add(body, "amount", json_object_new_int64(amount));
	json_object_object_add(body, "currency", json_object_new_string("INR"));
	if ((c.body = to_json(body)) == NULL)
		goto oom;
	if (run(cfg, &c, "transfer", &ans, err) != 0)
		goto out;
	if (parse_transfer(ans, out) != 0) {
		bad_entity(cfg, err, "transfer");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	set_err(cfg, err, 0, 1, "could not reach razorpay: out of memory");
out:
	json_object_put(ans);
	json_object_put(body);
	zt_http_call_free(&c.http);
	return rc;
}

int
zt_razorpay_transfer_fetch(const struct zt_razorpay_cfg *cfg,
    const char *transfer_id, struct zt_razorpay_transfer *out,
    struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc = -1;

	err_reset(err);
	if (out == NULL) {
		set_err(cfg, err, 0, 0, "no place for the transfer");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (fetch(cfg, "transfer", transfer_id, "trf", "/v1/transfers/%s",
		"transfer", &ans, err) != 0)
		return -1;
	if (parse_transfer(ans, out) != 0)
		bad_entity(cfg, err, "transfer");
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

/* POST c with body (taken) answering entity into *ans (the caller's). */
static int
post(const struct zt_razorpay_cfg *cfg, struct call *c, json_object *body,
    const char *entity, json_object **ans, struct zt_razorpay_err *err)
{
	int rc = -1;
	*ans = NULL;
	if ((c->body = to_json(body)) == NULL)
		set_err(
		    cfg, err, 0, 1, "could not reach razorpay: out of memory");
	else
		rc = run(cfg, c, entity, ans, err);
	json_object_put(body);
	zt_http_call_free(&c->http);
	return rc;
}

/* POST path with body (taken) answering entity; id of it into id. */
static int
create_id(const struct zt_razorpay_cfg *cfg, const char *path,
    json_object *body, const char *entity, const char *prefix,
    char id[ZT_RAZORPAY_ID_MAX], struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST", .path = path};
	json_object *ans;
	int rc = -1;
	if (post(cfg, &c, body, entity, &ans, err) != 0)
		return -1;
	if (get_id(id, ans, "id", prefix) != 0)
		bad_entity(cfg, err, entity);
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_contact_create(const struct zt_razorpay_cfg *cfg, const char *name,
    const char *reference_id, char id[ZT_RAZORPAY_ID_MAX],
    struct zt_razorpay_err *err)
{
	json_object *body;
	err_reset(err);
	id[0] = '\0';
	if (check_cfg(cfg, err) != 0)
		return -1;
	if (empty(name) || strlen(name) > 50) {
		set_err(cfg, err, 0, 0, "contact name must be 1-50 characters");
		return -1;
	}
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "type", json_object_new_string("vendor"));
	json_object_object_add(body, "reference_id",
	    json_object_new_string(reference_id ? reference_id : ""));
	return create_id(cfg, "/v1/contacts", body, "contact", "cont", id, err);
}

int
zt_razorpay_fund_account_create(const struct zt_razorpay_cfg *cfg,
    const char *contact_id, const struct zt_razorpay_fund *f,
    char id[ZT_RAZORPAY_ID_MAX], struct zt_razorpay_err *err)
{
	json_object *body, *sub;
	err_reset(err);
	id[0] = '\0';
	if (check_cfg(cfg, err) != 0)
		return -1;
	if (!valid_id(contact_id, "cont")) {
		set_err(cfg, err, 0, 0, "invalid contact id");
		return -1;
	}
	if (empty(f->vpa) &&
	    (empty(f->name) || empty(f->ifsc) || empty(f->account_number))) {
		set_err(cfg, err, 0, 0,
		    "a fund account needs a VPA or a bank account");
		return -1;
	}
	body = json_object_new_object();
	sub = json_object_new_object();
	json_object_object_add(
	    body, "contact_id", json_object_new_string(contact_id));
	if (!empty(f->vpa)) {
		json_object_object_add(
		    body, "account_type", json_object_new_string("vpa"));
		json_object_object_add(
		    sub, "address", json_object_new_string(f->vpa));
		json_object_object_add(body, "vpa", sub);
	} else {
		json_object_object_add(body, "account_type",
		    json_object_new_string("bank_account"));
		json_object_object_add(
		    sub, "name", json_object_new_string(f->name));
		json_object_object_add(
		    sub, "ifsc", json_object_new_string(f->ifsc));
		json_object_object_add(sub, "account_number",
		    json_object_new_string(f->account_number));
		json_object_object_add(body, "bank_account", sub);
	}
	return create_id(
	    cfg, "/v1/fund_accounts", body, "fund_account", "fa", id, err);
}

int
zt_razorpay_payout_create(const struct zt_razorpay_cfg *cfg,
    const char *account_number, const char *fa, long long amount,
    const char *mode, const char *reference_id, const char *idempotency_key,
    struct zt_razorpay_payout *out, struct zt_razorpay_err *err)
{
	struct call c = {.method = "POST",
	    .path = "/v1/payouts",
	    .idem = idempotency_key,
	    .idem_header = "X-Payout-Idempotency"};
	json_object *body, *ans;
	int rc = -1;

	err_reset(err);
	memset(out, 0, sizeof(*out));
	if (check_cfg(cfg, err) != 0 || check_amount(cfg, err, amount) != 0)
		return -1;
	if (!valid_id(fa, "fa") || empty(account_number)) {
		set_err(
		    cfg, err, 0, 0, "invalid fund account or account number");
		return -1;
	}
	if (idempotency_key == NULL || strlen(idempotency_key) > 36 ||
	    !valid_idem_key(idempotency_key)) {
		set_err(cfg, err, 0, 0,
		    "payout idempotency key must be 10-36 letters, digits, '-' "
		    "or '_'");
		return -1;
	}
	body = json_object_new_object();
	json_object_object_add(
	    body, "account_number", json_object_new_string(account_number));
	json_object_object_add(
	    body, "fund_account_id", json_object_new_string(fa));
	json_object_object_add(body, "amount", json_object_new_int64(amount));
	json_object_object_add(body, "currency", json_object_new_string("INR"));
	json_object_object_add(body, "mode", json_object_new_string(mode));
	json_object_object_add(
	    body, "purpose", json_object_new_string("payout"));
	json_object_object_add(
	    body, "queue_if_low_balance", json_object_new_boolean(1));
	json_object_object_add(body, "reference_id",
	    json_object_new_string(reference_id ? reference_id : ""));
	if (post(cfg, &c, body, "payout", &ans, err) != 0)
		return -1;
	if (parse_payout(ans, out) != 0)
		bad_entity(cfg, err, "payout");
	else
		rc = 0;
	json_object_put(ans);
	return rc;
}

int
zt_razorpay_payout_fetch(const struct zt_razorpay_cfg *cfg,
    const char *payout_id, struct zt_razorpay_payout *out,
    struct zt_razorpay_err *err)
{
	json_object *ans;
	int rc = -1;

	err_reset(err);
	memset(out, 0, sizeof(*out));
	if (fetch(cfg, "payout", payout_id, "pout", "/v1/payouts/%s", "payout",
		&ans, err) != 0)
		return -1;
	if (parse_payout(ans, out) != 0)
		bad_entity(cfg, err, "payout");
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
	if (zt_http_json_str(o, "entity") == NULL ||
	    strcmp(zt_http_json_str(o, "entity"), "event") != 0 ||
	    empty(zt_http_json_str(o, "event")))
		goto bad;
	zt_http_json_copy(ev->event, sizeof(ev->event), o, "event");
	zt_http_json_copy(
	    ev->account_id, sizeof(ev->account_id), o, "account_id");
	ev->created_at = zt_http_json_int(o, "created_at");
	payload = zt_http_json_obj(o, "payload");
	if ((ent = zt_http_json_obj(
		 zt_http_json_obj(payload, "payment"), "entity")) != NULL) {
		what = "payment";
		if (parse_payment(ent, &ev->payment) != 0)
			goto bad;
		ev->has_payment = 1;
	}
	if ((ent = zt_http_json_obj(
		 zt_http_json_obj(payload, "order"), "entity")) != NULL) {
		what = "order";
		if (parse_order(ent, &ev->order) != 0)
			goto bad;
		ev->has_order = 1;
	}
	if ((ent = zt_http_json_obj(
		 zt_http_json_obj(payload, "refund"), "entity")) != NULL) {
		what = "refund";
		if (parse_refund(ent, &ev->refund) != 0)
			goto bad;
		ev->has_refund = 1;
	}
	if ((ent = zt_http_json_obj(
		 zt_http_json_obj(payload, "transfer"), "entity")) != NULL) {
		what = "transfer";
		if (parse_transfer(ent, &ev->transfer) != 0)
			goto bad;
		ev->has_transfer = 1;
	}
	if ((ent = zt_http_json_obj(
		 zt_http_json_obj(payload, "payout"), "entity")) != NULL) {
		what = "payout";
		if (parse_payout(ent, &ev->payout) != 0)
			goto bad;
		ev->has_payout = 1;
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
