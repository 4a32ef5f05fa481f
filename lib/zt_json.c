/* zt_json.c - JSON field getters; see zt_json.h. */
#include "zt_json.h"
#include "zt_time.h"
#include "zt_uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BAD(req, key, what)                                                    \
	zt_fail((req), ZT_EBADREQ, "invalid_field", "field '%s' %s", (key),    \
	    (what))

static enum zt_err
lookup(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, struct json_object **v, int *present)
{
	if (present != NULL)
		*present = 0;
	if (o == NULL || !json_object_object_get_ex(o, key, v) ||
	    json_object_is_type(*v, json_type_null)) {
		*v = NULL;
		if (opt == ZT_REQUIRED)
			return BAD(req, key, "is required");
		return ZT_OK;
	}
	if (present != NULL)
		*present = 1;
	return ZT_OK;
}

enum zt_err
zt_json_str(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, size_t maxlen, const char **out, int *present)
{
	struct json_object *v;
	enum zt_err e = lookup(req, o, key, opt, &v, present);
	if (e != ZT_OK || v == NULL)
		return e;
	if (!json_object_is_type(v, json_type_string))
		return BAD(req, key, "must be a string");
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len)
		return BAD(req, key, "must not contain NUL characters");
	if (len > maxlen) {
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must be at most %zu characters", key, maxlen);
	}
	if (opt == ZT_REQUIRED && len == 0)
		return BAD(req, key, "must not be empty");
	*out = s;
	return ZT_OK;
}

enum zt_err
zt_json_int(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, int64_t min, int64_t max, int64_t *out, int *present)
{
	struct json_object *v;
	enum zt_err e = lookup(req, o, key, opt, &v, present);
	if (e != ZT_OK || v == NULL)
		return e;
	if (!json_object_is_type(v, json_type_int))
		return BAD(req, key, "must be a whole number");
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno != 0 || n < min || n > max)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must be from %lld to %lld", key, (long long)min,
		    (long long)max);
	*out = n;
	return ZT_OK;
}

enum zt_err
zt_json_bool(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, int *out, int *present)
{
	struct json_object *v;
	enum zt_err e = lookup(req, o, key, opt, &v, present);
	if (e != ZT_OK || v == NULL)
		return e;
	if (!json_object_is_type(v, json_type_boolean))
		return BAD(req, key, "must be true or false");
	*out = json_object_get_boolean(v);
	return ZT_OK;
}

enum zt_err
zt_json_array(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, size_t maxn, struct json_object **out, int *present)
{
	struct json_object *v;
	enum zt_err e = lookup(req, o, key, opt, &v, present);
	if (e != ZT_OK || v == NULL)
		return e;
	if (!json_object_is_type(v, json_type_array))
		return BAD(req, key, "must be an array");
	if (json_object_array_length(v) > maxn)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s' must have at most %zu items", key, maxn);
	*out = v;
	return ZT_OK;
}

enum zt_err
zt_json_time(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, int64_t *out, int *present)
{
	const char *s = NULL;
	enum zt_err e = zt_json_str(req, o, key, opt, 40, &s, present);
	if (e != ZT_OK || s == NULL)
		return e;
	if (zt_time_parse(s, out) != 0)
		return BAD(req, key,
		    "must be an RFC 3339 date-time such as "
		    "2026-11-22T18:30:00+05:30");
	return ZT_OK;
}

static int
url_ok(const char *s)
{
	const char *host;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' ||
		    c == '<' || c == '>' || c == '\\' || c == '`')
			return 0;
	}
	if (s[0] == '/')
		return s[1] != '/';
	if (strncasecmp(s, "https://", 8) != 0)
		return 0;
	host = s + 8;
	return *host != '\0' && *host != '/' && *host != '?' && *host != '#' &&
	       *host != '@' && *host != ':';
}

enum zt_err
zt_json_url(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, const char **out, int *present)
{
	const char *s = NULL;
	enum zt_err e = zt_json_str(req, o, key, opt, 2048, &s, present);
	if (e != ZT_OK || s == NULL)
		return e;
	if (*s != '\0' && !url_ok(s))
		return BAD(
		    req, key, "must be an https:// URL or a path on this site");
	*out = s;
	return ZT_OK;
}

enum zt_err
zt_json_colour(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, const char **out, int *present)
{
	const char *s = NULL;
	enum zt_err e = zt_json_str(req, o, key, opt, 7, &s, present);
	if (e != ZT_OK || s == NULL)
		return e;
	if (strlen(s) != 7 || s[0] != '#' ||
	    strspn(s + 1, "0123456789abcdefABCDEF") != 6)
		return BAD(req, key, "must be a colour like #1a2b3c");
	char *low = zt_arena_strdup(req->arena, s);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*out = low;
	return ZT_OK;
}

enum zt_err
zt_json_known(struct zt_req *req, struct json_object *o, const char *where,
    const char *const *known)
{
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return ZT_OK;
	json_object_object_foreach(o, key, val)
	{
		const char *const *k;
		(void)val;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL)
			return zt_fail(req, ZT_EBADREQ, "unknown_field",
			    "field '%s%.64s' is not known here",
			    where ? where : "", key);
	}
	return ZT_OK;
}

enum zt_err
zt_json_uuid(struct zt_req *req, struct json_object *o, const char *key,
    enum zt_json_opt opt, const char **out, int *present)
{
	const char *s = NULL;
	enum zt_err e = zt_json_str(req, o, key, opt, ZT_UUID_LEN, &s, present);
	if (e != ZT_OK || s == NULL)
		return e;
	if ((*out = zt_uuid_norm(req->arena, s)) == NULL)
		return BAD(req, key, "must be a UUID");
	return ZT_OK;
}

enum zt_err
zt_json_parse_body(
    struct zt_req *req, const char *body, size_t len, struct json_object **out)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *o;
	enum json_tokener_error jerr;
	enum zt_err rc = ZT_EBADREQ;

	*out = NULL;
	if (tok == NULL)
		zt_oom();
	/* invalid UTF-8 is refused here, naming the byte, instead of reaching
	 * PostgreSQL (an encoding error there names no field) */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	if (len > INT32_MAX) {
		rc = zt_fail(req, ZT_ETOOLARGE, NULL, "request body too large");
		goto out;
	}
	o = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			zt_fail(req, ZT_EBADREQ, "invalid_json",
			    "request body is not valid JSON: unexpected end "
			    "of input");
		else
			zt_fail(req, ZT_EBADREQ, "invalid_json",
			    "request body is not valid JSON: %s at byte %zu",
			    json_tokener_error_desc(jerr),
			    json_tokener_get_parse_end(tok));
		if (o != NULL)
			json_object_put(o);
		goto out;
	}
	/* trailing garbage after the value */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!isspace((unsigned char)body[i])) {
			json_object_put(o);
			zt_fail(req, ZT_EBADREQ, "invalid_json",
			    "request body is not valid JSON: trailing data "
			    "at byte %zu",
			    i);
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		zt_fail(req, ZT_EBADREQ, "invalid_json",
		    "request body must be a JSON object");
		goto out;
	}
	*out = o;
	rc = ZT_OK;
out:
	json_tokener_free(tok);
	return rc;
}

struct json_object *
zt_json_nullable(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *
zt_json_epoch(const char *epoch)
{
	char buf[ZT_TIME_LEN];
	if (epoch == NULL)
		return NULL;
	return json_object_new_string(
	    zt_time_format(strtoll(epoch, NULL, 10), buf));
}

static void
put_json(void *p)
{
	json_object_put(p);
}

struct json_object *
zt_json_defer_put(struct zt_req *req, struct json_object *o)
{
	if (o != NULL)
		zt_req_defer(req, put_json, o);
	return o;
}

void
zt_json_pb_str(struct printbuf *pb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = {'\\', 'u', '0', '0'};
	printbuf_strappend(pb, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *named = NULL;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (s > run)
			printbuf_memappend(pb, run, (int)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			named = "\\\"";
			break;
		case '\\':
			named = "\\\\";
			break;
		case '\b':
			named = "\\b";
			break;
		case '\f':
			named = "\\f";
			break;
		case '\n':
			named = "\\n";
			break;
		case '\r':
			named = "\\r";
			break;
		case '\t':
			named = "\\t";
			break;
		default:
			break;
		}
		if (named != NULL) {
			printbuf_memappend(pb, named, 2);
			continue;
		}
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		printbuf_memappend(pb, esc, 6);
	}
	if (s > run)
		printbuf_memappend(pb, run, (int)(s - run));
	printbuf_strappend(pb, "\"");
}

static int
raw_text(struct json_object *o, struct printbuf *pb, int level, int flags)
{
	struct printbuf *t = json_object_get_userdata(o);
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, t->buf, t->bpos);
}

static void
raw_free(struct json_object *o, void *userdata)
{
	(void)o;
	printbuf_free(userdata);
}

struct json_object *
zt_json_raw(struct printbuf *pb)
{
	struct json_object *o = json_object_new_array();
	json_object_set_serializer(o, raw_text, pb, raw_free);
	return o;
}

const char *
zt_json_text(struct zt_req *req, struct json_object *o, size_t *len)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (len != NULL)
		*len = n;
	return zt_arena_strndup(req->arena, s, n);
}

enum zt_err
zt_json_pick(struct zt_req *req, struct json_object *a, const char *key,
    const char *const *known, size_t maxn, const char **v, size_t *n)
{
	size_t len = json_object_array_length(a), ok = 0;
	char list[512] = "";
	for (size_t i = 0; i < len && i < maxn && ok == i; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		const char *t = json_object_is_type(s, json_type_string)
				    ? json_object_get_string(s)
				    : "";
		for (size_t k = 0; known[k] != NULL; k++)
			if (strcmp(t, known[k]) == 0)
				ok++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[j], t) == 0)
				ok = 0;
		v[i] = t;
	}
	if (len >= 1 && len <= maxn && ok == len) {
		*n = len;
		return ZT_OK;
	}
	for (size_t k = 0; known[k] != NULL; k++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", k ? ", " : "",
		    known[k]);
	}
	return zt_fail(req, ZT_EBADREQ, "invalid_field",
	    "field '%s' must list 1 to %zu distinct values among %s", key, maxn,
	    list);
}
