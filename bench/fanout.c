/*
 * bench/fanout.c - row 7 of bench/run: live fan-out latency.
 *
 *   fanout PORT EVENT PUB_SOCKET SUBSCRIBERS MESSAGES RATE [queue]
 *
 * With "queue": the event's waiting-room channel instead (/live/queue/,
 * q:<event>; docs/waiting-room.md), which delivers the same way.
 *
 * 1. Opens SUBSCRIBERS EventSource connections to
 *    http://127.0.0.1:PORT/live/events/EVENT (through nginx and the seats
 *    responder's X-Accel-Redirect, as a browser does), at most 200
 *    handshakes at a time, and waits for every 200 answer.
 * 2. A publisher thread POSTs MESSAGES messages, RATE a second, to the nchan
 *    publisher (the unix socket PUB_SOCKET, as the responders do). Each
 *    carries this run's id and its send time (CLOCK_MONOTONIC, ns).
 * 3. One epoll loop reads every subscriber and records, per message and
 *    subscriber, receive time - send time.
 *
 * More subscribers than one process may open files (RLIMIT_NOFILE) are
 * split over forked processes, each with its own epoll loop and its share
 * of the connections; the latencies go into one shared mapping, and the
 * first process publishes once every process has its share subscribed.
 *
 * Prints one JSON line: subscribers connected, messages expected and
 * received, p50/p99/max latency (us), and how long the subscribing took.
 * nchan replays buffered messages to new subscribers: the run id keeps an
 * earlier run's messages out of the figures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT 200
#define TAIL 64

enum { C_IDLE, C_CONNECTING, C_HEADERS, C_LIVE, C_DEAD };

struct conn {
	int fd, state;
	size_t hlen;
	char buf[TAIL + 4096];
	size_t n;
};

static int port, nsubs, nmsgs;
static double rate;
static const char *event, *pub_socket;
static const char *chan = "ev"; /* "q": the waiting room (argv[7]) */
static char marker[64];
static size_t marker_len;
static long *lat;
/* shared by every subscriber process (a MAP_SHARED mapping) */
struct shared {
	atomic_size_t nlat;
	atomic_int publishing_done;
	atomic_int ready; /* processes whose share is settled */
	atomic_int live;  /* subscribers answered 200, all processes */
	double pub_started, pub_ended;
};
static struct shared *sh;
static int nprocs = 1;

static long long
mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static size_t
discard(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

static void *
publisher(void *arg)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL,
	    "Content-Type: application/json");
	char url[256], body[256];
	long long period = (long long)(1e9 / rate), next = mono_ns();
	(void)arg;

	snprintf(url, sizeof(url), "http://localhost/pub/%s:%s", chan, event);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, pub_socket);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	sh->pub_started = (double)mono_ns() / 1e9;
	for (int i = 0; i < nmsgs; i++) {
		long long now;
		while ((now = mono_ns()) < next) {
			struct timespec ts = {0, (long)(next - now)};
			nanosleep(&ts, NULL);
		}
		next += period;
		snprintf(body, sizeof(body),
		    "{\"v\":%d,\"type\":\"bench.ping\",%s%lld}", i + 1, marker,
		    mono_ns());
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(h) != CURLE_OK)
			fprintf(stderr, "fanout: publish %d failed\n", i);
	}
	sh->pub_ended = (double)mono_ns() / 1e9;
	atomic_store(&sh->publishing_done, 1);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return NULL;
}

static int
open_conn(struct conn *c, int ep)
{
	struct sockaddr_in sa = {0};
	struct epoll_event ev = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->state = C_CONNECTING;
	c->n = c->hlen = 0;
	ev.events = EPOLLOUT | EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

/* Scan c->buf for this run's markers; keep at most TAIL bytes, or an
 * unfinished marker, for the next read. */
static void
scan(struct conn *c, long long now)
{
	size_t keep_from = c->n > TAIL ? c->n - TAIL : 0;
	char *p = c->buf, *end = c->buf + c->n;
	c->buf[c->n] = '\0';
	while ((p = memmem(p, (size_t)(end - p), marker, marker_len)) != NULL) {
		char *d = p + marker_len, *e = d;
		while (e < end && *e >= '0' && *e <= '9')
			e++;
		if (e == end) { /* digits may go on in the next read */
			keep_from = (size_t)(p - c->buf);
			break;
		}
		size_t k = atomic_fetch_add(&sh->nlat, 1);
		if (k < (size_t)nsubs * (size_t)nmsgs)
			lat[k] = (long)((now - strtoll(d, NULL, 10)) / 1000);
		p = e;
		if ((size_t)(e - c->buf) > keep_from)
			keep_from = (size_t)(e - c->buf);
	}
	if (keep_from > 0) {
		memmove(c->buf, c->buf + keep_from, c->n - keep_from);
		c->n -= keep_from;
	}
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Subscribe connections [lo, hi) and read them until the messages are in;
 * the process with `pub` set also publishes. Returns how long subscribing
 * took until every process was ready (pub) or its own share settled. */
static double
subscribe(int lo, int hi, int pub)
{
	int n_local = hi - lo;
	struct conn *cs = calloc((size_t)n_local, sizeof(*cs));
	struct epoll_event *evs = calloc(1024, sizeof(*evs));
	char req[512];
	int ep = epoll_create1(0), opened = 0, inflight = 0, live = 0, dead = 0;
	int reported = 0, pub_started_flag = 0;
	long long t_sub0, t_sub1 = 0, grace_end = 0;
	pthread_t pub_thread;

	snprintf(req, sizeof(req),
	    "GET /live/%s/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n",
	    strcmp(chan, "q") == 0 ? "queue" : "events", event);

	t_sub0 = mono_ns();
	for (;;) {
		long long now = mono_ns();
		while (opened < n_local && inflight < MAX_INFLIGHT) {
			if (open_conn(&cs[opened], ep) != 0) {
				cs[opened].state = C_DEAD;
				dead++;
			} else {
				inflight++;
			}
			opened++;
		}
		if (!reported && (live + dead == n_local ||
		                     now - t_sub0 > 180000000000LL)) {
			if (live + dead != n_local)
				fprintf(stderr, "fanout: subscribing took too "
				                "long\n");
			atomic_fetch_add(&sh->live, live);
			atomic_fetch_add(&sh->ready, 1);
			reported = 1;
			t_sub1 = now;
		}
		int all_ready = atomic_load(&sh->ready) == nprocs;
		if (all_ready && atomic_load(&sh->live) == 0)
			break;
		if (pub && all_ready && !pub_started_flag) {
			t_sub1 = now;
			pthread_create(&pub_thread, NULL, publisher, NULL);
			pub_started_flag = 1;
		}
		if (atomic_load(&sh->publishing_done)) {
			if (grace_end == 0)
				grace_end = now + 3000000000LL;
			if (now >= grace_end ||
			    atomic_load(&sh->nlat) >=
			        (size_t)atomic_load(&sh->live) * (size_t)nmsgs)
				break;
		}
		int n = epoll_wait(ep, evs, 1024, 100);
		now = mono_ns();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->state == C_CONNECTING) {
				int err = 0;
				socklen_t l = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (err != 0 || write(c->fd, req, strlen(req)) !=
				                    (ssize_t)strlen(req)) {
					goto dead;
				}
				struct epoll_event ev = {.events = EPOLLIN,
				    .data.ptr = c};
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				c->state = C_HEADERS;
				continue;
			}
			for (;;) {
				ssize_t r = read(c->fd, c->buf + c->n,
				    sizeof(c->buf) - 1 - c->n);
				if (r == 0)
					goto dead;
				if (r < 0) {
					if (errno == EAGAIN)
						break;
					goto dead;
				}
				c->n += (size_t)r;
				if (c->state == C_HEADERS) {
					char *e;
					c->buf[c->n] = '\0';
					e = strstr(c->buf, "\r\n\r\n");
					if (e == NULL) {
						if (c->n >= sizeof(c->buf) - 1)
							goto dead;
						continue;
					}
					if (strncmp(c->buf, "HTTP/1.1 200", 12) !=
					    0) {
						if (dead == 0)
							fprintf(stderr,
							    "fanout: %.200s\n",
							    c->buf);
						goto dead;
					}
					c->state = C_LIVE;
					live++;
					inflight--;
					e += 4;
					c->n -= (size_t)(e - c->buf);
					memmove(c->buf, e, c->n);
				}
				scan(c, now);
			}
			continue;
		dead:
			if (c->state == C_CONNECTING || c->state == C_HEADERS)
				inflight--;
			else if (c->state == C_LIVE)
				live--;
			c->state = C_DEAD;
			dead++;
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
		}
	}
	if (pub_started_flag)
		pthread_join(pub_thread, NULL);
	for (int i = 0; i < n_local; i++)
		if (cs[i].state != C_DEAD && cs[i].state != C_IDLE)
			close(cs[i].fd);
	close(ep);
	free(cs);
	free(evs);
	return (double)(t_sub1 - t_sub0) / 1e9;
}

static void *
shared_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("fanout: mmap");
		exit(1);
	}
	return p;
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	long per_proc = 10000;
	double subscribe_s;
	pid_t kids[64];

	if (argc == 8 && strcmp(argv[7], "queue") == 0)
		chan = "q";
	else if (argc != 7) {
		fprintf(stderr, "usage: fanout PORT EVENT PUB_SOCKET "
		                "SUBSCRIBERS MESSAGES RATE [queue]\n");
		return 2;
	}
	port = atoi(argv[1]);
	event = argv[2];
	pub_socket = argv[3];
	nsubs = atoi(argv[4]);
	nmsgs = atoi(argv[5]);
	rate = atof(argv[6]);
	snprintf(marker, sizeof(marker), "\"run\":\"%lx%d\",\"bt\":",
	    (unsigned long)time(NULL), (int)getpid());
	marker_len = strlen(marker);
	sh = shared_map(sizeof(*sh));
	lat = shared_map(((size_t)nsubs * (size_t)nmsgs + 1) * sizeof(long));
	/* a share leaves room for the publisher, stdio and epoll */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 1100)
		per_proc = (long)rl.rlim_cur - 100;
	nprocs = (int)((nsubs + per_proc - 1) / per_proc);
	if (nprocs < 1)
		nprocs = 1;
	if (nprocs > 64) {
		fprintf(stderr, "fanout: %d subscribers need more than 64 "
		                "processes of %ld files\n", nsubs, per_proc);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int p = 1; p < nprocs; p++) {
		kids[p] = fork();
		if (kids[p] < 0) {
			perror("fanout: fork");
			return 1;
		}
		if (kids[p] == 0) {
			subscribe(nsubs * p / nprocs, nsubs * (p + 1) / nprocs, 0);
			_exit(0);
		}
	}
	subscribe_s = subscribe(0, nsubs / nprocs, 1);
	for (int p = 1; p < nprocs; p++)
		waitpid(kids[p], NULL, 0);

	size_t got = atomic_load(&sh->nlat);
	if (got > (size_t)nsubs * (size_t)nmsgs)
		got = (size_t)nsubs * (size_t)nmsgs;
	qsort(lat, got, sizeof(long), cmp_long);
#define P(p) (got ? lat[(size_t)((p) / 100.0 * (double)(got - 1) + 0.5)] : 0)
	printf("{\"row\":\"7\",\"subs\":%d,\"connected\":%d,\"expected\":%lld,"
	       "\"received\":%zu,\"p50_us\":%ld,\"p99_us\":%ld,\"max_us\":%ld,"
	       "\"msgs_per_s\":%.1f,\"subscribe_s\":%.2f,\"messages\":%d,"
	       "\"rate\":%.1f,\"procs\":%d}\n",
	    nsubs, atomic_load(&sh->live), (long long)nsubs * nmsgs, got,
	    P(50), P(99), got ? lat[got - 1] : 0,
	    sh->pub_ended > sh->pub_started
	        ? (double)got / (sh->pub_ended - sh->pub_started)
	        : 0.0,
	    subscribe_s, nmsgs, rate, nprocs);
	curl_global_cleanup();
	return 0;
}
