/*
 * zt_etag.h - cacheable public answers: Cache-Control, ETag and 304.
 *
 * The entity tag is a strong validator: an unkeyed BLAKE2b of the exact
 * JSON text, so two answers carry the same tag exactly when they are the
 * same bytes.  Only for answers that are the same for everybody (public
 * catalogue reads): they are marked `public` so nginx and browsers may keep
 * them.
 */
#ifndef ZT_ETAG_H
#define ZT_ETAG_H

#include "zt_req.h"

/*
 * Does an If-None-Match header value match etag (a quoted tag)?  Handles
 * lists, "*" and weak W/ tags (weak comparison, RFC 9110 13.1.2).
 * 1 yes, 0 no.
 */
int zt_etag_match(const char *if_none_match, const char *etag);

/*
 * Answer 200 with body (takes ownership), `Cache-Control: public,
 * max-age=<max_age>` and an ETag; or 304 with no body when the request's
 * If-None-Match names the same tag.
 */
enum zt_err zt_etag_reply(
    struct zt_req *req, struct json_object *body, int max_age);

/*
 * A public answer ready to send: its JSON text and entity tag, and
 * optionally the same text gzip-compressed with its own tag (a different
 * representation has a different strong tag).  text may be NULL when gz
 * is set: zt_etag_send then inflates gz (len bytes) for a client that
 * does not take gzip, so a process may keep the compressed copy only.
 */
struct zt_public_answer {
	const char *text;
	size_t len;
	const char *etag; /* quoted */
	const char *gz;	  /* NULL: none */
	size_t gz_len;
	const char *gz_etag;
};

/*
 * gzip text (libdeflate, gzip wrapper) into a malloc'd buffer of *out_len
 * bytes; NULL when it does not pay (small or incompressible) or on failure.
 */
unsigned char *zt_etag_gzip(const char *text, size_t len, size_t *out_len);

/* gz inflated back into req's arena (NUL-terminated); NULL unless it is a
 * gzip stream of exactly len bytes. */
const char *zt_etag_gunzip(
    struct zt_req *req, const void *gz, size_t gz_len, size_t len);

/* Does the request's Accept-Encoding take gzip (not q=0)?  1 yes. */
int zt_accepts_gzip(struct zt_req *req);

/* The entity tag of text (quoted, in req's arena). */
const char *zt_etag_of(struct zt_req *req, const char *text, size_t len);

/* The same as zt_etag_reply for an answer built (or kept) before; the
 * text must live until the request ends.  With a gzip variant the answer
 * says `Vary: Accept-Encoding` and sends that variant (Content-Encoding:
 * gzip, its own tag) to a client that takes gzip. */
enum zt_err zt_etag_send(
    struct zt_req *req, const struct zt_public_answer *a, int max_age);

#endif
