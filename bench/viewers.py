#!/usr/bin/env python3
"""bench/viewers.py - people watching a seat map while a sale runs.

    viewers.py PORT EVENT N SECONDS [SKIP]

Opens N EventSource connections to /live/events/EVENT (as browsers do,
through nginx and the seats responder), keeps them SECONDS, and prints one
JSON line: connections, nchan messages received (a batch counts once) and
the seat changes they carried (a batch's msgs each), per connection.  What
arrives in the first SKIP seconds (default 3) is not counted: nchan
replays its buffer of earlier messages to a new subscriber.
Row 3s of bench/run runs it beside row 3's locks: how much of the fan-out
the batches of docs/live.md save.
"""
import asyncio
import json
import sys


async def viewer(port, event, stats, stop, counting):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        stats["failed"] += 1
        return
    w.write(("GET /live/events/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Accept: text/event-stream\r\n\r\n" % event).encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        stats["failed"] += 1
        w.close()
        return
    stats["connected"] += 1
    buf = b""
    while not stop.is_set():
        try:
            chunk = await asyncio.wait_for(r.read(65536), 0.5)
        except asyncio.TimeoutError:
            continue
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.startswith(b"data: ") or not counting.is_set():
                continue
            stats["messages"] += 1
            # each change carries its "v"; a batch's envelope one more
            v = line.count(b'"v":')
            stats["changes"] += v - 1 if b'"type":"batch"' in line else v
    w.close()


async def main():
    port, event, n, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4])
    skip = float(sys.argv[5]) if len(sys.argv) > 5 else 3.0
    stats = {"connected": 0, "failed": 0, "messages": 0, "changes": 0}
    stop, counting = asyncio.Event(), asyncio.Event()
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(viewer(int(port), event, stats,
                                                stop, counting)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.sleep(skip)
    counting.set()
    await asyncio.sleep(max(secs - skip, 0))
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    c = max(stats["connected"], 1)
    stats["messages_per_viewer"] = round(stats["messages"] / c, 1)
    stats["changes_per_viewer"] = round(stats["changes"] / c, 1)
    print(json.dumps(stats))


asyncio.run(main())
