/* zt_slug.c - slug derivation and checks; see zt_slug.h. */
#include "zt_slug.h"
#include "zt_uuid.h"

#include <stdio.h>
#include <string.h>

static int
slug_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
zt_slug_valid(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max || !slug_char((unsigned char)s[0]) ||
	    !slug_char((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!slug_char((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/*
 * Plain letter for a UTF-8 Latin-1 supplement letter (U+00C0..U+00FF,
 * encoded C3 80..C3 BF), lowercase; 0 when it has none.
 */
static int
fold_latin1(unsigned char second)
{
	static const char map[] =
	    "aaaaaaaceeeeiiii"	/* C0..CF */
	    "dnooooo ouuuuyts"	/* D0..DF (D7 is the multiplication sign) */
	    "aaaaaaaceeeeiiii"	/* E0..EF */
	    "dnooooo ouuuuyty"; /* F0..FF (F7 is the division sign) */
	if (second < 0x80 || second > 0xbf)
		return 0;
	char c = map[second - 0x80];
	return c == ' ' ? 0 : c;
}

int
zt_slug_derive(const char *text, char *out, size_t max)
{
	size_t n = 0;
	int dash = 0;
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	while (*p != '\0' && n < max) {
		int c = *p;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == 0xc3 && p[1] != '\0' && fold_latin1(p[1])) {
			c = fold_latin1(p[1]);
			p++;
		}
		p++;
		if (slug_char(c)) {
			if (dash && n > 0 && n + 1 < max)
				out[n++] = '-';
			else if (dash && n > 0)
				break;
			dash = 0;
			out[n++] = (char)c;
		} else if (c == '\'') {
			/* "Children's" reads better as "childrens" */
		} else {
			dash = 1;
		}
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

void
zt_slug_next(const char *base, unsigned n, char *out, size_t max)
{
	char suffix[16], rnd[ZT_UUID_BUF];
	size_t blen = strlen(base), slen;

	if (n <= 1) {
		snprintf(out, max + 1, "%s", base);
		return;
	}
	if (n <= ZT_SLUG_NUMBERED) {
		snprintf(suffix, sizeof(suffix), "-%u", n);
	} else {
		zt_uuid_new(rnd);
		snprintf(suffix, sizeof(suffix), "-%.6s", rnd);
	}
	slen = strlen(suffix);
	if (blen + slen > max)
		blen = max > slen ? max - slen : 0;
	while (blen > 0 && base[blen - 1] == '-')
		blen--;
	snprintf(out, max + 1, "%.*s%s", (int)blen, base,
	    blen ? suffix : suffix + 1);
}
