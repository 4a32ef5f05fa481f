/*
 * zt_media.h - organizers' images (tenant logo, event poster) and the
 * branding colour's contrast.  docs/branding.md.
 *
 * An upload is the raw image as the request body with its Content-Type
 * (image/png or image/jpeg; SVG and anything else is refused).  It is
 * decoded whole (libpng, libjpeg-turbo), its size checked, re-encoded
 * (metadata and anything appended are dropped) and written under
 * ZT_MEDIA_DIR as <sha256>.png|.jpg; nginx serves /media/ from there.
 */
#ifndef ZT_MEDIA_H
#define ZT_MEDIA_H

#include <stddef.h>

#include "zt_req.h"

#define ZT_MEDIA_MAX_BYTES (2u * 1024u * 1024u) /* request body */
#define ZT_MEDIA_MAX_SIDE 4096			/* pixels, each side */

/* PUT /api/tenants/me/logo: store the body, set branding.logoUrl. */
enum zt_err zt_media_put_logo(struct zt_req *req, struct json_object **out);
/* PUT /api/events/:id/poster: store the body, set the event's posterUrl. */
enum zt_err zt_media_put_poster(
    struct zt_req *req, const char *event_id, struct json_object **out);

/*
 * Verify and re-encode an image (field names it in errors); *url gets
 * "/media/<hash>.<ext>" once written.  Exposed for the unit tests.
 */
enum zt_err zt_media_store(struct zt_req *req, const char *field,
    const char *ctype, const void *body, size_t len, const char **url);

/*
 * Write n bytes as dir/name atomically (a temporary file, fsync, rename);
 * an existing name is kept (names are content hashes).  0 or -1 (errno).
 */
int zt_media_write_file(
    const char *dir, const char *name, const void *p, size_t n);

/*
 * The file name of one of our uploads ("<32 hex>.png|jpg") when url is
 * "/media/<that>", else NULL (a URL elsewhere is never fetched).
 */
const char *zt_media_name(const char *url);

/*
 * One of our stored files (path) as a cairo image surface for the PDF
 * tickets (PNG through cairo, JPEG through libjpeg); NULL when it cannot
 * be read.  The caller destroys it.
 */
struct _cairo_surface;
struct _cairo_surface *zt_media_surface(const char *path);

/*
 * The accent colour "#rrggbb" as the pages may use it on the paper
 * background (#f5f0e8): darkened until its contrast reaches WCAG's 4.5:1.
 * Anything that is not a colour gives NULL.  out has 8 bytes.
 */
const char *zt_media_accent(const char *hex, char out[8]);

#endif
