/* zt_ident.c - identifier normalisation; see zt_ident.h. */
#include "zt_ident.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int
zt_ident_email(const char *in, char *out, size_t outlen)
{
	const char *s = in, *e;
	size_t n, at = 0, ats = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - s);
	if (n < 3 || n > 254 || n + 1 > outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == '"' || c == ',' || c == ';' || c == '\\')
			return -1;
		if (c == '@') {
			at = i;
			ats++;
		}
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	if (ats != 1 || at == 0 || at > 64 || at + 1 >= n)
		return -1;
	const char *domain = out + at + 1;
	const char *dot = strrchr(domain, '.');
	if (dot == NULL || dot == domain || dot[1] == '\0' ||
	    domain[0] == '-' || strstr(domain, "..") != NULL)
		return -1;
	return 0;
}

int
zt_ident_phone(const char *in, char *out, size_t outlen)
{
	char d[32];
	size_t n = 0;
	int plus = 0;
	const char *s = in;

	while (*s == ' ')
		s++;
	if (*s == '+') {
		plus = 1;
		s++;
	}
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s)) {
			if (n + 1 >= sizeof(d))
				return -1;
			d[n++] = *s;
		} else if (!strchr(" -.()", *s)) {
			return -1;
		}
	}
	d[n] = '\0';
	if (!plus && n > 2 && d[0] == '0' && d[1] == '0') {
		memmove(d, d + 2, n - 1);
		n -= 2;
		plus = 1;
	}
	if (!plus) {
		/* Indian numbers written nationally */
		if (n == 11 && d[0] == '0') {
			memmove(d, d + 1, n);
			n--;
		}
		if (n == 10 && d[0] >= '6' && d[0] <= '9') {
			memmove(d + 2, d, n + 1);
			d[0] = '9';
			d[1] = '1';
			n += 2;
		} else if (!(n == 12 && d[0] == '9' && d[1] == '1')) {
			return -1;
		}
	}
	if (n < 7 || n > 15 || d[0] == '0')
		return -1;
	/* an Indian mobile number has 10 digits after +91 */
	if (d[0] == '9' && d[1] == '1' && n != 12)
		return -1;
	if ((size_t)snprintf(out, outlen, "+%s", d) >= outlen)
		return -1;
	return 0;
}

int
zt_ident_rate_key(const char *ident, char *out, size_t outlen)
{
	const char *at = strrchr(ident, '@');
	const char *plus = at ? memchr(ident, '+', (size_t)(at - ident)) : NULL;

	if (plus == NULL || plus == ident) {
		if ((size_t)snprintf(out, outlen, "%s", ident) >= outlen)
			return -1;
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "%.*s%s", (int)(plus - ident), ident,
		at) >= outlen)
		return -1;
	return 0;
}

int
zt_ident_addr_key(const char *addr, char *out, size_t outlen)
{
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, a) != 1) {
		if ((size_t)snprintf(out, outlen, "%s", addr) >= outlen)
			return -1;
		return 0;
	}
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		if (inet_ntop(AF_INET, a + 12, text, sizeof(text)) == NULL)
			return -1;
		if ((size_t)snprintf(out, outlen, "%s", text) >= outlen)
			return -1;
		return 0;
	}
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s/64", text) >= outlen)
		return -1;
	return 0;
}
