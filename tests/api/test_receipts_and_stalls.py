"""A hall's stalls on a day, receipts as JSON and PDF, voids."""

from datetime import timedelta

import sqlalchemy as sa

from hallmgr.collection.services import mark_closed, record_payment, waive_days
from hallmgr.core.days import utcnow
from hallmgr.models import AuditEvent, Payment, PaymentDay
from tests.api.conftest import error_of
from tests.conftest import count_rows, pdf_text


def _pay(place, collector, days, today):
    payment, _ = record_payment(
        collector, place.stall, days, "cash", today=today, now=utcnow(), advance_days=31
    )
    return payment


def test_stalls_of_a_hall_with_business_state_and_arrears(
    db, api_as, make_place, make_stall, make_user, today, count_queries
):
    paid = make_place(stall_code="A-01")
    hall = paid.hall
    unpaid = make_place(hall=hall, stall_code="A-02", rate=5000)
    closed = make_place(hall=hall, stall_code="A-03")
    waived = make_place(hall=hall, stall_code="A-04")
    make_stall(hall, code="B-01", block="B")
    manager = make_user("manager", [hall])
    _pay(paid, manager, [today], today)
    mark_closed(manager, closed.stall, today=today, now=utcnow())
    waive_days(manager, waived.stall, today, today, "banjir", today=today, now=utcnow())
    api = api_as("office")
    response = api.get(f"/halls/{hall.code}/stalls")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json}
    assert [r["code"] for r in response.json] == ["A-01", "A-02", "A-03", "A-04", "B-01"]
    assert rows["A-01"]["day_state"] == "paid_today" and rows["A-01"]["unpaid_days"] == 3
    assert rows["A-01"]["unpaid_amount"] == 9000
    assert rows["A-02"] | {"business": None} == {
        "code": "A-02",
        "class": rows["A-02"]["class"],
        "status": "available",
        "daily_rate": 5000,
        "business": None,
        "day_state": "unpaid",
        "unpaid_days": 4,
        "unpaid_amount": 20000,
    }
    assert rows["A-02"]["business"] == {
        "id": unpaid.business.id,
        "name": "Warung Bu Siti",
        "owner_name": "Siti Rahayu",
    }
    assert rows["A-03"]["day_state"] == "closed" and rows["A-03"]["unpaid_days"] == 4
    # Today waived, three earlier days still owed: not "waived" but owing.
    assert rows["A-04"]["day_state"] == "unpaid" and rows["A-04"]["unpaid_days"] == 3
    assert rows["B-01"]["business"] is None and rows["B-01"]["day_state"] == "not_due"
    yesterday = (today - timedelta(days=1)).isoformat()
    earlier = {r["code"]: r for r in api.get(f"/halls/{hall.code}/stalls?date={yesterday}").json}
    assert earlier["A-01"]["day_state"] == "unpaid" and earlier["A-01"]["unpaid_days"] == 3
    # The same number of statements for 5 stalls as for 25.
    with count_queries() as few:
        api.get(f"/halls/{hall.code}/stalls")
    for n in range(20):
        make_place(hall=hall, stall_code=f"C-{n:02d}")
    db.session.commit()
    api.get(f"/halls/{hall.code}/stalls")  # the caller's rows, expired by the commit
    with count_queries() as many:
        assert len(api.get(f"/halls/{hall.code}/stalls").json) == 25
    assert many.count == few.count


def test_stalls_refusals(api_as, make_place):
    mine, theirs = make_place(), make_place()
    api = api_as("collector", [mine.hall])
    assert error_of(api.get(f"/halls/{theirs.hall.code}/stalls"), 404)["code"] == "not_found"
    assert error_of(api.get("/halls/NOPE/stalls"), 404)
    error = error_of(api.get(f"/halls/{mine.hall.code}/stalls?date=2026-13-01"), 400)
    assert "date" in error["fields"]


def test_receipt_as_json_and_pdf(client, api_as, place, make_user, today):
    payment = _pay(place, make_user("collector", [place.hall]), [today], today)
    api = api_as("collector", [place.hall])
    body = api.get(f"/receipts/{payment.receipt_number}").json
    assert body["receipt_number"] == payment.receipt_number
    assert body["amount"] == 3000 and body["dates"] == [today.isoformat()]
    assert body["void"] is False and body["voided_at"] is None
    assert body["business_day"] == today.isoformat()
    response = api.get(f"/receipts/{payment.receipt_number}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert payment.receipt_number in text and "Warung Bu Siti" in text
    assert api.get(f"/receipts/{payment.receipt_number}/pdf?size=80mm").status_code == 200
    assert (
        "size"
        in error_of(api.get(f"/receipts/{payment.receipt_number}/pdf?size=a0"), 400)["fields"]
    )


def test_receipts_of_another_hall_are_404(api_as, make_place, make_user, today):
    mine, theirs = make_place(), make_place()
    payment = _pay(theirs, make_user("collector", [theirs.hall]), [today], today)
    api = api_as("manager", [mine.hall])
    number = payment.receipt_number
    assert error_of(api.get(f"/receipts/{number}"), 404)
    assert error_of(api.get(f"/receipts/{number}/pdf"), 404)
    assert error_of(api.post(f"/receipts/{number}/void", json={"reason": "salah"}), 404)
    assert error_of(api.get("/receipts/XX-2026-000001"), 404)


def test_a_manager_voids_a_receipt_and_its_day_can_be_paid_again(
    db, api_as, place, make_user, today
):
    payment = _pay(place, make_user("collector", [place.hall]), [today], today)
    number = payment.receipt_number
    collector = api_as("collector", [place.hall])
    assert error_of(collector.post(f"/receipts/{number}/void", json={"reason": "x"}), 403)
    office = api_as("office")
    assert error_of(office.post(f"/receipts/{number}/void", json={"reason": "x"}), 403)
    manager = api_as("manager", [place.hall])
    assert "reason" in error_of(manager.post(f"/receipts/{number}/void", json={}), 400)["fields"]
    error = error_of(manager.post(f"/receipts/{number}/void", json={"reason": "   "}), 400)
    assert error["fields"] == {"reason": error["message"]}
    response = manager.post(f"/receipts/{number}/void", json={"reason": "salah kios"})
    assert response.status_code == 200
    assert response.json["void"] is True and response.json["void_reason"] == "salah kios"
    assert response.json["voided_at"].endswith("Z")
    assert count_rows(PaymentDay, PaymentDay.covers.is_(True)) == 0
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "payment_voided")
    )
    again = error_of(manager.post(f"/receipts/{number}/void", json={"reason": "lagi"}), 409)
    assert again["code"] == "already_void" and number in again["message"]
    body = {
        "hall": place.hall.code,
        "stall": "A-01",
        "method": "cash",
        "dates": [today.isoformat()],
    }
    repaid = collector.post("/payments", json=body, headers={"Idempotency-Key": "after-void"})
    assert repaid.status_code == 201 and repaid.json["receipt_number"] != number
    assert count_rows(Payment) == 2
