"""The person's own account (issue #23, "Profiles and personal data";
docs/privacy.md): a name, a second identifier proven by a code, and the
sessions they can see and end — with the attacks on each."""

import random
import uuid

import pytest

from ztauth import Browser, PROVIDER, code_from, sign_in


def new_email():
    return f"p-{uuid.uuid4().hex[:12]}@test.ztic.in"


def new_phone():
    return "9" + "".join(random.choice("0123456789") for _ in range(9))


def add_ident(b, fakes_url, channel, to, recipient=None):
    r = b.call("POST", "/api/auth/me/identifiers", {"channel": channel, "to": to})
    assert r.status_code == 202, r.text
    code = code_from(fakes_url, PROVIDER[channel], recipient or to)
    return r.json()["challengeId"], code


# ------------------------------------------------------------------ name --

def test_set_name_shows_in_me(base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url)
    assert body["user"]["name"] == ""
    r = b.call("PATCH", "/api/auth/me", {"name": "  Asha Verma  "})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["name"] == "Asha Verma"
    assert b.call("GET", "/api/auth/me").json()["user"]["name"] == "Asha Verma"
    # Devanagari is a name too
    r = b.call("PATCH", "/api/auth/me", {"name": "आशा वर्मा"})
    assert r.status_code == 200 and r.json()["user"]["name"] == "आशा वर्मा"


def test_a_name_given_later_reaches_the_organizer(pg_owner_dsn, base_url,
                                                  fakes_url, stack_var):
    """Bookings made while nameless get the name; the organizer sees it."""
    from ztbook import Person, Shop
    shop = Shop(pg_owner_dsn)
    try:
        b, body = sign_in(base_url, fakes_url)
        owner = shop.user("owner")
        t = shop.tenant(owner)
        ev = shop.event(t, seats=2, seat_price=0)
        p = Person(base_url, stack_var, body["user"]["id"])
        p.hold(ev, ev["seats"][:1])
        bid = p.book(ev).json()["id"]
        org = Person(base_url, stack_var, owner, t, "owner")
        assert org.call("GET", f"/api/bookings/{bid}").json()["buyer"].get("name") in ("", None)
        assert b.call("PATCH", "/api/auth/me", {"name": "Kavya Iyer"}).status_code == 200
        assert org.call("GET", f"/api/bookings/{bid}").json()["buyer"]["name"] == "Kavya Iyer"
        # a second change does not rewrite what the booking now records
        b.call("PATCH", "/api/auth/me", {"name": "K. Iyer"})
        assert org.call("GET", f"/api/bookings/{bid}").json()["buyer"]["name"] == "Kavya Iyer"
    finally:
        shop.purge()


@pytest.mark.parametrize("name", ["", "   ", "a" * 101, "bad\nname", 5, None])
def test_bad_names_are_400_naming_the_field(base_url, fakes_url, name):
    b, _ = sign_in(base_url, fakes_url)
    r = b.call("PATCH", "/api/auth/me", {"name": name})
    assert r.status_code == 400, r.text
    assert "name" in r.json()["error"]["message"]


def test_name_needs_a_signed_in_caller(base_url):
    r = Browser(base_url).call("PATCH", "/api/auth/me", {"name": "X"})
    assert r.status_code == 401


# ----------------------------------------------------- second identifier --

def test_add_a_phone_to_an_email_account(base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url)
    phone = new_phone()
    cid, code = add_ident(b, fakes_url, "sms", phone, "+91" + phone)
    r = b.call("POST", "/api/auth/me/identifiers/verify",
               {"challengeId": cid, "code": code})
    assert r.status_code == 200, r.text
    user = r.json()["user"]
    assert user["phone"] == "+91" + phone and user["email"] == body["user"]["email"]
    # signing in with the phone now finds the same account
    _, again = sign_in(base_url, fakes_url, "sms", phone)
    assert again["user"]["id"] == body["user"]["id"]


def test_add_an_email_to_a_phone_account(base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url, "sms")
    email = new_email()
    cid, code = add_ident(b, fakes_url, "email", email)
    r = b.call("POST", "/api/auth/me/identifiers/verify",
               {"challengeId": cid, "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["email"] == email
    _, again = sign_in(base_url, fakes_url, "email", email)
    assert again["user"]["id"] == body["user"]["id"]


def test_an_identifier_of_another_account_is_409_without_saying_whose(
        base_url, fakes_url):
    _, other = sign_in(base_url, fakes_url)
    b, _ = sign_in(base_url, fakes_url, "sms")
    taken = other["user"]["email"]
    r = b.call("POST", "/api/auth/me/identifiers",
               {"channel": "email", "to": taken.upper()})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "identifier_taken"
    assert other["user"]["id"] not in r.text and taken not in r.text.lower()
    # the same for a phone of another account
    _, owner = sign_in(base_url, fakes_url, "sms")
    r = b.call("POST", "/api/auth/me/identifiers",
               {"channel": "whatsapp", "to": owner["user"]["phone"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "identifier_taken"


def test_own_identifier_is_409_already_yours(base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url)
    r = b.call("POST", "/api/auth/me/identifiers",
               {"channel": "email", "to": body["user"]["email"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_yours"


def test_taken_between_send_and_verify_is_409(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    email = new_email()
    cid, code = add_ident(b, fakes_url, "email", email)
    # someone signs up with that email meanwhile
    sign_in(base_url, fakes_url, "email", email)
    r = b.call("POST", "/api/auth/me/identifiers/verify",
               {"challengeId": cid, "code": code})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "identifier_taken"


def test_wrong_codes_are_counted_and_the_send_is_limited_like_sign_in(
        base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    email = new_email()
    cid, code = add_ident(b, fakes_url, "email", email)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for _ in range(5):
        r = b.call("POST", "/api/auth/me/identifiers/verify",
                   {"challengeId": cid, "code": wrong})
        assert r.status_code in (401, 429), r.text
    # the right code no longer works: the challenge is spent
    r = b.call("POST", "/api/auth/me/identifiers/verify",
               {"challengeId": cid, "code": code})
    assert r.status_code in (401, 429), r.text
    assert b.call("GET", "/api/auth/me").json()["user"]["email"] != email
    # sends: three per identifier in ten minutes, as at sign-in
    other = new_email()
    codes = [b.call("POST", "/api/auth/me/identifiers",
                    {"channel": "email", "to": other}).status_code
             for _ in range(4)]
    assert codes[:3] == [202, 202, 202] and codes[3] == 429, codes


def test_a_sign_in_code_for_someone_elses_address_cannot_be_used(
        base_url, fakes_url):
    """A challenge id alone is nothing: the code goes to the address."""
    b, _ = sign_in(base_url, fakes_url)
    r = b.call("POST", "/api/auth/me/identifiers/verify",
               {"challengeId": str(uuid.uuid4()), "code": "123456"})
    assert r.status_code == 401, r.text


def test_bad_identifier_input_is_400(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    for body in ({"channel": "fax", "to": "x"}, {"channel": "email", "to": "nope"},
                 {"channel": "sms", "to": "12"}, {"to": new_email()}):
        r = b.call("POST", "/api/auth/me/identifiers", body)
        assert r.status_code == 400, (body, r.text)


# -------------------------------------------------------------- sessions --

def test_sessions_list_and_end_one_and_all_others(base_url, fakes_url):
    email = new_email()
    laptop = Browser(base_url)
    phone = Browser(base_url)
    tablet = Browser(base_url)
    laptop.s.headers["User-Agent"] = "Laptop/1.0 (X11)"
    phone.s.headers["User-Agent"] = "Phone/2.0 (Android)"
    tablet.s.headers["User-Agent"] = "Tablet/3.0"
    for br in (laptop, phone, tablet):
        sign_in(base_url, fakes_url, "email", email, browser=br)
    r = laptop.call("GET", "/api/auth/sessions")
    assert r.status_code == 200, r.text
    ss = r.json()["sessions"]
    assert len(ss) == 3
    agents = {s["userAgent"]: s for s in ss}
    assert set(agents) == {"Laptop/1.0 (X11)", "Phone/2.0 (Android)", "Tablet/3.0"}
    assert [s["userAgent"] for s in ss if s["current"]] == ["Laptop/1.0 (X11)"]
    for s in ss:
        assert s["createdAt"].endswith("Z") and s["lastUsedAt"].endswith("Z")
    # a refresh moves lastUsedAt and keeps the session
    assert phone.refresh().status_code == 200
    # end the phone's session from the laptop: its refresh stops at once
    pid = agents["Phone/2.0 (Android)"]["id"]
    assert laptop.call("DELETE", f"/api/auth/sessions/{pid}").status_code == 204
    assert phone.refresh().status_code == 401
    assert laptop.call("DELETE", f"/api/auth/sessions/{pid}").status_code == 404
    # end all others: the tablet goes, the laptop stays
    r = laptop.call("DELETE", "/api/auth/sessions")
    assert r.status_code == 200 and r.json() == {"ended": 1}
    assert tablet.refresh().status_code == 401
    assert laptop.refresh().status_code == 200
    left = laptop.call("GET", "/api/auth/sessions").json()["sessions"]
    assert [s["current"] for s in left] == [True]


def test_another_users_session_cannot_be_ended_or_seen(base_url, fakes_url):
    victim, _ = sign_in(base_url, fakes_url)
    attacker, _ = sign_in(base_url, fakes_url)
    vid = victim.call("GET", "/api/auth/sessions").json()["sessions"][0]["id"]
    mine = attacker.call("GET", "/api/auth/sessions").json()["sessions"]
    assert vid not in {s["id"] for s in mine}
    r = attacker.call("DELETE", f"/api/auth/sessions/{vid}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "session_not_found"
    # "all others" is the caller's others only
    assert attacker.call("DELETE", "/api/auth/sessions").json() == {"ended": 0}
    assert victim.refresh().status_code == 200
    assert attacker.call("DELETE", "/api/auth/sessions/not-a-uuid").status_code == 404
    assert Browser(base_url).call("GET", "/api/auth/sessions").status_code == 401
