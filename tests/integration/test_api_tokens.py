"""Organizer API tokens (docs/api-tokens.md): scopes, revocation, expiry,
tenant isolation, and the secret shown once and nowhere else."""

import glob
import os
import uuid

from test_limits import assert_429, stack_setting
from ztorg import Org, ctx, days  # noqa: F401 (fixture)


def make_token(org, scopes, name="ci", **extra):
    body = {"name": name, "scopes": scopes}
    body.update(extra)
    r = org.owner.call("POST", "/api/tenants/me/tokens", body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["token"].startswith("zt_live_")
    assert len(out["token"]) == 8 + 64
    return out


def with_token(ctx, token, method, path, body=None):
    return ctx.api(method, path, json=body,
                   headers={"Authorization": "Bearer " + token})


def test_read_token_reads_but_cannot_write_or_refund(ctx):
    org = Org(ctx)
    ev = org.event()
    tok = make_token(org, ["events:read", "orders:read"])["token"]
    r = with_token(ctx, tok, "GET", "/api/events/mine")
    assert r.status_code == 200, r.text
    assert ev["id"] in [e["id"] for e in r.json()["events"]]
    r = with_token(ctx, tok, "GET", f"/api/bookings?eventId={ev['id']}")
    assert r.status_code == 200, r.text
    r = with_token(ctx, tok, "POST", f"/api/bookings/{uuid.uuid4()}/refund",
                   {"reason": "x"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "insufficient_scope"
    r = with_token(ctx, tok, "POST", "/api/events", {"title": "nope"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "insufficient_scope"
    r = with_token(ctx, tok, "PATCH", f"/api/events/{ev['id']}",
                   {"title": "nope"})
    assert r.status_code == 403
    # a write token may
    wtok = make_token(org, ["events:write"])["token"]
    r = with_token(ctx, wtok, "PATCH", f"/api/events/{ev['id']}",
                   {"title": "Renamed by a token"})
    assert r.status_code == 200, r.text
    # audit names the token's creator
    rows = org.rows("select actor_user_id::text from audit_log"
                    " where action like 'event.%%' order by id desc limit 1")
    assert rows and rows[0][0] == org.owner.id


def test_revoked_token_is_refused_at_once(ctx):
    org = Org(ctx)
    made = make_token(org, ["events:read"])
    tok = made["token"]
    assert with_token(ctx, tok, "GET", "/api/events/mine").status_code == 200
    r = org.owner.call("DELETE", f"/api/tenants/me/tokens/{made['tokenId']}")
    assert r.status_code == 204, r.text
    r = with_token(ctx, tok, "GET", "/api/events/mine")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_revoked"
    # again: harmless
    r = org.owner.call("DELETE", f"/api/tenants/me/tokens/{made['tokenId']}")
    assert r.status_code == 204
    lst = org.owner.call("GET", "/api/tenants/me/tokens").json()["tokens"]
    assert [t["status"] for t in lst if t["tokenId"] == made["tokenId"]] == \
        ["revoked"]


def test_expired_token_refused(ctx):
    org = Org(ctx)
    made = make_token(org, ["events:read"], expiresAt=days(1))
    assert with_token(ctx, made["token"], "GET",
                      "/api/events/mine").status_code == 200
    org.rows("update api_tokens set created_at = now() - interval '2 days',"
             " expires_at = now() - interval '1 second' where id = %s",
             (made["tokenId"],))
    r = with_token(ctx, made["token"], "GET", "/api/events/mine")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"
    r = org.owner.call("POST", "/api/tenants/me/tokens",
                       {"name": "past", "scopes": ["events:read"],
                        "expiresAt": "2020-01-01T00:00:00Z"})
    assert r.status_code == 400


def test_token_of_a_sees_nothing_of_b(ctx):
    a, b = Org(ctx), Org(ctx)
    ev_b = b.event()
    tb = make_token(b, ["events:read"])
    tok = make_token(a, ["events:read", "events:write", "orders:read",
                         "refunds", "checkin"])["token"]
    r = with_token(ctx, tok, "GET", f"/api/events/mine/{ev_b['id']}")
    assert r.status_code == 404
    r = with_token(ctx, tok, "GET", "/api/events/mine")
    assert ev_b["id"] not in [e["id"] for e in r.json()["events"]]
    r = with_token(ctx, tok, "PATCH", f"/api/events/{ev_b['id']}",
                   {"title": "hijack"})
    assert r.status_code == 404
    # B's owner cannot revoke A's token, nor A's owner B's
    r = b.owner.call("GET", "/api/tenants/me/tokens")
    assert tb["tokenId"] in [t["tokenId"] for t in r.json()["tokens"]]
    r = a.owner.call("DELETE", f"/api/tenants/me/tokens/{tb['tokenId']}")
    assert r.status_code == 404
    assert b.rows("select revoked_at from api_tokens where id = %s",
                  (tb["tokenId"],)) == [(None,)]


def test_forged_and_malformed_tokens(ctx):
    org = Org(ctx)
    made = make_token(org, ["events:read"])
    tok = made["token"]
    forged = tok[:-6] + ("AAAAAA" if not tok.endswith("AAAAAA") else "BBBBBB")
    for bad in (forged, "zt_live_short", "zt_live_" + "!" * 64):
        r = with_token(ctx, bad, "GET", "/api/events/mine")
        assert r.status_code == 401, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid_token"
    # a public route stays public with a token
    assert with_token(ctx, tok, "GET", "/api/events").status_code == 200


def test_only_owner_jwt_manages_tokens(ctx):
    org = Org(ctx)
    tok = make_token(org, ["events:read", "events:write", "orders:read",
                           "refunds", "checkin"])["token"]
    for method, path, body in (
            ("GET", "/api/tenants/me/tokens", None),
            ("POST", "/api/tenants/me/tokens",
             {"name": "x", "scopes": ["events:read"]}),
            ("GET", "/api/tenants/me/members", None),
            ("GET", "/api/bookings/mine", None),
            ("GET", "/api/auth/me", None)):
        r = with_token(ctx, tok, method, path, body)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "token_not_allowed"
    mgr = org.member("manager")
    r = mgr.call("POST", "/api/tenants/me/tokens",
                 {"name": "x", "scopes": ["events:read"]})
    assert r.status_code == 403
    for bad in ({"name": "x", "scopes": []},
                {"name": "x", "scopes": ["admin"]},
                {"name": "x", "scopes": ["refunds", "refunds"]},
                {"name": "", "scopes": ["refunds"]},
                {"scopes": ["refunds"]}):
        r = org.owner.call("POST", "/api/tenants/me/tokens", bad)
        assert r.status_code == 400, (bad, r.text)


def test_secret_shown_once_never_listed_nor_logged(ctx):
    org = Org(ctx)
    made = make_token(org, ["events:read"])
    tok = made["token"]
    with_token(ctx, tok, "GET", "/api/events/mine")
    with_token(ctx, tok[:-1] + "x", "GET", "/api/events/mine")
    r = org.owner.call("GET", "/api/tenants/me/tokens")
    assert tok[8:] not in r.text
    t = [t for t in r.json()["tokens"] if t["tokenId"] == made["tokenId"]][0]
    assert t["prefix"] == tok[:12]
    assert t["lastUsedAt"] is not None
    assert "token" not in t
    rows = org.rows("select encode(token_hash, 'hex') from api_tokens"
                    " where id = %s", (made["tokenId"],))
    assert tok[8:] not in rows[0][0]
    for path in glob.glob(os.path.join(ctx.stack_var, "log", "*")):
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                assert tok[8:] not in f.read(), path


def test_removed_creator_token_stops(ctx):
    org = Org(ctx)
    other = org.member("owner")
    r = other.call("POST", "/api/tenants/me/tokens",
                   {"name": "theirs", "scopes": ["events:read"]})
    assert r.status_code == 201, r.text
    tok = r.json()["token"]
    assert with_token(ctx, tok, "GET", "/api/events/mine").status_code == 200
    r = org.owner.call("DELETE", f"/api/tenants/me/members/{other.id}")
    assert r.status_code == 204, r.text
    r = with_token(ctx, tok, "GET", "/api/events/mine")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_a_member"


def test_checkin_scope_on_the_checkin_responder(ctx):
    org = Org(ctx)
    ev = org.published()
    ck = make_token(org, ["checkin"])["token"]
    rd = make_token(org, ["events:read"])["token"]
    path = f"/api/checkin/events/{ev['id']}/stats"
    r = with_token(ctx, ck, "GET", path)
    assert r.status_code == 200, r.text
    r = with_token(ctx, rd, "GET", path)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "insufficient_scope"
    r = with_token(ctx, ck, "POST", "/api/checkin/scan",
                   {"eventId": ev["id"], "payload": "nonsense", "gate": "A"})
    assert r.status_code not in (401, 403, 500, 503), r.text


def test_rate_limit_is_per_token(ctx, stack_var):
    """A token past its per-minute limit gets 429 with Retry-After (on
    every route, repeating does not get through); another token of the
    same tenant, and the owner's own sign-in, go on unaffected."""
    org = Org(ctx)
    limit = stack_setting(stack_var, "ZT_APITOKEN_PER_MINUTE", 600)
    assert limit <= 100, "the test stack sets a small limit (scripts/dev)"
    busy = make_token(org, ["events:read"], name="busy")["token"]
    calm = make_token(org, ["events:read"], name="calm")["token"]
    for i in range(limit):
        r = with_token(ctx, busy, "GET", "/api/events/mine")
        assert r.status_code == 200, (i, r.text)
    for path in ("/api/events/mine", "/api/tenants/me", "/api/events/mine"):
        assert_429(with_token(ctx, busy, "GET", path), at_most=60)
    r = with_token(ctx, calm, "GET", "/api/events/mine")
    assert r.status_code == 200, r.text
    assert org.owner.call("GET", "/api/events/mine").status_code == 200
