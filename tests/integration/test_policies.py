"""What the row policies cost (sql/034_plans_per_booking.sql).

PostgreSQL 15 ORs a table's permissive policies in the reverse order of
their names, so a dear arm named late runs first on every read.  The
events' "the reader booked it" arm (a plpgsql call and a bookings lookup)
now runs only for an event that is not public; the rows seen are the same.
"""
import psycopg2
import pytest

from ztbook import Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


def test_a_public_event_is_read_without_asking_whether_the_reader_booked(
        shop, pg_super_dsn):
    t = shop.tenant()
    public = shop.event(t)["id"]
    draft = shop.event(t)["id"]
    buyer = shop.user()
    with shop.tx(t) as cur:
        cur.execute("update events set status = 'draft', published_at = null"
                    " where id = %s", (draft,))
    conn = psycopg2.connect(pg_super_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("set local track_functions = 'pl'")
            cur.execute("set local role ztic_app")
            cur.execute("select set_config('app.user_id', %s, true)", (buyer,))

            def calls():
                cur.execute("select coalesce(pg_stat_get_xact_function_calls("
                            "'zt_event_booked_by_user(uuid)'::regprocedure), 0)")
                return cur.fetchone()[0]

            for _ in range(3):
                cur.execute("select count(*) from events where id = %s", (public,))
                assert cur.fetchone()[0] == 1
            assert calls() == 0
            # a draft: the arm is asked, and the stranger sees nothing
            cur.execute("select count(*) from events where id = %s", (draft,))
            assert cur.fetchone()[0] == 0
            assert calls() == 1
    finally:
        conn.close()


def test_a_buyer_still_sees_the_event_of_a_booking_that_left_the_catalogue(
        shop, pg_app_dsn):
    """The arm kept its rows: the buyer of a booking (refunded here: the
    arm takes confirmed and refunded ones) reads an event that is no
    longer public; another person does not."""
    t = shop.tenant()
    ev = shop.event(t)["id"]
    buyer, other = shop.user(), shop.user()
    with shop.tx(t) as cur:
        cur.execute("insert into bookings (tenant_id, event_id, user_id, status,"
                    " subtotal_paise, fee_paise, tax_paise, total_paise)"
                    " values (%s, %s, %s, 'refunded', 0, 0, 0, 0)", (t, ev, buyer))
        cur.execute("update events set unlisted_at = now(), unlisted_reason = 'test'"
                    " where id = %s", (ev,))
    conn = psycopg2.connect(pg_app_dsn)
    try:
        for who, seen in ((buyer, 1), (other, 0)):
            with conn, conn.cursor() as cur:
                cur.execute("select set_config('app.user_id', %s, true)", (who,))
                cur.execute("select count(*) from events where id = %s", (ev,))
                assert cur.fetchone()[0] == seen, who
    finally:
        conn.close()
