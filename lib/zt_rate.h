/*
 * zt_rate.h - rate limits in Redis (sliding window, one round trip).
 *
 * Keys are zt:rl:<scope>:<hash of key>, so identifiers (emails, phones,
 * addresses) are never stored in clear in Redis.  Every refusal is 429
 * with a Retry-After header (whole seconds, rounded up) and the JSON error
 * shape; Redis down is 503.
 */
#ifndef ZT_RATE_H
#define ZT_RATE_H

#include "zt_req.h"

/*
 * Count one hit of key in scope; at most limit hits per window seconds.
 * limit 0 is no limit.  Each key is its own Redis key (cluster-safe), so
 * two limits on one request are two calls, the wider scope first.
 * ZT_OK when allowed.  Over the limit: records 429 "rate_limited" with a
 * message and the wait (zt_fail_retry) on req and returns ZT_ELIMIT; the
 * dispatcher writes the Retry-After header from it.
 */
enum zt_err zt_rate_hit(struct zt_req *req, const char *scope, const char *key,
    int limit, int window_s);

/*
 * Record 429 `code` on req: "<what>; try again in N seconds" and the wait
 * N (zt_fail_retry: the dispatcher answers it as a Retry-After header and
 * retryAfter in the body), N = retry_ms rounded up
 * to whole seconds (at least 1).  Returns ZT_ELIMIT.  For limits counted
 * elsewhere (the lock script counts its own: lib/zt_hold.c).
 */
enum zt_err zt_rate_refuse(
    struct zt_req *req, const char *code, const char *what, long long retry_ms);

/*
 * The keyed digest limits store instead of key (hex of BLAKE2b-128 keyed
 * with scope), so no identifier or address sits in Redis in clear.
 * Arena string.
 */
const char *zt_rate_digest(
    struct zt_req *req, const char *scope, const char *key);

/*
 * The key of req's client address for per-address limits
 * (zt_ident_addr_key: an IPv6 client counts by its /64).  Arena string.
 */
const char *zt_rate_addr(struct zt_req *req);

/*
 * Failed attempts with backoff (OTP verifications per identifier): the
 * first `free` attempts pass at once; after n >= free failures the next
 * attempt waits backoff_s * 2^(n - free) seconds (at most backoff_max_s)
 * from the last one; after `cap` failures nothing passes until a day
 * (day_s) from the first failure has gone by.
 */
struct zt_rate_backoff {
	int free;
	int cap;
	int backoff_s;
	int backoff_max_s;
	int day_s;
};

/*
 * Before an attempt whose failure must count: refuse it (429
 * "rate_limited" in a backoff wait, 429 "too_many_failures" at the cap,
 * both with Retry-After), or count it as failed already, so concurrent
 * attempts cannot slip through one gap.  A success undoes the count with
 * zt_rate_fail_clear.
 */
enum zt_err zt_rate_fail_take(struct zt_req *req, const char *scope,
    const char *key, const struct zt_rate_backoff *b);

/* ZT_OK unless key has reached the cap (then as zt_rate_fail_take);
 * counts nothing. */
enum zt_err zt_rate_fail_capped(struct zt_req *req, const char *scope,
    const char *key, const struct zt_rate_backoff *b);

/* Forget key's failures (after a success). */
enum zt_err zt_rate_fail_clear(
    struct zt_req *req, const char *scope, const char *key);

#endif
