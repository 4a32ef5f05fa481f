/*
 * ztic-outbox - send due messages from the outbox table.
 *
 * Run every minute by cron (cron/crontab) and every few seconds by
 * scripts/dev.  Messages go in batches, each batch one transaction with
 * its rows locked (SKIP LOCKED), so overlapping runs never send one
 * message twice; failures are retried with exponential backoff, up to
 * ZT_OUTBOX_MAX_ATTEMPTS, and stay visible in outbox.last_error.
 *
 * A run keeps draining while whole rounds of 500 come back full (an
 * on-sale queues a confirmation per booking), for at most 50 s, so the
 * next minute's run finds the queue where this one left it.
 */
#include "config.h"

#include "zt_booking.h"
#include "zt_log.h"
#include "zt_outbox.h"
#include "zt_server.h"
#include "zt_time.h"

#include <malloc.h>

#define ROUND 500
#define RUN_FOR_MS 50000

int
main(void)
{
	long long start;
	int sent, failed, rc, total = 0, total_failed = 0;

	/*
	 * A run makes a PDF per confirmation, hundreds in a row, and each
	 * PDF's zlib streams take and give back 256 kB buffers: by default
	 * glibc maps and unmaps them, or trims the heap after them, and the
	 * next PDF faults the pages in again (470,000 page faults for 4,800
	 * emails, 10 % of the run's CPU; docs/benchmarks.md, section 32).
	 * The heap is kept instead, for a process that ends with its run.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/* the tickets' key: a confirmation carries its PDF, signed as it is
	 * sent (docs/tickets.md, "PDF tickets") */
	zt_server_init("outbox", ZT_NEED_PG | ZT_NEED_TICKETS);
	zt_server_run_start();
	start = zt_time_mono_ms();
	do {
		rc = zt_outbox_drain(
		    ROUND, zt_booking_pdf_attach, &sent, &failed);
		total += sent;
		total_failed += failed;
	} while (rc == 0 && sent + failed == ROUND &&
		 zt_time_mono_ms() - start < RUN_FOR_MS);
	if (total || total_failed)
		zt_log_info(
		    "outbox", "sent %d, failed %d", total, total_failed);
	if (rc != 0)
		zt_log_error("outbox", "database unreachable");
	zt_server_run_end(rc == 0);
	zt_server_cleanup();
	return rc == 0 ? 0 : 1;
}
