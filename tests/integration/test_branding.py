"""Organizer branding (docs/branding.md): logo and poster uploads, the
accent colour's contrast, the organizer page's catalogue.

Uploads go through the whole stack: nginx (its 3 MiB cap on these two
locations, /media/ and its headers), the responders (2 MiB, the decode,
the re-encode), the database (branding.logoUrl, events.poster_url).
"""

import base64
import re
import struct
import zlib

import pytest
import requests

from test_ticket_pdf import (Pdf, book_free, email_of, emails_to,  # noqa
                             get_pdf, run, tmp)
from ztbook import Shop, run_cron
from ztorg import Org, ctx  # noqa: F401 (fixture)

# a 16×16 baseline JPEG (made with libjpeg)
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9"
    "PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhC"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAAR"
    "CAAQABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAA"
    "AgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkK"
    "FhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWG"
    "h4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
    "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREA"
    "AgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYk"
    "NOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOE"
    "hYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDm9G/hrvNG/hrg9G/hrvNG/hpiP//Z")


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png(w=8, h=8, text=None, rgb=None):
    """An RGB PNG of w×h (a gradient, or all rgb); text adds a tEXt
    chunk."""
    raw = b"".join(b"\0" + (bytes(rgb) * w if rgb else bytes(
        (x * 7 + y) % 256 for x in range(w * 3))) for y in range(h))
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    if text:
        out += chunk(b"tEXt", b"Comment\0" + text)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def put(who, path, body, ctype):
    return who.call("PUT", path, data=body, headers={"Content-Type": ctype})


def code(r):
    return r.json()["error"]["code"]


def test_logo_png_is_reencoded_stored_and_served(ctx, base_url):
    org = Org(ctx)
    r = put(org.owner, "/api/tenants/me/logo",
            png(text=b"secret-exif-like-metadata"), "image/png")
    assert r.status_code == 200, r.text
    url = r.json()["logoUrl"]
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.png", url)
    me = org.owner.call("GET", "/api/tenants/me").json()
    assert me["branding"]["logoUrl"] == url
    got = requests.get(base_url + url, timeout=10)
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Cache-Control"] == \
        "public, max-age=31536000, immutable"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.content.startswith(b"\x89PNG\r\n\x1a\n")
    # re-encoded: the metadata is gone
    assert b"secret-exif" not in got.content
    # the same image again: the same name (content hash)
    r2 = put(org.owner, "/api/tenants/me/logo", png(text=b"other"),
             "image/png")
    assert r2.status_code == 200 and r2.json()["logoUrl"] == url


def test_poster_jpeg_by_a_manager(ctx, base_url):
    org = Org(ctx)
    ev = org.event()
    manager = org.member("manager")
    r = put(manager, f"/api/events/{ev['id']}/poster", JPEG, "image/jpeg")
    assert r.status_code == 200, r.text
    url = r.json()["posterUrl"]
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.jpg", url)
    mine = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    assert mine["posterUrl"] == url
    got = requests.get(base_url + url, timeout=10)
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.content[:3] == b"\xff\xd8\xff"


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script></svg>')


@pytest.mark.parametrize("body,ctype,status,err", [
    (SVG, "image/svg+xml", 415, "svg_not_accepted"),
    (png(), "text/html", 415, "unsupported_media_type"),
    (png(), "application/json", 415, "unsupported_media_type"),
    # a polyglot: a valid PNG with a script after IEND
    (png() + b"<script>alert(document.cookie)</script>", "image/png", 422,
     "invalid_image"),
    (JPEG + b"<html><script>alert(1)</script>", "image/jpeg", 422,
     "invalid_image"),
    (png()[:-20], "image/png", 422, "invalid_image"),
    (JPEG[:-60], "image/jpeg", 422, "invalid_image"),
    # the type says PNG, the bytes are a JPEG (and the other way round)
    (JPEG, "image/png", 422, "invalid_image"),
    (png(), "image/jpeg", 422, "invalid_image"),
    (SVG, "image/png", 422, "invalid_image"),
    (png(w=5000, h=1), "image/png", 422, "invalid_image"),
])
def test_bad_uploads_refused(ctx, body, ctype, status, err):
    org = Org(ctx)
    r = put(org.owner, "/api/tenants/me/logo", body, ctype)
    assert r.status_code == status, r.text
    assert code(r) == err
    if status == 422:
        assert "'logo'" in r.json()["error"]["message"]
    if err == "svg_not_accepted":
        assert "SVG" in r.json()["error"]["message"]
    assert "logoUrl" not in org.owner.call(
        "GET", "/api/tenants/me").json()["branding"]


def test_oversized_uploads_413(ctx):
    org = Org(ctx)
    ev = org.event()
    big = png() + b"\0" * (2 * 1024 * 1024)   # over the responders' 2 MiB
    r = put(org.owner, "/api/tenants/me/logo", big, "image/png")
    assert r.status_code == 413 and code(r) == "payload_too_large", r.text
    huge = b"\0" * (4 * 1024 * 1024)           # over nginx's 3 MiB
    r = put(org.owner, f"/api/events/{ev['id']}/poster", huge, "image/png")
    assert r.status_code == 413, r.text
    # other locations keep nginx's 1 MiB cap
    r = org.owner.call("PATCH", "/api/tenants/me", data=b" " * 1_500_000,
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_poster_of_another_tenant_404(ctx):
    a, b = Org(ctx), Org(ctx)
    ev = b.event()
    r = put(a.owner, f"/api/events/{ev['id']}/poster", png(), "image/png")
    assert r.status_code == 404, r.text
    r = put(a.owner, "/api/events/not-a-uuid/poster", png(), "image/png")
    assert r.status_code == 404
    assert b.owner.call("GET", f"/api/events/mine/{ev['id']}").json()[
        "posterUrl"] is None


def test_scanner_and_removed_member_refused(ctx):
    org = Org(ctx)
    ev = org.event()
    scanner = org.member("scanner")
    r = put(scanner, "/api/tenants/me/logo", png(), "image/png")
    assert r.status_code == 403, r.text
    r = put(scanner, f"/api/events/{ev['id']}/poster", png(), "image/png")
    assert r.status_code == 403, r.text
    # a manager removed since their token was minted: the role is re-read
    manager = org.member("manager")
    r = org.owner.call("DELETE", f"/api/tenants/me/members/{manager.id}")
    assert r.status_code in (200, 204), r.text
    r = put(manager, "/api/tenants/me/logo", png(), "image/png")
    assert r.status_code == 403, r.text
    r = put(ctx_anon(ctx), "/api/tenants/me/logo", png(), "image/png")
    assert r.status_code == 401


class _Anon:
    def __init__(self, ctx):
        self.ctx = ctx

    def call(self, method, path, **kw):
        return self.ctx.api(method, path, **kw)


def ctx_anon(ctx):
    return _Anon(ctx)


def contrast(hex_a, hex_b):
    def lum(h):
        def ch(v):
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (int(h[i:i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
    la, lb = sorted((lum(hex_a), lum(hex_b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_low_contrast_accent_comes_back_adjusted(ctx, api):
    org = Org(ctx)
    r = org.owner.call("PATCH", "/api/tenants/me",
                       {"branding": {"accent": "#ffee00"}})
    assert r.status_code == 200, r.text
    accent = r.json()["branding"]["accent"]
    assert accent != "#ffee00"
    assert contrast(accent, "#f5f0e8") >= 4.5
    # darkened, not replaced: the hue stays (red ≥ green ≫ blue)
    rr, gg, bb = (int(accent[i:i + 2], 16) for i in (1, 3, 5))
    assert rr >= gg > bb
    # a dark enough colour is kept as chosen
    r = org.owner.call("PATCH", "/api/tenants/me",
                       {"branding": {"accent": "#1d3557"}})
    assert r.json()["branding"]["accent"] == "#1d3557"


def test_organizer_page_lists_only_its_published_events(ctx, api):
    a, b = Org(ctx), Org(ctx)
    pub = a.published()
    draft = a.event()
    other = b.published()
    r = put(a.owner, "/api/tenants/me/logo", png(), "image/png")
    logo = r.json()["logoUrl"]
    a.owner.call("PATCH", "/api/tenants/me",
                 {"branding": {"accent": "#ffee00", "tagline": "Fest club"}})
    page = api("GET", f"/o/{a.slug}")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'id="org-name"' in page.text and "catalogue.js" in page.text
    assert api("GET", f"/o/{a.slug}/").status_code == 200
    assert api("GET", "/o/Not_A_Slug!").status_code == 404
    r = api("GET", f"/api/events?tenant={a.slug}")
    assert r.status_code == 200
    ids = [e["id"] for e in r.json()["events"]]
    assert ids == [pub["id"]]
    assert draft["id"] not in ids and other["id"] not in ids
    card = r.json()["events"][0]["tenant"]
    assert card["slug"] == a.slug
    assert card["branding"]["logoUrl"] == logo
    assert card["branding"]["tagline"] == "Fest club"
    assert contrast(card["branding"]["accent"], "#f5f0e8") >= 4.5
    # the event page's organizer card carries the same
    one = api("GET", f"/api/events/{pub['id']}").json()
    assert one["tenant"]["branding"]["logoUrl"] == logo


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    for tid in s.tenants:   # the uploads are audited
        s.all("delete from audit_log where tenant_id = %s returning id",
              (tid,), tenant=tid)
    s.purge()


def upload_as(person, base_url, path, body, ctype):
    return requests.put(base_url + path, data=body, timeout=20, headers={
        "Authorization": "Bearer " + person.token, "Content-Type": ctype})


def test_pdf_tickets_and_email_carry_logo_and_colour(
        shop, base_url, stack_var, fakes_url, tmp):
    t, ev, b, org, made = book_free(shop, base_url, stack_var, seats=1,
                                    accent="#ffee00")
    r = upload_as(org, base_url, "/api/tenants/me/logo",
                  png(w=40, h=40, rgb=(0, 160, 0)), "image/png")
    assert r.status_code == 200, r.text
    logo = r.json()["logoUrl"]
    pdf = Pdf(get_pdf(b, made["id"]).content, tmp)
    # the logo fills the band's right end (36 pt square, 18 pt margin)
    px = pdf.pixel(1, 261, 22)
    assert px[1] > 120 and px[0] < 40 and px[2] < 40, px
    assert pdf.qr(1) == made["tickets"][0]["qr"]
    # a JPEG logo is drawn too (decoded with libjpeg)
    r = upload_as(org, base_url, "/api/tenants/me/logo", JPEG, "image/jpeg")
    assert r.status_code == 200, r.text
    pdf = Pdf(get_pdf(b, made["id"]).content, tmp)
    listed = run("pdfimages", "-list", pdf.path).splitlines()
    assert any(" 16    16 " in line for line in listed), listed
    # the confirmation email: a head in the adjusted colour with the logo
    run_cron(stack_var, "outbox")
    msgs = emails_to(fakes_url, email_of(shop, b))
    assert len(msgs) == 1, msgs
    html = msgs[0]["html"]
    head = html.split("</div>")[0]
    m = re.search(r"background:(#[0-9a-f]{6})", head)
    assert m and contrast(m.group(1), "#f5f0e8") >= 4.5, head
    assert re.search(r'<img src="http://[^"]+/media/[0-9a-f]{32}\.jpg"',
                     head), head
    assert logo not in html   # the newer logo
