/*
 * health - GET /api/health: is every part of the stack answering?
 *
 * 200 {"status":"ok","postgres":"ok","redis":"ok","live":"ok","version":…}
 * 503 with the failed part(s) marked "down" and named in "failed".
 *
 * GET /metrics: the Prometheus text format of every pool's counters
 * (zt_metrics.h); nginx lets only loopback and ZT_NGINX_METRICS_ALLOW in.
 */
#include "config.h"

#include "zt_db.h"
#include "zt_live.h"
#include "zt_log.h"
#include "zt_metrics.h"
#include "zt_redis.h"
#include "zt_serve.h"
#include "zt_server.h"

/* The checks, each on the process's own handle (zt_g). */
static int
ping_postgres(char *err, size_t errlen)
{
	return zt_db_ping(zt_g.db, err, errlen);
}

static int
ping_redis(char *err, size_t errlen)
{
	return zt_redis_ping(zt_g.redis, err, errlen);
}

static int
ping_live(char *err, size_t errlen)
{
	return zt_live_ping(zt_g.live, err, errlen);
}

static enum zt_err
get_health(struct zt_req *req)
{
	struct json_object *body = json_object_new_object();
	struct json_object *failed = json_object_new_array();
	char err[256];
	int ok = 1;

	struct {
		const char *name;
		int (*check)(char *, size_t);
	} parts[] = {
	    {"postgres", ping_postgres},
	    {"redis", ping_redis},
	    {"live", ping_live},
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int up = parts[i].check(err, sizeof(err)) == 0;
		json_object_object_add(body, parts[i].name,
		    json_object_new_string(up ? "ok" : "down"));
		if (!up) {
			ok = 0;
			zt_log_warn(
			    "health", "%s is down: %s", parts[i].name, err);
			json_object_array_add(
			    failed, json_object_new_string(parts[i].name));
		}
	}
	json_object_object_add(
	    body, "status", json_object_new_string(ok ? "ok" : "degraded"));
	json_object_object_add(
	    body, "version", json_object_new_string(PACKAGE_VERSION));
	if (!ok)
		json_object_object_add(body, "failed", failed);
	else
		json_object_put(failed);
	return zt_reply(req, ok ? 200 : 503, body);
}

static enum zt_err
get_metrics(struct zt_req *req)
{
	size_t len;
	const char *text = zt_metrics_scrape(req, &len);
	req->resp_type = "text/plain; version=0.0.4; charset=utf-8";
	return zt_reply_text(req, 200, text, len);
}

static const struct zt_route routes[] = {
    {"GET", "/api/health", get_health, ZT_AUTH_PUBLIC, 0, 0},
    {"GET", "/metrics", get_metrics, ZT_AUTH_PUBLIC, 0, 0},
};

int
main(void)
{
	return zt_serve("health", routes, ZT_ROUTES_LEN(routes),
	    ZT_NEED_PG | ZT_NEED_REDIS | ZT_NEED_LIVE);
}
