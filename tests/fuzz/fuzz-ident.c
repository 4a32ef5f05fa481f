/*
 * fuzz-ident.c - sign-in identifiers and other short client strings:
 * email and phone normalisation (lib/zt_ident.c), slugs (lib/zt_slug.c)
 * and RFC 3339 instants (lib/zt_time.c).  Input: the string.
 */
#include "fuzz.h"
#include "zt_ident.h"
#include "zt_slug.h"
#include "zt_time.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	char out[320];
	int64_t t;
	if (zt_ident_email(s, out, sizeof out) == 0 &&
	    memchr(out, '\0', sizeof out) == NULL)
		abort();
	if (zt_ident_phone(s, out, sizeof out) == 0 &&
	    memchr(out, '\0', sizeof out) == NULL)
		abort();
	(void)zt_ident_email(s, out, 8);
	(void)zt_ident_phone(s, out, 8);
	(void)zt_slug_valid(s, 64);
	(void)zt_slug_derive(s, out, 64);
	(void)zt_slug_derive(s, out, 1);
	if (zt_time_parse(s, &t) == 0) {
		char buf[ZT_TIME_LEN];
		(void)zt_time_format(t, buf);
	}
	free(s);
	return 0;
}
