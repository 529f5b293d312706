"""load_in_scope: the one loader of rows by id, code or receipt number. A row that does not
exist and a row of a hall the user may not see answer the same 404, on every page and in
the API; a business (registry-wide) is seen from every hall, as before."""

import pytest

from hallmgr.auth.policy import load_in_scope
from hallmgr.core.errors import NotFoundError
from hallmgr.models import Assignment, Hall, Payment
from tests.conftest import login, post
from tests.url_world import build_world


@pytest.fixture
def world(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    return build_world(
        db, make_hall, make_class, make_stall, make_business, make_assignment, make_user
    )


# A page of each model loaded by its key: (model as loaded, the URL of one of its rows).
PAGES = {
    "hall by code": lambda side: f"/halls/{side.hall.code}/stalls",
    "hall by code (collection)": lambda side: f"/collection/{side.hall.code}/round",
    "stall": lambda side: f"/halls/stalls/{side.stall.id}",
    "stall (collection)": lambda side: f"/collection/stalls/{side.stall.id}/pay",
    "payment by receipt number": lambda side: f"/collection/receipts/{side.payment.receipt_number}",
    "application": lambda side: f"/businesses/applications/{side.application.id}/accept",
    "assignment, through its stall": lambda side: f"/assignments/{side.assignment.id}/letter.pdf",
    "assignment to end, through its stall": lambda side: f"/assignments/{side.assignment.id}/end",
}
# Ids no row has: the next ones, and one no 32-bit column can hold.
UNKNOWN = {
    "hall by code": "/halls/NOPE/stalls",
    "hall by code (collection)": "/collection/NOPE/round",
    "stall": "/halls/stalls/{big}",
    "stall (collection)": "/collection/stalls/{big}/pay",
    "payment by receipt number": "/collection/receipts/NOPE-2026-000001",
    "application": "/businesses/applications/{big}/accept",
    "assignment, through its stall": "/assignments/{big}/letter.pdf",
    "assignment to end, through its stall": "/assignments/{big}/end",
}


def _signed_in(client, make_user, db, role, halls=()):
    user = make_user(role, halls)
    db.session.commit()
    assert login(client, user.username).status_code == 302
    return user


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_manager_opens_own_halls_rows_and_gets_404_for_anothers(
    client, db, make_user, world, page
):
    _signed_in(client, make_user, db, "manager", [world.own.hall])
    assert client.get(PAGES[page](world.own)).status_code == 200
    other = client.get(PAGES[page](world.other))
    assert other.status_code == 404
    assert "Halaman ini tidak ada." in other.get_data(as_text=True)
    assert world.other.hall.name not in other.get_data(as_text=True)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_admin_opens_every_halls_rows(client, db, make_user, world, page):
    _signed_in(client, make_user, db, "admin")
    assert client.get(PAGES[page](world.other)).status_code == 200


@pytest.mark.parametrize("page", sorted(UNKNOWN))
@pytest.mark.parametrize("big", [999_999, 2**31, 2**40])
def test_a_row_that_does_not_exist_is_404_never_500(client, db, make_user, world, page, big):
    _signed_in(client, make_user, db, "admin")
    assert client.get(UNKNOWN[page].format(big=big)).status_code == 404


def test_a_business_is_seen_from_every_hall_but_an_unknown_one_is_404(client, db, make_user, world):
    _signed_in(client, make_user, db, "manager", [world.own.hall])
    page = client.get(f"/businesses/{world.other.business.id}")
    assert page.status_code == 200
    assert world.other.business.name in page.get_data(as_text=True)
    assert client.get("/businesses/999999").status_code == 404


def test_an_offer_of_another_halls_stall_is_404_and_offers_nothing(client, db, make_user, world):
    from hallmgr.models import Application

    _signed_in(client, make_user, db, "manager", [world.own.hall])
    class_id = world.own.application.stall_class_id
    response = post(
        client,
        f"/businesses/waiting/{world.own.hall.code}/{class_id}/offer",
        {f"c{class_id}-stall_id": world.other.stall.id},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Application, world.own.application.id).status == "waiting"


def test_the_loader_follows_an_assignment_to_its_stalls_hall(app, db, make_user, world):
    manager, office = make_user("manager", [world.own.hall]), make_user("office")
    with app.test_request_context():
        own = load_in_scope(Assignment, world.own.assignment.id, user=manager)
        assert own.id == world.own.assignment.id
        with pytest.raises(NotFoundError):
            load_in_scope(Assignment, world.other.assignment.id, user=manager)
        number = world.other.payment.receipt_number
        with pytest.raises(NotFoundError):
            load_in_scope(Payment, number, key=Payment.receipt_number, user=manager)
        assert load_in_scope(Hall, world.other.hall.code, key=Hall.code, user=office).id == (
            world.other.hall.id
        )


# The API: the same loader, with the API's own messages.


@pytest.fixture
def api_for(db, client, make_user):
    from hallmgr.api.services import create_token
    from hallmgr.core.days import utcnow

    def make(role, halls=()):
        user = make_user(role, halls)
        _token, plain = create_token(user, "test device", utcnow())
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


def test_the_api_answers_404_for_another_halls_receipt_hall_and_assignment(client, api_for, world):
    headers = api_for("manager", [world.own.hall])
    other = world.other
    receipt = client.get(f"/api/v1/receipts/{other.payment.receipt_number}", headers=headers)
    assert receipt.status_code == 404
    assert receipt.json["error"]["message"] == (
        f"Tidak ada kuitansi {other.payment.receipt_number} di sentra Anda."
    )
    stalls = client.get(f"/api/v1/halls/{other.hall.code}/stalls", headers=headers)
    assert stalls.status_code == 404
    assert stalls.json["error"]["fields"] == {"hall": stalls.json["error"]["message"]}
    end = client.post(
        f"/api/v1/assignments/{other.assignment.id}/end",
        json={"end_date": "2026-08-17", "reason": "pindah"},
        headers=headers,
    )
    assert end.status_code == 404
    assert end.json["error"]["message"] == (
        f"Tidak ada penempatan {other.assignment.id} di sentra Anda."
    )
    own = client.get(f"/api/v1/receipts/{world.own.payment.receipt_number}", headers=headers)
    assert own.status_code == 200


def test_the_api_names_what_is_missing_of_a_hall_and_stall(client, api_for, world):
    headers = api_for("collector", [world.own.hall])
    body = {"method": "cash", "days": 1}
    other_hall = client.post(
        "/api/v1/payments",
        json={**body, "hall": world.other.hall.code, "stall": world.other.stall.code},
        headers={**headers, "Idempotency-Key": "k-1"},
    )
    assert other_hall.status_code == 404
    assert list(other_hall.json["error"]["fields"]) == ["hall"]
    no_stall = client.post(
        "/api/v1/payments",
        json={**body, "hall": world.own.hall.code, "stall": "Z-99"},
        headers={**headers, "Idempotency-Key": "k-2"},
    )
    assert no_stall.status_code == 404
    assert list(no_stall.json["error"]["fields"]) == ["stall"]
    # The other hall's stall, named with one's own hall, is no stall of one's own hall.
    assert world.other.stall.code != world.own.stall.code
    theirs = client.post(
        "/api/v1/payments",
        json={**body, "hall": world.own.hall.code, "stall": world.other.stall.code},
        headers={**headers, "Idempotency-Key": "k-3"},
    )
    assert theirs.status_code == 404
    assert list(theirs.json["error"]["fields"]) == ["stall"]
