#!/usr/bin/python3
"""bench/qjoin.py BASE EVENT TOKENS N: N distinct users (the first N
tokens) join the event's waiting room through nginx, 16 at a time
(bench/run row q); prints the seconds it took."""
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, ev, tokens_f, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tokens = open(tokens_f).read().split()[:n]


def join(tok):
    req = urllib.request.Request(base + "/api/queue/" + ev, b"", {
        "Authorization": "Bearer " + tok}, method="POST")
    with urllib.request.urlopen(req, timeout=20) as r:
        assert r.status == 200


t0 = time.time()
with ThreadPoolExecutor(16) as ex:
    list(ex.map(join, tokens))
print("%.3f" % (time.time() - t0))
