/* zt_totp.c - RFC 6238 codes on liboath; see zt_totp.h. */
#include "zt_totp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	oath_init();
}

static int
digits_ok(const char *code)
{
	return code != NULL && strlen(code) == ZT_TOTP_DIGITS &&
	       strspn(code, "0123456789") == ZT_TOTP_DIGITS;
}

int
zt_totp_match(const unsigned char *secret, size_t len, const char *code,
    time_t now, int64_t *counter)
{
	int pos = 0;
	uint64_t c = 0;
	pthread_once(&once, init);
	if (!digits_ok(code) || len == 0)
		return -1;
	if (oath_totp_validate3((const char *)secret, len, now, ZT_TOTP_STEP,
		OATH_TOTP_DEFAULT_START_TIME, ZT_TOTP_WINDOW, &pos, &c,
		code) < 0)
		return -1;
	*counter = (int64_t)c;
	return 0;
}

int
zt_totp_code(const unsigned char *secret, size_t len, int64_t counter,
    char out[ZT_TOTP_DIGITS + 1])
{
	pthread_once(&once, init);
	/* the code of step counter is the one generated at its start */
	return oath_totp_generate((const char *)secret, len,
		   (time_t)(counter * ZT_TOTP_STEP), ZT_TOTP_STEP,
		   OATH_TOTP_DEFAULT_START_TIME, ZT_TOTP_DIGITS, out) == OATH_OK
		   ? 0
		   : -1;
}

char *
zt_totp_base32(struct zt_arena *a, const unsigned char *secret, size_t len)
{
	char *b32 = NULL, *out;
	size_t n = 0;
	pthread_once(&once, init);
	if (oath_base32_encode((const char *)secret, len, &b32, &n) != OATH_OK)
		return NULL;
	while (n > 0 && b32[n - 1] == '=')
		n--;
	out = zt_arena_alloc(a, n + 1);
	memcpy(out, b32, n);
	out[n] = '\0';
	free(b32);
	return out;
}

/* Percent-encode everything but unreserved characters (RFC 3986). */
static char *
pct(struct zt_arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = zt_arena_alloc(a, 3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
zt_totp_uri(struct zt_arena *a, const char *issuer, const char *account,
    const unsigned char *secret, size_t len)
{
	char *b32 = zt_totp_base32(a, secret, len);
	if (b32 == NULL)
		return NULL;
	const char *is = pct(a, issuer);
	return zt_arena_printf(a,
	    "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1"
	    "&digits=%d&period=%d",
	    is, pct(a, account), b32, is, ZT_TOTP_DIGITS, ZT_TOTP_STEP);
}
