/* test-pdf.c - the tickets' PDF (lib/zt_pdf.c): pages, determinism,
 * refusals; the text and QR codes are read back by
 * tests/integration/test_ticket_pdf.py with poppler and zbar. */
#include "zt_pdf.h"
#include "zt_test.h"

#include <stdlib.h>
#include <string.h>

/* a 150-character payload like a real one (docs/tickets.md) */
#define QR                                                                     \
	"ZT1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAAAAAAAAAQAAAAE."    \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy" \
	"MzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk9Q"

static const struct zt_pdf_ticket tickets[3] = {
    {QR, "Main A 1", 1},
    {QR, "Main A 2", 1},
    {QR, "Floor", 0},
};

static struct zt_pdf_booking
booking(size_t n)
{
	struct zt_pdf_booking b = {
	    .booking_id = "0f0e0d0c-0b0a-4908-8706-050403020100",
	    .tenant = "Robotics Club",
	    .accent = "#1d4ed8",
	    .title = "दिवाली मेला: Diwali Night",
	    .when = "Sun, 27 Dec 2026, 6:00 PM IST",
	    .venue = "Main hall",
	    .holder = "अनन्या शर्मा",
	    .created = "2026-12-06T18:00:00Z",
	    .tickets = tickets,
	    .n = n,
	};
	return b;
}

static size_t
count(const unsigned char *p, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (size_t i = 0; i + k <= len; i++)
		if (memcmp(p + i, needle, k) == 0)
			n++;
	return n;
}

/* one page per ticket, a PDF from its first byte */
TEST(one_page_per_ticket)
{
	struct zt_arena *a = zt_arena_new();
	struct zt_pdf_booking b = booking(3);
	const unsigned char *pdf;
	size_t len;
	char err[160];
	CHECK(zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) == 0);
	CHECK(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
	CHECK(count(pdf, len, "/Type /Pages") == 1);
	CHECK(count(pdf, len, "/Count 3") == 1);
	/* the fonts are embedded (subsets), Devanagari among them */
	CHECK(count(pdf, len, "NotoSansDevanagari") > 0);
	zt_arena_free(a);
}

/* the same booking gives the same bytes: the email's PDF and the
 * download are one file */
TEST(deterministic)
{
	struct zt_arena *a = zt_arena_new();
	struct zt_pdf_booking b = booking(2);
	const unsigned char *p1, *p2;
	size_t l1, l2;
	char err[160];
	CHECK(zt_pdf_tickets(a, &b, &p1, &l1, err, sizeof(err)) == 0);
	CHECK(zt_pdf_tickets(a, &b, &p2, &l2, err, sizeof(err)) == 0);
	CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
	zt_arena_free(a);
}

/* nothing to print, a payload no QR code holds, a colour that is not
 * one (the default is used), fields left out */
TEST(refusals_and_defaults)
{
	struct zt_arena *a = zt_arena_new();
	struct zt_pdf_booking b = booking(0);
	struct zt_pdf_ticket big = {NULL, "X", 0};
	const unsigned char *pdf;
	size_t len;
	char err[160], *huge;
	CHECK(zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) == -1);
	CHECK(pdf == NULL && strstr(err, "no tickets") != NULL);
	huge = malloc(8000);
	memset(huge, 'A', 7999);
	huge[7999] = '\0';
	big.qr = huge;
	b.tickets = &big;
	b.n = 1;
	CHECK(zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) == -1);
	free(huge);
	b = booking(1);
	b.accent = "red\"><script>";
	b.venue = NULL;
	b.holder = "";
	b.tenant = NULL;
	CHECK(zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) == 0);
	zt_arena_free(a);
}

int
main(void)
{
	RUN(one_page_per_ticket);
	RUN(deterministic);
	RUN(refusals_and_defaults);
	return DONE();
}
