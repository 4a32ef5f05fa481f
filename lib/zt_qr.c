/* zt_qr.c - a QR code's matrix and its SVG; see zt_qr.h. */
#include "zt_qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#define QUIET ZT_QR_QUIET

int
zt_qr_matrix(struct zt_arena *a, const char *text, struct zt_qr *q)
{
	QRcode *c = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	size_t n;
	if (c == NULL)
		return -1;
	q->width = c->width;
	q->version = c->version;
	n = (size_t)c->width * (size_t)c->width;
	q->dark = zt_arena_alloc(a, n);
	/* bit 0 of each byte: the module is black */
	for (size_t i = 0; i < n; i++)
		q->dark[i] = c->data[i] & 1;
	QRcode_free(c);
	return 0;
}

char *
zt_qr_svg(struct zt_arena *a, const char *text, int *version)
{
	struct zt_qr q;
	char *out, *p;
	size_t cap;
	int w, n;
	if (zt_qr_matrix(a, text, &q) != 0)
		return NULL;
	w = q.width;
	if (version != NULL)
		*version = q.version;
	/* at most "M999 999h1v1h-1z" (16 bytes) per module, plus the frame */
	cap = (size_t)w * (size_t)w * 17 + 512;
	out = p = zt_arena_alloc(a, cap);
	n = snprintf(p, cap,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\" role=\"img\" "
	    "aria-label=\"Ticket QR code\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"",
	    w + 2 * QUIET, w + 2 * QUIET, w + 2 * QUIET, w + 2 * QUIET);
	p += n;
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++) {
			if (!q.dark[y * w + x])
				continue;
			n = snprintf(p, cap - (size_t)(p - out),
			    "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
			p += n;
		}
	snprintf(p, cap - (size_t)(p - out), "\"/></svg>\n");
	return out;
}
