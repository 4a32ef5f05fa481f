/*
 * test-live - the nchan publisher client (lib/zt_live.c) against a small
 * HTTP/1.1 server on a unix socket in a thread: pipelined messages in
 * order, a connection nginx closes halfway (the rest is sent again, none
 * twice), chunked answers, refusals, and a publisher that is not there.
 */
#define _GNU_SOURCE
#include "zt_live.h"
#include "zt_server.h"
#include "zt_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum mode { OK_LENGTH, OK_CHUNKED, CLOSE_AFTER_ONE, REFUSE, NOT_FOUND };

static struct {
	char path[108];
	int lfd;
	enum mode mode;
	int conns;
	int answered;
	char seen[16][256]; /* "METHOD /path body" of each answered request */
	pthread_mutex_t mu;
} srv;

/* Read one request from fd into out; 0, or -1 at EOF. */
static int
read_request(int fd, char *buf, size_t *have, size_t cap, char *out,
    size_t outlen)
{
	char *end, *cl, method[8] = "", path[128] = "";
	size_t head, body = 0;

	while ((end = memmem(buf, *have, "\r\n\r\n", 4)) == NULL) {
		ssize_t r = read(fd, buf + *have, cap - *have);
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	head = (size_t)(end - buf) + 4;
	buf[head - 1] = '\0';
	if ((cl = strcasestr(buf, "Content-Length:")) != NULL)
		body = strtoul(cl + 15, NULL, 10);
	sscanf(buf, "%7s %127s", method, path);
	while (*have < head + body) {
		ssize_t r = read(fd, buf + *have, cap - *have);
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	snprintf(out, outlen, "%s %s %.*s", method, path, (int)body,
	    buf + head);
	memmove(buf, buf + head + body, *have - head - body);
	*have -= head + body;
	return 0;
}

static void *
serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(srv.lfd, NULL, NULL);
		char buf[65536], req[256];
		size_t have = 0;
		int n = 0;

		if (fd < 0)
			return NULL;
		pthread_mutex_lock(&srv.mu);
		srv.conns++;
		pthread_mutex_unlock(&srv.mu);
		while (read_request(fd, buf, &have, sizeof(buf), req,
		           sizeof(req)) == 0) {
			const char *a;
			int close_now = srv.mode == CLOSE_AFTER_ONE && n == 0 &&
			                srv.conns == 1;
			switch (srv.mode) {
			case OK_CHUNKED:
				a = "HTTP/1.1 201 Created\r\nTransfer-Encoding: "
				    "chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n"
				    "0\r\n\r\n";
				break;
			case REFUSE:
				a = "HTTP/1.1 403 Forbidden\r\nContent-Length: "
				    "2\r\n\r\nno";
				break;
			case NOT_FOUND:
				a = "HTTP/1.1 404 Not Found\r\nContent-Length: "
				    "0\r\n\r\n";
				break;
			default:
				a = close_now
				    ? "HTTP/1.1 201 Created\r\nConnection: close"
				      "\r\nContent-Length: 5\r\n\r\nqueue"
				    : "HTTP/1.1 202 Accepted\r\nContent-Length: "
				      "12\r\n\r\n{\"queued\":1}";
			}
			pthread_mutex_lock(&srv.mu);
			if (srv.answered < 16)
				snprintf(srv.seen[srv.answered], 256, "%s", req);
			srv.answered++;
			pthread_mutex_unlock(&srv.mu);
			if (write(fd, a, strlen(a)) < 0)
				break;
			n++;
			if (close_now)
				break; /* what nginx does after keepalive_requests */
		}
		close(fd);
	}
}

static void
reset(enum mode m)
{
	pthread_mutex_lock(&srv.mu);
	srv.mode = m;
	srv.conns = 0;
	srv.answered = 0;
	memset(srv.seen, 0, sizeof(srv.seen));
	pthread_mutex_unlock(&srv.mu);
	/* a new connection for each case */
	zt_live_free(zt_g.live);
	zt_g.live = zt_live_new(srv.path);
}

TEST(pipelined_messages_go_in_order_after_the_request)
{
	reset(OK_LENGTH);
	zt_live_defer(zt_g.live, 1);
	CHECK(zt_live_publish(zt_g.live, "ev:1", "{\"v\":1}", 7) == 0);
	CHECK(zt_live_publish(zt_g.live, "ev:1", "{\"v\":2}", 7) == 0);
	CHECK(zt_live_publish(zt_g.live, "tenant:t", "{\"v\":3}", 7) == 0);
	CHECK(srv.answered == 0); /* nothing sent before the flush */
	CHECK(zt_live_flush(zt_g.live) == 0); /* sent; the answers come later */
	CHECK(zt_live_wait(zt_g.live) == 0);
	CHECK(srv.answered == 3);
	CHECK_STR(srv.seen[0], "POST /pub/ev:1 {\"v\":1}");
	CHECK_STR(srv.seen[1], "POST /pub/ev:1 {\"v\":2}");
	CHECK_STR(srv.seen[2], "POST /pub/tenant:t {\"v\":3}");
	/* the same connection serves the next request */
	CHECK(zt_live_publish(zt_g.live, "ev:1", "{\"v\":4}", 7) == 0);
	CHECK(zt_live_flush(zt_g.live) == 0);
	usleep(20000); /* its answer arrives; the next flush reads it */
	CHECK(zt_live_publish(zt_g.live, "ev:1", "{\"v\":5}", 7) == 0);
	CHECK(zt_live_flush(zt_g.live) == 0);
	CHECK(zt_g.live != NULL && zt_live_wait(zt_g.live) == 0);
	CHECK(srv.conns == 1 && srv.answered == 5);
	CHECK(zt_live_flush(zt_g.live) == 0); /* nothing queued: nothing sent */
	zt_live_defer(zt_g.live, 0);
}

TEST(an_event_channels_messages_are_gathered_into_one_batch)
{
	reset(OK_LENGTH);
	zt_live_defer(zt_g.live, 1);
	zt_live_batch(zt_g.live, 200);
	CHECK(zt_live_due_in(zt_g.live) == -1); /* nothing queued */
	CHECK(zt_live_publish_event(zt_g.live, "a", 7, "seats.held", NULL) ==
	      0);
	long due = zt_live_due_in(zt_g.live);
	CHECK(due > 100 && due <= 200); /* the window runs */
	CHECK(zt_live_flush_due(zt_g.live) == 0);
	CHECK(srv.answered == 0); /* not due: nothing sent */
	CHECK(zt_live_publish_event(zt_g.live, "b", 3, "ga.changed", NULL) ==
	      0);
	CHECK(zt_live_publish_event(zt_g.live, "a", 9, "seats.sold", NULL) ==
	      0);
	CHECK(zt_live_due_in(zt_g.live) <= due); /* from the first one */
	usleep(220000);
	CHECK(zt_live_due_in(zt_g.live) == 0);
	CHECK(zt_live_flush_due(zt_g.live) == 0);
	CHECK(zt_live_wait(zt_g.live) == 0);
	CHECK(srv.answered == 2);
	CHECK_STR(srv.seen[0],
	    "POST /pub/ev:a {\"type\":\"batch\",\"v\":9,\"msgs\":["
	    "{\"v\":7,\"type\":\"seats.held\"},"
	    "{\"v\":9,\"type\":\"seats.sold\"}]}");
	/* one message alone goes as it is */
	CHECK_STR(srv.seen[1], "POST /pub/ev:b {\"v\":3,\"type\":\"ga.changed\"}");
	CHECK(zt_live_due_in(zt_g.live) == -1);
	/* another channel's message does not wait: due at once, and it
	 * takes the gathered ones along */
	CHECK(zt_live_publish_event(zt_g.live, "a", 10, "seats.held", NULL) ==
	      0);
	CHECK(zt_live_publish(zt_g.live, "tenant:t", "{}", 2) == 0);
	CHECK(zt_live_due_in(zt_g.live) == 0);
	CHECK(zt_live_flush_due(zt_g.live) == 0);
	CHECK(zt_live_wait(zt_g.live) == 0);
	CHECK(srv.answered == 4);
	/* more event channels than slots: the first ones go early, none is
	 * lost or merged with another channel's */
	for (int i = 0; i < 10; i++) {
		char ev[8];
		snprintf(ev, sizeof(ev), "c%d", i);
		zt_live_publish_event(zt_g.live, ev, 20 + i, "seats.held", NULL);
	}
	CHECK(zt_live_wait(zt_g.live) == 0);
	CHECK(srv.answered == 14);
	CHECK(strncmp(srv.seen[13], "POST /pub/ev:c9 {\"v\":29,", 24) == 0);
	zt_live_batch(zt_g.live, 0);
	/* without a window each request's messages go after it */
	CHECK(zt_live_publish_event(zt_g.live, "a", 11, "seats.held", NULL) ==
	      0);
	CHECK(zt_live_due_in(zt_g.live) == 0);
	CHECK(zt_live_wait(zt_g.live) == 0);
	zt_live_defer(zt_g.live, 0);
}

TEST(a_closed_connection_resends_only_the_unanswered)
{
	reset(CLOSE_AFTER_ONE);
	zt_live_defer(zt_g.live, 1);
	zt_live_publish(zt_g.live, "ev:1", "{\"v\":1}", 7);
	zt_live_publish(zt_g.live, "ev:1", "{\"v\":2}", 7);
	zt_live_publish(zt_g.live, "ev:1", "{\"v\":3}", 7);
	CHECK(zt_live_flush(zt_g.live) == 0);
	CHECK(zt_live_wait(zt_g.live) == 0);
	CHECK(srv.conns == 2);
	CHECK(srv.answered == 3);
	CHECK_STR(srv.seen[0], "POST /pub/ev:1 {\"v\":1}");
	CHECK_STR(srv.seen[1], "POST /pub/ev:1 {\"v\":2}");
	CHECK_STR(srv.seen[2], "POST /pub/ev:1 {\"v\":3}");
	zt_live_defer(zt_g.live, 0);
}

TEST(chunked_answers_are_read_whole)
{
	reset(OK_CHUNKED);
	/* not deferred: each publish is sent at once (cron programs) */
	CHECK(zt_live_publish(zt_g.live, "ev:2", "{}", 2) == 0);
	CHECK(zt_live_publish(zt_g.live, "ev:2", "{}", 2) == 0);
	CHECK(srv.answered == 2 && srv.conns == 1);
}

TEST(a_refusal_is_reported)
{
	reset(REFUSE);
	CHECK(zt_live_publish(zt_g.live, "ev:3", "{}", 2) == ZT_EUNAVAIL);
	zt_live_defer(zt_g.live, 1);
	zt_live_publish(zt_g.live, "ev:3", "{}", 2);
	enum zt_err sent = zt_live_flush(zt_g.live);
	CHECK(sent == ZT_EUNAVAIL ||
	      zt_live_wait(zt_g.live) == ZT_EUNAVAIL); /* seen when it comes */
	zt_live_defer(zt_g.live, 0);
}

TEST(ping_takes_404_as_up)
{
	char err[256];
	reset(NOT_FOUND);
	CHECK(zt_live_ping(zt_g.live, err, sizeof(err)) == 0);
	CHECK_STR(srv.seen[0], "GET /pub/health ");
}

TEST(a_missing_publisher_fails_fast)
{
	char err[256];
	zt_live_free(zt_g.live);
	zt_g.live = zt_live_new("/nonexistent/nchan.sock");
	CHECK(zt_live_publish(zt_g.live, "ev:4", "{}", 2) == ZT_EUNAVAIL);
	CHECK(zt_live_ping(zt_g.live, err, sizeof(err)) == -1);
	CHECK(strstr(err, "could not reach") != NULL);
	zt_live_defer(zt_g.live, 1);
	CHECK(zt_live_publish(zt_g.live, "ev:4", "{}", 2) == 0); /* queued */
	CHECK(zt_live_flush(zt_g.live) == ZT_EUNAVAIL); /* and dropped */
	CHECK(zt_live_flush(zt_g.live) == 0);
	zt_live_defer(zt_g.live, 0);
}

int
main(void)
{
	struct sockaddr_un sa;
	pthread_t t;

	pthread_mutex_init(&srv.mu, NULL);
	snprintf(srv.path, sizeof(srv.path), "/tmp/zt-test-live.%d.sock",
	    (int)getpid());
	unlink(srv.path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, srv.path, strlen(srv.path) + 1);
	srv.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(srv.lfd, 16) != 0) {
		perror("bind");
		return 1;
	}
	pthread_create(&t, NULL, serve, NULL);

	RUN(pipelined_messages_go_in_order_after_the_request);
	RUN(an_event_channels_messages_are_gathered_into_one_batch);
	RUN(a_closed_connection_resends_only_the_unanswered);
	RUN(chunked_answers_are_read_whole);
	RUN(a_refusal_is_reported);
	RUN(ping_takes_404_as_up);
	RUN(a_missing_publisher_fails_fast);

	zt_live_free(zt_g.live);
	zt_g.live = NULL;
	unlink(srv.path);
	return DONE();
}
