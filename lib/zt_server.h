/*
 * zt_server.h - the one per-process struct.
 *
 * Config and the long-lived connections of this process.  Request state
 * never goes here: it travels in struct zt_req.
 */
#ifndef ZT_SERVER_H
#define ZT_SERVER_H

#include "zt_config.h"

struct zt_server {
	const char *program;
	struct zt_config cfg;
	struct zt_db *db;	/* zt_db.c */
	struct zt_redis *redis; /* zt_redis.c */
	struct zt_live *live;	/* zt_live.c */
	volatile int stopping;	/* set by SIGTERM: finish and exit */
};

extern struct zt_server zt_g;

/*
 * Load the config for a program (exits with one line on error), set up
 * logging and the connection handles.  Connections open lazily.
 * zt_server_init is zt_server_load (config, logging, signals, message
 * catalogues: what a pool's workers share, zt_pool.h) followed by
 * zt_server_connect (the handles, made in each worker).
 */
void zt_server_init(const char *program, unsigned needs);
void zt_server_load(const char *program, unsigned needs);
void zt_server_connect(unsigned needs);
void zt_server_cleanup(void);

/*
 * A cron run: its run id stamps every log line until the run ends (the
 * "rid" field, "run-" and 16 hex digits), and its end is counted with its
 * duration (ztic_job_* in GET /metrics).  ok: the run did its work.
 */
void zt_server_run_start(void);
void zt_server_run_end(int ok);

struct zt_notify_cfg;
struct zt_price_rules;
/* The fee rules of this process, for zt_price_breakdown(). */
void zt_server_price_rules(struct zt_price_rules *out);
/* The provider settings of this process, for zt_notify_send(). */
void zt_server_notify_cfg(struct zt_notify_cfg *out);

struct zt_razorpay_cfg;
/*
 * The Razorpay settings of this process, for the zt_razorpay_* calls.  The
 * strings point into zt_g.cfg (they live for the process); a key left
 * unset is NULL, which the calls refuse as "razorpay is not configured".
 */
void zt_server_razorpay_cfg(struct zt_razorpay_cfg *out);

#endif
