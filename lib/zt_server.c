/* zt_server.c - process start-up and the global struct. */
#include "zt_server.h"
#include "zt_db.h"
#include "zt_i18n.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_notify.h"
#include "zt_price.h"
#include "zt_razorpay.h"
#include "zt_redis.h"

#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zt_server zt_g;

static void
on_term(int sig)
{
	(void)sig;
	zt_g.stopping = 1;
}

void
zt_server_load(const char *program, unsigned needs)
{
	char err[256];
	struct sigaction sa;

	zt_g.program = program;
	zt_log_set_program(program);
	if (zt_config_load(&zt_g.cfg, needs, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", program, err);
		exit(1);
	}
	/* the user id hash of the request log is keyed by the signing key
	 * (a new signing key gives new hashes: docs/operations.md, "Logs") */
	const struct zt_jwt_key *k =
	    zt_g.cfg.jwt_kid ? zt_config_jwt_key(&zt_g.cfg, zt_g.cfg.jwt_kid)
			     : NULL;
	if (k == NULL && zt_g.cfg.jwt_nkeys > 0)
		k = &zt_g.cfg.jwt_keys[0];
	if (k != NULL)
		zt_log_set_hash_key(k->key, k->len);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* a pool's master turns its TERM into SIGUSR1 for its workers
	 * (zt_pool.c; the master blocks these and waits for them): finish
	 * the request in hand, then stop.  libfcgi would take SIGUSR1 for
	 * its own accept(); the responders accept for it (zt_serve.c), so
	 * the flag is ours */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the server's messages in English and Hindi (docs/web.md):
	 * without them every text is English */
	if (zt_i18n_load(zt_g.cfg.i18n_dir, err, sizeof(err)) != 0)
		zt_log_warn("i18n", "catalogues not loaded: %s", err);
	/* parsing the catalogues left a megabyte of freed json-c objects
	 * between the texts kept: give those pages back, or every worker
	 * keeps them as private memory (docs/benchmarks.md, row 8) */
	malloc_trim(0);
}

void
zt_server_connect(unsigned needs)
{
	if (needs & (ZT_NEED_PG | ZT_NEED_PG_SYSTEM))
		zt_g.db = zt_db_new((needs & ZT_NEED_PG_SYSTEM)
					? zt_g.cfg.pg_system_dsn
					: zt_g.cfg.pg_dsn);
	/* public reads on a streaming replica (docs/scale.md) */
	if ((needs & ZT_NEED_PG) && !(needs & ZT_NEED_PG_SYSTEM) &&
	    zt_g.cfg.pg_replica_dsn != NULL)
		zt_db_use_replica(zt_g.cfg.pg_replica_dsn);
	if (needs & ZT_NEED_REDIS)
		zt_g.redis = zt_redis_new(&zt_g.cfg);
	if (needs & ZT_NEED_LIVE) {
		zt_g.live = zt_live_new(zt_g.cfg.live_socket);
		zt_live_batch(zt_g.live, zt_g.cfg.live_batch_ms);
	}
}

void
zt_server_init(const char *program, unsigned needs)
{
	zt_server_load(program, needs);
	zt_server_connect(needs);
}

static struct timespec run_t0;

void
zt_server_run_start(void)
{
	unsigned char b[8];
	char id[32];
	zt_metrics_open(zt_g.program); /* once per process */
	randombytes_buf(b, sizeof(b));
	snprintf(id, sizeof(id), "run-%02x%02x%02x%02x%02x%02x%02x%02x", b[0],
	    b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
	zt_log_set_request_id(id);
	clock_gettime(CLOCK_MONOTONIC, &run_t0);
}

void
zt_server_run_end(int ok)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	zt_metrics_job(ok, (t.tv_sec - run_t0.tv_sec) * 1000000L +
			       (t.tv_nsec - run_t0.tv_nsec) / 1000L);
	zt_log_set_request_id(NULL);
}

void
zt_server_cleanup(void)
{
	zt_metrics_close();
	zt_live_free(zt_g.live);
	zt_redis_free(zt_g.redis);
	zt_db_free(zt_g.db);
	zt_db_use_replica(NULL);
	zt_g.live = NULL;
	zt_g.redis = NULL;
	zt_g.db = NULL;
	zt_i18n_free();
	zt_config_free(&zt_g.cfg);
}

void
zt_server_notify_cfg(struct zt_notify_cfg *out)
{
	const struct zt_config *c = &zt_g.cfg;
	memset(out, 0, sizeof(*out));
	out->outbox_dir = c->outbox_dir;
	out->resend_key = c->resend_key;
	out->resend_base = c->resend_base;
	out->email_from = c->email_from;
	out->twilio_sid = c->twilio_sid;
	out->twilio_token = c->twilio_token;
	out->twilio_from = c->twilio_from;
	out->twilio_base = c->twilio_base;
	out->gupshup_key = c->gupshup_key;
	out->gupshup_source = c->gupshup_source;
	out->gupshup_app = c->gupshup_app;
	out->gupshup_base = c->gupshup_base;
	out->timeout_ms = 5000;
}

void
zt_server_price_rules(struct zt_price_rules *out)
{
	out->fee_bps = zt_g.cfg.fee_bps;
	out->fee_fixed = zt_g.cfg.fee_fixed_paise;
	out->tax_bps = zt_g.cfg.fee_tax_bps;
}

void
zt_server_razorpay_cfg(struct zt_razorpay_cfg *out)
{
	const struct zt_config *c = &zt_g.cfg;
	memset(out, 0, sizeof(*out));
	out->key_id = c->razorpay_key_id;
	out->key_secret = c->razorpay_key_secret;
	out->webhook_secret = c->razorpay_webhook_secret;
	out->base_url = c->razorpay_base;
	out->timeout_ms = c->razorpay_timeout_ms;
}
