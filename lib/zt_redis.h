/*
 * zt_redis.h - the process's Redis connection.
 *
 * One persistent hiredis connection with connect/command timeouts.  A dead
 * connection (timeout, EOF, restart, or found closed by the server before
 * use) is dropped and reopened with the timeouts set again; a command that
 * failed on a connection found dead is retried once on a fresh one.
 * Scripts go by EVALSHA with an EVAL fallback on NOSCRIPT (docs/stack.md,
 * "Redis").  With ZT_REDIS_SENTINELS the master is the one the Sentinels
 * name (SENTINEL get-master-addr-by-name ZT_REDIS_MASTER, checked with
 * ROLE) each time the connection is made again, and a live connection is
 * checked against them at most once a second (a planned switchover leaves
 * the old master writable for a while); a READONLY reply (a
 * master demoted by a failover) drops the connection and sends the
 * command again, once, to the new master (docs/scale.md, "Redis failover").
 */
#ifndef ZT_REDIS_H
#define ZT_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "zt_config.h"
#include "zt_err.h"
#include "zt_req.h"

struct zt_redis;

struct zt_script {
	const char *src;
	char sha[41]; /* computed on first use */
};

#define ZT_SCRIPT(src)                                                         \
	{                                                                      \
		(src), ""                                                      \
	}

struct zt_redis *zt_redis_new(const struct zt_config *cfg);
void zt_redis_free(struct zt_redis *r);

/*
 * The error channel (zt_err.h): these calls never write on req, which
 * only gives the reply its lifetime (freed when the request ends) and the
 * arena.  A failure is NULL with err filled: ZT_EUNAVAIL
 * "redis_unavailable" when Redis cannot be reached (r NULL included: a
 * program that did not ask for Redis), ZT_EINTERNAL when a script does not
 * load.  The caller passes it on (zt_fail_error) or, for a best-effort
 * call, drops it.  The connection r comes from the caller (zt_g.redis at
 * the top of the domain module), never from a global in here.
 */

/*
 * Run one command given as argv.  A Redis error reply is returned as a
 * reply of type REDIS_REPLY_ERROR (the caller decides).
 */
redisReply *zt_redis_argv(struct zt_redis *r, struct zt_req *req,
    struct zt_error *err, int argc, const char **argv, const size_t *lens);
/* printf-style convenience for fixed commands. */
redisReply *zt_redis_cmd(struct zt_redis *r, struct zt_req *req,
    struct zt_error *err, const char *fmt, ...);

/* EVALSHA script with keys then args; NOSCRIPT falls back to EVAL. */
redisReply *zt_redis_eval(struct zt_redis *r, struct zt_req *req,
    struct zt_error *err, struct zt_script *s, int nkeys,
    const char *const *keys, int nargs, const char *const *args);

/* Counts the connections r made (0 for NULL): a change means Redis may
 * have restarted and lost what a caller remembers of it. */
unsigned long zt_redis_generation(const struct zt_redis *r);

/* PING on the connection r, for health: 0 ok, -1 down (reason in
 * err). */
int zt_redis_ping(struct zt_redis *r, char *err, size_t errlen);

#endif
