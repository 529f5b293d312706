"""POST /api/v1/payments: the collection service's rules, idempotent retries, scope."""

from datetime import timedelta

import sqlalchemy as sa

from hallmgr.api.services import revoke_token
from hallmgr.collection.rules import receipt_signature
from hallmgr.core.days import utcnow
from hallmgr.models import ApiToken, IdempotencyRecord, Payment, PaymentDay
from tests.api.conftest import error_of
from tests.conftest import count_rows


def pay(api, place, key="key-0001", **body):
    body = {"hall": place.hall.code, "stall": place.stall.code, "method": "cash", **body}
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/payments", json=body, headers=headers)


def iso(*days):
    return [d.isoformat() for d in days]


def test_paying_chosen_dates_issues_a_receipt_with_a_working_verification_link(
    client, api_as, place, today
):
    api = api_as("collector", [place.hall])
    response = pay(api, place, dates=iso(today, today - timedelta(days=1)), method="qris")
    assert response.status_code == 201, response.json
    body = response.json
    number = body["receipt_number"]
    assert number.startswith(f"{place.hall.code}-{today.year}-")
    assert body["dates"] == iso(today - timedelta(days=1), today)
    assert body["amount"] == 6000 and body["method"] == "qris"
    assert body["hall"] == place.hall.code and body["stall"] == "A-01"
    assert body["business"] == {
        "id": place.business.id,
        "name": "Warung Bu Siti",
        "owner_name": "Siti Rahayu",
    }
    assert body["collector"] == {"id": api.user.id, "name": api.user.full_name}
    assert body["recorded_at"].endswith("Z")
    assert "Idempotent-Replayed" not in response.headers
    code = receipt_signature(client.application.config["SECRET_KEY"], number)[:16].upper()
    assert body["verify_url"] == f"http://localhost/V/{number}/{code}"
    page = client.get(body["verify_url"].removeprefix("http://localhost"))
    assert "Asli dan berlaku." in page.get_data(as_text=True)
    session = client.application.extensions["sqlalchemy"].session
    stored = session.scalar(sa.select(Payment).where(Payment.receipt_number == number))
    record = session.scalar(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.payment_id == stored.id)
    )
    assert (record.key, record.user_id, stored.collector_id) == (
        "key-0001",
        api.user.id,
        api.user.id,
    )
    assert (record.status, record.body) == (201, response.data)


def test_a_number_of_days_pays_the_oldest_unpaid_first_then_today_then_ahead(api_as, place, today):
    api = api_as("collector", [place.hall])
    first = pay(api, place, key="k-first", days=2)
    assert first.status_code == 201, first.json
    assert first.json["dates"] == iso(today - timedelta(days=3), today - timedelta(days=2))
    second = pay(api, place, key="k-second", days=3)
    assert second.json["dates"] == iso(today - timedelta(days=1), today, today + timedelta(days=1))
    assert second.json["amount"] == 9000


def test_a_retried_count_request_replays_although_its_days_are_now_paid(db, api_as, place, today):
    api = api_as("collector", [place.hall])
    first = pay(api, place, key="k-count", days=2)
    db.session.expire_all()  # the replay reads the receipt back from the database
    again = pay(api, place, key="k-count", days=2)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count_rows(Payment) == 1
    error = error_of(pay(api, place, key="k-count", days=3), 422)
    assert error["code"] == "idempotency_mismatch"
    assert count_rows(Payment) == 1


def test_same_key_and_body_replays_a_dates_request_and_another_body_is_422(
    db, api_as, place, today
):
    api = api_as("manager", [place.hall])
    first = pay(api, place, key="k-dates", dates=iso(today))
    db.session.expire_all()
    again = pay(api, place, key="k-dates", dates=iso(today))
    assert (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    for other in (
        {"dates": iso(today - timedelta(days=1))},
        {"dates": iso(today), "method": "qris"},
    ):
        error = error_of(pay(api, place, key="k-dates", **other), 422)
        assert error["code"] == "idempotency_mismatch"
    assert count_rows(Payment) == 1
    # The key belongs to its collector: another collector may use the same text.
    other_collector = api_as("collector", [place.hall])
    assert (
        pay(other_collector, place, key="k-dates", dates=iso(today - timedelta(days=1))).status_code
        == 201
    )


def test_a_day_already_paid_is_409_naming_the_receipt(api_as, place, today):
    api = api_as("collector", [place.hall])
    number = pay(api, place, key="k-one", dates=iso(today)).json["receipt_number"]
    error = error_of(pay(api, place, key="k-two", dates=iso(today - timedelta(days=1), today)), 409)
    assert error["code"] == "day_already_paid"
    assert number in error["message"]
    assert count_rows(PaymentDay) == 1


def test_the_idempotency_key_is_required_and_bounded(api_as, place, today):
    api = api_as("collector", [place.hall])
    error = error_of(pay(api, place, key=None, dates=iso(today)), 400)
    assert "Idempotency-Key" in error["fields"]
    error = error_of(pay(api, place, key="x" * 65, dates=iso(today)), 400)
    assert "Idempotency-Key" in error["fields"]
    assert count_rows(Payment) == 0


def test_invalid_bodies_are_400_with_the_fields_named(api_as, place, today):
    api = api_as("collector", [place.hall])
    cases = [
        ({"dates": iso(today), "method": "gold"}, "method"),
        ({"dates": ["17-08-2026"]}, "dates.0"),
        ({"dates": ["2026-02-30"]}, "dates.0"),
        ({"days": 0}, "days"),
        ({"days": "2"}, "days"),
        ({"dates": iso(today), "days": 1}, "body"),
        ({}, "body"),
        ({"dates": iso(today), "tip": 500}, "tip"),
    ]
    for extra, field in cases:
        error = error_of(pay(api, place, key="k-bad", **extra), 400)
        assert field in error["fields"], (extra, error)
        assert error["message"] == "Beberapa isian tidak sah."
    error = error_of(
        api.post("/payments", json={"method": "cash"}, headers={"Idempotency-Key": "k"}), 400
    )
    assert {"hall", "stall"} <= set(error["fields"])
    error = error_of(
        api.post(
            "/payments",
            data="[1]",
            headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
        ),
        400,
    )
    assert error["code"] == "invalid"
    assert count_rows(Payment) == 0


def test_days_the_stall_cannot_pay_are_refused_by_the_service(api_as, place, today):
    api = api_as("collector", [place.hall])
    too_old = today - timedelta(days=10)
    error = error_of(pay(api, place, dates=iso(too_old)), 400)
    assert error["fields"] == {"days": error["message"]} and too_old.isoformat() in error["message"]
    error = error_of(pay(api, place, key="k-many", days=400), 400)
    assert "days" in error["fields"]
    assert count_rows(Payment) == 0


def test_another_halls_stall_or_an_unknown_one_is_404(api_as, make_place, make_hall, today):
    mine, theirs = make_place(), make_place()
    api = api_as("collector", [mine.hall])
    error = error_of(pay(api, theirs, dates=iso(today)), 404)
    assert error["code"] == "not_found"
    body = {"hall": mine.hall.code, "stall": "Z-99", "method": "cash", "dates": iso(today)}
    error_of(api.post("/payments", json=body, headers={"Idempotency-Key": "k"}), 404)
    assert count_rows(Payment) == 0


def test_roles_and_tokens(db, client, api_as, place, today):
    office = api_as("office")
    assert error_of(pay(office, place, dates=iso(today)), 403)["code"] == "forbidden"
    body = {"hall": place.hall.code, "stall": "A-01", "method": "cash", "dates": iso(today)}
    assert error_of(client.post("/api/v1/payments", json=body), 401)["code"] == "unauthorized"
    api = api_as("collector", [place.hall])
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == api.user.id))
    revoke_token(api.user, token.id, utcnow())
    db.session.flush()
    assert error_of(pay(api, place, dates=iso(today)), 401)["code"] == "unauthorized"
    assert count_rows(Payment) == 0
    admin = api_as("admin")
    assert pay(admin, place, dates=iso(today)).status_code == 201


def test_a_number_of_days_pays_the_current_business_not_the_previous_ones_arrears(
    db, api_as, make_hall, make_stall, make_business, make_assignment, today
):
    from tests.api.conftest import Place

    hall = make_hall()
    stall = make_stall(hall, code="A-01")
    make_assignment(
        stall, make_business(name="Pindah"), today - timedelta(days=10), today - timedelta(days=5)
    )
    current = make_business(name="Sekarang")
    make_assignment(stall, current, today - timedelta(days=1))
    place = Place(hall, stall, current, None, 3000)
    api = api_as("collector", [hall])
    body = pay(api, place, key="k-current", days=3).json
    assert body["business"]["name"] == "Sekarang"
    assert body["dates"] == iso(today - timedelta(days=1), today, today + timedelta(days=1))


def test_a_replay_after_the_receipt_was_voided_still_answers_the_first_result(
    db, api_as, place, make_user, today
):
    from hallmgr.collection.services import void_payment

    api = api_as("collector", [place.hall])
    first = pay(api, place, key="k-void", dates=iso(today))
    void_payment(
        make_user("manager", [place.hall]),
        db.session.scalar(
            sa.select(Payment).where(Payment.receipt_number == first.json["receipt_number"])
        ),
        "salah",
        now=utcnow(),
    )
    db.session.commit()
    again = pay(api, place, key="k-void", dates=iso(today))
    assert (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(Payment) == 1


def test_a_payment_takes_as_many_statements_after_many_paid_days_as_after_one(
    api_as, make_place, today, count_queries
):
    place = make_place(start_days_ago=70)
    api = api_as("collector", [place.hall])
    assert pay(api, place, key="k-warm", dates=iso(today - timedelta(days=70))).status_code == 201
    with count_queries() as few:
        response = pay(api, place, key="k-few", dates=iso(today - timedelta(days=69)))
    assert response.status_code == 201
    many_days = [today - timedelta(days=n) for n in range(10, 60)]
    assert pay(api, place, key="k-many", dates=iso(*many_days)).status_code == 201
    with count_queries() as many:
        response = pay(api, place, key="k-later", dates=iso(today - timedelta(days=5)))
    assert response.status_code == 201 and response.json["amount"] == place.rate
    assert many.count == few.count


def test_a_replay_returns_the_first_answer_byte_for_byte_though_names_changed(
    db, api_as, place, today
):
    api = api_as("collector", [place.hall])
    first = pay(api, place, key="k-bytes", dates=iso(today))
    place.business.name = "Warung Ganti Nama"
    place.hall.name = "Sentra Ganti Nama"
    db.session.commit()
    again = pay(api, place, key="k-bytes", dates=iso(today))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.data == first.data
    assert again.json["business"]["name"] == "Warung Bu Siti"
    assert count_rows(Payment) == 1


def test_a_key_kept_before_responses_were_replays_with_the_receipt(db, api_as, place, today):
    """Records migrated from the payments' old key columns have no stored response."""
    api = api_as("collector", [place.hall])
    first = pay(api, place, key="k-legacy", dates=iso(today))
    record = db.session.scalar(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "k-legacy")
    )
    record.status = record.body = record.mimetype = None
    db.session.commit()
    again = pay(api, place, key="k-legacy", dates=iso(today))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["receipt_number"] == first.json["receipt_number"]
    assert count_rows(Payment) == 1
