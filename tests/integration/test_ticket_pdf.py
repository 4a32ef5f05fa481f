"""PDF tickets through the real stack (docs/tickets.md, "PDF tickets"):
GET /api/bookings/:id/tickets.pdf for the buyer, one page per live ticket,
read back with poppler (pdfinfo, pdftotext, pdffonts, pdftoppm) and zbar
(zbarimg decodes each page's QR code); and the same PDF attached to the
confirmation email the outbox sends through the fake Resend."""

import base64
import os
import re
import shutil
import subprocess
import tempfile
import uuid

import psycopg2
import pytest
import requests

from ztbook import Person, Rzp, Shop, run_cron, wait_for

TOOLS = ("pdfinfo", "pdftotext", "pdffonts", "pdftoppm", "zbarimg")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="poppler-utils and zbar-tools (scripts/dev TEST_PKGS) are needed")


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.purge()


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="ztpdf.")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run(*args):
    p = subprocess.run(args, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode("utf-8")


class Pdf:
    """A PDF written to a file and read back with poppler and zbar."""

    def __init__(self, data, d):
        assert data[:5] == b"%PDF-", data[:40]
        self.path = os.path.join(d, uuid.uuid4().hex + ".pdf")
        self.dir = d
        with open(self.path, "wb") as f:
            f.write(data)

    def pages(self):
        return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", self.path),
                             re.M).group(1))

    def text(self, page):
        return run("pdftotext", "-f", str(page), "-l", str(page), "-layout",
                   self.path, "-")

    def fonts(self):
        return run("pdffonts", self.path)

    def image(self, page, res=150):
        base = os.path.join(self.dir, uuid.uuid4().hex)
        run("pdftoppm", "-r", str(res), "-f", str(page), "-l", str(page),
            "-singlefile", "-png", self.path, base)
        return base + ".png"

    def qr(self, page):
        return run("zbarimg", "-q", "--raw", self.image(page)).strip()

    def pixel(self, page, x, y, res=72):
        """The colour at (x, y) points of a page, rendered as PPM."""
        base = os.path.join(self.dir, uuid.uuid4().hex)
        run("pdftoppm", "-r", str(res), "-f", str(page), "-l", str(page),
            "-singlefile", self.path, base)
        with open(base + ".ppm", "rb") as f:
            data = f.read()
        m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
        w = int(m.group(1))
        off = m.end() + (y * w + x) * 3
        return tuple(data[off:off + 3])


def book_free(shop, base_url, stack_var, seats=2, name=None, title=None,
          accent=None):
    owner = shop.user("owner")
    t = shop.tenant(owner)
    ev = shop.event(t, seats=seats + 1, seat_price=0)
    buyer = shop.user("buyer")
    with shop.tx(t) as cur:
        if title:
            cur.execute("update events set title = %s where id = %s",
                        (title, ev["id"]))
        if accent:
            cur.execute("update tenants set branding = %s::jsonb"
                        " where id = %s", ('{"accent": "%s"}' % accent, t))
    if name:
        with shop.tx() as cur:
            cur.execute("update users set name = %s where id = %s",
                        (name, buyer))
    b = Person(base_url, stack_var, buyer)
    b.hold(ev, ev["seats"][:seats])
    r = b.book(ev)
    assert r.status_code == 201, r.text
    org = Person(base_url, stack_var, owner, t, "owner")
    return t, ev, b, org, r.json()


def get_pdf(person, booking):
    return person.call("GET", f"/api/bookings/{booking}/tickets.pdf")


def email_of(shop, person):
    return shop.one("select email from users where id = %s", (person.id,))[0]


def emails_to(fakes_url, to):
    """What the Resend fake received for to."""
    return requests.get(fakes_url + "/_fake/messages",
                        params={"provider": "resend", "to": to},
                        timeout=5).json()


def test_buyer_gets_one_page_per_ticket_with_its_code(shop, base_url,
                                                      stack_var, tmp):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=2,
                                accent="#0b7a3e")
    r = get_pdf(b, made["id"])
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == \
        f'attachment; filename="ztic-{made["id"][:8]}.pdf"'
    assert r.headers["Cache-Control"].startswith("private")
    pdf = Pdf(r.content, tmp)
    assert pdf.pages() == 2
    read = b.call("GET", f"/api/bookings/{made['id']}").json()
    for i, tk in enumerate(read["tickets"], start=1):
        text = pdf.text(i)
        assert "Paid night" in text and "Main hall" in text
        assert "Buyer" in text                       # the holder
        assert f"ZT-{made['id'][:8]}" in text
        assert f"Ticket {i} of 2" in text
        assert re.search(r"\w{3}, \d{1,2} \w{3} \d{4}, \d{1,2}:\d\d [AP]M IST",
                         text), text
        # the seat of this ticket, in the booking's order
        label = next(x["label"] for x in read["items"]
                     if x["seatId"] == tk["seatId"])
        assert label in text
        # the page's code is the booking's payload for that ticket
        assert pdf.qr(i) == tk["qr"]
    # the organizer's colour across the top of the page
    assert pdf.pixel(1, 5, 5) == (0x0b, 0x7a, 0x3e)


def test_devanagari_names_render_with_noto(shop, base_url, stack_var, tmp):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1,
                                name="अनन्या शर्मा", title="दिवाली मेला")
    r = get_pdf(b, made["id"])
    assert r.status_code == 200, r.text
    pdf = Pdf(r.content, tmp)
    fonts = pdf.fonts()
    # a Devanagari face embedded (subset), not boxes of a Latin one
    assert re.search(r"\+NotoSansDevanagari-\w+\s.*\byes\s+yes", fonts), fonts
    text = pdf.text(1)
    assert "शर्मा" in text and "दिवाली" in text, text
    assert pdf.qr(1) == made["tickets"][0]["qr"]


def test_others_get_404(shop, base_url, stack_var):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1)
    stranger = Person(base_url, stack_var, shop.user("stranger"))
    assert get_pdf(stranger, made["id"]).status_code == 404
    # the event's own organizer: no buyer's admission in their hands
    assert get_pdf(org, made["id"]).status_code == 404
    # another tenant's owner
    other_owner = shop.user("other")
    other = shop.tenant(other_owner)
    assert get_pdf(Person(base_url, stack_var, other_owner, other, "owner"),
                   made["id"]).status_code == 404
    # unknown and malformed ids; no token
    assert get_pdf(b, str(uuid.uuid4())).status_code == 404
    assert get_pdf(b, "not-a-uuid").status_code == 404
    r = requests.get(f"{base_url}/api/bookings/{made['id']}/tickets.pdf",
                     timeout=10)
    assert r.status_code == 401
    # the buyer still gets it
    assert get_pdf(b, made["id"]).status_code == 200


def test_refunded_ticket_has_no_page(shop, base_url, stack_var, tmp):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=3)
    gone = made["tickets"][1]
    with shop.tx(t) as cur:
        cur.execute("update tickets set status = 'refunded' where id = %s",
                    (gone["id"],))
    read = b.call("GET", f"/api/bookings/{made['id']}").json()
    live = [x for x in read["tickets"] if x["qr"]]
    assert len(live) == 2
    pdf = Pdf(get_pdf(b, made["id"]).content, tmp)
    assert pdf.pages() == 2
    assert [pdf.qr(1), pdf.qr(2)] == [x["qr"] for x in live]
    labels = {x["seatId"]: x["label"] for x in read["items"]}
    text = pdf.text(1) + pdf.text(2)
    assert labels[gone["seatId"]] not in text
    # every ticket gone: nothing to print
    with shop.tx(t) as cur:
        cur.execute("update tickets set status = 'cancelled'"
                    " where booking_id = %s and status = 'live'",
                    (made["id"],))
    r = get_pdf(b, made["id"])
    assert r.status_code == 409 and \
        r.json()["error"]["code"] == "no_live_tickets", r.text


def test_booking_not_confirmed_is_409(shop, base_url, stack_var):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1)
    with shop.tx(t) as cur:
        cur.execute("update bookings set status = 'refunded' where id = %s",
                    (made["id"],))
    r = get_pdf(b, made["id"])
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "booking_not_confirmed"


def test_confirmation_email_carries_the_same_pdf(shop, base_url, stack_var,
                                                 fakes_url, tmp):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=2,
                                name="राहुल")
    email = email_of(shop, b)
    run_cron(stack_var, "outbox")
    msgs = emails_to(fakes_url, email)
    assert len(msgs) == 1, msgs
    atts = msgs[0]["attachments"]
    assert [a["filename"] for a in atts] == [f"ztic-{made['id'][:8]}.pdf"]
    sent = base64.b64decode(atts[0]["content"])
    got = get_pdf(b, made["id"]).content
    # one PDF: same payloads, same fixed creation date, same bytes
    assert sent == got
    pdf = Pdf(sent, tmp)
    assert pdf.pages() == 2
    assert pdf.qr(1) == made["tickets"][0]["qr"]
    assert "राहुल" in pdf.text(1)


def test_downloads_are_limited_per_user(shop, base_url, stack_var):
    """Each PDF costs a worker tens of milliseconds: 30 a minute per user,
    counted whatever the answer (guessed ids too), 429 with Retry-After."""
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1)
    codes = [get_pdf(b, str(uuid.uuid4())).status_code for _ in range(30)]
    assert codes == [404] * 30
    r = get_pdf(b, made["id"])
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) >= 1
    # another user is not held back by it
    t2, ev2, b2, org2, made2 = book_free(shop, base_url, stack_var, seats=1)
    assert get_pdf(b2, made2["id"]).status_code == 200


def test_paid_booking_settled_by_webhook_gets_its_pdf_by_email(
        shop, base_url, stack_var, fakes_url, razorpay_url, tmp):
    """Settled by Razorpay's webhook alone, nobody has signed a ticket of
    this new tenant yet: the outbox sender makes the tenant's first key
    under the tenant's scope, and the buyer's later read signs the same
    codes with it."""
    t = shop.tenant()
    ev = shop.event(t, seats=2)
    b = Person(base_url, stack_var, shop.user("payer"))
    b.hold(ev, ev["seats"][:1])
    body = b.book(ev).json()
    Rzp(razorpay_url).pay(body["payment"]["orderId"])   # webhooks deliver themselves
    assert wait_for(lambda: shop.one("select status from bookings where id = %s",
                                     (body["id"],))[0] == "confirmed")
    keys = "select count(*) from ticket_keys where tenant_id = %s"
    assert shop.one(keys, (t,), tenant=t)[0] == 0
    email = email_of(shop, b)
    run_cron(stack_var, "outbox")
    msgs = emails_to(fakes_url, email)
    assert len(msgs) == 1, msgs
    assert shop.one(keys, (t,), tenant=t)[0] == 1
    pdf = Pdf(base64.b64decode(msgs[0]["attachments"][0]["content"]), tmp)
    assert pdf.pages() == 1
    read = b.call("GET", f"/api/bookings/{body['id']}").json()
    assert pdf.qr(1) == read["tickets"][0]["qr"]


def test_a_pdf_that_cannot_be_made_delays_the_email_then_it_goes_without(
        shop, base_url, stack_var, fakes_url):
    """A tenant's key that does not open (a wrong master key): the email
    is retried like a provider's failure, and its last attempt goes
    without the file rather than never."""
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1)
    email = email_of(shop, b)
    with shop.tx(t) as cur:
        cur.execute("update ticket_keys set secret_box = %s where tenant_id = %s",
                    (os.urandom(72), t))
    last = "last-" + email
    with shop.tx() as cur:
        # the same confirmation on its last attempt, to another address
        cur.execute("insert into outbox (channel, recipient, payload, attempts)"
                    " select channel, %s, payload, 7 from outbox"
                    " where payload->>'bookingId' = %s", (last, made["id"]))
    run_cron(stack_var, "outbox")
    assert emails_to(fakes_url, email) == []
    row = shop.one("select sent_at, attempts, last_error from outbox"
                   " where recipient = %s", (email,))
    assert row[0] is None and row[1] == 1
    assert row[2].startswith("could not attach the tickets"), row
    msgs = emails_to(fakes_url, last)
    assert len(msgs) == 1 and msgs[0]["attachments"] == []
    assert "Paid night" in msgs[0]["subject"]


def test_an_email_reads_its_tenants_signing_key_once(
        shop, base_url, stack_var, fakes_url, pg_super_dsn):
    """The email's PDF signs with the key its booking read fetched ahead
    (docs/benchmarks.md, section 32), not with a second read: counted with
    track_functions in the outbox's own session, a new one per run."""
    run_cron(stack_var, "outbox")            # what other tests left queued
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1)
    email = email_of(shop, b)
    conn = psycopg2.connect(pg_super_dsn)
    conn.autocommit = True

    def calls():
        with conn.cursor() as cur:
            cur.execute("select pg_stat_clear_snapshot()")
            cur.execute("select coalesce((select calls from"
                        " pg_stat_user_functions where funcid ="
                        " 'zt_ticket_signing_key(uuid)'::regprocedure), 0)")
            return cur.fetchone()[0]

    with conn.cursor() as cur:
        cur.execute("select current_database()")
        db = cur.fetchone()[0]
    try:
        with conn.cursor() as cur:
            cur.execute(f'alter database "{db}" set track_functions = \'pl\'')
        before = calls()
        run_cron(stack_var, "outbox")
        assert len(emails_to(fakes_url, email)) == 1
        # the outbox's backend reports its counts as it exits
        assert wait_for(lambda: calls() > before)
        assert calls() - before == 1
    finally:
        with conn.cursor() as cur:
            cur.execute(f'alter database "{db}" reset track_functions')
        conn.close()
