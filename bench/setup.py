#!/usr/bin/python3
"""bench/setup.py — the benchmark's own data, written straight into the
bench stack's PostgreSQL as ztic_owner (as tests/integration/ztbook.py
does), plus files the load generators read.

    bench/setup.py OWNER_DSN STACK_VAR OUT_DIR

Creates one tenant and these published events (all seats in one price
category; per-user limit 100, the schema's maximum):

  lock     LOCK_SEATS seats   row 3: every request a distinct seat
  contend  100 seats          row 4: 1,000 clients fight for them
  status   5,000 seats        row 5: the snapshot (1,000 held by bench/run)
  free     FLOW_SEATS, free   row 6: hold -> book (confirms at once)
  paid     FLOW_SEATS, paid   row 6: hold -> book -> /_fake/pay -> confirm
  warm     2,000 seats, free  row 6: the warm-up sale before it (bench/run)
  live     10 seats           row 7: the channel the subscribers listen on
  queue    5,000 seats, free  row 6q: the on-sale behind the waiting room

and USERS users with an access token each (minted from the stack's own
keys, tests/integration/ztauth.py). Files written to OUT_DIR, one value a
line: tokens.txt, users.txt, <event>.seats, events.env (shell: EV_<NAME>=id).
"""

import os
import sys
import uuid

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from ztauth import mint  # noqa: E402

USERS = int(os.environ.get("ZTB_USERS", "12000"))
LOCK_SEATS = int(os.environ.get("ZTB_LOCK_SEATS", "40000"))
FLOW_SEATS = int(os.environ.get("ZTB_FLOW_SEATS", "30000"))
TOKEN_TTL = 3 * 3600   # the run may take a while; nothing checks a maximum


def main():
    dsn, stack_var, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    conn = psycopg2.connect(dsn)
    tenant = str(uuid.uuid4())

    def tx(cur):
        cur.execute("select set_config('app.tenant_id', %s, true)", (tenant,))

    with conn, conn.cursor() as cur:
        tx(cur)
        cur.execute("insert into tenants (id, slug, name, status) values"
                    " (%s, %s, 'Bench fest', 'active')",
                    (tenant, "bench-" + uuid.uuid4().hex[:10]))

    users = [str(uuid.uuid4()) for _ in range(USERS)]
    with conn, conn.cursor() as cur:
        cur.execute("select set_config('app.admin_id',"
                    " '00000000-0000-4000-8000-000000000001', true)")
        cur.execute("insert into users (id, email, name) select u,"
                    " 'bench-' || u || '@bench.ztic.in', 'Bench buyer'"
                    " from unnest(%s::uuid[]) u", (users,))

    events = {}
    for name, seats, price in [("lock", LOCK_SEATS, 50000),
                               ("contend", 100, 50000),
                               ("status", 5000, 50000),
                               ("free", FLOW_SEATS, 0),
                               ("paid", FLOW_SEATS, 50000),
                               ("warm", 2000, 0),
                               ("live", 10, 0),
                               ("queue", 5000, 0)]:
        ev = str(uuid.uuid4())
        with conn, conn.cursor() as cur:
            tx(cur)
            cur.execute(
                "insert into events (id, tenant_id, slug, title, venue_name,"
                " starts_at, ends_at, status, published_at, per_user_limit,"
                " layout_kind) values (%s, %s, %s, %s, 'Main ground',"
                " now() + interval '7 days', now() + interval '7 days 4 hours',"
                " 'published', now(), 100, 'reserved')",
                (ev, tenant, "bench-" + name + "-" + ev[:8],
                 "Bench " + name))
            cur.execute("insert into price_categories (tenant_id, event_id,"
                        " name, price_paise) values (%s, %s, 'Gold', %s)"
                        " returning id", (tenant, ev, price))
            pc = cur.fetchone()[0]
            # rows of 100 seats: section S, row R<n>, seat <m>; g.i is
            # already their display order (sql/032_seat_rank.sql), so the
            # rank trigger finds nothing to rewrite
            cur.execute(
                "insert into seats (tenant_id, event_id, section, row_label,"
                " seat_label, x, y, price_category_id, display_rank)"
                " select %s, %s, 'S', 'R' || (g.i / 100), (g.i %% 100)::text,"
                " g.i %% 100, g.i / 100, %s, g.i"
                " from generate_series(0, %s - 1) g(i)"
                " order by g.i returning id", (tenant, ev, pc, seats))
            ids = [r[0] for r in cur.fetchall()]
        events[name] = ev
        with open(os.path.join(out, name + ".seats"), "w") as f:
            f.write("\n".join(ids) + "\n")
    conn.close()

    with open(os.path.join(out, "users.txt"), "w") as f:
        f.write("\n".join(users) + "\n")
    with open(os.path.join(out, "tokens.txt"), "w") as f:
        f.write("\n".join(mint(stack_var, u, ttl=TOKEN_TTL) for u in users)
                + "\n")
    with open(os.path.join(out, "events.env"), "w") as f:
        f.write("TENANT=%s\n" % tenant)
        for name, ev in events.items():
            f.write("EV_%s=%s\n" % (name.upper(), ev))


if __name__ == "__main__":
    main()
