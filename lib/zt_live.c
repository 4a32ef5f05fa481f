/*
 * zt_live.c - nchan publisher client; see zt_live.h.
 *
 * A few lines of HTTP/1.1 over one kept-alive unix-socket connection
 * instead of libcurl: the publisher is our own nginx on a local socket, so
 * no TLS, proxies or redirects, and the responders that only publish do
 * not load libcurl, OpenSSL and GnuTLS (docs/benchmarks.md, row 8).
 * Requests are pipelined: every message queued by one API request goes in
 * one write after the FastCGI answer, and nobody waits for nginx's
 * answers: they are read when they have arrived, at the next flush.  A
 * request is kept until its answer is read, so a connection that broke
 * sends it again.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "zt_live.h"
#include "zt_arena.h"
#include "zt_log.h"
#include "zt_server.h"
#include "zt_time.h"

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
#define FLUSH_AT (64 * 1024) /* queued bytes that force a flush */
#define GATHER_SLOTS 8	     /* event channels gathered at once */

/* One event channel's messages gathered for a batch: "m1,m2,…" */
struct gathered {
	char channel[64];
	char *buf;
	size_t len, cap;
	int n;
	long long last_v;
};

struct zt_live {
	char *socket_path;
	int fd;		       /* -1 while not connected */
	int defer;	       /* queue publishes until zt_live_flush */
	int batch_ms;	       /* zt_live_batch */
	long long gathered_at; /* monotonic ms of the oldest gathered */
	struct gathered g[GATHER_SLOTS];
	/*
	 * Requests back to back; ends[i] is where request i ends.  The
	 * first nacked have their answer, the first nsent were written:
	 * a request stays until answered, so a broken connection sends the
	 * unanswered ones again.
	 */
	char *out;
	size_t out_len, out_cap;
	size_t *ends;
	size_t nreq, nsent, nacked, ends_cap;
	long last_status; /* of the last answer read */
	int failed;	  /* answers or requests lost since the last look */
	char err[160];
	/* bytes read past the answers parsed */
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

/* Drop the connection; what was not answered goes out again. */
static void
disconnect(struct zt_live *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->in_len = 0;
	l->nsent = l->nacked;
}

static int flush(struct zt_live *l, int block);

void
zt_live_free(struct zt_live *l)
{
	if (l == NULL)
		return;
	flush(l, 1); /* what was written still gets its answer */
	disconnect(l);
	for (int i = 0; i < GATHER_SLOTS; i++)
		free(l->g[i].buf);
	free(l->out);
	free(l->ends);
	free(l->socket_path);
	free(l);
}

void
zt_live_defer(struct zt_live *l, int on)
{
	if (l != NULL)
		l->defer = on;
}

void
zt_live_batch(struct zt_live *l, int ms)
{
	if (l != NULL)
		l->batch_ms = ms > 0 ? ms : 0;
}

static int
connect_socket(struct zt_live *l)
{
	struct sockaddr_un sa;
	struct timeval tv = {
	    IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000};
	int fd;

	if (strlen(l->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(l->err, sizeof(l->err), "socket path too long");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, l->socket_path, strlen(l->socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(l->err, sizeof(l->err), "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(l->err, sizeof(l->err),
		    "could not reach the nchan publisher: %s", strerror(errno));
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->in_len = 0;
	return 0;
}

/* Append n bytes to a growing buffer (*buf, *len, *cap). */
static void
buf_add(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 4096;
		while (c < *len + n)
			c *= 2;
		*buf = zt_xrealloc(*buf, c);
		*cap = c;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

static void
append(struct zt_live *l, const char *p, size_t n)
{
	buf_add(&l->out, &l->out_len, &l->out_cap, p, n);
}

/* Forget the answered requests at the front of the buffer. */
static void
compact(struct zt_live *l)
{
	size_t gone;
	if (l->nacked == 0)
		return;
	gone = l->ends[l->nacked - 1];
	memmove(l->out, l->out + gone, l->out_len - gone);
	l->out_len -= gone;
	for (size_t i = l->nacked; i < l->nreq; i++)
		l->ends[i - l->nacked] = l->ends[i] - gone;
	l->nreq -= l->nacked;
	l->nsent -= l->nacked;
	l->nacked = 0;
}

/* Queue one request (body NULL: a GET).  -1 for a channel name too long
 * for a request line (ours are a prefix and a uuid). */
static int
enqueue(struct zt_live *l, const char *channel, const char *body, size_t len)
{
	char head[512];
	int n;

	if (strlen(channel) > 256)
		return -1;

	if (body != NULL)
		n = snprintf(head, sizeof(head),
		    "POST /pub/%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Content-Type: application/json\r\n"
		    "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
		    channel, len);
	else
		n = snprintf(head, sizeof(head),
		    "GET /pub/%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Accept: application/json\r\n\r\n",
		    channel);
	append(l, head, (size_t)n);
	if (body != NULL)
		append(l, body, len);
	if (l->nreq == l->ends_cap) {
		l->ends_cap = l->ends_cap ? l->ends_cap * 2 : 8;
		l->ends = zt_xrealloc(l->ends, l->ends_cap * sizeof(*l->ends));
	}
	l->ends[l->nreq++] = l->out_len;
	return 0;
}

/*
 * Queue the gathered messages as requests: a channel's one message as
 * it is, several as {"type":"batch","v":<the last one's>,"msgs":[…]}
 * (in the order they were published, which is v's order within this
 * process).
 */
static void
release_gathered(struct zt_live *l)
{
	for (int i = 0; i < GATHER_SLOTS; i++) {
		struct gathered *g = &l->g[i];
		if (g->n == 0)
			continue;
		if (g->n == 1) {
			(void)enqueue(l, g->channel, g->buf, g->len);
		} else {
			char head[64];
			int hn = snprintf(head, sizeof(head),
			    "{\"type\":\"batch\",\"v\":%lld,\"msgs\":[",
			    g->last_v);
			char *body = zt_xmalloc((size_t)hn + g->len + 3);
			memcpy(body, head, (size_t)hn);
			memcpy(body + hn, g->buf, g->len);
			memcpy(body + hn + g->len, "]}", 3);
			(void)enqueue(
			    l, g->channel, body, (size_t)hn + g->len + 2);
			free(body);
		}
		g->n = 0;
		g->len = 0;
		g->channel[0] = '\0';
	}
	l->gathered_at = 0;
}

/* Keep an event channel's message for the batch (zt_live_batch). */
static void
gather(struct zt_live *l, const char *channel, long long v, const char *json,
    size_t len)
{
	struct gathered *g = NULL;
	for (int i = 0; i < GATHER_SLOTS && g == NULL; i++)
		if (l->g[i].n > 0 && strcmp(l->g[i].channel, channel) == 0)
			g = &l->g[i];
	for (int i = 0; i < GATHER_SLOTS && g == NULL; i++)
		if (l->g[i].n == 0)
			g = &l->g[i];
	if (g == NULL) { /* more channels than slots: the others go now */
		release_gathered(l);
		g = &l->g[0];
	}
	if (g->n == 0) {
		snprintf(g->channel, sizeof(g->channel), "%s", channel);
		if (l->gathered_at == 0)
			l->gathered_at = zt_time_mono_ms();
	} else {
		buf_add(&g->buf, &g->len, &g->cap, ",", 1);
	}
	buf_add(&g->buf, &g->len, &g->cap, json, len);
	g->n++;
	g->last_v = v;
}

long
zt_live_due_in(const struct zt_live *l)
{
	long left;
	if (l == NULL)
		return -1;
	if (l->nreq > l->nsent)
		return 0; /* requests queued: now (answers wait for a flush) */
	if (l->gathered_at == 0)
		return -1;
	left = (long)(l->gathered_at + l->batch_ms - zt_time_mono_ms());
	return left > 0 ? left : 0;
}

/* Write the requests not sent yet.  0, or -1 (connection broken). */
static int
send_pending(struct zt_live *l)
{
	const char *p = l->out + (l->nsent ? l->ends[l->nsent - 1] : 0);
	size_t n = l->out_len - (size_t)(p - l->out);

	while (n > 0) {
		ssize_t w = send(l->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(l->err, sizeof(l->err),
			    "could not write to "
			    "the nchan publisher: %s",
			    strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	l->nsent = l->nreq;
	return 0;
}

/* Read more into l->in: 1 read, 0 nothing yet (not blocking), -1 EOF,
 * error or time-out. */
static int
fill(struct zt_live *l, int block)
{
	ssize_t r;
	if (l->in_len == sizeof(l->in))
		return -1; /* an answer larger than the buffer: not nchan's */
	do
		r = recv(l->fd, l->in + l->in_len, sizeof(l->in) - l->in_len,
		    block ? 0 : MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r <= 0)
		return -1;
	l->in_len += (size_t)r;
	return 1;
}

/*
 * The length of the complete answer at the front of l->in, or 0 while it
 * is incomplete; its status, and whether the server closes after it.
 * -1: not HTTP.
 */
static long
complete_answer(struct zt_live *l, long *status, int *close_after)
{
	char *end, *p, *body, *done;
	size_t head_len, clen = 0;
	int chunked = 0;

	*close_after = 0;
	if ((end = memmem(l->in, l->in_len, "\r\n\r\n", 4)) == NULL)
		return 0;
	head_len = (size_t)(end - l->in) + 4;
	if (head_len < 12 || strncmp(l->in, "HTTP/1.", 7) != 0)
		return -1;
	*status = strtol(l->in + 9, NULL, 10);
	for (p = memmem(l->in, head_len, "\r\n", 2); p != NULL && p < end;
	     p = memmem(p + 2, (size_t)(end - p), "\r\n", 2)) {
		const char *h = p + 2;
		size_t left = (size_t)(end - h);
		if (left >= 15 && strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtoul(h + 15, NULL, 10);
		else if (left >= 18 &&
			 strncasecmp(h, "Transfer-Encoding:", 18) == 0 &&
			 memmem(h, left, "chunked", 7) != NULL)
			chunked = 1;
		else if (left >= 11 && strncasecmp(h, "Connection:", 11) == 0 &&
			 memmem(h, left < 20 ? left : 20, "close", 5) != NULL)
			*close_after = 1;
	}
	body = l->in + head_len;
	if (!chunked)
		return l->in_len >= head_len + clen ? (long)(head_len + clen)
						    : 0;
	/* nchan's answers are small: the last chunk ends the message */
	done = memmem(body, l->in_len - head_len, "0\r\n\r\n", 5);
	while (done != NULL && done != body && done[-1] != '\n')
		done = memmem(done + 1, l->in_len - (size_t)(done + 1 - l->in),
		    "0\r\n\r\n", 5);
	return done != NULL ? (long)(done + 5 - l->in) : 0;
}

/*
 * Read the answers to what was sent: all of them (block), or those that
 * have arrived.  0, or -1 when the connection broke (the caller
 * reconnects; disconnect() marks the unanswered for sending again).
 */
static int
read_answers(struct zt_live *l, int block)
{
	while (l->nacked < l->nsent) {
		long status = 0, n;
		int close_after, r;

		n = complete_answer(l, &status, &close_after);
		if (n < 0) {
			snprintf(l->err, sizeof(l->err),
			    "the nchan publisher answered something else");
			return -1;
		}
		if (n == 0) {
			if ((r = fill(l, block)) == 0)
				return 0;
			if (r < 0) {
				snprintf(l->err, sizeof(l->err),
				    "the nchan "
				    "publisher closed the connection");
				return -1;
			}
			continue;
		}
		memmove(l->in, l->in + n, l->in_len - (size_t)n);
		l->in_len -= (size_t)n;
		l->last_status = status;
		/* a GET (zt_live_ping) may find no channel: not a failure */
		if (l->out[l->nacked ? l->ends[l->nacked - 1] : 0] == 'P' &&
		    (status < 200 || status >= 300)) {
			snprintf(l->err, sizeof(l->err),
			    "the publisher answered %ld", status);
			l->failed++;
		}
		l->nacked++;
		if (close_after) {
			/* what nginx does after keepalive_requests */
			disconnect(l);
			return l->nacked < l->nreq ? -1 : 0;
		}
	}
	return 0;
}

/*
 * Send what is queued.  Answers that have arrived are read first; with
 * block (or a large backlog) every answer is awaited.  A connection that
 * broke (nginx closed a kept-alive one, or restarted) is opened again and
 * the unanswered requests go once more; after a second failure they are
 * dropped.  Returns the number of requests lost or refused since the last
 * call (logged).
 */
static int
flush(struct zt_live *l, int block)
{
	int failed;

	if (l->gathered_at != 0)
		release_gathered(l);
	if (l->nreq == 0)
		return 0;
	compact(l);
	if (l->out_len > FLUSH_AT)
		block = 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (l->fd < 0 && connect_socket(l) != 0)
			break;
		if (read_answers(l, 0) != 0 || send_pending(l) != 0 ||
		    (block && read_answers(l, 1) != 0)) {
			if (l->fd >= 0)
				disconnect(l);
			continue;
		}
		if (!block || l->nacked == l->nreq)
			break;
	}
	if (l->fd < 0 && l->nacked < l->nreq) {
		/* could not deliver: drop them rather than grow forever */
		l->failed += (int)(l->nreq - l->nacked);
		l->last_status = -1;
		l->nacked = l->nsent = l->nreq;
	}
	if (l->nacked == l->nreq)
		l->out_len = l->nreq = l->nsent = l->nacked = 0;
	failed = l->failed;
	if (failed > 0)
		zt_log_error(
		    "live", "%d messages not published: %s", failed, l->err);
	l->failed = 0;
	return failed;
}

enum zt_err
zt_live_flush(struct zt_live *l)
{
	if (l == NULL)
		return ZT_OK;
	return flush(l, 0) > 0 ? ZT_EUNAVAIL : ZT_OK;
}

enum zt_err
zt_live_flush_due(struct zt_live *l)
{
	if (zt_live_due_in(l) != 0)
		return ZT_OK;
	return zt_live_flush(l);
}

enum zt_err
zt_live_wait(struct zt_live *l)
{
	if (l == NULL)
		return ZT_OK;
	return flush(l, 1) > 0 ? ZT_EUNAVAIL : ZT_OK;
}

enum zt_err
zt_live_publish(
    struct zt_live *l, const char *channel, const char *json, size_t len)
{
	if (l == NULL)
		return ZT_EUNAVAIL;
	if (enqueue(l, channel, json, len) != 0) {
		zt_log_error("live", "channel name too long: not published");
		return ZT_EINTERNAL;
	}
	if (l->defer)
		return l->out_len < FLUSH_AT ? ZT_OK : zt_live_flush(l);
	return zt_live_wait(l);
}

enum zt_err
zt_live_publish_event(struct zt_live *l, const char *event_id, long long v,
    const char *type, struct json_object *body)
{
	struct json_object *msg = json_object_new_object();
	char channel[64];
	const char *text;
	size_t len = 0;
	enum zt_err rc;

	json_object_object_add(msg, "v", json_object_new_int64(v));
	json_object_object_add(msg, "type", json_object_new_string(type));
	if (body != NULL) {
		json_object_object_foreach(body, k, val)
		{
			json_object_object_add(msg, k, json_object_get(val));
		}
		json_object_put(body);
	}
	snprintf(channel, sizeof(channel), "ev:%s", event_id);
	text = json_object_to_json_string_length(
	    msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (l != NULL && l->defer && l->batch_ms > 0) {
		gather(l, channel, v, text, len);
		rc = ZT_OK;
	} else {
		rc = zt_live_publish(l, channel, text, len);
	}
	json_object_put(msg);
	return rc;
}

int
zt_live_ping(struct zt_live *l, char *err, size_t errlen)
{
	if (l == NULL) {
		snprintf(err, errlen, "publisher not configured");
		return -1;
	}
	zt_live_wait(l); /* anything queued goes first, on its own */
	(void)enqueue(l, "health", NULL, 0);
	l->err[0] = '\0';
	l->last_status = -1;
	flush(l, 1);
	/* GET on a channel answers 404 (no channel) or 200: both mean nchan
	 * is up */
	if (l->last_status == 200 || l->last_status == 404)
		return 0;
	snprintf(err, errlen, "%s", l->err[0] ? l->err : "publisher down");
	return -1;
}
