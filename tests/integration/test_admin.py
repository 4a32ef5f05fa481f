"""The platform admin console (/api/admin/, docs/admin.md).

Admins are made with sql/ztic-admin (the first) or invited from the
console, enrol with an emailed one-time code and an authenticator (TOTP,
computed here from the secret the enrolment answers), then sign in with a
one-time code and a TOTP code. The attacks: wrong and replayed TOTP codes,
the lockout, a disabled admin's live session, a tenant member's token, an
expired session, an admin who never finished enrolment, cross-site forms.
"""
import base64
import hashlib
import hmac
import os
import struct
import subprocess
import time
import uuid

import psycopg2
import pytest

from ztauth import Browser, code_from, mint, sign_in
from ztbook import Person, Shop, run_cron, stack_env
from ztorg import Org, ctx  # noqa: F401 (fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ------------------------------------------------------------- helpers --

def ztic_admin(stack_var, *args):
    return subprocess.run([os.path.join(ROOT, "sql", "ztic-admin"), *args],
                          env=stack_env(stack_var), capture_output=True,
                          text=True, timeout=30)


def hotp(key, counter):
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def b32key(secret):
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def step():
    return int(time.time()) // 30


def db(dsn, query, args=()):
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


class Admin:
    """One admin in one browser (cookie jar, source address)."""

    def __init__(self, base, fakes_url, email, link):
        self.base, self.fakes, self.email = base, fakes_url, email
        self.token = link.split("#", 1)[1]
        self.b = Browser(base)
        self.key = None
        self.last = None

    def call(self, method, path, body=None, **kw):
        return self.b.call(method, path, body, auth=False, **kw)

    def code(self):
        r = self.call("POST", "/api/admin/signin/code", {"email": self.email})
        assert r.status_code == 202, r.text
        return r.json()["challengeId"], code_from(self.fakes, "resend", self.email)

    def enrol_start(self):
        cid, code = self.code()
        r = self.call("POST", "/api/admin/enrol/start",
                      {"token": self.token, "challengeId": cid, "code": code})
        assert r.status_code == 200, r.text
        self.key = b32key(r.json()["secret"])
        return r.json()

    def enrol_confirm(self, c=None):
        c = step() if c is None else c
        return self.call("POST", "/api/admin/enrol/confirm",
                         {"token": self.token, "code1": hotp(self.key, c - 1),
                          "code2": hotp(self.key, c)})

    def signin(self, totp=None):
        cid, code = self.code()
        if totp is None:
            # the step after the last one used (enrolment used this one)
            totp = hotp(self.key, step() + 1)
        return self.call("POST", "/api/admin/signin",
                         {"challengeId": cid, "code": code, "totp": totp})


def booked_event(shop, base_url, stack_var):
    """An organization's published event of 4 free seats, one booked:
    (tenant, event, buyer, booking id); the event's page is public."""
    tid = shop.tenant(owner=shop.user("owner"))
    ev = shop.event(tid, seats=4, seat_price=0)
    buyer = Person(base_url, stack_var, shop.user())
    buyer.hold(ev, seats=ev["seats"][:1])
    r = buyer.book(ev)
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    assert Browser(base_url).call("GET", f"/api/events/{ev['id']}", auth=False).status_code == 200
    return tid, ev, buyer, r.json()["id"]


@pytest.fixture
def invite(stack_var, base_url, fakes_url):
    """A fresh invited (not enrolled) admin."""
    def make(label="adm"):
        email = f"{label}-{uuid.uuid4().hex[:10]}@test.ztic.in"
        p = ztic_admin(stack_var, "add", email, label)
        assert p.returncode == 0, p.stderr
        link = p.stdout.strip()
        assert "/admin/enrol.html#" in link
        return Admin(base_url, fakes_url, email, link)
    return make


@pytest.fixture
def admin(invite):
    """A fresh enrolled admin, signed in."""
    def make(label="adm"):
        a = invite(label)
        a.enrol_start()
        r = a.enrol_confirm()
        assert r.status_code == 200, r.text
        r = a.signin()
        assert r.status_code == 200, r.text
        return a
    return make


# ------------------------------------------------------ sign-in and TOTP --

def test_enrol_then_sign_in_with_code_and_totp(invite):
    a = invite()
    got = a.enrol_start()
    assert got["otpauthUri"].startswith("otpauth://totp/ztic%20admin:")
    assert "secret=" + got["secret"] in got["otpauthUri"]
    assert "period=30" in got["otpauthUri"] and "digits=6" in got["otpauthUri"]
    assert got["qrSvg"].startswith("<svg") and got["account"] == a.email
    r = a.enrol_confirm()
    assert r.status_code == 200 and r.json() == {"enrolled": True}
    # the link works once
    assert a.enrol_confirm().status_code == 404
    r = a.signin()
    assert r.status_code == 200, r.text
    assert r.json()["admin"]["email"] == a.email
    cookie = r.headers["Set-Cookie"]
    assert "Path=/api/admin/" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    r = a.call("GET", "/api/admin/me")
    assert r.status_code == 200 and r.json()["admin"]["email"] == a.email
    # sign out ends the session for good, even with the old cookie
    old = a.b.s.cookies.get("zt_admin")
    assert a.call("POST", "/api/admin/signout", {}).status_code == 204
    a.b.s.cookies.set("zt_admin", old, path="/api/admin/")
    assert a.call("GET", "/api/admin/me").status_code == 401


def test_enrolment_needs_two_consecutive_codes_and_the_invited_email(invite, fakes_url):
    a = invite()
    a.enrol_start()
    c = step()
    # two codes, but not consecutive; the same code twice
    for c1, c2 in ((c - 2, c), (c, c)):
        r = a.call("POST", "/api/admin/enrol/confirm",
                   {"token": a.token, "code1": hotp(a.key, c1), "code2": hotp(a.key, c2)})
        assert r.status_code == 401 and r.json()["error"]["code"] == "wrong_totp"
    # someone else's code for this link
    other = invite()
    cid, code = other.code()
    r = a.call("POST", "/api/admin/enrol/start",
               {"token": a.token, "challengeId": cid, "code": code})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_invited"
    # a made-up token
    r = a.call("POST", "/api/admin/enrol/confirm",
               {"token": base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
                "code1": "000000", "code2": "000000"})
    assert r.status_code == 404
    assert a.enrol_confirm().status_code == 200


def test_wrong_totp_is_refused(invite):
    a = invite()
    a.enrol_start()
    assert a.enrol_confirm().status_code == 200
    wrong = "%06d" % ((int(hotp(a.key, step() + 1)) + 1) % 1000000)
    r = a.signin(totp=wrong)
    assert r.status_code == 401 and r.json()["error"]["code"] == "wrong_totp"
    assert "zt_admin" not in a.b.s.cookies
    # a code of a step outside the window
    r = a.signin(totp=hotp(a.key, step() + 5))
    assert r.status_code == 401
    assert a.call("GET", "/api/admin/me").status_code == 401


def test_a_totp_code_is_accepted_once(invite, pg_system_dsn):
    a = invite()
    a.enrol_start()
    c = step()
    assert a.enrol_confirm(c).status_code == 200
    # (three email codes per address per 10 minutes: each attempt below
    # spends one, so the enrolment's own step is checked in the database)
    assert db(pg_system_dsn, "select totp_last_counter from platform_admins"
                             " where email = %s", (a.email,)) == [(c,)]
    code = hotp(a.key, c + 1)
    assert a.signin(totp=code).status_code == 200
    # replayed within its step, by someone who saw it (new email code)
    r = a.signin(totp=code)
    assert r.status_code == 401 and r.json()["error"]["code"] == "wrong_totp"


def test_lockout_after_repeated_failures(invite, pg_system_dsn):
    a = invite()
    a.enrol_start()
    # enrolment confirmations count too: five wrong pairs lock the admin
    for i in range(4):
        r = a.call("POST", "/api/admin/enrol/confirm",
                   {"token": a.token, "code1": "000000", "code2": "000000"})
        assert r.status_code == 401, (i, r.text)
    r = a.call("POST", "/api/admin/enrol/confirm",
               {"token": a.token, "code1": "000000", "code2": "000000"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked"
    assert int(r.headers["Retry-After"]) > 0
    # right codes while locked: still refused
    r = a.enrol_confirm()
    assert r.status_code == 429
    db(pg_system_dsn, "update platform_admins set locked_until = null where email = %s",
       (a.email,))
    assert a.enrol_confirm().status_code == 200
    # sign-in: at the limit minus one, one more wrong code locks
    db(pg_system_dsn, "update platform_admins set failed_attempts = 4 where email = %s",
       (a.email,))
    r = a.signin(totp="000000")
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked"
    r = a.signin()
    assert r.status_code == 429
    assert db(pg_system_dsn, "select locked_until > now() + interval '10 minutes'"
                             " from platform_admins where email = %s", (a.email,)) == [(True,)]


def test_not_enrolled_admin_is_refused(invite):
    a = invite()
    r = a.signin(totp="123456")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
    # halfway: a secret, no confirmation
    a.enrol_start()
    r = a.signin(totp=hotp(a.key, step()))
    assert r.status_code == 403


def test_unknown_address_is_refused(base_url, fakes_url):
    a = Admin(base_url, fakes_url, f"nobody-{uuid.uuid4().hex[:8]}@test.ztic.in", "x#y")
    r = a.signin(totp="123456")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_an_admin"


def test_disabled_admin_live_session_is_refused_at_once(admin, stack_var):
    a, b = admin("a"), admin("b")
    assert b.call("GET", "/api/admin/me").status_code == 200
    me_b = b.call("GET", "/api/admin/me").json()["admin"]["id"]
    # not oneself; a reason is required
    assert a.call("POST", f"/api/admin/admins/{a.call('GET', '/api/admin/me').json()['admin']['id']}/disable",
                  {"reason": "x"}).status_code == 409
    assert a.call("POST", f"/api/admin/admins/{me_b}/disable", {}).status_code == 400
    r = a.call("POST", f"/api/admin/admins/{me_b}/disable", {"reason": "left the team"})
    assert r.status_code == 204, r.text
    r = b.call("GET", "/api/admin/tenants")
    assert r.status_code == 401 and r.json()["error"]["code"] == "admin_session_required"
    # the command line disables too
    p = ztic_admin(stack_var, "disable", a.email)
    assert p.returncode == 0, p.stderr
    assert a.call("GET", "/api/admin/me").status_code == 401


def test_tenant_member_token_is_refused(ctx, stack_var):
    org = Org(ctx)
    for token in (org.owner.token, mint(stack_var, org.owner.id, org.id, "owner"),
                  mint(stack_var, org.owner.id, aud="ztic-admin")):
        r = ctx.api("GET", "/api/admin/tenants", headers={"Authorization": "Bearer " + token})
        assert r.status_code == 401, r.text
        r = ctx.api("POST", f"/api/admin/tenants/{org.id}/suspend", json={"reason": "x"},
                    headers={"Authorization": "Bearer " + token})
        assert r.status_code == 401


def test_forged_cookie_is_refused(base_url):
    b = Browser(base_url)
    b.s.cookies.set("zt_admin", base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
                    path="/api/admin/")
    assert b.call("GET", "/api/admin/figures", auth=False).status_code == 401
    b.s.cookies.set("zt_admin", "not-base64!", path="/api/admin/")
    assert b.call("GET", "/api/admin/figures", auth=False).status_code == 401


def test_session_expires_idle_and_absolute(admin, pg_system_dsn):
    a = admin()
    assert a.call("GET", "/api/admin/me").status_code == 200
    db(pg_system_dsn, """update admin_sessions s set last_seen_at = now() - interval '31 minutes'
                          from platform_admins p where p.id = s.admin_id and p.email = %s""",
       (a.email,))
    assert a.call("GET", "/api/admin/me").status_code == 401
    b = admin()
    db(pg_system_dsn, """update admin_sessions s set expires_at = now() - interval '1 second'
                          from platform_admins p where p.id = s.admin_id and p.email = %s""",
       (b.email,))
    assert b.call("GET", "/api/admin/me").status_code == 401
    # an active admin's use keeps the idle clock fresh
    c = admin()
    db(pg_system_dsn, """update admin_sessions s set last_seen_at = now() - interval '29 minutes'
                          from platform_admins p where p.id = s.admin_id and p.email = %s""",
       (c.email,))
    assert c.call("GET", "/api/admin/me").status_code == 200
    assert db(pg_system_dsn, """select s.last_seen_at > now() - interval '1 minute'
                                  from admin_sessions s join platform_admins p on p.id = s.admin_id
                                 where p.email = %s""", (c.email,)) == [(True,)]


def test_cross_site_forms_cannot_post(admin):
    a = admin()
    org_id = str(uuid.uuid4())
    for ct in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
        r = a.b.s.post(a.base + f"/api/admin/tenants/{org_id}/suspend", data="reason=x",
                       headers={"Content-Type": ct}, timeout=10)
        assert r.status_code == 415, (ct, r.status_code, r.text)


# ------------------------------------------------------------- tenants --

def test_approve_and_reject_the_queue(admin, ctx, pg_owner_dsn):
    a = admin()
    p1 = Org(ctx, activate=False, institution="IIT Bombay")
    p2 = Org(ctx, activate=False)
    r = a.call("GET", "/api/admin/tenants?status=pending&q=" + p1.name.split()[1])
    assert r.status_code == 200, r.text
    rows = r.json()["tenants"]
    assert [t["id"] for t in rows] == [p1.id]
    t = rows[0]
    assert t["status"] == "pending" and t["institution"] == "IIT Bombay"
    assert t["contactEmail"] == p1.owner.email
    assert t["owners"][0]["email"] == p1.owner.email and t["payout"] is None
    # approve: active, audited with before/after, the owner emailed
    r = a.call("POST", f"/api/admin/tenants/{p1.id}/approve", {"reason": "looks fine"})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    assert a.call("POST", f"/api/admin/tenants/{p1.id}/approve", {}).status_code == 409
    # reject needs a reason
    assert a.call("POST", f"/api/admin/tenants/{p2.id}/reject", {}).status_code == 400
    r = a.call("POST", f"/api/admin/tenants/{p2.id}/reject", {"reason": "no such college"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert a.call("POST", f"/api/admin/tenants/{uuid.uuid4()}/approve", {}).status_code == 404
    mails = db(pg_owner_dsn, """select recipient, payload->>'template', payload->>'reason'
                                  from outbox where recipient in (%s, %s) order by created_at""",
               (p1.owner.email, p2.owner.email))
    assert (p1.owner.email, "tenant.approved", "looks fine") in mails
    assert (p2.owner.email, "tenant.rejected", "no such college") in mails
    r = a.call("GET", f"/api/admin/audit?tenantId={p1.id}&action=tenant.")
    e = r.json()["entries"][0]
    assert e["action"] == "tenant.approved" and e["actorAdminEmail"] == a.email
    assert e["details"] == {"reason": "looks fine", "before": {"status": "pending"},
                            "after": {"status": "active"}}
    # the organizer's own audit rows are visible too
    r = a.call("GET", f"/api/admin/audit?tenantId={p2.id}")
    assert "tenant.rejected" in [x["action"] for x in r.json()["entries"]]
    assert r.json()["entries"][0]["tenantName"] == p2.name


def test_suspend_takes_events_off_sale_but_keeps_paid_bookings(admin, pg_owner_dsn, base_url,
                                                                stack_var):
    a = admin()
    shop = Shop(pg_owner_dsn)
    tid, ev, buyer, booking = booked_event(shop, base_url, stack_var)
    pub = Browser(base_url)

    r = a.call("POST", f"/api/admin/tenants/{tid}/suspend", {"reason": "fraud report"})
    assert r.status_code == 200 and r.json()["status"] == "suspended", r.text
    # off the catalogue, no new holds
    assert pub.call("GET", f"/api/events/{ev['id']}", auth=False).status_code == 404
    listed = pub.call("GET", "/api/events?limit=100", auth=False).json()
    assert ev["id"] not in str(listed)
    other = Person(base_url, stack_var, shop.user())
    r = other.call("POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][1:2]})
    assert r.status_code == 404, r.text
    # the paid (here: free, confirmed) booking stays valid for its buyer
    r = buyer.call("GET", f"/api/bookings/{booking}")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    # reinstate: back on sale
    assert a.call("POST", f"/api/admin/tenants/{tid}/suspend", {"reason": "x"}).status_code == 409
    r = a.call("POST", f"/api/admin/tenants/{tid}/reinstate", {})
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert pub.call("GET", f"/api/events/{ev['id']}", auth=False).status_code == 200


def test_figures_and_admin_invitations(admin, pg_owner_dsn):
    a = admin()
    r = a.call("GET", "/api/admin/figures")
    assert r.status_code == 200, r.text
    f = r.json()
    assert set(f) == {"tenants", "eventsOnSale", "tickets", "gmvPaise", "refunds",
                      "checkinsToday"}
    assert f["tenants"].get("active", 0) >= 1 and f["tickets"]["days7"] >= f["tickets"]["today"]
    # an admin invites another: pending until enrolled, link emailed
    email = f"inv-{uuid.uuid4().hex[:8]}@test.ztic.in"
    r = a.call("POST", "/api/admin/admins", {"email": email, "name": "Next"})
    assert r.status_code == 201 and "/admin/enrol.html#" in r.json()["enrolUrl"]
    assert a.call("POST", "/api/admin/admins", {"email": email}).status_code == 409
    listed = {x["email"]: x["status"] for x in a.call("GET", "/api/admin/admins").json()["admins"]}
    assert listed[email] == "invited" and listed[a.email] == "active"
    assert "system@ztic.invalid" not in listed
    assert db(pg_owner_dsn, "select payload->>'template' from outbox where recipient = %s",
              (email,)) == [("admin.invitation",)]
    r = a.call("GET", "/api/admin/audit?action=admin.invited&limit=5")
    assert r.json()["entries"][0]["details"]["email"] == email


@pytest.mark.parametrize("query", ["status=bogus", "q=" + "x" * 101])
def test_bad_tenant_queries(admin, query):
    a = admin()
    assert a.call("GET", "/api/admin/tenants?" + query).status_code == 400


def test_secrets_are_sealed_at_rest(invite, pg_system_dsn):
    a = invite()
    got = a.enrol_start()
    (box,) = db(pg_system_dsn, "select totp_secret from platform_admins where email = %s",
                (a.email,))[0]
    box = bytes(box)
    assert len(box) == 24 + 20 + 16 and b32key(got["secret"]) not in box


# ------------------------------------------------------ events and users --

def test_cancel_an_event_for_a_policy_reason_refunds_through_the_usual_path(
        admin, pg_owner_dsn, base_url, stack_var):
    a = admin()
    shop = Shop(pg_owner_dsn)
    tid = shop.tenant(owner=shop.user("owner"))
    ev = shop.event(tid, seats=2, seat_price=0)
    buyer = Person(base_url, stack_var, shop.user())
    buyer.hold(ev, seats=ev["seats"][:1])
    booking = buyer.book(ev).json()["id"]
    r = a.call("GET", f"/api/admin/events?tenantId={tid}")
    assert [e["id"] for e in r.json()["events"]] == [ev["id"]]
    assert r.json()["events"][0]["ticketsLive"] == 1
    assert a.call("POST", f"/api/admin/events/{ev['id']}/cancel", {}).status_code == 400
    r = a.call("POST", f"/api/admin/events/{ev['id']}/cancel", {"reason": "unsafe venue"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert a.call("POST", f"/api/admin/events/{ev['id']}/cancel",
                  {"reason": "again"}).status_code == 409
    assert a.call("POST", f"/api/admin/events/{uuid.uuid4()}/cancel",
                  {"reason": "x"}).status_code == 404
    # no more holds; the refunds job takes the bookings as for an
    # organizer's cancellation
    other = Person(base_url, stack_var, shop.user())
    r = other.call("POST", "/api/seats/lock", {"eventId": ev["id"], "seatIds": ev["seats"][1:]})
    assert r.status_code in (404, 409), r.text
    run_cron(stack_var, "refunds")
    assert shop.one("select status from bookings where id = %s", (booking,),
                    tenant=tid)[0] != "confirmed"
    e = a.call("GET", f"/api/admin/audit?tenantId={tid}&action=event.").json()["entries"][0]
    assert e["action"] == "event.cancelled" and e["actorAdminEmail"] == a.email
    assert e["details"]["reason"] == "unsafe venue"


def test_look_up_a_user_and_end_their_sessions(admin, base_url, fakes_url):
    a = admin()
    b, verified = sign_in(base_url, fakes_url)
    email = verified["user"]["email"]
    for q in (email.upper(), verified["user"]["id"]):
        r = a.call("GET", "/api/admin/users", params={"q": q})
        assert r.status_code == 200, r.text
        (u,) = r.json()["users"]
        assert u["email"] == email and u["sessions"] == 1 and u["bookings"] == []
    assert a.call("GET", "/api/admin/users?q=nobody").status_code == 400
    r = a.call("POST", f"/api/admin/users/{verified['user']['id']}/signout", {})
    assert r.status_code == 200 and r.json()["sessionsEnded"] == 1
    # the browser's refresh cookie no longer works
    assert b.refresh().status_code == 401
    r = a.call("GET", "/api/admin/audit?action=user.signed_out&limit=1")
    assert r.json()["entries"][0]["target"] == f"user:{verified['user']['id']}"
