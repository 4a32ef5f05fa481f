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
 * Blocking libcurl, one thread per buyer slot, one keep-alive handle per
 * host per thread: what a browser does, minus the browser.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
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

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t k = size * n;
	if (b->n + k + 1 > b->cap) {
		b->cap = (b->n + k + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, k);
	b->n += k;
	b->p[b->n] = '\0';
	return k;
}

/* POST json to url; returns the status (0 on a transport error), the
 * body in b. */
static long
post(CURL *h, struct curl_slist *hdr, const char *url, const char *json,
    struct buf *b)
{
	long status = 0;
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(h) != CURLE_OK)
		return 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
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
	CURL *api = curl_easy_init(), *pay = curl_easy_init();
	struct curl_slist *plain = curl_slist_append(NULL,
	    "Content-Type: application/json");
	struct buf b = {0};
	char url[512], body[1024], auth[1024];
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u ^
	    (unsigned)time(NULL);

	while (now_s() < deadline) {
		size_t i = atomic_fetch_add(&next_buyer, 1);
		struct curl_slist *hdr;
		struct json_object *o = NULL;
		double t0 = now_s(), t;
		long st = 0;
		int tries;

		if (first_token + i >= ntokens)
			break;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    tokens[first_token + i]);
		hdr = curl_slist_append(NULL, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, auth);

		snprintf(url, sizeof(url), "%s/api/seats/lock", base);
		for (tries = 0; tries < 5; tries++) {
			t = now_s();
			snprintf(body, sizeof(body),
			    "{\"eventId\":\"%s\",\"seatIds\":[\"%s\"]}", event,
			    seats[rand_r(&seed) % nseats]);
			st = post(api, hdr, url, body, &b);
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
		snprintf(url, sizeof(url), "%s/api/bookings", base);
		snprintf(body, sizeof(body), "{\"eventId\":\"%s\"}", event);
		st = post(api, hdr, url, body, &b);
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
			snprintf(url, sizeof(url), "%s/_fake/pay", rzp);
			snprintf(body, sizeof(body), "{\"order_id\":\"%s\"}",
			    order);
			st = post(pay, plain, url, body, &b);
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
			snprintf(url, sizeof(url), "%s/api/bookings/confirm",
			    base);
			st = post(api, hdr, url, body, &b);
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
		curl_slist_free_all(hdr);
	}
	curl_slist_free_all(plain);
	curl_easy_cleanup(api);
	curl_easy_cleanup(pay);
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
	curl_global_init(CURL_GLOBAL_DEFAULT);
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
	curl_global_cleanup();
	return 0;
}
