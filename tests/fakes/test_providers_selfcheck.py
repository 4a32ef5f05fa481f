"""Self-check of tests/fakes/providers.py (pytest + requests).

    /usr/bin/python3 -m pytest -q tests/fakes/test_providers_selfcheck.py

Starts its own fake on a free port; does not touch a running stack.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "providers.py")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TW = "/2010-04-01/Accounts/ACtest/Messages.json"


@pytest.fixture(scope="module")
def fake():
    d = tempfile.mkdtemp(prefix="zt-fake-selfcheck.")
    port_file, log = os.path.join(d, "port"), os.path.join(d, "log")
    p = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--port-file", port_file, "--log", log],
                         stdout=subprocess.PIPE, text=True, env={k: v for k, v in os.environ.items()
                                                                 if not k.startswith("ZT_")})
    try:
        assert p.stdout.readline().strip() == "ready"
        with open(port_file) as f:
            base = "http://127.0.0.1:%d" % int(f.read())
        yield base, log
    finally:
        p.terminate()
        p.wait(10)


@pytest.fixture(autouse=True)
def reset(fake):
    requests.post(fake[0] + "/_fake/reset").raise_for_status()


def resend(base, body, key="re_test_key", **headers):
    h = {"Content-Type": "application/json"}
    if key is not None:
        h["Authorization"] = "Bearer " + key
    h.update(headers)
    return requests.post(base + "/emails", data=json.dumps(body), headers=h)


EMAIL = {"from": "ztic <no-reply@ztic.in>", "to": "a@example.com", "subject": "Hi", "text": "hello"}


def test_resend_ok_and_recorded(fake):
    base, log = fake
    r = resend(base, EMAIL)
    assert r.status_code == 200 and UUID.match(r.json()["id"])
    msgs = requests.get(base + "/_fake/messages", params={"provider": "resend", "to": "A@example.com"}).json()
    assert [m["id"] for m in msgs] == [r.json()["id"]]
    assert msgs[0]["subject"] == "Hi" and msgs[0]["text"] == "hello"
    with open(log) as f:
        assert any(json.loads(line)["id"] == r.json()["id"] for line in f)


def test_resend_auth_and_validation(fake):
    base, _ = fake
    r = resend(base, EMAIL, key=None)
    assert r.status_code == 401 and r.json()["name"] == "missing_api_key"
    r = resend(base, EMAIL, key="wrong")
    assert r.status_code == 403 and r.json()["name"] == "invalid_api_key"
    r = resend(base, {k: v for k, v in EMAIL.items() if k != "to"})
    assert r.status_code == 422 and r.json()["statusCode"] == 422
    r = resend(base, dict(EMAIL, to="nope"))
    assert r.status_code == 422 and r.json()["name"] == "validation_error"
    rej = requests.get(base + "/_fake/rejected", params={"provider": "resend"}).json()
    assert [x["status"] for x in rej] == [401, 403, 422, 422]
    assert requests.get(base + "/_fake/messages").json() == []


def test_resend_idempotency(fake):
    base, _ = fake
    a = resend(base, EMAIL, **{"Idempotency-Key": "k1"})
    b = resend(base, EMAIL, **{"Idempotency-Key": "k1"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    c = resend(base, dict(EMAIL, text="other"), **{"Idempotency-Key": "k1"})
    assert c.status_code == 409 and c.json()["name"] == "invalid_idempotent_request"
    assert len(requests.get(base + "/_fake/messages").json()) == 1


def test_twilio(fake):
    base, _ = fake
    form = {"To": "+919876543210", "From": "+15005550006", "Body": "hi & bye"}
    r = requests.post(base + TW, data=form, auth=("ACtest", "twilio_test_token"))
    assert r.status_code == 201
    j = r.json()
    assert re.match(r"^SM[0-9a-f]{32}$", j["sid"]) and j["status"] == "queued" and j["body"] == "hi & bye"
    r = requests.post(base + TW, data=form, auth=("ACtest", "bad"))
    assert r.status_code == 401 and r.json()["code"] == 20003
    r = requests.post(base + "/2010-04-01/Accounts/ACother/Messages.json", data=form,
                      auth=("ACtest", "twilio_test_token"))
    assert r.status_code == 401
    r = requests.post(base + TW, data={"From": "+15005550006", "Body": "x"}, auth=("ACtest", "twilio_test_token"))
    assert r.status_code == 400 and r.json()["code"] == 21604
    # '+' in the query string arrives as a space: the filter compares digits
    msgs = requests.get(base + "/_fake/messages?provider=twilio&to=+919876543210").json()
    assert len(msgs) == 1 and msgs[0]["body"] == "hi & bye"


def test_gupshup(fake):
    base, _ = fake
    form = {"channel": "whatsapp", "source": "917834811114", "destination": "919876543210",
            "message": json.dumps({"type": "text", "text": "hello"}), "src.name": "ztic"}
    r = requests.post(base + "/wa/api/v1/msg", data=form, headers={"apikey": "gupshup_test_key"})
    assert r.status_code == 202 and r.json()["status"] == "submitted" and UUID.match(r.json()["messageId"])
    r = requests.post(base + "/wa/api/v1/msg", data=form, headers={"apikey": "bad"})
    assert r.status_code == 401 and r.json() == {"status": "error", "message": "Authentication Failed"}
    r = requests.post(base + "/wa/api/v1/msg", data=dict(form, destination="+919876543210"),
                      headers={"apikey": "gupshup_test_key"})
    assert r.status_code == 400
    msgs = requests.get(base + "/_fake/messages", params={"provider": "gupshup", "to": "+919876543210"}).json()
    assert len(msgs) == 1 and msgs[0]["text"] == "hello" and msgs[0]["to"] == "919876543210"


def test_injected_failure(fake):
    base, _ = fake
    assert requests.post(base + "/_fake/fail", json={"provider": "twilio", "status": 503, "count": 2}).ok
    form = {"To": "+919876543210", "From": "+15005550006", "Body": "x"}
    codes = [requests.post(base + TW, data=form, auth=("ACtest", "twilio_test_token")).status_code
             for _ in range(3)]
    assert codes == [503, 503, 201]
    rej = requests.get(base + "/_fake/rejected").json()
    assert [x["reason"] for x in rej] == ["injected failure: 503"] * 2
