/*
 * zt_media.c - organizers' images and the accent colour's contrast.
 * docs/branding.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cairo.h>
#include <jpeglib.h>
#include <png.h>
#include <sodium.h>

#include "zt_audit.h"
#include "zt_config.h"
#include "zt_crypto.h"
#include "zt_db.h"
#include "zt_log.h"
#include "zt_media.h"
#include "zt_server.h"
#include "zt_team.h"
#include "zt_uuid.h"

/* ---- verification and re-encoding ---- */

struct image {
	unsigned char *data; /* re-encoded file (malloc) */
	size_t len;
	const char *ext;
	const char *why; /* why it was refused */
};

static int
media_type(const char *ct, const char *want)
{
	size_t n = strlen(want);
	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

/* Walk the PNG's chunks to IEND: nothing may follow it (a polyglot). */
static const char *
png_chunks(const unsigned char *b, size_t len)
{
	size_t off = 8;
	while (off + 12 <= len) {
		unsigned long n = be32(b + off);
		if (n > len - off - 12)
			return "a chunk runs past the end of the file "
			       "(truncated)";
		if (memcmp(b + off + 4, "IEND", 4) == 0)
			return off + 12 + n == len ? NULL
						   : "data follows the end of "
						     "the image";
		off += 12 + n;
	}
	return "the file ends before the image does (truncated)";
}

static int
png_reencode(const unsigned char *b, size_t len, struct image *im)
{
	png_image pi;
	unsigned char *px = NULL;
	png_alloc_size_t n = 0;
	int ok = 0;

	if (len < 8 || png_sig_cmp(b, 0, 8) != 0) {
		im->why = "it is not a PNG file";
		return 0;
	}
	if ((im->why = png_chunks(b, len)) != NULL)
		return 0;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, b, len)) {
		im->why = "it does not decode as PNG";
		goto out;
	}
	if (pi.width == 0 || pi.height == 0 || pi.width > ZT_MEDIA_MAX_SIDE ||
	    pi.height > ZT_MEDIA_MAX_SIDE) {
		im->why = "it is larger than 4096×4096 pixels";
		goto out;
	}
	pi.format = PNG_FORMAT_RGBA;
	if ((px = malloc(PNG_IMAGE_SIZE(pi))) == NULL ||
	    !png_image_finish_read(&pi, NULL, px, 0, NULL)) {
		im->why = "it does not decode as PNG";
		goto out;
	}
	if (!png_image_write_to_memory(&pi, NULL, &n, 0, px, 0, NULL) ||
	    (im->data = malloc(n)) == NULL ||
	    !png_image_write_to_memory(&pi, im->data, &n, 0, px, 0, NULL)) {
		im->why = "it could not be re-encoded";
		goto out;
	}
	im->len = n;
	im->ext = "png";
	ok = 1;
out:
	png_image_free(&pi);
	free(px);
	if (!ok) {
		free(im->data);
		im->data = NULL;
	}
	return ok;
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void
jpeg_fail(j_common_ptr c)
{
	longjmp(((struct jerr *)c->err)->jmp, 1);
}

static void
jpeg_quiet(j_common_ptr c, int level)
{
	if (level < 0) /* a warning: counted, not printed */
		c->err->num_warnings++;
}

static int
jpeg_reencode(const unsigned char *b, size_t len, struct image *im)
{
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	struct jerr de, ce;
	unsigned char *volatile px = NULL;
	unsigned char *out = NULL;
	unsigned long outlen = 0;
	volatile int cinit = 0;
	volatile int ok = 0;

	if (len < 3 || b[0] != 0xff || b[1] != 0xd8 || b[2] != 0xff) {
		im->why = "it is not a JPEG file";
		return 0;
	}
	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	d.err = jpeg_std_error(&de.mgr);
	de.mgr.error_exit = jpeg_fail;
	de.mgr.emit_message = jpeg_quiet;
	c.err = jpeg_std_error(&ce.mgr);
	ce.mgr.error_exit = jpeg_fail;
	ce.mgr.emit_message = jpeg_quiet;
	jpeg_create_decompress(&d);
	if (setjmp(de.jmp) || (cinit && setjmp(ce.jmp))) {
		if (im->why == NULL)
			im->why = "it does not decode as JPEG";
		goto out;
	}
	jpeg_mem_src(&d, b, len);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK) {
		im->why = "it does not decode as JPEG";
		goto out;
	}
	if (d.image_width == 0 || d.image_height == 0 ||
	    d.image_width > ZT_MEDIA_MAX_SIDE ||
	    d.image_height > ZT_MEDIA_MAX_SIDE) {
		im->why = "it is larger than 4096×4096 pixels";
		goto out;
	}
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	size_t stride = (size_t)d.output_width * 3;
	if ((px = malloc(stride * d.output_height)) == NULL) {
		im->why = "it could not be decoded";
		goto out;
	}
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = px + stride * d.output_scanline;
		jpeg_read_scanlines(&d, &row, 1);
	}
	/* a truncated file decodes with a warning and grey rows */
	if (de.mgr.num_warnings > 0) {
		im->why = "it is damaged or truncated";
		goto out;
	}
	jpeg_finish_decompress(&d);
	if (d.src->bytes_in_buffer > 0) {
		im->why = "data follows the end of the image";
		goto out;
	}
	jpeg_create_compress(&c);
	cinit = 1;
	if (setjmp(ce.jmp)) {
		im->why = "it could not be re-encoded";
		goto out;
	}
	jpeg_mem_dest(&c, &out, &outlen);
	c.image_width = d.output_width;
	c.image_height = d.output_height;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 88, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = px + stride * c.next_scanline;
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	im->data = out;
	im->len = outlen;
	im->ext = "jpg";
	out = NULL;
	ok = 1;
out:
	jpeg_destroy_decompress(&d);
	if (cinit)
		jpeg_destroy_compress(&c);
	free(out);
	free(px);
	return ok;
}

/* Write bytes as dir/name atomically (a temporary file, then rename). */
int
zt_media_write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char tmp[4096], dst[4096];
	if (snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
		(int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, name,
		(long)getpid()) >= (int)sizeof(tmp))
		return -1;
	if (access(dst, F_OK) == 0)
		return 0; /* same content, same name */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	const unsigned char *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

enum zt_err
zt_media_store(struct zt_req *req, const char *field, const char *ctype,
    const void *body, size_t len, const char **url)
{
	struct image im = {0};
	int png;

	if (media_type(ctype, "image/svg+xml") ||
	    media_type(ctype, "image/svg"))
		return zt_fail(req, ZT_EMEDIA, "svg_not_accepted",
		    "field '%s': SVG images are not accepted (they can carry "
		    "scripts); upload a PNG or JPEG",
		    field);
	png = media_type(ctype, "image/png");
	if (!png && !media_type(ctype, "image/jpeg"))
		return zt_fail(req, ZT_EMEDIA, "unsupported_media_type",
		    "field '%s': send the image as the body with "
		    "Content-Type image/png or image/jpeg",
		    field);
	if (body == NULL || len == 0)
		return zt_fail(req, ZT_EBADREQ, "invalid_field",
		    "field '%s': the request body (the image) is empty", field);
	if (!(png ? png_reencode(body, len, &im)
		  : jpeg_reencode(body, len, &im)))
		return zt_fail(req, ZT_EINVALID, "invalid_image",
		    "field '%s' is not a valid %s image: %s", field,
		    png ? "PNG" : "JPEG", im.why);

	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, im.data, im.len);
	const char *name = zt_arena_printf(
	    req->arena, "%s.%s", zt_hex(req->arena, h, 16), im.ext);
	int rc = zt_media_write_file(zt_g.cfg.media_dir, name, im.data, im.len);
	free(im.data);
	if (rc != 0) {
		zt_log_error("media", "cannot write %s/%s: %s",
		    zt_g.cfg.media_dir, name, strerror(errno));
		return zt_fail(
		    req, ZT_EINTERNAL, NULL, "could not store image");
	}
	*url = zt_arena_printf(req->arena, "/media/%s", name);
	return ZT_OK;
}

/* ---- reading a stored file back (the PDF tickets) ---- */

static cairo_surface_t *
jpeg_surface(const char *path)
{
	struct jpeg_decompress_struct d;
	struct jerr de;
	cairo_surface_t *volatile sf = NULL;
	FILE *volatile f = fopen(path, "rb");
	unsigned char *volatile row = NULL;

	if (f == NULL)
		return NULL;
	memset(&d, 0, sizeof(d));
	d.err = jpeg_std_error(&de.mgr);
	de.mgr.error_exit = jpeg_fail;
	de.mgr.emit_message = jpeg_quiet;
	jpeg_create_decompress(&d);
	if (setjmp(de.jmp)) {
		if (sf != NULL)
			cairo_surface_destroy(sf);
		sf = NULL;
		goto out;
	}
	jpeg_stdio_src(&d, f);
	jpeg_read_header(&d, TRUE);
	if (d.image_width > ZT_MEDIA_MAX_SIDE ||
	    d.image_height > ZT_MEDIA_MAX_SIDE)
		goto out;
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	sf = cairo_image_surface_create(
	    CAIRO_FORMAT_RGB24, (int)d.output_width, (int)d.output_height);
	row = malloc((size_t)d.output_width * 3);
	if (row == NULL || cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		sf = NULL;
		goto out;
	}
	unsigned char *px = cairo_image_surface_get_data(sf);
	int stride = cairo_image_surface_get_stride(sf);
	while (d.output_scanline < d.output_height) {
		JSAMPROW r = row;
		uint32_t *dst =
		    (uint32_t *)(px + (size_t)stride * d.output_scanline);
		jpeg_read_scanlines(&d, &r, 1);
		for (unsigned x = 0; x < d.output_width; x++)
			dst[x] = (uint32_t)row[3 * x] << 16 |
				 (uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
	}
	cairo_surface_mark_dirty(sf);
	jpeg_finish_decompress(&d);
out:
	jpeg_destroy_decompress(&d);
	free(row);
	fclose(f);
	return sf;
}

cairo_surface_t *
zt_media_surface(const char *path)
{
	size_t n = strlen(path);
	cairo_surface_t *sf;
	if (n > 4 && strcmp(path + n - 4, ".jpg") == 0)
		return jpeg_surface(path);
	sf = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		return NULL;
	}
	return sf;
}

/* ---- routes ---- */

static struct zt_sql q_logo = ZT_SQL("media_logo",
    "UPDATE tenants SET branding = branding || jsonb_build_object("
    "'logoUrl', $2::text) WHERE id = $1 RETURNING id",
    2);
static struct zt_sql q_poster_own = ZT_SQL("media_poster_own",
    "SELECT id FROM events WHERE id = $1 AND tenant_id = $2 FOR UPDATE", 2);
static struct zt_sql q_poster = ZT_SQL(
    "media_poster", "UPDATE events SET poster_url = $2 WHERE id = $1", 2);

static enum zt_err
finish(struct zt_req *req, const char *action, const char *target,
    const char *key, const char *url, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	struct json_object *d = json_object_new_object();
	enum zt_err e;
	json_object_object_add(d, key, json_object_new_string(url));
	if ((e = zt_audit(req, action, target, d)) != ZT_OK)
		return e;
	if (zt_db_commit(req, &err) != ZT_OK)
		return zt_fail_error(req, &err);
	*out = json_object_new_object();
	json_object_object_add(*out, key, json_object_new_string(url));
	return ZT_OK;
}

enum zt_err
zt_media_put_logo(struct zt_req *req, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *url, *p[2];
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	if ((e = zt_media_store(req, "logo", zt_header(req, "Content-Type"),
		 req->body, req->body_len, &url)) != ZT_OK)
		return e;
	p[0] = req->tenant_id;
	p[1] = url;
	if ((r = zt_db_exec(req, &err, &q_logo, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(req, ZT_ENOTFOUND, "tenant_not_found",
		    "this organization no longer exists");
	return finish(req, "tenant.logo_uploaded",
	    zt_arena_printf(req->arena, "tenant:%s", req->tenant_id), "logoUrl",
	    url, out);
}

enum zt_err
zt_media_put_poster(
    struct zt_req *req, const char *event_id, struct json_object **out)
{
	struct zt_error err = ZT_ERROR_INIT;
	const char *url, *p[2];
	PGresult *r;
	enum zt_err e;

	if ((e = zt_team_begin(req, ZT_ROLE_MANAGER, NULL)) != ZT_OK)
		return e;
	p[0] = event_id;
	p[1] = req->tenant_id;
	if (!zt_is_uuid(event_id))
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((r = zt_db_exec(req, &err, &q_poster_own, p)) == NULL)
		return zt_fail_error(req, &err);
	if (PQntuples(r) == 0)
		return zt_fail(
		    req, ZT_ENOTFOUND, "event_not_found", "no such event");
	if ((e = zt_media_store(req, "poster", zt_header(req, "Content-Type"),
		 req->body, req->body_len, &url)) != ZT_OK)
		return e;
	p[1] = url;
	if (zt_db_exec(req, &err, &q_poster, p) == NULL)
		return zt_fail_error(req, &err);
	return finish(req, "event.poster_uploaded",
	    zt_arena_printf(req->arena, "event:%s", event_id), "posterUrl", url,
	    out);
}

const char *
zt_media_name(const char *url)
{
	const char *n;
	if (url == NULL || strncmp(url, "/media/", 7) != 0)
		return NULL;
	n = url + 7;
	if (strlen(n) != 36 || strspn(n, "0123456789abcdef") != 32 ||
	    (strcmp(n + 32, ".png") != 0 && strcmp(n + 32, ".jpg") != 0))
		return NULL;
	return n;
}

/* ---- the accent colour ---- */

static double
channel(int v)
{
	double c = v / 255.0;
	return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double
luminance(int r, int g, int b)
{
	return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

const char *
zt_media_accent(const char *hex, char out[8])
{
	unsigned v;
	int r, g, b;
	/* the paper background, tokens.css --paper */
	const double paper = luminance(0xf5, 0xf0, 0xe8);

	if (hex == NULL || strlen(hex) != 7 || hex[0] != '#' ||
	    strspn(hex + 1, "0123456789abcdefABCDEF") != 6 ||
	    sscanf(hex + 1, "%6x", &v) != 1)
		return NULL;
	r = (int)(v >> 16 & 0xff);
	g = (int)(v >> 8 & 0xff);
	b = (int)(v & 0xff);
	/* darken in 5 % steps until dark text on paper reaches 4.5:1 */
	for (int i = 0; i < 60; i++) {
		double l = luminance(r, g, b);
		if ((paper + 0.05) / (l + 0.05) >= 4.5)
			break;
		r = r * 95 / 100;
		g = g * 95 / 100;
		b = b * 95 / 100;
	}
	snprintf(out, 8, "#%02x%02x%02x", r, g, b);
	return out;
}
