"""The pages show no character their fonts lack (issue #23's walk-through:
the vertical section labels used CJK characters, which rendered as empty
boxes on machines without CJK fonts, such as the browser tests' Chromium).

The pages use the system's Latin fonts and Devanagari for Hindi names;
CJK ideographs, kana and fullwidth forms are not among them."""

import pathlib
import re

WEB = pathlib.Path(__file__).resolve().parents[2] / "web"
NO_GLYPH = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def test_no_page_text_needs_a_cjk_font():
    found = []
    for f in sorted(WEB.rglob("*")):
        if f.suffix not in (".html", ".js", ".css", ".svg") or \
                "node_modules" in f.parts:
            continue
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            for m in NO_GLYPH.finditer(line):
                found.append(f"{f.relative_to(WEB)}:{n}: {m.group()!r}")
    assert found == []
