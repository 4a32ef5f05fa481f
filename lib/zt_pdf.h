/*
 * zt_pdf.h - a booking's tickets as a PDF, one A6 page per ticket
 * (docs/tickets.md, "PDF tickets").
 *
 * Pure: no database, no request.  Cairo writes the PDF (vector text with
 * the fonts' subsets embedded, the QR code as filled rectangles); Pango
 * shapes the text with fontconfig's Noto fonts, so a name in Devanagari
 * or another Indian script renders with its conjuncts.  Every string is
 * set as plain text (no Pango markup): what a buyer or an organizer typed
 * is never interpreted.
 */
#ifndef ZT_PDF_H
#define ZT_PDF_H

#include <stddef.h>

#include "zt_arena.h"

/* One page: a ticket that may be shown at the gate. */
struct zt_pdf_ticket {
	const char *qr;	   /* the signed payload (docs/tickets.md) */
	const char *label; /* "Main A 1" for a seat, "Floor" for a pass */
	int seated;	   /* label names a seat (else a ticket type) */
};

/* What every page shows; NULL or "" strings are left out. */
struct zt_pdf_booking {
	const char *booking_id; /* uuid; the page shows "ZT-" + 8 chars */
	const char *tenant;	/* the organizer's name */
	const char *accent; /* the organizer's colour "#rrggbb" (else ours) */
	const char *logo;   /* their logo: a PNG or JPEG file (else none) */
	const char *title;  /* the event */
	const char *when;   /* "Sun, 27 Dec 2026, 6:00 PM IST" */
	const char *venue;
	const char *holder;  /* the buyer's name */
	const char *created; /* the PDF's CreationDate (ISO 8601), fixed so
			      * the same booking gives the same bytes */
	const struct zt_pdf_ticket *tickets;
	size_t n;
};

/*
 * The PDF of b into *pdf (len bytes, in the arena); 0, or -1 with a
 * lowercase reason in err (no tickets, a payload that fits no QR code,
 * cairo's failure).
 */
int zt_pdf_tickets(struct zt_arena *a, const struct zt_pdf_booking *b,
    const unsigned char **pdf, size_t *len, char *err, size_t errlen);

/* A report's row: label and value (right-aligned); a heading has no value. */
struct zt_pdf_row {
	const char *label, *value;
	int bold;
};

/* A report (a statement, an invoice): A4, the organizer's name, a title
 * and subtitle (the period), then rows, paginated; footer lines. */
struct zt_pdf_report {
	const char *tenant;   /* the organizer's name */
	const char *title;    /* "Statement, October 2026" */
	const char *subtitle; /* the period, the numbers */
	const char *created;  /* CreationDate (ISO 8601), or NULL */
	const struct zt_pdf_row *rows;
	size_t n;
	const char *foot; /* the last line of every page, or NULL */
};

/* The report as a PDF in a's memory; -1 with err on failure. */
int zt_pdf_report(struct zt_arena *a, const struct zt_pdf_report *d,
    const unsigned char **pdf, size_t *len, char *err, size_t errlen);

#endif
