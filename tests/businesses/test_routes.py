"""The registry and the waiting list through the pages: masking, scope, the queue's steps."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hallmgr.core.days import market_today, utcnow
from hallmgr.models import Application, Assignment, Business
from tests.conftest import count_rows, post

NIK = "3171075708900031"
MASKED = "3171********0031"


@pytest.fixture
def registry(make_hall, make_class, make_stall, make_business):
    a = make_hall(code="WA1")
    b = make_hall(code="WB1")
    kios = make_class(code="kiosw", name="Kios")
    stall_a = make_stall(a, code="K-01", stall_class=kios)
    stall_b = make_stall(b, code="K-01", stall_class=kios)
    business = make_business(name="Warung Mbok Sri", owner="Sri Lestari", nik=NIK)
    return a, b, kios, stall_a, stall_b, business


def test_the_nik_is_masked_in_lists_and_whole_on_the_own_page(client, login_as, registry):
    *_rest, business = registry
    login_as("manager", halls=[registry[0]])
    page = client.get("/businesses/?q=mbok").get_data(as_text=True)
    assert "Warung Mbok Sri" in page and MASKED in page and NIK not in page
    page = client.get(f"/businesses/{business.id}").get_data(as_text=True)
    assert NIK in page


def test_office_sees_the_nik_masked_even_on_the_own_page(client, login_as, registry):
    *_rest, business = registry
    login_as("office")
    page = client.get(f"/businesses/{business.id}").get_data(as_text=True)
    assert MASKED in page and NIK not in page
    assert post(client, "/businesses/new", {"name": "x"}).status_code == 403


def test_search_by_nik_finds_the_business(client, login_as, registry):
    login_as("manager", halls=[registry[0]])
    page = client.get("/businesses/", query_string={"q": NIK}).get_data(as_text=True)
    assert "Warung Mbok Sri" in page


def test_registering_a_business_with_a_bad_nik_shows_why(client, login_as, registry, db):
    login_as("manager", halls=[registry[0]])
    data = {
        "name": "Kedai Baru",
        "owner_name": "Budi",
        "nik": "3171073208900003",
        "status": "active",
    }
    page = post(client, "/businesses/new", data).get_data(as_text=True)
    assert "bukan tanggal lahir yang benar" in page
    assert count_rows(Business, Business.name == "Kedai Baru") == 0
    page = post(client, "/businesses/new", {**data, "nik": NIK}).get_data(as_text=True)
    assert "sudah terdaftar untuk Warung Mbok Sri" in page
    response = post(client, "/businesses/new", {**data, "nik": "3171071708900032"})
    assert response.status_code == 302
    assert count_rows(Business, Business.name == "Kedai Baru") == 1


def test_the_business_upload_reports_the_bad_row(client, login_as, registry):
    login_as("manager", halls=[registry[0]])
    csv = (
        "name,owner_name,nik\n"
        "Satu,Ani,3171075708900041\n"
        "Dua,Eko,3171071708900000\n"
        "Tiga,Rudi,3171071708900043\n"
    )
    response = post(
        client,
        "/businesses/import",
        {"file": (io.BytesIO(csv.encode()), "usaha.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert '<td class="num">3</td>' in page and "0000" in page
    assert count_rows(Business, Business.name.in_(["Satu", "Tiga"])) == 0


def test_the_waiting_list_from_application_to_assignment(client, login_as, registry, db):
    a, _b, kios, stall_a, _stall_b, business = registry
    login_as("manager", halls=[a])
    response = post(
        client,
        f"/businesses/{business.id}/apply",
        {"hall_id": a.id, "stall_class_id": kios.id, "note": ""},
    )
    assert response.status_code == 302
    application = db.session.scalar(
        sa.select(Application).where(Application.business_id == business.id)
    )
    page = client.get("/businesses/waiting/WA1").get_data(as_text=True)
    assert "Warung Mbok Sri" in page
    response = post(
        client, f"/businesses/waiting/WA1/{kios.id}/offer", {f"c{kios.id}-stall_id": "0"}
    )
    assert response.status_code == 302
    assert application.status == "offered" and application.offered_stall_id == stall_a.id
    response = post(
        client,
        f"/businesses/applications/{application.id}/accept",
        {"start_date": market_today().isoformat()},
        token_from=f"/businesses/applications/{application.id}/accept",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assignment = db.session.scalar(
        sa.select(Assignment).where(Assignment.application_id == application.id)
    )
    assert assignment.stall_id == stall_a.id and assignment.number.endswith(
        "/WA1/" + str(assignment.start_date.year)
    )


def test_declining_and_withdrawing(client, login_as, registry, db):
    a, _b, kios, _stall_a, _stall_b, business = registry
    manager = login_as("manager", halls=[a])
    application = Application(
        hall_id=a.id,
        stall_class_id=kios.id,
        business_id=business.id,
        applied_at=utcnow(),
        status="waiting",
        declines=0,
        created_by_id=manager.id,
    )
    db.session.add(application)
    db.session.commit()
    post(client, f"/businesses/waiting/WA1/{kios.id}/offer", {f"c{kios.id}-stall_id": "0"})
    response = post(
        client, f"/businesses/applications/{application.id}/decline", {"reason": "jauh"}
    )
    assert response.status_code == 302
    assert (application.status, application.declines) == ("waiting", 1)
    post(client, f"/businesses/applications/{application.id}/withdraw")
    assert application.status == "withdrawn"
    page = client.get("/businesses/waiting/WA1").get_data(as_text=True)
    assert "Warung Mbok Sri" not in page


def test_another_halls_applications_answer_404(
    client, login_as, registry, db, make_user, make_assignment
):
    a, b, kios, _stall_a, stall_b, business = registry
    make_assignment(stall_b, business, market_today())
    other = make_user("manager", [b])
    application = Application(
        hall_id=b.id,
        stall_class_id=kios.id,
        business_id=business.id,
        applied_at=utcnow(),
        status="offered",
        offered_stall_id=stall_b.id,
        declines=0,
        created_by_id=other.id,
    )
    db.session.add(application)
    db.session.commit()
    login_as("manager", halls=[a])
    assert client.get("/businesses/waiting/WB1").status_code == 404
    assert client.get(f"/businesses/applications/{application.id}/accept").status_code == 404
    for action in ("decline", "withdraw"):
        assert (
            post(client, f"/businesses/applications/{application.id}/{action}").status_code == 404
        )
    assert post(client, f"/businesses/waiting/WB1/{kios.id}/offer").status_code == 404
    response = post(
        client, f"/businesses/{business.id}/apply", {"hall_id": b.id, "stall_class_id": kios.id}
    )
    assert count_rows(Application, Application.hall_id == b.id) == 1
    assert response.status_code == 302
    # The business page shows nothing of hall B.
    page = client.get(f"/businesses/{business.id}").get_data(as_text=True)
    assert "WB1" not in page
    assert application.status == "offered"


def test_a_lapsed_application_is_not_in_the_queue_shown(client, login_as, registry, db, app):
    a, _b, kios, _stall_a, _stall_b, business = registry
    manager = login_as("manager", halls=[a])
    days = app.config["APPLICATION_EXPIRY_DAYS"]
    db.session.add(
        Application(
            hall_id=a.id,
            stall_class_id=kios.id,
            business_id=business.id,
            applied_at=utcnow() - timedelta(days=days + 1),
            status="waiting",
            declines=0,
            created_by_id=manager.id,
        )
    )
    db.session.commit()
    page = client.get("/businesses/waiting/WA1").get_data(as_text=True)
    assert "Warung Mbok Sri" not in page
    response = post(
        client, f"/businesses/waiting/WA1/{kios.id}/offer", {f"c{kios.id}-stall_id": "0"}
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(Application.status).where(Application.business_id == business.id)
        )
        == "expired"
    )
