/* test-time.c - RFC 3339 instants in, UTC out. */
#include "zt_time.h"
#include "zt_test.h"

#include <string.h>

static int64_t
t(const char *s)
{
	int64_t v = -1;
	return zt_time_parse(s, &v) == 0 ? v : -1;
}

TEST(utc_and_offsets_name_the_same_instant)
{
	CHECK(t("1970-01-01T00:00:00Z") == 0);
	CHECK(t("2026-11-22T18:30:00Z") == 1795372200);
	CHECK(t("2026-11-23T00:00:00+05:30") == 1795372200);
	CHECK(t("2026-11-22T13:30:00-05:00") == 1795372200);
	CHECK(t("2026-11-22t18:30:00z") == 1795372200);
	/* fractions are accepted and dropped */
	CHECK(t("2026-11-22T18:30:00.999Z") == 1795372200);
	CHECK(t("2024-02-29T00:00:00Z") == 1709164800);
	CHECK(t("9999-12-31T23:59:59Z") == 253402300799LL);
}

TEST(malformed_instants_are_refused)
{
	const char *bad[] = {"", "2026-11-22", "2026-11-22 18:30:00Z",
	    "2026-11-22T18:30:00", "2026-11-22T18:30Z", "2026-13-01T00:00:00Z",
	    "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
	    "2026-11-22T24:00:00Z", "2026-11-22T18:60:00Z",
	    "2026-11-22T18:30:60Z", "2026-11-22T18:30:00+0530",
	    "2026-11-22T18:30:00+05:30x", "2026-11-22T18:30:00.Z",
	    "1969-12-31T23:59:59Z", "２026-11-22T18:30:00Z",
	    "2026-11-22T18:30:00+24:00", "2026-1-22T18:30:00Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v;
		if (zt_time_parse(bad[i], &v) == 0)
			printf("#   accepted \"%s\"\n", bad[i]);
		CHECK(zt_time_parse(bad[i], &v) != 0);
	}
	CHECK(zt_time_parse(NULL, &(int64_t){0}) != 0);
}

TEST(format_is_utc_with_z_and_round_trips)
{
	char buf[ZT_TIME_LEN];
	CHECK_STR(zt_time_format(0, buf), "1970-01-01T00:00:00Z");
	CHECK_STR(zt_time_format(1795372200, buf), "2026-11-22T18:30:00Z");
	CHECK_STR(zt_time_format(1709164800, buf), "2024-02-29T00:00:00Z");
	for (int64_t v = 0; v < 4102444800LL; v += 86400 * 37 + 3601) {
		int64_t back;
		zt_time_format(v, buf);
		CHECK(zt_time_parse(buf, &back) == 0 && back == v);
	}
}

TEST(format_ms_keeps_milliseconds)
{
	struct zt_arena *a = zt_arena_new();
	CHECK_STR(zt_time_format_ms(a, 0), "1970-01-01T00:00:00.000Z");
	CHECK_STR(zt_time_format_ms(a, 1795320000123LL),
	    "2026-11-22T04:00:00.123Z");
	CHECK_STR(zt_time_format_ms(a, 999), "1970-01-01T00:00:00.999Z");
	zt_arena_free(a);
}

TEST(format_msbuf_is_the_one_millisecond_format)
{
	struct zt_arena *a = zt_arena_new();
	char buf[ZT_TIME_MS_LEN];
	CHECK_STR(zt_time_format_msbuf(0, buf), "1970-01-01T00:00:00.000Z");
	CHECK_STR(zt_time_format_msbuf(1795372200007LL, buf),
	    "2026-11-22T18:30:00.007Z");
	CHECK_STR(zt_time_format_msbuf(-1, buf), "1969-12-31T23:59:59.999Z");
	CHECK(strlen(buf) == ZT_TIME_MS_LEN - 1);
	/* the arena form and the seconds form agree with it */
	for (int64_t ms = 0; ms < 4102444800000LL; ms += 86400037LL * 41 + 7) {
		char s[ZT_TIME_LEN];
		zt_time_format_msbuf(ms, buf);
		CHECK_STR(zt_time_format_ms(a, ms), buf);
		zt_time_format(ms / 1000, s);
		CHECK(strncmp(s, buf, 19) == 0 && buf[19] == '.');
	}
	zt_arena_free(a);
}

TEST(clocks_move_forward)
{
	int64_t w = zt_time_now_ms(), m = zt_time_mono_ms();
	CHECK(w > 1700000000000LL);
	CHECK(zt_time_mono_ms() >= m);
}

int
main(void)
{
	RUN(utc_and_offsets_name_the_same_instant);
	RUN(malformed_instants_are_refused);
	RUN(format_is_utc_with_z_and_round_trips);
	RUN(format_ms_keeps_milliseconds);
	RUN(format_msbuf_is_the_one_millisecond_format);
	RUN(clocks_move_forward);
	return DONE();
}
