/* zt_log.c - JSON line logger; see zt_log.h. */
#include "zt_log.h"
#include "zt_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum zt_log_level min_level = ZT_LOG_INFO;
static char request_id[64];
static char program[32] = "ztic";

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
