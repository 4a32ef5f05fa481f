/*
 * ztic-webhooks - send due outgoing webhook deliveries (docs/webhooks.md).
 *
 * Run every minute by cron (cron/crontab) and every few seconds by
 * scripts/dev.  It finds due deliveries across tenants as ztic_system
 * (read only), then sends each in a transaction of its tenant with the
 * row locked (SKIP LOCKED: overlapping runs never send one try twice),
 * records the try in the delivery log and schedules the next one with
 * exponential backoff; an endpoint failing for 24 hours is disabled and
 * its owners are emailed.  A run keeps going while rounds come back
 * full, for at most 50 s.
 */
#include "config.h"

#include "zt_log.h"
#include "zt_server.h"
#include "zt_time.h"
#include "zt_whout.h"

#define ROUND 50
#define RUN_FOR_MS 50000

int
main(void)
{
	long long start;
	int sent, failed, rc, total = 0, total_failed = 0;

	/* not "webhooks": that is the incoming-webhook responder's metrics file
	 */
	zt_server_init("webhook-deliveries", ZT_NEED_PG | ZT_NEED_PG_SYSTEM);
	zt_server_run_start();
	start = zt_time_mono_ms();
	do {
		rc = zt_whout_drain(ROUND, &sent, &failed);
		total += sent;
		total_failed += failed;
	} while (rc == 0 && sent + failed == ROUND &&
		 zt_time_mono_ms() - start < RUN_FOR_MS);
	if (total || total_failed)
		zt_log_info(
		    "webhooks", "sent %d, failed %d", total, total_failed);
	if (rc != 0)
		zt_log_error("webhooks", "database unreachable");
	zt_server_run_end(rc == 0);
	zt_server_cleanup();
	return rc == 0 ? 0 : 1;
}
