"""The test stack runs the Razorpay emulator and points the responders at it.

Pins the scripts/dev side of docs/payments.md: ZT_TEST_RAZORPAY_URL, the
responders' ZT_RAZORPAY_* settings, the emulator's webhook URL (the stack's
/api/webhooks/razorpay) and `scripts/dev svc restart razorpay`.
"""
import os
import shlex
import time

import requests

KEYS = ("rzp_test_ztic", "rzp_test_secret")


def responder_env(stack_var):
    env = {}
    with open(os.path.join(stack_var, "env")) as f:
        for line in f:
            if line.startswith("export "):
                k, _, v = line[len("export "):].rstrip("\n").partition("=")
                env[k] = shlex.split(v)[0] if v else ""
    return env


def test_responders_point_at_the_emulator_with_test_keys(razorpay_url, stack_var):
    env = responder_env(stack_var)
    assert env["ZT_RAZORPAY_BASE_URL"] == razorpay_url
    assert (env["ZT_RAZORPAY_KEY_ID"], env["ZT_RAZORPAY_KEY_SECRET"]) == KEYS
    assert env["ZT_RAZORPAY_WEBHOOK_SECRET"] == "whsec_test"
    assert razorpay_url.startswith("http://127.0.0.1:")


def test_emulator_accepts_the_stack_keys(razorpay_url):
    r = requests.post(razorpay_url + "/v1/orders", auth=KEYS, timeout=10,
                      json={"amount": 10000, "currency": "INR", "receipt": "stack-check"})
    assert r.status_code == 200 and r.json()["id"].startswith("order_")
    assert requests.get(razorpay_url + "/v1/orders/" + r.json()["id"], auth=("rzp_test_ztic", "x"),
                        timeout=10).status_code == 401


def test_emulator_sends_webhooks_to_the_stack(razorpay_url, base_url):
    cfg = requests.get(razorpay_url + "/_fake/webhooks/config", timeout=10).json()
    assert cfg["webhook_url"] == base_url + "/api/webhooks/razorpay"
    assert cfg["webhook_secret_set"] is True and cfg["auto"] is True
    # what production subscribes to in the Dashboard (docs/payments.md,
    # and the payouts of docs/finance.md)
    assert cfg["events"] == ["payment.captured", "payment.failed",
                             "refund.processed", "refund.failed",
                             "transfer.processed", "transfer.failed",
                             "payout.processed", "payout.failed", "payout.reversed"]


def test_svc_restart_razorpay_keeps_its_port(razorpay_url, svc):
    svc("restart", "razorpay")
    deadline = time.monotonic() + 10
    while True:
        try:
            if requests.get(razorpay_url + "/_fake/health", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the emulator did not come back"
        time.sleep(0.1)
    assert requests.get(razorpay_url + "/_fake/state", timeout=10).json()["orders"] == []
