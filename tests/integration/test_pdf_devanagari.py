"""Devanagari in the money PDFs (issue #23; docs/tickets.md "Text and
fonts"): an event titled in Hindi and an organizer named in Hindi print in
the GST invoice and the event statement with a Noto Sans Devanagari subset
embedded as a CID TrueType font (Identity-H), and the text extracts back
exactly (the ToUnicode map), conjuncts and vowel signs included: Pango
shapes with HarfBuzz, cairo writes the glyphs and the map.  The tickets'
own check is tests/integration/test_ticket_pdf.py."""

import re
import subprocess

from test_invoices import PLATFORM, invoices_of, shop, sold_and_ended  # noqa: F401
from ztbook import Rzp, run_cron

TITLE = "दीपावली संगीत संध्या"          # conjuncts (ध्य), an i-matra before its consonant (दी, ली)
ORG = "श्री कृष्ण क्षेत्र न्यास"          # श्र, कृ, क्ष, त्र, न्य


def fonts_and_text(blob, tmp_path, name):
    assert blob[:5] == b"%PDF-"
    f = tmp_path / name
    f.write_bytes(blob)
    fonts = subprocess.run(["pdffonts", str(f)], check=True, capture_output=True,
                           text=True).stdout
    # -layout: -raw breaks the line at a below-base vowel sign (ृ), which
    # HarfBuzz positions lower, though the ToUnicode map decodes it
    text = subprocess.run(["pdftotext", "-layout", str(f), "-"], check=True,
                          capture_output=True, text=True).stdout
    return fonts, re.sub(r" {2,}", "  ", text)


def embedded_devanagari(fonts):
    """pdffonts: name, type, encoding, emb, sub, uni."""
    return re.search(r"^[A-Z]{6}\+NotoSansDevanagari-\S+\s+CID TrueType\s+Identity-H"
                     r"\s+yes\s+yes\s+yes", fonts, re.M)


def test_hindi_title_and_organizer_in_invoice_and_statement(shop, razorpay_url,  # noqa: F811
                                                            base_url, stack_var, tmp_path):
    rzp = Rzp(razorpay_url)
    owner, t, ev, org, st = sold_and_ended(shop, base_url, stack_var, rzp, ORG)
    with shop.tx(t) as cur:
        cur.execute("update events set title = %s where id = %s", (TITLE, ev["id"]))
    run_cron(stack_var, "payouts", **PLATFORM)
    [inv] = invoices_of(org)
    assert inv["eventTitle"] == TITLE and inv["recipient"]["name"] == ORG

    r = org.call("GET", f"/api/tenants/me/finance/invoices/{inv['id']}",
                 params={"format": "pdf"})
    assert r.status_code == 200, r.text
    fonts, text = fonts_and_text(r.content, tmp_path, "invoice.pdf")
    assert embedded_devanagari(fonts), fonts
    assert TITLE in text, text
    assert ORG in text, text
    assert inv["number"] in text

    r = org.call("GET", f"/api/tenants/me/finance/events/{ev['id']}",
                 params={"format": "pdf"})
    assert r.status_code == 200, r.text
    fonts, text = fonts_and_text(r.content, tmp_path, "statement.pdf")
    assert embedded_devanagari(fonts), fonts
    assert TITLE in text and ORG in text, text
