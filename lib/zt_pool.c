/* zt_pool.c - fork a responder's workers and keep them; see zt_pool.h. */
#include "zt_pool.h"
#include "zt_log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256

struct slot {
	pid_t pid;	 /* 0: not running */
	long started_ms; /* CLOCK_MONOTONIC */
	int fast;	 /* deaths within fast_ms of the start, in a row */
	int given_up;
};

static sigset_t caller_mask; /* the mask a worker runs with */

static long
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* A whole number from the environment, def when unset; -1 (said) when it
 * is not one within [lo, hi]. */
static int
env_int(
    const char *program, const char *name, int def, int lo, int hi, int *out)
{
	const char *s = getenv(name);
	char *end;
	long v;

	*out = def;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: %s must be a whole number from %d to %d\n",
		    program, name, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* 0 in the new worker, 1 in the master, -1 when fork failed. */
static int
start(struct slot *s)
{
	pid_t master = getpid(), pid;

	fflush(NULL); /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		zt_log_error(
		    "pool", "cannot start a worker: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* the master gone (killed), the worker stops as if told to */
		prctl(PR_SET_PDEATHSIG, SIGUSR1);
		if (getppid() != master)
			raise(SIGUSR1); /* it went before prctl took */
		sigprocmask(SIG_SETMASK, &caller_mask, NULL);
		return 0;
	}
	s->pid = pid;
	s->started_ms = now_ms();
	return 1;
}

static void
signal_all(struct slot *slots, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

/* A worker has ended: count a death at start, give the slot up after too
 * many of them in a row. */
static void
ended(struct slot *s, int st, int retries, int fast_ms)
{
	long lived = now_ms() - s->started_ms, pid = (long)s->pid;
	char how[48];

	s->pid = 0;
	if (WIFSIGNALED(st))
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(st));
	else
		snprintf(how, sizeof(how), "status %d", WEXITSTATUS(st));
	s->fast = lived < fast_ms ? s->fast + 1 : 0;
	if (s->fast > retries) {
		s->given_up = 1;
		zt_log_error("pool",
		    "worker %ld ended (%s): it ended within %d ms of its "
		    "start %d times in a row, so it is not started again",
		    pid, how, fast_ms, s->fast);
		return;
	}
	zt_log_warn("pool",
	    "worker %ld ended (%s) after %ld ms: starting another", pid, how,
	    lived);
}

int
zt_pool_run(const char *program, int *status)
{
	struct slot slots[MAX_WORKERS];
	sigset_t wait_set;
	int n, retries, fast_ms, stopping = 0;

	*status = 0;
	if (getenv("ZT_POOL_WORKERS") == NULL)
		return 1; /* this process is the one worker */
	if (env_int(program, "ZT_POOL_WORKERS", 1, 1, MAX_WORKERS, &n) != 0 ||
	    env_int(program, "ZT_POOL_RETRIES", 10, 0, INT_MAX - 1, &retries) !=
		0 ||
	    env_int(program, "ZT_POOL_FAST_MS", 1000, 0, INT_MAX, &fast_ms) !=
		0) {
		*status = 1;
		return 0;
	}
	memset(slots, 0, sizeof(slots));
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGINT);
	sigaddset(&wait_set, SIGUSR1);
	sigaddset(&wait_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wait_set, &caller_mask);
	zt_log_info("pool", "%s: starting %d workers", program, n);

	for (;;) {
		int st, running = 0, alive = 0, retry = 0, sig;
		pid_t pid;
		struct timespec second = {1, 0};

		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (int i = 0; i < n; i++)
				if (slots[i].pid == pid) {
					if (stopping)
						slots[i].pid = 0;
					else
						ended(&slots[i], st, retries,
						    fast_ms);
					break;
				}
		for (int i = 0; i < n && !stopping; i++) {
			if (slots[i].pid != 0 || slots[i].given_up)
				continue;
			int r = start(&slots[i]);
			if (r == 0)
				return 1;
			if (r < 0)
				retry = 1; /* try again in a second */
		}
		for (int i = 0; i < n; i++) {
			running += slots[i].pid > 0;
			alive += slots[i].pid > 0 || !slots[i].given_up;
		}
		if (stopping && running == 0)
			break;
		if (!stopping && alive == 0) {
			*status = 1;
			break;
		}
		sig = sigtimedwait(&wait_set, NULL, retry ? &second : NULL);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGUSR1) {
			/* first: finish the request in hand; then: now */
			signal_all(slots, n, stopping ? SIGTERM : SIGUSR1);
			if (!stopping)
				zt_log_info("pool", "%s: stopping", program);
			stopping = 1;
		}
	}
	sigprocmask(SIG_SETMASK, &caller_mask, NULL);
	return 0;
}
