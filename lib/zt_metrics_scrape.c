/* zt_metrics_scrape.c - GET /metrics: the shared counters and what is
 * measured at scrape time (round trips, outbox, nchan); see zt_metrics.h. */
#include "zt_metrics.h"
#include "zt_arena.h"
#include "zt_db.h"
#include "zt_req.h"
#include "zt_log.h"
#include "zt_redis.h"
#include "zt_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct zt_sql q_outbox = ZT_SQL("metrics_outbox",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), "
    "0)::float8 FROM outbox WHERE sent_at IS NULL",
    0);

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* nchan's stub status over the publisher's unix socket (nginx location
 * /nchan_status there); its body into buf, 0 when read. */
static int
nchan_status(char *buf, size_t len)
{
	static const char get[] = "GET /nchan_status HTTP/1.0\r\n"
				  "Host: ztic\r\n\r\n";
	struct sockaddr_un sa;
	struct timeval tv = {1, 0};
	size_t got = 0;
	ssize_t n;
	int s, rc = -1;
	const char *path = zt_g.cfg.live_socket;

	if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(s, get, sizeof(get) - 1) != (ssize_t)(sizeof(get) - 1))
		goto out;
	while (got + 1 < len && (n = read(s, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	rc = strncmp(buf, "HTTP/1.1 200", 12) == 0 ||
		     strncmp(buf, "HTTP/1.0 200", 12) == 0
		 ? 0
		 : -1;
out:
	close(s);
	return rc;
}

/* "name: 123" in the stub status, -1 when absent */
static long
stub_value(const char *body, const char *name)
{
	const char *p = strstr(body, name);
	if (p == NULL)
		return -1;
	p += strlen(name);
	if (*p++ != ':')
		return -1;
	return strtol(p, NULL, 10);
}

static void
gauge(FILE *o, const char *name, const char *help, double v)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s gauge\n%s %.6g\n", name, help, name,
	    name, v);
}

char *
zt_metrics_scrape(struct zt_req *req, size_t *len)
{
	char *buf = NULL, err[256], body[4096];
	size_t size = 0, own;
	const char *own_text = zt_metrics_render(req->arena, &own);
	struct zt_error e = {0};
	PGresult *r;
	double t;
	int up;
	FILE *o = open_memstream(&buf, &size);
	char *out;

	if (o == NULL)
		zt_oom();
	fwrite(own_text, 1, own, o);

	t = now_s();
	up = zt_db_ping(zt_g.db, err, sizeof(err)) == 0;
	t = now_s() - t;
	gauge(
	    o, "ztic_postgres_up", "PostgreSQL answered the health ping.", up);
	if (up)
		gauge(o, "ztic_postgres_rtt_seconds",
		    "Round trip of the health ping (SELECT 1).", t);
	t = now_s();
	up = zt_redis_ping(zt_g.redis, err, sizeof(err)) == 0;
	t = now_s() - t;
	gauge(o, "ztic_redis_up", "Redis answered the health ping.", up);
	if (up)
		gauge(o, "ztic_redis_rtt_seconds", "Round trip of PING.", t);

	r = zt_db_exec(req, &e, &q_outbox, NULL);
	if (r != NULL && PQntuples(r) == 1) {
		gauge(o, "ztic_outbox_pending", "Messages not sent yet.",
		    strtod(zt_db_val(r, 0, 0), NULL));
		gauge(o, "ztic_outbox_oldest_seconds",
		    "Age of the oldest message not sent yet.",
		    strtod(zt_db_val(r, 0, 1), NULL));
	}

	up = nchan_status(body, sizeof(body)) == 0;
	gauge(o, "ztic_live_up", "nchan answered its stub status.", up);
	if (up) {
		long subs = stub_value(body, "\nsubscribers"),
		     chans = stub_value(body, "\nchannels"),
		     msgs = stub_value(body, "total published messages");
		if (subs >= 0)
			gauge(o, "ztic_live_subscribers",
			    "Live subscribers (nchan_stub_status).",
			    (double)subs);
		if (chans >= 0)
			gauge(o, "ztic_live_channels",
			    "Live channels (nchan_stub_status).",
			    (double)chans);
		if (msgs >= 0)
			fprintf(o,
			    "# HELP ztic_live_published_messages_total "
			    "Messages published (nchan_stub_status).\n"
			    "# TYPE ztic_live_published_messages_total "
			    "counter\n"
			    "ztic_live_published_messages_total %ld\n",
			    msgs);
	}
	fclose(o);
	out = zt_arena_strndup(req->arena, buf, size);
	*len = size;
	free(buf);
	return out;
}
