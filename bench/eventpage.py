#!/usr/bin/python3
"""bench/eventpage.py — what one build of the event page costs, by process.

    bench/eventpage.py ZT_VAR URL EVENT_ID [N]

Builds GET URL (the public event page, /api/events/EVENT_ID) N times
(default 20), each after bumping the event's map version in Redis
(zt:{ev:ID}:map) so that the events worker builds it again instead of
answering what it kept, as bench/run row 9b does. Prints one JSON line:
the CPU per build of each stack process (bench/cpu.py's components,
utime + stime: the machine's other load does not move it), and the
median and lowest wall time of one build. Wants a quiet stack (a kept
bench stack: ZTB_KEEP=1 ZTB_ROWS=9 bench/run).
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu  # noqa: E402


def main():
    var, url, ev = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    sock = os.path.join(var, "run", "redis.sock")
    walls = []
    size = 0
    urllib.request.urlopen(url).read()  # warm: the worker's plans
    before = cpu.ticks(var)
    for _ in range(n):
        subprocess.run(["redis-cli", "-s", sock, "INCR",
                        "zt:{ev:%s}:map" % ev], check=True,
                       stdout=subprocess.DEVNULL)
        t = time.monotonic()
        size = len(urllib.request.urlopen(url).read())
        walls.append(time.monotonic() - t)
    after = cpu.ticks(var)
    agg = {}
    for p, (name, v) in after.items():
        agg[name] = agg.get(name, 0) + max(v - before.get(p, [name, 0])[1], 0)
    walls.sort()
    print(json.dumps({
        "builds": n, "bytes": size,
        "cpu_ms_per_build": {k: round(v * 1000.0 / cpu.TCK / n, 1)
                             for k, v in sorted(agg.items()) if v},
        "wall_ms_median": round(walls[n // 2] * 1000, 1),
        "wall_ms_min": round(walls[0] * 1000, 1)}))


if __name__ == "__main__":
    main()
