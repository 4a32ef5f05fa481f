/* test-time.c - RFC 3339 with milliseconds, clocks. */
#include "zt_test.h"
#include "zt_time.h"

TEST(formats_utc_with_milliseconds)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_time_format(a, 0), "1970-01-01T00:00:00.000Z");
	CHECK_STR(zt_time_format(a, 1795320000123LL),
	    "2026-11-22T04:00:00.123Z");
	CHECK_STR(zt_time_format(a, 999), "1970-01-01T00:00:00.999Z");
	CHECK_STR(zt_time_format(a, -1), "1969-12-31T23:59:59.999Z");
	zt_arena_free(a);
}

TEST(clocks_move_forward)
{
	long long w = zt_time_now_ms(), m = zt_time_mono_ms();
	CHECK(w > 1700000000000LL);
	CHECK(zt_time_mono_ms() >= m);
}

int
main(void)
{
	RUN(formats_utc_with_milliseconds);
	RUN(clocks_move_forward);
	return DONE();
}
