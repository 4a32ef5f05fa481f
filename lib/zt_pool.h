/*
 * zt_pool.h - a responder's pool of workers, forked from one loaded
 * process.
 *
 * spawn-fcgi binds the pool's socket and execs the responder with
 * ZT_POOL_WORKERS set.  The process loads what every worker needs (the
 * config, the message catalogues, the shared libraries' relocations, the
 * metrics map), then becomes the pool's master: it forks the workers,
 * which share those pages with it until they write them, starts another
 * when one dies, and stops them when it is told to stop.  A worker opens
 * its own connections (PostgreSQL, Redis, nchan) after the fork.
 *
 *   ZT_POOL_WORKERS  number of workers (unset: this process is the one
 *                    worker, as when a test runs the binary by hand)
 *   ZT_POOL_RETRIES  a worker that dies within ZT_POOL_FAST_MS of its
 *   ZT_POOL_FAST_MS  start more than this many times in a row is given up
 *                    (a broken build or configuration); defaults 10, 1000
 *
 * Signals to the master: the first SIGTERM or SIGINT sends each worker
 * SIGUSR1 (finish the request in hand, then stop: zt_serve.c), the second
 * passes SIGTERM on.  The master leaves when its last worker has gone.  A
 * worker whose master is gone gets SIGUSR1 from the kernel.
 * docs/operations.md, "Responder pools".
 */
#ifndef ZT_POOL_H
#define ZT_POOL_H

/*
 * Returns 1 in a worker (go on serving) and 0 in the master once its pool
 * has stopped, with the process's exit status in *status (0: stopped when
 * told; 1: a bad setting, or every worker given up).
 */
int zt_pool_run(const char *program, int *status);

#endif
