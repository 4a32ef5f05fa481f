/*
 * bench/flow.c - row 6 of bench/run: a flash sale end to end.
 *
 *   flow BASE EVENT SEATS_FILE TOKENS_FILE FIRST_TOKEN THREADS SECONDS
 *        [RAZORPAY_BASE]
 *
 * THREADS buyers at a time, each a distinct user (tokens from line
 * FIRST_TOKEN of TOKENS_FILE on), each buying one seat:
 *
 *   POST /api/seats/lock {eventId, seatIds:[a random seat]}  (409: another
 *        random seat, at most 5 tries, as a person clicking around would)
 *   POST /api/bookings {eventId}              free event: confirmed at once
 *   paid event (RAZORPAY_BASE given):
 *   POST RAZORPAY_BASE/_fake/pay {order_id}   the emulator's Checkout answer
 *   POST /api/bookings/confirm {bookingId, razorpay_*}
 *
 * until SECONDS have passed (buyers already started finish).  Prints one
 * JSON line: confirmed tickets, tickets per second over the whole run,
 * p50/p99 of one buyer's whole flow and of each step, and what failed.
 * The oversell check (PostgreSQL) is bench/run's.
 *
 * Blocking sockets, one thread per buyer slot, one kept-alive HTTP/1.1
 * connection per host per thread: what a browser does, minus the browser.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { S_LOCK, S_BOOK, S_PAY, S_CONFIRM, S_FLOW, S__N };
static const char *step_name[S__N] = {"lock", "book", "pay", "confirm", "flow"};

static const char *base, *event, *rzp;
static char **seats, **tokens;
static size_t nseats, ntokens, first_token;
static double deadline;
static atomic_size_t next_buyer;
static atomic_long confirmed, conflicts, failed, sold_out;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long *lat[S__N];
static size_t nlat[S__N], caplat[S__N];
static char first_error[512];

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char **
read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **v = NULL;
	size_t cap = 0, len = 0, vcap = 0;
	ssize_t r;
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while ((r = getline(&line, &cap, f)) > 0) {
		while (r > 0 && (line[r - 1] == '\n' || line[r - 1] == '\r'))
			line[--r] = '\0';
		if (r == 0)
			continue;
		if (len == vcap) {
			vcap = vcap ? vcap * 2 : 1024;
			v = realloc(v, vcap * sizeof(*v));
		}
		v[len++] = strdup(line);
	}
	free(line);
	fclose(f);
	*n = len;
	return v;
}

struct buf {
	char *p;
	size_t n, cap;
};

static void
buf_put(struct buf *b, const char *p, size_t k)
{
	if (b->n + k + 1 > b->cap) {
		b->cap = (b->n + k + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, k);
	b->n += k;
	b->p[b->n] = '\0';
}

/*
 * One kept-alive HTTP/1.1 connection to one host (a browser's, minus the
 * browser): a plain socket, so that the load generator, which shares the
 * two cores with the stack, spends as little of them as it can (libcurl
 * cost about 0.07 ms of CPU per request here, docs/benchmarks.md).
 */
struct conn {
	char host[64];
	int port;
	int fd;            /* -1: not connected */
	struct buf in;     /* bytes read and not consumed */
};

static void
conn_init(struct conn *c, const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	const char *colon = strchr(h, ':'), *slash = strchr(h, '/');
	size_t hl = colon && (!slash || colon < slash)
	                ? (size_t)(colon - h)
	                : slash ? (size_t)(slash - h) : strlen(h);
	memset(c, 0, sizeof(*c));
	snprintf(c->host, sizeof(c->host), "%.*s", (int)hl, h);
	c->port = colon && (!slash || colon < slash) ? atoi(colon + 1) : 80;
	c->fd = -1;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in.n = 0;
}

static int
conn_open(struct conn *c)
{
	struct sockaddr_in a;
	int one = 1;
	struct timeval tv = {30, 0};
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)c->port);
	if (inet_pton(AF_INET, c->host, &a.sin_addr) != 1)
		return -1;
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		conn_close(c);
		return -1;
	}
	c->in.n = 0;
	return 0;
}

/* Read more into c->in; -1 on close or error. */
static int
conn_fill(struct conn *c)
{
	char tmp[16384];
	ssize_t k = read(c->fd, tmp, sizeof(tmp));
	if (k <= 0)
		return -1;
	buf_put(&c->in, tmp, (size_t)k);
	return 0;
}

/* Drop the first k bytes of c->in. */
static void
conn_eat(struct conn *c, size_t k)
{
	memmove(c->in.p, c->in.p + k, c->in.n - k);
	c->in.n -= k;
	c->in.p[c->in.n] = '\0';
}

/* Read one answer: its status (0 on a broken answer), the body in b. */
static long
conn_answer(struct conn *c, struct buf *b)
{
	char *end;
	long status;
	size_t hlen, clen = 0;
	int chunked = 0, closing = 0;

	while (c->in.p == NULL || (end = strstr(c->in.p, "\r\n\r\n")) == NULL)
		if (conn_fill(c) != 0)
			return 0;
	hlen = (size_t)(end - c->in.p) + 4;
	if (sscanf(c->in.p, "HTTP/1.%*d %ld", &status) != 1)
		return 0;
	for (char *l = strstr(c->in.p, "\r\n") + 2; l < end;
	     l = strstr(l, "\r\n") + 2) {
		if (strncasecmp(l, "Content-Length:", 15) == 0)
			clen = (size_t)strtoul(l + 15, NULL, 10);
		else if (strncasecmp(l, "Transfer-Encoding:", 18) == 0 &&
		         strcasestr(l, "chunked") != NULL &&
		         strcasestr(l, "chunked") < strstr(l, "\r\n"))
			chunked = 1;
		else if (strncasecmp(l, "Connection:", 11) == 0 &&
		         strcasestr(l, "close") != NULL &&
		         strcasestr(l, "close") < strstr(l, "\r\n"))
			closing = 1;
	}
	conn_eat(c, hlen);
	if (!chunked) {
		while (c->in.n < clen)
			if (conn_fill(c) != 0)
				return 0;
		buf_put(b, c->in.p, clen);
		conn_eat(c, clen);
	} else {
		for (;;) {
			char *nl;
			size_t size;
			while ((nl = strstr(c->in.p ? c->in.p : "", "\r\n")) ==
			       NULL)
				if (conn_fill(c) != 0)
					return 0;
			size = (size_t)strtoul(c->in.p, NULL, 16);
			size_t head = (size_t)(nl - c->in.p) + 2;
			while (c->in.n < head + size + 2)
				if (conn_fill(c) != 0)
					return 0;
			buf_put(b, c->in.p + head, size);
			conn_eat(c, head + size + 2);
			if (size == 0)
				break; /* no trailers from nginx */
		}
	}
	if (closing)
		conn_close(c);
	return status;
}

/* POST json to path on c (auth: an "Authorization: …" line or NULL);
 * returns the status (0 on a transport error), the body in b.  A kept
 * connection the server closed meanwhile is reopened once. */
static long
post(struct conn *c, const char *auth, const char *path, const char *json,
    struct buf *b)
{
	char req[4096];
	int n = snprintf(req, sizeof(req),
	    "POST %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	    path, c->host, c->port, auth ? auth : "", auth ? "\r\n" : "",
	    strlen(json), json);
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
	if (n <= 0 || (size_t)n >= sizeof(req))
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		int fresh = c->fd < 0;
		if (fresh && conn_open(c) != 0)
			return 0;
		if (write(c->fd, req, (size_t)n) == n) {
			long st = conn_answer(c, b);
			if (st != 0)
				return st;
		}
		conn_close(c);
		if (fresh)
			break;
	}
	return 0;
}

static void
note(int step, double t0)
{
	long us = (long)((now_s() - t0) * 1e6);
	pthread_mutex_lock(&mu);
	if (nlat[step] == caplat[step]) {
		caplat[step] = caplat[step] ? caplat[step] * 2 : 4096;
		lat[step] = realloc(lat[step], caplat[step] * sizeof(long));
	}
	lat[step][nlat[step]++] = us;
	pthread_mutex_unlock(&mu);
}

static void
fail(const char *what, long status, const struct buf *b)
{
	atomic_fetch_add(&failed, 1);
	pthread_mutex_lock(&mu);
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "%s: %ld %.300s",
		    what, status, b->p ? b->p : "");
	pthread_mutex_unlock(&mu);
}

static const char *
str_at(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return json_object_get_string(v);
}

static void *
buyer_loop(void *arg)
{
	struct conn api, pay;
	struct buf b = {0};
	char body[1024], auth[1024];
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u ^
	    (unsigned)time(NULL);

	conn_init(&api, base);
	conn_init(&pay, rzp ? rzp : base);
	while (now_s() < deadline) {
		size_t i = atomic_fetch_add(&next_buyer, 1);
		struct json_object *o = NULL;
		double t0 = now_s(), t;
		long st = 0;
		int tries;

		if (first_token + i >= ntokens)
			break;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    tokens[first_token + i]);

		for (tries = 0; tries < 5; tries++) {
			t = now_s();
			snprintf(body, sizeof(body),
			    "{\"eventId\":\"%s\",\"seatIds\":[\"%s\"]}", event,
			    seats[rand_r(&seed) % nseats]);
			st = post(&api, auth, "/api/seats/lock", body, &b);
			note(S_LOCK, t);
			if (st != 409)
				break;
			atomic_fetch_add(&conflicts, 1);
		}
		if (st == 409) {
			atomic_fetch_add(&sold_out, 1);
			goto next;
		}
		if (st != 200) {
			fail("lock", st, &b);
			goto next;
		}

		t = now_s();
		snprintf(body, sizeof(body), "{\"eventId\":\"%s\"}", event);
		st = post(&api, auth, "/api/bookings", body, &b);
		note(S_BOOK, t);
		if (st != 201 || (o = json_tokener_parse(b.p)) == NULL) {
			fail("book", st, &b);
			goto next;
		}
		if (rzp == NULL) {
			const char *s = str_at(o, "status", NULL);
			if (s != NULL && strcmp(s, "confirmed") == 0) {
				atomic_fetch_add(&confirmed, 1);
				note(S_FLOW, t0);
			} else {
				fail("book (not confirmed)", st, &b);
			}
			goto next;
		} else {
			char id[64], order[64];
			const char *s = str_at(o, "id", NULL);
			const char *ord = str_at(o, "payment", "orderId");
			struct json_object *p = NULL, *v;
			if (s == NULL || ord == NULL) {
				fail("book (no order)", st, &b);
				goto next;
			}
			snprintf(id, sizeof(id), "%s", s);
			snprintf(order, sizeof(order), "%s", ord);

			t = now_s();
			snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}",
			    order);
			st = post(&pay, NULL, "/_fake/pay", body, &b);
			note(S_PAY, t);
			if (st != 200 || (p = json_tokener_parse(b.p)) == NULL ||
			    !json_object_object_get_ex(p, "razorpay_signature",
			        &v)) {
				json_object_put(p);
				fail("pay", st, &b);
				goto next;
			}
			snprintf(body, sizeof(body),
			    "{\"bookingId\":\"%s\",\"razorpay_order_id\":\"%s\","
			    "\"razorpay_payment_id\":\"%s\","
			    "\"razorpay_signature\":\"%s\"}",
			    id, str_at(p, "razorpay_order_id", NULL),
			    str_at(p, "razorpay_payment_id", NULL),
			    json_object_get_string(v));
			json_object_put(p);

			t = now_s();
			st = post(&api, auth, "/api/bookings/confirm", body,
			    &b);
			note(S_CONFIRM, t);
			if (st != 200) {
				fail("confirm", st, &b);
				goto next;
			}
			atomic_fetch_add(&confirmed, 1);
			note(S_FLOW, t0);
		}
	next:
		json_object_put(o);
	}
	conn_close(&api);
	conn_close(&pay);
	free(api.in.p);
	free(pay.in.p);
	free(b.p);
	return NULL;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static long
pct(int step, double p)
{
	size_t k;
	if (nlat[step] == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)(nlat[step] - 1) + 0.5);
	return lat[step][k];
}

int
main(int argc, char **argv)
{
	int nthreads;
	double secs, t0, t1;
	pthread_t *th;

	if (argc < 8) {
		fprintf(stderr, "usage: flow BASE EVENT SEATS TOKENS FIRST "
		                "THREADS SECONDS [RAZORPAY_BASE]\n");
		return 2;
	}
	base = argv[1];
	event = argv[2];
	seats = read_lines(argv[3], &nseats);
	tokens = read_lines(argv[4], &ntokens);
	first_token = (size_t)atol(argv[5]);
	nthreads = atoi(argv[6]);
	secs = atof(argv[7]);
	rzp = argc > 8 ? argv[8] : NULL;
	if (nseats == 0 || ntokens <= first_token || nthreads < 1) {
		fprintf(stderr, "flow: nothing to do\n");
		return 2;
	}
	th = calloc((size_t)nthreads, sizeof(*th));
	t0 = now_s();
	deadline = t0 + secs;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, buyer_loop, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	for (int s = 0; s < S__N; s++)
		if (nlat[s] > 1)
			qsort(lat[s], nlat[s], sizeof(long), cmp_long);

	printf("{\"row\":\"6\",\"kind\":\"%s\",\"threads\":%d,\"buyers\":%zu,"
	       "\"confirmed\":%ld,\"seconds\":%.3f,\"tickets_per_s\":%.1f,"
	       "\"p50_us\":%ld,\"p99_us\":%ld,\"conflicts\":%ld,"
	       "\"no_seat\":%ld,\"failed\":%ld,\"steps\":{",
	    rzp ? "paid" : "free", nthreads,
	    atomic_load(&next_buyer) < ntokens - first_token
	        ? atomic_load(&next_buyer)
	        : ntokens - first_token,
	    atomic_load(&confirmed), t1 - t0,
	    (double)atomic_load(&confirmed) / (t1 - t0), pct(S_FLOW, 50),
	    pct(S_FLOW, 99), atomic_load(&conflicts), atomic_load(&sold_out),
	    atomic_load(&failed));
	for (int s = 0; s < S_FLOW; s++)
		printf("%s\"%s\":{\"n\":%zu,\"p50_us\":%ld,\"p99_us\":%ld}",
		    s ? "," : "", step_name[s], nlat[s], pct(s, 50), pct(s, 99));
	printf("},\"first_error\":");
	{
		struct json_object *e = json_object_new_string(first_error);
		printf("%s}\n", json_object_to_json_string(e));
		json_object_put(e);
	}
	return 0;
}
