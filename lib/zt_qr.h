/*
 * zt_qr.h - a QR code as SVG (libqrencode makes the matrix; the SVG is
 * ours).  Error correction M, byte mode, a quiet zone of 4 modules, one
 * path of black modules on white, scaled by the viewer (docs/tickets.md).
 */
#ifndef ZT_QR_H
#define ZT_QR_H

#include <stddef.h>

#include "zt_arena.h"

/* The SVG of text in the arena; NULL when it does not fit a QR code.
 * *version (may be NULL) gets the QR version used. */
char *zt_qr_svg(struct zt_arena *a, const char *text, int *version);

#endif
