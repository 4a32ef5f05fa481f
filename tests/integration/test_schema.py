"""The schema's guarantees, checked against a live database.

Needs ZT_TEST_PG_SUPER_DSN, ZT_TEST_PG_OWNER_DSN and ZT_TEST_PG_APP_DSN
(libpq conninfo, set by `scripts/dev test`) pointing at a database migrated
with sql/ztic-migrate. Every test builds its own tenants with random slugs
and removes them afterwards, so the database may also hold demo data.

Run: /usr/bin/python3 -m pytest tests/integration/test_schema.py
"""

import contextlib
import os
import threading
import uuid

import psycopg2
import psycopg2.errors
import pytest

# Tables with a tenant_id that anyone may read for public events.
PUBLIC_TABLES = {"events", "price_categories", "seats", "ticket_types",
                 # a listed event's registration form (sql/029)
                 "event_registration", "form_questions"}

N_RACERS = 50

# Tables only ztic_system (cron, webhooks, the admin console) may use:
# admins, their sessions and secrets, platform switches (sql/013).
SYSTEM_ONLY_TABLES = ("admin_invitations", "admin_sessions", "platform_admins",
                      "platform_settings")

# Built-in platform_admins row the cron programs act as (001_core.sql).
SYSTEM_ADMIN = "00000000-0000-4000-8000-000000000001"


def _dsn(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the integration tests through "
            "`scripts/dev test`, or export ZT_TEST_PG_SUPER_DSN, "
            "ZT_TEST_PG_OWNER_DSN and ZT_TEST_PG_APP_DSN (libpq conninfo) "
            "for a database migrated with sql/ztic-migrate",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="module")
def super_dsn():
    return _dsn("ZT_TEST_PG_SUPER_DSN")


@pytest.fixture(scope="module")
def owner_dsn():
    return _dsn("ZT_TEST_PG_OWNER_DSN")


@pytest.fixture(scope="module")
def app_dsn():
    return _dsn("ZT_TEST_PG_APP_DSN")


@pytest.fixture(scope="module")
def system_dsn():
    return _dsn("ZT_TEST_PG_SYSTEM_DSN")


@pytest.fixture(scope="module")
def system(system_dsn):
    """ztic_system: cron, webhooks and the admin console (sql/013)."""
    conn = psycopg2.connect(system_dsn)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def owner(owner_dsn):
    conn = psycopg2.connect(owner_dsn)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def app(app_dsn):
    conn = psycopg2.connect(app_dsn)
    yield conn
    conn.close()


@contextlib.contextmanager
def scoped(conn, tenant=None, user=None, admin=None):
    """One transaction with the app.* settings a responder would set."""
    with conn:
        with conn.cursor() as cur:
            for key, value in (("app.tenant_id", tenant),
                               ("app.user_id", user),
                               ("app.admin_id", admin)):
                if value is not None:
                    cur.execute("select set_config(%s, %s, true)",
                                (key, str(value)))
            yield cur


def rows(cur, sql, args=()):
    cur.execute(sql, args)
    return cur.fetchall()


def one(cur, sql, args=()):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def tenant_tables(cur):
    """Every ordinary table in public with a tenant_id column."""
    return [r[0] for r in rows(cur, """
        select c.relname
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid
         where n.nspname = 'public' and c.relkind in ('r', 'p')
           and a.attname = 'tenant_id' and not a.attisdropped
         order by c.relname""")]


# ---------------------------------------------------------------------------
# Builders (as ztic_owner, which FORCE RLS binds too: always scoped)
# ---------------------------------------------------------------------------

class World:
    """Created rows, purged at teardown."""

    def __init__(self, owner):
        self.owner = owner
        self.tenants = []
        self.users = []
        self.admins = []

    def user(self, label="u"):
        uid = str(uuid.uuid4())
        email = f"{label}-{uid[:8]}@test.ztic.in"
        with scoped(self.owner) as cur:
            cur.execute("insert into users (id, email, name) values (%s, %s, %s)",
                        (uid, email, label))
        self.users.append(uid)
        return uid

    def admin(self, disabled=False):
        aid = str(uuid.uuid4())
        with scoped(self.owner) as cur:
            cur.execute("""insert into platform_admins (id, email, totp_secret,
                                                        disabled_at, enrolled_at)
                           values (%s, %s, %s, case when %s then now() end, now())""",
                        (aid, f"admin-{aid[:8]}@test.ztic.in",
                         psycopg2.Binary(os.urandom(20)), disabled))
        self.admins.append(aid)
        return aid

    def tenant(self, status="active", label="t"):
        """A tenant with a row in every tenant-scoped table."""
        t = {"id": str(uuid.uuid4())}
        t["slug"] = f"{label}-{uuid.uuid4().hex[:12]}"
        t["owner_user"] = self.user(f"{label}-owner")
        t["buyer"] = self.user(f"{label}-buyer")
        self.tenants.append(t["id"])
        with scoped(self.owner, tenant=t["id"]) as cur:
            cur.execute("""insert into tenants (id, slug, name, status)
                           values (%s, %s, %s, %s)""",
                        (t["id"], t["slug"], f"Tenant {label}", status))
            cur.execute("""insert into tenant_payout_details (tenant_id, method, upi_id)
                           values (%s, 'upi', 'someone@okbank')""", (t["id"],))
            cur.execute("""insert into memberships (tenant_id, user_id, role)
                           values (%s, %s, 'owner')""", (t["id"], t["owner_user"]))
            t["draft"] = self._event(cur, t["id"], "draft")
            t["pub"] = self._event(cur, t["id"], "published")
            cur.execute("""insert into audit_log (tenant_id, actor_user_id, action)
                           values (%s, %s, 'test.created')""",
                        (t["id"], t["owner_user"]))
            cur.execute("""insert into invitations (tenant_id, identifier_typed,
                                                    identifier, channel, role,
                                                    invited_by, tenant_name,
                                                    token_hash, expires_at)
                           values (%s, 'Crew@T.in', 'crew@t.in', 'email',
                                   'scanner', %s, 'Tenant', %s,
                                   now() + interval '7 days')""",
                        (t["id"], t["owner_user"], os.urandom(32)))
            cur.execute("""insert into ticket_keys (tenant_id, kid, public_key,
                                                    secret_box)
                           values (%s, 7, %s, %s)""",
                        (t["id"], os.urandom(32), os.urandom(72)))
            # API tokens and outgoing webhooks (sql/020)
            cur.execute("""insert into api_tokens (tenant_id, name, prefix,
                                                   token_hash, scopes, created_by)
                           values (%s, 'ci', 'zt_live_abcd', %s,
                                   array['events:read'], %s)""",
                        (t["id"], os.urandom(32), t["owner_user"]))
            cur.execute("""insert into webhook_endpoints (tenant_id, url, events,
                                                          secret, created_by)
                           values (%s, 'https://example.com/h',
                                   array['booking.confirmed'], %s, %s)
                           returning id""",
                        (t["id"], "s" * 40, t["owner_user"]))
            ep = cur.fetchone()[0]
            cur.execute("""insert into webhook_deliveries (tenant_id, endpoint_id,
                                                           event_type, body)
                           values (%s, %s, 'booking.confirmed', '{}')
                           returning id""", (t["id"], ep))
            cur.execute("""insert into webhook_attempts (tenant_id, delivery_id,
                                                         duration_ms)
                           values (%s, %s, 5)""", (t["id"], cur.fetchone()[0]))
        # A paid, refunded-in-part, checked-in order on the published event.
        b = self.booking(t["id"], t["pub"], t["buyer"],
                         seats=[t["pub"]["seats"][0]], confirm=True)
        t["booking"] = b
        with scoped(self.owner, tenant=t["id"]) as cur:
            cur.execute("""insert into payments (tenant_id, booking_id, provider_order_id,
                                                 provider_payment_id, status,
                                                 amount_paise, refunded_paise)
                           values (%s, %s, %s, %s, 'captured', %s, 100)
                           returning id""",
                        (t["id"], b["id"], "order_" + uuid.uuid4().hex,
                         "pay_" + uuid.uuid4().hex, b["total"]))
            pay = cur.fetchone()[0]
            cur.execute("""insert into refunds (tenant_id, payment_id, amount_paise,
                                                idempotency_key)
                           values (%s, %s, 100, %s)""",
                        (t["id"], pay, uuid.uuid4().hex))
            cur.execute("""insert into payouts (tenant_id, event_id, gross_paise,
                                                refunds_paise, fees_paise, net_paise)
                           values (%s, %s, 1000, 100, 50, 850)""",
                        (t["id"], t["pub"]["id"]))
            # a GST invoice for the platform's commission (sql/026, 031)
            cur.execute("""insert into invoices (tenant_id, event_id, fy, seq, number,
                               invoice_date, supplier_name, supplier_gstin,
                               supplier_address, supplier_state, recipient_name,
                               place_of_supply, sac, commission_paise,
                               gst_bps, taxable_paise, cgst_paise,
                               sgst_paise, igst_paise, total_paise)
                           values (%s, %s, %s, 1, %s, current_date, 'ztic',
                                   '27AAPFU0939F1ZV', 'Mumbai', '27', 'Tenant',
                                   '27', '998552', 100, 1800, 100, 9, 9, 0, 118)
                           returning id""",
                        (t["id"], t["pub"]["id"], "t-" + uuid.uuid4().hex[:8],
                         "ZT/test/" + uuid.uuid4().hex))
            # its credit note (sql/031)
            cur.execute("""insert into credit_notes (tenant_id, invoice_id, event_id, fy,
                               seq, number, note_date, commission_paise, cgst_paise,
                               sgst_paise, igst_paise, total_paise)
                           values (%s, %s, %s, %s, 1, %s, current_date, 10, 1, 1, 0, 12)""",
                        (t["id"], cur.fetchone()[0], t["pub"]["id"], "t-" + uuid.uuid4().hex[:8],
                         "ZT/CN/test/" + uuid.uuid4().hex))
            cur.execute("""insert into payment_discrepancies (tenant_id,
                                provider_payment_id, kind, amount_paise)
                           values (%s, %s, 'not_settled', 1000)""",
                        (t["id"], "pay_" + uuid.uuid4().hex))
            cur.execute("""insert into gates (tenant_id, event_id, name)
                           values (%s, %s, 'north') returning id""",
                        (t["id"], t["pub"]["id"]))
            t["gate"] = cur.fetchone()[0]
            cur.execute("""insert into admissions (tenant_id, event_id, ticket_id,
                                                   gate_id, scanned_by, scanned_at)
                           values (%s, %s, %s, %s, %s, now())""",
                        (t["id"], t["pub"]["id"], b["tickets"][0], t["gate"],
                         t["owner_user"]))
            cur.execute("""insert into checkin_duplicates (tenant_id, event_id,
                               ticket_id, admission_id, gate_id, scanned_by,
                               scanned_at)
                           select tenant_id, event_id, ticket_id, id, gate_id,
                                  scanned_by, now() from admissions
                            where ticket_id = %s""", (b["tickets"][0],))
            # a promo code and its use by the booking (sql/019_promo.sql)
            cur.execute("""insert into promo_codes (tenant_id, code, kind,
                                                    value, used)
                           values (%s, 'schema10', 'percent', 10, 1)
                           returning id""", (t["id"],))
            code = cur.fetchone()[0]
            cur.execute("""insert into promo_redemptions (tenant_id, code_id,
                                                          booking_id, user_id)
                           values (%s, %s, %s, %s)""",
                        (t["id"], code, b["id"], t["buyer"]))
            # a pending transfer of its ticket (sql/019_promo.sql)
            cur.execute("""insert into ticket_transfers (tenant_id, event_id,
                               ticket_id, from_user, to_email)
                           values (%s, %s, %s, %s, 'friend@t.in')""",
                        (t["id"], t["pub"]["id"], b["tickets"][0],
                         t["buyer"]))
            # the waiting room's copy of a drawn order (sql/025)
            cur.execute("""insert into queue_places (tenant_id, event_id,
                               user_id, place) values (%s, %s, %s, 1)""",
                        (t["id"], t["pub"]["id"], t["buyer"]))
            cur.execute("""insert into queue_marks (tenant_id, event_id,
                               frozen, k) values (%s, %s, 1, 1)""",
                        (t["id"], t["pub"]["id"]))
            # a saved venue (sql/030)
            cur.execute("""insert into venues (tenant_id, name, kind, layout)
                           values (%s, 'Hall', 'ga', '{}')""", (t["id"],))
            # a waiting-list entry of the buyer (sql/028_waitlist.sql)
            cur.execute("""insert into waitlist_entries (tenant_id, event_id,
                               price_category_id, user_id, quantity)
                           values (%s, %s, %s, %s, 1)""",
                        (t["id"], t["pub"]["id"], t["pub"]["pc"], t["buyer"]))
            # a registration form, an answer with an upload, a team
            # (sql/029_forms_teams.sql)
            cur.execute("""insert into event_registration (event_id, tenant_id,
                               team_min, team_max) values (%s, %s, 1, 4)""",
                        (t["pub"]["id"], t["id"]))
            cur.execute("""insert into form_questions (tenant_id, event_id,
                               position, label, kind, max_bytes)
                           values (%s, %s, 0, 'ID', 'file', 2048)
                           returning id""",
                        (t["id"], t["pub"]["id"]))
            question = cur.fetchone()[0]
            cur.execute("""insert into form_files (tenant_id, event_id, user_id,
                               sha256, media_type, size_bytes)
                           values (%s, %s, %s, repeat('a', 64),
                                   'application/pdf', 10) returning id""",
                        (t["id"], t["pub"]["id"], t["buyer"]))
            upload = cur.fetchone()[0]
            cur.execute("""insert into form_answers (tenant_id, booking_id,
                               question_id, user_id, position, label, kind,
                               value, file_id)
                           values (%s, %s, %s, %s, 0, 'ID', 'file',
                                   to_jsonb(%s::text), %s)""",
                        (t["id"], b["id"], question, t["buyer"], upload,
                         upload))
            cur.execute("""insert into reg_teams (tenant_id, event_id, name,
                               leader_id, code_sha256)
                           values (%s, %s, 'Team', %s, repeat('b', 64))
                           returning id""",
                        (t["id"], t["pub"]["id"], t["buyer"]))
            cur.execute("""insert into reg_team_members (tenant_id, team_id,
                               event_id, user_id) values (%s, %s, %s, %s)""",
                        (t["id"], cur.fetchone()[0], t["pub"]["id"],
                         t["buyer"]))
        return t

    @staticmethod
    def _event(cur, tid, status):
        e = {"id": str(uuid.uuid4()), "status": status}
        cur.execute("""insert into events (id, tenant_id, slug, title, starts_at,
                                           ends_at, status, published_at, layout_kind)
                       values (%s, %s, %s, 'Test event', now() + interval '7 days',
                               now() + interval '7 days 3 hours', %s,
                               case when %s <> 'draft' then now() end, 'hybrid')""",
                    (e["id"], tid, f"ev-{uuid.uuid4().hex[:12]}", status, status))
        cur.execute("""insert into price_categories (tenant_id, event_id, name,
                                                     price_paise)
                       values (%s, %s, 'Standard', 50000) returning id""",
                    (tid, e["id"]))
        e["pc"] = cur.fetchone()[0]
        e["price"] = 50000
        e["seats"] = []
        for i in range(1, 4):
            cur.execute("""insert into seats (tenant_id, event_id, section, row_label,
                                              seat_label, x, y, price_category_id)
                           values (%s, %s, 'Main', 'A', %s, %s, 0, %s)
                           returning id""",
                        (tid, e["id"], str(i), i, e["pc"]))
            e["seats"].append(cur.fetchone()[0])
        cur.execute("""insert into ticket_types (tenant_id, event_id, name,
                                                 price_paise, capacity)
                       values (%s, %s, 'Standing', 30000, 100) returning id""",
                    (tid, e["id"]))
        e["ga"] = cur.fetchone()[0]
        return e

    def booking(self, tid, event, user, seats=(), confirm=False):
        """A booking with live tickets for seats; confirmed if asked."""
        b = {"id": str(uuid.uuid4()), "tickets": []}
        subtotal = event["price"] * len(seats)
        b["total"] = subtotal + 2000 + 360
        with scoped(self.owner, tenant=tid) as cur:
            cur.execute("""insert into bookings (id, tenant_id, event_id, user_id,
                                                 subtotal_paise, fee_paise, tax_paise,
                                                 total_paise, expires_at)
                           values (%s, %s, %s, %s, %s, 2000, 360, %s,
                                   now() + interval '10 minutes')""",
                        (b["id"], tid, event["id"], user, subtotal, b["total"]))
            for seat in seats:
                cur.execute("""insert into tickets (tenant_id, event_id, booking_id,
                                                    user_id, seat_id, price_paise)
                               values (%s, %s, %s, %s, %s, %s) returning id""",
                            (tid, event["id"], b["id"], user, seat, event["price"]))
                b["tickets"].append(cur.fetchone()[0])
                cur.execute("""insert into booking_items (tenant_id, booking_id, event_id,
                                                          seat_id, unit_price_paise)
                               values (%s, %s, %s, %s, %s)""",
                            (tid, b["id"], event["id"], seat, event["price"]))
            if confirm:
                cur.execute("""update bookings set status = 'confirmed',
                                                   confirmed_at = now()
                               where id = %s""", (b["id"],))
        return b

    def purge(self):
        order = ["venues", "webhook_attempts", "webhook_deliveries", "webhook_endpoints",
                 "api_tokens", "ticket_keys", "payment_discrepancies", "checkin_duplicates", "admissions", "gates", "ticket_transfers", "promo_redemptions", "promo_codes", "refunds", "payments", "payouts", "credit_notes", "invoices", "tickets",
                 "booking_items", "bookings", "seats", "ticket_types", "price_categories",
                 "events", "invitations", "memberships", "tenant_payout_details",
                 "audit_log"]
        for tid in self.tenants:
            with scoped(self.owner, tenant=tid) as cur:
                for table in order:
                    cur.execute(f"delete from {table} where tenant_id = %s", (tid,))
                cur.execute("delete from tenants where id = %s", (tid,))
        with scoped(self.owner) as cur:
            if self.users:
                cur.execute("delete from users where id = any(%s::uuid[])",
                            (self.users,))
            if self.admins:
                cur.execute("delete from platform_admins where id = any(%s::uuid[])",
                            (self.admins,))


@pytest.fixture
def world(owner):
    w = World(owner)
    yield w
    owner.rollback()
    w.purge()


# ---------------------------------------------------------------------------
# Catalogue checks: hold for every table, including future ones
# ---------------------------------------------------------------------------

def test_every_table_with_tenant_id_has_rls_enabled_and_forced(app):
    with scoped(app) as cur:
        tables = tenant_tables(cur)
        assert "bookings" in tables and "tickets" in tables
        missing = rows(cur, """
            select c.relname
              from pg_class c
              join pg_namespace n on n.oid = c.relnamespace
             where n.nspname not in ('pg_catalog', 'information_schema')
               and c.relkind in ('r', 'p')
               and (exists (select 1 from pg_attribute a
                             where a.attrelid = c.oid and a.attname = 'tenant_id'
                               and not a.attisdropped)
                    or (n.nspname = 'public' and c.relname = 'tenants'))
               and not (c.relrowsecurity and c.relforcerowsecurity)""")
        assert missing == [], f"tables without ENABLE + FORCE row level security: {missing}"
        no_policy = rows(cur, """
            select c.relname from pg_class c
             where c.relrowsecurity and c.relnamespace = 'public'::regnamespace
               and not exists (select 1 from pg_policy p
                                where p.polrelid = c.oid and p.polname = 'tenant_isolation')""")
        assert no_policy == [], f"RLS tables without a tenant_isolation policy: {no_policy}"


def test_every_view_is_security_invoker(app):
    with scoped(app) as cur:
        bad = rows(cur, """
            select c.relname
              from pg_class c
              join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('v', 'm')
               and n.nspname not in ('pg_catalog', 'information_schema')
               and not exists (select 1 from pg_options_to_table(c.reloptions) o
                                where o.option_name = 'security_invoker'
                                  and o.option_value in ('true', 'on', '1', 'yes'))""")
        assert bad == [], f"views without security_invoker: {bad}"


def test_app_role_owns_nothing_and_cannot_bypass_rls(app):
    with scoped(app) as cur:
        assert one(cur, "select current_user") == "ztic_app"
        sup, bypass = rows(cur, """select rolsuper, rolbypassrls from pg_roles
                                    where rolname = current_user""")[0]
        assert not sup and not bypass
        # FORCE only binds the owner if it is not superuser / BYPASSRLS.
        sup, bypass = rows(cur, """select rolsuper, rolbypassrls from pg_roles
                                    where rolname = 'ztic_owner'""")[0]
        assert not sup and not bypass
        owned = rows(cur, """
            select 'class ' || relname from pg_class where relowner = current_user::regrole
            union all
            select 'function ' || proname from pg_proc where proowner = current_user::regrole
            union all
            select 'schema ' || nspname from pg_namespace where nspowner = current_user::regrole
            union all
            select 'type ' || typname from pg_type where typowner = current_user::regrole""")
        assert owned == [], f"ztic_app owns {owned}"
        assert one(cur, "select has_schema_privilege('public', 'CREATE')") is False
        assert one(cur, """select has_function_privilege(
                               'zt_apply_tenant_rls(regclass)', 'EXECUTE')""") is False


def test_app_role_may_use_every_table_but_the_migration_log(app):
    with scoped(app) as cur:
        without = rows(cur, """
            select c.relname from pg_class c
             where c.relnamespace = 'public'::regnamespace
               and c.relkind in ('r', 'p', 'v')
               and c.relname <> 'schema_migrations'
               and c.relname <> all(%s)
               and not has_table_privilege(c.oid, 'SELECT')
               and not (c.relname = 'ticket_keys'
                        and has_any_column_privilege(c.oid, 'SELECT'))""",
                       (list(SYSTEM_ONLY_TABLES),))
        assert without == [], f"ztic_app cannot read {without}"
        # the platform's own tables are the system role's (sql/013)
        for t in SYSTEM_ONLY_TABLES:
            assert one(cur, "select has_table_privilege(%s, 'SELECT')"
                            " or has_any_column_privilege(%s, 'SELECT')",
                       (t, t)) is False, t
        # the sealed signing keys: every column but the secret one
        # (sql/011_ticket_keys.sql, docs/tickets.md)
        assert one(cur, """select has_column_privilege('ticket_keys', 'secret_box',
                                                    'SELECT')""") is False
        assert one(cur, """select has_column_privilege('ticket_keys', 'public_key',
                                                    'SELECT')""") is True
        assert one(cur, """select has_table_privilege('schema_migrations', 'SELECT')
                                  or has_table_privilege('schema_migrations', 'INSERT')""") is False
        # The audit trail is append-only.
        assert one(cur, "select has_table_privilege('audit_log', 'UPDATE')") is False
        assert one(cur, "select has_table_privilege('audit_log', 'DELETE')") is False


# ---------------------------------------------------------------------------
# Tenant isolation
# ---------------------------------------------------------------------------

def test_tenant_sees_none_of_another_tenants_private_rows(app, world):
    a = world.tenant(label="a")
    b = world.tenant(label="b")
    with scoped(world.owner, tenant=b["id"]) as cur:
        tables = tenant_tables(cur)
        for table in tables:
            assert one(cur, f"select count(*) from {table} where tenant_id = %s",
                       (b["id"],)) > 0, \
                f"World.tenant() puts no row in new table {table}: add one"
    with scoped(app, tenant=a["id"]) as cur:
        for table in tables:
            assert one(cur, f"select count(*) from {table} where tenant_id = %s",
                       (a["id"],)) > 0, f"tenant A cannot see its own {table}"
            if table in PUBLIC_TABLES:
                col = "id" if table == "events" else "event_id"
                leaked = one(cur, f"""select count(*) from {table}
                                       where tenant_id = %s and {col} <> %s""",
                             (b["id"], b["pub"]["id"]))
            else:
                leaked = one(cur, f"select count(*) from {table} where tenant_id = %s",
                             (b["id"],))
            assert leaked == 0, f"tenant A sees {leaked} private rows of B in {table}"
        assert one(cur, "select count(*) from tenant_payout_details") == 1
        assert one(cur, "select count(*) from event_sales where tenant_id = %s",
                   (b["id"],)) == 1  # B's public event only
        assert one(cur, """select tickets_live from event_sales
                            where event_id = %s""", (b["pub"]["id"],)) == 0


def test_tenant_cannot_update_or_delete_another_tenants_rows(app, world):
    a = world.tenant(label="a")
    b = world.tenant(label="b")
    with scoped(app, tenant=a["id"]) as cur:
        for table in tenant_tables(cur):
            if one(cur, "select has_table_privilege(%s, 'UPDATE')", (table,)):
                cur.execute(f"update {table} set tenant_id = tenant_id where tenant_id = %s",
                            (b["id"],))
                assert cur.rowcount == 0, f"updated B's rows in {table}"
            if one(cur, "select has_table_privilege(%s, 'DELETE')", (table,)):
                cur.execute(f"delete from {table} where tenant_id = %s", (b["id"],))
                assert cur.rowcount == 0, f"deleted B's rows in {table}"
        # Even B's public event, which A can read.
        cur.execute("update events set title = 'mine' where id = %s", (b["pub"]["id"],))
        assert cur.rowcount == 0
        cur.execute("update tenants set name = 'mine' where id = %s", (b["id"],))
        assert cur.rowcount == 0
        cur.execute("update tenants set name = 'still mine' where id = %s", (a["id"],))
        assert cur.rowcount == 1


def test_insert_with_another_tenants_id_is_rejected(app, world):
    a = world.tenant(label="a")
    b = world.tenant(label="b")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into events (tenant_id, slug, title, starts_at, ends_at)
                           values (%s, 'sneaky', 'x', now(), now() + interval '1 hour')""",
                        (b["id"],))
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into audit_log (tenant_id, action)
                           values (%s, 'forged')""", (b["id"],))
    # Moving an own row to another tenant fails WITH CHECK too.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("update memberships set tenant_id = %s where tenant_id = %s",
                        (b["id"], a["id"]))
    # With no tenant set nothing can be inserted at all.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app) as cur:
            cur.execute("""insert into audit_log (tenant_id, action)
                           values (%s, 'unscoped')""", (a["id"],))
    # Own tenant_id but another tenant's parent: the composite keys refuse.
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into price_categories (tenant_id, event_id, name,
                                                         price_paise)
                           values (%s, %s, 'Hijack', 1)""", (a["id"], b["pub"]["id"]))
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into seats (tenant_id, event_id, row_label, seat_label,
                                              x, y, price_category_id)
                           values (%s, %s, 'Z', '1', 0, 0, %s)""",
                        (a["id"], a["pub"]["id"], b["pub"]["pc"]))


def test_without_a_tenant_only_the_public_catalogue_is_visible(app, world):
    a = world.tenant(label="a")
    pending = world.tenant(status="pending", label="p")
    suspended = world.tenant(status="suspended", label="s")
    for setting in (None, ""):
        with scoped(app, tenant=setting) as cur:
            for table in tenant_tables(cur):
                if table in PUBLIC_TABLES:
                    continue
                assert one(cur, f"select count(*) from {table}") == 0, \
                    f"{table} is readable with no tenant set"
            # Whatever is visible is public.
            assert one(cur, """select count(*) from events
                                where not zt_event_is_public(status, published_at)""") == 0
            assert one(cur, "select count(*) from tenants where status <> 'active'") == 0
            visible = {r[0] for r in rows(cur, "select id::text from events")}
            assert a["pub"]["id"] in visible
            assert a["draft"]["id"] not in visible
            assert pending["pub"]["id"] not in visible
            assert suspended["pub"]["id"] not in visible
            for table in ("price_categories", "seats", "ticket_types"):
                assert one(cur, f"select count(*) from {table} where event_id = %s",
                           (a["pub"]["id"],)) > 0
                assert one(cur, f"""select count(*) from {table}
                                     where event_id = any(%s::uuid[])""",
                           ([a["draft"]["id"], suspended["pub"]["id"]],)) == 0
            assert one(cur, "select count(*) from tenants where id = %s", (a["id"],)) == 1
            # Organizer names and branding are public; payout details never.
            assert one(cur, "select count(*) from tenant_payout_details") == 0
            # And nothing is writable.
            cur.execute("update events set title = 'x' where id = %s", (a["pub"]["id"],))
            assert cur.rowcount == 0


def test_public_catalogue_policies_run_as_the_caller(app, world):
    """sql/005 moved the public_read tests into plpgsql functions: they must
    not be SECURITY DEFINER (their queries run under the caller's row-level
    security), and a tenant-scoped caller sees another tenant's public
    children but never its drafts nor those of a tenant that is not
    active."""
    with scoped(app) as cur:
        definers = rows(cur, """
            select distinct p.proname
              from pg_policy pol
              join pg_depend d on d.classid = 'pg_policy'::regclass
                              and d.objid = pol.oid
                              and d.refclassid = 'pg_proc'::regclass
              join pg_proc p on p.oid = d.refobjid
             where p.prosecdef""")
        assert definers == [], f"policies call SECURITY DEFINER functions: {definers}"
        for fn in ("zt_tenant_is_active(uuid)", "zt_event_is_listed(uuid)"):
            assert one(cur, "select prosecdef from pg_proc where oid = %s::regprocedure",
                       (fn,)) is False
    a = world.tenant(label="a")
    b = world.tenant(label="b")
    suspended = world.tenant(status="suspended", label="s")
    for setting in (b["id"], None):
        with scoped(app, tenant=setting) as cur:
            for table in ("price_categories", "seats", "ticket_types"):
                assert one(cur, f"select count(*) from {table} where event_id = %s",
                           (a["pub"]["id"],)) > 0, table
                assert one(cur, f"""select count(*) from {table}
                                     where event_id = any(%s::uuid[])""",
                           ([a["draft"]["id"], suspended["pub"]["id"]],)) == 0, table
            assert one(cur, "select zt_event_is_listed(%s)", (a["pub"]["id"],)) is True
            assert one(cur, "select zt_event_is_listed(%s)", (a["draft"]["id"],)) is False
            assert one(cur, "select zt_event_is_listed(%s)",
                       (suspended["pub"]["id"],)) is False
            assert one(cur, "select zt_tenant_is_active(%s)", (suspended["id"],)) is False
            # nothing of another tenant's public event is writable
            cur.execute("update seats set blocked = true where event_id = %s",
                        (a["pub"]["id"],))
            assert cur.rowcount == 0
    # the owner of a draft still sees its own draft's children
    with scoped(app, tenant=a["id"]) as cur:
        assert one(cur, "select count(*) from seats where event_id = %s",
                   (a["draft"]["id"],)) > 0


def test_cancelled_event_stays_public_only_if_it_was_published(app, world):
    a = world.tenant(label="a")
    with scoped(world.owner, tenant=a["id"]) as cur:
        cur.execute("update events set status = 'cancelled' where id = any(%s::uuid[])",
                    ([a["pub"]["id"], a["draft"]["id"]],))
    with scoped(app) as cur:
        visible = {r[0] for r in rows(cur, "select id::text from events where tenant_id = %s",
                                      (a["id"],))}
        assert visible == {a["pub"]["id"]}


def test_publishing_stamps_published_at_and_timezones_are_checked(app, world):
    a = world.tenant(label="a")
    with scoped(app, tenant=a["id"]) as cur:
        cur.execute("""update events set status = 'published' where id = %s
                       returning published_at is not null""", (a["draft"]["id"],))
        assert cur.fetchone()[0] is True
        cur.execute("update events set timezone = 'Europe/Berlin' where id = %s",
                    (a["draft"]["id"],))
    for tz in ("Mars/Olympus_Mons", "IST"):
        with pytest.raises((psycopg2.errors.InvalidParameterValue,
                            psycopg2.errors.CheckViolation)):
            with scoped(app, tenant=a["id"]) as cur:
                cur.execute("update events set timezone = %s where id = %s",
                            (tz, a["draft"]["id"]))


# ---------------------------------------------------------------------------
# Buyers, members, admins
# ---------------------------------------------------------------------------

def test_buyer_sees_own_bookings_in_every_tenant_and_nobody_elses(app, world):
    a = world.tenant(label="a")
    b = world.tenant(label="b")
    me = world.user("me")
    mine = {world.booking(a["id"], a["pub"], me, seats=[a["pub"]["seats"][1]],
                          confirm=True)["id"],
            world.booking(b["id"], b["pub"], me, seats=[b["pub"]["seats"][1]],
                          confirm=True)["id"]}
    with scoped(app, user=me) as cur:
        seen = {r[0] for r in rows(cur, "select id::text from bookings")}
        assert seen == mine
        assert one(cur, "select count(*) from tickets") == 2
        assert one(cur, "select count(*) from tickets where user_id <> %s", (me,)) == 0
        # Reading is all: no writes without the tenant in scope.
        cur.execute("update bookings set status = 'cancelled'")
        assert cur.rowcount == 0
        assert one(cur, "select count(*) from payments") == 0
    with scoped(app, user=a["buyer"]) as cur:
        seen = {r[0] for r in rows(cur, "select id::text from bookings")}
        assert seen == {a["booking"]["id"]}
    with scoped(app, user=str(uuid.uuid4())) as cur:
        assert one(cur, "select count(*) from bookings") == 0
        assert one(cur, "select count(*) from tickets") == 0


def test_member_lists_own_memberships_and_their_tenants(app, world):
    pending = world.tenant(status="pending", label="p")
    other = world.tenant(label="o")
    with scoped(app, user=pending["owner_user"]) as cur:
        assert rows(cur, "select tenant_id::text, role from memberships") == \
            [(pending["id"], "owner")]
        assert one(cur, "select count(*) from tenants where id = %s", (pending["id"],)) == 1
        assert one(cur, "select count(*) from memberships where tenant_id = %s",
                   (other["id"],)) == 0


def test_admin_session_reads_across_tenants_but_writes_nothing_unscoped(system, app, world):
    a = world.tenant(label="a")
    b = world.tenant(status="pending", label="b")
    admin = world.admin()
    with scoped(system, admin=admin) as cur:
        seen = {r[0] for r in rows(cur, "select tenant_id::text from bookings")}
        assert {a["id"], b["id"]} <= seen
        assert one(cur, "select count(*) from tenants where id = %s", (b["id"],)) == 1
        assert one(cur, "select count(*) from tenant_payout_details where tenant_id = %s",
                   (b["id"],)) == 1
        cur.execute("update bookings set status = 'cancelled' where tenant_id = %s",
                    (b["id"],))
        assert cur.rowcount == 0
    # Platform-level audit entries (no tenant) are written by admin sessions
    # only. Rolled back: nobody may delete audit rows afterwards.
    with system.cursor() as cur:
        cur.execute("select set_config('app.admin_id', %s, true)", (admin,))
        cur.execute("insert into audit_log (action, actor_admin_id) values ('platform.test', %s)",
                    (admin,))
        assert one(cur, "select count(*) from audit_log where actor_admin_id = %s",
                   (admin,)) == 1
    system.rollback()
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, user=a["owner_user"]) as cur:
            cur.execute("insert into audit_log (action) values ('platform.forged')")
    # Cron programs read across tenants as the built-in system admin.
    with scoped(system, admin=SYSTEM_ADMIN) as cur:
        seen = {r[0] for r in rows(cur, "select tenant_id::text from bookings")}
        assert {a["id"], b["id"]} <= seen
    with scoped(system, admin=world.admin(disabled=True)) as cur:
        assert one(cur, "select count(*) from bookings") == 0
    with scoped(system, admin=str(uuid.uuid4())) as cur:
        assert one(cur, "select count(*) from bookings") == 0


def test_only_a_platform_admin_changes_tenant_status(system, app, world):
    t = world.tenant(status="pending", label="p")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=t["id"]) as cur:
            cur.execute("update tenants set status = 'active' where id = %s", (t["id"],))
    new_id = str(uuid.uuid4())
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=new_id) as cur:
            cur.execute("""insert into tenants (id, slug, name, status)
                           values (%s, %s, 'Self approved', 'active')""",
                        (new_id, f"self-{new_id[:8]}"))
    # Signing up (pending) is fine, and so is an admin approving it.
    world.tenants.append(new_id)
    with scoped(app, tenant=new_id) as cur:
        cur.execute("""insert into tenants (id, slug, name)
                       values (%s, %s, 'Signed up') returning status""",
                    (new_id, f"signup-{new_id[:8]}"))
        assert cur.fetchone()[0] == "pending"
    # The web role naming an admin is still refused (sql/013).
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped(app, tenant=t["id"], admin=world.admin()) as cur:
            cur.execute("update tenants set status = 'active' where id = %s", (t["id"],))
    with scoped(system, tenant=t["id"], admin=world.admin()) as cur:
        cur.execute("update tenants set status = 'active' where id = %s", (t["id"],))
        assert cur.rowcount == 1


# ---------------------------------------------------------------------------
# Money and inventory guarantees
# ---------------------------------------------------------------------------

def test_confirming_a_booking_checks_its_totals_at_commit(app, world):
    a = world.tenant(label="a")
    ev = a["pub"]
    me = world.user("me")

    def pending(subtotal, fee=0, tax=0, seats=()):
        bid = str(uuid.uuid4())
        with scoped(app, tenant=a["id"], user=me) as cur:
            cur.execute("""insert into bookings (id, tenant_id, event_id, user_id,
                                                 subtotal_paise, fee_paise, tax_paise,
                                                 total_paise, expires_at)
                           values (%s, %s, %s, %s, %s, %s, %s, %s,
                                   now() + interval '10 minutes')""",
                        (bid, a["id"], ev["id"], me, subtotal, fee, tax,
                         subtotal + fee + tax))
            for seat in seats:
                cur.execute("""insert into tickets (tenant_id, event_id, booking_id,
                                                    user_id, seat_id, price_paise)
                               values (%s, %s, %s, %s, %s, %s)""",
                            (a["id"], ev["id"], bid, me, seat, ev["price"]))
        return bid

    confirm = "update bookings set status = 'confirmed', confirmed_at = now() where id = %s"

    # Subtotal is the sum of the live tickets: confirms.
    ok = pending(ev["price"], 1500, 270, seats=[ev["seats"][1]])
    with scoped(app, tenant=a["id"]) as cur:
        cur.execute(confirm, (ok,))
        cur.execute("select zt_booking_verify_totals(%s)", (ok,))

    # Subtotal disagrees with the tickets: the deferred check fails the COMMIT.
    bad = pending(ev["price"] + 1, seats=[ev["seats"][2]])
    with pytest.raises(psycopg2.errors.CheckViolation, match="subtotal"):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute(confirm, (bad,))
    with pytest.raises(psycopg2.errors.CheckViolation, match="subtotal"):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("select zt_booking_verify_totals(%s)", (bad,))

    # No live tickets at all.
    empty = pending(0)
    with pytest.raises(psycopg2.errors.CheckViolation, match="no live tickets"):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute(confirm, (empty,))

    # A total that is not subtotal + fee + tax never gets in.
    with pytest.raises(psycopg2.errors.CheckViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("update bookings set total_paise = total_paise + 1 where id = %s",
                        (ok,))

    # Tickets may be inserted after the status flip: the check runs at COMMIT.
    late = pending(30000)
    with scoped(app, tenant=a["id"]) as cur:
        cur.execute(confirm, (late,))
        cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                            ticket_type_id, price_paise)
                       values (%s, %s, %s, %s, %s, 30000)""",
                    (a["id"], ev["id"], late, me, ev["ga"]))
    with scoped(app, tenant=a["id"]) as cur:
        assert one(cur, "select status from bookings where id = %s", (late,)) == "confirmed"


def test_a_seat_has_at_most_one_live_ticket_but_can_be_resold(app, world):
    a = world.tenant(label="a")
    ev = a["pub"]
    seat = ev["seats"][0]  # sold to a["buyer"] by World.tenant()
    me = world.user("me")
    b = world.booking(a["id"], ev, me)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                                seat_id, price_paise)
                           values (%s, %s, %s, %s, %s, 1)""",
                        (a["id"], ev["id"], b["id"], me, seat))
    with scoped(app, tenant=a["id"]) as cur:
        cur.execute("update tickets set status = 'refunded' where seat_id = %s", (seat,))
        cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                            seat_id, price_paise)
                       values (%s, %s, %s, %s, %s, 1)""",
                    (a["id"], ev["id"], b["id"], me, seat))
    # A ticket is for a seat or a GA type, never both or neither.
    with pytest.raises(psycopg2.errors.CheckViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                                seat_id, ticket_type_id, price_paise)
                           values (%s, %s, %s, %s, %s, %s, 1)""",
                        (a["id"], ev["id"], b["id"], me, ev["seats"][1], ev["ga"]))
    # A seat of another event cannot be ticketed on this one.
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                                seat_id, price_paise)
                           values (%s, %s, %s, %s, %s, 1)""",
                        (a["id"], ev["id"], b["id"], me, a["draft"]["seats"][0]))


def race(app_dsn, n, body):
    """Runs body(cur, i) in n threads, each in its own connection and
    transaction with the same start line. Returns (wins, errors)."""
    conns = [psycopg2.connect(app_dsn) for _ in range(n)]
    start = threading.Barrier(n)
    wins, errors = [], []
    lock = threading.Lock()

    def worker(i):
        conn = conns[i]
        try:
            with conn:
                with conn.cursor() as cur:
                    start.wait(timeout=30)
                    won = body(cur, i)
            if won:  # committed
                with lock:
                    wins.append(i)
        except psycopg2.Error as e:
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "racers hung"
    finally:
        for c in conns:
            c.close()
    return wins, errors


def test_fifty_buyers_racing_for_one_seat_exactly_one_commits(app_dsn, app, world):
    a = world.tenant(label="a")
    ev = a["pub"]
    seat = ev["seats"][2]
    me = world.user("racer")
    bookings = [world.booking(a["id"], ev, me)["id"] for _ in range(N_RACERS)]

    def body(cur, i):
        cur.execute("select set_config('app.tenant_id', %s, true)", (a["id"],))
        cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                            seat_id, price_paise)
                       values (%s, %s, %s, %s, %s, %s)""",
                    (a["id"], ev["id"], bookings[i], me, seat, ev["price"]))
        return True

    wins, errors = race(app_dsn, N_RACERS, body)
    assert len(wins) == 1, f"{len(wins)} buyers got the seat"
    assert len(errors) == N_RACERS - 1
    assert all(isinstance(e, psycopg2.errors.UniqueViolation) for e in errors), errors[:3]
    with scoped(app, tenant=a["id"]) as cur:
        assert one(cur, """select count(*) from tickets
                            where seat_id = %s and status = 'live'""", (seat,)) == 1


def test_fifty_buyers_racing_for_the_last_ten_ga_units_exactly_ten_win(app_dsn, app, world):
    a = world.tenant(label="a")
    ev = a["pub"]
    me = world.user("racer")
    with scoped(world.owner, tenant=a["id"]) as cur:
        cur.execute("update ticket_types set capacity = 100, sold = 90 where id = %s",
                    (ev["ga"],))
    bookings = [world.booking(a["id"], ev, me)["id"] for _ in range(N_RACERS)]

    def body(cur, i):
        cur.execute("select set_config('app.tenant_id', %s, true)", (a["id"],))
        # The guarded UPDATE writers must use (docs/schema.md).
        cur.execute("""update ticket_types set sold = sold + %s
                        where id = %s and sold + %s <= capacity""",
                    (1, ev["ga"], 1))
        if cur.rowcount != 1:
            return False
        cur.execute("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                                            ticket_type_id, price_paise)
                       values (%s, %s, %s, %s, %s, 30000)""",
                    (a["id"], ev["id"], bookings[i], me, ev["ga"]))
        return True

    wins, errors = race(app_dsn, N_RACERS, body)
    assert errors == []
    assert len(wins) == 10
    with scoped(app, tenant=a["id"]) as cur:
        sold, capacity = rows(cur, "select sold, capacity from ticket_types where id = %s",
                              (ev["ga"],))[0]
        assert sold == capacity == 100
        assert one(cur, "select count(*) from tickets where ticket_type_id = %s",
                   (ev["ga"],)) == 10


def test_ga_sold_cannot_pass_capacity_even_without_the_guard(app, world):
    a = world.tenant(label="a")
    with pytest.raises(psycopg2.errors.CheckViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("update ticket_types set sold = capacity + 1 where id = %s",
                        (a["pub"]["ga"],))
    with pytest.raises(psycopg2.errors.CheckViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("update ticket_types set sold = -1 where id = %s",
                        (a["pub"]["ga"],))


def test_refunds_never_exceed_the_payment(app, world):
    a = world.tenant(label="a")
    with scoped(app, tenant=a["id"]) as cur:
        pay, amount = rows(cur, """select id, amount_paise from payments
                                    where booking_id = %s""", (a["booking"]["id"],))[0]
        cur.execute("""update payments set refunded_paise = refunded_paise + %s
                        where id = %s and refunded_paise + %s <= amount_paise""",
                    (amount, pay, amount))
        assert cur.rowcount == 0  # 100 was refunded already
    with pytest.raises(psycopg2.errors.CheckViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("update payments set refunded_paise = amount_paise + 1 where id = %s",
                        (pay,))
    with pytest.raises(psycopg2.errors.UniqueViolation):
        with scoped(app, tenant=a["id"]) as cur:
            key = uuid.uuid4().hex
            for _ in range(2):
                cur.execute("""insert into refunds (tenant_id, payment_id, amount_paise,
                                                    idempotency_key)
                               values (%s, %s, 1, %s)""", (a["id"], pay, key))


def test_a_ticket_is_admitted_once(app, world):
    a = world.tenant(label="a")
    ticket = a["booking"]["tickets"][0]  # admitted by World.tenant()
    with pytest.raises(psycopg2.errors.UniqueViolation):
        with scoped(app, tenant=a["id"]) as cur:
            cur.execute("""insert into admissions (tenant_id, event_id, ticket_id,
                                                   gate_id, scanned_by, scanned_at)
                           values (%s, %s, %s, %s, %s, now())""",
                        (a["id"], a["pub"]["id"], ticket, a["gate"], a["owner_user"]))
    # undone, the ticket may be admitted again
    with scoped(app, tenant=a["id"]) as cur:
        cur.execute("""update admissions set undone_at = now(), undone_by = scanned_by
                       where ticket_id = %s""", (ticket,))
        cur.execute("""insert into admissions (tenant_id, event_id, ticket_id,
                                               gate_id, scanned_by, scanned_at)
                       values (%s, %s, %s, %s, %s, now())""",
                    (a["id"], a["pub"]["id"], ticket, a["gate"], a["owner_user"]))
        cur.execute("select admitted from gates where id = %s", (a["gate"],))
        assert cur.fetchone()[0] == 1


# ---------------------------------------------------------------------------
# Global tables
# ---------------------------------------------------------------------------

def test_users_are_stored_normalised_and_unique(app, world):
    uid = world.user("n")
    with scoped(app) as cur:
        email = one(cur, "select email from users where id = %s", (uid,))
    bad = [("Upper@Example.com", None), (None, "9800000000"), (None, "+0123456789"),
           (None, None), (email, None)]
    for e, p in bad:
        with pytest.raises((psycopg2.errors.CheckViolation,
                            psycopg2.errors.UniqueViolation)):
            with scoped(app) as cur:
                cur.execute("insert into users (email, phone) values (%s, %s)", (e, p))
    with scoped(app) as cur:
        phone = "+91" + str(uuid.uuid4().int)[:10]
        cur.execute("insert into users (phone) values (%s) returning id", (phone,))
        world.users.append(str(cur.fetchone()[0]))


def test_webhook_events_are_recorded_once(app):
    event_id = "evt_" + uuid.uuid4().hex
    with scoped(app) as cur:
        cur.execute("""insert into webhook_events (provider, provider_event_id, payload)
                       values ('razorpay', %s, '{}') on conflict do nothing""", (event_id,))
        assert cur.rowcount == 1
        cur.execute("""insert into webhook_events (provider, provider_event_id, payload)
                       values ('razorpay', %s, '{}') on conflict do nothing""", (event_id,))
        assert cur.rowcount == 0
        cur.execute("delete from webhook_events where provider_event_id = %s", (event_id,))
