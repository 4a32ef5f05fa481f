"""Organizers: onboarding, profile, branding, payout details and teams,
through nginx and the tenants responder, with the attacks on each."""

import re
import uuid

import pytest

from ztorg import Org, Person, ctx, sql  # noqa: F401 (ctx is a fixture)


def err(r):
    return r.json()["error"]


def audit(org, action):
    return org.rows("select actor_user_id::text, target, details from audit_log"
                    " where tenant_id = %s and action = %s order by at",
                    (org.id, action))


# ---------------------------------------------------------------- onboarding

def test_onboarding_makes_the_caller_owner_with_a_token_for_the_tenant(ctx):
    me = Person(ctx, "founder")
    r = me.call("POST", "/api/tenants/onboard",
                {"name": "Mood Indigo 2026", "institution": "IIT Bombay",
                 "contactEmail": "  Hello@MoodI.example.ORG "})
    assert r.status_code == 201, r.text
    body = r.json()
    t = body["tenant"]
    assert t["slug"].startswith("mood-indigo-2026")
    assert t["status"] == "pending"            # ZT_ENV=test: an admin approves
    assert t["contactEmail"] == "hello@moodi.example.org"
    assert t["payout"] is None
    assert body["role"] == "owner" and body["tenantId"] == t["id"]
    assert body["user"]["id"] == me.id
    assert any(m["tenantId"] == t["id"] and m["role"] == "owner"
               for m in body["memberships"])
    # the fresh token works on the tenant at once
    me.token = body["accessToken"]
    r = me.call("GET", "/api/tenants/me")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == t["id"]
    assert sql(ctx.owner_dsn, "select user_id::text, role from memberships"
               " where tenant_id = %s", (t["id"],), tenant=t["id"]) == \
        [(me.id, "owner")]
    rows = sql(ctx.owner_dsn, "select actor_user_id::text, action"
               " from audit_log where tenant_id = %s", (t["id"],),
               tenant=t["id"])
    assert (me.id, "tenant.created") in rows


def test_onboarding_needs_a_signed_in_user(ctx):
    r = ctx.api("POST", "/api/tenants/onboard",
                json={"name": "X", "contactEmail": "a@b.in"})
    assert r.status_code == 401


def test_same_name_gets_a_unique_derived_slug(ctx):
    name = f"Ráng Fest {uuid.uuid4().hex[:6]}"
    a = Org(ctx, name=name, activate=False)
    b = Org(ctx, name=name, activate=False)
    assert a.slug == "rang-fest-" + name[-6:]
    assert b.slug == a.slug + "-2"


def test_explicit_slug_is_validated_and_a_taken_one_is_409(ctx):
    slug = f"fest-{uuid.uuid4().hex[:8]}"
    Org(ctx, slug=slug, activate=False)
    me = Person(ctx)
    r = me.call("POST", "/api/tenants/onboard",
                {"name": "Other", "slug": slug, "contactEmail": me.email})
    assert r.status_code == 409 and err(r)["code"] == "slug_taken"
    r = me.call("POST", "/api/tenants/onboard",
                {"name": "Other", "slug": "mine", "contactEmail": me.email})
    assert r.status_code == 409 and err(r)["code"] == "slug_taken"
    for bad in ("Fest", "-fest", "fest-", "fe st", "x" * 65):
        r = me.call("POST", "/api/tenants/onboard",
                    {"name": "Other", "slug": bad, "contactEmail": me.email})
        assert r.status_code == 400, bad
        assert "'slug'" in err(r)["message"]


@pytest.mark.parametrize("body, field", [
    ({"contactEmail": "a@b.in"}, "name"),
    ({"name": "", "contactEmail": "a@b.in"}, "name"),
    ({"name": "X"}, "contactEmail"),
    ({"name": "X", "contactEmail": "not-an-email"}, "contactEmail"),
    ({"name": "X", "contactEmail": "a@b.in", "contactPhone": "12"},
     "contactPhone"),
    ({"name": "X" * 201, "contactEmail": "a@b.in"}, "name"),
    ({"name": "X", "contactEmail": "a@b.in", "status": "active"}, "status"),
])
def test_onboarding_errors_name_the_field(ctx, body, field):
    r = Person(ctx).call("POST", "/api/tenants/onboard", body)
    assert r.status_code == 400, r.text
    assert f"'{field}'" in err(r)["message"]


def test_an_organizer_cannot_approve_itself(ctx):
    org = Org(ctx, activate=False)
    r = org.owner.call("PATCH", "/api/tenants/me", {"status": "active"})
    assert r.status_code == 400
    assert org.rows("select status from tenants where id = %s",
                    (org.id,)) == [("pending",)]


def test_one_user_may_have_only_a_few_tenants_waiting_for_approval(ctx):
    me = Person(ctx)
    for i in range(3):
        r = me.call("POST", "/api/tenants/onboard",
                    {"name": f"Fest {i}", "contactEmail": me.email})
        assert r.status_code == 201
    r = me.call("POST", "/api/tenants/onboard",
                {"name": "Fest 4", "contactEmail": me.email})
    assert r.status_code == 409 and err(r)["code"] == "too_many_pending"


# ------------------------------------------------------------------ profile

def test_profile_and_branding_are_updated_and_audited(ctx):
    org = Org(ctx)
    r = org.owner.call("PATCH", "/api/tenants/me", {
        "name": "Saarang", "institution": "IIT Madras",
        "contactPhone": "+91 44 2257 8000",
        "branding": {"accent": "#E4572E",
                     "logoUrl": "https://cdn.example.org/logo.svg",
                     "tagline": "<b>The</b> fest"}})
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["name"] == "Saarang" and t["institution"] == "IIT Madras"
    assert t["contactPhone"] == "+914422578000"
    # the accent darkened to 4.5:1 on paper (docs/branding.md)
    assert t["branding"] == {"accent": "#b84524",
                             "logoUrl": "https://cdn.example.org/logo.svg",
                             "tagline": "<b>The</b> fest"}
    # a partial branding change keeps the rest; "" removes a key
    r = org.owner.call("PATCH", "/api/tenants/me",
                       {"branding": {"tagline": "", "accent": "#000000"}})
    assert r.json()["branding"] == {
        "accent": "#000000", "logoUrl": "https://cdn.example.org/logo.svg"}
    assert org.owner.call("GET", "/api/tenants/me").json()["name"] == "Saarang"
    fields = [d["fields"] for _, _, d in audit(org, "tenant.updated")]
    assert ["name", "institution", "contactPhone", "branding"] in fields


@pytest.mark.parametrize("patch, field", [
    ({"branding": {"accent": "red"}}, "accent"),
    ({"branding": {"accent": "#12345g"}}, "accent"),
    ({"branding": {"logoUrl": "javascript:alert(1)"}}, "logoUrl"),
    ({"branding": {"logoUrl": "http://example.org/logo.png"}}, "logoUrl"),
    ({"branding": {"logoUrl": "//evil.example/logo.png"}}, "logoUrl"),
    ({"branding": {"logoUrl": "https://x.org/a\"onerror=\"x"}}, "logoUrl"),
    ({"branding": {"tagline": "x" * 201}}, "tagline"),
    ({"branding": {"colour": "#000000"}}, "branding.colour"),
    ({"branding": "blue"}, "branding"),
    ({"name": ""}, "name"),
    ({"contactEmail": "nope"}, "contactEmail"),
    ({"slug": "new-slug"}, "slug"),
])
def test_profile_errors_name_the_field_and_change_nothing(ctx, patch, field):
    org = Org(ctx)
    before = org.rows("select name, branding::text, slug from tenants"
                      " where id = %s", (org.id,))
    r = org.owner.call("PATCH", "/api/tenants/me", patch)
    assert r.status_code == 400, r.text
    assert f"'{field}'" in err(r)["message"]
    assert org.rows("select name, branding::text, slug from tenants"
                    " where id = %s", (org.id,)) == before


def test_payout_details_are_for_owners_only_and_come_back_masked(ctx):
    org = Org(ctx)
    r = org.owner.call("PATCH", "/api/tenants/me",
                       {"payout": {"method": "upi", "upiId": "priya.r@okaxis"}})
    assert r.status_code == 200, r.text
    assert r.json()["payout"]["upiId"] == "pr****@okaxis"
    assert "priya.r" not in r.text
    assert org.rows("select upi_id from tenant_payout_details"
                    " where tenant_id = %s", (org.id,)) == [("priya.r@okaxis",)]

    r = org.owner.call("PATCH", "/api/tenants/me", {"payout": {
        "method": "bank", "accountName": "Saarang Fest Account",
        "accountNumber": "50100012341234", "ifsc": "hdfc0001234"}})
    assert r.status_code == 200, r.text
    pay = r.json()["payout"]
    assert pay == {"method": "bank", "accountName": "Saarang Fest Account",
                   "accountNumber": "XXXXXX1234", "ifsc": "HDFC0001234",
                   "updatedAt": pay["updatedAt"]}
    assert "50100012341234" not in r.text
    assert [a for a, _, d in audit(org, "tenant.payout_updated")] == \
        [org.owner.id, org.owner.id]

    manager = org.member("manager")
    r = manager.call("GET", "/api/tenants/me")
    assert r.status_code == 200 and "payout" not in r.json()
    r = manager.call("PATCH", "/api/tenants/me",
                     {"payout": {"method": "upi", "upiId": "thief@okaxis"}})
    assert r.status_code == 403
    r = manager.call("PATCH", "/api/tenants/me", {"payout": None})
    assert r.status_code == 403
    assert org.rows("select bank_account_number from tenant_payout_details"
                    " where tenant_id = %s", (org.id,)) == [("50100012341234",)]
    # a manager may still change the profile
    assert manager.call("PATCH", "/api/tenants/me",
                        {"institution": "IITM"}).status_code == 200
    # the owner removes them
    r = org.owner.call("PATCH", "/api/tenants/me", {"payout": None})
    assert r.status_code == 200 and r.json()["payout"] is None


@pytest.mark.parametrize("payout, field", [
    ({"method": "upi", "upiId": "no-at-sign"}, "payout.upiId"),
    ({"method": "upi"}, "upiId"),
    ({"method": "bank", "accountName": "A", "accountNumber": "12ab56",
      "ifsc": "HDFC0001234"}, "payout.accountNumber"),
    ({"method": "bank", "accountName": "A", "accountNumber": "12345678",
      "ifsc": "HDFC1001234"}, "payout.ifsc"),
    ({"method": "cash"}, "payout.method"),
    ({"method": "upi", "upiId": "a@okaxis", "pin": "1234"}, "payout.pin"),
])
def test_payout_errors_name_the_field(ctx, payout, field):
    org = Org(ctx)
    r = org.owner.call("PATCH", "/api/tenants/me", {"payout": payout})
    assert r.status_code == 400, r.text
    assert f"'{field}'" in err(r)["message"]


def test_a_token_for_a_tenant_one_is_not_a_member_of_gets_nothing(ctx):
    victim = Org(ctx)
    victim.owner.call("PATCH", "/api/tenants/me",
                      {"payout": {"method": "upi", "upiId": "victim@okaxis"}})
    # a correctly signed token naming someone else's tenant (as a stale or
    # forged role claim would)
    intruder = Person(ctx).act_as(victim.id, "owner")
    for method, path, body in [
            ("GET", "/api/tenants/me", None),
            ("PATCH", "/api/tenants/me", {"name": "pwned"}),
            ("GET", "/api/tenants/me/members", None),
            ("POST", "/api/tenants/me/members",
             {"email": "x@y.in", "role": "owner"}),
            ("DELETE", f"/api/tenants/me/members/{victim.owner.id}", None)]:
        r = intruder.call(method, path, body)
        assert r.status_code == 403, (method, path, r.text)
        assert err(r)["code"] == "not_a_member"
    assert victim.rows("select name from tenants where id = %s",
                       (victim.id,)) == [(victim.name,)]
    assert victim.rows("select count(*) from memberships where tenant_id = %s",
                       (victim.id,)) == [(1,)]


# -------------------------------------------------------------------- teams

def test_owner_invites_lists_changes_and_removes_members(ctx):
    org = Org(ctx)
    email = f"Crew-{uuid.uuid4().hex[:8]}@Example.ORG"
    r = org.owner.call("POST", "/api/tenants/me/members",
                       {"email": email, "role": "manager"})
    assert r.status_code == 202, r.text
    m = r.json()
    assert m["email"] == email.lower() and m["role"] == "manager"
    assert m["status"] == "pending"
    # the invitation waits in the outbox, written with the invitation
    out = sql(ctx.owner_dsn, "select channel, payload from outbox"
              " where recipient = %s", (email.lower(),))
    assert len(out) == 1 and out[0][0] == "email"
    assert out[0][1]["template"] == "member.invitation"
    assert out[0][1]["inviter"] == "owner"       # the inviter's name
    assert out[0][1]["tenantId"] == org.id and out[0][1]["role"] == "manager"
    # nobody joins before accepting
    assert [x["userId"] for x in org.owner.call(
        "GET", "/api/tenants/me/members").json()["members"]] == [org.owner.id]
    crew = Person(ctx, "crew", email=email.lower())
    uid = crew.id
    r = crew.call("POST",
                  f"/api/tenants/invitations/{m['invitationId']}/accept")
    assert r.status_code == 200, r.text

    r = org.owner.call("GET", "/api/tenants/me/members")
    assert r.status_code == 200
    members = {x["userId"]: x["role"] for x in r.json()["members"]}
    assert members == {org.owner.id: "owner", uid: "manager"}
    assert r.json()["members"][0]["userId"] == org.owner.id
    # when each joined, as every time in the API: RFC 3339 UTC
    for x in r.json()["members"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                            x["since"]), x

    r = org.owner.call("POST", "/api/tenants/me/members",
                       {"email": email, "role": "scanner"})
    assert r.status_code == 409 and err(r)["code"] == "already_member"

    r = org.owner.call("PATCH", f"/api/tenants/me/members/{uid}",
                       {"role": "scanner"})
    assert r.status_code == 200 and r.json()["role"] == "scanner"
    r = org.owner.call("DELETE", f"/api/tenants/me/members/{uid}")
    assert r.status_code == 204
    assert org.rows("select count(*) from memberships where tenant_id = %s"
                    " and user_id = %s", (org.id, uid)) == [(0,)]
    assert [(a, t) for a, t, _ in audit(org, "member.added")] == \
        [(uid, f"user:{uid}")]                 # the invitee accepted
    assert [d for _, _, d in audit(org, "member.role_changed")] == \
        [{"from": "manager", "to": "scanner"}]
    assert [d for _, _, d in audit(org, "member.removed")] == \
        [{"from": "scanner"}]


def test_invite_by_phone_normalises_and_queues_an_sms(ctx):
    org = Org(ctx)
    digits = "9" + uuid.uuid4().int.__str__()[:9]
    r = org.owner.call("POST", "/api/tenants/me/members",
                       {"phone": f"{digits[:5]} {digits[5:]}",
                        "role": "scanner"})
    assert r.status_code == 202, r.text
    assert r.json()["phone"] == "+91" + digits
    assert sql(ctx.owner_dsn, "select channel from outbox where recipient = %s",
               ("+91" + digits,)) == [("sms",)]


@pytest.mark.parametrize("body, field", [
    ({"role": "manager"}, "email"),
    ({"email": "a@b.in", "phone": "9876543210", "role": "manager"}, "email"),
    ({"email": "not an email", "role": "manager"}, "email"),
    ({"phone": "12", "role": "manager"}, "phone"),
    ({"email": "a@b.in", "role": "admin"}, "role"),
    ({"email": "a@b.in"}, "role"),
])
def test_invite_errors_name_the_field(ctx, body, field):
    org = Org(ctx)
    r = org.owner.call("POST", "/api/tenants/me/members", body)
    assert r.status_code == 400, r.text
    assert f"'{field}'" in err(r)["message"]


def test_a_manager_manages_staff_but_never_owners(ctx):
    org = Org(ctx)
    manager = org.member("manager")
    staff = Person(ctx, "staff")
    r = manager.call("POST", "/api/tenants/me/members",
                     {"email": staff.email, "role": "scanner"})
    assert r.status_code == 202
    assert staff.call("POST", f"/api/tenants/invitations/"
                      f"{r.json()['invitationId']}/accept").status_code == 200
    scanner = staff.id
    assert manager.call("PATCH", f"/api/tenants/me/members/{scanner}",
                        {"role": "manager"}).status_code == 200
    for method, path, body in [
            ("POST", "/api/tenants/me/members",
             {"email": f"o-{uuid.uuid4().hex[:8]}@t.in", "role": "owner"}),
            ("PATCH", f"/api/tenants/me/members/{scanner}", {"role": "owner"}),
            ("PATCH", f"/api/tenants/me/members/{org.owner.id}",
             {"role": "scanner"}),
            ("DELETE", f"/api/tenants/me/members/{org.owner.id}", None),
            ("PATCH", f"/api/tenants/me/members/{manager.id}",
             {"role": "owner"})]:
        r = manager.call(method, path, body)
        assert r.status_code == 403, (method, path, r.text)
    roles = dict(org.rows("select user_id::text, role from memberships"
                          " where tenant_id = %s", (org.id,)))
    assert roles == {org.owner.id: "owner", manager.id: "manager",
                     scanner: "manager"}
    assert manager.call("DELETE",
                        f"/api/tenants/me/members/{scanner}").status_code == 204


def test_a_scanner_cannot_manage_the_team_but_may_leave(ctx):
    org = Org(ctx)
    scanner = org.member("scanner")
    other = org.member("scanner")
    assert scanner.call("GET", "/api/tenants/me").status_code == 200
    assert scanner.call("GET", "/api/tenants/me/members").status_code == 403
    assert scanner.call("POST", "/api/tenants/me/members",
                        {"email": "x@y.in", "role": "scanner"}).status_code == 403
    assert scanner.call("PATCH", f"/api/tenants/me/members/{scanner.id}",
                        {"role": "manager"}).status_code == 403
    assert scanner.call("DELETE",
                        f"/api/tenants/me/members/{other.id}").status_code == 403
    assert scanner.call("PATCH", "/api/tenants/me",
                        {"name": "x"}).status_code == 403
    assert scanner.call("DELETE",
                        f"/api/tenants/me/members/{scanner.id}").status_code == 204
    # gone at once, although the token still says scanner
    r = scanner.call("GET", "/api/tenants/me")
    assert r.status_code == 403 and err(r)["code"] == "not_a_member"


def test_the_last_owner_can_neither_leave_nor_be_demoted(ctx):
    org = Org(ctx)
    me = f"/api/tenants/me/members/{org.owner.id}"
    r = org.owner.call("DELETE", me)
    assert r.status_code == 409 and err(r)["code"] == "last_owner"
    r = org.owner.call("PATCH", me, {"role": "manager"})
    assert r.status_code == 409 and err(r)["code"] == "last_owner"
    co = org.member("owner")
    assert org.owner.call("PATCH", me, {"role": "manager"}).status_code == 200
    r = co.call("DELETE", f"/api/tenants/me/members/{co.id}")
    assert r.status_code == 409
    assert org.rows("select user_id::text from memberships where tenant_id = %s"
                    " and role = 'owner'", (org.id,)) == [(co.id,)]


def test_a_demoted_member_loses_the_old_role_before_the_token_expires(ctx):
    org = Org(ctx)
    manager = org.member("manager")
    assert org.owner.call("PATCH", f"/api/tenants/me/members/{manager.id}",
                          {"role": "scanner"}).status_code == 200
    # the token still claims manager
    r = manager.call("POST", "/api/tenants/me/members",
                     {"email": "late@t.in", "role": "scanner"})
    assert r.status_code == 403
    r = manager.call("PATCH", "/api/tenants/me", {"name": "late"})
    assert r.status_code == 403


def test_member_changes_across_tenants_are_404_and_change_nothing(ctx):
    a = Org(ctx)
    b = Org(ctx)
    both = b.member("scanner")           # a member of b only
    r = a.owner.call("POST", "/api/tenants/me/members",
                     {"email": both.email, "role": "manager"})
    assert r.status_code == 202
    assert both.call("POST", f"/api/tenants/invitations/"
                     f"{r.json()['invitationId']}/accept").status_code == 200
    # now a manager of a as well
    for method, body in [("PATCH", {"role": "owner"}), ("DELETE", None)]:
        r = a.owner.call(method, f"/api/tenants/me/members/{b.owner.id}",
                         body)
        assert r.status_code == 404, r.text
        assert err(r)["code"] == "member_not_found"
    r = a.owner.call("PATCH", f"/api/tenants/me/members/{uuid.uuid4()}",
                     {"role": "scanner"})
    assert r.status_code == 404
    assert a.owner.call("DELETE",
                        "/api/tenants/me/members/not-a-uuid").status_code == 404
    # changing the shared person in a leaves b untouched
    assert a.owner.call("DELETE",
                        f"/api/tenants/me/members/{both.id}").status_code == 204
    assert b.rows("select user_id::text, role from memberships"
                  " where tenant_id = %s order by role", (b.id,)) == \
        [(b.owner.id, "owner"), (both.id, "scanner")]
    assert a.owner.call("GET", "/api/tenants/me/members").json()["members"] == \
        [m for m in a.owner.call("GET", "/api/tenants/me/members")
         .json()["members"] if m["userId"] == a.owner.id]


def test_invitations_work_at_once_after_a_redis_restart(ctx, svc,
                                                        wait_healthy):
    org = Org(ctx)

    def invite():
        return org.owner.call("POST", "/api/tenants/me/members", {
            "email": f"r-{uuid.uuid4().hex[:10]}@t.in",
            "role": "scanner"}).status_code

    assert invite() == 202
    try:
        svc("restart", "redis")
    finally:
        wait_healthy(5)
    # every worker's connection went stale; none may answer 503 for it
    assert [invite() for _ in range(4)] == [202] * 4
