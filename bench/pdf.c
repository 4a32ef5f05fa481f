/*
 * bench/pdf.c - the PDF tickets' row: how long lib/zt_pdf.c takes to make
 * the PDF of a 10-ticket booking (docs/tickets.md, "PDF tickets").
 *
 *   make bench/pdf && bench/pdf [RUNS [OUT.pdf]]
 *
 * Ten real payloads (signed with a throw-away key, so each QR code
 * differs), a Devanagari holder and event name.  The first PDF of a
 * process pays for fontconfig and Pango's start (a responder pays it once
 * per worker); then RUNS more (default 50) are timed.  Then RUNS PDFs of
 * a one-ticket booking in Latin script, row 6's shape (each of its buyers
 * books one seat; two fonts embedded instead of four).  Prints one JSON
 * line: tickets, bytes, first_ms, p50_ms, p90_ms, max_ms, the CPU time
 * per PDF, and one_bytes and one_cpu_ms for the one-ticket PDF.  OUT.pdf
 * (optional) keeps the last 10-ticket one to look at.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zt_pdf.h"
#include "zt_ticket.h"

#define TICKETS 10

static double
ms_since(const struct timespec *t0, clockid_t clock)
{
	struct timespec t1;
	clock_gettime(clock, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 50;
	struct zt_ticket_signer s;
	struct zt_ticket t;
	struct zt_pdf_ticket tk[TICKETS];
	char qr[TICKETS][ZT_TICKET_PAYLOAD_LEN + 1], label[TICKETS][16], err[160];
	unsigned char pk[32], seed[ZT_TICKET_SEED_LEN];
	struct zt_arena *a;
	const unsigned char *pdf = NULL;
	size_t len = 0;
	struct timespec t0, c0;
	double first, *ms, cpu;

	if (runs < 1 || sodium_init() < 0)
		return 2;
	zt_ticket_keygen(&s.kid, pk, seed);
	crypto_sign_seed_keypair(pk, s.sk, seed);
	memset(&t, 0, sizeof(t));
	t.valid_from = 1798380000;
	t.valid_until = t.valid_from + 86400;
	t.kid = s.kid;
	for (int i = 0; i < TICKETS; i++) {
		randombytes_buf(t.ticket, sizeof(t.ticket));
		zt_ticket_encode(&t, &s, qr[i]);
		snprintf(label[i], sizeof(label[i]), "Main A %d", i + 1);
		tk[i].qr = qr[i];
		tk[i].label = label[i];
		tk[i].seated = 1;
	}
	struct zt_pdf_booking b = {
	    .booking_id = "0f0e0d0c-0b0a-4908-8706-050403020100",
	    .tenant = "Techfest IIT Bombay",
	    .accent = "#1d4ed8",
	    .title = "दिवाली मेला: Diwali Night",
	    .when = "Sun, 27 Dec 2026, 6:00 PM IST",
	    .venue = "Convocation Hall, IIT Bombay, Powai",
	    .holder = "अनन्या शर्मा",
	    .created = "2026-12-06T18:00:00Z",
	    .tickets = tk,
	    .n = TICKETS,
	};

	a = zt_arena_new();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "pdf: %s\n", err);
		return 1;
	}
	first = ms_since(&t0, CLOCK_MONOTONIC);
	ms = calloc((size_t)runs, sizeof(*ms));
	if (ms == NULL)
		return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (int i = 0; i < runs; i++) {
		zt_arena_reset(a);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (zt_pdf_tickets(a, &b, &pdf, &len, err, sizeof(err)) != 0) {
			fprintf(stderr, "pdf: %s\n", err);
			return 1;
		}
		ms[i] = ms_since(&t0, CLOCK_MONOTONIC);
	}
	cpu = ms_since(&c0, CLOCK_PROCESS_CPUTIME_ID) / runs;
	qsort(ms, (size_t)runs, sizeof(*ms), cmp);
	if (argc > 2) {
		FILE *f = fopen(argv[2], "wb");
		if (f == NULL || fwrite(pdf, 1, len, f) != len || fclose(f))
			return 1;
	}

	/* row 6's shape: one seat, names in Latin script */
	struct zt_pdf_booking one = b;
	const unsigned char *one_pdf = NULL;
	size_t one_len = 0;
	double one_cpu;
	one.title = "Diwali Night";
	one.holder = "Ananya Sharma";
	one.n = 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (int i = 0; i < runs; i++) {
		zt_arena_reset(a);
		if (zt_pdf_tickets(a, &one, &one_pdf, &one_len, err,
			sizeof(err)) != 0) {
			fprintf(stderr, "pdf: %s\n", err);
			return 1;
		}
	}
	one_cpu = ms_since(&c0, CLOCK_PROCESS_CPUTIME_ID) / runs;

	printf("{\"tickets\":%d,\"bytes\":%zu,\"first_ms\":%.1f,"
	       "\"p50_ms\":%.1f,\"p90_ms\":%.1f,\"max_ms\":%.1f,"
	       "\"cpu_ms\":%.1f,\"runs\":%d,\"one_bytes\":%zu,"
	       "\"one_cpu_ms\":%.2f}\n",
	    TICKETS, len, first, ms[runs / 2], ms[runs * 9 / 10],
	    ms[runs - 1], cpu, runs, one_len, one_cpu);
	free(ms);
	zt_arena_free(a);
	return 0;
}
