/*
 * zt_metrics.h - Prometheus counters shared by the workers of a pool.
 *
 * Every program (a responder pool, a cron job) maps one file,
 * $ZT_METRICS_DIR/<program>.metrics, MAP_SHARED: the workers of a pool
 * (zt_pool.h) add to the same counters with atomic adds, so the hot path
 * costs a few uncontended memory operations and no system
 * call, and a worker that dies or is restarted loses nothing.  The health
 * responder's GET /metrics reads every file of the directory and prints
 * the Prometheus text format (docs/operations.md, "Metrics").  Without
 * ZT_METRICS_DIR the counters go to memory of the process alone.
 *
 * Per request (zt_serve.c): route (the table's pattern, never the path),
 * status and a latency histogram.  Domain counters are one-line calls
 * where the thing happens: zt_metrics_count(ZT_MC_HOLDS_TAKEN, 1).
 */
#ifndef ZT_METRICS_H
#define ZT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct zt_route;
struct zt_arena;
struct zt_req;

/* The domain counters (names in zt_metrics.c; append, never reorder). */
enum zt_metric {
	ZT_MC_HOLDS_TAKEN,
	ZT_MC_HOLDS_REFUSED,
	ZT_MC_HOLDS_EXPIRED,
	ZT_MC_BOOKINGS_CREATED,
	ZT_MC_BOOKINGS_CONFIRMED,
	ZT_MC_BOOKINGS_EXPIRED,
	ZT_MC_PAYMENTS_CAPTURED,
	ZT_MC_PAYMENTS_FAILED,
	ZT_MC_REFUNDS,
	ZT_MC_CHECKINS,
	ZT_MC_WEBHOOK_DELIVERIES,
	ZT_MC_WEBHOOK_FAILURES,
	ZT_MC_COUNT
};

/* Map this program's file: zt_serve, and a cron program's first
 * zt_server_run_start (tools that never serve nor run make none). */
void zt_metrics_open(const char *program);
/* Label the request slots with a route table (zt_serve, once). */
void zt_metrics_routes(const struct zt_route *routes, size_t n);
void zt_metrics_close(void);

/* Count one request: route index in the table (-1: no route), status and
 * duration in microseconds. */
void zt_metrics_request(int route, int status, long us);
void zt_metrics_count(enum zt_metric m, long n);
/* A cron run ended: ok or not, its duration in microseconds. */
void zt_metrics_job(int ok, long us);

/* The text exposition of every program's file in the directory (arena
 * memory; "" without ZT_METRICS_DIR). */
char *zt_metrics_render(struct zt_arena *a, size_t *len);

/* GET /metrics (the health responder): zt_metrics_render, then the
 * PostgreSQL and Redis round trips, the outbox's depth and oldest age and
 * nchan's stub status, measured now (zt_metrics_scrape.c). */
char *zt_metrics_scrape(struct zt_req *req, size_t *len);

#endif
