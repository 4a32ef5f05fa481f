"""Every page-relative URL the demo data names is served (issue #23's
walk-through: the demo tenant's logo answered 404)."""

import pathlib
import re

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]


def demo_urls():
    urls = set()
    for f in sorted((ROOT / "sql" / "demo").glob("*.sql")):
        urls |= set(re.findall(r'"(/[A-Za-z0-9_./-]+)"', f.read_text()))
    return sorted(urls)


def test_the_demo_data_names_local_assets():
    assert "/assets/demo/techfest-logo.svg" in demo_urls()


def test_every_local_url_in_the_demo_data_is_served(base_url):
    for url in demo_urls():
        r = requests.get(base_url + url, timeout=10)
        assert r.status_code == 200, (url, r.status_code)
        assert r.headers["Content-Type"].startswith("image/"), \
            (url, r.headers["Content-Type"])
