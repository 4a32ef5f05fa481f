"""Events: organizer CRUD, the state machine, layouts and seat maps, sold
seat protection, and the public catalogue, through nginx and the events
responder, with the attacks on each."""

import gzip
import time
import uuid

import pytest

from ztorg import (GA_LAYOUT, RESERVED_LAYOUT, Org, Person, ctx, days,  # noqa
                   event_body, sql)


def err(r):
    return r.json()["error"]


def seats_of(layout):
    """{(section, row, label): seat} of a layout answer."""
    out = {}
    for sec in layout["sections"]:
        for row in sec["rows"]:
            for s in row["seats"]:
                out[(sec["name"], row["label"], s["label"])] = s
    return out


def sell(org, event_id, seat_id=None, ticket_type_id=None, price=80000):
    """A live ticket on a pending booking, as the booking writer would
    insert it (owner DSN, scoped to the tenant)."""
    buyer = Person(org.ctx, "buyer")
    booking = str(uuid.uuid4())
    org.rows("""insert into bookings (id, tenant_id, event_id, user_id,
                    subtotal_paise, total_paise, expires_at)
                values (%s, %s, %s, %s, %s, %s, now() + interval '10 min')""",
             (booking, org.id, event_id, buyer.id, price, price))
    org.rows("""insert into tickets (tenant_id, event_id, booking_id, user_id,
                    seat_id, ticket_type_id, price_paise)
                values (%s, %s, %s, %s, %s, %s, %s)""",
             (org.id, event_id, booking, buyer.id, seat_id, ticket_type_id,
              price))
    if ticket_type_id:
        org.rows("update ticket_types set sold = sold + 1 where id = %s",
                 (ticket_type_id,))
    return booking


# ------------------------------------------------------------ create / edit

def test_a_manager_creates_a_draft_with_a_derived_slug(ctx):
    org = Org(ctx)
    manager = org.member("manager")
    body = event_body(title="Rock Night: Live!", timezone="Asia/Kolkata",
                      posterUrl="https://cdn.example.org/p.jpg",
                      salesEndsAt=days(10, 1), perUserLimit=4,
                      refundPolicy={"type": "before_start", "cutoffHours": 48,
                                    "feeBps": 1000},
                      tags=["Rock", " rock ", "Live"])
    r = manager.call("POST", "/api/events", body)
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["status"] == "draft" and ev["slug"] == "rock-night-live"
    assert ev["tags"] == ["rock", "live"]
    assert ev["refundPolicy"] == {"type": "before_start", "cutoffHours": 48,
                                  "feeBps": 1000}
    assert ev["startsAt"] == body["startsAt"] and ev["perUserLimit"] == 4
    assert ev["tenantId"] == org.id and ev["publishedAt"] is None
    again = manager.call("POST", "/api/events", body).json()
    assert again["slug"] == "rock-night-live-2"
    r = manager.call("POST", "/api/events", dict(body, slug="rock-night-live"))
    assert r.status_code == 409 and err(r)["code"] == "slug_taken"
    assert org.rows("select action from audit_log where tenant_id = %s and"
                    " target = %s", (org.id, "event:" + ev["id"])) == \
        [("event.created",)]


def test_a_scanner_cannot_create_or_change_events(ctx):
    org = Org(ctx)
    ev = org.event()
    scanner = org.member("scanner")
    assert scanner.call("POST", "/api/events", event_body()).status_code == 403
    for method, path, body in [
            ("PATCH", f"/api/events/{ev['id']}", {"title": "x"}),
            ("DELETE", f"/api/events/{ev['id']}", None),
            ("POST", f"/api/events/{ev['id']}/publish", None),
            ("POST", f"/api/events/{ev['id']}/cancel", None),
            ("PUT", f"/api/events/{ev['id']}/layout", GA_LAYOUT)]:
        r = scanner.call(method, path, body)
        assert r.status_code == 403, (method, path, r.text)
    # but reads the tenant's events (gate staff need them)
    r = scanner.call("GET", "/api/events/mine")
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["events"]] == [ev["id"]]
    assert org.rows("select title, status from events where id = %s",
                    (ev["id"],)) == [(ev["title"], "draft")]


@pytest.mark.parametrize("over, status, field", [
    ({"title": None}, 400, "title"),
    ({"startsAt": "next friday"}, 400, "startsAt"),
    ({"endsAt": "2026-13-01T00:00:00Z"}, 400, "endsAt"),
    ({"endsAt": days(9)}, 422, "endsAt"),
    ({"startsAt": days(-1), "endsAt": days(1)}, 422, "startsAt"),
    ({"salesEndsAt": days(11)}, 422, "salesEndsAt"),
    ({"salesStartsAt": days(10, 4)}, 422, "salesStartsAt"),
    ({"salesStartsAt": days(5), "salesEndsAt": days(4)}, 422, "salesEndsAt"),
    ({"timezone": "Mars/Olympus_Mons"}, 422, "timezone"),
    ({"timezone": "IST"}, 400, "timezone"),
    ({"slug": "Not A Slug"}, 400, "slug"),
    ({"perUserLimit": 0}, 400, "perUserLimit"),
    ({"layoutKind": "arena"}, 400, "layoutKind"),
    ({"posterUrl": "javascript:alert(1)"}, 400, "posterUrl"),
    ({"description": "x" * 10001}, 400, "description"),
    ({"organizer": "someone"}, 400, "organizer"),
])
def test_event_errors_name_the_field(ctx, over, status, field):
    org = Org(ctx)
    r = org.owner.call("POST", "/api/events", event_body(**over))
    assert r.status_code == status, r.text
    assert f"'{field}'" in err(r)["message"]


def test_a_patch_validates_against_the_stored_event(ctx):
    org = Org(ctx)
    ev = org.event()
    path = f"/api/events/{ev['id']}"
    r = org.owner.call("PATCH", path, {"endsAt": days(9)})
    assert r.status_code == 422 and "'endsAt'" in err(r)["message"]
    r = org.owner.call("PATCH", path, {"city": "Pune", "venueName": "",
                                       "timezone": "Europe/London",
                                       "title": "<script>alert('x')</script>"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["city"] == "Pune" and got["venueName"] is None
    assert got["timezone"] == "Europe/London"
    assert got["title"] == "<script>alert('x')</script>"
    assert got["startsAt"] == ev["startsAt"]
    # resending the stored start of an event that has begun is no move
    org.rows("update events set starts_at = now() - interval '1 hour'"
             " where id = %s", (ev["id"],))
    started = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    r = org.owner.call("PATCH", path, {"startsAt": started["startsAt"],
                                       "city": "Goa"})
    assert r.status_code == 200, r.text
    r = org.owner.call("PATCH", path, {"startsAt": days(-1, 1)})
    assert r.status_code == 422 and "'startsAt'" in err(r)["message"]
    assert org.rows("select details->'fields' from audit_log where tenant_id"
                    " = %s and action = 'event.updated' order by at",
                    (org.id,)) == \
        [(["city", "venueName", "timezone", "title"],),
         (["startsAt", "city"],)]


# ----------------------------------------------------------- state machine

def test_publishing_needs_a_layout_then_follows_the_state_machine(ctx):
    org = Org(ctx)
    ev = org.event(layoutKind="reserved")
    path = f"/api/events/{ev['id']}"
    r = org.owner.call("POST", path + "/publish")
    assert r.status_code == 409 and err(r)["code"] == "layout_incomplete"
    assert "reserved" in err(r)["message"]
    # ticket types on a reserved event are refused
    r = org.owner.call("PUT", path + "/layout", GA_LAYOUT)
    assert r.status_code == 422 and "ticketTypes" in err(r)["message"]
    # every seat blocked: still nothing to sell
    blocked = dict(RESERVED_LAYOUT, generate=dict(
        RESERVED_LAYOUT["generate"], blocked=[{"rows": "A-C"}]))
    assert org.owner.call("PUT", path + "/layout", blocked).status_code == 200
    r = org.owner.call("POST", path + "/publish")
    assert r.status_code == 409 and "blocked" in err(r)["message"]
    assert org.owner.call("PUT", path + "/layout",
                          RESERVED_LAYOUT).status_code == 200
    r = org.owner.call("POST", path + "/publish")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["listed"] is True
    assert r.json()["publishedAt"] is not None
    r = org.owner.call("POST", path + "/publish")
    assert r.status_code == 409 and err(r)["code"] == "invalid_transition"
    r = org.owner.call("DELETE", path)
    assert r.status_code == 409 and err(r)["code"] == "not_a_draft"
    r = org.owner.call("PATCH", path, {"slug": "new-slug"})
    assert r.status_code == 409 and err(r)["code"] == "event_published"
    r = org.owner.call("PATCH", path, {"layoutKind": "ga"})
    assert r.status_code == 409
    r = org.owner.call("PUT", path + "/layout", dict(RESERVED_LAYOUT,
                                                     kind="hybrid"))
    assert r.status_code == 409 and err(r)["code"] == "layout_kind_locked"
    assert org.owner.call("PATCH", path,
                          {"title": "Renamed"}).status_code == 200
    r = org.owner.call("POST", path + "/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    for method, sub, body in [("POST", "/cancel", None),
                              ("POST", "/publish", None),
                              ("PATCH", "", {"title": "x"}),
                              ("PUT", "/layout", RESERVED_LAYOUT),
                              ("DELETE", "", None)]:
        r = org.owner.call(method, path + sub, body)
        assert r.status_code == 409, (method, sub, r.text)
    actions = [a for (a,) in org.rows(
        "select action from audit_log where target = %s order by at",
        ("event:" + ev["id"],))]
    assert actions[0] == "event.created"
    assert "event.published" in actions and actions[-1] == "event.cancelled"


def test_a_draft_may_be_deleted_or_cancelled(ctx):
    org = Org(ctx)
    a, b = org.event(), org.event()
    assert org.owner.call("PUT", f"/api/events/{a['id']}/layout",
                          GA_LAYOUT).status_code == 200
    assert org.owner.call("DELETE", f"/api/events/{a['id']}").status_code == 204
    assert org.rows("select count(*) from events where id = %s",
                    (a["id"],)) == [(0,)]
    assert org.rows("select count(*) from ticket_types where event_id = %s",
                    (a["id"],)) == [(0,)]
    assert org.owner.call("DELETE", f"/api/events/{a['id']}").status_code == 404
    r = org.owner.call("POST", f"/api/events/{b['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_a_pending_tenant_may_publish_but_is_not_listed(ctx):
    org = Org(ctx, activate=False)
    ev = org.published(city=f"Nowhere-{uuid.uuid4().hex[:6]}")
    assert ev["status"] == "published" and ev["listed"] is False
    assert ctx.api("GET", f"/api/events/{ev['id']}").status_code == 404
    r = ctx.api("GET", "/api/events", params={"city": ev["city"]})
    assert r.json()["events"] == []
    org.activate()
    assert ctx.api("GET", f"/api/events/{ev['id']}").status_code == 200


def test_a_suspended_tenant_cannot_publish(ctx):
    org = Org(ctx)
    ev = org.event()
    assert org.owner.call("PUT", f"/api/events/{ev['id']}/layout",
                          GA_LAYOUT).status_code == 200
    org.rows("update tenants set status = 'suspended' where id = %s",
             (org.id,))
    r = org.owner.call("POST", f"/api/events/{ev['id']}/publish")
    assert r.status_code == 409 and err(r)["code"] == "tenant_suspended"
    assert org.rows("select status from events where id = %s",
                    (ev["id"],)) == [("draft",)]


# ------------------------------------------------------------------ layout

def test_the_generator_builds_the_seat_map(ctx):
    org = Org(ctx)
    ev = org.event(layoutKind="reserved")
    doc = {"categories": [{"name": "Gold", "pricePaise": 79900,
                           "colour": "#F4A261"},
                          {"name": "Silver", "pricePaise": 29900}],
           "generate": {"section": "Stalls", "rows": "A-T",
                        "seatsPerRow": 24, "aisleAfter": [12],
                        "category": "Silver",
                        "categories": [{"rows": "A-C", "category": "Gold"}],
                        "blocked": [{"rows": "H", "seats": "12-14"}],
                        "accessible": [{"rows": "T", "seats": "1,24"}]}}
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", doc)
    assert r.status_code == 200, r.text
    lay = r.json()
    assert lay["seatCount"] == 480 and lay["kind"] == "reserved"
    seats = seats_of(lay)
    assert len(seats) == 480
    assert [row["label"] for row in lay["sections"][0]["rows"]] == \
        [chr(c) for c in range(ord("A"), ord("U"))]
    assert [s["label"] for s in lay["sections"][0]["rows"][0]["seats"]] == \
        [str(n) for n in range(1, 25)]
    assert seats[("Stalls", "A", "12")]["x"] == 11
    assert seats[("Stalls", "A", "13")]["x"] == 13      # the aisle
    assert seats[("Stalls", "T", "1")]["y"] == 19
    assert seats[("Stalls", "C", "5")]["category"] == "Gold"
    assert seats[("Stalls", "D", "5")]["category"] == "Silver"
    assert seats[("Stalls", "H", "13")].get("blocked") is True
    assert "blocked" not in seats[("Stalls", "H", "15")]
    assert seats[("Stalls", "T", "24")].get("accessible") is True
    cats = {c["name"]: c for c in lay["categories"]}
    assert cats["Gold"]["colour"] == "#f4a261"
    assert cats["Silver"]["colour"] == "#888888"
    assert org.rows("select count(*) from seats where event_id = %s",
                    (ev["id"],)) == [(480,)]
    # what GET shows for organizers is the same
    r = org.owner.call("GET", f"/api/events/mine/{ev['id']}")
    assert r.status_code == 200
    assert seats_of(r.json()) == seats
    # replacing keeps the ids of the seats that stay
    doc["generate"]["rows"] = "A-J"
    doc["generate"]["accessible"] = [{"rows": "J", "seats": "1,24"}]
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", doc)
    assert r.status_code == 200, r.text
    again = seats_of(r.json())
    assert len(again) == 240
    assert again[("Stalls", "A", "1")]["id"] == seats[("Stalls", "A", "1")]["id"]


def test_an_explicit_layout_round_trips_through_get(ctx):
    org = Org(ctx)
    ev = org.event(layoutKind="hybrid")
    doc = {"categories": [{"name": "Box", "pricePaise": 150000}],
           "sections": [{"name": "Boxes", "rows": [
               {"label": "B1", "seats": ["1", {"gap": 1}, {"label": "2",
                "accessible": True, "x": 3.5, "y": 0.5}]}]}],
           "ticketTypes": [{"name": "Standing", "pricePaise": 20000,
                            "capacity": 300, "perOrderLimit": 6,
                            "salesEndsAt": days(10)}]}
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", doc)
    assert r.status_code == 200, r.text
    lay = r.json()
    s = seats_of(lay)
    assert s[("Boxes", "B1", "2")]["x"] == 3.5
    assert s[("Boxes", "B1", "2")]["y"] == 0.5
    assert lay["ticketTypes"][0]["capacity"] == 300
    assert lay["ticketTypes"][0]["sold"] == 0
    # GET's answer is a valid PUT document (ids and sold are ignored)
    back = {"categories": lay["categories"], "sections": lay["sections"],
            "ticketTypes": lay["ticketTypes"]}
    r2 = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", back)
    assert r2.status_code == 200, r2.text
    assert seats_of(r2.json()) == s
    assert r2.json()["ticketTypes"] == lay["ticketTypes"]


def test_the_seat_list_text_escapes_labels_and_keeps_its_shape(ctx):
    """The seat list is written as text, not json-c objects
    (docs/benchmarks.md, section 23): labels with quotes, backslashes,
    slashes and non-ASCII come back as stored, sections and rows in their
    order, each seat's keys in json-c's order, and blocked, accessible and
    sold shown as before (sold to the organizer only)."""
    org = Org(ctx)
    ev = org.event(layoutKind="reserved")
    odd = 'Bal "A" \\ </x> बालकनी'
    doc = {"kind": "reserved",
           "categories": [{"name": 'Gold "1"/\\', "pricePaise": 100},
                          {"name": "Café", "pricePaise": 50}],
           "sections": [
               {"name": odd, "rows": [
                   {"label": 'R"1', "seats": [
                       {"label": "1\\", "category": 'Gold "1"/\\'},
                       {"label": "२", "category": "Café", "blocked": True,
                        "x": 2.25, "y": 0.5}]},
                   {"label": "R/2", "seats": [
                       {"label": "é", "category": "Café",
                        "accessible": True}]}]},
               {"name": "Floor", "rows": [
                   {"label": "Z", "seats": [
                       {"label": "1", "category": "Café", "x": 0,
                        "y": 9}]}]}]}
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", doc)
    assert r.status_code == 200, r.text
    assert org.owner.call("POST",
                          f"/api/events/{ev['id']}/publish").status_code == 200
    mine = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    s = seats_of(mine)
    sell(org, ev["id"], seat_id=s[(odd, 'R"1', "1\\")]["id"])
    for who in ("organizer", "public"):
        if who == "organizer":
            r = org.owner.call("GET", f"/api/events/mine/{ev['id']}")
        else:
            r = ctx.api("GET", f"/api/events/{ev['id']}")
        assert r.status_code == 200, r.text
        lay = r.json()
        assert [x["name"] for x in lay["sections"]] == [odd, "Floor"]
        assert [[row["label"] for row in x["rows"]]
                for x in lay["sections"]] == [['R"1', "R/2"], ["Z"]]
        seats = seats_of(lay)
        assert set(seats) == {(odd, 'R"1', "1\\"), (odd, 'R"1', "२"),
                              (odd, "R/2", "é"), ("Floor", "Z", "1")}
        first = seats[(odd, 'R"1', "1\\")]
        assert first["category"] == 'Gold "1"/\\'
        assert first.get("sold") is (True if who == "organizer" else None)
        blocked = seats[(odd, 'R"1', "२")]
        assert list(blocked) == ["id", "label", "x", "y", "category",
                                 "blocked"]
        assert blocked["x"] == 2.25 and blocked["y"] == 0.5
        assert seats[(odd, "R/2", "é")]["accessible"] is True
        assert list(seats[("Floor", "Z", "1")]) == ["id", "label", "x", "y",
                                                    "category"]
        # the answer is UTF-8 as sent, '/' unescaped as json-c wrote it
        assert "बालकनी".encode() in r.content and b"R/2" in r.content
        assert b'"Bal \\"A\\" \\\\ </x>' in r.content


def page_order(lay):
    """[(section, [(row, [seat labels])])] of a layout answer, in order."""
    return [(sec["name"], [(row["label"], [st["label"] for st in row["seats"]])
                           for row in sec["rows"]])
            for sec in lay["sections"]]


def display_order(lay):
    """The order the page promises, from the positions it shows: sections
    by their topmost seat then name, rows likewise, seats by x then label
    (sql/032_seat_rank.sql)."""
    seats = [(sec["name"], row["label"], st)
             for sec in lay["sections"] for row in sec["rows"]
             for st in row["seats"]]
    top_row, top_sec = {}, {}
    for sec, row, st in seats:
        top_row[sec, row] = min(top_row.get((sec, row), st["y"]), st["y"])
        top_sec[sec] = min(top_sec.get(sec, st["y"]), st["y"])
    seats.sort(key=lambda t: (top_sec[t[0]], t[0], top_row[t[0], t[1]], t[1],
                              t[2]["x"], t[2]["label"]))
    out = []
    for sec, row, st in seats:
        if not out or out[-1][0] != sec:
            out.append((sec, []))
        if not out[-1][1] or out[-1][1][-1][0] != row:
            out[-1][1].append((row, []))
        out[-1][1][-1][1].append(st["label"])
    return out


def test_the_seat_order_follows_the_layout_after_every_change(ctx):
    """Seats come in a stored display order (seats.display_rank, kept by
    triggers: docs/benchmarks.md, section 25): after a layout that moves
    sections, rows and seats and inserts new ones, after a fixture-style
    UPDATE and DELETE straight in PostgreSQL, the page follows."""
    org = Org(ctx)
    ev = org.event(layoutKind="reserved")
    path = f"/api/events/{ev['id']}"

    def seat(label, x):
        return {"label": label, "x": x}

    def doc(stalls_y, rows, balcony_y):
        return {"kind": "reserved",
                "categories": [{"name": "Gold", "pricePaise": 100}],
                "sections": [
                    {"name": "Stalls", "y": stalls_y, "rows": rows},
                    {"name": "Balcony", "y": balcony_y, "rows": [
                        {"label": "A", "y": balcony_y,
                         "seats": [seat("1", 0), seat("2", 1)]}]}]}

    first = doc(0, [{"label": "A", "y": 0, "seats": [
        seat("1", 0), seat("2", 1), seat("3", 2)]},
        {"label": "B", "y": 1, "seats": [seat("1", 0), seat("2", 1)]}], 10)
    r = org.owner.call("PUT", f"{path}/layout", first)
    assert r.status_code == 200, r.text
    assert org.owner.call("POST", f"{path}/publish").status_code == 200
    before = seats_of(r.json())
    want = [("Stalls", [("A", ["1", "2", "3"]), ("B", ["1", "2"])]),
            ("Balcony", [("A", ["1", "2"])])]
    assert page_order(r.json()) == want
    assert page_order(ctx.api("GET", path).json()) == want

    # the balcony above the stalls, row B above A, a row C between A and
    # the end, seat 3 moved to the front of A and a new seat 2a inside it
    second = doc(20, [
        {"label": "A", "y": 21, "seats": [
            seat("1", 0), seat("2a", 1.5), seat("2", 1.75), seat("3", 0)]},
        {"label": "C", "y": 21.5, "seats": [seat("1", 0)]},
        {"label": "B", "y": 20, "seats": [seat("2", 1), seat("1", 0)]}], 5)
    r = org.owner.call("PUT", f"{path}/layout", second)
    assert r.status_code == 200, r.text
    want = [("Balcony", [("A", ["1", "2"])]),
            ("Stalls", [("B", ["1", "2"]), ("A", ["1", "3", "2a", "2"]),
                        ("C", ["1"])])]
    for lay in (r.json(), ctx.api("GET", path).json(),
                org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()):
        assert page_order(lay) == want
        assert display_order(lay) == want
    # the seats that stayed kept their ids
    after = seats_of(r.json())
    assert after[("Stalls", "A", "3")]["id"] == before[("Stalls", "A", "3")]["id"]

    # writers outside the layout API (seeds, fixtures) are followed too
    org.rows("update seats set y = 30 where event_id = %s"
             " and section = 'Balcony'", (ev["id"],))
    org.rows("delete from seats where event_id = %s and section = 'Stalls'"
             " and row_label = 'B'", (ev["id"],))
    org.rows("insert into seats (tenant_id, event_id, section, row_label,"
             " seat_label, x, y, price_category_id)"
             " select tenant_id, event_id, 'Stalls', 'A', '0', 0, 21,"
             " price_category_id from seats where event_id = %s limit 1",
             (ev["id"],))
    lay = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    want = [("Stalls", [("A", ["0", "1", "3", "2a", "2"]), ("C", ["1"])]),
            ("Balcony", [("A", ["1", "2"])])]
    assert page_order(lay) == want and display_order(lay) == want
    ranks = org.rows("select display_rank from seats where event_id = %s"
                     " order by display_rank", (ev["id"],))
    assert None not in [x for (x,) in ranks]
    assert len({x for (x,) in ranks}) == len(ranks) == 8


@pytest.mark.parametrize("doc, status, where", [
    ({"categories": [{"name": "A", "pricePaise": -5}]}, 400,
     "categories[0].pricePaise"),
    ({"ticketTypes": [{"name": "A", "pricePaise": 5, "capacity": 0}]}, 400,
     "ticketTypes[0].capacity"),
    ({"ticketTypes": [{"name": "A", "pricePaise": 5, "capacity": 5,
                       "salesEndsAt": days(30)}]}, 422,
     "ticketTypes[0].salesEndsAt"),
    ({"categories": [{"name": "A", "pricePaise": 1},
                     {"name": "B", "pricePaise": 1}],
      "sections": [{"rows": [{"label": "A", "seats": [
          {"label": "1", "category": "C"}]}]}]}, 422,
     "sections[0].rows[0].seats[0].category"),
    ({"categories": [{"name": "A", "pricePaise": 1}],
      "generate": {"rows": "A-Z", "seatsPerRow": 1000}}, 422, "20000"),
    ({"categories": [{"name": "A", "pricePaise": 1}],
      "sections": [{"rows": [{"label": "A", "seats": ["1", "1"]}]}]}, 422,
     "A-1 appears twice"),
    ({"kind": "ga", "categories": [{"name": "A", "pricePaise": 1}],
      "generate": {"rows": "A", "seatsPerRow": 2}}, 422, "sections"),
    ({"seats": []}, 400, "'seats'"),
])
def test_layout_errors_name_the_place(ctx, doc, status, where):
    org = Org(ctx)
    ev = org.event(layoutKind="hybrid")
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", doc)
    assert r.status_code == status, r.text
    assert where in err(r)["message"]
    assert org.rows("select count(*) from seats where event_id = %s",
                    (ev["id"],)) == [(0,)]


def test_a_layout_body_over_the_route_limit_is_413(ctx):
    org = Org(ctx)
    ev = org.event()
    blob = "x" * (1024 * 1024 + 10)
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout",
                       {"kind": blob})
    assert r.status_code == 413


# ---------------------------------------------------- sold seat protection

def test_sold_seats_cannot_be_removed_blocked_or_repriced(ctx):
    org = Org(ctx)
    ev = org.published(layout=RESERVED_LAYOUT, layoutKind="reserved")
    path = f"/api/events/{ev['id']}/layout"
    lay = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    a1 = seats_of(lay)[("", "A", "1")]
    sell(org, ev["id"], seat_id=a1["id"])

    shrunk = dict(RESERVED_LAYOUT, generate=dict(
        RESERVED_LAYOUT["generate"], rows="B-C",
        categories=[{"rows": "B", "category": "Gold"}]))
    r = org.owner.call("PUT", path, shrunk)
    assert r.status_code == 409, r.text
    assert err(r)["code"] == "seat_sold"
    assert "A-1" in err(r)["message"]
    assert {"seat": "A-1", "reason": "removed"} in r.json()["conflicts"]

    repriced = dict(RESERVED_LAYOUT, categories=[
        {"name": "Gold", "pricePaise": 99900}, {"name": "Silver",
                                                "pricePaise": 30000}])
    r = org.owner.call("PUT", path, repriced)
    assert r.status_code == 409
    assert {"seat": "A-1", "reason": "repriced"} in r.json()["conflicts"]

    moved = dict(RESERVED_LAYOUT, generate=dict(
        RESERVED_LAYOUT["generate"], categories=[]))   # A-1 becomes Silver
    r = org.owner.call("PUT", path, moved)
    assert r.status_code == 409 and "A-1" in err(r)["message"]

    blocked = dict(RESERVED_LAYOUT, generate=dict(
        RESERVED_LAYOUT["generate"], blocked=[{"rows": "A", "seats": "1"}]))
    r = org.owner.call("PUT", path, blocked)
    assert r.status_code == 409
    assert {"seat": "A-1", "reason": "blocked"} in r.json()["conflicts"]

    # nothing of all that reached the database
    assert org.rows("select count(*), sum(pc.price_paise) from seats s"
                    " join price_categories pc on pc.id = s.price_category_id"
                    " where s.event_id = %s", (ev["id"],)) == [(12, 560000)]

    # changes that leave A-1 alone go through; A-1 keeps its id
    fine = dict(RESERVED_LAYOUT, categories=[
        {"name": "Gold", "pricePaise": 80000, "colour": "#000000"},
        {"name": "Silver", "pricePaise": 25000}], generate=dict(
        RESERVED_LAYOUT["generate"], rows="A-B", blocked=[
            {"rows": "B", "seats": "4"}]))
    r = org.owner.call("PUT", path, fine)
    assert r.status_code == 200, r.text
    assert seats_of(r.json())[("", "A", "1")]["id"] == a1["id"]
    assert seats_of(r.json())[("", "A", "1")]["sold"] is True


def test_ga_capacity_cannot_drop_below_sold_and_sold_types_stay(ctx):
    org = Org(ctx)
    ev = org.published()
    path = f"/api/events/{ev['id']}/layout"
    tt = org.owner.call("GET",
                        f"/api/events/mine/{ev['id']}").json()["ticketTypes"][0]
    sell(org, ev["id"], ticket_type_id=tt["id"])
    sell(org, ev["id"], ticket_type_id=tt["id"])
    r = org.owner.call("PUT", path, {"ticketTypes": [
        {"name": "Entry", "pricePaise": 50000, "capacity": 1}]})
    assert r.status_code == 409 and err(r)["code"] == "ticket_type_sold"
    assert "Entry" in err(r)["message"]
    r = org.owner.call("PUT", path, {"ticketTypes": [
        {"name": "Other", "pricePaise": 50000, "capacity": 10}]})
    assert r.status_code == 409
    assert r.json()["conflicts"][0] == {"ticketType": "Entry",
                                        "reason": "removed", "sold": 2}
    r = org.owner.call("PUT", path, {"ticketTypes": [
        {"name": "Entry", "pricePaise": 60000, "capacity": 2}]})
    assert r.status_code == 200, r.text
    assert r.json()["ticketTypes"][0]["id"] == tt["id"]
    assert r.json()["ticketTypes"][0]["sold"] == 2


# ---------------------------------------------------------- across tenants

def test_every_organizer_endpoint_is_404_on_another_tenants_event(ctx):
    a = Org(ctx)
    b = Org(ctx)
    draft = a.event(layoutKind="reserved")
    assert a.owner.call("PUT", f"/api/events/{draft['id']}/layout",
                        RESERVED_LAYOUT).status_code == 200
    live = a.published()
    before = a.rows("select id::text, title, status, slug, updated_at"
                    " from events where tenant_id = %s order by id", (a.id,))
    seats = a.rows("select count(*) from seats where event_id = %s",
                   (draft["id"],))
    for ev in (draft, live):
        p = f"/api/events/{ev['id']}"
        for method, path, body in [
                ("GET", f"/api/events/mine/{ev['id']}", None),
                ("PATCH", p, {"title": "pwned"}),
                ("DELETE", p, None),
                ("POST", p + "/publish", None),
                ("POST", p + "/cancel", None),
                ("PUT", p + "/layout", GA_LAYOUT)]:
            r = b.owner.call(method, path, body)
            assert r.status_code == 404, (method, path, r.text)
            assert err(r)["code"] == "event_not_found"
    assert a.rows("select id::text, title, status, slug, updated_at"
                  " from events where tenant_id = %s order by id",
                  (a.id,)) == before
    assert a.rows("select count(*) from seats where event_id = %s",
                  (draft["id"],)) == seats
    mine = b.owner.call("GET", "/api/events/mine").json()["events"]
    assert mine == []
    # malformed ids are 404 too
    assert b.owner.call("PATCH", "/api/events/not-an-id",
                        {"title": "x"}).status_code == 404


def test_organizer_list_shows_every_state_with_sales(ctx):
    org = Org(ctx)
    draft = org.event()
    live = org.published()
    tt = org.owner.call("GET",
                        f"/api/events/mine/{live['id']}").json()["ticketTypes"]
    sell(org, live["id"], ticket_type_id=tt[0]["id"], price=50000)
    r = org.owner.call("GET", "/api/events/mine")
    assert r.status_code == 200
    got = {e["id"]: e for e in r.json()["events"]}
    assert set(got) == {draft["id"], live["id"]}
    assert got[live["id"]]["sales"] == {"ticketsLive": 1,
                                        "ticketsCheckedIn": 0,
                                        "livePaise": 50000, "capacity": 100}
    assert got[draft["id"]]["status"] == "draft"
    r = org.owner.call("GET", "/api/events/mine?status=draft")
    assert [e["id"] for e in r.json()["events"]] == [draft["id"]]
    assert org.owner.call("GET",
                          "/api/events/mine?status=nope").status_code == 400
    r = org.owner.call("GET", "/api/events/mine?limit=1")
    assert len(r.json()["events"]) == 1 and r.json()["next"] == 1


# --------------------------------------------------------------- catalogue

def test_the_catalogue_filters_and_pages(ctx):
    city = f"Kochi-{uuid.uuid4().hex[:6]}"
    org = Org(ctx)
    other = Org(ctx)
    evs = [org.published(title=f"Jazz {i}", city=city, category="music",
                         tags=["jazz"], startsAt=days(20 + i),
                         endsAt=days(20 + i, 2)) for i in range(5)]
    talk = org.published(title="Robots and you", city=city,
                         category="talk", description="A SAXOPHONE demo",
                         startsAt=days(15), endsAt=days(15, 1))
    foreign = other.published(title="Jazz elsewhere", city=city,
                              category="music", startsAt=days(16),
                              endsAt=days(16, 1))
    org.event(title="Jazz draft", city=city)

    def ids(**params):
        r = ctx.api("GET", "/api/events", params=dict(params, city=city))
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["events"]]

    everything = ids()
    assert everything == [talk["id"], foreign["id"]] + [e["id"] for e in evs]
    assert ids(q="JAZZ") == [foreign["id"]] + [e["id"] for e in evs]
    assert ids(q="saxophone") == [talk["id"]]
    assert ids(category="Talk") == [talk["id"]]
    assert ids(tenant=other.slug) == [foreign["id"]]
    assert ids(**{"from": days(20, 12), "to": days(22, 12)}) == \
        [evs[1]["id"], evs[2]["id"]]
    assert ids(city=city.upper()) == everything
    # keyset pages of 3 walk the same list
    seen, cursor = [], None
    while True:
        params = {"city": city, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = ctx.api("GET", "/api/events", params=params).json()
        seen += [e["id"] for e in r["events"]]
        cursor = r["next"]
        if cursor is None:
            break
    assert seen == everything
    one = ctx.api("GET", "/api/events", params={"city": city}).json()
    e0 = one["events"][0]
    assert e0["tenant"]["slug"] == org.slug and e0["priceFromPaise"] == 50000
    assert "tenantId" not in e0 and "createdAt" not in e0
    for bad in ({"limit": 0}, {"limit": 101}, {"from": "tomorrow"},
                {"cursor": "garbage"}, {"q": "x" * 101}):
        r = ctx.api("GET", "/api/events", params=bad)
        assert r.status_code == 400, bad
        assert list(bad)[0] in err(r)["message"]


def test_a_public_event_by_id_or_slug_with_layout_and_availability(ctx):
    org = Org(ctx)
    org.owner.call("PATCH", "/api/tenants/me", {"branding": {
        "accent": "#3a86ff"}, "payout": {"method": "upi",
                                         "upiId": "secret@okaxis"}})
    ev = org.event(layoutKind="hybrid", title="Open Air")
    lay = dict(RESERVED_LAYOUT, kind="hybrid",
               ticketTypes=GA_LAYOUT["ticketTypes"])
    assert org.owner.call("PUT", f"/api/events/{ev['id']}/layout",
                          lay).status_code == 200
    assert org.owner.call("POST",
                          f"/api/events/{ev['id']}/publish").status_code == 200
    mine = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    sell(org, ev["id"], seat_id=seats_of(mine)[("", "B", "2")]["id"])
    sell(org, ev["id"], ticket_type_id=mine["ticketTypes"][0]["id"])

    r = ctx.api("GET", f"/api/events/{ev['id']}")
    assert r.status_code == 200, r.text
    pub = r.json()
    assert pub["title"] == "Open Air" and pub["status"] == "published"
    assert pub["tenant"]["slug"] == org.slug
    # darkened to 4.5:1 on the paper background (docs/branding.md)
    assert pub["tenant"]["branding"]["accent"] == "#2b66c3"
    assert "secret" not in r.text and "payout" not in r.text
    assert len(seats_of(pub)) == 12
    assert all("sold" not in s for s in seats_of(pub).values())
    assert pub["ticketTypes"][0]["available"] == 99
    assert "sold" not in pub["ticketTypes"][0]
    assert pub["availability"]["seats"] == {"total": 12, "available": 11}
    assert {c["name"]: c["available"] for c in
            pub["availability"]["categories"]} == {"Gold": 4, "Silver": 7}
    assert pub["availability"]["ga"] == {"total": 100, "available": 99}
    r2 = ctx.api("GET", f"/api/events/{org.slug}/{ev['slug']}")
    assert r2.status_code == 200 and r2.json() == pub
    assert ctx.api("GET", f"/api/events/{org.slug.upper()}/"
                   f"{ev['slug']}").status_code == 200


def test_public_reads_are_cacheable_with_etag_and_304(ctx):
    org = Org(ctx)
    ev = org.published()
    path = f"/api/events/{ev['id']}"
    r = ctx.api("GET", path)
    assert r.status_code == 200
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    tag = r.headers["ETag"]
    r2 = ctx.api("GET", path, headers={"If-None-Match": tag})
    assert r2.status_code == 304 and r2.content == b""
    assert r2.headers["ETag"] == tag
    assert ctx.api("GET", path, headers={
        "If-None-Match": '"stale"'}).status_code == 200
    org.owner.call("PATCH", path, {"title": "Changed"})
    r3 = ctx.api("GET", path, headers={"If-None-Match": tag})
    assert r3.status_code == 200 and r3.headers["ETag"] != tag
    lst = ctx.api("GET", "/api/events", params={"tenant": org.slug})
    assert lst.headers["ETag"] and "public" in lst.headers["Cache-Control"]
    assert ctx.api("GET", "/api/events", params={"tenant": org.slug},
                   headers={"If-None-Match": lst.headers["ETag"]}
                   ).status_code == 304
    # organizer reads are never cached
    r = org.owner.call("GET", f"/api/events/mine/{ev['id']}")
    assert r.headers["Cache-Control"] == "no-store"


def test_drafts_and_other_tenants_drafts_never_appear_publicly(ctx):
    org = Org(ctx)
    draft = org.event()
    assert org.owner.call("PUT", f"/api/events/{draft['id']}/layout",
                          GA_LAYOUT).status_code == 200
    other = Org(ctx)
    for caller in (None, org.owner, other.owner):
        get = (lambda p: ctx.api("GET", p)) if caller is None else \
            (lambda p, c=caller: c.call("GET", p))
        assert get(f"/api/events/{draft['id']}").status_code == 404
        assert get(f"/api/events/{org.slug}/{draft['slug']}").status_code == 404
        r = get(f"/api/events?tenant={org.slug}")
        assert r.status_code == 200 and r.json()["events"] == []
    assert ctx.api("GET", f"/api/events/{uuid.uuid4()}").status_code == 404
    assert ctx.api("GET", "/api/events/not-an-id").status_code == 404


# Each events worker keeps the public answers it built (zt_event.h): for at
# most this long, and only while the event's map version is unchanged.
KEPT_MS = 5000


def test_kept_public_answers_follow_every_organizer_change_at_once(ctx):
    org = Org(ctx)
    ev = org.published(title="Kept")
    path = f"/api/events/{ev['id']}"
    first = [ctx.api("GET", path) for _ in range(6)]  # every worker keeps it
    assert all(r.status_code == 200 for r in first)
    assert len({r.headers["ETag"] for r in first}) == 1
    assert len({r.content for r in first}) == 1

    # organizer edits: seen by the very next read, whichever worker
    assert org.owner.call("PATCH", path, {"title": "Renamed"}
                          ).status_code == 200
    assert {ctx.api("GET", path).json()["title"] for _ in range(6)} == \
        {"Renamed"}
    lay = dict(GA_LAYOUT, ticketTypes=[dict(GA_LAYOUT["ticketTypes"][0],
                                            capacity=77)])
    r = org.owner.call("PUT", f"{path}/layout", lay)
    assert r.status_code == 200, r.text
    assert {ctx.api("GET", path).json()["ticketTypes"][0]["available"]
            for _ in range(6)} == {77}
    # no longer public: 404 at once, kept copy or not
    org.rows("update tenants set status = 'suspended' where id = %s",
             (org.id,))
    assert {ctx.api("GET", path).status_code for _ in range(6)} == {404}
    org.rows("update tenants set status = 'active' where id = %s", (org.id,))
    assert org.owner.call("POST", f"{path}/cancel").status_code == 200
    assert {ctx.api("GET", path).json()["status"] for _ in range(6)} == \
        {"cancelled"}


def test_kept_public_answers_catch_up_with_sales_within_seconds(ctx):
    org = Org(ctx)
    ev = org.published()
    path = f"/api/events/{ev['id']}"
    before = [ctx.api("GET", path).json() for _ in range(6)]
    assert {b["availability"]["ga"]["available"] for b in before} == {100}
    mine = org.owner.call("GET", f"/api/events/mine/{ev['id']}").json()
    sell(org, ev["id"], ticket_type_id=mine["ticketTypes"][0]["id"])
    # a sale does not bump the map version: the kept answers show it once
    # they are KEPT_MS old, and a fresh build at once
    deadline = time.monotonic() + KEPT_MS / 1000 + 1.5
    while True:
        seen = {ctx.api("GET", path).json()["availability"]["ga"]["available"]
                for _ in range(6)}
        if seen == {99} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert seen == {99}


def test_a_big_event_page_comes_gzipped_to_clients_that_take_it(ctx):
    org = Org(ctx)
    lay = dict(RESERVED_LAYOUT, generate={"rows": "A-J", "seatsPerRow": 20,
                                          "category": "Silver"})
    ev = org.published(layout=lay, layoutKind="reserved")
    path = f"/api/events/{ev['id']}"
    plain = ctx.api("GET", path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"
    assert len(seats_of(plain.json())) == 200
    gz = ctx.api("GET", path, headers={"Accept-Encoding": "br, gzip"},
                 stream=True)
    raw = gz.raw.read(decode_content=False)
    assert gz.status_code == 200 and gz.headers["Content-Encoding"] == "gzip"
    assert gz.headers["Vary"] == "Accept-Encoding"
    assert len(raw) < len(plain.content) / 2
    assert gzip.decompress(raw) == plain.content
    # a different representation, a different strong tag; each revalidates
    assert gz.headers["ETag"] != plain.headers["ETag"]
    assert ctx.api("GET", path, headers={
        "Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]}
        ).status_code == 304
    assert ctx.api("GET", path, headers={
        "Accept-Encoding": "identity",
        "If-None-Match": gz.headers["ETag"]}).status_code == 200
    assert ctx.api("GET", path, headers={
        "Accept-Encoding": "gzip;q=0", "If-None-Match": plain.headers["ETag"]}
        ).status_code == 304


def test_a_kept_page_is_the_same_bytes_to_every_client(ctx):
    """A worker keeps a big page gzipped only (docs/benchmarks.md, section
    25) and inflates it for a client that does not take gzip: the same
    bytes and tag as the text it built, whichever worker answers."""
    org = Org(ctx)
    lay = dict(RESERVED_LAYOUT, generate={"rows": "A-J", "seatsPerRow": 20,
                                          "category": "Silver"})
    ev = org.published(layout=lay, layoutKind="reserved")
    path = f"/api/events/{ev['id']}"
    # the first identity answers are built, later ones are kept copies
    plain = [ctx.api("GET", path, headers={"Accept-Encoding": "identity"})
             for _ in range(8)]
    gz = []
    for _ in range(8):
        r = ctx.api("GET", path, headers={"Accept-Encoding": "gzip"},
                    stream=True)
        gz.append((r, r.raw.read(decode_content=False)))
    plain += [ctx.api("GET", path, headers={"Accept-Encoding": "identity"})
              for _ in range(8)]
    assert {r.status_code for r in plain} == {200}
    assert {r.content for r in plain} == {plain[0].content}
    assert {r.headers["ETag"] for r in plain} == {plain[0].headers["ETag"]}
    assert all("Content-Encoding" not in r.headers for r in plain)
    assert {r.headers["Content-Encoding"] for r, _ in gz} == {"gzip"}
    assert {gzip.decompress(raw) for _, raw in gz} == {plain[0].content}
    assert len({r.headers["ETag"] for r, _ in gz} |
               {plain[0].headers["ETag"]}) == 2
    assert len(seats_of(plain[-1].json())) == 200
    # revalidating the plain copy needs no inflating: still a 304
    assert ctx.api("GET", path, headers={
        "Accept-Encoding": "identity",
        "If-None-Match": plain[0].headers["ETag"]}).status_code == 304


def test_a_cancelled_event_stays_visible_but_leaves_the_listing(ctx):
    org = Org(ctx)
    ev = org.published()
    assert org.owner.call("POST",
                          f"/api/events/{ev['id']}/cancel").status_code == 200
    r = ctx.api("GET", f"/api/events/{ev['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert ctx.api("GET", f"/api/events?tenant={org.slug}").json()[
        "events"] == []


def test_xss_shaped_text_is_stored_and_returned_verbatim(ctx):
    org = Org(ctx)
    title = "<img src=x onerror=alert(1)>\"'&</script>"
    ev = org.published(title=title, description="<b>bold</b>\u2028\u0000"
                       .replace("\u0000", ""), tags=["<svg/onload=x>"])
    assert org.rows("select title from events where id = %s",
                    (ev["id"],)) == [(title,)]
    r = ctx.api("GET", f"/api/events/{ev['id']}")
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.json()["title"] == title
    assert r.json()["tags"] == ["<svg/onload=x>"]
    r = org.owner.call("POST", "/api/events", event_body(title="a\u0000b"))
    assert r.status_code == 400


def test_a_20000_seat_layout_is_stored_and_replaced_in_seconds(ctx):
    import time
    org = Org(ctx)
    ev = org.event(layoutKind="reserved")
    path = f"/api/events/{ev['id']}/layout"
    # the explicit form of the largest map fits the route's 1 MiB
    doc = {"categories": [{"name": "A", "pricePaise": 100}],
           "sections": [{"name": f"S{i}", "rows": [
               {"label": chr(65 + r),
                "seats": [str(n) for n in range(1, 101)]}
               for r in range(20)]} for i in range(10)]}
    t = time.monotonic()
    r = org.owner.call("PUT", path, doc, timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["seatCount"] == 20000
    # the same map again writes nothing; a generator of it is equivalent
    gen = {"categories": doc["categories"], "sections": [
        {"name": f"S{i}", "generate": {"rows": "A-T", "seatsPerRow": 100}}
        for i in range(10)]}
    r = org.owner.call("PUT", path, gen, timeout=60)
    assert r.status_code == 200
    assert time.monotonic() - t < 20
    assert org.rows("select details->>'seatsWritten' from audit_log"
                    " where target = %s and action = 'event.layout_replaced'"
                    " order by at", ("event:" + ev["id"],))[-1] == ("0",)
    one_more = dict(gen, sections=gen["sections"] + [
        {"name": "X", "rows": [{"label": "A", "seats": ["1"]}]}])
    r = org.owner.call("PUT", path, one_more, timeout=60)
    assert r.status_code == 422 and "20000" in err(r)["message"]


# ------------------------------------------------- changes reach the holds --

def test_an_organizers_change_reaches_every_seat_process_at_once(ctx):
    """Each seats process caches the event's map (capacities, blocked
    seats, status); the organizer's change bumps its version in Redis, so
    the very next hold anywhere sees it (not after the cache's TTL)."""
    org = Org(ctx)
    layout = {"ticketTypes": [{"name": "Entry", "pricePaise": 0,
                               "capacity": 100, "perOrderLimit": 10}]}
    ev = org.published(layout=layout)
    ty = ev["ticketTypes"][0]["id"] if "ticketTypes" in ev else None
    if ty is None:
        r = ctx.api("GET", f"/api/seats/status/{ev['id']}")
        ty = next(iter(r.json()["ga"]))
    buyers = [Person(ctx, f"b{i}") for i in range(8)]
    # every worker loads the map: one unit each
    for b in buyers[:6]:
        r = b.call("POST", "/api/seats/lock",
                   {"eventId": ev["id"], "ga": [{"ticketTypeId": ty,
                                                 "quantity": 1}]})
        assert r.status_code == 200, r.text
    layout["ticketTypes"][0]["capacity"] = 7            # 6 held, 1 left
    for _ in range(4):        # every worker caches the snapshot too
        r = ctx.api("GET", f"/api/seats/status/{ev['id']}")
        assert r.json()["ga"][ty] == 94
    r = org.owner.call("PUT", f"/api/events/{ev['id']}/layout", layout)
    assert r.status_code == 200, r.text
    for _ in range(4):
        r = ctx.api("GET", f"/api/seats/status/{ev['id']}")
        assert r.json()["ga"][ty] == 1, r.text
    for _ in range(4):
        r = buyers[6].call("POST", "/api/seats/lock",
                           {"eventId": ev["id"], "ga": [{"ticketTypeId": ty,
                                                         "quantity": 2}]})
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "ga_unavailable"
        assert r.json()["available"] == {ty: 1}
    r = buyers[7].call("POST", "/api/seats/lock",
                       {"eventId": ev["id"], "ga": [{"ticketTypeId": ty,
                                                     "quantity": 1}]})
    assert r.status_code == 200, r.text
    # cancelling stops holds at once too
    r = org.owner.call("POST", f"/api/events/{ev['id']}/cancel")
    assert r.status_code == 200, r.text
    for _ in range(4):
        r = buyers[6].call("POST", "/api/seats/lock",
                           {"eventId": ev["id"], "ga": [{"ticketTypeId": ty,
                                                         "quantity": 1}]})
        assert r.status_code in (404, 409), r.text
