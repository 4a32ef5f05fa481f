/* zt_seatmap.c - layout documents and the seat-map generator; see
 * zt_seatmap.h and docs/seatmap.md. */
#include "zt_seatmap.h"
#include "zt_json.h"
#include "zt_time.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRICE_MAX 10000000000LL /* ₹10 crore in paise */
#define CAPACITY_MAX 1000000

/* Where we are in the document, for messages. */
struct ctx {
	struct zt_req *req;
	struct zt_seatmap *m;
	double max_y; /* lowest row so far, for stacking sections */
	int any_seat;
};

static enum zt_err
vfail(struct zt_req *req, enum zt_err e, const char *where, const char *fmt,
    va_list ap)
{
	char *msg = zt_arena_vprintf(req->arena, fmt, ap);
	zt_fail_detail(req, "field", json_object_new_string(where));
	return zt_fail(req, e,
	    e == ZT_EBADREQ ? "invalid_field" : "invalid_layout", "%s: %s",
	    where, msg);
}

/* 400: the document is malformed at `where`. */
static enum zt_err __attribute__((format(printf, 3, 4)))
malformed(struct zt_req *req, const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum zt_err e = vfail(req, ZT_EBADREQ, where, fmt, ap);
	va_end(ap);
	return e;
}

/* 422: well formed but not a valid layout. */
static enum zt_err __attribute__((format(printf, 3, 4)))
invalid(struct zt_req *req, const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum zt_err e = vfail(req, ZT_EINVALID, where, fmt, ap);
	va_end(ap);
	return e;
}

static const char *
at(struct zt_req *req, const char *where, const char *key)
{
	return zt_arena_printf(
	    req->arena, "%s%s%s", where, *where ? "." : "", key);
}

static const char *
idx(struct zt_req *req, const char *where, const char *key, size_t i)
{
	return zt_arena_printf(
	    req->arena, "%s%s%s[%zu]", where, *where ? "." : "", key, i);
}

/* Optional member of an object; 400 unless it has the type. */
static enum zt_err
member(struct zt_req *req, struct json_object *o, const char *where,
    const char *key, enum json_type type, struct json_object **out)
{
	struct json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return ZT_OK;
	if (!json_object_is_type(v, type)) {
		static const char *names[] = {[json_type_null] = "null",
		    [json_type_boolean] = "true or false",
		    [json_type_double] = "a number",
		    [json_type_int] = "a number",
		    [json_type_object] = "an object",
		    [json_type_array] = "an array",
		    [json_type_string] = "a string"};
		return malformed(
		    req, at(req, where, key), "must be %s", names[type]);
	}
	*out = v;
	return ZT_OK;
}

static enum zt_err
known(struct zt_req *req, struct json_object *o, const char *where,
    const char *const *keys)
{
	const char *prefix =
	    *where ? zt_arena_printf(req->arena, "%s.", where) : NULL;
	return zt_json_known(req, o, prefix, keys);
}

/* A label: 1..max printable characters, no control characters. */
static int
label_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum zt_err
get_label(struct zt_req *req, struct json_object *o, const char *where,
    const char *key, int required, size_t max, const char **out)
{
	struct json_object *v;
	enum zt_err e = member(req, o, where, key, json_type_string, &v);
	if (e != ZT_OK)
		return e;
	if (v == NULL) {
		if (required)
			return malformed(
			    req, at(req, where, key), "is required");
		return ZT_OK;
	}
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v) ||
	    (!label_ok(s, max) && !(*s == '\0' && !required)))
		return malformed(req, at(req, where, key),
		    "must be 1 to %zu printable characters", max);
	*out = s;
	return ZT_OK;
}

static enum zt_err
get_coord(struct zt_req *req, struct json_object *o, const char *where,
    const char *key, double *out, int *present)
{
	struct json_object *v = NULL;
	*present = 0;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return ZT_OK;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return malformed(req, at(req, where, key), "must be a number");
	double d = json_object_get_double(v);
	if (!isfinite(d) || d < 0 || d > ZT_SEATMAP_MAX_COORD)
		return malformed(req, at(req, where, key),
		    "must be from 0 to %.0f", ZT_SEATMAP_MAX_COORD);
	*out = d;
	*present = 1;
	return ZT_OK;
}

static enum zt_err
get_int(struct zt_req *req, struct json_object *o, const char *where,
    const char *key, int required, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return malformed(
			    req, at(req, where, key), "is required");
		return ZT_OK;
	}
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || errno != 0 || n < min ||
	    n > max)
		return malformed(req, at(req, where, key),
		    "must be a whole number from %lld to %lld", (long long)min,
		    (long long)max);
	*out = n;
	return ZT_OK;
}

static enum zt_err
get_bool(struct zt_req *req, struct json_object *o, const char *where,
    const char *key, int *out)
{
	struct json_object *v;
	enum zt_err e = member(req, o, where, key, json_type_boolean, &v);
	if (e == ZT_OK && v != NULL)
		*out = json_object_get_boolean(v);
	return e;
}

/* ---- label ranges ---- */

/* "A" -> 1, "Z" -> 26, "AA" -> 27; 0 when not A-Z letters (max 3). */
static long
letters_to_n(const char *s, size_t n)
{
	long v = 0;
	if (n == 0 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
		v = v * 26 + (s[i] - 'A' + 1);
	}
	return v;
}

static char *
n_to_letters(struct zt_arena *a, long v)
{
	char buf[8];
	int i = (int)sizeof(buf) - 1;
	buf[i] = '\0';
	while (v > 0 && i > 0) {
		v--;
		buf[--i] = (char)('A' + v % 26);
		v /= 26;
	}
	return zt_arena_strdup(a, buf + i);
}

/* digits only, at most 6, as a number; -1 otherwise */
static long
digits_to_n(const char *s, size_t n)
{
	long v = 0;
	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
zt_seatmap_labels(
    struct zt_arena *a, const char *spec, const char **out, int max)
{
	int count = 0;
	const char *p = spec;

	if (spec == NULL || *spec == '\0')
		return -1;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		const char *dash = memchr(p, '-', len);
		if (len == 0)
			return -1;
		if (dash == NULL) {
			if (count == max || len > ZT_SEATMAP_LABEL_MAX)
				return -1;
			char *l = zt_arena_strndup(a, p, len);
			if (!label_ok(l, ZT_SEATMAP_LABEL_MAX))
				return -1;
			out[count++] = l;
		} else {
			size_t l1 = (size_t)(dash - p), l2 = len - l1 - 1;
			long f, t;
			int alpha = 0;
			if ((f = digits_to_n(p, l1)) >= 0) {
				t = digits_to_n(dash + 1, l2);
			} else {
				alpha = 1;
				f = letters_to_n(p, l1);
				t = letters_to_n(dash + 1, l2);
				if (f == 0)
					return -1;
			}
			if (t < f || (alpha && t == 0) || t - f >= max - count)
				return -1;
			for (long v = f; v <= t; v++)
				out[count++] =
				    alpha ? n_to_letters(a, v)
					  : zt_arena_printf(a, "%ld", v);
		}
		p = end ? end + 1 : p + len;
		if (end != NULL && end[1] == '\0')
			return -1;
	}
	return count;
}

/* ---- categories ---- */

static enum zt_err
find_cat(struct ctx *c, const char *name, const char *where, size_t *out)
{
	for (size_t i = 0; i < c->m->ncats; i++)
		if (strcmp(c->m->cats[i].name, name) == 0) {
			*out = i;
			return ZT_OK;
		}
	return invalid(c->req, where,
	    "unknown category '%.100s': declare it in 'categories'", name);
}

/* The category for a seat: its own, the inherited one, or the only one. */
static enum zt_err
resolve_cat(struct ctx *c, const char *name, const char *where, size_t *out)
{
	if (name != NULL)
		return find_cat(c, name, where, out);
	if (c->m->ncats == 1) {
		*out = 0;
		return ZT_OK;
	}
	return invalid(c->req, where,
	    "no category: give the seat, its row or the generator a "
	    "'category'");
}

static const char *const cat_keys[] = {
    "id", "name", "pricePaise", "colour", NULL};

static enum zt_err
parse_cats(struct ctx *c, struct json_object *arr)
{
	size_t n = json_object_array_length(arr);
	enum zt_err e;
	if (n > ZT_SEATMAP_MAX_CATS)
		return invalid(c->req, "categories", "at most %d categories",
		    ZT_SEATMAP_MAX_CATS);
	c->m->cats =
	    zt_arena_array(c->req->arena, n ? n : 1, sizeof(*c->m->cats));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct zt_seat_cat *cat = &c->m->cats[i];
		const char *w = idx(c->req, "", "categories", i);
		struct json_object *col;
		if (!json_object_is_type(o, json_type_object))
			return malformed(c->req, w, "must be an object");
		cat->colour = "#888888";
		if ((e = known(c->req, o, w, cat_keys)) != ZT_OK ||
		    (e = get_label(c->req, o, w, "name", 1, 100, &cat->name)) !=
			ZT_OK ||
		    (e = get_int(c->req, o, w, "pricePaise", 1, 0, PRICE_MAX,
			 &cat->price_paise)) != ZT_OK ||
		    (e = member(c->req, o, w, "colour", json_type_string,
			 &col)) != ZT_OK)
			return e;
		if (col != NULL &&
		    zt_json_colour(c->req, o, "colour", ZT_OPTIONAL,
			&cat->colour, NULL) != ZT_OK)
			return malformed(c->req, at(c->req, w, "colour"),
			    "must be a colour like #1a2b3c");
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->m->cats[j].name, cat->name) == 0)
				return invalid(c->req, at(c->req, w, "name"),
				    "category '%s' is declared twice",
				    cat->name);
		c->m->ncats++;
	}
	return ZT_OK;
}

/* ---- seats ---- */

static enum zt_err
push_seat(struct ctx *c, const struct zt_seat *s, const char *where)
{
	struct zt_seatmap *m = c->m;
	if (m->nseats == ZT_SEATMAP_MAX_SEATS)
		return invalid(c->req, where, "a layout has at most %d seats",
		    ZT_SEATMAP_MAX_SEATS);
	if (m->nseats == m->capseats) {
		size_t cap = m->capseats ? m->capseats * 2 : 256;
		if (cap > ZT_SEATMAP_MAX_SEATS)
			cap = ZT_SEATMAP_MAX_SEATS;
		struct zt_seat *n =
		    zt_arena_array(c->req->arena, cap, sizeof(*n));
		if (m->nseats > 0)
			memcpy(n, m->seats, m->nseats * sizeof(*n));
		m->seats = n;
		m->capseats = cap;
	}
	m->seats[m->nseats++] = *s;
	if (s->y > c->max_y || !c->any_seat)
		c->max_y = s->y;
	c->any_seat = 1;
	return ZT_OK;
}

static const char *const seat_keys[] = {
    "id", "label", "x", "y", "category", "blocked", "accessible", "sold", NULL};
static const char *const row_keys[] = {"label", "y", "category", "seats", NULL};

/* One explicit row: seats are labels, seat objects or {"gap": n}. */
static enum zt_err
parse_row(struct ctx *c, struct json_object *o, const char *section,
    const char *w, double x0, double *y)
{
	const char *label = NULL, *rowcat = NULL;
	struct json_object *seats;
	double ry, cursor = x0;
	int has_y;
	enum zt_err e;

	if (!json_object_is_type(o, json_type_object))
		return malformed(c->req, w, "must be an object");
	if ((e = known(c->req, o, w, row_keys)) != ZT_OK ||
	    (e = get_label(c->req, o, w, "label", 1, ZT_SEATMAP_LABEL_MAX,
		 &label)) != ZT_OK ||
	    (e = get_coord(c->req, o, w, "y", &ry, &has_y)) != ZT_OK ||
	    (e = get_label(c->req, o, w, "category", 0, 100, &rowcat)) !=
		ZT_OK ||
	    (e = member(c->req, o, w, "seats", json_type_array, &seats)) !=
		ZT_OK)
		return e;
	if (seats == NULL)
		return malformed(c->req, at(c->req, w, "seats"), "is required");
	if (has_y)
		*y = ry;
	size_t n = json_object_array_length(seats);
	if (n > ZT_SEATMAP_MAX_PER_ROW)
		return invalid(c->req, at(c->req, w, "seats"),
		    "a row has at most %d seats and gaps",
		    ZT_SEATMAP_MAX_PER_ROW);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(seats, i);
		struct zt_seat s = {section, label, NULL, cursor, *y, 0, 0, 0};
		const char *cat = rowcat, *sw = NULL;
		struct json_object *gap = NULL;
		int has;

		if (json_object_is_type(it, json_type_string)) {
			s.label = json_object_get_string(it);
			if (!label_ok(s.label, ZT_SEATMAP_LABEL_MAX))
				return malformed(c->req,
				    idx(c->req, w, "seats", i),
				    "a seat label is 1 to %d printable "
				    "characters",
				    ZT_SEATMAP_LABEL_MAX);
		} else if (json_object_is_type(it, json_type_object) &&
			   json_object_object_get_ex(it, "gap", &gap)) {
			int64_t width = 1;
			sw = idx(c->req, w, "seats", i);
			if (json_object_object_length(it) != 1)
				return malformed(c->req, sw,
				    "a gap is {\"gap\": n} and nothing else");
			if ((e = get_int(c->req, it, sw, "gap", 1, 1, 100,
				 &width)) != ZT_OK)
				return e;
			cursor += (double)width;
			continue;
		} else if (json_object_is_type(it, json_type_object)) {
			sw = idx(c->req, w, "seats", i);
			if ((e = known(c->req, it, sw, seat_keys)) != ZT_OK ||
			    (e = get_label(c->req, it, sw, "label", 1,
				 ZT_SEATMAP_LABEL_MAX, &s.label)) != ZT_OK ||
			    (e = get_coord(c->req, it, sw, "x", &s.x, &has)) !=
				ZT_OK ||
			    (e = get_coord(c->req, it, sw, "y", &s.y, &has)) !=
				ZT_OK ||
			    (e = get_label(c->req, it, sw, "category", 0, 100,
				 &cat)) != ZT_OK ||
			    (e = get_bool(c->req, it, sw, "blocked",
				 &s.blocked)) != ZT_OK ||
			    (e = get_bool(c->req, it, sw, "accessible",
				 &s.accessible)) != ZT_OK)
				return e;
			if (cat == NULL)
				cat = rowcat;
		} else {
			return malformed(c->req, idx(c->req, w, "seats", i),
			    "must be a label, a seat object or {\"gap\": n}");
		}
		if (sw == NULL)
			sw = idx(c->req, w, "seats", i);
		if ((e = resolve_cat(c, cat, at(c->req, sw, "category"),
			 &s.cat)) != ZT_OK ||
		    (e = push_seat(c, &s, sw)) != ZT_OK)
			return e;
		cursor = s.x + 1;
	}
	return ZT_OK;
}

/* ---- the generator ---- */

struct grid {
	const char **rows;
	int nrows;
	int64_t per_row, first;
	size_t *cat; /* per cell; SIZE_MAX: the default */
	unsigned char *blocked, *accessible;
};

static const char *const sel_keys[] = {"rows", "seats", "category", NULL};

/*
 * Apply a list of selectors {rows, seats?[, category]} to the grid: sets
 * cell categories (with_cat) or flags.
 */
static enum zt_err
apply_selectors(struct ctx *c, struct grid *g, struct json_object *arr,
    const char *w, int with_cat, unsigned char *flags)
{
	struct zt_req *req = c->req;
	size_t n = json_object_array_length(arr);
	const char **rl =
	    zt_arena_array(req->arena, ZT_SEATMAP_MAX_ROWS, sizeof(*rl));
	const char **sl =
	    zt_arena_array(req->arena, ZT_SEATMAP_MAX_PER_ROW, sizeof(*sl));
	enum zt_err e;

	if (n > 100)
		return invalid(req, w, "at most 100 entries");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *sw = zt_arena_printf(req->arena, "%s[%zu]", w, i);
		const char *rows = NULL, *seats = NULL, *cat = NULL;
		size_t ci = 0;
		int nr, ns;

		if (!json_object_is_type(o, json_type_object))
			return malformed(req, sw, "must be an object");
		if ((e = known(req, o, sw, sel_keys)) != ZT_OK ||
		    (e = get_label(req, o, sw, "rows", 1, 1000, &rows)) !=
			ZT_OK ||
		    (e = get_label(req, o, sw, "seats", 0, 1000, &seats)) !=
			ZT_OK ||
		    (e = get_label(
			 req, o, sw, "category", with_cat, 100, &cat)) != ZT_OK)
			return e;
		if (!with_cat && cat != NULL)
			return malformed(
			    req, at(req, sw, "category"), "is not used here");
		if (with_cat && (e = find_cat(c, cat, at(req, sw, "category"),
				     &ci)) != ZT_OK)
			return e;
		nr = zt_seatmap_labels(
		    req->arena, rows, rl, ZT_SEATMAP_MAX_ROWS);
		if (nr < 0)
			return malformed(req, at(req, sw, "rows"),
			    "must list rows like \"A-C\" or \"A,D-F\"");
		ns = 0;
		if (seats != NULL && *seats != '\0') {
			ns = zt_seatmap_labels(
			    req->arena, seats, sl, ZT_SEATMAP_MAX_PER_ROW);
			if (ns < 0)
				return malformed(req, at(req, sw, "seats"),
				    "must list seat numbers like \"1-4,9\"");
		}
		for (int a = 0; a < nr; a++) {
			int r = 0;
			while (r < g->nrows && strcmp(g->rows[r], rl[a]) != 0)
				r++;
			if (r == g->nrows)
				return invalid(req, at(req, sw, "rows"),
				    "row '%s' is not in the generator's rows",
				    rl[a]);
			for (int b = 0; b < (ns ? ns : (int)g->per_row); b++) {
				int64_t j = b;
				if (ns) {
					char *end;
					long v = strtol(sl[b], &end, 10);
					j = (int64_t)v - g->first;
					if (*end != '\0' || j < 0 ||
					    j >= g->per_row)
						return invalid(req,
						    at(req, sw, "seats"),
						    "seat '%s' is not in row "
						    "%s",
						    sl[b], rl[a]);
				}
				size_t cell =
				    (size_t)r * (size_t)g->per_row + (size_t)j;
				if (with_cat)
					g->cat[cell] = ci;
				else
					flags[cell] = 1;
			}
		}
	}
	return ZT_OK;
}

/* aisles before each seat index, from "aisleAfter", into *out */
static enum zt_err
read_aisles(struct ctx *c, const struct grid *g, struct json_object *arr,
    const char *w, int **out)
{
	struct zt_req *req = c->req;
	int *before =
	    zt_arena_zalloc(req->arena, (size_t)g->per_row * sizeof(int));
	size_t n = arr ? json_object_array_length(arr) : 0;
	if (n > ZT_SEATMAP_MAX_PER_ROW)
		return invalid(req, at(req, w, "aisleAfter"),
		    "at most %d aisles", ZT_SEATMAP_MAX_PER_ROW);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		int64_t k = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || k < g->first ||
		    k >= g->first + g->per_row - 1)
			return invalid(req, idx(req, w, "aisleAfter", i),
			    "must be a seat number from %lld to %lld",
			    (long long)g->first,
			    (long long)(g->first + g->per_row - 2));
		for (int64_t j = k - g->first + 1; j < g->per_row; j++)
			before[j]++;
	}
	*out = before;
	return ZT_OK;
}

/* empty rows before each row index, from "rowGapAfter", into *out */
static enum zt_err
read_row_gaps(struct ctx *c, const struct grid *g, struct json_object *arr,
    const char *w, int **out)
{
	struct zt_req *req = c->req;
	int *before =
	    zt_arena_zalloc(req->arena, (size_t)g->nrows * sizeof(int));
	size_t n = arr ? json_object_array_length(arr) : 0;
	if (n > ZT_SEATMAP_MAX_ROWS)
		return invalid(req, at(req, w, "rowGapAfter"),
		    "at most %d gaps", ZT_SEATMAP_MAX_ROWS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		int r = 0;
		if (json_object_is_type(v, json_type_string))
			while (
			    r < g->nrows &&
			    strcmp(g->rows[r], json_object_get_string(v)) != 0)
				r++;
		if (!json_object_is_type(v, json_type_string) ||
		    r >= g->nrows - 1)
			return invalid(req, idx(req, w, "rowGapAfter", i),
			    "must name a row of the generator other than the "
			    "last");
		for (int k = r + 1; k < g->nrows; k++)
			before[k]++;
	}
	*out = before;
	return ZT_OK;
}

static const char *const gen_keys[] = {"section", "rows", "seatsPerRow",
    "firstSeat", "aisleAfter", "rowGapAfter", "category", "categories",
    "blocked", "accessible", NULL};

static enum zt_err
parse_generate(struct ctx *c, struct json_object *o, const char *w,
    const char *section, double x0, double y0)
{
	struct zt_req *req = c->req;
	struct json_object *aisles, *rowgaps, *cats, *blocked, *acc;
	const char *rows = NULL, *defcat = NULL;
	struct grid g = {0};
	size_t cells, defidx = SIZE_MAX;
	int *aisle_before = NULL, *gap_before = NULL;
	enum zt_err e;

	if (!json_object_is_type(o, json_type_object))
		return malformed(req, w, "must be an object");
	if ((e = known(req, o, w, gen_keys)) != ZT_OK ||
	    (e = get_label(req, o, w, "rows", 1, 1000, &rows)) != ZT_OK ||
	    (e = get_int(req, o, w, "seatsPerRow", 1, 1, ZT_SEATMAP_MAX_PER_ROW,
		 &g.per_row)) != ZT_OK)
		return e;
	g.first = 1;
	if ((e = get_int(req, o, w, "firstSeat", 0, 0, 100000, &g.first)) !=
		ZT_OK ||
	    (e = member(req, o, w, "aisleAfter", json_type_array, &aisles)) !=
		ZT_OK ||
	    (e = member(req, o, w, "rowGapAfter", json_type_array, &rowgaps)) !=
		ZT_OK ||
	    (e = get_label(req, o, w, "category", 0, 100, &defcat)) != ZT_OK ||
	    (e = member(req, o, w, "categories", json_type_array, &cats)) !=
		ZT_OK ||
	    (e = member(req, o, w, "blocked", json_type_array, &blocked)) !=
		ZT_OK ||
	    (e = member(req, o, w, "accessible", json_type_array, &acc)) !=
		ZT_OK)
		return e;
	g.rows =
	    zt_arena_array(req->arena, ZT_SEATMAP_MAX_ROWS, sizeof(*g.rows));
	g.nrows =
	    zt_seatmap_labels(req->arena, rows, g.rows, ZT_SEATMAP_MAX_ROWS);
	if (g.nrows < 0)
		return malformed(req, at(req, w, "rows"),
		    "must list at most %d rows like \"A-T\", \"A-H,J-T\" or "
		    "\"1-30\"",
		    ZT_SEATMAP_MAX_ROWS);
	/* both factors are capped, so the product cannot overflow */
	cells = (size_t)g.nrows * (size_t)g.per_row;
	if (cells + c->m->nseats > ZT_SEATMAP_MAX_SEATS)
		return invalid(req, w, "a layout has at most %d seats",
		    ZT_SEATMAP_MAX_SEATS);
	if (defcat != NULL &&
	    (e = find_cat(c, defcat, at(req, w, "category"), &defidx)) != ZT_OK)
		return e;
	if (defcat == NULL && c->m->ncats == 1)
		defidx = 0;

	if ((e = read_aisles(c, &g, aisles, w, &aisle_before)) != ZT_OK ||
	    (e = read_row_gaps(c, &g, rowgaps, w, &gap_before)) != ZT_OK)
		return e;
	g.cat = zt_arena_array(req->arena, cells ? cells : 1, sizeof(size_t));
	for (size_t i = 0; i < cells; i++)
		g.cat[i] = defidx;
	g.blocked = zt_arena_zalloc(req->arena, cells ? cells : 1);
	g.accessible = zt_arena_zalloc(req->arena, cells ? cells : 1);
	const struct {
		struct json_object *list;
		const char *key;
		unsigned char *flags;
	} sel[] = {{cats, "categories", NULL}, {blocked, "blocked", g.blocked},
	    {acc, "accessible", g.accessible}};
	for (size_t i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		if (sel[i].list != NULL &&
		    (e = apply_selectors(c, &g, sel[i].list,
			 at(req, w, sel[i].key), sel[i].flags == NULL,
			 sel[i].flags)) != ZT_OK)
			return e;

	for (int r = 0; r < g.nrows; r++) {
		for (int64_t j = 0; j < g.per_row; j++) {
			size_t cell = (size_t)r * (size_t)g.per_row + (size_t)j;
			struct zt_seat s = {section, g.rows[r],
			    zt_arena_printf(
				req->arena, "%lld", (long long)(g.first + j)),
			    x0 + (double)j + aisle_before[j],
			    y0 + r + gap_before[r], g.cat[cell],
			    g.blocked[cell], g.accessible[cell]};
			if (s.cat == SIZE_MAX)
				return invalid(req, at(req, w, "category"),
				    "row %s seat %s has no category: give "
				    "'category' or cover it in 'categories'",
				    s.row, s.label);
			if ((e = push_seat(c, &s, w)) != ZT_OK)
				return e;
		}
	}
	return ZT_OK;
}

/* ---- sections ---- */

static const char *const section_keys[] = {
    "name", "x", "y", "rows", "generate", NULL};

static enum zt_err
parse_section(
    struct ctx *c, struct json_object *o, const char *w, const char **name)
{
	struct zt_req *req = c->req;
	struct json_object *rows, *gen;
	double x0 = 0, y0;
	int has_x, has_y;
	enum zt_err e;

	*name = "";
	if (!json_object_is_type(o, json_type_object))
		return malformed(req, w, "must be an object");
	if ((e = known(req, o, w, section_keys)) != ZT_OK ||
	    (e = get_label(req, o, w, "name", 0, ZT_SEATMAP_SECTION_MAX,
		 name)) != ZT_OK ||
	    (e = get_coord(req, o, w, "x", &x0, &has_x)) != ZT_OK ||
	    (e = get_coord(req, o, w, "y", &y0, &has_y)) != ZT_OK ||
	    (e = member(req, o, w, "rows", json_type_array, &rows)) != ZT_OK ||
	    (e = member(req, o, w, "generate", json_type_object, &gen)) !=
		ZT_OK)
		return e;
	if (!has_x)
		x0 = 0;
	if (!has_y)
		y0 = c->any_seat ? c->max_y + 2 : 0;
	if ((rows == NULL) == (gen == NULL))
		return malformed(req, w, "give either 'rows' or 'generate'");
	if (gen != NULL) {
		if (json_object_object_get_ex(gen, "section", NULL))
			return malformed(req, at(req, w, "generate.section"),
			    "name the section with the section's 'name'");
		return parse_generate(
		    c, gen, at(req, w, "generate"), *name, x0, y0);
	}
	size_t n = json_object_array_length(rows);
	if (n > ZT_SEATMAP_MAX_ROWS)
		return invalid(req, at(req, w, "rows"),
		    "a section has at most %d rows", ZT_SEATMAP_MAX_ROWS);
	double y = y0;
	for (size_t i = 0; i < n; i++) {
		if ((e = parse_row(c, json_object_array_get_idx(rows, i), *name,
			 idx(req, w, "rows", i), x0, &y)) != ZT_OK)
			return e;
		y += 1;
	}
	return ZT_OK;
}

/* ---- ticket types ---- */

static const char *const type_keys[] = {"id", "name", "description",
    "pricePaise", "capacity", "perOrderLimit", "salesStartsAt", "salesEndsAt",
    "sold", "available", NULL};

static enum zt_err
get_when(struct zt_req *req, struct json_object *o, const char *w,
    const char *key, int64_t *out, int *has)
{
	struct json_object *v;
	enum zt_err e = member(req, o, w, key, json_type_string, &v);
	*has = 0;
	if (e != ZT_OK || v == NULL)
		return e;
	if (zt_time_parse(json_object_get_string(v), out) != 0)
		return malformed(req, at(req, w, key),
		    "must be an RFC 3339 date-time such as "
		    "2026-11-22T18:30:00+05:30");
	*has = 1;
	return ZT_OK;
}

static enum zt_err
parse_types(struct ctx *c, struct json_object *arr)
{
	struct zt_req *req = c->req;
	size_t n = json_object_array_length(arr);
	enum zt_err e;

	if (n > ZT_SEATMAP_MAX_TYPES)
		return invalid(req, "ticketTypes", "at most %d ticket types",
		    ZT_SEATMAP_MAX_TYPES);
	c->m->types =
	    zt_arena_array(req->arena, n ? n : 1, sizeof(*c->m->types));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct zt_ticket_type *t = &c->m->types[i];
		const char *w = idx(req, "", "ticketTypes", i);
		struct json_object *d;

		memset(t, 0, sizeof(*t));
		t->description = "";
		t->per_order_limit = 10;
		if (!json_object_is_type(o, json_type_object))
			return malformed(req, w, "must be an object");
		if ((e = known(req, o, w, type_keys)) != ZT_OK ||
		    (e = get_label(req, o, w, "name", 1, 100, &t->name)) !=
			ZT_OK ||
		    (e = member(req, o, w, "description", json_type_string,
			 &d)) != ZT_OK ||
		    (e = get_int(req, o, w, "pricePaise", 1, 0, PRICE_MAX,
			 &t->price_paise)) != ZT_OK ||
		    (e = get_int(req, o, w, "capacity", 1, 1, CAPACITY_MAX,
			 &t->capacity)) != ZT_OK ||
		    (e = get_int(req, o, w, "perOrderLimit", 0, 1, 100,
			 &t->per_order_limit)) != ZT_OK ||
		    (e = get_when(req, o, w, "salesStartsAt",
			 &t->sales_starts_at, &t->has_sales_starts)) != ZT_OK ||
		    (e = get_when(req, o, w, "salesEndsAt", &t->sales_ends_at,
			 &t->has_sales_ends)) != ZT_OK)
			return e;
		if (d != NULL) {
			t->description = json_object_get_string(d);
			if (json_object_get_string_len(d) > 1000 ||
			    strlen(t->description) !=
				(size_t)json_object_get_string_len(d))
				return malformed(req, at(req, w, "description"),
				    "must be at most 1000 characters");
		}
		if (t->has_sales_starts && t->has_sales_ends &&
		    t->sales_ends_at <= t->sales_starts_at)
			return invalid(req, at(req, w, "salesEndsAt"),
			    "must be after salesStartsAt");
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->m->types[j].name, t->name) == 0)
				return invalid(req, at(req, w, "name"),
				    "ticket type '%s' is declared twice",
				    t->name);
		c->m->ntypes++;
	}
	return ZT_OK;
}

/* ---- the document ---- */

static int
seat_cmp(const void *a, const void *b)
{
	const struct zt_seat *x = *(const struct zt_seat *const *)a;
	const struct zt_seat *y = *(const struct zt_seat *const *)b;
	int d = strcmp(x->section, y->section);
	if (d == 0)
		d = strcmp(x->row, y->row);
	if (d == 0)
		d = strcmp(x->label, y->label);
	return d;
}

static enum zt_err
check_unique(struct ctx *c)
{
	struct zt_seatmap *m = c->m;
	const struct zt_seat **v;
	if (m->nseats < 2)
		return ZT_OK;
	v = zt_arena_array(c->req->arena, m->nseats, sizeof(*v));
	for (size_t i = 0; i < m->nseats; i++)
		v[i] = &m->seats[i];
	qsort(v, m->nseats, sizeof(*v), seat_cmp);
	for (size_t i = 1; i < m->nseats; i++)
		if (seat_cmp(&v[i - 1], &v[i]) == 0)
			return invalid(c->req, "sections",
			    "seat %s%s%s-%s appears twice", v[i]->section,
			    *v[i]->section ? " " : "", v[i]->row, v[i]->label);
	return ZT_OK;
}

static const char *const doc_keys[] = {
    "kind", "categories", "sections", "generate", "ticketTypes", NULL};

enum zt_err
zt_seatmap_parse(
    struct zt_req *req, struct json_object *doc, struct zt_seatmap *m)
{
	struct ctx c = {req, m, 0, 0};
	struct json_object *kind, *cats, *sections, *gen, *types;
	enum zt_err e;

	memset(m, 0, sizeof(*m));
	if (doc == NULL)
		return malformed(req, "layout",
		    "send the layout as a JSON "
		    "object");
	if ((e = known(req, doc, "", doc_keys)) != ZT_OK ||
	    (e = member(req, doc, "", "kind", json_type_string, &kind)) !=
		ZT_OK ||
	    (e = member(req, doc, "", "categories", json_type_array, &cats)) !=
		ZT_OK ||
	    (e = member(req, doc, "", "sections", json_type_array,
		 &sections)) != ZT_OK ||
	    (e = member(req, doc, "", "generate", json_type_object, &gen)) !=
		ZT_OK ||
	    (e = member(req, doc, "", "ticketTypes", json_type_array,
		 &types)) != ZT_OK)
		return e;
	if (kind != NULL) {
		m->kind = json_object_get_string(kind);
		if (strcmp(m->kind, "reserved") != 0 &&
		    strcmp(m->kind, "ga") != 0 &&
		    strcmp(m->kind, "hybrid") != 0)
			return malformed(
			    req, "kind", "must be reserved, ga or hybrid");
	}
	if (sections != NULL && gen != NULL)
		return malformed(
		    req, "generate", "give either 'sections' or 'generate'");
	m->cats = zt_arena_array(req->arena, 1, sizeof(*m->cats));
	if (cats != NULL && (e = parse_cats(&c, cats)) != ZT_OK)
		return e;
	if (gen != NULL) {
		const char *name = "";
		if ((e = get_label(req, gen, "generate", "section", 0,
			 ZT_SEATMAP_SECTION_MAX, &name)) != ZT_OK ||
		    (e = parse_generate(&c, gen, "generate", name, 0, 0)) !=
			ZT_OK)
			return e;
	}
	if (sections != NULL) {
		size_t n = json_object_array_length(sections);
		const char **names;
		if (n > ZT_SEATMAP_MAX_SECTIONS)
			return invalid(req, "sections",
			    "a layout has at most %d sections",
			    ZT_SEATMAP_MAX_SECTIONS);
		names = zt_arena_array(req->arena, n ? n : 1, sizeof(*names));
		for (size_t i = 0; i < n; i++) {
			const char *w = idx(req, "", "sections", i);
			if ((e = parse_section(&c,
				 json_object_array_get_idx(sections, i), w,
				 &names[i])) != ZT_OK)
				return e;
			for (size_t j = 0; j < i; j++)
				if (strcmp(names[j], names[i]) == 0)
					return invalid(req, at(req, w, "name"),
					    "section '%s' appears twice",
					    names[i]);
		}
	}
	if (types != NULL && (e = parse_types(&c, types)) != ZT_OK)
		return e;
	return check_unique(&c);
}
