"""Organizer helpers shared by test_tenants.py and test_events.py.

People are created straight in `users` (owner DSN) and act with access
tokens minted from the stack's own key (ztauth.mint), so these tests spend
no OTPs. Tenants are made through the API (POST /api/tenants/onboard);
`Org.activate()` stands in for the platform admin's approval.
"""

import datetime
import uuid

import psycopg2
import pytest

from ztauth import mint


def utc(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def days(n, hours=0):
    """An RFC 3339 instant n days (and hours) from now."""
    return utc(datetime.datetime.now(datetime.timezone.utc)
               + datetime.timedelta(days=n, hours=hours))


def sql(dsn, query, args=(), tenant=None):
    """Run one statement as the owner (RLS forced: scope to a tenant to
    see its rows); returns all rows, or [] for statements without any."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            if tenant:
                cur.execute("select set_config('app.tenant_id', %s, true)",
                            (tenant,))
            cur.execute(query, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


class Person:
    """A user in `users` who calls the API with a bearer token."""

    def __init__(self, ctx, label="u", email=None):
        self.ctx = ctx
        self.id = str(uuid.uuid4())
        self.email = email or f"{label}-{self.id[:8]}@test.ztic.in"
        sql(ctx.owner_dsn,
            "insert into users (id, email, name) values (%s, %s, %s)",
            (self.id, self.email, label))
        self.token = mint(ctx.stack_var, self.id)

    def act_as(self, tenant_id, role):
        """Use a token for tenant_id with role (as refresh would mint)."""
        self.token = mint(self.ctx.stack_var, self.id, tenant_id, role)
        return self

    def call(self, method, path, body=None, headers=None, **kw):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return self.ctx.api(method, path, json=body, headers=h, **kw)


class Org:
    """A tenant onboarded through the API by its owner."""

    def __init__(self, ctx, name=None, activate=True, **extra):
        self.ctx = ctx
        self.owner = Person(ctx, "owner")
        self.name = name or f"Org {uuid.uuid4().hex[:8]}"
        body = {"name": self.name, "contactEmail": self.owner.email}
        body.update(extra)
        r = self.owner.call("POST", "/api/tenants/onboard", body)
        assert r.status_code == 201, r.text
        self.onboarded = r.json()
        self.owner.token = self.onboarded["accessToken"]
        self.id = self.onboarded["tenant"]["id"]
        self.slug = self.onboarded["tenant"]["slug"]
        if activate:
            self.activate()

    def activate(self):
        """What a platform admin's approval does."""
        sql(self.ctx.owner_dsn,
            "update tenants set status = 'active' where id = %s", (self.id,),
            tenant=self.id)

    def member(self, role, label=None):
        """A new person invited by the owner with role, who accepts (from
        their list of invitations), acting for us."""
        p = Person(self.ctx, label or role)
        r = self.owner.call("POST", "/api/tenants/me/members",
                            {"email": p.email, "role": role})
        assert r.status_code == 202, r.text
        inv = r.json()["invitationId"]
        r = p.call("POST", f"/api/tenants/invitations/{inv}/accept")
        assert r.status_code == 200, r.text
        return p.act_as(self.id, role)

    def rows(self, query, args=()):
        return sql(self.ctx.owner_dsn, query, args, tenant=self.id)

    def event(self, **over):
        """A draft event of this tenant; returns its JSON."""
        r = self.owner.call("POST", "/api/events", event_body(**over))
        assert r.status_code == 201, r.text
        return r.json()

    def published(self, layout=None, **over):
        """An event with a layout (GA by default), published."""
        over.setdefault("layoutKind", "ga")
        ev = self.event(**over)
        r = self.owner.call("PUT", f"/api/events/{ev['id']}/layout",
                            layout or GA_LAYOUT)
        assert r.status_code == 200, r.text
        r = self.owner.call("POST", f"/api/events/{ev['id']}/publish")
        assert r.status_code == 200, r.text
        return r.json()


GA_LAYOUT = {"ticketTypes": [{"name": "Entry", "pricePaise": 50000,
                              "capacity": 100}]}

RESERVED_LAYOUT = {
    "kind": "reserved",
    "categories": [{"name": "Gold", "pricePaise": 80000, "colour": "#f4a261"},
                   {"name": "Silver", "pricePaise": 30000}],
    "generate": {"rows": "A-C", "seatsPerRow": 4, "category": "Silver",
                 "categories": [{"rows": "A", "category": "Gold"}]},
}


def event_body(**over):
    body = {"title": f"Event {uuid.uuid4().hex[:8]}",
            "description": "A night of music",
            "category": "music", "tags": ["Live", "indie"],
            "city": "Mumbai", "venueName": "Hall 1",
            "startsAt": days(10), "endsAt": days(10, 3)}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


class Ctx:
    def __init__(self, api, stack_var, owner_dsn):
        self.api = api
        self.stack_var = stack_var
        self.owner_dsn = owner_dsn


@pytest.fixture
def ctx(api, stack_var, pg_owner_dsn):
    return Ctx(api, stack_var, pg_owner_dsn)
