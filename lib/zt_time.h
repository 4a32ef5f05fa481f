/*
 * zt_time.h - RFC 3339 instants.
 *
 * The API speaks RFC 3339 ("2026-11-22T18:30:00Z", "2026-11-23T00:00:00+05:30")
 * and answers in UTC with a Z.  Instants are whole seconds since the Unix
 * epoch: a fraction of a second is accepted and dropped.
 */
#ifndef ZT_TIME_H
#define ZT_TIME_H

#include <stdint.h>

#include "zt_arena.h"

#define ZT_TIME_LEN 21	  /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define ZT_TIME_MS_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/*
 * Parse an RFC 3339 date-time with a Z or a numeric offset, years 1970 to
 * 9999.  0 ok (*out = seconds since the epoch), -1 malformed.
 */
int zt_time_parse(const char *s, int64_t *out);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out; returns out. */
char *zt_time_format(int64_t t, char out[ZT_TIME_LEN]);

/*
 * Holds expire to the millisecond (Redis time), so hold answers and live
 * messages carry "YYYY-MM-DDTHH:MM:SS.mmmZ" (still RFC 3339, UTC): ms
 * since the epoch formatted into the arena.
 */
char *zt_time_format_ms(struct zt_arena *a, int64_t ms);
/* The same into a buffer, for callers without an arena (logs, outbox). */
char *zt_time_format_msbuf(int64_t ms, char out[ZT_TIME_MS_LEN]);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t zt_time_now_ms(void);
/* Milliseconds of a monotonic clock (ages and timeouts). */
int64_t zt_time_mono_ms(void);

#endif
