/* test-salemap.c - seat and type lookup, the on-sale rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_salemap.h"
#include "zt_test.h"

#define NOW 1800000000000LL
#define HOUR 3600000LL

static const struct {
	const char *id;
	int blocked;
} seats[] = {
    {"cccccccc-0000-4000-8000-000000000003", 0},
    {"aaaaaaaa-0000-4000-8000-000000000001", 1},
    {"bbbbbbbb-0000-4000-8000-000000000002", 0},
    {"ffffffff-0000-4000-8000-00000000000f", 1},
};
static struct zt_sale_type types[] = {
	{"dddddddd-0000-4000-8000-000000000002", 100, 0, 10, 0, 0, 0},
	{"dddddddd-0000-4000-8000-000000000001", 50, 5, 4, 0, 0, 1},
};

static struct zt_salemap
published(void)
{
	struct zt_salemap m = {0};
	snprintf(m.status, sizeof(m.status), "published");
	m.ends_ms = NOW + 48 * HOUR;
	m.per_user_limit = 10;
	zt_salemap_seat_room(&m, 4, 2);
	for (size_t i = 0; i < 4; i++)
		CHECK(zt_salemap_add_seat(&m, seats[i].id, seats[i].blocked) ==
		      0);
	m.types = types;
	m.ntypes = 2;
	zt_salemap_index(&m);
	return m;
}

/* The error code on_sale records at now, "" when on sale. */
static const char *
sale(const struct zt_salemap *m, long long now)
{
	static char code[64];
	struct zt_req *req = zt_req_new(NULL, NULL);
	enum zt_err e = zt_salemap_on_sale(req, m, now);
	snprintf(code, sizeof(code), "%s",
	    e == ZT_OK ? "" : req->err_code);
	if (e != ZT_OK && zt_err_status(e) != 409)
		snprintf(code, sizeof(code), "not a 409");
	zt_req_free(req);
	return code;
}

TEST(lookup_finds_seats_and_types_after_indexing)
{
	struct zt_salemap m = published();
	char id[ZT_UUID_BUF];
	CHECK(m.nseats == 4 && m.nblocked == 2);
	zt_uuid_format(m.seats[0], id);
	CHECK_STR(id, "aaaaaaaa-0000-4000-8000-000000000001");
	zt_uuid_format(m.blocked[1], id);
	CHECK_STR(id, "ffffffff-0000-4000-8000-00000000000f");
	CHECK(zt_salemap_seat(&m, "aaaaaaaa-0000-4000-8000-000000000001") ==
	      ZT_SEAT_BLOCKED);
	CHECK(zt_salemap_seat(&m, "ffffffff-0000-4000-8000-00000000000f") ==
	      ZT_SEAT_BLOCKED);
	CHECK(zt_salemap_seat(&m, "bbbbbbbb-0000-4000-8000-000000000002") ==
	      ZT_SEAT_OPEN);
	CHECK(zt_salemap_seat(&m, "cccccccc-0000-4000-8000-000000000003") ==
	      ZT_SEAT_OPEN);
	CHECK(zt_salemap_seat(&m, "cccccccc-0000-4000-8000-000000000004") ==
	      ZT_SEAT_UNKNOWN);
	CHECK(zt_salemap_type(&m, "dddddddd-0000-4000-8000-000000000001")
	          ->capacity == 50);
	CHECK(!zt_salemap_type(&m, "aaaaaaaa-0000-4000-8000-000000000001"));
	zt_salemap_free_seats(&m);
}

TEST(seat_ids_in_either_case)
{
	struct zt_salemap m = published();
	CHECK(zt_salemap_seat(&m, "FFFFFFFF-0000-4000-8000-00000000000F") ==
	      ZT_SEAT_BLOCKED);
	CHECK(zt_salemap_seat(&m, "CCCCCCCC-0000-4000-8000-000000000003") ==
	      ZT_SEAT_OPEN);
	zt_salemap_free_seats(&m);
}

TEST(garbage_seat_ids_are_unknown)
{
	struct zt_salemap m = published();
	static const char *bad[] = {
	    "",
	    "cccccccc-0000-4000-8000-0000000000033", /* one digit more */
	    "cccccccc-0000-4000-8000-00000000000",   /* one fewer */
	    "cccccccc00000-4000-8000-000000000003",  /* dash moved */
	    "cccccccc-0000-4000-8000-00000000000g",  /* not hex */
	    "cccccccc-0000-4000-8000-000000000003 ", /* trailing space */
	    "cccccccc000004000800000000000003",      /* no dashes */
	    "cccccccc-0000-4000-8000-00000000000\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zt_salemap_seat(&m, bad[i]) == ZT_SEAT_UNKNOWN);
	/* nor does a map take one */
	CHECK(zt_salemap_add_seat(&m, "not-a-uuid", 0) == -1);
	zt_salemap_free_seats(&m);
}

TEST(a_map_takes_no_more_seats_than_its_room)
{
	struct zt_salemap m = {0};
	zt_salemap_seat_room(&m, 2, 1);
	CHECK(zt_salemap_add_seat(
		  &m, "aaaaaaaa-0000-4000-8000-000000000001", 1) == 0);
	CHECK(zt_salemap_add_seat(
		  &m, "aaaaaaaa-0000-4000-8000-000000000002", 1) == -1);
	CHECK(zt_salemap_add_seat(
		  &m, "aaaaaaaa-0000-4000-8000-000000000002", 0) == 0);
	CHECK(zt_salemap_add_seat(
		  &m, "aaaaaaaa-0000-4000-8000-000000000003", 0) == -1);
	CHECK(m.nseats == 2 && m.nblocked == 1);
	zt_salemap_free_seats(&m);
	CHECK(m.seats == NULL && m.nseats == 0);
}

/* Seats in id order as bytes are in the order of their lowercase text
 * (the blocked list of a snapshot keeps its order). */
TEST(many_seats_sorted_and_found)
{
	struct zt_salemap m = {0};
	char id[ZT_UUID_BUF], prev[ZT_UUID_BUF] = "";
	size_t n = 5000;
	zt_salemap_seat_room(&m, n, n / 7 + 1);
	for (size_t i = 0; i < n; i++) {
		/* spread over the whole id, both halves of each nibble */
		unsigned long x = (unsigned long)i * 2654435761UL;
		snprintf(id, sizeof(id), "%08lx-%04lx-4000-8000-%012zx",
		    x & 0xffffffffUL, (x >> 7) & 0xffffUL, i);
		CHECK(zt_salemap_add_seat(&m, id, i % 7 == 0) == 0);
	}
	zt_salemap_index(&m);
	for (size_t i = 0; i < n; i++) {
		zt_uuid_format(m.seats[i], id);
		CHECK(strcmp(prev, id) < 0);
		snprintf(prev, sizeof(prev), "%s", id);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long x = (unsigned long)i * 2654435761UL;
		snprintf(id, sizeof(id), "%08lx-%04lx-4000-8000-%012zx",
		    x & 0xffffffffUL, (x >> 7) & 0xffffUL, i);
		CHECK(zt_salemap_seat(&m, id) ==
		      (i % 7 == 0 ? ZT_SEAT_BLOCKED : ZT_SEAT_OPEN));
		id[17] = '1'; /* 4001: no seat's */
		CHECK(zt_salemap_seat(&m, id) == ZT_SEAT_UNKNOWN);
	}
	zt_salemap_free_seats(&m);
}

TEST(empty_map_finds_nothing)
{
	struct zt_salemap m = {0};
	CHECK(zt_salemap_seat(&m, "aaaaaaaa-0000-4000-8000-000000000001") ==
	      ZT_SEAT_UNKNOWN);
	CHECK(!zt_salemap_type(&m, "aaaaaaaa-0000-4000-8000-000000000001"));
	zt_salemap_seat_room(&m, 0, 0);
	CHECK(zt_salemap_seat(&m, "aaaaaaaa-0000-4000-8000-000000000001") ==
	      ZT_SEAT_UNKNOWN);
	zt_salemap_free_seats(&m);
}

TEST(status_decides_before_the_window)
{
	struct zt_salemap m = published();
	CHECK_STR(sale(&m, NOW), "");
	snprintf(m.status, sizeof(m.status), "cancelled");
	CHECK_STR(sale(&m, NOW), "event_cancelled");
	snprintf(m.status, sizeof(m.status), "completed");
	CHECK_STR(sale(&m, NOW), "event_ended");
	snprintf(m.status, sizeof(m.status), "draft");
	CHECK_STR(sale(&m, NOW), "event_not_on_sale");
	zt_salemap_free_seats(&m);
}

TEST(sales_window_bounds_are_half_open)
{
	struct zt_salemap m = published();
	m.sales_start_ms = NOW;
	m.sales_end_ms = NOW + HOUR;
	CHECK_STR(sale(&m, NOW - 1), "sales_not_started");
	CHECK_STR(sale(&m, NOW), "");
	CHECK_STR(sale(&m, NOW + HOUR - 1), "");
	CHECK_STR(sale(&m, NOW + HOUR), "sales_ended");
	zt_salemap_free_seats(&m);
}

TEST(without_an_end_sales_run_until_the_event_ends)
{
	struct zt_salemap m = published();
	CHECK_STR(sale(&m, m.ends_ms - 1), "");
	CHECK_STR(sale(&m, m.ends_ms), "event_ended");
	zt_salemap_free_seats(&m);
}

TEST(ticket_type_window)
{
	struct zt_sale_type t = types[0];
	struct zt_req *req = zt_req_new(NULL, NULL);
	t.sales_start_ms = NOW;
	t.sales_end_ms = NOW + HOUR;
	CHECK(zt_salemap_type_on_sale(req, &t, NOW) == ZT_OK);
	CHECK(zt_salemap_type_on_sale(req, &t, NOW - 1) == ZT_ECONFLICT);
	CHECK_STR(req->err_code, "sales_not_started");
	zt_req_end(req);
	CHECK(zt_salemap_type_on_sale(req, &t, NOW + HOUR) == ZT_ECONFLICT);
	CHECK_STR(req->err_code, "sales_ended");
	zt_req_free(req);
}

int
main(void)
{
	RUN(lookup_finds_seats_and_types_after_indexing);
	RUN(seat_ids_in_either_case);
	RUN(garbage_seat_ids_are_unknown);
	RUN(a_map_takes_no_more_seats_than_its_room);
	RUN(many_seats_sorted_and_found);
	RUN(empty_map_finds_nothing);
	RUN(status_decides_before_the_window);
	RUN(sales_window_bounds_are_half_open);
	RUN(without_an_end_sales_run_until_the_event_ends);
	RUN(ticket_type_window);
	return DONE();
}
