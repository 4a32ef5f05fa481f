/*
 * zt_seatmap.h - the layout document of an event: price categories, seats
 * (sections -> rows -> seats, or a generator), GA ticket types.
 *
 * This module is pure: it turns the JSON document of PUT
 * /api/events/:id/layout into flat arrays and checks them, without the
 * database (zt_layout.c stores them).  The format is documented in
 * docs/seatmap.md.  Everything comes from req->arena.
 *
 * Errors: 400 "invalid_field" for a malformed document (wrong type, bad
 * label), 422 "invalid_layout" for one that is well formed but wrong
 * (unknown category, duplicate seat, too many seats); the message names the
 * place, e.g. "sections[0].rows[2].seats[5].category".
 */
#ifndef ZT_SEATMAP_H
#define ZT_SEATMAP_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "zt_req.h"

#define ZT_SEATMAP_MAX_SEATS 20000
#define ZT_SEATMAP_MAX_SECTIONS 100
#define ZT_SEATMAP_MAX_ROWS 500	    /* per section */
#define ZT_SEATMAP_MAX_PER_ROW 1000 /* seats and gaps */
#define ZT_SEATMAP_MAX_CATS 50
#define ZT_SEATMAP_MAX_TYPES 50
#define ZT_SEATMAP_MAX_COORD 100000.0
#define ZT_SEATMAP_LABEL_MAX 16 /* row and seat labels */
#define ZT_SEATMAP_SECTION_MAX 60

struct zt_seat_cat {
	const char *name;
	int64_t price_paise;
	const char *colour; /* "#rrggbb" */
};

struct zt_seat {
	const char *section; /* "" when the map has one unnamed section */
	const char *row;
	const char *label;
	double x, y;
	size_t cat; /* index into cats */
	int blocked, accessible;
};

struct zt_ticket_type {
	const char *name;
	const char *description;
	int64_t price_paise;
	int64_t capacity;
	int64_t per_order_limit;
	int64_t sales_starts_at, sales_ends_at; /* when has_… */
	int has_sales_starts, has_sales_ends;
};

struct zt_seatmap {
	const char *kind; /* "reserved" | "ga" | "hybrid", NULL when absent */
	struct zt_seat_cat *cats;
	size_t ncats;
	struct zt_seat *seats;
	size_t nseats, capseats;
	struct zt_ticket_type *types;
	size_t ntypes;
};

/*
 * Read a layout document into m (zeroed first), expanding generators and
 * filling in positions, then check it (labels unique, categories known,
 * caps).  ZT_OK, or the error recorded on req.
 */
enum zt_err zt_seatmap_parse(
    struct zt_req *req, struct json_object *doc, struct zt_seatmap *m);

/*
 * Expand a label range list such as "A-H,J-T" (letters, spreadsheet style
 * "Z-AB" too) or "1-24,30": fills out[] (arena strings) up to max items.
 * Returns the count, or -1 when malformed or longer than max.
 */
int zt_seatmap_labels(
    struct zt_arena *a, const char *spec, const char **out, int max);

#endif
