/*
 * zt_live.c - nchan publisher client; see zt_live.h.
 *
 * A few lines of HTTP/1.1 over one kept-alive unix-socket connection
 * instead of libcurl: the publisher is our own nginx on a local socket, so
 * no TLS, proxies or redirects, and the responders that only publish do
 * not load libcurl, OpenSSL and GnuTLS (docs/benchmarks.md, row 8).
 * Requests are pipelined: every message queued by one API request goes in
 * one write, and the answers are read back together.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "zt_live.h"
#include "zt_arena.h"
#include "zt_log.h"
#include "zt_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 1000
#define FLUSH_AT      (64 * 1024) /* queued bytes that force a flush */

struct zt_live {
	char *socket_path;
	int fd;    /* -1 while not connected */
	int defer; /* queue publishes until zt_live_flush */
	/* queued requests, back to back; ends[i] is where request i ends */
	char *out;
	size_t out_len, out_cap;
	size_t *ends;
	size_t nreq, ends_cap;
	/* bytes read past the answer being parsed */
	char in[8192];
	size_t in_len;
};

struct zt_live *
zt_live_new(const char *socket_path)
{
	struct zt_live *l = zt_xmalloc(sizeof(*l));
	memset(l, 0, sizeof(*l));
	l->socket_path = zt_xstrdup(socket_path);
	l->fd = -1;
	return l;
}

static void
disconnect(struct zt_live *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->in_len = 0;
}

void
zt_live_free(struct zt_live *l)
{
	if (l == NULL)
		return;
	disconnect(l);
	free(l->out);
	free(l->ends);
	free(l->socket_path);
	free(l);
}

void
zt_live_defer(int on)
{
	if (zt_g.live != NULL)
		zt_g.live->defer = on;
}

static int
connect_socket(struct zt_live *l, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = {IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000};
	int fd;

	if (strlen(l->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, l->socket_path, strlen(l->socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "could not reach the nchan publisher: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->in_len = 0;
	return 0;
}

static void
append(struct zt_live *l, const char *p, size_t n)
{
	if (l->out_len + n > l->out_cap) {
		size_t cap = l->out_cap ? l->out_cap : 4096;
		while (cap < l->out_len + n)
			cap *= 2;
		l->out = zt_xrealloc(l->out, cap);
		l->out_cap = cap;
	}
	memcpy(l->out + l->out_len, p, n);
	l->out_len += n;
}

/* Queue one request (body NULL: a GET). */
static void
enqueue(struct zt_live *l, const char *channel, const char *body, size_t len)
{
	char head[512];
	int n;

	if (body != NULL)
		n = snprintf(head, sizeof(head),
		    "POST /pub/%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Content-Type: application/json\r\n"
		    "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
		    channel, len);
	else
		n = snprintf(head, sizeof(head),
		    "GET /pub/%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Accept: application/json\r\n\r\n", channel);
	append(l, head, (size_t)n);
	if (body != NULL)
		append(l, body, len);
	if (l->nreq == l->ends_cap) {
		l->ends_cap = l->ends_cap ? l->ends_cap * 2 : 8;
		l->ends = zt_xrealloc(l->ends, l->ends_cap * sizeof(*l->ends));
	}
	l->ends[l->nreq++] = l->out_len;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read more into l->in; -1 on EOF, error or time-out. */
static int
fill(struct zt_live *l)
{
	ssize_t r;
	if (l->in_len == sizeof(l->in))
		return -1; /* a head larger than the buffer: not nchan */
	do
		r = read(l->fd, l->in + l->in_len, sizeof(l->in) - l->in_len);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	l->in_len += (size_t)r;
	return 0;
}

static void
consume_in(struct zt_live *l, size_t n)
{
	memmove(l->in, l->in + n, l->in_len - n);
	l->in_len -= n;
}

/* Skip n body bytes. */
static int
skip(struct zt_live *l, size_t n)
{
	while (n > 0) {
		size_t k;
		if (l->in_len == 0 && fill(l) != 0)
			return -1;
		k = n < l->in_len ? n : l->in_len;
		consume_in(l, k);
		n -= k;
	}
	return 0;
}

/* The end of the line starting at in[0]; fills as needed. */
static char *
line_end(struct zt_live *l)
{
	char *e;
	while ((e = memmem(l->in, l->in_len, "\r\n", 2)) == NULL)
		if (fill(l) != 0)
			return NULL;
	return e;
}

/* Skip a chunked body. */
static int
skip_chunked(struct zt_live *l)
{
	for (;;) {
		char *e = line_end(l);
		unsigned long n;
		if (e == NULL)
			return -1;
		*e = '\0';
		n = strtoul(l->in, NULL, 16);
		consume_in(l, (size_t)(e - l->in) + 2);
		if (n == 0) {
			/* trailers, then the empty line */
			for (;;) {
				if ((e = line_end(l)) == NULL)
					return -1;
				size_t len = (size_t)(e - l->in);
				consume_in(l, len + 2);
				if (len == 0)
					return 0;
			}
		}
		if (skip(l, n + 2) != 0)
			return -1;
	}
}

/*
 * Read one answer: its status, or -1 when the connection broke.  *close
 * is set when the server will close the connection after it.
 */
static long
read_answer(struct zt_live *l, int *close_after)
{
	char *end, *p, *head;
	long status;
	size_t head_len, clen = 0;
	int chunked = 0;

	*close_after = 0;
	while ((end = memmem(l->in, l->in_len, "\r\n\r\n", 4)) == NULL)
		if (fill(l) != 0)
			return -1;
	head_len = (size_t)(end - l->in) + 4;
	head = l->in;
	head[head_len - 2] = '\0';
	if (strncmp(head, "HTTP/1.", 7) != 0 || strlen(head) < 12)
		return -1;
	status = strtol(head + 9, NULL, 10);
	for (p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtoul(h + 15, NULL, 10);
		else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 &&
		         strstr(h, "chunked") != NULL)
			chunked = 1;
		else if (strncasecmp(h, "Connection:", 11) == 0 &&
		         strcasestr(h, "close") != NULL)
			*close_after = 1;
	}
	consume_in(l, head_len);
	if (chunked ? skip_chunked(l) : skip(l, clen))
		return -1;
	return status;
}

/*
 * Send the queued requests and read their answers.  A connection that
 * broke (nginx closed a kept-alive one, or restarted) is opened again and
 * the unanswered requests are sent once more.  Fills status[i] (when not
 * NULL) for each request; returns the number that failed.
 */
static int
flush(struct zt_live *l, long *status, char *err, size_t errlen)
{
	size_t done = 0, from = 0; /* requests answered; their bytes */
	int failed = 0;

	for (int attempt = 0; attempt < 2 && done < l->nreq; attempt++) {
		if (l->fd < 0 && connect_socket(l, err, errlen) != 0)
			break;
		if (write_all(l->fd, l->out + from, l->out_len - from) != 0) {
			snprintf(err, errlen, "could not write to the nchan "
			    "publisher: %s", strerror(errno));
			disconnect(l);
			continue;
		}
		while (done < l->nreq) {
			int close_after;
			long st = read_answer(l, &close_after);
			if (st < 0) {
				snprintf(err, errlen, "the nchan publisher "
				    "closed the connection");
				disconnect(l);
				break;
			}
			if (status != NULL)
				status[done] = st;
			if (st < 200 || st >= 300)
				failed++;
			from = l->ends[done++];
			if (close_after) {
				disconnect(l);
				break;
			}
		}
		if (done < l->nreq && l->fd >= 0)
			disconnect(l);
	}
	for (size_t i = done; i < l->nreq; i++) {
		if (status != NULL)
			status[i] = -1;
		failed++;
	}
	l->out_len = 0;
	l->nreq = 0;
	return failed;
}

int
zt_live_flush(void)
{
	struct zt_live *l = zt_g.live;
	char err[256] = "";
	size_t n;
	int failed;

	if (l == NULL || l->nreq == 0)
		return 0;
	n = l->nreq;
	failed = flush(l, NULL, err, sizeof(err));
	if (failed > 0)
		zt_log_error("live", "%d of %zu messages not published: %s",
		    failed, n, err[0] ? err : "publisher refused them");
	return failed > 0 ? -1 : 0;
}

int
zt_live_publish(const char *channel, const char *json, size_t len)
{
	struct zt_live *l = zt_g.live;
	if (l == NULL)
		return -1;
	enqueue(l, channel, json, len);
	if (l->defer && l->out_len < FLUSH_AT)
		return 0;
	return zt_live_flush();
}

int
zt_live_publish_event(const char *event_id, long long v, const char *type,
    struct json_object *body)
{
	struct json_object *msg = json_object_new_object();
	char channel[64];
	const char *text;
	size_t len = 0;
	int rc;

	json_object_object_add(msg, "v", json_object_new_int64(v));
	json_object_object_add(msg, "type", json_object_new_string(type));
	if (body != NULL) {
		json_object_object_foreach(body, k, val) {
			json_object_object_add(msg, k, json_object_get(val));
		}
		json_object_put(body);
	}
	snprintf(channel, sizeof(channel), "ev:%s", event_id);
	text = json_object_to_json_string_length(msg,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = zt_live_publish(channel, text, len);
	json_object_put(msg);
	return rc;
}

int
zt_live_ping(char *err, size_t errlen)
{
	struct zt_live *l = zt_g.live;
	long st[64];
	int failed;

	if (l == NULL) {
		snprintf(err, errlen, "publisher not configured");
		return -1;
	}
	zt_live_flush(); /* anything queued goes first, on its own */
	enqueue(l, "health", NULL, 0);
	err[0] = '\0';
	failed = flush(l, st, err, errlen);
	/* GET on a channel answers 404 (no channel) or 200: both mean nchan
	 * is up */
	if (st[0] == 200 || st[0] == 404)
		return 0;
	if (failed > 0 && err[0] == '\0')
		snprintf(err, errlen, "publisher answered %ld", st[0]);
	return -1;
}
