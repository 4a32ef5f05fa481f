/* zt_http.c - shared rules for provider calls; see zt_http.h. */
#include "zt_http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
is_loopback_host(const char *h)
{
	if (strcmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
	    strcmp(h, "::1") == 0)
		return 1;
	if (strncmp(h, "127.", 4) == 0) {
		for (const char *p = h + 4; *p; p++)
			if (!(isdigit((unsigned char)*p) || *p == '.'))
				return 0;
		return 1;
	}
	return 0;
}

int
zt_http_check_base(const char *prov, const char *base, char *why,
    size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL)
		return -2;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		snprintf(why, whylen, "%s base url is not a valid url", prov);
	else if (strcasecmp(scheme, "https") == 0)
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && is_loopback_host(host))
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0)
		snprintf(why, whylen,
		    "refusing plain http to %s at a non-loopback host", prov);
	else
		snprintf(why, whylen, "%s base url must be https", prov);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int
zt_http_prepare(CURL *h, const char *url, long timeout_ms,
    long connect_timeout_ms, char *errbuf, const char *user_agent)
{
	int failed = 0;

	curl_easy_reset(h); /* keeps the connection cache: keep-alive */
	errbuf[0] = '\0';
#define SET(opt, val)                                                  \
	do {                                                           \
		if (curl_easy_setopt(h, opt, val) != CURLE_OK)         \
			failed = 1;                                    \
	} while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_USERAGENT, user_agent);
#undef SET
	return failed ? -1 : 0;
}
