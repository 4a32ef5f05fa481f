"""Saved venues through nginx, the tenants responder and PostgreSQL
(docs/commerce.md, "Venues"): a venue's layout is copied into an event, so
editing the venue later never changes an event (a sold one included);
another tenant's venue is 404, also when used for an event; roles are
re-read in the database; a bad layout is 400/422 naming its place."""

import uuid

import pytest

from ztorg import Org, Person, ctx, event_body  # noqa: F401

HALL = {
    "kind": "reserved",
    "categories": [{"name": "Free", "pricePaise": 0, "colour": "#2a9d8f"},
                   {"name": "Gold", "pricePaise": 80000}],
    "generate": {"section": "Stalls", "rows": "A-C", "seatsPerRow": 4,
                 "category": "Gold",
                 "categories": [{"rows": "A", "category": "Free"}]},
}


def make_venue(org, name="Main auditorium", layout=None):
    r = org.owner.call("POST", "/api/tenants/me/venues",
                       {"name": name, "description": "Block C",
                        "layout": layout or HALL})
    assert r.status_code == 201, r.text
    return r.json()


def shape(layout):
    """What an event's or a venue's layout says, without ids and counts."""
    cats = sorted((c["name"], c["pricePaise"]) for c in layout["categories"])
    seats = sorted((s["name"], r["label"], x["label"], x["category"])
                   for s in layout["sections"] for r in s["rows"]
                   for x in r["seats"])
    types = sorted((t["name"], t["pricePaise"], t["capacity"])
                   for t in layout.get("ticketTypes", []))
    return cats, seats, types


def event_layout(org, ev_id):
    r = org.owner.call("GET", f"/api/events/mine/{ev_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    return body.get("layout", body)


def err(r):
    return r.json()["error"]


def test_a_venue_is_copied_so_editing_it_never_changes_a_sold_event(ctx):
    org = Org(ctx)
    v = make_venue(org)
    assert v["kind"] == "reserved" and v["seatCount"] == 12
    assert v["categoryCount"] == 2
    r = org.owner.call("GET", "/api/tenants/me/venues")
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["venues"]] == [v["id"]]
    assert "layout" not in r.json()["venues"][0]

    # start from the venue: a draft gets the venue's kind and map
    ev = org.event(layoutKind="ga")
    r = org.owner.call("POST", f"/api/tenants/me/venues/{v['id']}/apply",
                       {"eventId": ev["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["venueId"] == v["id"] and r.json()["kind"] == "reserved"
    before = shape(event_layout(org, ev["id"]))
    # the venue keeps the document as written (a generator here)
    assert v["layout"]["generate"] == HALL["generate"]
    assert before[0] == [("Free", 0), ("Gold", 80000)]
    assert len(before[1]) == 12
    assert [s[3] for s in before[1] if s[1] == "A"] == ["Free"] * 4
    r = org.owner.call("POST", f"/api/events/{ev['id']}/publish")
    assert r.status_code == 200, r.text

    # sell a seat of row A (free: confirmed at once)
    seat = next(x for s in event_layout(org, ev["id"])["sections"]
                for row in s["rows"] if row["label"] == "A"
                for x in row["seats"])
    buyer = Person(ctx, "buyer")
    r = buyer.call("POST", "/api/seats/lock",
                   {"eventId": ev["id"], "seatIds": [seat["id"]]})
    assert r.status_code == 200, r.text
    r = buyer.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code in (200, 201), r.text
    assert r.json()["status"] == "confirmed"

    # edit the venue: row A repriced, row C gone, a new category
    new = {"kind": "reserved",
           "categories": [{"name": "Free", "pricePaise": 10000},
                          {"name": "Gold", "pricePaise": 99000},
                          {"name": "Box", "pricePaise": 150000}],
           "generate": {"section": "Stalls", "rows": "A-B", "seatsPerRow": 6,
                        "category": "Gold",
                        "categories": [{"rows": "A", "category": "Box"}]}}
    r = org.owner.call("PATCH", f"/api/tenants/me/venues/{v['id']}",
                       {"name": "Main auditorium (2027)", "layout": new})
    assert r.status_code == 200, r.text
    assert r.json()["seatCount"] == 12 and r.json()["name"].endswith("(2027)")

    # the sold event keeps its map, its prices and its sold seat
    after = event_layout(org, ev["id"])
    assert shape(after) == before
    assert any(x.get("sold") for s in after["sections"] for row in s["rows"]
               for x in row["seats"])

    # a new event from the venue takes the new map
    ev2 = org.event(layoutKind="ga")
    r = org.owner.call("POST", f"/api/tenants/me/venues/{v['id']}/apply",
                       {"eventId": ev2["id"]})
    assert r.status_code == 200, r.text
    got = shape(event_layout(org, ev2["id"]))
    assert got[0] == sorted([("Box", 150000), ("Free", 10000), ("Gold", 99000)])
    assert len(got[1]) == 12 and got != before

    # applying the new map to the sold event is refused, nothing changes
    r = org.owner.call("POST", f"/api/tenants/me/venues/{v['id']}/apply",
                       {"eventId": ev["id"]})
    assert r.status_code == 409, r.text
    assert shape(event_layout(org, ev["id"])) == before

    # deleting the venue leaves both events as they are
    r = org.owner.call("DELETE", f"/api/tenants/me/venues/{v['id']}")
    assert r.status_code == 204, r.text
    assert org.owner.call(
        "GET", f"/api/tenants/me/venues/{v['id']}").status_code == 404
    assert shape(event_layout(org, ev["id"])) == before
    assert shape(event_layout(org, ev2["id"])) == got
    actions = sorted(a for (a,) in org.rows(
        "select action from audit_log where target = %s",
        ("venue:" + v["id"],)))
    assert actions == ["venue.created", "venue.deleted", "venue.updated"]


def test_a_venue_saved_from_an_event_has_its_layout_without_ids_or_sales(ctx):
    org = Org(ctx)
    layout = {"kind": "hybrid",
              "categories": [{"name": "Gold", "pricePaise": 50000}],
              "generate": {"rows": "A", "seatsPerRow": 3},
              "ticketTypes": [{"name": "Lawn", "pricePaise": 20000,
                               "capacity": 300, "perOrderLimit": 6,
                               "salesEndsAt": event_body()["startsAt"]}]}
    ev = org.event(layoutKind="hybrid")
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", layout)
    assert r.status_code == 200, r.text
    r = org.owner.call("POST", "/api/tenants/me/venues",
                       {"name": "Open-air theatre", "fromEventId": ev["id"]})
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["kind"] == "hybrid" and v["seatCount"] == 3
    assert v["ticketTypeCount"] == 1
    assert shape(v["layout"]) == shape(event_layout(org, ev["id"]))
    text = str(v["layout"])
    assert "'id'" not in text and "'sold'" not in text
    assert "salesEndsAt" not in text       # dates belong to an event

    # another tenant's event cannot be saved as a venue
    other = Org(ctx)
    r = other.owner.call("POST", "/api/tenants/me/venues",
                         {"name": "Stolen", "fromEventId": ev["id"]})
    assert r.status_code == 404, r.text
    assert err(r)["code"] == "event_not_found"
    assert other.rows("select count(*) from venues")[0][0] == 0


def test_another_tenants_venue_is_404_also_when_used_for_an_event(ctx):
    a, b = Org(ctx), Org(ctx)
    v = make_venue(a)
    b_event = b.event(layoutKind="reserved")
    a_event = a.event(layoutKind="reserved")
    path = f"/api/tenants/me/venues/{v['id']}"
    for method, p, body in (
            ("GET", path, None),
            ("PATCH", path, {"name": "Mine now"}),
            ("DELETE", path, None),
            ("POST", path + "/apply", {"eventId": b_event["id"]})):
        r = b.owner.call(method, p, body)
        assert r.status_code == 404, (method, p, r.text)
        assert err(r)["code"] == "venue_not_found"
    # A's own venue on B's event: the event is not A's
    r = a.owner.call("POST", path + "/apply", {"eventId": b_event["id"]})
    assert r.status_code == 404, r.text
    assert err(r)["code"] == "event_not_found"
    assert b.rows("select count(*) from seats where event_id = %s",
                  (b_event["id"],))[0][0] == 0
    r = b.owner.call("GET", "/api/tenants/me/venues")
    assert r.status_code == 200 and r.json()["venues"] == []
    # A's venue is untouched and still works for A
    r = a.owner.call("GET", path)
    assert r.status_code == 200 and r.json()["name"] == "Main auditorium"
    r = a.owner.call("POST", path + "/apply", {"eventId": a_event["id"]})
    assert r.status_code == 200, r.text


def test_staff_roles_are_read_again_in_the_database(ctx):
    org = Org(ctx)
    v = make_venue(org)
    manager = org.member("manager")
    r = manager.call("POST", "/api/tenants/me/venues",
                     {"name": "Seminar hall", "layout": HALL})
    assert r.status_code == 201, r.text
    scanner = org.member("scanner")
    for method, p, body in (
            ("GET", "/api/tenants/me/venues", None),
            ("POST", "/api/tenants/me/venues", {"name": "x", "layout": HALL}),
            ("PATCH", f"/api/tenants/me/venues/{v['id']}", {"name": "x"})):
        assert scanner.call(method, p, body).status_code == 403
    # demoted to scanner in the database, still holding a manager token
    r = org.owner.call("PATCH", f"/api/tenants/me/members/{manager.id}",
                       {"role": "scanner"})
    assert r.status_code == 200, r.text
    r = manager.call("PATCH", f"/api/tenants/me/venues/{v['id']}",
                     {"name": "Renamed"})
    assert r.status_code == 403 and err(r)["code"] == "forbidden", r.text
    # removed, still holding the token
    r = org.owner.call("DELETE", f"/api/tenants/me/members/{manager.id}")
    assert r.status_code in (200, 204), r.text
    r = manager.call("DELETE", f"/api/tenants/me/venues/{v['id']}")
    assert r.status_code == 403 and err(r)["code"] == "not_a_member", r.text
    assert org.rows("select name from venues where id = %s",
                    (v["id"],)) == [("Main auditorium",)]


@pytest.mark.parametrize("layout,status,field", [
    ({"categories": [{"name": "Gold", "pricePaise": "lots"}]}, 400,
     "layout.categories[0].pricePaise"),
    ({"categories": [{"name": "Gold", "pricePaise": 1}],
      "sections": [{"name": "S", "rows": [{"label": "A", "category": "Gld",
                                           "seats": ["1"]}]}]}, 422,
     "layout.sections[0].rows[0].seats[0].category"),
    ({"kind": "ga", "categories": [{"name": "G", "pricePaise": 1}],
      "generate": {"rows": "A", "seatsPerRow": 2}}, 422, "layout.sections"),
    ({"sections": [], "categroies": []}, 400, "layout"),
    ({}, 422, "layout"),
    ([1, 2], 400, "layout"),
])
def test_a_bad_layout_is_refused_naming_its_place(ctx, layout, status, field):
    org = Org(ctx)
    r = org.owner.call("POST", "/api/tenants/me/venues",
                       {"name": "Bad", "layout": layout})
    assert r.status_code == status, r.text
    e = err(r)
    assert e["message"].startswith(field), e
    assert e.get("field", field).startswith("layout"), e
    v = make_venue(org)
    r = org.owner.call("PATCH", f"/api/tenants/me/venues/{v['id']}",
                       {"layout": layout})
    assert r.status_code == status, r.text
    assert org.rows("select count(*) from venues")[0][0] == 1
    assert org.rows("select seat_count from venues")[0][0] == 12


def test_layout_and_from_event_together_or_neither_is_400(ctx):
    org = Org(ctx)
    ev = org.event()
    for body in ({"name": "x"},
                 {"name": "x", "layout": HALL, "fromEventId": ev["id"]}):
        r = org.owner.call("POST", "/api/tenants/me/venues", body)
        assert r.status_code == 400 and "layout" in err(r)["message"], r.text
    r = org.owner.call("POST", "/api/tenants/me/venues",
                       {"name": "", "layout": HALL})
    assert r.status_code == 400 and "name" in err(r)["message"], r.text
