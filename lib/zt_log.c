/* zt_log.c - JSON line logger; see zt_log.h. */
#include "zt_log.h"
#include "zt_time.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum zt_log_level min_level = ZT_LOG_INFO;
static char request_id[64];
static char program[32] = "ztic";

static unsigned char hash_key[crypto_generichash_KEYBYTES];
static int hash_keyed;

static const char *const names[] = {"debug", "info", "warn", "error"};

void
zt_log_set_level(enum zt_log_level lvl)
{
	min_level = lvl;
}

int
zt_log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void
zt_log_set_request_id(const char *rid)
{
	if (rid == NULL)
		request_id[0] = '\0';
	else
		zt_log_escape(request_id, sizeof(request_id), rid);
}

void
zt_log_set_program(const char *name)
{
	zt_log_escape(program, sizeof(program), name);
}

char *
zt_log_escape(char *dst, size_t len, const char *s)
{
	size_t o = 0;
	if (len == 0)
		return dst;
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t n;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			n = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			n = 6;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n >= len)
			break;
		memcpy(dst + o, esc, n);
		o += n;
	}
	dst[o] = '\0';
	return dst;
}

void
zt_log(enum zt_log_level lvl, const char *event, const char *fmt, ...)
{
	char msg[1024], emsg[2048], ev[64], ts[ZT_TIME_MS_LEN];
	struct timeval tv;
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zt_log_escape(emsg, sizeof(emsg), msg);
	zt_log_escape(ev, sizeof(ev), event);
	gettimeofday(&tv, NULL);
	zt_time_format_msbuf((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, ts);
	fprintf(stderr,
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\","
	    "\"pid\":%ld,%s%s%s\"event\":\"%s\",\"msg\":\"%s\"}\n",
	    ts, names[lvl], program, (long)getpid(),
	    request_id[0] ? "\"rid\":\"" : "", request_id,
	    request_id[0] ? "\"," : "", ev, emsg);
	fflush(stderr);
}

void
zt_log_set_hash_key(const unsigned char *key, size_t len)
{
	/* a key of its own, so the hash reveals nothing of key's uses */
	crypto_generichash(hash_key, sizeof(hash_key),
	    (const unsigned char *)"ztic log user hash v1", 21, key, len);
	hash_keyed = 1;
}

void
zt_log_user_hash(const char *id, char out[17])
{
	unsigned char h[8];
	static const char hex[] = "0123456789abcdef";

	out[0] = '\0';
	if (id == NULL || *id == '\0' || !hash_keyed)
		return;
	crypto_generichash(h, sizeof(h), (const unsigned char *)id, strlen(id),
	    hash_key, sizeof(hash_key));
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[16] = '\0';
}

/* ,"name":"value" when value is not empty */
static void
field(FILE *o, const char *name, const char *value)
{
	char esc[512];
	if (value == NULL || *value == '\0')
		return;
	fprintf(
	    o, ",\"%s\":\"%s\"", name, zt_log_escape(esc, sizeof(esc), value));
}

void
zt_log_request(const struct zt_log_request *r)
{
	enum zt_log_level lvl = r->status >= 500 ? ZT_LOG_ERROR : ZT_LOG_INFO;
	char ts[ZT_TIME_MS_LEN], line[2048];
	struct timeval tv;
	FILE *o;

	if (lvl < min_level)
		return;
	gettimeofday(&tv, NULL);
	zt_time_format_msbuf((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, ts);
	/* one write(2) per line: the workers of a pool share the file */
	o = fmemopen(line, sizeof(line) - 2, "w");
	if (o == NULL)
		return;
	fprintf(o,
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\",\"pid\":%ld", ts,
	    names[lvl], program, (long)getpid());
	field(o, "rid", request_id);
	fputs(",\"event\":\"request\"", o);
	field(o, "method", r->method);
	field(o, "route", r->route);
	fprintf(o, ",\"status\":%d,\"dur_us\":%ld", r->status, r->dur_us);
	field(o, "tenant", r->tenant);
	field(o, "user", r->user);
	field(o, "error", r->error);
	if (r->pg_pid > 0)
		fprintf(o, ",\"pg_pid\":%d", r->pg_pid);
	field(o, "msg", r->msg);
	fputc('}', o);
	long n = ftell(o);
	fclose(o);
	if (n <= 0 || n >= (long)sizeof(line) - 2)
		return;
	line[n] = '\n';
	fwrite(line, 1, (size_t)n + 1, stderr);
	fflush(stderr);
}
