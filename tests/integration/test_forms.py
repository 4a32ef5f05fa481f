"""Registration forms and approval mode through nginx, the responders,
PostgreSQL and Redis (docs/commerce.md, "Forms and teams"): answers
checked at booking, uploads checked by their content, the answers in the
booking view, the attendee CSV and the personal-data export, and approval
(accept then pay, reject frees the seats), with the attacks on them
(another tenant's ids, a removed manager, a file of someone else)."""

import csv
import io
import struct
import uuid
import zlib

import pytest
import requests

from ztbook import Person, Rzp, Shop, run_cron


@pytest.fixture
def shop(pg_owner_dsn):
    s = Shop(pg_owner_dsn)
    yield s
    s.conn.rollback()
    for tid in s.tenants:
        with s.tx(tid) as cur:
            for table in ("form_answers", "form_files", "form_questions",
                          "event_registration", "audit_log", "outbox"):
                try:
                    cur.execute("savepoint p")
                    cur.execute(f"delete from {table} where tenant_id = %s",
                                (tid,))
                except Exception:
                    cur.execute("rollback to savepoint p")
    s.purge()


def org(shop, base_url, stack_var, role="manager"):
    uid = shop.user(role)
    t = shop.tenant(owner=uid, role=role)
    return t, Person(base_url, stack_var, uid, t, role)


def buyer(shop, base_url, stack_var, label="buyer"):
    return Person(base_url, stack_var, shop.user(label))


QUESTIONS = [
    {"label": "College", "kind": "text", "required": True},
    {"label": "Why you?", "kind": "long_text"},
    {"label": "Track", "kind": "choice", "options": ["AI", "Web"],
     "required": True},
    {"label": "Languages", "kind": "multi_choice",
     "options": ["C", "Go", "Rust"]},
    {"label": "Age", "kind": "number", "scope": "ticket", "required": True},
    {"label": "Birthday", "kind": "date"},
    {"label": "ID card", "kind": "file", "maxBytes": 2048,
     "fileTypes": ["application/pdf", "image/png"]},
    {"label": "I agree to the rules", "kind": "consent", "required": True},
]


def put_form(m, ev, questions=QUESTIONS, **extra):
    r = m.call("PUT", f"/api/events/{ev['id']}/form",
               {"questions": questions, **extra})
    assert r.status_code == 200, r.text
    return {q["label"]: q["id"] for q in r.json()["questions"]}


def good(ids, tickets=1, **over):
    a = {ids["College"]: "IIT Delhi", ids["Track"]: "AI",
         ids["Languages"]: ["C", "Rust"], ids["Age"]: [20] * tickets,
         ids["Birthday"]: "2005-02-28", ids["I agree to the rules"]: True}
    a.update(over)
    return a


def book(b, ev, answers, n=1):
    b.hold(ev, ga={ev["ga"][0]: n})
    return b.call("POST", "/api/bookings",
                  {"eventId": ev["id"], "answers": answers})


def png_bytes(pad=0):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00" + b"\x00" * pad)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(b, ev, qid, data, ctype="application/octet-stream"):
    return b.s.post(f"{b.base}/api/events/{ev['id']}/form-files",
                    params={"questionId": qid}, data=data, timeout=20,
                    headers={"Authorization": "Bearer " + b.token,
                             "Content-Type": ctype})


def test_a_complete_form_books_and_the_answers_show_in_the_booking(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    ids = put_form(m, ev)
    # anyone reads a listed event's form
    r = requests.get(f"{base_url}/api/events/{ev['id']}/form", timeout=10)
    assert r.status_code == 200 and len(r.json()["questions"]) == 8
    assert r.json()["approval"] is False
    b = buyer(shop, base_url, stack_var)
    f = upload(b, ev, ids["ID card"], PDF)
    assert f.status_code == 201, f.text
    assert f.json()["mediaType"] == "application/pdf"
    r = book(b, ev, good(ids, 2, **{ids["ID card"]: f.json()["id"],
                                    ids["Age"]: [20, 21.5]}), n=2)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "confirmed"
    got = b.call("GET", f"/api/bookings/{body['id']}").json()
    # the create answer shows what a read back shows (no second read)
    assert body["answers"] == got["answers"] and body["approval"] is None
    answers = {(a["label"], a["ticket"]): a["value"] for a in got["answers"]}
    assert answers[("College", 0)] == "IIT Delhi"
    assert answers[("Languages", 0)] == ["C", "Rust"]
    assert answers[("Age", 1)] == 20 and answers[("Age", 2)] == 21.5
    assert answers[("ID card", 0)] == f.json()["id"]
    assert got["approval"] is None
    # the organizer's view has them too
    org_view = m.call("GET", f"/api/bookings/{body['id']}").json()
    assert len(org_view["answers"]) == len(got["answers"])
    # the attendee export: one column per question
    r = m.call("GET", f"/api/events/{ev['id']}/attendees.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:8] == ["booking", "status", "approval", "name", "email",
                           "phone", "tickets", "team"]
    assert rows[0][8:] == [q["label"] for q in QUESTIONS]
    line = dict(zip(rows[0], rows[1]))
    assert line["College"] == "IIT Delhi" and line["Track"] == "AI"
    assert line["Languages"] == "C; Rust"
    assert line["Age"] == "ticket 1: 20 | ticket 2: 21.5"
    assert line["I agree to the rules"] == "yes"
    # the buyer's personal-data export
    ex = b.call("GET", "/api/auth/me/export")
    assert ex.status_code == 200, ex.text
    mine = ex.json()["formAnswers"]
    assert {a["label"] for a in mine} >= {"College", "Track", "Age"}
    assert any(x["answers"] for x in ex.json()["bookings"])


@pytest.mark.parametrize("case,code,status", [
    ("missing_required", "answer_required", 422),
    ("consent_unticked", "answer_required", 422),
    ("missing_ticket_answer", "answer_required", 422),
    ("number_as_text", "invalid_answer", 400),
    ("not_a_choice", "invalid_answer", 400),
    ("bad_date", "invalid_answer", 400),
    ("multi_not_list", "invalid_answer", 400),
    ("unknown_question", "invalid_answer", 400),
    ("text_too_long", "invalid_answer", 400),
    ("wrong_ticket_count", "invalid_answer", 400),
    ("answers_not_object", "invalid_field", 400),
])
def test_a_missing_or_wrong_answer_is_refused_naming_the_question(
        shop, base_url, stack_var, case, code, status):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    ids = put_form(m, ev)
    a = good(ids)
    q = None
    if case == "missing_required":
        del a[ids["College"]]
        q = "College"
    elif case == "consent_unticked":
        a[ids["I agree to the rules"]] = False
        q = "I agree to the rules"
    elif case == "missing_ticket_answer":
        a[ids["Age"]] = [None]
        q = "Age"
    elif case == "number_as_text":
        a[ids["Age"]] = ["twenty"]
        q = "Age"
    elif case == "not_a_choice":
        a[ids["Track"]] = "Blockchain"
        q = "Track"
    elif case == "bad_date":
        a[ids["Birthday"]] = "2005-02-30"
        q = "Birthday"
    elif case == "multi_not_list":
        a[ids["Languages"]] = "C"
        q = "Languages"
    elif case == "unknown_question":
        a[str(uuid.uuid4())] = "x"
    elif case == "text_too_long":
        a[ids["College"]] = "x" * 501
        q = "College"
    elif case == "wrong_ticket_count":
        a[ids["Age"]] = [20, 21]
        q = "Age"
    elif case == "answers_not_object":
        a = ["x"]
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev, a)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    if q:
        assert q in err["message"]
        assert r.json()["field"] == "answers"
        assert r.json()["question"] == ids[q]
    # nothing was booked
    assert shop.one("select count(*) from bookings where event_id = %s",
                    (ev["id"],), tenant=t)[0] == 0


def test_an_upload_of_the_wrong_type_or_size_is_refused_by_its_content(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    ids = put_form(m, ev)
    b = buyer(shop, base_url, stack_var)
    q = ids["ID card"]
    # a script named and labelled as a PDF
    r = upload(b, ev, q, b"<script>alert(1)</script>" * 4, "application/pdf")
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == "unsupported_file_type"
    # a real JPEG, but the question takes PDF and PNG only
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"
    r = upload(b, ev, q, jpeg, "image/jpeg")
    assert r.status_code == 415, r.text
    # a PNG with data after its end (a polyglot)
    r = upload(b, ev, q, png_bytes() + b"<html>", "image/png")
    assert r.status_code == 415, r.text
    # too large for the question's 2048 bytes
    big = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"
    r = upload(b, ev, q, big, "application/pdf")
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "file_too_large"
    # a PNG labelled as octet-stream is fine: the bytes decide
    r = upload(b, ev, q, png_bytes())
    assert r.status_code == 201, r.text
    assert r.json()["mediaType"] == "image/png"
    # not a file question
    r = upload(b, ev, ids["College"], PDF)
    assert r.status_code == 404


def test_an_uploaded_file_is_served_to_its_uploader_and_managers_only(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    ids = put_form(m, ev)
    b = buyer(shop, base_url, stack_var)
    f = upload(b, ev, ids["ID card"], PDF).json()
    path = f"/api/events/{ev['id']}/form-files/{f['id']}"
    r = b.call("GET", path)
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["Content-Disposition"] == "attachment"
    assert m.call("GET", path).content == PDF
    # not public, not another buyer, not another tenant's manager
    assert requests.get(base_url + path, timeout=10).status_code == 401
    assert buyer(shop, base_url, stack_var).call("GET", path).status_code \
        == 404
    _, other = org(shop, base_url, stack_var)
    assert other.call("GET", path).status_code == 404
    # nor through nginx's public media
    assert requests.get(f"{base_url}/media/{f['sha256']}",
                        timeout=10).status_code == 404
    # someone else's file cannot be an answer
    c = buyer(shop, base_url, stack_var)
    r = book(c, ev, good(ids, **{ids["ID card"]: f["id"]}))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_answer"


def test_another_tenants_ids_are_not_found(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    put_form(m, ev, approval=True)
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev, good(put_form(m, ev, approval=True)))
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    _, other = org(shop, base_url, stack_var)
    assert other.call("PUT", f"/api/events/{ev['id']}/form",
                      {"questions": []}).status_code == 404
    assert other.call("GET",
                      f"/api/events/mine/{ev['id']}/form").status_code == 404
    assert other.call("GET", f"/api/events/{ev['id']}/attendees.csv"
                      ).status_code == 404
    assert other.call("GET", f"/api/events/{ev['id']}/registrations"
                      ).status_code == 404
    assert other.call("POST", f"/api/bookings/{bid}/accept").status_code == 404
    assert other.call("POST", f"/api/bookings/{bid}/reject").status_code == 404
    # a question id of another event
    ev2 = shop.event(t, seats=0, ga=[10])
    r = m.call("PUT", f"/api/events/{ev2['id']}/form",
               {"questions": [{"id": QUESTIONS and
                               m.call("GET", f"/api/events/mine/{ev['id']}/form"
                                      ).json()["questions"][0]["id"],
                               "label": "x", "kind": "text"}]})
    assert r.status_code == 422, r.text
    # the buyer cannot decide their own registration
    assert b.call("POST", f"/api/bookings/{bid}/accept").status_code == 403


def test_a_question_with_answers_cannot_be_removed(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[10], ga_price=0)
    ids = put_form(m, ev)
    assert book(buyer(shop, base_url, stack_var), ev,
                good(ids)).status_code == 201
    r = m.call("PUT", f"/api/events/{ev['id']}/form", {"questions": []})
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "question_answered"
    # kept by id, relabelled and reordered: fine
    form = m.call("GET", f"/api/events/mine/{ev['id']}/form").json()
    qs = [dict(q) for q in reversed(form["questions"])]
    for q in qs:
        for k in ("maxBytes", "fileTypes", "options"):
            if q[k] in (None, []):
                del q[k]
    qs[0]["label"] = "Consent"
    r = m.call("PUT", f"/api/events/{ev['id']}/form", {"questions": qs})
    assert r.status_code == 200, r.text
    assert r.json()["questions"][0]["label"] == "Consent"
    # a scanner may not change the form
    s = Person(base_url, stack_var, shop.user("scanner"), t, "scanner")
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'scanner')", (t, s.id))
    assert s.call("PUT", f"/api/events/{ev['id']}/form",
                  {"questions": []}).status_code == 403


def outbox(shop, template, booking_id):
    return shop.one("select count(*) from outbox where payload->>'template'"
                    " = %s and payload->>'bookingId' = %s",
                    (template, booking_id))[0]


def test_approval_then_payment(shop, base_url, stack_var, razorpay_url):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[1], ga_price=50000)
    ids = put_form(m, ev, [{"label": "Team", "kind": "text",
                            "required": True}],
                   approval=True, paymentWindowMinutes=30)
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev, {ids["Team"]: "Bit Flippers"})
    assert r.status_code == 201, r.text
    reg = r.json()
    assert reg["status"] == "pending" and reg["approval"] == "waiting"
    assert reg["payment"]["orderId"] is None  # nothing to pay yet
    # the seat is kept while the organizer decides: the last unit is gone
    c = buyer(shop, base_url, stack_var)
    r = c.call("POST", "/api/seats/lock",
               {"eventId": ev["id"], "seatIds": [],
                "ga": [{"ticketTypeId": ev["ga"][0], "quantity": 1}]})
    assert r.status_code == 409, r.text
    # one open registration per person
    b.call("DELETE", f"/api/seats/lock?eventId={ev['id']}")
    lst = m.call("GET", f"/api/events/{ev['id']}/registrations?status=waiting")
    assert lst.status_code == 200
    assert [x["id"] for x in lst.json()["registrations"]] == [reg["id"]]
    assert lst.json()["registrations"][0]["answers"][0]["value"] == \
        "Bit Flippers"
    r = m.call("POST", f"/api/bookings/{reg['id']}/accept")
    assert r.status_code == 200, r.text
    acc = r.json()
    assert acc["approval"] == "accepted" and acc["status"] == "pending"
    order = acc["payment"]["orderId"]
    assert order
    assert outbox(shop, "registration.accepted", reg["id"]) == 1
    # accepted twice: 409
    assert m.call("POST", f"/api/bookings/{reg['id']}/accept"
                  ).status_code == 409
    # the buyer pays within the window
    pay = Rzp(razorpay_url).pay(order)
    r = b.call("POST", "/api/bookings/confirm", {"bookingId": reg["id"], **pay})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed" and len(r.json()["tickets"]) == 1
    # the unit was counted once: still sold out, never oversold
    sold = shop.one("select sold from ticket_types where id = %s",
                    (ev["ga"][0],), tenant=t)[0]
    assert sold == 1
    st = requests.get(f"{base_url}/api/seats/status/{ev['id']}", timeout=10)
    if st.status_code == 200 and "ga" in st.json():
        assert st.json()["ga"].get(ev["ga"][0], 0) == 0
    # a confirmed booking cannot be rejected
    assert m.call("POST", f"/api/bookings/{reg['id']}/reject"
                  ).status_code == 409


def test_a_free_registration_gets_its_ticket_when_accepted(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[5], ga_price=0)
    put_form(m, ev, [], approval=True)
    b = buyer(shop, base_url, stack_var)
    r = book(b, ev, None)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["tickets"] == []
    # a second registration while this one waits: 409
    b.hold(ev, ga={ev["ga"][0]: 1})
    r2 = b.call("POST", "/api/bookings", {"eventId": ev["id"]})
    assert r2.status_code == 409 and r2.json()["error"]["code"] == \
        "registration_open"
    b.call("DELETE", f"/api/seats/lock?eventId={ev['id']}")
    r = m.call("POST", f"/api/bookings/{r.json()['id']}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    mine = b.call("GET", f"/api/bookings/{r.json()['id']}").json()
    assert len(mine["tickets"]) == 1 and mine["tickets"][0]["qr"]


def test_rejection_frees_the_seats_and_is_emailed(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[1], ga_price=0)
    put_form(m, ev, [], approval=True)
    b = buyer(shop, base_url, stack_var)
    reg = book(b, ev, None).json()
    c = buyer(shop, base_url, stack_var)
    r = c.call("POST", "/api/seats/lock",
               {"eventId": ev["id"], "seatIds": [],
                "ga": [{"ticketTypeId": ev["ga"][0], "quantity": 1}]})
    assert r.status_code == 409, r.text
    r = m.call("POST", f"/api/bookings/{reg['id']}/reject",
               {"reason": "The hall is full of judges."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert r.json()["approval"] == "rejected"
    assert r.json()["closeReason"] == "rejected"
    assert outbox(shop, "registration.rejected", reg["id"]) == 1
    # the unit is for sale again
    r = c.call("POST", "/api/seats/lock",
               {"eventId": ev["id"], "seatIds": [],
                "ga": [{"ticketTypeId": ev["ga"][0], "quantity": 1}]})
    assert r.status_code == 200, r.text
    assert c.call("POST", "/api/bookings",
                  {"eventId": ev["id"]}).status_code == 201
    # audited
    assert shop.one("select count(*) from audit_log where action ="
                    " 'registration.rejected' and tenant_id = %s", (t,),
                    tenant=t)[0] == 1


def test_an_accepted_registration_not_paid_in_its_window_frees_its_seat(
        shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[1], ga_price=50000)
    put_form(m, ev, [], approval=True, paymentWindowMinutes=5)
    b = buyer(shop, base_url, stack_var)
    reg = book(b, ev, None).json()
    assert m.call("POST", f"/api/bookings/{reg['id']}/accept"
                  ).status_code == 200
    shop.one("update bookings set expires_at = now() - interval '1 second'"
             " where id = %s returning id", (reg["id"],), tenant=t)
    run_cron(stack_var, "expire")
    assert shop.one("select status from bookings where id = %s",
                    (reg["id"],), tenant=t)[0] == "expired"
    c = buyer(shop, base_url, stack_var)
    c.hold(ev, ga={ev["ga"][0]: 1})


def test_a_removed_manager_cannot_approve(shop, base_url, stack_var):
    t, m = org(shop, base_url, stack_var)
    ev = shop.event(t, seats=0, ga=[5], ga_price=0)
    put_form(m, ev, [], approval=True)
    reg = book(buyer(shop, base_url, stack_var), ev, None).json()
    # another manager, removed a minute ago; the token still says manager
    gone = Person(base_url, stack_var, shop.user("gone"), t, "manager")
    with shop.tx(t) as cur:
        cur.execute("insert into memberships (tenant_id, user_id, role)"
                    " values (%s, %s, 'manager')", (t, gone.id))
        cur.execute("delete from memberships where user_id = %s", (gone.id,))
    r = gone.call("POST", f"/api/bookings/{reg['id']}/accept")
    assert r.status_code == 403, r.text
    r = gone.call("POST", f"/api/bookings/{reg['id']}/reject")
    assert r.status_code == 403, r.text
    assert shop.one("select approval from bookings where id = %s",
                    (reg["id"],), tenant=t)[0] == "waiting"
