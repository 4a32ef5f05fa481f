"""Personal data rights (issue #23, India's DPDP Act 2023; docs/privacy.md):
export of everything keyed to the person, consent records, and deletion
that keeps the financial records but not the person — with the attacks."""

import uuid

import psycopg2
import pytest

from ztauth import Browser, code_from, mint, sign_in
from ztbook import Person, Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


@pytest.fixture
def owner_db(pg_owner_dsn):
    conn = psycopg2.connect(pg_owner_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def one(db, sql, args=()):
    with db.cursor() as cur:
        cur.execute("select set_config('app.admin_id',"
                    " '00000000-0000-4000-8000-000000000001', false)")
        cur.execute(sql, args)
        return cur.fetchone()


def deletion_code(b, fakes_url, email):
    r = b.call("POST", "/api/auth/me/deletion", {"confirm": True})
    assert r.status_code == 202, r.text
    assert r.json()["channel"] == "email"
    return r.json()["challengeId"], code_from(fakes_url, "resend", email)


def buy_free(shop, base_url, stack_var, user_id):
    """A confirmed booking of user_id (a free seat), as the organizer sees
    it: returns (tenant, event, booking id, the organizer)."""
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=2, seat_price=0)
    b = Person(base_url, stack_var, user_id)
    b.hold(ev, ev["seats"][:1])
    r = b.book(ev)
    assert r.status_code == 201, r.text
    return t, ev, r.json()["id"], Person(base_url, stack_var, owner, t, "owner")


# ------------------------------------------------------------- consents --

def test_consents_are_opt_in_withdrawable_and_timestamped(base_url, fakes_url):
    b, _ = sign_in(base_url, fakes_url)
    c = b.call("GET", "/api/auth/me/consents").json()
    assert c["marketing"] == {"granted": False, "at": None}
    assert c["organizerContact"] == {"granted": False, "at": None}
    assert c["history"] == []
    r = b.call("PUT", "/api/auth/me/consents", {"marketing": True})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["marketing"]["granted"] is True and c["marketing"]["at"].endswith("Z")
    assert c["organizerContact"]["granted"] is False
    # the same again records nothing; a withdrawal is a new record
    b.call("PUT", "/api/auth/me/consents", {"marketing": True})
    c = b.call("PUT", "/api/auth/me/consents",
               {"marketing": False, "organizerContact": True}).json()
    assert [(h["purpose"], h["granted"]) for h in c["history"]] == [
        ("marketing", True), ("marketing", False), ("organizer_contact", True)]
    assert c["marketing"]["granted"] is False


@pytest.mark.parametrize("body", [{"marketing": "yes"}, {"marketing": 1},
                                  {"newsletter": True}])
def test_bad_consent_input_is_400(base_url, fakes_url, body):
    b, _ = sign_in(base_url, fakes_url)
    assert b.call("PUT", "/api/auth/me/consents", body).status_code == 400


# --------------------------------------------------------------- export --

def test_export_holds_everything_keyed_to_me(shop, base_url, fakes_url, stack_var):
    b, body = sign_in(base_url, fakes_url)
    uid = body["user"]["id"]
    b.call("PATCH", "/api/auth/me", {"name": "Ravi Kumar"})
    b.call("PUT", "/api/auth/me/consents", {"organizerContact": True})
    _, _, bid, _ = buy_free(shop, base_url, stack_var, uid)
    r = b.call("GET", "/api/auth/me/export")
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "no-store"
    x = r.json()
    assert x["format"] == "ztic-personal-data/1"
    assert x["profile"]["id"] == uid and x["profile"]["name"] == "Ravi Kumar"
    assert x["profile"]["email"] == body["user"]["email"]
    assert len(x["sessions"]) == 1 and x["sessions"][0]["createdAt"]
    assert x["consents"]["organizerContact"]["granted"] is True
    bk = [y for y in x["bookings"] if y["id"] == bid]
    assert bk and bk[0]["status"] == "confirmed" and len(bk[0]["tickets"]) == 1
    # someone else's export has none of it
    other, _ = sign_in(base_url, fakes_url)
    y = other.call("GET", "/api/auth/me/export").json()
    assert y["bookings"] == [] and uid not in str(y)


# ------------------------------------------------------------- deletion --

def test_deletion_keeps_the_money_but_not_the_person(
        shop, base_url, fakes_url, stack_var, owner_db):
    b, body = sign_in(base_url, fakes_url)
    uid, email = body["user"]["id"], body["user"]["email"]
    b.call("PATCH", "/api/auth/me", {"name": "Meera Nair"})
    b.call("PUT", "/api/auth/me/consents", {"marketing": True})
    t, ev, bid, org = buy_free(shop, base_url, stack_var, uid)
    seen = org.call("GET", f"/api/bookings/{bid}").json()
    assert seen["buyer"]["email"] == email
    total = one(owner_db, "select total_paise from bookings where id = %s", (bid,))

    cid, code = deletion_code(b, fakes_url, email)
    r = b.call("POST", "/api/auth/me/deletion/confirm",
               {"challengeId": cid, "code": code})
    assert r.status_code == 204, r.text
    assert "zt_refresh=;" in r.headers["Set-Cookie"]

    # the organizer sees a deleted user; ids and amounts stay
    seen = org.call("GET", f"/api/bookings/{bid}").json()
    assert seen["buyer"]["name"] == "deleted user"
    assert not seen["buyer"].get("email") and not seen["buyer"].get("phone")
    assert seen["totalPaise"] == total[0] and seen["status"] == "confirmed"
    listed = org.call("GET", "/api/bookings", params={"eventId": ev["id"]}).json()
    assert email not in str(listed) and "Meera" not in str(listed)
    row = one(owner_db, "select email, phone, name, deleted_at is not null"
              " from users where id = %s", (uid,))
    assert row == (None, None, "deleted user", True)
    assert one(owner_db, "select count(*) from refresh_families where user_id = %s"
               " and revoked_at is null", (uid,))[0] == 0
    assert one(owner_db, "select count(*) from otp_challenges where identifier"
               " = %s", (email,))[0] == 0
    assert one(owner_db, "select granted from consents where user_id = %s"
               " and purpose = 'marketing' order by created_at desc limit 1",
               (uid,))[0] is False
    # its sessions and tokens stop at once on the account's routes
    assert b.refresh().status_code == 401
    assert b.call("GET", "/api/auth/me").status_code == 401
    assert b.call("GET", "/api/auth/me/export").status_code == 401
    tok = mint(stack_var, uid)
    assert Browser(base_url).call("GET", "/api/auth/me", headers={
        "Authorization": "Bearer " + tok}).status_code == 401
    # the address is free: signing in with it makes a new, empty account
    _, again = sign_in(base_url, fakes_url, "email", email)
    assert again["user"]["id"] != uid and again["user"]["name"] == ""


def test_deletion_needs_a_fresh_code_sent_to_this_account(
        base_url, fakes_url, owner_db):
    b, body = sign_in(base_url, fakes_url)
    uid = body["user"]["id"]
    # asking needs the explicit yes
    for ask in (None, {}, {"confirm": False}, {"confirm": "yes"}):
        assert b.call("POST", "/api/auth/me/deletion", ask).status_code == 400
    # no code, a made-up one, a wrong one
    assert b.call("POST", "/api/auth/me/deletion/confirm",
                  {"challengeId": str(uuid.uuid4()), "code": "123456"}
                  ).status_code == 401
    cid, code = deletion_code(b, fakes_url, body["user"]["email"])
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    assert b.call("POST", "/api/auth/me/deletion/confirm",
                  {"challengeId": cid, "code": wrong}).status_code == 401
    # a code the attacker got for their own address proves nothing here
    attacker = f"a-{uuid.uuid4().hex[:10]}@test.ztic.in"
    r = Browser(base_url).call("POST", "/api/auth/otp/send",
                               {"channel": "email", "to": attacker})
    acid = r.json()["challengeId"]
    acode = code_from(fakes_url, "resend", attacker)
    r = b.call("POST", "/api/auth/me/deletion/confirm",
               {"challengeId": acid, "code": acode})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_code"
    assert one(owner_db, "select deleted_at from users where id = %s",
               (uid,))[0] is None
    # another user cannot use this account's deletion code
    other, _ = sign_in(base_url, fakes_url)
    r = other.call("POST", "/api/auth/me/deletion/confirm",
                   {"challengeId": cid, "code": code})
    assert r.status_code == 401
    assert one(owner_db, "select deleted_at from users where id = %s",
               (uid,))[0] is None


def test_an_organizer_member_must_leave_first(shop, base_url, fakes_url):
    b, body = sign_in(base_url, fakes_url)
    t = shop.tenant(body["user"]["id"])
    cid, code = deletion_code(b, fakes_url, body["user"]["email"])
    r = b.call("POST", "/api/auth/me/deletion/confirm",
               {"challengeId": cid, "code": code})
    assert r.status_code == 409 and r.json()["error"]["code"] == "still_a_member"
    assert b.call("GET", "/api/auth/me").status_code == 200
    with shop.tx(t) as cur:
        cur.execute("delete from memberships where tenant_id = %s", (t,))


def test_deleted_accounts_access_token_stops_everywhere_at_once(
        shop, base_url, fakes_url, stack_var):
    """Request authentication refuses an access token issued before the
    deletion on every route, not only under /api/auth/ (zt_session_revoked):
    a booking read and a hold are 401 at once; others are unaffected."""
    b, body = sign_in(base_url, fakes_url)
    uid, email = body["user"]["id"], body["user"]["email"]
    t, ev, bid, org = buy_free(shop, base_url, stack_var, uid)
    hold = {"eventId": ev["id"], "seatIds": ev["seats"][1:2]}
    assert b.call("GET", f"/api/bookings/{bid}").status_code == 200
    old = b.token
    cid, code = deletion_code(b, fakes_url, email)
    r = b.call("POST", "/api/auth/me/deletion/confirm",
               {"challengeId": cid, "code": code})
    assert r.status_code == 204, r.text
    for method, path, req in (("GET", f"/api/bookings/{bid}", None),
                              ("POST", "/api/seats/lock", hold),
                              ("GET", "/api/bookings/mine", None)):
        r = b.call(method, path, req, headers={"Authorization": "Bearer " + old})
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"]["code"] == "invalid_token"
    # a public page stays public for it (served as to anyone)
    assert b.call("GET", f"/api/events/{ev['id']}").status_code == 200
    # nobody else is touched: the organizer and another buyer go on
    assert org.call("GET", f"/api/bookings/{bid}").status_code == 200
    other = Person(base_url, stack_var, shop.user("other"))
    assert other.call("POST", "/api/seats/lock", hold).status_code == 200
