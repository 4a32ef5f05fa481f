"""The uploaded event poster reaches what the pages draw (issue #23): the
public event and the catalogue cards carry its /media/ URL, which nginx
serves as the image; a draft's poster is not public. The browser side is
tests/e2e/poster.test.mjs."""

import requests

from test_branding import JPEG, put
from ztorg import Org, ctx  # noqa: F401 (fixture)


def test_the_poster_is_in_the_public_event_and_the_catalogue(ctx, base_url):
    org = Org(ctx)
    ev = org.published(title=f"Poster night {org.slug}")
    r = put(org.owner, f"/api/events/{ev['id']}/poster", JPEG, "image/jpeg")
    assert r.status_code == 200, r.text
    url = r.json()["posterUrl"]
    pub = ctx.api("GET", f"/api/events/{ev['id']}")
    assert pub.status_code == 200 and pub.json()["posterUrl"] == url
    cat = ctx.api("GET", "/api/events", params={"q": ev["title"]})
    assert [e.get("posterUrl") for e in cat.json()["events"]] == [url]
    img = requests.get(base_url + url, timeout=10)
    assert img.status_code == 200
    assert img.headers["Content-Type"] == "image/jpeg"
    # a draft's poster is uploaded but nobody else sees the draft
    draft = org.event()
    r = put(org.owner, f"/api/events/{draft['id']}/poster", JPEG, "image/jpeg")
    assert r.status_code == 200, r.text
    assert ctx.api("GET", f"/api/events/{draft['id']}").status_code == 404
