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
#include <zlib.h>

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

unsigned char *
zt_etag_gzip(const char *text, size_t len, size_t *out_len)
{
	z_stream z;
	unsigned char *out;
	size_t cap = len / 2 + 64;

	if (len < 4096)
		return NULL;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper; level 6: once per kept answer */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	/* no more than half the size, or it does not pay */
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
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
	return zt_reply_text(req, 200, a->text, a->len);
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
