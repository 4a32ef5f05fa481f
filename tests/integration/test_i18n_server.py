"""The server's messages in English and Hindi (issue #23, "Hindi";
docs/web.md, "Server messages"): API errors keep their code and speak the
request's language (the account's, else Accept-Language by q-value, else
English); sign-in codes and emails go out in the recipient's language;
the catalogues web/i18n/{en,hi}.json carry every error code the source
can produce, with the same keys and placeholders in both languages."""

import glob
import json
import os
import random
import re
import time
import uuid

import psycopg2
import pytest

from ztauth import Browser, PROVIDER, code_from, fake_messages, sign_in
from ztbook import Person, Shop, run_cron

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
I18N = os.path.join(ROOT, "web", "i18n")

DEVANAGARI = re.compile("[\u0900-\u097f]")
BAD_CHANNEL_EN = "field 'channel' must be email, sms or whatsapp"


def catalogue(lang):
    with open(os.path.join(I18N, lang + ".json"), encoding="utf-8") as f:
        text = f.read()
    return text, json.loads(text)


def server_keys(cat):
    return {k: v for k, v in cat.items() if k.startswith("server.")}


def new_phone():
    return "9" + "".join(random.choice("0123456789") for _ in range(9))


def bad_send(b, headers=None):
    """An OTP send with a bad channel: 400 invalid_field naming 'channel'."""
    return b.call("POST", "/api/auth/otp/send", {"channel": "pigeon", "to": "x"},
                  headers=headers, auth=False)


# ------------------------------------------------------------ catalogues --

# codes that reach the client from outside a literal call the scan sees:
# the waiting room's Lua scripts answer them (lib/zt_queue.c passes them on)
EXTRA_CODES = {"queue_not_open", "not_in_queue"}


def error_codes():
    """Every error code string literal of lib/, cgi-bin/ and cron/: the
    code argument of zt_fail/zt_error_set/zt_rate_refuse and of the
    modules' refuse() helpers, and the default codes of lib/zt_err.c."""
    files = []
    for d in ("lib", "cgi-bin", "cron"):
        files += glob.glob(os.path.join(ROOT, d, "*.c"))
    call = re.compile(
        r'\b(?:zt_fail|zt_error_set|zt_rate_refuse|refuse)\(\s*[^,()]+,\s*'
        r'(?:ZT_E[A-Z]+,\s*)?"([a-z][a-z0-9_]*)"')
    codes = {}
    for f in sorted(files):
        with open(f, encoding="utf-8") as fh:
            for m in call.finditer(fh.read()):
                codes.setdefault(m.group(1), os.path.relpath(f, ROOT))
    with open(os.path.join(ROOT, "lib", "zt_err.c"), encoding="utf-8") as fh:
        for m in re.finditer(r'\[ZT_\w+\]\s*=\s*\{\d+,\s*"([a-z_]+)"\}', fh.read()):
            if m.group(1) != "ok":
                codes.setdefault(m.group(1), "lib/zt_err.c")
    for c in EXTRA_CODES:
        codes.setdefault(c, "lib/lua")
    return codes


def test_every_error_code_has_a_text_in_both_languages():
    codes = error_codes()
    # the scan finds the codes of the buying flow, sign-in, holds,
    # bookings, transfers and promo codes (a scan that found nothing would
    # pass vacuously)
    for must in ("seats_taken", "sold_out", "invalid_code", "code_expired",
                 "hold_not_found", "booking_not_found", "transfer_to_self",
                 "promo_expired", "invalid_field", "rate_limited"):
        assert must in codes, must
    assert len(codes) > 120
    for lang in ("en", "hi"):
        _, cat = catalogue(lang)
        missing = sorted(f"{c} ({where})" for c, where in codes.items()
                         if "server.error." + c not in cat)
        assert not missing, f"{lang}.json lacks server.error.* for: " + ", ".join(missing)


def test_hindi_texts_are_hindi():
    _, en = catalogue("en")
    _, hi = catalogue("hi")
    for k, v in server_keys(hi).items():
        if k.startswith("server.error.") or k.startswith("server.email."):
            assert DEVANAGARI.search(v), f"{k} is not in Hindi: {v!r}"


def test_en_and_hi_have_the_same_keys_and_placeholders():
    _, en = catalogue("en")
    _, hi = catalogue("hi")
    en_s, hi_s = server_keys(en), server_keys(hi)
    assert sorted(en_s) == sorted(hi_s), set(en_s) ^ set(hi_s)
    ph = re.compile(r"\{([A-Za-z]+)\}")
    for k in en_s:
        assert sorted(ph.findall(en_s[k])) == sorted(ph.findall(hi_s[k])), k
        assert en_s[k].strip() and hi_s[k].strip(), k


def test_catalogues_are_sorted_one_key_a_line():
    """So the web keys and the server keys merge line by line."""
    for lang in ("en", "hi"):
        text, cat = catalogue(lang)
        lines = text.strip().splitlines()
        assert lines[0] == "{" and lines[-1] == "}"
        keys = [json.loads("{" + ln.rstrip(",") + "}").popitem()[0] for ln in lines[1:-1]]
        assert keys == sorted(keys) and len(keys) == len(cat), lang


def test_english_texts_match_todays_messages():
    """Where a code has one fixed English message, the catalogue says it."""
    _, en = catalogue("en")
    for code, msg in {
            "seats_taken": "some of these seats are held by someone else or sold",
            "transfer_to_self": "this ticket is yours already",
            "no_holds": "hold some seats or tickets first",
            "promo_expired": "this promo code has expired",
            "invitation_revoked": "this invitation was withdrawn"}.items():
        assert en["server.error." + code] == msg


# -------------------------------------------------------- API errors --

def test_accept_language_hi_gives_a_hindi_message_with_the_same_code(base_url):
    b = Browser(base_url)
    en = bad_send(b)
    assert en.status_code == 400
    assert en.json()["error"] == {"code": "invalid_field", "message": BAD_CHANNEL_EN}
    hi = bad_send(b, {"Accept-Language": "hi-IN,hi;q=0.9"})
    assert hi.status_code == 400
    err = hi.json()["error"]
    assert err["code"] == "invalid_field"
    assert DEVANAGARI.search(err["message"]), err
    assert "'channel'" in err["message"]  # still names the field
    assert hi.headers.get("Content-Language") == "hi"
    assert hi.headers["Content-Type"].lower().endswith("charset=utf-8")
    # another code, naming no field
    r = b.call("GET", f"/api/bookings/{uuid.uuid4()}",
               headers={"Accept-Language": "hi"}, auth=False)
    assert r.json()["error"]["code"] in ("unauthenticated",)
    assert DEVANAGARI.search(r.json()["error"]["message"])


@pytest.mark.parametrize("header,lang", [
    ("en;q=0.5, hi;q=0.9", "hi"),
    ("hi;q=0.4, en;q=0.8", "en"),
    ("fr-FR, hi;q=0.3", "hi"),
    ("hi;q=0, en;q=0.1", "en"),
    ("hi;q=0", "en"),
    ("fr, de;q=0.9", "en"),
    ("hi;q=7", "en"),               # malformed: ignored
    ("hindi", "en"),                # not a language tag of ours
    ("x" * 2000 + ",hi;q=0.2", "hi"),
    (";;;,,, ;q=", "en"),
])
def test_q_values_choose_the_language(base_url, header, lang):
    r = bad_send(Browser(base_url), {"Accept-Language": header})
    assert r.status_code == 400
    msg = r.json()["error"]["message"]
    if lang == "hi":
        assert DEVANAGARI.search(msg), msg
    else:
        assert msg == BAD_CHANNEL_EN


def test_the_account_language_wins_and_is_kept(base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url)
    assert body["user"]["lang"] == "en"
    r = b.call("PATCH", "/api/auth/me", {"lang": "hi"})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["lang"] == "hi"
    assert b.call("GET", "/api/auth/me").json()["user"]["lang"] == "hi"
    # the name still changes alone, the language stays
    r = b.call("PATCH", "/api/auth/me", {"name": "Asha"})
    assert r.status_code == 200 and r.json()["user"]["lang"] == "hi"
    # a signed-in error, even with an English browser: Hindi
    r = b.call("GET", f"/api/bookings/{uuid.uuid4()}",
               headers={"Accept-Language": "en"})
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "booking_not_found"
    assert DEVANAGARI.search(err["message"]), err
    # back to English: the message as the code writes it
    r = b.call("PATCH", "/api/auth/me", {"lang": "en"},
               headers={"Accept-Language": "hi"})
    assert r.status_code == 200 and r.json()["user"]["lang"] == "en"
    r = b.call("GET", f"/api/bookings/{uuid.uuid4()}")
    assert r.json()["error"]["code"] == "booking_not_found"
    assert not DEVANAGARI.search(r.json()["error"]["message"])


@pytest.mark.parametrize("value", ["fr", "HI", "hi-IN", "", " hi", 5, None,
                                   ["hi"], "en;q=1", "hi" * 20])
def test_a_bad_lang_is_400_naming_the_field(base_url, fakes_url, value):
    b, _ = sign_in(base_url, fakes_url)
    r = b.call("PATCH", "/api/auth/me", {"lang": value})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert "'lang'" in err["message"], err
    assert b.call("GET", "/api/auth/me").json()["user"]["lang"] == "en"


def test_a_bad_name_with_a_good_lang_changes_nothing(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    r = b.call("PATCH", "/api/auth/me", {"lang": "hi", "name": "\u0007"})
    assert r.status_code == 400
    assert b.call("GET", "/api/auth/me").json()["user"]["lang"] == "en"
    r = b.call("PATCH", "/api/auth/me", {})
    assert r.status_code == 400
    r = b.call("PATCH", "/api/auth/me", {"lang": "hi", "tenantId": "x"})
    assert r.status_code == 400


def test_lang_is_only_the_callers(base_url, fakes_url, pg_owner_dsn):
    """PATCH acts on the token's user: another account stays as it was."""
    a, abody = sign_in(base_url, fakes_url)
    b, bbody = sign_in(base_url, fakes_url)
    assert a.call("PATCH", "/api/auth/me", {"lang": "hi"}).status_code == 200
    with psycopg2.connect(pg_owner_dsn) as conn, conn.cursor() as cur:
        cur.execute("select lang from users where id = %s", (bbody["user"]["id"],))
        assert cur.fetchone()[0] == "en"
    assert b.call("PATCH", "/api/auth/me", {"lang": "hi"}, auth=False).status_code == 401


# ------------------------------------------------------ codes and emails --

def newest(fakes_url, provider, to, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        msgs = fake_messages(fakes_url, provider, to)
        if msgs:
            return msgs[-1]
        time.sleep(0.1)
    raise AssertionError(f"nothing reached {provider} for {to}")


def test_sign_in_code_in_the_accounts_language(base_url, fakes_url, pg_owner_dsn):
    phone = new_phone()
    b, body = sign_in(base_url, fakes_url, channel="sms", to=phone)
    to = "+91" + phone[-10:]
    first = newest(fakes_url, "twilio", to)
    assert "sign-in code" in first["text"]  # English by default
    assert b.call("PATCH", "/api/auth/me", {"lang": "hi"}).status_code == 200
    # signed out, from an English browser: the account's Hindi
    r = Browser(base_url).call("POST", "/api/auth/otp/send",
                               {"channel": "sms", "to": phone},
                               headers={"Accept-Language": "en"}, auth=False)
    assert r.status_code == 202, r.text
    deadline = time.time() + 10
    while True:
        msgs = fake_messages(fakes_url, "twilio", to)
        if len(msgs) >= 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    sms = msgs[-1]["text"]
    assert DEVANAGARI.search(sms), sms
    assert re.search(r"\b\d{6}\b", sms)
    assert "sign-in code" not in sms


def test_sign_in_code_for_a_new_address_follows_accept_language(base_url, fakes_url):
    to = f"hi-{uuid.uuid4().hex[:10]}@test.ztic.in"
    r = Browser(base_url).call("POST", "/api/auth/otp/send",
                               {"channel": "email", "to": to},
                               headers={"Accept-Language": "hi"}, auth=False)
    assert r.status_code == 202, r.text
    m = newest(fakes_url, "resend", to)
    assert DEVANAGARI.search(m["subject"]) and DEVANAGARI.search(m["text"])
    assert DEVANAGARI.search(m["html"])
    assert re.search(r"\b\d{6}\b", m["text"])
    assert m["headers"]["content-type"].lower().endswith("charset=utf-8")


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


def test_ticket_email_in_hindi(shop, base_url, stack_var, fakes_url):
    t = shop.tenant()
    ev = shop.event(t, seats=3, seat_price=0)
    uid = shop.user("buyer")
    with shop.tx() as cur:
        cur.execute("update users set lang = 'hi' where id = %s returning email", (uid,))
        email = cur.fetchone()[0]
    p = Person(base_url, stack_var, uid)
    p.hold(ev, ev["seats"][:2])
    r = p.book(ev)
    assert r.status_code == 201, r.text
    run_cron(stack_var, "outbox")
    m = newest(fakes_url, "resend", email)
    title = shop.one("select title from events where id = %s", (ev["id"],))[0]
    # the subject in Hindi with the organizer's title as written
    assert title in m["subject"] and DEVANAGARI.search(m["subject"]), m["subject"]
    text = m["text"]
    assert "Hi " not in text and "Total paid" not in text
    assert "\u20b90.00" in text  # money as the pages write it
    # the time in Hindi: a Hindi weekday and month, the zone as written
    assert re.search("(रवि|सोम|मंगल|बुध|गुरु|शुक्र|शनि), \\d{1,2} \\S+ \\d{4}, "
                     "\\d{1,2}:\\d\\d (am|pm) ", text), text
    assert DEVANAGARI.search(m["html"])
    # the same booking's English buyer gets English
    uid2 = shop.user("other")
    p2 = Person(base_url, stack_var, uid2)
    p2.hold(ev, ev["seats"][2:3])
    assert p2.book(ev).status_code == 201
    run_cron(stack_var, "outbox")
    email2 = shop.one("select email from users where id = %s", (uid2,))[0]
    m2 = newest(fakes_url, "resend", email2)
    assert m2["subject"] == f"Your tickets for {title}"
    assert not DEVANAGARI.search(m2["text"].replace(title, ""))
