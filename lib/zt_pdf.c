/* zt_pdf.c - a booking's tickets as a PDF; see zt_pdf.h. */
#include "zt_pdf.h"
#include "zt_arena.h"
#include "zt_qr.h"
#include "zt_media.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A6 portrait in points (105 x 148 mm): a phone's shape, a quarter of
 * an A4 sheet when printed */
#define PAGE_W 297.638
#define PAGE_H 419.528
#define MARGIN 18.0
#define BAND_H 44.0   /* the organizer's colour across the top */
#define QR_SIZE 196.0 /* the code with its quiet zone: 69 mm */
#define QR_TOP 136.0
/* Noto first; fontconfig finds the script's own Noto face for the rest
 * (Noto Sans Devanagari, Tamil, … in fonts-noto-core) */
#define FAMILIES                                                               \
	"Noto Sans,Noto Sans Devanagari,Noto Sans Bengali,Noto Sans Tamil,"    \
	"Noto Sans Telugu,Noto Sans Kannada,Noto Sans Malayalam,"              \
	"Noto Sans Gujarati,Noto Sans Gurmukhi,Noto Sans Oriya"
#define DEFAULT_ACCENT "#6b2737" /* the pages' --accent (tokens.css) */

struct rgb {
	double r, g, b;
};

static const struct rgb INK = {0.10, 0.10, 0.12};
static const struct rgb GREY = {0.38, 0.38, 0.42};

/*
 * cairo deflates every stream of a PDF (the font subsets, most of a
 * ticket's bytes, and the pages) through deflateInit(), at zlib's default
 * level 6, and has no setting for it: more than half of a one-ticket PDF's
 * CPU.  This definition takes the place of zlib's deflateInit_ (the
 * function the deflateInit macro calls) in every program that links this
 * file, so those streams are packed at level 1: a one-ticket PDF 1.8 ->
 * 1.5 ms, 2 % bigger (docs/benchmarks.md, section 32).  The other zlib
 * users of these programs call deflateInit2 (libpng) or only inflate
 * (libcurl) and keep their own levels.
 */
#define ZT_PDF_DEFLATE_LEVEL 1

int
deflateInit_(z_streamp strm, int level, const char *version, int stream_size)
{
	(void)level;
	return deflateInit2_(strm, ZT_PDF_DEFLATE_LEVEL, Z_DEFLATED, MAX_WBITS,
	    8, Z_DEFAULT_STRATEGY, version, stream_size);
}

/* cairo's output into a growing buffer */
struct sink {
	unsigned char *p;
	size_t len, cap;
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int n)
{
	struct sink *s = closure;
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + n)
			cap *= 2;
		s->p = zt_xrealloc(s->p, cap);
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	return CAIRO_STATUS_SUCCESS;
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static struct rgb
colour(const char *hex)
{
	unsigned r, g, b;
	struct rgb c;
	if (empty(hex) || strlen(hex) != 7 || hex[0] != '#' ||
	    strspn(hex + 1, "0123456789abcdefABCDEF") != 6 ||
	    sscanf(hex + 1, "%2x%2x%2x", &r, &g, &b) != 3)
		return colour(DEFAULT_ACCENT);
	c.r = r / 255.0;
	c.g = g / 255.0;
	c.b = b / 255.0;
	return c;
}

/*
 * Set s at (x, y) in a box w wide, at most lines lines (ellipsized past
 * them), in size points, bold or not; returns the height used.
 */
static double
text(cairo_t *cr, const char *s, double size, int bold, struct rgb c, double x,
    double y, double w, int lines)
{
	PangoLayout *l;
	PangoFontDescription *f;
	int pw, ph;
	if (empty(s))
		return 0;
	l = pango_cairo_create_layout(cr);
	f = pango_font_description_from_string(FAMILIES);
	pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
	pango_font_description_set_weight(
	    f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, f);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_height(l, -lines);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_text(l, s, -1);
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
	pango_layout_get_size(l, &pw, &ph);
	pango_font_description_free(f);
	g_object_unref(l);
	return (double)ph / PANGO_SCALE;
}

/* Pixels a module: a viewer that smooths the scaled image anyway blurs
 * an eighth of a module at each edge, which scanners do not notice. */
#define QR_PX 4

/* The code of q with its quiet zone, size points wide, at (x, y): a
 * one-bit image, QR_PX pixels a module, filled black through it as a mask
 * (a PDF stencil mask, /Interpolate false).  Drawn as one rectangle per
 * run of black modules it cost 80 % of a ticket's PDF: cairo prints every
 * coordinate and zlib packs the long page stream (docs/benchmarks.md,
 * section 30). */
static void
draw_qr(cairo_t *cr, const struct zt_qr *q, double x, double y, double size)
{
	int w = q->width, n = (w + 2 * ZT_QR_QUIET) * QR_PX, stride;
	cairo_surface_t *img =
	    cairo_image_surface_create(CAIRO_FORMAT_A1, n, n);
	cairo_pattern_t *p;
	unsigned char *d;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS)
		zt_oom(); /* a ticket without its code is no ticket */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, size, size);
	cairo_fill(cr);
	cairo_surface_flush(img);
	d = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	memset(d, 0, (size_t)stride * (size_t)n);
	for (int r = 0; r < w; r++) {
		/* A1 packs 32 pixels in a native word, the first in its lowest
		 * bit on a little-endian machine, in its highest otherwise */
		unsigned char *first =
		    d + (size_t)((r + ZT_QR_QUIET) * QR_PX) * (size_t)stride;
		uint32_t *row = (uint32_t *)(void *)first;
		for (int k = 0; k < w; k++) {
			if (!q->dark[r * w + k])
				continue;
			for (int px = (k + ZT_QR_QUIET) * QR_PX;
			     px < (k + ZT_QR_QUIET + 1) * QR_PX; px++)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
				row[px / 32] |= 0x80000000u >> (px % 32);
#else
				row[px / 32] |= 1u << (px % 32);
#endif
		}
		for (int i = 1; i < QR_PX; i++) /* the module's other rows */
			memcpy(first + (size_t)i * (size_t)stride, first,
			    (size_t)stride);
	}
	cairo_surface_mark_dirty(img);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, size / n, size / n);
	cairo_set_source_rgb(cr, 0, 0, 0);
	p = cairo_pattern_create_for_surface(img);
	cairo_pattern_set_filter(p, CAIRO_FILTER_NEAREST);
	cairo_mask(cr, p);
	cairo_pattern_destroy(p);
	cairo_restore(cr);
	cairo_surface_destroy(img);
}

/* The logo at the band's right end, fitted into its height. */
static void
draw_logo(cairo_t *cr, cairo_surface_t *logo)
{
	double w = cairo_image_surface_get_width(logo),
	       h = cairo_image_surface_get_height(logo);
	double box = BAND_H - 8, k = box / (w > h ? w : h);
	cairo_save(cr);
	cairo_translate(cr, PAGE_W - MARGIN - w * k, 4 + (box - h * k) / 2);
	cairo_scale(cr, k, k);
	cairo_set_source_surface(cr, logo, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
}

static void
page(cairo_t *cr, const struct zt_pdf_booking *b, size_t i,
    const struct zt_qr *q, char *ref, cairo_surface_t *logo)
{
	const struct zt_pdf_ticket *t = &b->tickets[i];
	struct rgb accent = colour(b->accent);
	/* dark text on a light colour, white on a dark one */
	double lum = 0.2126 * accent.r + 0.7152 * accent.g + 0.0722 * accent.b;
	struct rgb band_ink = lum > 0.6 ? INK : (struct rgb){1, 1, 1};
	double inner = PAGE_W - 2 * MARGIN, half = inner / 2 - 6, y;
	char foot[96];

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, accent.r, accent.g, accent.b);
	cairo_rectangle(cr, 0, 0, PAGE_W, BAND_H);
	cairo_fill(cr);
	text(cr, empty(b->tenant) ? "ztic" : b->tenant, 12, 1, band_ink, MARGIN,
	    13, logo ? inner - BAND_H : inner, 1);
	if (logo != NULL)
		draw_logo(cr, logo);

	y = BAND_H + 10;
	y += text(cr, b->title, 15, 1, INK, MARGIN, y, inner, 2) + 2;
	y += text(cr, b->when, 9.5, 0, INK, MARGIN, y, inner, 1);
	text(cr, b->venue, 9.5, 0, GREY, MARGIN, y, inner, 1);

	draw_qr(cr, q, (PAGE_W - QR_SIZE) / 2, QR_TOP, QR_SIZE);

	y = QR_TOP + QR_SIZE + 8;
	text(cr, t->seated ? "SEAT" : "PASS", 7.5, 1, GREY, MARGIN, y, half, 1);
	text(cr, "NAME", 7.5, 1, GREY, MARGIN + half + 12, y, half, 1);
	y += 10;
	text(cr, t->label, 15, 1, INK, MARGIN, y, half, 1);
	text(cr, b->holder, 11, 0, INK, MARGIN + half + 12, y + 3, half, 1);

	snprintf(foot, sizeof(foot), "%s  \xc2\xb7  Ticket %zu of %zu", ref,
	    i + 1, b->n);
	text(cr, foot, 8, 0, GREY, MARGIN, PAGE_H - MARGIN - 10, inner, 1);
}

/*
 * At exit, once a PDF was made: fontconfig, Pango and cairo keep their
 * fonts and configuration for the process's life (a worker's later PDFs
 * reuse them); handing them back at the end keeps a leak checker's report
 * (the sanitizer build, docs/testing.md) to our own leaks.  Only in a
 * sanitizer build: cairo_debug_reset_static_data asserts that no cairo
 * object is alive, and Pango's caches can keep a scaled font alive past
 * pango_cairo_font_map_set_default(NULL) (seen in ztic-outbox after PDFs
 * with fallback fonts: an abort at exit after the messages were sent).
 * A process's memory goes back to the system at exit anyway.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ZT_PDF_RELEASE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZT_PDF_RELEASE_AT_EXIT 1
#endif
#endif
#ifndef ZT_PDF_RELEASE_AT_EXIT
#define ZT_PDF_RELEASE_AT_EXIT 0
#endif
static int fonts_released_at_exit; /* release_fonts is registered */

static void
release_fonts(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

/* Ends the surface and copies the stream into a; -1 with err. */
static int
finish(struct zt_arena *a, cairo_surface_t *sf, const struct sink *s,
    const unsigned char **pdf, size_t *len, char *err, size_t errlen)
{
	cairo_surface_finish(sf);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "could not write the pdf: %s",
		    cairo_status_to_string(cairo_surface_status(sf)));
		return -1;
	}
	unsigned char *copy = zt_arena_alloc(a, s->len);
	memcpy(copy, s->p, s->len);
	*pdf = copy;
	*len = s->len;
	return 0;
}

/* A PDF surface writing into s, with the document's metadata. */
static cairo_surface_t *
surface(struct sink *s, double w, double h, const char *title,
    const char *author, const char *created)
{
	cairo_surface_t *sf;
	if (ZT_PDF_RELEASE_AT_EXIT && !fonts_released_at_exit &&
	    atexit(release_fonts) == 0)
		fonts_released_at_exit = 1;
	sf = cairo_pdf_surface_create_for_stream(sink_write, s, w, h);
	if (!empty(title))
		cairo_pdf_surface_set_metadata(
		    sf, CAIRO_PDF_METADATA_TITLE, title);
	if (!empty(author))
		cairo_pdf_surface_set_metadata(
		    sf, CAIRO_PDF_METADATA_AUTHOR, author);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "ztic");
	if (!empty(created))
		cairo_pdf_surface_set_metadata(
		    sf, CAIRO_PDF_METADATA_CREATE_DATE, created);
	return sf;
}

int
zt_pdf_tickets(struct zt_arena *a, const struct zt_pdf_booking *b,
    const unsigned char **pdf, size_t *len, char *err, size_t errlen)
{
	struct sink s = {NULL, 0, 0};
	cairo_surface_t *sf = NULL;
	cairo_t *cr = NULL;
	cairo_surface_t *logo = NULL;
	struct zt_qr *qs;
	char ref[16];
	int rc = -1;

	*pdf = NULL;
	*len = 0;
	if (b->n == 0) {
		snprintf(err, errlen, "no tickets to print");
		return -1;
	}
	qs = zt_arena_array(a, b->n, sizeof(*qs));
	for (size_t i = 0; i < b->n; i++)
		if (empty(b->tickets[i].qr) ||
		    zt_qr_matrix(a, b->tickets[i].qr, &qs[i]) != 0) {
			snprintf(
			    err, errlen, "a ticket's payload fits no QR code");
			return -1;
		}
	snprintf(
	    ref, sizeof(ref), "ZT-%.8s", b->booking_id ? b->booking_id : "");
	sf = surface(&s, PAGE_W, PAGE_H, b->title, b->tenant, b->created);
	cr = cairo_create(sf);
	/* a logo that cannot be read is left out, never a failed ticket */
	logo = empty(b->logo) ? NULL : zt_media_surface(b->logo);
	for (size_t i = 0; i < b->n; i++) {
		page(cr, b, i, &qs[i], ref, logo);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	rc = finish(a, sf, &s, pdf, len, err, errlen);
	cairo_surface_destroy(sf);
	if (logo != NULL)
		cairo_surface_destroy(logo);
	free(s.p);
	return rc;
}

/* A4 portrait in points */
#define A4_W 595.276
#define A4_H 841.890
#define A4_MARGIN 48.0

int
zt_pdf_report(struct zt_arena *a, const struct zt_pdf_report *d,
    const unsigned char **pdf, size_t *len, char *err, size_t errlen)
{
	struct sink s = {NULL, 0, 0};
	cairo_surface_t *sf;
	cairo_t *cr;
	double inner = A4_W - 2 * A4_MARGIN, valw = 160, y = 0;
	int rc, fresh = 1;

	*pdf = NULL;
	*len = 0;
	sf = surface(&s, A4_W, A4_H, d->title, d->tenant, d->created);
	cr = cairo_create(sf);
	for (size_t i = 0; i <= d->n; i++) {
		if (fresh) {
			cairo_set_source_rgb(cr, 1, 1, 1);
			cairo_paint(cr);
			y = A4_MARGIN;
			y += text(cr, empty(d->tenant) ? "ztic" : d->tenant, 16,
				 1, INK, A4_MARGIN, y, inner, 2) +
			     4;
			y += text(cr, d->title, 13, 1, INK, A4_MARGIN, y, inner,
				 2) +
			     2;
			y += text(cr, d->subtitle, 9.5, 0, GREY, A4_MARGIN, y,
				 inner, 4) +
			     14;
			fresh = 0;
		}
		if (i == d->n)
			break;
		const struct zt_pdf_row *r = &d->rows[i];
		double hgt = text(cr, r->label, 10, r->bold,
		    empty(r->value) && !r->bold ? GREY : INK, A4_MARGIN, y,
		    inner - valw - 12, 2);
		if (!empty(r->value)) {
			PangoLayout *l = pango_cairo_create_layout(cr);
			PangoFontDescription *f =
			    pango_font_description_from_string(FAMILIES);
			int pw, ph;
			pango_font_description_set_absolute_size(
			    f, 10 * PANGO_SCALE);
			pango_font_description_set_weight(f,
			    r->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
			pango_layout_set_font_description(l, f);
			pango_layout_set_text(l, r->value, -1);
			pango_layout_get_size(l, &pw, &ph);
			cairo_set_source_rgb(cr, INK.r, INK.g, INK.b);
			cairo_move_to(cr,
			    A4_MARGIN + inner - (double)pw / PANGO_SCALE, y);
			pango_cairo_show_layout(cr, l);
			pango_font_description_free(f);
			g_object_unref(l);
		}
		y += (hgt > 0 ? hgt : 12) + 5;
		if (y > A4_H - A4_MARGIN - 40 && i + 1 < d->n) {
			text(cr, d->foot, 8, 0, GREY, A4_MARGIN,
			    A4_H - A4_MARGIN, inner, 2);
			cairo_show_page(cr);
			fresh = 1;
		}
	}
	text(cr, d->foot, 8, 0, GREY, A4_MARGIN, A4_H - A4_MARGIN, inner, 2);
	cairo_show_page(cr);
	cairo_destroy(cr);
	rc = finish(a, sf, &s, pdf, len, err, errlen);
	cairo_surface_destroy(sf);
	free(s.p);
	return rc;
}
