/* zt_metrics.c - counters in a shared mapping per program; see zt_metrics.h.
 */
#include "zt_metrics.h"
#include "zt_arena.h"
#include "zt_log.h"
#include "zt_route.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define M_MAGIC 0x7a746d32u /* "ztm2": change with the layout */
#define M_ROUTES 48	    /* slots; the last one is "no route" */
#define M_NSTATUS 24	    /* the statuses below, the last is "other" */
#define M_NBUCKETS 12	    /* finite bounds; then +Inf */

static const int statuses[M_NSTATUS - 1] = {200, 201, 202, 204, 206, 301, 302,
    304, 400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422, 429, 500, 502,
    503};
/* upper bounds in microseconds (le= in seconds) */
static const long bounds[M_NBUCKETS] = {1000, 2500, 5000, 10000, 25000, 50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000};
static const char *const bound_names[M_NBUCKETS] = {"0.001", "0.0025", "0.005",
    "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5"};

static const struct {
	const char *name, *help;
} metric_names[ZT_MC_COUNT] = {
    {"ztic_holds_taken_total", "Seat/GA holds granted."},
    {"ztic_holds_refused_total", "Hold requests refused (taken, limits)."},
    {"ztic_holds_expired_total", "Holds ended by the sweeper."},
    {"ztic_bookings_created_total", "Bookings created (pending)."},
    {"ztic_bookings_confirmed_total", "Bookings confirmed."},
    {"ztic_bookings_expired_total", "Unpaid bookings expired."},
    {"ztic_payments_captured_total", "Payments captured."},
    {"ztic_payments_failed_total", "Payments that failed."},
    {"ztic_refunds_total", "Refunds started."},
    {"ztic_checkins_total", "Tickets checked in (accepted scans)."},
    {"ztic_webhook_deliveries_total", "Outgoing webhook deliveries."},
    {"ztic_webhook_failures_total", "Outgoing webhook deliveries failed."},
};

struct cell {
	uint64_t n[M_NBUCKETS + 1]; /* per bucket, not cumulative; +Inf last */
	uint64_t sum_us;
};

struct label {
	char method[8];
	char pattern[112];
};

struct shared {
	uint32_t magic;
	uint32_t nroutes;
	uint64_t routes_hash;
	struct label labels[M_ROUTES];
	uint64_t counters[32];
	/* cron runs */
	uint64_t job_runs, job_failures, job_last_success, job_last_us;
	struct cell cells[M_ROUTES][M_NSTATUS];
};

static struct shared local; /* without a file */
static struct shared *m = &local;
static int fd = -1;

static const char *
dir(void)
{
	const char *d = getenv("ZT_METRICS_DIR");
	return d != NULL && *d != '\0' ? d : NULL;
}

void
zt_metrics_close(void)
{
	if (m != &local)
		munmap(m, sizeof(*m));
	if (fd >= 0)
		close(fd);
	m = &local;
	fd = -1;
}

void
zt_metrics_open(const char *program)
{
	char path[512];
	struct stat st, ds;
	void *p;
	const char *d = dir();

	if (m != &local)
		return; /* mapped already */
	if (d == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.metrics", d, program);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		zt_log_warn(
		    "metrics", "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	/* a job run by root (by hand, or the tests) leaves a file that the
	 * service user can still read and add to */
	if (geteuid() == 0 && stat(d, &ds) == 0 &&
	    fchown(fd, ds.st_uid, ds.st_gid) != 0)
		zt_log_warn(
		    "metrics", "cannot chown %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || ((size_t)st.st_size < sizeof(*m) &&
				       ftruncate(fd, (off_t)sizeof(*m)) != 0)) {
		zt_log_warn(
		    "metrics", "cannot size %s: %s", path, strerror(errno));
		goto fail;
	}
	p = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		zt_log_warn(
		    "metrics", "cannot map %s: %s", path, strerror(errno));
		goto fail;
	}
	m = p;
	if (m->magic != M_MAGIC) { /* new, or an older layout */
		memset(m, 0, sizeof(*m));
		m->magic = M_MAGIC;
	}
	flock(fd, LOCK_UN);
	return;
fail:
	if (fd >= 0)
		close(fd);
	fd = -1;
}

static uint64_t
hash_routes(const struct zt_route *routes, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++)
			for (const char *s = k ? routes[i].pattern
					       : routes[i].method;
			     ; s++) {
				h = (h ^ (unsigned char)*s) * 1099511628211ull;
				if (*s == '\0')
					break;
			}
	return h ^ n;
}

void
zt_metrics_routes(const struct zt_route *routes, size_t n)
{
	uint64_t h = hash_routes(routes, n);

	if (n > M_ROUTES - 1)
		zt_log_warn("metrics",
		    "%zu routes: those after %d count as unmatched (raise "
		    "M_ROUTES)",
		    n, M_ROUTES - 1);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	if (m->routes_hash != h) {
		/* another table (a deploy): its counters start again,
		 * which Prometheus reads as a counter reset */
		memset(m->cells, 0, sizeof(m->cells));
		memset(m->labels, 0, sizeof(m->labels));
		for (size_t i = 0; i < n && i < M_ROUTES - 1; i++) {
			snprintf(m->labels[i].method,
			    sizeof(m->labels[i].method), "%s",
			    routes[i].method);
			snprintf(m->labels[i].pattern,
			    sizeof(m->labels[i].pattern), "%s",
			    routes[i].pattern);
		}
		m->nroutes = (uint32_t)(n < M_ROUTES - 1 ? n : M_ROUTES - 1);
		m->routes_hash = h;
	}
	if (fd >= 0)
		flock(fd, LOCK_UN);
}

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

void
zt_metrics_request(int route, int status, long us)
{
	int r = route < 0 || route >= (int)m->nroutes ? M_ROUTES - 1 : route;
	int s = M_NSTATUS - 1, b = M_NBUCKETS;
	struct cell *c;

	for (int i = 0; i < M_NSTATUS - 1; i++)
		if (statuses[i] == status) {
			s = i;
			break;
		}
	for (int i = 0; i < M_NBUCKETS; i++)
		if (us <= bounds[i]) {
			b = i;
			break;
		}
	c = &m->cells[r][s];
	add(&c->n[b], 1);
	add(&c->sum_us, us > 0 ? (uint64_t)us : 0);
}

void
zt_metrics_count(enum zt_metric k, long n)
{
	if ((int)k >= 0 && k < ZT_MC_COUNT && n > 0)
		add(&m->counters[k], (uint64_t)n);
}

void
zt_metrics_job(int ok, long us)
{
	add(&m->job_runs, 1);
	if (!ok) {
		add(&m->job_failures, 1);
		return;
	}
	__atomic_store_n(&m->job_last_us, (uint64_t)us, __ATOMIC_RELAXED);
	__atomic_store_n(
	    &m->job_last_success, (uint64_t)time(NULL), __ATOMIC_RELAXED);
}

/* ---- exposition ---- */

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static int
valid_program(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
			s[i] == '-' || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static void
status_name(int s, char *buf, size_t len)
{
	if (s < M_NSTATUS - 1)
		snprintf(buf, len, "%d", statuses[s]);
	else
		snprintf(buf, len, "other");
}

struct file {
	char program[33];
	const struct shared *s;
};

/* Read one cell: its buckets into v, its labels into lbl; returns its
 * count (0: nothing to show). */
static uint64_t
cell_read(
    const struct file *f, int r, int s, uint64_t *v, char *lbl, size_t len)
{
	const struct cell *c = &f->s->cells[r][s];
	uint64_t n = 0;
	char st[8];

	for (int b = 0; b <= M_NBUCKETS; b++)
		n += v[b] = get(&c->n[b]);
	if (n == 0)
		return 0;
	status_name(s, st, sizeof(st));
	snprintf(lbl, len,
	    "program=\"%.32s\",method=\"%.7s\",route=\"%.111s\",status="
	    "\"%.7s\"",
	    f->program, r < M_ROUTES - 1 ? f->s->labels[r].method : "",
	    r < M_ROUTES - 1 ? f->s->labels[r].pattern : "unmatched", st);
	return n;
}

static void
render_requests(FILE *o, const struct file *f, size_t nf)
{
	uint64_t v[M_NBUCKETS + 1], n, cum;
	char lbl[256];

	fputs("# HELP ztic_requests_total Requests answered by a responder.\n"
	      "# TYPE ztic_requests_total counter\n",
	    o);
	for (size_t i = 0; i < nf; i++)
		for (int r = 0; r < M_ROUTES; r++)
			for (int s = 0; s < M_NSTATUS; s++)
				if ((n = cell_read(
					 &f[i], r, s, v, lbl, sizeof(lbl))) > 0)
					fprintf(o,
					    "ztic_requests_total{%s} %llu\n",
					    lbl, (unsigned long long)n);
	fputs("# HELP ztic_request_duration_seconds Time from the request's "
	      "arrival at the responder to its answer.\n"
	      "# TYPE ztic_request_duration_seconds histogram\n",
	    o);
	for (size_t i = 0; i < nf; i++)
		for (int r = 0; r < M_ROUTES; r++)
			for (int s = 0; s < M_NSTATUS; s++) {
				if ((n = cell_read(&f[i], r, s, v, lbl,
					 sizeof(lbl))) == 0)
					continue;
				cum = 0;
				for (int b = 0; b < M_NBUCKETS; b++) {
					cum += v[b];
					fprintf(o,
					    "ztic_request_duration_seconds_"
					    "bucket{%s,le=\"%s\"} %llu\n",
					    lbl, bound_names[b],
					    (unsigned long long)cum);
				}
				fprintf(o,
				    "ztic_request_duration_seconds_bucket{%s,"
				    "le=\"+Inf\"} %llu\n"
				    "ztic_request_duration_seconds_sum{%s} "
				    "%.6f\n"
				    "ztic_request_duration_seconds_count{%s} "
				    "%llu\n",
				    lbl, (unsigned long long)n, lbl,
				    (double)get(&f[i].s->cells[r][s].sum_us) /
					1e6,
				    lbl, (unsigned long long)n);
			}
}

/* the cron series: a field of struct shared, shown when another is not 0
 * (scale: microseconds to seconds; 0 prints the integer) */
static const struct {
	const char *name, *help, *type;
	size_t field, when;
	double scale;
} jobs[] = {
    {"ztic_job_runs_total", "Runs of a cron program.", "counter",
	offsetof(struct shared, job_runs), offsetof(struct shared, job_runs),
	0},
    {"ztic_job_failures_total", "Failed runs of a cron program.", "counter",
	offsetof(struct shared, job_failures),
	offsetof(struct shared, job_runs), 0},
    {"ztic_job_last_success_seconds", "Unix time of the last successful run.",
	"gauge", offsetof(struct shared, job_last_success),
	offsetof(struct shared, job_last_success), 0},
    {"ztic_job_duration_seconds", "Duration of the last successful run.",
	"gauge", offsetof(struct shared, job_last_us),
	offsetof(struct shared, job_last_success), 1e6},
};

static void
render_rest(FILE *o, const struct file *f, size_t nf)
{
	for (int k = 0; k < ZT_MC_COUNT; k++) {
		uint64_t n = 0;
		for (size_t i = 0; i < nf; i++)
			n += get(&f[i].s->counters[k]);
		fprintf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    metric_names[k].name, metric_names[k].help,
		    metric_names[k].name, metric_names[k].name,
		    (unsigned long long)n);
	}
	for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
		fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", jobs[j].name,
		    jobs[j].help, jobs[j].name, jobs[j].type);
		for (size_t i = 0; i < nf; i++) {
			const char *base = (const char *)f[i].s;
			uint64_t v =
			    get((const uint64_t *)(base + jobs[j].field));
			if (get((const uint64_t *)(base + jobs[j].when)) == 0)
				continue;
			if (jobs[j].scale > 0)
				fprintf(o, "%s{job=\"%s\"} %.6f\n",
				    jobs[j].name, f[i].program,
				    (double)v / jobs[j].scale);
			else
				fprintf(o, "%s{job=\"%s\"} %llu\n",
				    jobs[j].name, f[i].program,
				    (unsigned long long)v);
		}
	}
}

char *
zt_metrics_render(struct zt_arena *a, size_t *len)
{
	struct file f[64];
	size_t nf = 0, size = 0;
	char *buf = NULL, *out;
	const char *d = dir();
	DIR *dp = d ? opendir(d) : NULL;
	struct dirent *e;
	FILE *o;

	while (dp != NULL && nf < 64 && (e = readdir(dp)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[512];
		struct stat st;
		void *p;
		int rfd;
		if (n < 9 || strcmp(e->d_name + n - 8, ".metrics") != 0 ||
		    !valid_program(e->d_name, n - 8))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd < 0)
			continue;
		if (fstat(rfd, &st) != 0 ||
		    (size_t)st.st_size < sizeof(struct shared)) {
			close(rfd);
			continue;
		}
		p = mmap(
		    NULL, sizeof(struct shared), PROT_READ, MAP_SHARED, rfd, 0);
		close(rfd);
		if (p == MAP_FAILED)
			continue;
		if (((const struct shared *)p)->magic != M_MAGIC) {
			munmap(p, sizeof(struct shared));
			continue;
		}
		memcpy(f[nf].program, e->d_name, n - 8);
		f[nf].program[n - 8] = '\0';
		f[nf].s = p;
		nf++;
	}
	if (dp != NULL)
		closedir(dp);
	o = open_memstream(&buf, &size);
	if (o == NULL)
		zt_oom();
	render_requests(o, f, nf);
	render_rest(o, f, nf);
	fclose(o);
	for (size_t i = 0; i < nf; i++)
		munmap((void *)f[i].s, sizeof(struct shared));
	out = zt_arena_strndup(a, buf, size);
	*len = size;
	free(buf);
	return out;
}
