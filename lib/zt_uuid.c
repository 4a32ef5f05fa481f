/* zt_uuid.c - UUIDs as text; see zt_uuid.h. */
#include "zt_uuid.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int
zt_is_uuid(const char *s)
{
	if (s == NULL || strlen(s) != ZT_UUID_LEN)
		return 0;
	for (int i = 0; i < ZT_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

char *
zt_uuid_norm(struct zt_arena *a, const char *s)
{
	char *low;
	if (!zt_is_uuid(s))
		return NULL;
	low = zt_arena_strdup(a, s);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return low;
}

void
zt_uuid_new(char out[ZT_UUID_BUF])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	zt_uuid_format(b, out);
}

void
zt_uuid_format(const unsigned char b[16], char out[ZT_UUID_BUF])
{
	snprintf(out, ZT_UUID_BUF,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}
