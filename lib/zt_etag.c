/* zt_etag.c - ETag and conditional GET; see zt_etag.h. */
#include "zt_etag.h"
#include "zt_crypto.h"
#include "zt_json.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libdeflate.h>

int
zt_etag_match(const char *h, const char *etag)
{
	size_t elen = strlen(etag);
	if (h == NULL)
		return 0;
	while (*h != '\0') {
		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		if (*h == '*')
			return 1;
		if (h[0] == 'W' && h[1] == '/')
			h += 2;
		const char *end = h;
		if (*h == '"') {
			end = strchr(h + 1, '"');
			if (end == NULL)
				return 0;
			end++;
		} else {
			while (*end != '\0' && *end != ',')
				end++;
		}
		if ((size_t)(end - h) == elen && memcmp(h, etag, elen) == 0)
			return 1;
		h = end;
		while (*h != '\0' && *h != ',')
			h++;
	}
	return 0;
}

const char *
zt_etag_of(struct zt_req *req, const char *text, size_t len)
{
	unsigned char h[16];
	crypto_generichash(
	    h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
	return zt_arena_printf(
	    req->arena, "\"%s\"", zt_hex(req->arena, h, sizeof(h)));
}

/*
 * libdeflate at level 4, on the 2.75 MB page of a 30,000-seat event
 * (docs/benchmarks.md, section 25): 19 ms and 786 kB, where zlib's level 6
 * took 65 ms for 831 kB (level 5: 23-25 ms, 771 kB; level 2: 16 ms,
 * 793 kB).  A compressor is a few hundred kB of tables: made for the
 * call, not kept.
 */
#define GZIP_LEVEL 4

unsigned char *
zt_etag_gzip(const char *text, size_t len, size_t *out_len)
{
	struct libdeflate_compressor *c;
	unsigned char *out, *fit;
	/* no more than half the size, or it does not pay */
	size_t cap = len / 2 + 64, n;

	if (len < 4096)
		return NULL;
	if ((c = libdeflate_alloc_compressor(GZIP_LEVEL)) == NULL)
		return NULL;
	if ((out = malloc(cap)) == NULL) {
		libdeflate_free_compressor(c);
		return NULL;
	}
	n = libdeflate_gzip_compress(c, text, len, out, cap);
	libdeflate_free_compressor(c);
	if (n == 0) {
		free(out);
		return NULL;
	}
	/* kept for long: give back the unused end */
	if ((fit = realloc(out, n)) != NULL)
		out = fit;
	*out_len = n;
	return out;
}

const char *
zt_etag_gunzip(struct zt_req *req, const void *gz, size_t gz_len, size_t len)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	char *text = zt_arena_alloc(req->arena, len + 1);
	size_t got = 0;
	enum libdeflate_result res;

	if (d == NULL)
		zt_oom();
	res = libdeflate_gzip_decompress(d, gz, gz_len, text, len, &got);
	libdeflate_free_decompressor(d);
	if (res != LIBDEFLATE_SUCCESS || got != len)
		return NULL;
	text[len] = '\0';
	return text;
}

int
zt_accepts_gzip(struct zt_req *req)
{
	const char *h = zt_header(req, "Accept-Encoding");
	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		const char *end = strchr(h, ',');
		if (end == NULL)
			end = h + strlen(h);
		if (strncasecmp(h, "gzip", 4) == 0 &&
		    (h + 4 == end || h[4] == ';' || h[4] == ' ')) {
			/* "gzip;q=0" refuses it */
			const char *q = strstr(h, "q=");
			return q == NULL || q > end || strtod(q + 2, NULL) > 0;
		}
		h = end;
	}
	return 0;
}

enum zt_err
zt_etag_send(struct zt_req *req, const struct zt_public_answer *a, int max_age)
{
	int gz = a->gz != NULL && zt_accepts_gzip(req);
	const char *etag = gz ? a->gz_etag : a->etag;
	const char *text = a->text;
	zt_reply_header(req, "ETag", etag);
	zt_reply_header(req, "Cache-Control",
	    zt_arena_printf(req->arena, "public, max-age=%d", max_age));
	if (a->gz != NULL)
		zt_reply_header(req, "Vary", "Accept-Encoding");
	if (zt_etag_match(zt_header(req, "If-None-Match"), etag))
		return zt_reply(req, 304, NULL);
	if (gz) {
		zt_reply_header(req, "Content-Encoding", "gzip");
		return zt_reply_text(req, 200, a->gz, a->gz_len);
	}
	if (text == NULL) {
		/* kept gzipped only: 3 ms for the 2.75 MB page, for the rare
		 * client that does not take gzip */
		if ((text = zt_etag_gunzip(req, a->gz, a->gz_len, a->len)) ==
		    NULL)
			return zt_fail(req, ZT_EINTERNAL, "internal",
			    "a kept answer could not be read back");
		if (a->len > (1u << 20))
			req->trim_heap = 1;
	}
	return zt_reply_text(req, 200, text, a->len);
}

enum zt_err
zt_etag_reply(struct zt_req *req, struct json_object *body, int max_age)
{
	struct zt_public_answer a = {0};
	/* the text stays in the arena: answer it as is rather than
	 * serialise twice */
	a.text = zt_json_text(req, body, &a.len);
	a.etag = zt_etag_of(req, a.text, a.len);
	json_object_put(body);
	return zt_etag_send(req, &a, max_age);
}
