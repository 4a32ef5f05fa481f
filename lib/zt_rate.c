/* zt_rate.c - sliding-window limits; see zt_rate.h. */
#include "zt_rate.h"
#include "zt_crypto.h"
#include "zt_redis.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/*
 * KEYS[1] the window zset; ARGV: now ms, window ms, limit, member.
 * Returns {allowed, retry_after_ms}.
 */
static struct zt_script hit_script = ZT_SCRIPT(
    "local now = tonumber(ARGV[1])\n"
    "local win = tonumber(ARGV[2])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)\n"
    "local n = redis.call('ZCARD', KEYS[1])\n"
    "if n >= tonumber(ARGV[3]) then\n"
    "  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "  return {0, tonumber(oldest[2]) + win - now}\n"
    "end\n"
    "redis.call('ZADD', KEYS[1], now, ARGV[4])\n"
    "redis.call('PEXPIRE', KEYS[1], win)\n"
    "return {1, 0}\n");

enum zt_err
zt_rate_hit(struct zt_req *req, const char *scope, const char *key,
    int limit, int window_s)
{
	unsigned char h[16], rnd[8];
	struct timeval tv;
	redisReply *rep;
	const char *keys[1], *args[4];
	long long now_ms, retry_ms;

	crypto_generichash(h, sizeof(h), (const unsigned char *)key,
	    strlen(key), (const unsigned char *)scope, strlen(scope));
	randombytes_buf(rnd, sizeof(rnd));
	gettimeofday(&tv, NULL);
	now_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	keys[0] = zt_arena_printf(req->arena, "zt:rl:%s:%s", scope,
	    zt_hex(req->arena, h, sizeof(h)));
	args[0] = zt_arena_printf(req->arena, "%lld", now_ms);
	args[1] = zt_arena_printf(req->arena, "%lld", (long long)window_s * 1000);
	args[2] = zt_arena_printf(req->arena, "%d", limit);
	args[3] = zt_arena_printf(req->arena, "%lld-%s", now_ms,
	    zt_hex(req->arena, rnd, sizeof(rnd)));
	rep = zt_redis_eval(req, &hit_script, 1, keys, 4, args);
	if (rep == NULL)
		return req->err;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	if (rep->element[0]->integer == 1)
		return ZT_OK;
	retry_ms = rep->element[1]->integer;
	long long secs = retry_ms / 1000 + 1;
	zt_reply_header(req, "Retry-After",
	    zt_arena_printf(req->arena, "%lld", secs));
	return zt_fail(req, ZT_ELIMIT, "rate_limited",
	    "too many attempts; try again in %lld seconds", secs);
}
