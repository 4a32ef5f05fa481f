"""GET /metrics (docs/operations.md, "Metrics"): the Prometheus text format,
counters shared by every worker of a pool, histograms that add up, the
domain counters where things happen, and nginx's allow-list."""

import http.client
import json
import os
import random
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from test_bookings import rzp, shop  # noqa: F401 (fixtures)
from ztbook import Person, run_cron

LABELS = {"program", "method", "route", "status", "le", "job"}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def scrape(base_url):
    r = requests.get(base_url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(text, name, **labels):
    """The value of the sample name{labels} (0 when absent)."""
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()) \
                    and len(s.labels) == len(labels):
                return s.value
    return 0


def log_lines(stack_var, area):
    with open(os.path.join(stack_var, "log", f"{area}.log")) as f:
        return [json.loads(l) for l in f if l.startswith("{")]


def test_metrics_is_valid_exposition_with_every_part(base_url, api):
    api.get("/api/health")
    text = scrape(base_url)
    fams = families(text)  # raises on a malformed line
    for name in ("ztic_requests", "ztic_request_duration_seconds",
                 "ztic_holds_taken", "ztic_holds_refused", "ztic_holds_expired",
                 "ztic_bookings_created", "ztic_bookings_confirmed",
                 "ztic_bookings_expired", "ztic_payments_captured",
                 "ztic_payments_failed", "ztic_refunds", "ztic_checkins",
                 "ztic_postgres_up", "ztic_postgres_rtt_seconds",
                 "ztic_redis_up", "ztic_redis_rtt_seconds",
                 "ztic_outbox_pending", "ztic_outbox_oldest_seconds",
                 "ztic_live_up", "ztic_live_subscribers"):
        assert name in fams, name
    assert fams["ztic_request_duration_seconds"].type == "histogram"
    assert fams["ztic_requests"].type == "counter"
    assert sample(text, "ztic_postgres_up") == 1
    assert sample(text, "ztic_redis_up") == 1
    assert sample(text, "ztic_live_up") == 1
    assert 0 < sample(text, "ztic_postgres_rtt_seconds") < 1
    # every line is HELP, TYPE or a sample; names are ours
    for line in text.splitlines():
        assert line.startswith(("# HELP ztic_", "# TYPE ztic_", "ztic_")), line


def test_counts_add_up_across_the_workers_of_a_pool(base_url, stack_var, pool_workers):
    """N requests spread over the health pool's workers: the counter of
    their route and status goes up by exactly N, and the log shows that
    more than one worker served them."""
    assert len(pool_workers("health")) >= 2
    key = dict(program="health", method="GET", route="/api/health", status="200")
    before = sample(scrape(base_url), "ztic_requests_total", **key)
    n = 60

    def one(_):
        c = http.client.HTTPConnection(base_url.split("//")[1], timeout=10)
        c.request("GET", "/api/health")
        r = c.getresponse()
        r.read()
        c.close()
        assert r.status == 200
        return r.getheader("X-Request-Id")

    with ThreadPoolExecutor(8) as ex:
        rids = set(ex.map(one, range(n)))
    assert len(rids) == n
    after = sample(scrape(base_url), "ztic_requests_total", **key)
    assert after - before == n
    pids = {l["pid"] for l in log_lines(stack_var, "health")
            if l.get("event") == "request" and l.get("rid") in rids}
    assert len(pids) >= 2, "one worker served every request: nothing was aggregated"


def test_histograms_are_cumulative_and_match_their_count(base_url, api):
    for _ in range(5):
        api.get("/api/events/" + str(uuid.uuid4()))
    text = scrape(base_url)
    fam = families(text)["ztic_request_duration_seconds"]
    series = {}
    for s in fam.samples:
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        series.setdefault(key, {"buckets": [], "count": None, "sum": None})
        if s.name.endswith("_bucket"):
            series[key]["buckets"].append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_count"):
            series[key]["count"] = s.value
        elif s.name.endswith("_sum"):
            series[key]["sum"] = s.value
    assert series
    seen_404 = False
    for key, v in series.items():
        b = sorted(v["buckets"])
        assert b[-1][0] == float("inf")
        counts = [c for _, c in b]
        assert counts == sorted(counts), (key, counts)
        assert b[-1][1] == v["count"], key
        assert v["sum"] >= 0
        labels = dict(key)
        if labels.get("route") == "/api/events/:id" and labels.get("status") == "404":
            seen_404 = v["count"] >= 5
    assert seen_404


def test_routes_are_patterns_and_no_label_names_a_user(base_url, api, shop, stack_var):
    t = shop.tenant()
    ev = shop.event(t, seats=2, seat_price=0)
    b = Person(base_url, stack_var, shop.user("metrics"))
    b.hold(ev, ev["seats"][:1])
    odd = "zz-" + uuid.uuid4().hex
    api.get(f"/api/events/{odd}/{odd}/{odd}")
    text = scrape(base_url)
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            assert set(s.labels) <= LABELS, s
            for v in s.labels.values():
                assert not UUID_RE.search(v), s
    assert odd not in text
    assert b.id not in text and t not in text and ev["id"] not in text
    assert sample(text, "ztic_requests_total", program="events", method="",
                  route="unmatched", status="404") >= 1


def test_domain_counters_go_up_where_things_happen(base_url, shop, stack_var):
    t = shop.tenant()
    ev = shop.event(t, seats=3, seat_price=0)
    names = ("ztic_holds_taken_total", "ztic_holds_refused_total",
             "ztic_bookings_created_total", "ztic_bookings_confirmed_total")
    before = scrape(base_url)
    a = Person(base_url, stack_var, shop.user("a"))
    c = Person(base_url, stack_var, shop.user("c"))
    a.hold(ev, ev["seats"][:1])
    r = c.call("POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][:1]})
    assert r.status_code == 409, r.text
    r = a.book(ev)
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    after = scrape(base_url)
    d = {n: sample(after, n) - sample(before, n) for n in names}
    # other tests' requests do not run meanwhile (pytest runs one at a time)
    assert d == {"ztic_holds_taken_total": 1, "ztic_holds_refused_total": 1,
                 "ztic_bookings_created_total": 1,
                 "ztic_bookings_confirmed_total": 1}, d


def test_a_paid_booking_counts_once_through_both_doors(base_url, shop, stack_var, rzp):
    """Checkout's proof, then the webhook, then the proof again: one
    booking confirmed, one payment captured."""
    names = ("ztic_bookings_created_total", "ztic_bookings_confirmed_total",
             "ztic_payments_captured_total", "ztic_payments_failed_total")
    rzp.webhooks(auto=False)
    t = shop.tenant()
    ev = shop.event(t, seats=2)
    b = Person(base_url, stack_var, shop.user("paid"))
    before = scrape(base_url)
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    pay = rzp.pay(body["payment"]["orderId"])
    proof = {"bookingId": body["id"], **pay}
    r = b.call("POST", "/api/bookings/confirm", proof)
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
    rzp.deliver()
    assert b.call("POST", "/api/bookings/confirm", proof).status_code == 200
    after = scrape(base_url)
    d = {n: sample(after, n) - sample(before, n) for n in names}
    assert d == {"ztic_bookings_created_total": 1,
                 "ztic_bookings_confirmed_total": 1,
                 "ztic_payments_captured_total": 1,
                 "ztic_payments_failed_total": 0}, d


def test_cron_runs_report_their_last_success(base_url, stack_var):
    t0 = time.time()
    run_cron(stack_var, "expire")
    text = scrape(base_url)
    assert sample(text, "ztic_job_last_success_seconds", job="expire") >= int(t0)
    assert sample(text, "ztic_job_runs_total", job="expire") >= 1
    assert 0 <= sample(text, "ztic_job_duration_seconds", job="expire") < 60


def _from(base_url, source, headers=None):
    host, port = base_url.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10,
                                   source_address=(source, 0))
    c.request("GET", "/metrics", headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


def test_metrics_are_refused_from_other_addresses(base_url):
    """The test stack exempts 127.0.0.0/8 from the limits, but /metrics
    allows only 127.0.0.1 (and ZT_NGINX_METRICS_ALLOW)."""
    other = "127.255.%d.%d" % (random.randrange(256), random.randrange(1, 255))
    r, body = _from(base_url, other)
    assert r.status == 403
    assert json.loads(body)["error"]["code"] == "forbidden"
    assert b"ztic_" not in body
    # a forged X-Forwarded-For from an untrusted address changes nothing
    r, body = _from(base_url, other, {"X-Forwarded-For": "127.0.0.1"})
    assert r.status == 403
    # a trusted proxy (127.0.0.2 in the test stack) forwarding a client
    # elsewhere: that client is refused too
    r, body = _from(base_url, "127.0.0.2", {"X-Forwarded-For": "203.0.113.7"})
    assert r.status == 403
    r, body = _from(base_url, "127.0.0.1")
    assert r.status == 200 and b"ztic_requests_total" in body
