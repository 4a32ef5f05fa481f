/* zt_time.c - RFC 3339 parsing and formatting; see zt_time.h. */
#include "zt_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* n digits at s as a number; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int
zt_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se, off = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20)
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 1970 || s[4] != '-' || mo < 1 || mo > 12 || s[7] != '-' ||
	    d < 1 || d > days_in_month(y, mo) ||
	    (s[10] != 'T' && s[10] != 't') || h < 0 || h > 23 || s[13] != ':' ||
	    mi < 0 || mi > 59 || s[16] != ':' || se < 0 || se > 59)
		return -1;
	p = s + 19;
	if (*p == '.') {
		const char *f = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == f || p - f > 9)
			return -1;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
	} else {
		return -1;
	}
	*out =
	    days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	return 0;
}

/* v as n decimal digits, zero-padded */
static void
put(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *
zt_time_format(int64_t t, char out[ZT_TIME_LEN])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t rem = t - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, ZT_TIME_LEN, "%s", "1970-01-01T00:00:00Z");
		return out;
	}
	put(out, y, 4);
	out[4] = '-';
	put(out + 5, m, 2);
	out[7] = '-';
	put(out + 8, d, 2);
	out[10] = 'T';
	put(out + 11, (int)(rem / 3600), 2);
	out[13] = ':';
	put(out + 14, (int)(rem % 3600 / 60), 2);
	out[16] = ':';
	put(out + 17, (int)(rem % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
	return out;
}

char *
zt_time_format_msbuf(int64_t ms, char out[ZT_TIME_MS_LEN])
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	zt_time_format(secs, out);
	/* "…:SSZ" becomes "…:SS.mmmZ" */
	out[19] = '.';
	put(out + 20, (int)frac, 3);
	out[23] = 'Z';
	out[24] = '\0';
	return out;
}

char *
zt_time_format_ms(struct zt_arena *a, int64_t ms)
{
	char buf[ZT_TIME_MS_LEN];
	return zt_arena_strdup(a, zt_time_format_msbuf(ms, buf));
}

int64_t
zt_time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
zt_time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
