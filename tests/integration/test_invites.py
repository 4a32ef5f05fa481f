"""Team invitations (issue #16, item 2): inviting is no directory of users.

`POST /api/tenants/me/members` used to answer with the invitee's whole user
row (phone, name) and add them at once. Now it records a pending invitation
and answers only what the inviter typed; the invitee, signed in with that
email or phone, accepts by the link's token or from their own list. These
tests are the attacks on it: probing for accounts, accepting someone else's
invitation, replaying, forging, revoked and expired links, spamming, and
inviting without the right (any more)."""

import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from ztorg import Org, Person, ctx, sql  # noqa: F401 (ctx is a fixture)

INVITE = "/api/tenants/me/members"
SHAPE_EMAIL = {"invitationId", "email", "role", "status", "expiresAt"}
SHAPE_PHONE = {"invitationId", "phone", "role", "status", "expiresAt"}


def err(r):
    return r.json()["error"]


def phone():
    return "+9198" + str(uuid.uuid4().int)[:8]


def person_with(ctx, email=None, phone_=None, name="Secret Name"):
    """A user row with a phone and a name (what the old answer leaked)."""
    p = Person(ctx, "known", email=email)
    if phone_:
        sql(ctx.owner_dsn, "update users set phone = %s, name = %s"
            " where id = %s", (phone_, name, p.id))
    return p


def invite(who, **body):
    body.setdefault("role", "scanner")
    return who.call("POST", INVITE, body)


def token_of(ctx, invitation_id):
    """The token in the link of the invitation's message (the outbox)."""
    rows = sql(ctx.owner_dsn, "select payload from outbox"
               " where payload->>'invitationId' = %s", (invitation_id,))
    assert len(rows) == 1
    link = rows[0][0]["link"]
    assert "/organizer/invite.html?token=" in link
    return parse_qs(urlparse(link).query)["token"][0]


def accept(who, token):
    return who.call("POST", "/api/tenants/invitations/accept",
                    {"token": token})


def status(org, invitation_id):
    return org.rows("select status from invitations where id = %s",
                    (invitation_id,))[0][0]


def members(org):
    return dict(org.rows("select user_id::text, role from memberships"
                         " where tenant_id = %s", (org.id,)))


# ------------------------------------------------- no directory of users

def test_the_answer_is_the_same_for_known_and_unknown_emails(ctx):
    org = Org(ctx)
    ph = phone()
    known = person_with(ctx, phone_=ph)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@test.ztic.in"
    a = invite(org.owner, email=known.email.upper())
    b = invite(org.owner, email=unknown)
    assert a.status_code == b.status_code == 202, (a.text, b.text)
    assert set(a.json()) == set(b.json()) == SHAPE_EMAIL
    assert a.json()["email"] == known.email      # as typed, normalised
    assert b.json()["email"] == unknown
    for r in (a, b):
        assert r.json()["status"] == "pending"
        assert r.json()["role"] == "scanner"
        assert "userId" not in r.text
    # nothing of the account: no phone, no name, no id
    assert ph not in a.text and "Secret Name" not in a.text
    assert known.id not in a.text
    # and nothing else differs: same fields, same values but the typed
    # identifier and the invitation's own id and expiry
    same = {"role", "status"}
    assert {k: a.json()[k] for k in same} == {k: b.json()[k] for k in same}


def test_the_answer_is_the_same_for_known_and_unknown_phones(ctx):
    org = Org(ctx)
    ph, other = phone(), phone()
    known = person_with(ctx, phone_=ph)
    a = invite(org.owner, phone=ph[3:8] + " " + ph[8:])   # typed locally
    b = invite(org.owner, phone=other)
    assert a.status_code == b.status_code == 202, (a.text, b.text)
    assert set(a.json()) == set(b.json()) == SHAPE_PHONE
    assert a.json()["phone"] == ph
    assert known.email not in a.text and "Secret Name" not in a.text
    assert known.id not in a.text
    assert sql(ctx.owner_dsn, "select channel from outbox"
               " where recipient = %s", (ph,)) == [("sms",)]


def test_inviting_creates_no_user_and_no_membership(ctx):
    org = Org(ctx)
    email = f"new-{uuid.uuid4().hex[:8]}@test.ztic.in"
    ph = phone()
    before = sql(ctx.owner_dsn, "select count(*) from users")[0][0]
    r1 = invite(org.owner, email=email, role="manager")
    r2 = invite(org.owner, phone=ph)
    assert r1.status_code == r2.status_code == 202
    assert sql(ctx.owner_dsn, "select count(*) from users"
               " where email = %s or phone = %s", (email, ph)) == [(0,)]
    assert sql(ctx.owner_dsn, "select count(*) from users")[0][0] >= before
    assert members(org) == {org.owner.id: "owner"}
    # the token is stored only as a keyed hash
    tok = token_of(ctx, r1.json()["invitationId"])
    rows = org.rows("select identifier, identifier_typed, channel, role,"
                    " status, length(token_hash), encode(token_hash, 'hex'),"
                    " invited_by::text, expires_at - created_at"
                    " from invitations where id = %s",
                    (r1.json()["invitationId"],))
    ident, typed, channel, role, st, n, hexhash, by, ttl = rows[0]
    assert (ident, typed, channel, role, st, n, by) == \
        (email, email, "email", "manager", "pending", 32, org.owner.id)
    assert tok not in hexhash and ttl.days == 7
    # the owner's list shows both, pending
    r = org.owner.call("GET", "/api/tenants/me/invitations")
    assert r.status_code == 200
    got = {(i.get("email") or i.get("phone"), i["role"], i["status"])
           for i in r.json()["invitations"]}
    assert got == {(email, "manager", "pending"), (ph, "scanner", "pending")}
    assert all(i["invitedBy"]["userId"] == org.owner.id
               for i in r.json()["invitations"])


# ------------------------------------------------------------- accepting

def test_the_invitee_accepts_with_the_link_once(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    r = invite(org.owner, email=crew.email, role="manager")
    inv = r.json()["invitationId"]
    tok = token_of(ctx, inv)
    r = accept(crew, tok)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["invitation"] == {"invitationId": inv, "status": "accepted",
                                  "role": "manager",
                                  "tenant": {"id": org.id, "name": org.name}}
    # a token for the tenant just joined
    assert body["tenantId"] == org.id and body["role"] == "manager"
    crew.token = body["accessToken"]
    assert crew.call("GET", "/api/tenants/me/members").status_code == 200
    assert members(org) == {org.owner.id: "owner", crew.id: "manager"}
    assert status(org, inv) == "accepted"
    assert org.rows("select actor_user_id::text, target, details"
                    " from audit_log where tenant_id = %s"
                    " and action = 'member.added'", (org.id,)) == \
        [(crew.id, f"user:{crew.id}",
          {"to": "manager", "invitation": inv, "invitedBy": org.owner.id})]
    # replayed: refused, nothing changes
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_used"
    # removed, the old link does not bring them back
    assert org.owner.call("DELETE", f"/api/tenants/me/members/{crew.id}"
                          ).status_code == 204
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_used"
    assert members(org) == {org.owner.id: "owner"}


def test_someone_elses_account_cannot_accept(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    thief = Person(ctx, "thief")
    inv = invite(org.owner, email=crew.email, role="owner").json()[
        "invitationId"]
    tok = token_of(ctx, inv)
    r = accept(thief, tok)
    assert r.status_code == 403, r.text
    assert err(r)["code"] == "invitation_not_for_you"
    assert crew.email not in r.text and org.name not in r.text
    # by id, it does not even exist for them; nor is it in their list
    r = thief.call("POST", f"/api/tenants/invitations/{inv}/accept")
    assert r.status_code == 404
    assert thief.call("GET", "/api/tenants/invitations/mine"
                      ).json()["invitations"] == []
    # a token minted for the victim's tenant does not help either
    thief.act_as(org.id, "owner")
    assert accept(thief, tok).status_code == 403
    assert members(org) == {org.owner.id: "owner"}
    assert status(org, inv) == "pending"
    # the invitee still can
    assert accept(crew, tok).status_code == 200
    assert members(org)[crew.id] == "owner"


def test_forged_and_malformed_tokens_are_refused(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    inv = invite(org.owner, email=crew.email).json()["invitationId"]
    tok = token_of(ctx, inv)
    # the right invitation id with another secret
    forged = tok[:22] + ("A" if tok[22] != "A" else "B") + tok[23:]
    for t, code in [(forged, 404), (tok[:-1], 400), ("x" * 64, 404),
                    ("", 400), (tok + "A", 400), ("../../etc", 400)]:
        r = accept(crew, t)
        assert r.status_code == code, (t, r.text)
    r = crew.call("POST", "/api/tenants/invitations/accept", {"token": 5})
    assert r.status_code == 400
    r = crew.call("POST", f"/api/tenants/invitations/{uuid.uuid4()}/accept")
    assert r.status_code == 404
    r = crew.call("POST", "/api/tenants/invitations/not-a-uuid/accept")
    assert r.status_code == 404
    assert members(org) == {org.owner.id: "owner"}
    assert accept(crew, tok).status_code == 200


def test_accepting_needs_a_signed_in_user(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    inv = invite(org.owner, email=crew.email).json()["invitationId"]
    tok = token_of(ctx, inv)
    r = ctx.api("POST", "/api/tenants/invitations/accept",
                json={"token": tok})
    assert r.status_code == 401
    assert ctx.api("GET", "/api/tenants/invitations/mine").status_code == 401
    assert status(org, inv) == "pending"


def test_the_invitee_lists_and_accepts_without_the_link(ctx):
    org = Org(ctx)
    other = Org(ctx)
    ph = phone()
    crew = person_with(ctx, phone_=ph, name="Crew")
    a = invite(org.owner, email=crew.email, role="manager").json()
    b = invite(other.owner, phone=ph).json()
    invite(org.owner, email=f"else-{uuid.uuid4().hex[:8]}@t.in")
    r = crew.call("GET", "/api/tenants/invitations/mine")
    assert r.status_code == 200
    mine = {i["invitationId"]: i for i in r.json()["invitations"]}
    assert set(mine) == {a["invitationId"], b["invitationId"]}
    x = mine[a["invitationId"]]
    assert x["tenant"] == {"id": org.id, "name": org.name}
    assert x["role"] == "manager" and x["status"] == "pending"
    assert x["invitedBy"] == "owner"               # the inviter's name
    r = crew.call("POST",
                  f"/api/tenants/invitations/{b['invitationId']}/accept")
    assert r.status_code == 200 and r.json()["tenantId"] == other.id
    assert members(other)[crew.id] == "scanner"
    assert [i["invitationId"] for i in crew.call(
        "GET", "/api/tenants/invitations/mine").json()["invitations"]] == \
        [a["invitationId"]]


# ---------------------------------------------------- revoked and expired

def test_revoked_invitations_are_refused(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    inv = invite(org.owner, email=crew.email).json()["invitationId"]
    tok = token_of(ctx, inv)
    assert org.owner.call("DELETE", f"/api/tenants/me/invitations/{inv}"
                          ).status_code == 204
    assert org.owner.call("GET", "/api/tenants/me/invitations"
                          ).json()["invitations"] == []
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    r = crew.call("POST", f"/api/tenants/invitations/{inv}/accept")
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    r = org.owner.call("DELETE", f"/api/tenants/me/invitations/{inv}")
    assert r.status_code == 409 and err(r)["code"] == "invitation_not_pending"
    assert members(org) == {org.owner.id: "owner"}
    assert [t for t, in org.rows(
        "select target from audit_log where tenant_id = %s"
        " and action = 'invitation.revoked'", (org.id,))] == \
        [f"invitation:{inv}"]


def test_expired_invitations_are_refused(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    inv = invite(org.owner, email=crew.email).json()["invitationId"]
    tok = token_of(ctx, inv)
    org.rows("update invitations set created_at = now() - interval '8 days',"
             " expires_at = now() - interval '1 day' where id = %s", (inv,))
    assert crew.call("GET", "/api/tenants/invitations/mine"
                     ).json()["invitations"] == []
    assert org.owner.call("GET", "/api/tenants/me/invitations"
                          ).json()["invitations"] == []
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_expired"
    assert status(org, inv) == "expired"
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_expired"
    assert members(org) == {org.owner.id: "owner"}


def test_inviting_again_replaces_the_pending_invitation(ctx):
    org = Org(ctx)
    crew = Person(ctx, "crew")
    first = invite(org.owner, email=crew.email).json()["invitationId"]
    old = token_of(ctx, first)
    second = invite(org.owner, email=crew.email, role="manager").json()[
        "invitationId"]
    assert second != first
    assert status(org, first) == "revoked"
    r = accept(crew, old)
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    assert accept(crew, token_of(ctx, second)).status_code == 200
    assert members(org)[crew.id] == "manager"
    # a member is 409: they are on the member list already
    r = invite(org.owner, email=crew.email)
    assert r.status_code == 409 and err(r)["code"] == "already_member"


# ------------------------------------------------------ who may invite

def test_scanner_cannot_invite_list_or_revoke(ctx):
    org = Org(ctx)
    inv = invite(org.owner, email=f"x-{uuid.uuid4().hex[:8]}@t.in").json()[
        "invitationId"]
    scanner = org.member("scanner")
    for method, path, body in [
            ("POST", INVITE, {"email": "y@t.in", "role": "scanner"}),
            ("GET", "/api/tenants/me/invitations", None),
            ("DELETE", f"/api/tenants/me/invitations/{inv}", None)]:
        r = scanner.call(method, path, body)
        assert r.status_code == 403, (method, path, r.text)
    assert status(org, inv) == "pending"
    assert org.rows("select count(*) from invitations where tenant_id = %s",
                    (org.id,)) == [(2,)]    # the scanner's own, accepted


def test_a_manager_neither_invites_nor_revokes_owners(ctx):
    org = Org(ctx)
    manager = org.member("manager")
    email = f"boss-{uuid.uuid4().hex[:8]}@t.in"
    r = invite(manager, email=email, role="owner")
    assert r.status_code == 403
    inv = invite(org.owner, email=email, role="owner").json()["invitationId"]
    assert manager.call("DELETE", f"/api/tenants/me/invitations/{inv}"
                        ).status_code == 403
    # nor replaces the owner's invitation by inviting again
    assert invite(manager, email=email, role="scanner").status_code == 403
    assert status(org, inv) == "pending"


def test_another_tenants_invitation_is_404(ctx):
    a = Org(ctx)
    b = Org(ctx)
    inv = invite(a.owner, email=f"x-{uuid.uuid4().hex[:8]}@t.in").json()[
        "invitationId"]
    for path in [f"/api/tenants/me/invitations/{inv}",
                 f"/api/tenants/me/invitations/{uuid.uuid4()}",
                 "/api/tenants/me/invitations/not-a-uuid"]:
        r = b.owner.call("DELETE", path)
        assert r.status_code == 404, (path, r.text)
        assert err(r)["code"] == "invitation_not_found"
    assert b.owner.call("GET", "/api/tenants/me/invitations"
                        ).json()["invitations"] == []
    assert status(a, inv) == "pending"
    # a token naming a's tenant, for someone who is not a member
    r = Person(ctx).act_as(a.id, "owner").call(
        "GET", "/api/tenants/me/invitations")
    assert r.status_code == 403 and err(r)["code"] == "not_a_member"


def test_a_removed_member_cannot_invite_and_their_invitations_lapse(ctx):
    org = Org(ctx)
    manager = org.member("manager")
    crew = Person(ctx, "crew")
    inv = invite(manager, email=crew.email, role="manager").json()[
        "invitationId"]
    tok = token_of(ctx, inv)
    assert org.owner.call("DELETE", f"/api/tenants/me/members/{manager.id}"
                          ).status_code == 204
    # the access token still says manager
    r = invite(manager, email=f"late-{uuid.uuid4().hex[:8]}@t.in")
    assert r.status_code == 403 and err(r)["code"] == "not_a_member"
    assert manager.call("GET", "/api/tenants/me/invitations").status_code == 403
    # what they sent before lapsed with them: off the list, the link dead
    assert status(org, inv) == "revoked"
    assert org.owner.call("GET", "/api/tenants/me/invitations"
                          ).json()["invitations"] == []
    assert org.rows("select details from audit_log where tenant_id = %s"
                    " and action = 'invitation.revoked' and target = %s",
                    (org.id, f"invitation:{inv}")) == \
        [({"reason": "the inviter left the team"},)]
    r = accept(crew, tok)
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    assert crew.id not in members(org)


def test_accepting_checks_the_inviter_again(ctx):
    # however the membership went (here: straight in the database), an
    # invitation from someone who is no longer a member brings nobody in
    org = Org(ctx)
    manager = org.member("manager")
    crew = Person(ctx, "crew")
    inv = invite(manager, email=crew.email).json()["invitationId"]
    org.rows("delete from memberships where tenant_id = %s and user_id = %s",
             (org.id, manager.id))
    r = crew.call("POST", f"/api/tenants/invitations/{inv}/accept")
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    assert status(org, inv) == "revoked"
    assert crew.id not in members(org)


def test_a_demoted_inviter_cannot_grant_more_than_they_may(ctx):
    org = Org(ctx)
    co = org.member("owner")
    crew = Person(ctx, "crew")
    staff = Person(ctx, "staff")
    inv = invite(co, email=crew.email, role="owner").json()["invitationId"]
    kept = invite(co, email=staff.email, role="scanner").json()[
        "invitationId"]
    assert org.owner.call("PATCH", f"/api/tenants/me/members/{co.id}",
                          {"role": "manager"}).status_code == 200
    r = crew.call("POST", f"/api/tenants/invitations/{inv}/accept")
    assert r.status_code == 409 and err(r)["code"] == "invitation_revoked"
    assert crew.id not in members(org)
    # what a manager may still grant stays pending, and works
    assert status(org, kept) == "pending"
    assert staff.call("POST", f"/api/tenants/invitations/{kept}/accept"
                      ).status_code == 200
    assert members(org)[staff.id] == "scanner"


# ------------------------------------------------------------ rate limits

def test_invitations_are_rate_limited_per_inviter_and_per_tenant(ctx):
    org = Org(ctx)
    m1 = org.member("manager")
    m2 = org.member("manager")      # the owner has sent 2 of 20 so far

    def bulk(who, n):
        codes = []
        for _ in range(n):
            r = invite(who, email=f"b-{uuid.uuid4().hex[:10]}@t.in")
            codes.append(r.status_code)
        return codes, r

    codes, r = bulk(org.owner, 19)
    assert codes == [202] * 18 + [429], r.text
    assert err(r)["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    # another inviter of the same tenant still may, up to the tenant's 50
    # (the owner's 20, m1's 20, m2's 10)
    codes, _ = bulk(m1, 20)
    assert codes == [202] * 20
    codes, r = bulk(m2, 11)
    assert codes == [202] * 10 + [429]
    assert "Retry-After" in r.headers
    # known identifiers count alike, so the limit tells nothing either
    assert invite(m2, email=org.owner.email).status_code == 429
    assert org.rows("select count(*) from invitations where tenant_id = %s"
                    " and status = 'pending'", (org.id,)) == [(48,)]
    # another tenant is not affected
    assert invite(Org(ctx).owner,
                  email=f"x-{uuid.uuid4().hex[:8]}@t.in").status_code == 202


@pytest.mark.parametrize("body, field", [
    ({"role": "manager"}, "email"),
    ({"email": "a@b.in", "phone": "9876543210", "role": "manager"}, "email"),
    ({"email": "not an email", "role": "manager"}, "email"),
    ({"phone": "12", "role": "manager"}, "phone"),
    ({"email": "a@b.in", "role": "admin"}, "role"),
    ({"email": "a@b.in", "role": "manager", "userId": "x"}, "userId"),
])
def test_invite_errors_name_the_field_and_send_nothing(ctx, body, field):
    org = Org(ctx)
    r = org.owner.call("POST", INVITE, body)
    assert r.status_code == 400, r.text
    assert f"'{field}'" in err(r)["message"]
    assert org.rows("select count(*) from invitations where tenant_id = %s",
                    (org.id,)) == [(0,)]
