"""Promo codes through nginx, the responders, PostgreSQL and Redis
(docs/commerce.md): what each kind of code does to the breakdown, the caps,
and the attacks on them (the last use raced by 50 buyers, a hidden type
without its code, another tenant's code, guessing)."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ztbook import Person, Shop, run_cron


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for tid in s.tenants:
        with s.tx(tid) as cur:
            cur.execute("delete from promo_redemptions where tenant_id = %s",
                        (tid,))
            cur.execute("update bookings set promo_code_id = null"
                        " where tenant_id = %s", (tid,))
            cur.execute("delete from promo_codes where tenant_id = %s", (tid,))
            cur.execute("delete from audit_log where tenant_id = %s", (tid,))
    s.purge()


def org(shop, base_url, stack_var, role="manager"):
    """A tenant and a member of it with role, acting for it."""
    uid = shop.user(role)
    t = shop.tenant(owner=uid, role=role)
    return t, Person(base_url, stack_var, uid, t, role)


def buyer(shop, base_url, stack_var, label="buyer"):
    return Person(base_url, stack_var, shop.user(label))


def make_code(m, **body):
    r = m.call("POST", "/api/tenants/me/promo-codes", body)
    assert r.status_code == 201, r.text
    return r.json()


def book(b, ev, code=None, **hold):
    b.hold(ev, **hold)
    body = {"eventId": ev["id"]}
    if code is not None:
        body["promoCode"] = code
    return b.call("POST", "/api/bookings", body)


def used(shop, t, code_id):
    return shop.one("select used from promo_codes where id = %s", (code_id,),
                    tenant=t)[0]


@pytest.mark.parametrize("kind,value,unit", [
    ("percent", 10, 45000), ("amount", 20000, 30000), ("price", 9900, 9900)])
def test_a_code_prices_each_ticket_and_fees_follow_the_discounted_price(
        shop, base_url, stack_var, kind, value, unit):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=50000)
    make_code(m, code="Fest-" + kind, kind=kind, value=value,
              eventId=ev["id"])
    full = buyer(shop, base_url, stack_var)
    r0 = book(full, ev, ga={ev["ga"][0]: 2})
    assert r0.status_code == 201, r0.text
    b = buyer(shop, base_url, stack_var)
    # case-insensitive: made as Fest-x, typed in capitals
    r = book(b, ev, "FEST-" + kind.upper(), ga={ev["ga"][0]: 2})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["subtotalPaise"] == 2 * unit
    assert body["discountPaise"] == 2 * (50000 - unit)
    assert body["totalPaise"] == (body["subtotalPaise"] + body["feePaise"]
                                  + body["taxPaise"])
    # the fee is on the discounted subtotal: less than the full price's
    assert body["feePaise"] < r0.json()["feePaise"]
    assert body["items"][0]["unitPricePaise"] == unit
    got = b.call("GET", f"/api/bookings/{body['id']}").json()
    for k in ("subtotalPaise", "discountPaise", "feePaise", "taxPaise",
              "totalPaise"):
        assert got[k] == body[k], k
    assert r0.json()["discountPaise"] == 0


def test_the_last_use_under_50_concurrent_bookings_goes_to_exactly_cap(
        shop, base_url, stack_var):
    cap = 5
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[100], ga_price=50000)
    c = make_code(m, code="LAST5", kind="percent", value=20, maxUses=cap)
    buyers = [buyer(shop, base_url, stack_var, f"b{i}") for i in range(50)]
    for b in buyers:
        b.hold(ev, ga={ev["ga"][0]: 1})

    def go(b):
        return b.call("POST", "/api/bookings",
                      {"eventId": ev["id"], "promoCode": "last5"})

    with ThreadPoolExecutor(max_workers=50) as pool:
        rs = list(pool.map(go, buyers))
    ok = [r for r in rs if r.status_code == 201]
    refused = [r for r in rs if r.status_code == 422]
    assert len(ok) == cap, [r.text for r in rs if r.status_code != 422]
    assert len(refused) == 50 - cap
    assert {r.json()["error"]["code"] for r in refused} == {"promo_exhausted"}
    assert all(r.json()["field"] == "promoCode" for r in refused)
    assert used(shop, t, c["id"]) == cap
    assert shop.one("select count(*) from promo_redemptions where code_id = %s"
                    " and released_at is null", (c["id"],), tenant=t)[0] == cap
    assert shop.one("select count(*) from bookings where event_id = %s",
                    (ev["id"],), tenant=t)[0] == cap


def test_an_expired_pending_booking_gives_its_use_back(shop, base_url,
                                                       stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=50000)
    c = make_code(m, code="ONCE", kind="amount", value=1000, maxUses=1)
    a, b = (buyer(shop, base_url, stack_var, x) for x in ("a", "b"))
    ra = book(a, ev, "once", ga={ev["ga"][0]: 1})
    assert ra.status_code == 201, ra.text
    rb = book(b, ev, "once", ga={ev["ga"][0]: 1})
    assert rb.status_code == 422
    assert rb.json()["error"]["code"] == "promo_exhausted"
    shop.one("update bookings set expires_at = now() - interval '1 second'"
             " where id = %s returning id", (ra.json()["id"],), tenant=t)
    run_cron(stack_var, "expire")
    assert used(shop, t, c["id"]) == 0
    rb = b.call("POST", "/api/bookings",
                {"eventId": ev["id"], "promoCode": "ONCE"})
    assert rb.status_code == 201, rb.text
    assert used(shop, t, c["id"]) == 1


def test_a_free_order_by_a_full_discount_counts_against_the_per_user_cap(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=50000)
    make_code(m, code="guest-pass", kind="percent", value=100, perUser=1)
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev, "guest-pass", ga={ev["ga"][0]: 1})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed"
    assert r.json()["totalPaise"] == 0
    assert r.json()["discountPaise"] == 50000
    r = book(b, ev, "guest-pass", ga={ev["ga"][0]: 1})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_used_by_you"


def test_a_hidden_type_is_sold_only_with_the_code_that_unlocks_it(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=20000)
    title = f"Hidden pass {uuid.uuid4().hex[:8]}"
    shop.one("update events set title = %s where id = %s returning id",
             (title, ev["id"]), tenant=t)
    public = ev["ga"][0]
    sponsor = shop.one("insert into ticket_types (tenant_id, event_id, name,"
                       " price_paise, capacity) values (%s, %s, 'Sponsor',"
                       " 5000, 10) returning id", (t, ev["id"]), tenant=t)[0]
    make_code(m, code="sponsor", kind="unlock", ticketTypeIds=[sponsor],
              eventId=ev["id"])
    make_code(m, code="tenoff", kind="percent", value=10)
    assert shop.one("select hidden from ticket_types where id = %s",
                    (sponsor,), tenant=t)[0] is True
    b = buyer(shop, base_url, stack_var)

    # not listed: the public event, and the catalogue's "from" price
    r = b.call("GET", f"/api/events/{ev['id']}")
    assert r.status_code == 200, r.text
    assert "Sponsor" not in r.text and sponsor not in r.text
    assert [x["id"] for x in r.json()["ticketTypes"]] == [public]
    r = b.call("GET", "/api/events", params={"q": title})
    assert [e["priceFromPaise"] for e in r.json()["events"]] == [20000]

    # not holdable without the code: as unknown as another event's type
    def lock(code=None, qty=1):
        body = {"eventId": ev["id"],
                "ga": [{"ticketTypeId": sponsor, "quantity": qty}]}
        if code is not None:
            body["promoCode"] = code
        return b.call("POST", "/api/seats/lock", body)

    r = lock()
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "unknown_ticket_types"
    r = lock("tenoff")             # a real code that does not name it
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "promo_required"
    assert r.json()["field"] == "promoCode"
    r = lock("no-such-code")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_unknown"
    # nothing was held by the refusals
    r = b.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code != 201, r.text

    # the code reveals it (case-insensitive), a code that unlocks nothing
    # here does not
    r = b.call("POST", f"/api/events/{ev['id']}/unlock",
               {"promoCode": "SPONSOR"})
    assert r.status_code == 200, r.text
    types = r.json()["ticketTypes"]
    assert [(x["id"], x["name"], x["pricePaise"], x["available"])
            for x in types] == [(sponsor, "Sponsor", 5000, 10)]
    r = b.call("POST", f"/api/events/{ev['id']}/unlock",
               {"promoCode": "tenoff"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_not_applicable"

    # held with the code, booked only with a code that names it
    r = lock("Sponsor")
    assert r.status_code == 200, r.text
    r = b.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_required"
    assert r.json()["field"] == "promoCode"
    r = b.call("POST", "/api/bookings",
               {"eventId": ev["id"], "promoCode": "tenoff"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_required"
    r = b.call("POST", "/api/bookings",
               {"eventId": ev["id"], "promoCode": "Sponsor"})
    assert r.status_code == 201, r.text
    assert r.json()["subtotalPaise"] == 5000
    # the public type does not need it, and the unlock code changes nothing
    r = book(buyer(shop, base_url, stack_var), ev, ga={public: 1})
    assert r.status_code == 201, r.text
    # the organizer still sees the hidden type
    r = m.call("GET", f"/api/events/mine/{ev['id']}")
    assert r.status_code == 200 and sponsor in r.text


def test_another_tenants_or_another_events_code_is_unknown(
        shop, base_url, stack_var):
    t1, m1 = org(shop, base_url, stack_var)
    t2, _ = org(shop, base_url, stack_var)
    ev1 = shop.event(t1, seats=0, ga=[10])
    ev1b = shop.event(t1, seats=0, ga=[10])
    ev2 = shop.event(t2, seats=0, ga=[10])
    make_code(m1, code="mine-only", kind="percent", value=50)
    make_code(m1, code="first-event", kind="percent", value=50,
              eventId=ev1["id"])
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev2, "mine-only", ga={ev2["ga"][0]: 1})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_unknown"
    r = book(b, ev1b, "first-event", ga={ev1b["ga"][0]: 1})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "promo_unknown"
    r = book(b, ev1, "first-event", ga={ev1["ga"][0]: 1})
    assert r.status_code == 201, r.text


def test_window_disabled_min_quantity_and_scope_are_each_a_clear_422(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=2, ga=[10])
    gone = make_code(m, code="gone", kind="percent", value=5,
                     validFrom="2020-01-01T00:00:00Z",
                     validUntil="2020-02-01T00:00:00Z")
    make_code(m, code="later", kind="percent", value=5,
              validFrom="2099-01-01T00:00:00Z")
    off = make_code(m, code="off", kind="percent", value=5)
    make_code(m, code="three", kind="percent", value=5, minQuantity=3)
    make_code(m, code="seats-only", kind="percent", value=5,
              priceCategoryIds=[shop.one(
                  "select price_category_id from seats where id = %s",
                  (ev["seats"][0],), tenant=t)[0]])
    r = m.call("POST", f"/api/tenants/me/promo-codes/{off['id']}/disable")
    assert r.status_code == 200 and r.json()["disabled"] is True
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ga={ev["ga"][0]: 2})
    for code, err in [("gone", "promo_expired"),
                      ("later", "promo_not_yet_valid"),
                      ("off", "promo_disabled"),
                      ("three", "promo_min_quantity"),
                      ("seats-only", "promo_not_applicable")]:
        r = b.call("POST", "/api/bookings",
                   {"eventId": ev["id"], "promoCode": code})
        assert r.status_code == 422, (code, r.text)
        assert r.json()["error"]["code"] == err, code
    assert gone["validUntil"] == "2020-02-01T00:00:00Z"
    # the seat's category is what seats-only covers
    b.hold(ev, seats=[ev["seats"][0]])
    r = b.call("POST", "/api/bookings",
               {"eventId": ev["id"], "promoCode": "seats-only"})
    assert r.status_code == 201, r.text
    assert r.json()["discountPaise"] == 2500


def test_guessing_codes_is_rate_limited(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10])
    make_code(m, code="real-one", kind="percent", value=5)
    b = buyer(shop, base_url, stack_var)
    b.hold(ev, ga={ev["ga"][0]: 1})
    codes = []
    for i in range(12):
        r = b.call("POST", "/api/bookings",
                   {"eventId": ev["id"], "promoCode": f"guess{i:03d}"})
        codes.append(r.status_code)
    assert codes[:10] == [422] * 10
    assert 429 in codes[10:]
    assert r.headers.get("Retry-After")
    # the right code waits too: the wait is the guesser's, not the code's
    r = b.call("POST", "/api/bookings",
               {"eventId": ev["id"], "promoCode": "real-one"})
    assert r.status_code == 429


def test_organizer_routes_are_for_managers_of_the_tenant(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    t2, m2 = org(shop, base_url, stack_var)
    c = make_code(m, code="team-only", kind="percent", value=5)
    # a scanner may not; nor may a manager removed a minute ago
    scanner = Person(base_url, stack_var, shop.user("sc"), t, "scanner")
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (t, scanner.id))
    r = scanner.call("GET", "/api/tenants/me/promo-codes")
    assert r.status_code == 403
    gone = Person(base_url, stack_var, shop.user("gone"), t, "manager")
    r = gone.call("POST", "/api/tenants/me/promo-codes",
                  {"code": "sneaky", "kind": "percent", "value": 100})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_a_member"
    # another tenant's manager: neither sees nor disables it
    r = m2.call("GET", "/api/tenants/me/promo-codes")
    assert r.status_code == 200 and r.json()["codes"] == []
    r = m2.call("POST", f"/api/tenants/me/promo-codes/{c['id']}/disable")
    assert r.status_code == 404
    # the same code twice, whatever its case
    r = m.call("POST", "/api/tenants/me/promo-codes",
               {"code": "TEAM-ONLY", "kind": "percent", "value": 5})
    assert r.status_code == 409
    # a ticket type of another tenant
    ev2 = shop.event(t2, seats=0, ga=[10])
    r = m.call("POST", "/api/tenants/me/promo-codes",
               {"code": "theirs", "kind": "unlock",
                "ticketTypeIds": [ev2["ga"][0]]})
    assert r.status_code == 422
    assert shop.one("select hidden from ticket_types where id = %s",
                    (ev2["ga"][0],), tenant=t2)[0] is False
    r = m.call("GET", "/api/tenants/me/promo-codes")
    assert [x["code"] for x in r.json()["codes"]] == ["team-only"]
    assert shop.one("select count(*) from audit_log where tenant_id = %s"
                    " and action = 'promo.created'", (t,), tenant=t)[0] == 1


def test_bulk_single_use_codes_export_as_csv(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10])
    r = m.call("POST", "/api/tenants/me/promo-codes",
               {"count": 25, "prefix": "Stu", "kind": "percent",
                "value": 50, "eventId": ev["id"]})
    assert r.status_code == 201, r.text
    batch = r.json()
    codes = [c["code"] for c in batch["codes"]]
    assert len(set(codes)) == 25
    assert all(c.startswith("stu-") and len(c) == 14 for c in codes)
    assert all(c["maxUses"] == 1 for c in batch["codes"])
    b = buyer(shop, base_url, stack_var)
    assert book(b, ev, codes[0].upper(), ga={ev["ga"][0]: 1}).status_code == 201
    r = m.call("GET", f"/api/tenants/me/promo-codes/batches/"
               f"{batch['batchId']}/codes.csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.strip().split("\r\n")
    assert lines[0] == "code,used,maxUses,disabled"
    assert sorted(x.split(",")[0] for x in lines[1:]) == sorted(codes)
    assert f"{codes[0]},1,1,no" in lines
    r = m.call("GET", f"/api/tenants/me/promo-codes/batches/{uuid.uuid4()}"
               "/codes.csv")
    assert r.status_code == 404
