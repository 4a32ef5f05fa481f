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

const char *
zt_etag_of(struct zt_req *req, const char *text, size_t len)
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len,
	    NULL, 0);
	return zt_arena_printf(req->arena, "\"%s\"",
	    zt_hex(req->arena, h, sizeof(h)));
}

enum zt_err
zt_etag_send(struct zt_req *req, const struct zt_public_answer *a,
    int max_age)
{
	zt_reply_header(req, "ETag", a->etag);
	zt_reply_header(req, "Cache-Control",
	    zt_arena_printf(req->arena, "public, max-age=%d", max_age));
	if (zt_etag_match(zt_header(req, "If-None-Match"), a->etag))
		return zt_reply(req, 304, NULL);
	return zt_reply_text(req, 200, a->text, a->len);
}

enum zt_err
zt_etag_reply(struct zt_req *req, struct json_object *body, int max_age)
{
	struct zt_public_answer a;
	/* the text stays in the arena: answer it as is rather than
	 * serialise twice */
	a.text = zt_json_text(req, body, &a.len);
	a.etag = zt_etag_of(req, a.text, a.len);
	json_object_put(body);
	return zt_etag_send(req, &a, max_age);
}
