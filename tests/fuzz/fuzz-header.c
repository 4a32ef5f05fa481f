/*
 * fuzz-header.c - request header and cookie reading (lib/zt_req.c
 * zt_header, zt_cookie; lib/zt_etag.c zt_etag_match, zt_accepts_gzip).
 * Input: line 1 a header name to look up, the rest the value every header
 * has (Cookie, Authorization, If-None-Match, Accept-Encoding, …).
 */
#include "fuzz.h"
#include "zt_etag.h"
#include "zt_req.h"

static const char *value;

static const char *
fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return value;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cookies[] = {"zt_refresh", "zt_csrf", "a",
	    "", "zt_refresh=", "zt"};
	char *s = fuzz_str(data, size);
	char *rest = fuzz_line(s);
	struct zt_req *req = zt_req_new(fake_getenv, NULL);
	value = rest;
	(void)zt_header(req, s);
	(void)zt_header(req, "Authorization");
	(void)zt_header(req, "Content-Type");
	for (size_t i = 0; i < sizeof cookies / sizeof cookies[0]; i++) {
		const char *v = zt_cookie(req, cookies[i]);
		if (v != NULL && strlen(v) > size)
			abort();
	}
	(void)zt_cookie(req, s);
	(void)zt_etag_match(rest, "\"abc123\"");
	(void)zt_etag_match(rest, s);
	(void)zt_accepts_gzip(req);
	zt_req_free(req);
	free(s);
	return 0;
}
