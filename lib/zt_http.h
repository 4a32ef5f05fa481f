/*
 * zt_http.h - what every outside-provider call over libcurl shares.
 *
 * The provider clients (zt_notify, zt_razorpay) keep one easy handle per
 * process each; these functions hold the rules they must agree on: which
 * base URLs may be called, and how a reused handle is set up.
 */
#ifndef ZT_HTTP_H
#define ZT_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

/*
 * May base be called?  https:// anywhere; http:// only to a loopback host
 * (127.x, localhost, ::1), where tests and the dev stack run their fakes.
 * 0 yes; -1 no, with a lowercase reason naming prov in why; -2 out of
 * memory.
 */
int zt_http_check_base(const char *prov, const char *base, char *why,
    size_t whylen);

/*
 * Reset h (keeping its connection cache, so keep-alive survives) and set
 * the options every provider call uses: url, http/https only, no
 * redirects, no signals, the timeouts, errbuf (CURL_ERROR_SIZE bytes) and
 * user_agent.  The caller adds method, body, auth, headers and the write
 * callback.  0 ok, -1 when libcurl refused an option.
 */
int zt_http_prepare(CURL *h, const char *url, long timeout_ms,
    long connect_timeout_ms, char *errbuf, const char *user_agent);

#endif
