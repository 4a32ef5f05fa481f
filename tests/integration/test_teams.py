"""Teams of a team event through the whole stack (docs/commerce.md, "Forms
and teams"): create and join by invite code, size limits, one team per
person per event (also under concurrency), guessing codes, another
tenant's event, and booking by each member once the team is complete."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ztbook import Person, Shop


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for tid in s.tenants:
        with s.tx(tid) as cur:
            for table in ("reg_team_members", "reg_teams", "form_answers",
                          "form_questions", "event_registration",
                          "audit_log"):
                cur.execute(f"delete from {table} where tenant_id = %s",
                            (tid,))
    s.purge()


def org(shop, base_url, stack_var):
    uid = shop.user("manager")
    t = shop.tenant(owner=uid, role="manager")
    return t, Person(base_url, stack_var, uid, t, "manager")


def person(shop, base_url, stack_var, label="hacker"):
    return Person(base_url, stack_var, shop.user(label))


def team_event(shop, m, t, lo=2, hi=3, **extra):
    ev = shop.event(t, seats=0, ga=[50], ga_price=0)
    r = m.call("PUT", f"/api/events/{ev['id']}/form",
               {"questions": [], "teamMin": lo, "teamMax": hi, **extra})
    assert r.status_code == 200, r.text
    assert r.json()["teamMin"] == lo and r.json()["teamMax"] == hi
    return ev


def create(p, ev, name):
    return p.call("POST", f"/api/events/{ev['id']}/teams", {"name": name})


def join(p, ev, code):
    return p.call("POST", f"/api/events/{ev['id']}/teams/join",
                  {"inviteCode": code})


def test_a_leader_creates_a_team_and_members_join_with_the_code(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t)
    lead = person(shop, base_url, stack_var, "lead")
    r = create(lead, ev, "Bit Flippers")
    assert r.status_code == 201, r.text
    team = r.json()
    code = team["inviteCode"]
    assert len(code) == 12 and team["size"] == 1
    assert team["members"][0]["leader"] is True
    # the code is stored as a hash only
    assert shop.one("select count(*) from reg_teams where code_sha256 = %s",
                    (code,), tenant=t)[0] == 0
    a = person(shop, base_url, stack_var, "a")
    r = join(a, ev, code.lower())  # any case
    assert r.status_code == 200, r.text
    assert r.json()["size"] == 2
    b = person(shop, base_url, stack_var, "b")
    assert join(b, ev, code).status_code == 200
    # full at teamMax = 3
    c = person(shop, base_url, stack_var, "c")
    r = join(c, ev, code)
    assert r.status_code == 409 and r.json()["error"]["code"] == "team_full"
    assert r.json()["teamMax"] == 3
    mine = a.call("GET", f"/api/events/{ev['id']}/teams/mine")
    assert mine.status_code == 200 and mine.json()["id"] == team["id"]
    assert "inviteCode" not in mine.json()
    assert c.call("GET", f"/api/events/{ev['id']}/teams/mine"
                  ).status_code == 404
    # the organizer's list
    r = m.call("GET", f"/api/events/{ev['id']}/teams")
    assert r.status_code == 200
    (only,) = r.json()["teams"]
    assert only["size"] == 3 and only["name"] == "Bit Flippers"
    # the name is the team's own in this event
    r = create(c, ev, "bit flippers")
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "team_name_taken"


def test_one_team_per_person_per_event(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t)
    lead = person(shop, base_url, stack_var)
    code = create(lead, ev, "First").json()["inviteCode"]
    r = create(lead, ev, "Second")
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "already_in_team"
    other = person(shop, base_url, stack_var)
    code2 = create(other, ev, "Other").json()["inviteCode"]
    r = join(lead, ev, code2)
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "already_in_team"
    assert join(lead, ev, code).status_code == 409
    # another event of the same organizer is another matter
    ev2 = team_event(shop, m, t)
    assert create(lead, ev2, "First").status_code == 201


def test_a_second_team_for_the_same_person_under_concurrency(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t, 1, 5)
    p = person(shop, base_url, stack_var)
    leads = [person(shop, base_url, stack_var) for _ in range(5)]
    codes = [create(x, ev, f"T{i}").json()["inviteCode"]
             for i, x in enumerate(leads)]
    # the same person creates ten teams and joins five at the same time
    jobs = [lambda i=i: create(p, ev, f"Mine {i}") for i in range(10)]
    jobs += [lambda c=c: join(p, ev, c) for c in codes]
    with ThreadPoolExecutor(15) as ex:
        rs = list(ex.map(lambda f: f(), jobs))
    ok = [r for r in rs if r.status_code in (200, 201)]
    assert len(ok) == 1, [r.text for r in rs]
    assert all(r.status_code == 409 for r in rs if r not in ok)
    assert shop.one("select count(*) from reg_team_members where event_id = %s"
                    " and user_id = %s", (ev["id"], p.id), tenant=t)[0] == 1


def test_a_team_never_passes_its_size_under_concurrency(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t, 2, 4)
    code = create(person(shop, base_url, stack_var), ev,
                  "Race").json()["inviteCode"]
    people = [person(shop, base_url, stack_var) for _ in range(12)]
    with ThreadPoolExecutor(12) as ex:
        rs = list(ex.map(lambda p: join(p, ev, code), people))
    assert sorted(r.status_code for r in rs) == [200] * 3 + [409] * 9
    assert shop.one("select count(*) from reg_team_members where event_id = %s",
                    (ev["id"],), tenant=t)[0] == 4


def test_wrong_invite_codes_are_rate_limited(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t)
    code = create(person(shop, base_url, stack_var), ev,
                  "Target").json()["inviteCode"]
    g = person(shop, base_url, stack_var, "guesser")
    statuses = [join(g, ev, "WRONGCODE" + str(i)).status_code
                for i in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    # the wait blocks the real code too: it is the guesser's
    r = join(g, ev, code)
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_a_member_books_once_the_team_is_complete(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t, 2, 3)
    lead = person(shop, base_url, stack_var)
    loner = person(shop, base_url, stack_var)
    # not in a team
    loner.hold(ev, ga={ev["ga"][0]: 1})
    r = loner.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "team_required"
    code = create(lead, ev, "Duo").json()["inviteCode"]
    lead.hold(ev, ga={ev["ga"][0]: 1})
    r = lead.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "team_too_small"
    assert join(loner, ev, code).status_code == 200
    # each member books their own one ticket
    lead.hold(ev, ga={ev["ga"][0]: 2})
    r = lead.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == \
        "one_ticket_per_member"
    lead.call("DELETE", f"/api/seats/lock?eventId={ev['id']}")
    for p in (lead, loner):
        p.hold(ev, ga={ev["ga"][0]: 1})
        r = p.call("POST", "/api/bookings", {"eventId": ev["id"]})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "confirmed"
    csv = m.call("GET", f"/api/events/{ev['id']}/attendees.csv").text
    assert csv.count('"Duo"') == 2


def test_another_tenants_event_and_non_team_events(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = team_event(shop, m, t)
    p = person(shop, base_url, stack_var)
    create(p, ev, "Ours")
    _, other = org(shop, base_url, stack_var)
    assert other.call("GET", f"/api/events/{ev['id']}/teams").status_code \
        == 404
    # an unknown or draft event is not found; a plain event has no teams
    assert create(p, {"id": str(uuid.uuid4())}, "X").status_code == 404
    plain = shop.event(t, seats=0, ga=[5])
    r = create(person(shop, base_url, stack_var), plain, "X")
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "not_a_team_event"
    # a scanner may not list the teams
    s = Person(base_url, stack_var, shop.user("scanner"), t, "scanner")
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (t, s.id))
    assert s.call("GET", f"/api/events/{ev['id']}/teams").status_code == 403
