/*
 * zt_finance.h - what the money jobs of docs/finance.md share: the lock
 * that keeps two runs of one job apart.
 */
#ifndef ZT_FINANCE_H
#define ZT_FINANCE_H

/*
 * Take the PostgreSQL session advisory lock of job (its name, e.g.
 * "reconcile") on the process's connection, held until the process ends.
 * 1: this run has it; 0: another run holds it (this one should exit
 * quietly); -1: the database is unreachable (logged).
 */
int zt_finance_lock(const char *job);

#endif
