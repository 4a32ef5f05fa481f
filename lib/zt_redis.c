/* zt_redis.c - persistent hiredis connection; see zt_redis.h. */
#include "zt_redis.h"
#include "zt_log.h"
#include "zt_server.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct zt_redis {
	redisContext *c;
	const struct zt_config *cfg;
	unsigned long generation; /* connections made so far */
	/* with ZT_REDIS_SENTINELS: the Sentinel asked last, the master it
	 * named (where c is connected) and when that was checked */
	redisContext *sent;
	char host[256];
	int port;
	int64_t checked_ms;
};

struct zt_redis *
zt_redis_new(const struct zt_config *cfg)
{
	struct zt_redis *r = zt_xmalloc(sizeof(*r));
	r->c = NULL;
	r->cfg = cfg;
	r->generation = 0;
	r->sent = NULL;
	r->host[0] = '\0';
	r->port = 0;
	r->checked_ms = 0;
	return r;
}

void
zt_redis_free(struct zt_redis *r)
{
	if (r == NULL)
		return;
	if (r->c != NULL)
		redisFree(r->c);
	if (r->sent != NULL)
		redisFree(r->sent);
	free(r);
}

static void
drop(struct zt_redis *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

/*
 * Has the server spoken, or hung up, on a connection at rest?  A command
 * connection receives nothing between replies; after Redis was killed or
 * restarted the socket reads EOF.  One poll() with no wait tells, before a
 * command is sent on it (the retry in run() stays for a loss in flight).
 */
static int
hung_up(const redisContext *c)
{
	struct pollfd p;
	p.fd = c->fd;
	p.events = POLLIN;
	p.revents = 0;
	if (p.fd < 0)
		return 1;
	return poll(&p, 1, 0) > 0;
}

/* Milliseconds of the monotonic clock. */
static int64_t
mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One SENTINEL get-master-addr-by-name on s: 0 with host and port. */
static int
ask(redisContext *s, const char *name, char *host, size_t hostlen, int *port)
{
	redisReply *rep =
	    redisCommand(s, "SENTINEL get-master-addr-by-name %s", name);
	int rc = -1;
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_STRING &&
	    rep->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(host, hostlen, "%s", rep->element[0]->str);
		*port = atoi(rep->element[1]->str);
		rc = 0;
	}
	freeReplyObject(rep);
	return rc;
}

/*
 * Ask the Sentinels (ZT_REDIS_SENTINELS) where the master named
 * ZT_REDIS_MASTER is: 0 with host and port filled, -1 when none answers.
 * The connection to the Sentinel that answered last is kept and asked
 * first; the others are tried in order when it fails.
 */
static int
sentinel_master(struct zt_redis *r, struct timeval tv, char *host,
    size_t hostlen, int *port)
{
	const struct zt_config *cfg = r->cfg;
	char list[512];
	char *save = NULL;

	if (r->sent != NULL) {
		if (r->sent->err == 0 &&
		    ask(r->sent, cfg->redis_master, host, hostlen, port) == 0)
			return 0;
		redisFree(r->sent);
		r->sent = NULL;
	}
	snprintf(list, sizeof(list), "%s", cfg->redis_sentinels);
	for (char *tok = strtok_r(list, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		char *colon = strrchr(tok, ':');
		redisContext *s;
		if (colon == NULL)
			continue;
		*colon = '\0';
		s = redisConnectWithTimeout(tok, atoi(colon + 1), tv);
		if (s == NULL)
			zt_oom();
		if (s->err == 0 && redisSetTimeout(s, tv) == REDIS_OK &&
		    ask(s, cfg->redis_master, host, hostlen, port) == 0) {
			r->sent = s;
			return 0;
		}
		zt_log_warn("redis",
		    "sentinel %s:%s did not name the master %s", tok, colon + 1,
		    cfg->redis_master);
		redisFree(s);
	}
	return -1;
}

/*
 * Has the master moved?  Asked at most once a second on a live
 * connection: after a planned switchover the old master keeps accepting
 * writes until Sentinel demotes it (seconds later), and a worker still
 * connected to it would write holds the new master never sees.  1 moved
 * (the connection is dropped), 0 not, or no Sentinel answered (keep it).
 */
static int
master_moved(struct zt_redis *r, struct timeval tv)
{
	char host[256];
	int port = 0;
	int64_t now = mono_ms();
	if (r->cfg->redis_sentinels == NULL || now - r->checked_ms < 1000)
		return 0;
	r->checked_ms = now;
	if (sentinel_master(r, tv, host, sizeof(host), &port) != 0)
		return 0;
	if (port == r->port && strcmp(host, r->host) == 0)
		return 0;
	zt_log_warn("redis",
	    "the sentinels name a new master %s:%d: reconnecting", host, port);
	drop(r);
	return 1;
}

/*
 * Is the server we reached the master?  A Sentinel may still name a
 * master that was just demoted (or one that came back as a replica):
 * ROLE says.  1 master, 0 anything else.
 */
static int
is_master(redisContext *c)
{
	redisReply *rep = redisCommand(c, "ROLE");
	int yes = rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
		  rep->elements > 0 &&
		  rep->element[0]->type == REDIS_REPLY_STRING &&
		  strcmp(rep->element[0]->str, "master") == 0;
	if (rep != NULL)
		freeReplyObject(rep);
	return yes;
}

/*
 * Make sure the connection is up: 0 ok, -1 down.  A context that failed
 * (timeout, EOF, reset) stays failed in hiredis until reconnected: it is
 * replaced by a new one with the timeouts applied again (what
 * redisReconnect does, without keeping a half-read buffer).  Scripts
 * loaded on the old server are gone: zt_redis_eval falls back to EVAL on
 * NOSCRIPT.
 */
static int
ensure(struct zt_redis *r)
{
	struct timeval tv;
	tv.tv_sec = r->cfg->redis_timeout_ms / 1000;
	tv.tv_usec = (r->cfg->redis_timeout_ms % 1000) * 1000;
	if (r->c != NULL && r->c->err == 0 && !hung_up(r->c) &&
	    !master_moved(r, tv))
		return 0;
	if (r->c != NULL && r->c->err == 0)
		zt_log_warn("redis",
		    "the connection to redis was closed by the"
		    " server (restart or crash): reconnecting");
	drop(r);
	if (r->cfg->redis_sentinels != NULL) {
		/* the master the Sentinels name; none answering: ZT_REDIS */
		r->checked_ms = mono_ms();
		if (sentinel_master(
			r, tv, r->host, sizeof(r->host), &r->port) == 0)
			r->c = redisConnectWithTimeout(r->host, r->port, tv);
		else
			zt_log_warn(
			    "redis", "no sentinel answered: trying ZT_REDIS");
	}
	if (r->c != NULL)
		;
	else if (r->cfg->redis_unix != NULL)
		r->c = redisConnectUnixWithTimeout(r->cfg->redis_unix, tv);
	else
		r->c = redisConnectWithTimeout(
		    r->cfg->redis_host, r->cfg->redis_port, tv);
	if (r->c == NULL)
		zt_oom();
	if (r->c->err != 0) {
		zt_log_warn(
		    "redis", "could not connect to redis: %s", r->c->errstr);
		drop(r);
		return -1;
	}
	if (redisSetTimeout(r->c, tv) != REDIS_OK) {
		zt_log_warn("redis", "could not set the redis timeout: %s",
		    r->c->errstr);
		drop(r);
		return -1;
	}
	if (r->cfg->redis_sentinels != NULL && !is_master(r->c)) {
		zt_log_warn("redis", "the server the sentinels named is not "
				     "the master (yet): not using it");
		drop(r);
		return -1;
	}
	zt_log_info(
	    "redis", "%sconnected to redis", r->generation > 0 ? "re" : "");
	r->generation++;
	return 0;
}

unsigned long
zt_redis_generation(const struct zt_redis *r)
{
	return r != NULL ? r->generation : 0;
}

static void
free_reply(void *p)
{
	freeReplyObject(p);
}

static redisReply *
unavailable(struct zt_error *err)
{
	zt_error_set(err, ZT_EUNAVAIL, "redis_unavailable",
	    "a service is briefly unavailable, try again shortly");
	return NULL;
}

/*
 * Send one formatted command and read its reply, reconnecting as needed.
 * Takes ownership of cmd (hiredis-formatted, freed with redisFreeCommand).
 */
static redisReply *
run(struct zt_redis *r, struct zt_req *req, struct zt_error *err, char *cmd,
    long long len)
{
	redisReply *rep = NULL;

	if (len < 0)
		zt_oom();
	if (r == NULL) { /* a program that did not ask for Redis */
		redisFreeCommand(cmd);
		return unavailable(err);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int fresh = r->c == NULL || r->c->err != 0;
		void *out = NULL;
		if (ensure(r) != 0)
			break;
		if (redisAppendFormattedCommand(r->c, cmd, (size_t)len) ==
			REDIS_OK &&
		    redisGetReply(r->c, &out) == REDIS_OK) {
			rep = out;
			zt_req_defer(req, free_reply, rep);
			if (rep->type != REDIS_REPLY_ERROR ||
			    strncmp(rep->str, "READONLY", 8) != 0)
				break;
			/* a master demoted by a failover refuses writes
			 * (nothing was written): find the new master and
			 * send the command again, once */
			zt_log_warn("redis",
			    "redis is a replica now (failover):"
			    " reconnecting to the master");
			drop(r);
			rep = NULL;
			if (attempt == 0)
				continue;
			break;
		}
		/* a stale connection (server restarted): retry once on a new
		 * one; a fresh connection that fails is really down.  A
		 * restarted server shows as EOF on read, or as EPIPE on write
		 * over a unix socket (the command never left: safe to resend),
		 * or as a reset over TCP (a server that lost everything may
		 * run a script again) */
		int stale = r->c->err == REDIS_ERR_EOF ||
			    (r->c->err == REDIS_ERR_IO &&
				(errno == EPIPE || errno == ECONNRESET));
		zt_log_warn("redis", "command failed: %s", r->c->errstr);
		drop(r);
		if (fresh || !stale)
			break;
	}
	redisFreeCommand(cmd);
	return rep != NULL ? rep : unavailable(err);
}

redisReply *
zt_redis_argv(struct zt_redis *r, struct zt_req *req, struct zt_error *err,
    int argc, const char **argv, const size_t *lens)
{
	char *cmd = NULL;
	long long len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	return run(r, req, err, cmd, len);
}

redisReply *
zt_redis_cmd(struct zt_redis *r, struct zt_req *req, struct zt_error *err,
    const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	return run(r, req, err, cmd, len);
}

redisReply *
zt_redis_eval(struct zt_redis *r, struct zt_req *req, struct zt_error *err,
    struct zt_script *s, int nkeys, const char *const *keys, int nargs,
    const char *const *args)
{
	int argc = 3 + nkeys + nargs;
	const char **argv =
	    zt_arena_array(req->arena, (size_t)argc, sizeof(*argv));
	redisReply *rep;

	if (s->sha[0] == '\0') {
		/* Redis names scripts by SHA-1, which libsodium lacks:
		 * let Redis compute it once per process */
		rep = zt_redis_cmd(r, req, err, "SCRIPT LOAD %s", s->src);
		if (rep == NULL)
			return NULL;
		if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
			zt_log_error("redis", "script load failed: %s",
			    rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
			zt_error_set(err, ZT_EINTERNAL, NULL, "internal error");
			return NULL;
		}
		memcpy(s->sha, rep->str, 40);
		s->sha[40] = '\0';
	}
	argv[0] = "EVALSHA";
	argv[1] = s->sha;
	argv[2] = zt_arena_printf(req->arena, "%d", nkeys);
	for (int i = 0; i < nkeys; i++)
		argv[3 + i] = keys[i];
	for (int i = 0; i < nargs; i++)
		argv[3 + nkeys + i] = args[i];
	rep = zt_redis_argv(r, req, err, argc, argv, NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "NOSCRIPT", 8) == 0) {
		/* script cache lost (restart, failover): send the source */
		argv[0] = "EVAL";
		argv[1] = s->src;
		rep = zt_redis_argv(r, req, err, argc, argv, NULL);
	}
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		zt_log_error("redis", "script error: %s", rep->str);
	return rep;
}

int
zt_redis_ping(struct zt_redis *r, char *err, size_t errlen)
{
	struct zt_req *req = zt_req_new(NULL, NULL);
	struct zt_error e = ZT_ERROR_INIT;
	redisReply *rep = zt_redis_cmd(r, req, &e, "PING");
	int rc = -1;
	if (rep == NULL)
		snprintf(err, errlen, "%s", e.msg);
	else if (rep->type == REDIS_REPLY_STATUS &&
		 strcmp(rep->str, "PONG") == 0)
		rc = 0;
	else
		snprintf(err, errlen, "unexpected reply to ping");
	zt_req_free(req);
	return rc;
}
