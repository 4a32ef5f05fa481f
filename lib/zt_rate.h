/*
 * zt_rate.h - rate limits in Redis (sliding window, one round trip).
 *
 * Keys are zt:rl:<scope>:<hash of key>, so identifiers (emails, phones,
 * addresses) are never stored in clear in Redis.
 */
#ifndef ZT_RATE_H
#define ZT_RATE_H

#include "zt_req.h"

/*
 * Count one hit of key in scope; at most limit hits per window seconds.
 * ZT_OK when allowed.  Over the limit: records 429 with a message and a
 * Retry-After header on req and returns ZT_ELIMIT.  Redis down: 503.
 */
enum zt_err zt_rate_hit(struct zt_req *req, const char *scope,
    const char *key, int limit, int window_s);

#endif
