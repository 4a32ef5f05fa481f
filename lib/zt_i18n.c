/* zt_i18n.c - the server's messages in the person's language; see zt_i18n.h. */
#include "zt_i18n.h"
#include "zt_db.h"
#include "zt_log.h"
#include "zt_req.h"
#include "zt_server.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEY_PREFIX "server."

static const char *const langs[] = {ZT_I18N_LANGS};
#define NLANGS (sizeof(langs) / sizeof(*langs))

struct entry {
	char *key;
	char *text;
};

/* one sorted array per language, in the order of langs */
static struct {
	struct entry *e;
	size_t n;
} cat[NLANGS];

static struct zt_sql q_user_lang = ZT_SQL("i18n_user_lang",
    "SELECT lang FROM users WHERE id = $1 AND deleted_at IS NULL", 1);
static struct zt_sql q_ident_lang = ZT_SQL("i18n_ident_lang",
    "SELECT lang FROM users WHERE (email = $1 OR phone = $1)"
    " AND deleted_at IS NULL LIMIT 1",
    1);

static int
by_key(const void *a, const void *b)
{
	return strcmp(
	    ((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static void
free_lang(size_t l)
{
	for (size_t i = 0; i < cat[l].n; i++) {
		free(cat[l].e[i].key);
		free(cat[l].e[i].text);
	}
	free(cat[l].e);
	cat[l].e = NULL;
	cat[l].n = 0;
}

void
zt_i18n_free(void)
{
	for (size_t l = 0; l < NLANGS; l++)
		free_lang(l);
}

static int
load_one(size_t l, const char *dir, char *err, size_t errlen)
{
	char path[1024];
	struct json_object *o;
	struct entry *e;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s.json", dir, langs[l]);
	o = json_object_from_file(path);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s: not a readable JSON object", path);
		json_object_put(o);
		return -1;
	}
	e = calloc((size_t)json_object_object_length(o) + 1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		json_object_put(o);
		return -1;
	}
	json_object_object_foreach(o, k, v)
	{
		if (strncmp(k, KEY_PREFIX, strlen(KEY_PREFIX)) != 0)
			continue; /* the web app's keys */
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(
			    err, errlen, "%s: %s is not a string", path, k);
			for (size_t i = 0; i < n; i++) {
				free(e[i].key);
				free(e[i].text);
			}
			free(e);
			json_object_put(o);
			return -1;
		}
		e[n].key = strdup(k);
		e[n].text = strdup(json_object_get_string(v));
		n++;
	}
	json_object_put(o);
	qsort(e, n, sizeof(*e), by_key);
	free_lang(l);
	cat[l].e = e;
	cat[l].n = n;
	return 0;
}

int
zt_i18n_load(const char *dir, char *err, size_t errlen)
{
	for (size_t l = 0; l < NLANGS; l++)
		if (load_one(l, dir, err, errlen) != 0)
			return -1;
	return 0;
}

static int
index_of(const char *lang)
{
	for (size_t l = 0; lang != NULL && l < NLANGS; l++)
		if (strcasecmp(lang, langs[l]) == 0)
			return (int)l;
	return -1;
}

const char *
zt_i18n_norm(const char *lang)
{
	int l = index_of(lang);
	return l < 0 ? NULL : langs[l];
}

const char *
zt_i18n_own(const char *lang, const char *key)
{
	int l = index_of(lang);
	struct entry k = {(char *)key, NULL}, *hit;
	if (l < 0 || cat[l].n == 0 || key == NULL)
		return NULL;
	hit = bsearch(&k, cat[l].e, cat[l].n, sizeof(k), by_key);
	return hit ? hit->text : NULL;
}

const char *
zt_i18n_text(const char *lang, const char *key)
{
	const char *t = zt_i18n_own(lang, key);
	return t != NULL ? t : zt_i18n_own(langs[0], key);
}

char *
zt_i18n_fill(
    struct zt_arena *a, const char *text, zt_i18n_get_fn *get, void *ctx)
{
	size_t cap = strlen(text) + 1, n = 0;
	char *out = zt_arena_alloc(a, cap);
	const char *p = text;
	while (*p) {
		const char *open = strchr(p, '{'), *close, *val = NULL;
		size_t lit;
		if (open != NULL && (close = strchr(open, '}')) != NULL) {
			char *name = zt_arena_strndup(
			    a, open + 1, (size_t)(close - open - 1));
			val = get(ctx, name);
			lit = (size_t)(open - p);
			if (val == NULL) /* kept as written */
				lit = (size_t)(close + 1 - p);
		} else {
			lit = strlen(p);
			close = p + lit - 1;
		}
		size_t vn = val ? strlen(val) : 0;
		if (n + lit + vn + 1 > cap) {
			size_t ncap = (n + lit + vn + 1) * 2;
			char *bigger = zt_arena_alloc(a, ncap);
			memcpy(bigger, out, n);
			out = bigger;
			cap = ncap;
		}
		memcpy(out + n, p, lit);
		n += lit;
		if (val != NULL) {
			memcpy(out + n, val, vn);
			n += vn;
		}
		p = close + 1;
	}
	out[n] = '\0';
	return out;
}

const char *
zt_i18n_pairs(void *ctx, const char *name)
{
	const char *const *p = ctx;
	for (; p[0] != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

/* ---- Accept-Language ---- */

/* q-value of "q=0.8" (RFC 9110 12.4.2: "0", "1", "0.8", "0.125",
 * "1.000": at most three decimals); -1 when malformed */
static int
qvalue(const char *s, size_t n)
{
	int v = 0, digits = 0;
	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (s[1] != '.' || n > 5)
		return -1;
	for (size_t i = 2; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		digits = digits * 10 + (s[i] - '0');
	}
	for (size_t i = n; i < 5; i++)
		digits *= 10;
	if (v == 1000 && digits != 0)
		return -1;
	return v + digits;
}

const char *
zt_i18n_accept(const char *h)
{
	const char *best = NULL;
	int best_q = 0;
	while (h != NULL && *h) {
		const char *end = strchr(h, ','), *semi, *tag, *supported;
		size_t len = end ? (size_t)(end - h) : strlen(h), tl;
		int q = 1000;
		char primary[9];

		while (len > 0 && (*h == ' ' || *h == '\t')) {
			h++;
			len--;
		}
		tag = h;
		semi = memchr(h, ';', len);
		tl = semi ? (size_t)(semi - h) : len;
		while (tl > 0 && (tag[tl - 1] == ' ' || tag[tl - 1] == '\t'))
			tl--;
		/* parameters: only q counts */
		for (const char *p = semi; p != NULL && p < h + len;) {
			const char *pe =
			    memchr(p + 1, ';', (size_t)(h + len - p - 1));
			const char *a = p + 1;
			size_t an = (size_t)((pe ? pe : h + len) - a);
			while (an > 0 && (*a == ' ' || *a == '\t')) {
				a++;
				an--;
			}
			while (
			    an > 0 && (a[an - 1] == ' ' || a[an - 1] == '\t'))
				an--;
			if (an >= 2 && (a[0] == 'q' || a[0] == 'Q') &&
			    a[1] == '=')
				q = qvalue(a + 2, an - 2);
			p = pe;
		}
		/* the primary subtag: 1-8 letters, or "*" */
		size_t pl = 0;
		while (pl < tl && pl < 8 && tag[pl] != '-')
			pl++;
		memcpy(primary, tag, pl);
		primary[pl] = '\0';
		supported = NULL;
		if (pl > 0 && (pl == tl || tag[pl] == '-')) {
			if (strcmp(primary, "*") == 0)
				supported = langs[0];
			else
				supported = zt_i18n_norm(primary);
		}
		if (supported != NULL && q > best_q) {
			best = supported;
			best_q = q;
		}
		h = end ? end + 1 : NULL;
	}
	return best;
}

/* ---- the request's language ---- */

static const char *
account_lang(struct zt_req *req, struct zt_sql *q, const char *param)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *p[1] = {param};
	PGresult *r;
	if (zt_g.db == NULL || param == NULL || *param == '\0')
		return NULL;
	r = zt_db_exec(req, &err, q, p);
	if (r == NULL) {
		zt_log_warn("i18n", "no account language: %s", err.msg);
		return NULL;
	}
	return PQntuples(r) > 0 ? zt_i18n_norm(zt_db_val(r, 0, 0)) : NULL;
}

/* the language of the request's Accept-Language, else English */
static const char *
browser_lang(struct zt_req *req)
{
	const char *l = zt_i18n_accept(zt_header(req, "Accept-Language"));
	return l != NULL ? l : langs[0];
}

const char *
zt_i18n_lang(struct zt_req *req)
{
	const char *l = NULL;
	if (req->lang != NULL)
		return req->lang;
	if (req->authenticated && req->user_id[0] != '\0' &&
	    req->apitoken_id[0] == '\0')
		l = account_lang(req, &q_user_lang, req->user_id);
	req->lang = l != NULL ? l : browser_lang(req);
	return req->lang;
}

void
zt_i18n_set_lang(struct zt_req *req, const char *lang)
{
	const char *l = zt_i18n_norm(lang);
	if (l != NULL)
		req->lang = l;
}

const char *
zt_i18n_lang_of(struct zt_req *req, const char *ident, const char *fallback)
{
	const char *l = account_lang(req, &q_ident_lang, ident);
	return l != NULL ? l : fallback;
}

/* ---- dates ---- */

struct when {
	const char *lang;
	char weekday[4], month[4], day[3], year[5], time[6], ampm[3];
	const char *zone;
};

static const char *
when_get(void *ctx, const char *name)
{
	struct when *w = ctx;
	static char key[48];
	if (strcmp(name, "day") == 0)
		return w->day;
	if (strcmp(name, "year") == 0)
		return w->year;
	if (strcmp(name, "time") == 0)
		return w->time;
	if (strcmp(name, "zone") == 0)
		return w->zone;
	if (strcmp(name, "weekday") == 0 || strcmp(name, "month") == 0 ||
	    strcmp(name, "ampm") == 0) {
		const char *v = name[0] == 'w'	 ? w->weekday
				: name[0] == 'm' ? w->month
						 : w->ampm;
		char lower[4];
		size_t i;
		for (i = 0; v[i] && i < 3; i++)
			lower[i] = (char)tolower((unsigned char)v[i]);
		lower[i] = '\0';
		if (name[0] == 'a')
			snprintf(key, sizeof(key), "server.date.%s", lower);
		else
			snprintf(
			    key, sizeof(key), "server.date.%s.%s", name, lower);
		return zt_i18n_text(w->lang, key);
	}
	return NULL;
}

const char *
zt_i18n_when(struct zt_arena *a, const char *lang, const char *english)
{
	struct when w;
	int n = 0;
	const char *text;
	if (english == NULL || lang == NULL || strcmp(lang, langs[0]) == 0)
		return english;
	memset(&w, 0, sizeof(w));
	w.lang = lang;
	/* "Sun, 27 Dec 2026, 6:00 PM IST" (to_char 'Dy, FMDD Mon YYYY,
	 * FMHH12:MI AM' and the zone) */
	if (sscanf(english,
		"%3[A-Za-z], %2[0-9] %3[A-Za-z] %4[0-9], %5[0-9:] "
		"%2[APM] %n",
		w.weekday, w.day, w.month, w.year, w.time, w.ampm, &n) != 6 ||
	    n == 0 || (text = zt_i18n_own(lang, "server.date.when")) == NULL)
		return english;
	w.zone = english + n;
	return zt_i18n_fill(a, text, when_get, &w);
}

/* ---- error messages ---- */

/* the first 'quoted' name in msg (a field the message names), or NULL */
static const char *
named_field(struct zt_arena *a, const char *msg)
{
	const char *open = msg ? strchr(msg, '\'') : NULL, *close;
	if (open == NULL || (close = strchr(open + 1, '\'')) == NULL ||
	    close == open + 1 || close - open > 80)
		return NULL;
	for (const char *p = open + 1; p < close; p++)
		if (*p == ' ')
			return NULL;
	return zt_arena_strndup(a, open + 1, (size_t)(close - open - 1));
}

/* the first whole number in msg (a limit, a wait), or NULL */
static const char *
named_number(struct zt_arena *a, const char *msg)
{
	const char *p = msg;
	size_t n;
	while (p != NULL && *p && !isdigit((unsigned char)*p))
		p++;
	if (p == NULL || *p == '\0')
		return NULL;
	n = strspn(p, "0123456789");
	return n > 12 ? NULL : zt_arena_strndup(a, p, n);
}

void
zt_i18n_error(struct zt_req *req)
{
	const char *code, *lang, *text = NULL, *field, *n;
	if (req->err == ZT_OK)
		return;
	/* PostgreSQL or Redis is down: no query for the account's language
	 * (it would wait for the database the 503 is about) */
	if (req->lang == NULL && req->err == ZT_EUNAVAIL)
		req->lang = browser_lang(req);
	lang = zt_i18n_lang(req);
	if (strcmp(lang, langs[0]) == 0)
		return; /* English: the message as the code wrote it */
	code = req->err_code ? req->err_code : zt_err_code(req->err);
	field = named_field(req->arena, req->err_msg);
	n = named_number(req->arena, req->err_msg);
	if (field != NULL)
		text = zt_i18n_own(lang,
		    zt_arena_printf(req->arena, "server.error.%s.field", code));
	if (text == NULL && n != NULL)
		text = zt_i18n_own(lang,
		    zt_arena_printf(req->arena, "server.error.%s.n", code));
	if (text == NULL) {
		text = zt_i18n_own(
		    lang, zt_arena_printf(req->arena, "server.error.%s", code));
		if (text == NULL) {
			zt_log_debug(
			    "i18n", "no %s text for error %s", lang, code);
			return;
		}
	}
	const char *vars[] = {"field", field, "n", n, NULL};
	req->err_msg = zt_i18n_fill(req->arena, text, zt_i18n_pairs, vars);
	zt_reply_header(req, "Content-Language", lang);
}
