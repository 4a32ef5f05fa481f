/*
 * zt_time.h - wall-clock time in milliseconds and its RFC 3339 form.
 *
 * Holds expire to the millisecond (Redis time), so API answers and live
 * messages carry instants as "2026-11-22T03:16:28.123Z" (RFC 3339, UTC).
 */
#ifndef ZT_TIME_H
#define ZT_TIME_H

#include "zt_arena.h"

/* Milliseconds since the epoch (CLOCK_REALTIME). */
long long zt_time_now_ms(void);
/* Milliseconds of a monotonic clock (for ages and timeouts). */
long long zt_time_mono_ms(void);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" of ms since the epoch, in the arena. */
char *zt_time_format(struct zt_arena *a, long long ms);

#endif
