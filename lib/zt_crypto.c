/* zt_crypto.c - see zt_crypto.h. */
#include "zt_crypto.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

char *
zt_hex(struct zt_arena *a, const unsigned char *p, size_t n)
{
	char *out = zt_arena_array(a, 2, n + 1);
	return sodium_bin2hex(out, 2 * n + 1, p, n);
}

char *
zt_b64url(struct zt_arena *a, const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(
	    n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = zt_arena_alloc(a, len);
	return sodium_bin2base64(
	    out, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
zt_b64url_decode(const char *s, unsigned char *out, size_t n)
{
	size_t got = 0;
	if (s == NULL || strlen(s) > 4 * n / 3 + 4)
		return -1;
	if (sodium_base642bin(out, n, s, strlen(s), NULL, &got, NULL,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return got == n ? 0 : -1;
}

int
zt_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int
zt_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}
