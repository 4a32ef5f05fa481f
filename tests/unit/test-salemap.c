/* test-salemap.c - seat and type lookup, the on-sale rules. */
#include <stdlib.h>

#include "zt_salemap.h"
#include "zt_test.h"

#define NOW 1800000000000LL
#define HOUR 3600000LL

static struct zt_sale_seat seats[] = {
	{"cccccccc-0000-4000-8000-000000000003", 0},
	{"aaaaaaaa-0000-4000-8000-000000000001", 1},
	{"bbbbbbbb-0000-4000-8000-000000000002", 0},
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
	m.seats = seats;
	m.nseats = 3;
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
	const struct zt_sale_seat *s;
	CHECK_STR(m.seats[0].id, "aaaaaaaa-0000-4000-8000-000000000001");
	s = zt_salemap_seat(&m, "aaaaaaaa-0000-4000-8000-000000000001");
	CHECK(s != NULL && s->blocked);
	CHECK(zt_salemap_seat(&m, "cccccccc-0000-4000-8000-000000000003"));
	CHECK(!zt_salemap_seat(&m, "cccccccc-0000-4000-8000-000000000004"));
	CHECK(!zt_salemap_seat(&m, "cccccccc-0000-4000-8000-0000000000033"));
	CHECK(!zt_salemap_seat(&m, ""));
	CHECK(zt_salemap_type(&m, "dddddddd-0000-4000-8000-000000000001")
	          ->capacity == 50);
	CHECK(!zt_salemap_type(&m, "aaaaaaaa-0000-4000-8000-000000000001"));
}

TEST(empty_map_finds_nothing)
{
	struct zt_salemap m = {0};
	CHECK(!zt_salemap_seat(&m, "aaaaaaaa-0000-4000-8000-000000000001"));
	CHECK(!zt_salemap_type(&m, "aaaaaaaa-0000-4000-8000-000000000001"));
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
}

TEST(without_an_end_sales_run_until_the_event_ends)
{
	struct zt_salemap m = published();
	CHECK_STR(sale(&m, m.ends_ms - 1), "");
	CHECK_STR(sale(&m, m.ends_ms), "event_ended");
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
	RUN(empty_map_finds_nothing);
	RUN(status_decides_before_the_window);
	RUN(sales_window_bounds_are_half_open);
	RUN(without_an_end_sales_run_until_the_event_ends);
	RUN(ticket_type_window);
	return DONE();
}
