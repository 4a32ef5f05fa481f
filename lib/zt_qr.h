/*
 * zt_qr.h - a QR code's modules and its SVG (libqrencode makes the
 * matrix; the drawing is ours).  Error correction M, byte mode, a quiet
 * zone of ZT_QR_QUIET modules, black modules on white (docs/tickets.md).
 * The SVG and the PDF tickets (zt_pdf.c) draw the same matrix.
 */
#ifndef ZT_QR_H
#define ZT_QR_H

#include <stddef.h>

#include "zt_arena.h"

#define ZT_QR_QUIET 4 /* modules of white around the code */

/* The matrix of a QR code: width x width modules, row by row, 1 black. */
struct zt_qr {
	int width;
	int version;
	unsigned char *dark; /* width * width bytes, in the arena */
};

/* The matrix of text into *q (the arena holds it); 0, or -1 when text
 * does not fit a QR code. */
int zt_qr_matrix(struct zt_arena *a, const char *text, struct zt_qr *q);

/* The SVG of text in the arena; NULL when it does not fit a QR code.
 * *version (may be NULL) gets the QR version used. */
char *zt_qr_svg(struct zt_arena *a, const char *text, int *version);

#endif
