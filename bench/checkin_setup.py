#!/usr/bin/python3
"""bench/checkin_setup.py — the data of row 10 (check-in), written straight
into the bench stack's PostgreSQL as ztic_owner, like bench/setup.py.

    bench/checkin_setup.py OWNER_DSN STACK_VAR OUT_DIR TENANT

In the bench tenant: an event starting within the hour (so its tickets are
inside their validity window now) with one free ticket type and GATE_TICKETS
live tickets on confirmed bookings of ten; a scanner member; and a ticket
key whose private half only this script knows: a `retired` key (the tenant's
active key, made by row 6's sales, stays the one the app signs with; a
retired key still verifies, docs/tickets.md). Its sealed box is random bytes:
nothing ever opens it. Each ticket's ZT1 payload is signed here
(python3-cryptography's Ed25519) exactly as lib/zt_ticket.c does.

Files written to OUT_DIR: gate.payloads (one payload a line), gate.token
(the scanner's access token), gate.env (EV_GATE=id).
"""

import base64
import os
import secrets
import struct
import sys
import uuid

import psycopg2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from ztauth import mint  # noqa: E402

GATE_TICKETS = int(os.environ.get("ZTB_GATE_TICKETS", "30000"))
PER_BOOKING = 10
TOKEN_TTL = 3 * 3600


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    dsn, stack_var, out, tenant = sys.argv[1:5]
    conn = psycopg2.connect(dsn)
    ev = str(uuid.uuid4())
    scanner = str(uuid.uuid4())
    key = Ed25519PrivateKey.generate()
    pk = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = secrets.randbelow(2 ** 32 - 1) + 1
    nbook = (GATE_TICKETS + PER_BOOKING - 1) // PER_BOOKING
    with conn, conn.cursor() as cur:
        cur.execute("select set_config('app.tenant_id', %s, true)", (tenant,))
        cur.execute("insert into users (id, email, name) values (%s, %s,"
                    " 'Bench scanner')",
                    (scanner, "scanner-%s@bench.ztic.in" % scanner[:8]))
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (tenant, scanner))
        cur.execute(
            "insert into events (id, tenant_id, slug, title, venue_name,"
            " starts_at, ends_at, status, published_at, per_user_limit,"
            " layout_kind) values (%s, %s, %s, 'Bench gate', 'Main ground',"
            " now() + interval '1 hour', now() + interval '5 hours',"
            " 'published', now(), 100, 'ga') returning"
            " extract(epoch from starts_at - interval '12 hours')::bigint,"
            " extract(epoch from ends_at + interval '6 hours')::bigint",
            (ev, tenant, "bench-gate-" + ev[:8]))
        vfrom, vuntil = cur.fetchone()
        cur.execute("insert into ticket_types (tenant_id, event_id, name,"
                    " price_paise, capacity, sold) values (%s, %s, 'Pass', 0,"
                    " %s, %s) returning id",
                    (tenant, ev, GATE_TICKETS, GATE_TICKETS))
        tt = cur.fetchone()[0]
        cur.execute(
            "with b as (insert into bookings (tenant_id, event_id, user_id,"
            "  status, confirmed_at, buyer_name)"
            "  select %s, %s, %s, 'confirmed', now(), 'Bench guest ' || g"
            "  from generate_series(1, %s) g returning id, user_id)"
            " insert into tickets (tenant_id, event_id, booking_id, user_id,"
            "  ticket_type_id, price_paise)"
            " select %s, %s, b.id, b.user_id, %s, 0 from b,"
            "  generate_series(1, %s) n returning id",
            (tenant, ev, scanner, nbook, tenant, ev, tt, PER_BOOKING))
        tickets = [r[0] for r in cur.fetchall()][:GATE_TICKETS]
        cur.execute("insert into ticket_keys (tenant_id, kid, public_key,"
                    " secret_box, status) values (%s, %s, %s, %s, 'retired')",
                    (tenant, kid, psycopg2.Binary(pk),
                     psycopg2.Binary(os.urandom(72))))
    conn.close()
    evb = uuid.UUID(ev).bytes
    with open(os.path.join(out, "gate.payloads"), "w") as f:
        for t in tickets:
            body = uuid.UUID(t).bytes + evb + struct.pack(">III", vfrom,
                                                          vuntil, kid)
            signed = "ZT1." + b64u(body)
            f.write(signed + "." + b64u(key.sign(signed.encode())) + "\n")
    with open(os.path.join(out, "gate.token"), "w") as f:
        f.write(mint(stack_var, scanner, tenant, "scanner", ttl=TOKEN_TTL)
                + "\n")
    with open(os.path.join(out, "gate.env"), "w") as f:
        f.write("EV_GATE=%s\n" % ev)


if __name__ == "__main__":
    main()
