/*
 * ztic-purge - delete rows past their use: expired refresh-token families,
 * old OTP challenges, sent outbox messages and audit entries past
 * retention (docs/finance.md, "Purges").  One run at a time (advisory
 * lock).  Daily from cron; not in the dev stack's loop.
 */
#include "config.h"

#include "zt_finance.h"
#include "zt_log.h"
#include "zt_server.h"

int
main(void)
{
	long done = 0;
	int rc;
	zt_server_init("purge", ZT_NEED_PG | ZT_NEED_PG_SYSTEM);
	zt_server_run_start();
	rc = zt_finance_purge(&done);
	if (done)
		zt_log_info("purge", "%ld rows deleted", done);
	zt_server_run_end(rc >= 0);
	zt_server_cleanup();
	return rc < 0 ? 1 : 0;
}
