"""The web app's string catalogues (docs/web.md, "Language").

Every key the pages use (data-i18n / data-i18n-attr in HTML, t('…') in
scripts) exists in every catalogue; the catalogues have the same keys and
the same {placeholders}; they are sorted, one key per line (so parallel
additions merge cleanly); and no page shows text that is not tagged (the
exceptions are a short list: the brand, codes and sample values that read
the same in every language). Reads files only: no stack needed."""

import html.parser
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
I18N = WEB / "i18n"
LANGS = ("en", "hi")
# the server's messages and emails (lib/zt_i18n*, hindi-server) share the
# files; their keys are checked by the server's own tests
SERVER = "server."

# Visible text that is the same in every language: the brand, sample
# values in placeholders, protocol names and codes.
UNTAGGED_OK = {
    "ztic", "z", "EARLYBIRD", "STU", "UPI", "IFSC", "GSTIN", "Razorpay",
    "Ztic-Signature", "techfest-iitb", "IIT Bombay", "Techfest IIT Bombay",
    "fest@okaxis", "https://portal.example.in/ztic", "privacy@ztic.in",
    "tenant.", "27ABCDE1234F1Z5",
}
SKIP_DIRS = {"vendor", "node_modules", "i18n", "assets"}
T_CALL = re.compile(r"""(?<![\w.$])t\(\s*(['"`])([a-z][\w.]*[\w])\1""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


def catalogue(lang):
    return json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))


def web_files(suffix):
    for f in sorted(WEB.rglob(f"*{suffix}")):
        if not SKIP_DIRS.intersection(f.relative_to(WEB).parts):
            yield f


class Tags(html.parser.HTMLParser):
    """Keys used by data-i18n / data-i18n-attr, and text nodes (with
    attribute texts) that no tag covers."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "col",
            "area", "base", "wbr"}
    SHOWN_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.keys = set()
        self.untagged = []
        self.stack = []  # (tag, tagged)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        tagged_attrs = {}
        if a.get("data-i18n"):
            self.keys.add(a["data-i18n"])
        for pair in (a.get("data-i18n-attr") or "").split(";"):
            if ":" in pair:
                name, key = pair.split(":", 1)
                tagged_attrs[name.strip()] = key.strip()
                self.keys.add(key.strip())
        shown = list(self.SHOWN_ATTRS)
        if tag == "meta" and a.get("name") == "description":
            shown.append("content")
        for name in shown:
            v = (a.get(name) or "").strip()
            if v and name not in tagged_attrs and self.visible(v):
                self.untagged.append(f"<{tag} {name}={v!r}>")
        if tag not in self.VOID:
            self.stack.append((tag, bool(a.get("data-i18n"))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if any(t in ("script", "style") for t, _ in self.stack):
            return
        text = " ".join(data.split())
        if not text or not self.visible(text):
            return
        if self.stack and self.stack[-1][1]:
            return
        self.untagged.append(text)

    @staticmethod
    def visible(text):
        if text in UNTAGGED_OK or not re.search(r"[A-Za-z]", text):
            return False
        return not re.fullmatch(r"\S+@\S+|https?://\S+", text)


def parsed(f):
    p = Tags()
    p.feed(f.read_text(encoding="utf-8"))
    return p


def used_keys():
    keys = {}
    for f in web_files(".html"):
        for k in parsed(f).keys:
            keys.setdefault(k, f.relative_to(WEB))
    for f in web_files(".js"):
        for m in T_CALL.finditer(f.read_text(encoding="utf-8")):
            keys.setdefault(m.group(2), f.relative_to(WEB))
    return keys


def resolves(key, cat):
    return key in cat or any(f"{key}.{form}" in cat for form in PLURAL_FORMS)


def test_every_used_key_is_in_every_catalogue():
    keys = used_keys()
    assert len(keys) > 300  # the scan found the pages' strings
    for lang in LANGS:
        cat = catalogue(lang)
        missing = sorted(f"{k} ({src})" for k, src in keys.items()
                         if not resolves(k, cat))
        assert missing == [], f"{lang}.json lacks {missing}"


def test_catalogues_have_the_same_keys_and_placeholders():
    cats = {lang: catalogue(lang) for lang in LANGS}
    en = cats["en"]
    for lang, cat in cats.items():
        if lang == "en":
            continue
        assert sorted(set(en) - set(cat)) == [], f"missing in {lang}"
        assert sorted(set(cat) - set(en)) == [], f"only in {lang}"
        for k, v in en.items():
            assert sorted(PLACEHOLDER.findall(v)) == \
                sorted(PLACEHOLDER.findall(cat[k])), f"{lang} {k}"
            assert cat[k].strip(), f"{lang} {k} is empty"


def test_hindi_is_translated():
    # a Hindi value that is all Latin letters is an untranslated copy,
    # unless it is a code or a name that reads the same
    same_ok = {"URL", "UPI ID", "tenant.", "API", "UPI", "SMS", "PDF", "CSV",
               "ztic ·", "GST", "GSTIN"}
    en, hi = catalogue("en"), catalogue("hi")
    copies = sorted(k for k, v in hi.items() if not k.startswith(SERVER)
                    and re.search(r"[A-Za-z]{3}", v)
                    and not re.search("[\u0900-\u097f]", v)
                    and v == en[k] and v not in same_ok)
    assert copies == []


def test_catalogues_are_sorted_one_key_per_line():
    for lang in LANGS:
        text = (I18N / f"{lang}.json").read_text(encoding="utf-8")
        cat = json.loads(text)
        assert list(cat) == sorted(cat), f"{lang}.json is not sorted"
        assert all(isinstance(v, str) for v in cat.values())
        want = json.dumps(cat, ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
        assert text == want, f"{lang}.json: one key per line, 2 spaces"


def test_no_page_shows_untagged_text():
    found = []
    for f in web_files(".html"):
        for text in parsed(f).untagged:
            found.append(f"{f.relative_to(WEB)}: {text}")
    assert found == []


def test_the_scan_sees_untagged_text_and_t_calls():
    # the checks above are only as good as their scanners
    p = Tags()
    p.feed('<p>Hello <b data-i18n="a.b">x</b></p><input placeholder="Name">'
           '<p data-i18n="c.d">y</p><span>ztic</span>')
    assert p.untagged == ["Hello", "<input placeholder='Name'>"]
    assert p.keys == {"a.b", "c.d"}
    js = "t('event.buy'); x.t('no.key'); t(\"org.team.invite\", {n})"
    assert [m.group(2) for m in T_CALL.finditer(js)] == \
        ["event.buy", "org.team.invite"]
