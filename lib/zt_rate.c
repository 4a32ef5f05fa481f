/* zt_rate.c - sliding-window limits and failure backoff; see zt_rate.h. */
#include "zt_rate.h"
#include "zt_crypto.h"
#include "zt_ident.h"
#include "zt_keys.h"
#include "zt_lua.h"
#include "zt_redis.h"
#include "zt_server.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* lib/lua/rate_hit.lua and rate_fail.lua (zt_lua.h). */
static struct zt_script hit_script = ZT_SCRIPT(zt_lua_rate_hit);
static struct zt_script fail_script = ZT_SCRIPT(zt_lua_rate_fail);

const char *
zt_rate_digest(struct zt_req *req, const char *scope, const char *key)
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), (const unsigned char *)key,
	    strlen(key), (const unsigned char *)scope, strlen(scope));
	return zt_hex(req->arena, h, sizeof(h));
}

/* zt:rl:<scope>:<digest of key> in the arena. */
static const char *
rate_key(struct zt_req *req, const char *scope, const char *key)
{
	return zt_keys_rate(req->arena, scope, zt_rate_digest(req, scope, key));
}

enum zt_err
zt_rate_refuse(
    struct zt_req *req, const char *code, const char *what, long long retry_ms)
{
	long long secs = retry_ms <= 0 ? 1 : (retry_ms + 999) / 1000;
	if (secs > INT_MAX)
		secs = INT_MAX;
	/* the wait goes with the error: the dispatcher writes Retry-After
	 * and retryAfter from it */
	zt_fail(
	    req, ZT_ELIMIT, code, "%s; try again in %lld seconds", what, secs);
	zt_fail_retry(req, (int)secs);
	return ZT_ELIMIT;
}

const char *
zt_rate_addr(struct zt_req *req)
{
	size_t n = strlen(req->remote_addr) + 8; /* + "/64" at most */
	char *out = zt_arena_alloc(req->arena, n < 64 ? 64 : n);
	if (zt_ident_addr_key(req->remote_addr, out, n < 64 ? 64 : n) != 0)
		return req->remote_addr;
	return out;
}

enum zt_err
zt_rate_hit(struct zt_req *req, const char *scope, const char *key, int limit,
    int window_s)
{
	const char *keys[1], *args[3];
	struct zt_error err = ZT_ERROR_INIT;
	unsigned char rnd[8];
	redisReply *rep;

	if (limit <= 0)
		return ZT_OK;
	randombytes_buf(rnd, sizeof(rnd));
	keys[0] = rate_key(req, scope, key);
	args[0] =
	    zt_arena_printf(req->arena, "%lld", (long long)window_s * 1000);
	args[1] = zt_arena_printf(req->arena, "%d", limit);
	args[2] = zt_hex(req->arena, rnd, sizeof(rnd));
	rep =
	    zt_redis_eval(zt_g.redis, req, &err, &hit_script, 1, keys, 3, args);
	if (rep == NULL)
		return zt_fail_error(req, &err);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER ||
	    rep->element[1]->type != REDIS_REPLY_INTEGER)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	if (rep->element[0]->integer == 1)
		return ZT_OK;
	return zt_rate_refuse(
	    req, "rate_limited", "too many attempts", rep->element[1]->integer);
}

static enum zt_err
fail_run(struct zt_req *req, const char *scope, const char *key,
    const struct zt_rate_backoff *b, const char *mode)
{
	const char *keys[1] = {rate_key(req, scope, key)};
	const char *args[6];
	struct zt_error err = ZT_ERROR_INIT;
	redisReply *rep;

	args[0] = zt_arena_printf(req->arena, "%d", b->free);
	args[1] = zt_arena_printf(req->arena, "%d", b->cap);
	args[2] =
	    zt_arena_printf(req->arena, "%lld", (long long)b->backoff_s * 1000);
	args[3] = zt_arena_printf(
	    req->arena, "%lld", (long long)b->backoff_max_s * 1000);
	args[4] =
	    zt_arena_printf(req->arena, "%lld", (long long)b->day_s * 1000);
	args[5] = mode;
	rep = zt_redis_eval(
	    zt_g.redis, req, &err, &fail_script, 1, keys, 6, args);
	if (rep == NULL)
		return zt_fail_error(req, &err);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3)
		return zt_fail(req, ZT_EINTERNAL, NULL, "internal error");
	for (size_t i = 0; i < 3; i++)
		if (rep->element[i]->type != REDIS_REPLY_INTEGER)
			return zt_fail(
			    req, ZT_EINTERNAL, NULL, "internal error");
	if (rep->element[0]->integer == 1)
		return ZT_OK;
	if (rep->element[2]->integer == 1)
		return zt_rate_refuse(req, "too_many_failures",
		    "too many wrong codes today", rep->element[1]->integer);
	return zt_rate_refuse(req, "rate_limited", "too many wrong codes",
	    rep->element[1]->integer);
}

enum zt_err
zt_rate_fail_take(struct zt_req *req, const char *scope, const char *key,
    const struct zt_rate_backoff *b)
{
	return fail_run(req, scope, key, b, "take");
}

enum zt_err
zt_rate_fail_capped(struct zt_req *req, const char *scope, const char *key,
    const struct zt_rate_backoff *b)
{
	return fail_run(req, scope, key, b, "peek");
}

enum zt_err
zt_rate_fail_clear(struct zt_req *req, const char *scope, const char *key)
{
	struct zt_error err = ZT_ERROR_INIT;
	if (zt_redis_cmd(zt_g.redis, req, &err, "DEL %s",
		rate_key(req, scope, key)) == NULL)
		return zt_fail_error(req, &err);
	return ZT_OK;
}
