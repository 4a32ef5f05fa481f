/*
 * test-lua.c - the Redis scripts of lib/lua/ on their own, against a real
 * redis-server this test starts on a unix socket in a temporary directory
 * (skipped, exit 77, when redis-server is not installed).  Each script is
 * the text the responders embed (zt_lua.h) and gets its keys from
 * zt_keys.h, as in lib/zt_hold.c and lib/zt_rate.c; the tests assert the
 * replies and what the scripts leave in Redis.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zt_arena.h"
#include "zt_keys.h"
#include "zt_lua.h"
#include "zt_test.h"

#define EV "0a000000-0000-4000-8000-000000000001"
#define S1 "5a000000-0000-4000-8000-000000000001"
#define S2 "5a000000-0000-4000-8000-000000000002"
#define S3 "5a000000-0000-4000-8000-000000000003"
#define S4 "5a000000-0000-4000-8000-000000000004"
#define T1 "7a000000-0000-4000-8000-000000000001"
#define UA "ua"
#define UB "ub"
#define HA "ha"
#define HB "hb"

static char dir[] = "/tmp/zt-test-lua.XXXXXX";
static char sock[64];
static pid_t server;
static redisContext *rc;
static struct zt_arena *arena;
static const char **keys;	 /* the event's keys, KEYS order */
static struct json_object *last; /* the last script reply (JSON) */

static void
stop_server(void)
{
	char path[96];
	if (rc != NULL)
		redisFree(rc);
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	json_object_put(last);
	if (arena != NULL)
		zt_arena_free(arena);
	unlink(sock);
	snprintf(path, sizeof(path), "%s/redis.log", dir);
	unlink(path);
	rmdir(dir);
}

/* 0 started and connected; 77 no redis-server; 1 it did not come up. */
static int
start_server(void)
{
	char logf[96];
	int fds[2];
	char c;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	snprintf(logf, sizeof(logf), "%s/redis.log", dir);
	if (pipe(fds) != 0)
		return 1;
	atexit(stop_server);
	if ((server = fork()) == 0) {
		close(fds[0]);
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--unixsocketperm", "700", "--save",
		    "", "--appendonly", "no", "--dir", dir, "--logfile", logf,
		    (char *)NULL);
		c = errno == ENOENT ? 'n' : 'e';
		if (write(fds[1], &c, 1) < 0)
			_exit(2);
		_exit(2);
	}
	close(fds[1]);
	/* the child writes to the pipe only when exec failed: read it once
	 * the child is gone */
	for (int i = 0; i < 100; i++) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		int st;
		if (waitpid(server, &st, WNOHANG) == server) {
			server = 0;
			if (read(fds[0], &c, 1) == 1 && c == 'n')
				return 77;
			return 1;
		}
		rc = redisConnectUnix(sock);
		if (rc != NULL && rc->err == 0)
			break;
		if (rc != NULL)
			redisFree(rc);
		rc = NULL;
		nanosleep(&ts, NULL);
	}
	close(fds[0]);
	return rc != NULL ? 0 : 1;
}

/* ---------------------------------------------------------- helpers -- */

static redisReply *
cmdv(const char *fmt, va_list ap)
{
	redisReply *r = redisvCommand(rc, fmt, ap);
	if (r == NULL) {
		printf("# redis: %s\n", rc->errstr);
		exit(1);
	}
	return r;
}

/* An integer (or a number as a string) reply; -1 for nil. */
static long long
num(const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long n = -1;
	va_start(ap, fmt);
	r = cmdv(fmt, ap);
	va_end(ap);
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		n = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	return n;
}

/* A string reply in the arena; NULL for nil. */
static const char *
str(const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	const char *s = NULL;
	va_start(ap, fmt);
	r = cmdv(fmt, ap);
	va_end(ap);
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		s = zt_arena_strdup(arena, r->str);
	freeReplyObject(r);
	return s;
}

static const char *
key(enum zt_key_ev k)
{
	return keys[k];
}

/* EVAL src with nkeys keys and the NULL-terminated args. */
static redisReply *
eval(const char *src, int nkeys, const char *const *k, const char *const *args)
{
	const char *argv[64];
	int argc = 0, nargs = 0;
	redisReply *r;

	while (args[nargs] != NULL)
		nargs++;
	argv[argc++] = "EVAL";
	argv[argc++] = src;
	argv[argc++] = zt_arena_printf(arena, "%d", nkeys);
	for (int i = 0; i < nkeys; i++)
		argv[argc++] = k[i];
	for (int i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	r = redisCommandArgv(rc, argc, argv, NULL);
	if (r == NULL) {
		printf("# redis: %s\n", rc->errstr);
		exit(1);
	}
	if (r->type == REDIS_REPLY_ERROR)
		printf("# script error: %s\n", r->str);
	return r;
}

/* A hold script with the event's keys: its JSON reply (NULL on error),
 * valid until the next run. */
static struct json_object *
run(const char *src, const char *const *args)
{
	redisReply *r = eval(src, ZT_KEY__EVENT_COUNT, keys, args);
	json_object_put(last);
	last =
	    r->type == REDIS_REPLY_STRING ? json_tokener_parse(r->str) : NULL;
	freeReplyObject(r);
	return last;
}

static struct json_object *
get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static long long
jint(struct json_object *o, const char *k)
{
	return json_object_get_int64(get(o, k));
}

static int
jtrue(struct json_object *o, const char *k)
{
	return get(o, k) != NULL && json_object_get_boolean(get(o, k));
}

/* Lua's cjson writes an empty list as {}: length of a list, 0 for that. */
static size_t
jlen(struct json_object *o, const char *k)
{
	struct json_object *a = get(o, k);
	return a != NULL && json_object_is_type(a, json_type_array)
		   ? json_object_array_length(a)
		   : 0;
}

static const char *
jat(struct json_object *o, const char *k, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(get(o, k), i));
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static const char *
n2s(long long n)
{
	return zt_arena_printf(arena, "%lld", n);
}

/* The lock script's settings, as zt_hold_lock passes them from config. */
static struct {
	long long ttl, limit, life, umax, imax, win;
	const char *map, *addr;
} set;

/* Seed the sold set: sold seats (NULL-terminated), one buyer's count. */
static void
seed(const char *const *sold, const char *buyer, int bought)
{
	const char *args[16];
	int k = 0, n = 0;
	const char *v = str("GET %s", key(ZT_KEY_VER));

	args[k++] = v ? v : "0";
	args[k++] = "300000";
	while (sold != NULL && sold[n] != NULL)
		n++;
	args[k++] = n2s(n);
	for (int i = 0; i < n; i++)
		args[k++] = sold[i];
	args[k++] = buyer ? "1" : "0";
	if (buyer) {
		args[k++] = buyer;
		args[k++] = n2s(bought);
	}
	args[k++] = "0";
	args[k] = NULL;
	CHECK(jtrue(run(zt_lua_hold_seed_sold, args), "ok"));
}

/* A clean Redis, default settings, an empty sold set. */
static void
fresh(void)
{
	CHECK_STR(str("FLUSHALL"), "OK");
	set.ttl = 60000;
	set.limit = 10;
	set.life = 120000;
	set.umax = 0;
	set.imax = 0;
	set.win = 60000;
	set.map = "*";
	set.addr = "d1";
	seed(NULL, NULL, 0);
}

/* Lock seats (NULL-terminated) and GA items "type", "qty", "seed",
 * "cap"… (NULL-terminated) for user with hold id hid if new. */
static struct json_object *
lock(const char *user, const char *hid, const char *const *seats,
    const char *const *ga)
{
	const char *args[48];
	int k = 0, n = 0;

	args[k++] = user;
	args[k++] = hid;
	args[k++] = n2s(set.ttl);
	args[k++] = n2s(set.limit);
	args[k++] = set.map;
	args[k++] = n2s(set.life);
	args[k++] = n2s(set.umax);
	args[k++] = n2s(set.imax);
	args[k++] = n2s(set.win);
	args[k++] = set.addr;
	while (seats != NULL && seats[n] != NULL)
		n++;
	args[k++] = n2s(n);
	for (int i = 0; i < n; i++)
		args[k++] = seats[i];
	n = 0;
	while (ga != NULL && ga[n] != NULL)
		n++;
	args[k++] = n2s(n / 4);
	for (int i = 0; i < n; i++)
		args[k++] = ga[i];
	args[k] = NULL;
	return run(zt_lua_hold_lock, args);
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------ tests -- */

TEST(every_script_compiles_in_redis)
{
	const char *all[] = {zt_lua_hold_lock, zt_lua_hold_release,
	    zt_lua_hold_consume, zt_lua_hold_unsell, zt_lua_hold_sweep,
	    zt_lua_hold_get, zt_lua_hold_status, zt_lua_hold_seed_sold,
	    zt_lua_hold_index_drop, zt_lua_rate_hit, zt_lua_rate_fail};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *sha = str("SCRIPT LOAD %s", all[i]);
		CHECK(sha != NULL && strlen(sha) == 40);
		CHECK(strstr(all[i], "--#include") == NULL);
	}
}

/* The embedded text is the file with its includes, byte for byte (quotes,
 * backslashes and question marks escaped right by lua2c). */
TEST(every_script_is_embedded_as_written)
{
	static const struct {
		const char *file, *text;
	} all[] = {{"hold_lock", zt_lua_hold_lock},
	    {"hold_release", zt_lua_hold_release},
	    {"hold_consume", zt_lua_hold_consume},
	    {"hold_unsell", zt_lua_hold_unsell},
	    {"hold_sweep", zt_lua_hold_sweep}, {"hold_get", zt_lua_hold_get},
	    {"hold_status", zt_lua_hold_status},
	    {"hold_seed_sold", zt_lua_hold_seed_sold},
	    {"hold_index_drop", zt_lua_hold_index_drop},
	    {"rate_hit", zt_lua_rate_hit}, {"rate_fail", zt_lua_rate_fail}};
	const char *src = getenv("srcdir") ? getenv("srcdir") : ".";
	static char buf[65536];

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		char *cmd = zt_arena_printf(arena,
		    "sh '%s/lib/lua/lua2c' -e '%s/lib/lua/%s.lua'", src, src,
		    all[i].file);
		FILE *p = popen(cmd, "r");
		size_t n = p ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
		CHECK(p != NULL && pclose(p) == 0);
		buf[n] = '\0';
		CHECK(n > 0 && strcmp(buf, all[i].text) == 0);
	}
	CHECK(strchr(zt_lua_rate_fail, '"') != NULL); /* "take" or "peek" */
}

TEST(every_key_comes_from_zt_keys)
{
	CHECK_STR(key(ZT_KEY_VER), "zt:{ev:" EV "}:ver");
	CHECK_STR(key(ZT_KEY_SOLDOK), "zt:{ev:" EV "}:sold:ok");
	CHECK_STR(key(ZT_KEY_MAP), "zt:{ev:" EV "}:map");
	CHECK_STR(key(ZT_KEY_RL), "zt:{ev:" EV "}:rl");
	/* one hash tag, so one cluster slot, for every key of the event,
	 * and no two keys alike */
	for (int i = 0; i < ZT_KEY__EVENT_COUNT; i++) {
		CHECK(strncmp(keys[i], "zt:{ev:" EV "}:", 45) == 0);
		CHECK(strchr(keys[i] + 45, '{') == NULL);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(keys[i], keys[j]) != 0);
	}
	CHECK_STR(zt_keys_rate(arena, "otp-ip", "ab12"), "zt:rl:otp-ip:ab12");
	CHECK_STR(ZT_KEY_HOLD_INDEX, "zt:hold-events");
}

TEST(lock_asks_for_the_sold_set_first)
{
	struct json_object *r;
	fresh();
	CHECK_STR(str("FLUSHALL"), "OK");
	r = lock(UA, HA, L(S1), NULL);
	CHECK(jtrue(r, "seed"));
	CHECK(jint(r, "v") > 0); /* a lost version restarts at now (ms) */
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 0);
	seed(L(S3), NULL, 0);
	CHECK(num("EXISTS %s", key(ZT_KEY_SOLDOK)) == 1);
	CHECK(num("PTTL %s", key(ZT_KEY_SOLDOK)) > 290000);
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S3) == 1);
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "ok"));
}

TEST(lock_takes_every_seat_or_none)
{
	struct json_object *r;
	long long v0;
	fresh();
	seed(L(S3), NULL, 0);
	v0 = num("GET %s", key(ZT_KEY_VER));
	r = lock(UA, HA, L(S1, S2), NULL);
	CHECK(jtrue(r, "ok"));
	CHECK_STR(json_object_get_string(get(r, "hold")), HA);
	CHECK(jlen(r, "seats") == 2);
	CHECK_STR(str("HGET %s %s", key(ZT_KEY_SEATS), S1), UA ":" HA);
	CHECK_STR(str("HGET %s %s", key(ZT_KEY_USERS), UA), HA);
	CHECK(num("ZSCORE %s %s", key(ZT_KEY_HOLDS), HA) == jint(r, "exp"));
	CHECK(num("GET %s", key(ZT_KEY_VER)) == v0 + 1);
	CHECK(jlen(r, "msgs") == 1);
	CHECK_STR(json_object_get_string(get(
		      json_object_array_get_idx(get(r, "msgs"), 0), "type")),
	    "seats.held");

	/* S2 held by A, S3 sold: conflicts, and S4 is not taken either */
	r = lock(UB, HB, L(S4, S2, S3), NULL);
	CHECK(!jtrue(r, "ok"));
	CHECK(jlen(r, "conflicts") == 2);
	CHECK_STR(jat(r, "conflicts", 0), S2);
	CHECK_STR(jat(r, "conflicts", 1), S3);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_SEATS), S4) == 0);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_USERS), UB) == 0);
	CHECK(num("GET %s", key(ZT_KEY_VER)) == v0 + 1);
}

TEST(relock_adds_and_refreshes_but_never_past_max_life)
{
	struct json_object *r;
	long long exp1, max1;
	fresh();
	set.ttl = 60000;
	set.life = 60100;
	r = lock(UA, HA, L(S1), NULL);
	exp1 = jint(r, "exp");
	max1 = jint(r, "max");
	CHECK(max1 - exp1 == 100);
	sleep_ms(30);
	r = lock(UA, "other", L(S1, S2), NULL); /* same hold, one more seat */
	CHECK_STR(json_object_get_string(get(r, "hold")), HA);
	CHECK(jlen(r, "seats") == 2);
	CHECK(jint(r, "exp") > exp1);
	CHECK(jint(r, "max") == max1);
	sleep_ms(120);
	r = lock(UA, "other", L(S1), NULL);
	CHECK(jint(r, "exp") == max1); /* clamped at the cap */
	CHECK(jint(r, "max") == max1);
	CHECK(num("ZSCORE %s %s", key(ZT_KEY_HOLDS), HA) == max1);
}

TEST(per_user_limit_counts_held_bought_and_requested)
{
	struct json_object *r;
	fresh();
	seed(NULL, UA, 1);
	set.limit = 3;
	CHECK(jtrue(lock(UA, HA, L(S1, S2), NULL), "ok"));
	r = lock(UA, HA, L(S3), L(T1, "1", "10", "10"));
	CHECK(!jtrue(r, "ok"));
	CHECK(jint(r, "count") == 5);
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 2);
}

TEST(ga_counters_seed_take_give_back_and_follow_capacity)
{
	struct json_object *r;
	fresh();
	r = lock(UA, HA, NULL, L(T1, "3", "10", "10"));
	CHECK(jtrue(r, "ok"));
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 7);
	CHECK(num("HGET %s cap:%s", key(ZT_KEY_GA), T1) == 10);
	/* the quantity is the total wanted: 1 gives 2 back */
	lock(UA, HA, NULL, L(T1, "1", "10", "10"));
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 9);
	r = lock(UB, HB, NULL, L(T1, "10", "10", "10"));
	CHECK(!jtrue(r, "ok"));
	CHECK(jint(get(r, "short"), T1) == 9);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 9);
	/* the organizer raised the capacity to 12 */
	lock(UB, HB, NULL, L(T1, "10", "10", "12"));
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 1);
	CHECK(num("HGET %s cap:%s", key(ZT_KEY_GA), T1) == 12);
	/* 0 gives all back, and an empty hold is forgotten */
	r = lock(UB, HB, NULL, L(T1, "0", "10", "12"));
	CHECK(jtrue(r, "ok") && get(r, "hold") == NULL);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 11);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_USERS), UB) == 0);
}

TEST(lock_calls_are_limited_per_user_and_per_address)
{
	struct json_object *r;
	fresh();
	set.umax = 2;
	set.win = 60000;
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "ok"));
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "ok"));
	r = lock(UA, HA, L(S2), NULL);
	CHECK(jint(r, "limited") > 59000 && jint(r, "limited") <= 60000);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_SEATS), S2) == 0);
	CHECK(str("HGET %s u:" UA, key(ZT_KEY_RL)) != NULL);
	CHECK(strstr(str("HGET %s u:" UA, key(ZT_KEY_RL)), ":2") != NULL);
	CHECK(num("PTTL %s", key(ZT_KEY_RL)) > 59000);
	/* another user is counted apart; address limit off (0): no field */
	CHECK(jtrue(lock(UB, HB, L(S2), NULL), "ok"));
	CHECK(num("HEXISTS %s a:d1", key(ZT_KEY_RL)) == 0);

	fresh();
	set.imax = 1;
	set.win = 50;
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "ok"));
	CHECK(jint(lock(UB, HB, L(S2), NULL), "limited") > 0);
	set.addr = "d2";
	CHECK(jtrue(lock(UB, HB, L(S2), NULL), "ok"));
	sleep_ms(80); /* the window ended */
	set.addr = "d1";
	CHECK(jtrue(lock(UB, HB, L(S3), NULL), "ok"));
}

TEST(a_stale_seat_map_is_told_to_reload)
{
	fresh();
	CHECK(num("INCR %s", key(ZT_KEY_MAP)) == 1);
	set.map = "0";
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "reload"));
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 0);
	set.map = "1";
	CHECK(jtrue(lock(UA, HA, L(S1), NULL), "ok"));
}

TEST(release_one_seat_or_the_whole_hold)
{
	struct json_object *r;
	fresh();
	lock(UA, HA, L(S1, S2), L(T1, "2", "10", "10"));
	r = run(zt_lua_hold_release, L(UA, S1));
	CHECK(jtrue(r, "ok"));
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_SEATS), S1) == 0);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_SEATS), S2) == 1);
	/* not yours: nothing changes */
	CHECK(!jtrue(run(zt_lua_hold_release, L(UB, S2)), "ok"));
	CHECK(!jtrue(run(zt_lua_hold_release, L(UA, S3)), "ok"));
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_SEATS), S2) == 1);
	r = run(zt_lua_hold_release, L(UA, ""));
	CHECK(jtrue(r, "ok"));
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 0);
	CHECK(num("ZCARD %s", key(ZT_KEY_HOLDS)) == 0);
	CHECK(num("HLEN %s", key(ZT_KEY_HOLD)) == 0);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 10);
	CHECK(jtrue(run(zt_lua_hold_release, L(UA, "")), "ok"));
}

TEST(an_expired_hold_frees_its_seats_at_once_and_is_swept)
{
	struct json_object *r;
	fresh();
	set.ttl = 40;
	lock(UA, HA, L(S1), L(T1, "4", "10", "10"));
	CHECK(jtrue(run(zt_lua_hold_get, L(UA)), "ok"));
	CHECK_STR(json_object_get_string(get(last, "hold")), HA);
	sleep_ms(80);
	/* free the millisecond it expired, before any sweep */
	CHECK(get(run(zt_lua_hold_get, L(UA)), "hold") == NULL);
	r = run(zt_lua_hold_sweep, L("100"));
	CHECK(jint(r, "swept") == 1);
	CHECK(jint(r, "left") == 0 && jint(r, "holds") == 0);
	CHECK(jlen(r, "msgs") == 1);
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 0);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 10);
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_USERS), UA) == 0);

	/* the lock script sweeps lazily too */
	set.ttl = 40;
	lock(UA, HA, L(S1), NULL);
	sleep_ms(80);
	set.ttl = 60000;
	r = lock(UB, HB, L(S1), NULL);
	CHECK(jtrue(r, "ok"));
	CHECK(num("HEXISTS %s %s", key(ZT_KEY_HOLD), HA) == 0);
	CHECK_STR(str("HGET %s %s", key(ZT_KEY_SEATS), S1), UB ":" HB);
}

TEST(consume_sells_the_hold_and_releases_the_rest)
{
	struct json_object *r;
	fresh();
	lock(UA, HA, L(S1, S2), L(T1, "3", "10", "10"));
	CHECK(!jtrue(run(zt_lua_hold_consume, L(UB, HA, "1", S1, "0")), "ok"));
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S1) == 0);
	r = run(zt_lua_hold_consume, L(UA, HA, "1", S1, "1", T1, "2"));
	CHECK(jtrue(r, "ok"));
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S1) == 1);
	CHECK(num("HLEN %s", key(ZT_KEY_SEATS)) == 0); /* S2 released */
	CHECK(num("HGET %s %s", key(ZT_KEY_BOUGHT), UA) == 3);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 8); /* 1 given back */
	CHECK(num("HLEN %s", key(ZT_KEY_HOLD)) == 0);
	CHECK(jlen(r, "msgs") == 2);
	/* a sold seat is a conflict for the next lock */
	CHECK(jlen(lock(UB, HB, L(S1), NULL), "conflicts") == 1);

	r = run(zt_lua_hold_unsell, L(UA, "1", S1, "1", T1, "2"));
	CHECK(jtrue(r, "ok"));
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S1) == 0);
	CHECK(num("HGET %s %s", key(ZT_KEY_BOUGHT), UA) == -1);
	CHECK(num("HGET %s %s", key(ZT_KEY_GA), T1) == 10);
}

TEST(status_is_whole_then_a_cache_hit_until_something_changes)
{
	struct json_object *r;
	long long v;
	const char *next;
	fresh();
	lock(UA, HA, L(S1, S2), NULL);
	r = run(zt_lua_hold_status, L(UA, "", "", "", "*"));
	CHECK(jtrue(r, "ok") && !jtrue(r, "hit"));
	CHECK(jlen(r, "held") == 1); /* one hold: {expiry, S1, S2} */
	CHECK(json_object_array_length(
		  json_object_array_get_idx(get(r, "held"), 0)) == 3);
	CHECK_STR(json_object_get_string(get(get(r, "mine"), "hold")), HA);
	v = jint(r, "v");
	next = zt_arena_strdup(arena, json_object_get_string(get(r, "next")));
	CHECK(jint(r, "live") == 1);
	r = run(zt_lua_hold_status, L(UB, n2s(v), next, "1", "*"));
	CHECK(jtrue(r, "hit") && get(r, "mine") == NULL);
	lock(UB, HB, L(S3), NULL);
	r = run(zt_lua_hold_status, L("", n2s(v), next, "1", "*"));
	CHECK(!jtrue(r, "hit") && jint(r, "v") == v + 1);
	CHECK(jint(r, "live") == 2);
}

TEST(seed_merges_when_the_version_moved)
{
	fresh();
	seed(L(S1), UA, 1);
	/* a sale recorded while PostgreSQL was read: v moved, keep it */
	run(zt_lua_hold_consume, L(UB, "gone", "1", S2, "0"));
	CHECK(jtrue(run(zt_lua_hold_seed_sold,
			L("1", "300000", "1", S1, "1", UA, "2", "0")),
	    "ok"));
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S2) == 1);
	CHECK(num("HGET %s %s", key(ZT_KEY_BOUGHT), UA) == 2);
	/* same v and a different set: replaced, and v moves */
	seed(L(S3), NULL, 0);
	CHECK(num("SCARD %s", key(ZT_KEY_SOLD)) == 1);
	CHECK(num("SISMEMBER %s %s", key(ZT_KEY_SOLD), S3) == 1);
	CHECK(num("EXISTS %s", key(ZT_KEY_BOUGHT)) == 0);
}

TEST(index_drop_drops_only_an_unchanged_entry)
{
	const char *k[1] = {ZT_KEY_HOLD_INDEX};
	redisReply *r;
	CHECK_STR(str("FLUSHALL"), "OK");
	num("ZADD %s 1000 %s", ZT_KEY_HOLD_INDEX, EV);
	r = eval(zt_lua_hold_index_drop, 1, k, L(EV, "999"));
	CHECK(r->type == REDIS_REPLY_INTEGER && r->integer == 0);
	freeReplyObject(r);
	CHECK(num("ZCARD %s", ZT_KEY_HOLD_INDEX) == 1);
	r = eval(zt_lua_hold_index_drop, 1, k, L(EV, "1000"));
	CHECK(r->type == REDIS_REPLY_INTEGER && r->integer == 1);
	freeReplyObject(r);
	CHECK(num("ZCARD %s", ZT_KEY_HOLD_INDEX) == 0);
}

/* Run a rate script: the integers of its reply into out[n]. */
static void
rate(const char *src, const char *k, const char *const *args, long long *out,
    size_t n)
{
	redisReply *r = eval(src, 1, &k, args);
	CHECK(r->type == REDIS_REPLY_ARRAY && r->elements == n);
	for (size_t i = 0; i < n && i < r->elements; i++)
		out[i] = r->element[i]->integer;
	freeReplyObject(r);
}

TEST(rate_hit_is_a_sliding_window)
{
	const char *k = zt_keys_rate(arena, "test", "d1");
	long long o[2];
	CHECK_STR(str("FLUSHALL"), "OK");
	rate(zt_lua_rate_hit, k, L("200", "2", "m1"), o, 2);
	CHECK(o[0] == 1 && o[1] == 0);
	rate(zt_lua_rate_hit, k, L("200", "2", "m2"), o, 2);
	CHECK(o[0] == 1);
	rate(zt_lua_rate_hit, k, L("200", "2", "m3"), o, 2);
	CHECK(o[0] == 0 && o[1] > 0 && o[1] <= 200);
	CHECK(num("ZCARD %s", k) == 2);
	CHECK(num("PTTL %s", k) > 0);
	sleep_ms(250);
	rate(zt_lua_rate_hit, k, L("200", "2", "m4"), o, 2);
	CHECK(o[0] == 1);
	CHECK(num("ZCARD %s", k) == 1);
}

TEST(rate_fail_backs_off_then_caps)
{
	const char *k = zt_keys_rate(arena, "test-fail", "d1");
	long long o[3];
	/* free 1, cap 3, backoff 60 s (max 600 s), a day of 1000 s */
	const char *const take[] = {
	    "1", "3", "60000", "600000", "1000000", "take", NULL};
	const char *const peek[] = {
	    "1", "3", "60000", "600000", "1000000", "peek", NULL};
	CHECK_STR(str("FLUSHALL"), "OK");
	rate(zt_lua_rate_fail, k, take, o, 3);
	CHECK(o[0] == 1);
	CHECK(num("HGET %s n", k) == 1);
	CHECK(num("PTTL %s", k) > 990000);
	rate(zt_lua_rate_fail, k, take, o, 3);
	CHECK(o[0] == 0 && o[1] > 59000 && o[1] <= 60000 && o[2] == 0);
	CHECK(num("HGET %s n", k) == 1); /* a refused attempt is not counted */
	rate(zt_lua_rate_fail, k, peek, o, 3);
	CHECK(o[0] == 1 && o[2] == 0);
	num("HSET %s n 3", k);
	rate(zt_lua_rate_fail, k, peek, o, 3);
	CHECK(o[0] == 0 && o[2] == 1 && o[1] > 0);
}

int
main(void)
{
	int st = start_server();
	if (st == 77) {
		printf("1..0 # SKIP redis-server not found\n");
		return 77;
	}
	if (st != 0) {
		printf("# could not start redis-server (see %s)\n", dir);
		return 1;
	}
	arena = zt_arena_new();
	keys = zt_keys_event_all(arena, EV);
	RUN(every_script_compiles_in_redis);
	RUN(every_script_is_embedded_as_written);
	RUN(every_key_comes_from_zt_keys);
	RUN(lock_asks_for_the_sold_set_first);
	RUN(lock_takes_every_seat_or_none);
	RUN(relock_adds_and_refreshes_but_never_past_max_life);
	RUN(per_user_limit_counts_held_bought_and_requested);
	RUN(ga_counters_seed_take_give_back_and_follow_capacity);
	RUN(lock_calls_are_limited_per_user_and_per_address);
	RUN(a_stale_seat_map_is_told_to_reload);
	RUN(release_one_seat_or_the_whole_hold);
	RUN(an_expired_hold_frees_its_seats_at_once_and_is_swept);
	RUN(consume_sells_the_hold_and_releases_the_rest);
	RUN(status_is_whole_then_a_cache_hit_until_something_changes);
	RUN(seed_merges_when_the_version_moved);
	RUN(index_drop_drops_only_an_unchanged_entry);
	RUN(rate_hit_is_a_sliding_window);
	RUN(rate_fail_backs_off_then_caps);
	return DONE();
}
