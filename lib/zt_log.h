/*
 * zt_log.h - one JSON line per event on stderr.
 *
 * {"ts":"2026-11-22T03:16:28.123Z","level":"info","pid":12,"rid":"…",
 *  "event":"request","msg":"…", …extra fields}
 *
 * Secrets are never passed to these functions: callers log ids, never tokens,
 * codes, keys or DSN passwords.
 */
#ifndef ZT_LOG_H
#define ZT_LOG_H

#include <stddef.h>

enum zt_log_level { ZT_LOG_DEBUG, ZT_LOG_INFO, ZT_LOG_WARN, ZT_LOG_ERROR };

void zt_log_set_level(enum zt_log_level lvl);
/* Parse "debug|info|warn|error"; -1 when unknown. */
int zt_log_parse_level(const char *s);
/* The request id stamped on every line until changed (NULL: none). */
void zt_log_set_request_id(const char *rid);
void zt_log_set_program(const char *name);

void zt_log(enum zt_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define zt_log_debug(ev, ...) zt_log(ZT_LOG_DEBUG, ev, __VA_ARGS__)
#define zt_log_info(ev, ...) zt_log(ZT_LOG_INFO, ev, __VA_ARGS__)
#define zt_log_warn(ev, ...) zt_log(ZT_LOG_WARN, ev, __VA_ARGS__)
#define zt_log_error(ev, ...) zt_log(ZT_LOG_ERROR, ev, __VA_ARGS__)

/*
 * The one line per request (zt_serve.c), at info (error from 500 on):
 * {"ts",…,"rid","event":"request","route":"GET /api/x/:id","status":200,
 *  "dur_us":812,"tenant":"…","user":"<keyed hash>","error":"code",
 *  "pg_pid":1234}.  route is the table's pattern, never the raw path;
 * user is zt_log_user_hash of the user id; empty strings are left out.
 */
struct zt_log_request {
	const char *method, *route, *tenant, *user, *error, *msg;
	int status, pg_pid;
	long dur_us;
};
void zt_log_request(const struct zt_log_request *r);
/* Key the user id hash (from the process's secrets, zt_server_init). */
void zt_log_set_hash_key(const unsigned char *key, size_t len);
/* 16 hex digits of a keyed BLAKE2b of id into out[17] ("" for ""). */
void zt_log_user_hash(const char *id, char out[17]);

/* Escape s into dst as the inside of a JSON string (truncating); returns dst.
 */
char *zt_log_escape(char *dst, size_t len, const char *s);

#endif
