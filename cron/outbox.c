/*
 * ztic-outbox - send due messages from the outbox table.
 *
 * Run every minute by cron (cron/crontab) and every few seconds by
 * scripts/dev.  Each message is sent in its own transaction with its row
 * locked (SKIP LOCKED), so overlapping runs never send one message twice;
 * failures are retried with exponential backoff, up to
 * ZT_OUTBOX_MAX_ATTEMPTS, and stay visible in outbox.last_error.
 */
#include "config.h"

#include "zt_log.h"
#include "zt_outbox.h"
#include "zt_server.h"

int
main(void)
{
	int sent, failed, rc;
	zt_server_init("outbox", ZT_NEED_PG);
	rc = zt_outbox_drain(500, &sent, &failed);
	if (sent || failed)
		zt_log_info("outbox", "sent %d, failed %d", sent, failed);
	if (rc != 0)
		zt_log_error("outbox", "database unreachable");
	zt_server_cleanup();
	return rc == 0 ? 0 : 1;
}
