/* zt_etag.c - ETag and conditional GET; see zt_etag.h. */
#include "zt_etag.h"
#include "zt_crypto.h"
#include "zt_json.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

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

enum zt_err
zt_etag_reply(struct zt_req *req, struct json_object *body, int max_age)
{
	unsigned char h[16];
	size_t len;
	const char *text = zt_json_text(req, body, &len);
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len,
	    NULL, 0);
	const char *etag = zt_arena_printf(req->arena, "\"%s\"",
	    zt_hex(req->arena, h, sizeof(h)));
	zt_reply_header(req, "ETag", etag);
	zt_reply_header(req, "Cache-Control",
	    zt_arena_printf(req->arena, "public, max-age=%d", max_age));
	json_object_put(body);
	if (zt_etag_match(zt_header(req, "If-None-Match"), etag))
		return zt_reply(req, 304, NULL);
	/* the text is ready: answer it as is rather than serialise twice */
	return zt_reply_text(req, 200, text, len);
}
