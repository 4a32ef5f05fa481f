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

#define ZT_TIME_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/*
 * Parse an RFC 3339 date-time with a Z or a numeric offset, years 1970 to
 * 9999.  0 ok (*out = seconds since the epoch), -1 malformed.
 */
int zt_time_parse(const char *s, int64_t *out);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out; returns out. */
char *zt_time_format(int64_t t, char out[ZT_TIME_LEN]);

#endif
