/* zt_time.c - clocks and RFC 3339; see zt_time.h. */
#include "zt_time.h"

#include <time.h>

long long
zt_time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
zt_time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
zt_time_format(struct zt_arena *a, long long ms)
{
	char buf[32];
	struct tm tm;
	long long secs = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return zt_arena_printf(a, "%s.%03lldZ", buf, frac);
}
