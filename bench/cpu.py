#!/usr/bin/python3
"""bench/cpu.py — CPU time the stack spent, by component (noise-proof).

    bench/cpu.py ZT_VAR snap FILE        remember every stack process's CPU
    bench/cpu.py ZT_VAR diff FILE        print {"component": ms, …} since then

A component is a pid file of $ZT_VAR/run (nginx, redis, seats, bookings,
health, …, razorpay, sweeper, jobs) or PostgreSQL (pg/postmaster.pid),
with all its descendants. Other engineers' work on the machine slows the
requests down but does not show up here: CPU per request is the figure to
compare between runs, req/s is the one to quote.
"""
import json
import os
import sys

TCK = os.sysconf("SC_CLK_TCK")


def components(var):
    roots = {}
    run = os.path.join(var, "run")
    for n in os.listdir(run):
        if n.endswith(".pid"):
            try:
                roots[n[:-4]] = int(open(os.path.join(run, n)).read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    try:
        roots["postgres"] = int(open(os.path.join(var, "pg", "postmaster.pid"))
                                .read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                st = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
                kids.setdefault(int(st[1]), []).append(int(p))
            except (OSError, IndexError):
                pass
    out = {}
    for name, r in roots.items():
        todo = [r]
        while todo:
            x = todo.pop()
            out[x] = name
            todo += kids.get(x, [])
    return out


def ticks(var):
    t = {}
    for p, name in components(var).items():
        try:
            st = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            # utime + stime, and cutime + cstime: the CPU of children that
            # ended and were waited for (each ztic-outbox run of the jobs
            # loop, PostgreSQL's autovacuum workers) lands in their parent
            t[str(p)] = [name, sum(int(x) for x in st[11:15])]
        except (OSError, IndexError):
            pass
    return t


def main():
    var, cmd, path = sys.argv[1:4]
    if cmd == "snap":
        with open(path, "w") as f:
            json.dump(ticks(var), f)
        return
    before = json.load(open(path))
    agg = {}
    for p, (name, v) in ticks(var).items():
        v0 = before.get(p, [name, 0])[1]
        agg[name] = agg.get(name, 0) + max(v - v0, 0)
    print(json.dumps({k: round(v * 1000.0 / TCK, 1) for k, v in agg.items() if v}))


if __name__ == "__main__":
    main()
