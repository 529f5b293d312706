"""Assigning through the page, refusals shown on the form, ending, the letter, hall scope."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hallmgr.core.days import market_today
from hallmgr.core.i18n import format_day
from hallmgr.models import Assignment
from tests.conftest import count_rows, pdf_text, post


@pytest.fixture
def place(make_hall, make_class, make_stall, make_business):
    a = make_hall(code="PA1", name="Sentra Alpha")
    b = make_hall(code="PB1")
    kios = make_class(code="kiosp", name="Kios")
    return {
        "a": a,
        "b": b,
        "stall": make_stall(a, code="A-07", stall_class=kios, block="A"),
        "other": make_stall(b, code="B-07", stall_class=kios),
        "business": make_business(
            name="Batik Bu Ratna", owner="Ratna Sari", nik="3171075708900051"
        ),
    }


def _assign(client, stall, business_ref, **extra):
    data = {
        "stall_id": stall.id,
        "business_ref": business_ref,
        "start_date": market_today().isoformat(),
        "end_date": "",
        "backdate_reason": "",
        "out_of_order_reason": "",
    }
    data.update(extra)
    return post(client, "/assignments/new", data, token_from="/assignments/new")


def test_assigning_without_an_application_asks_for_the_reason(client, login_as, place, db):
    login_as("manager", halls=[place["a"]])
    page = _assign(client, place["stall"], "3171075708900051").get_data(as_text=True)
    assert "tuliskan alasan" in page
    assert count_rows(Assignment, Assignment.stall_id == place["stall"].id) == 0
    response = _assign(
        client,
        place["stall"],
        str(place["business"].id),
        out_of_order_reason="Relokasi dari pasar lama",
    )
    assert response.status_code == 302
    stored = db.session.scalar(
        sa.select(Assignment).where(Assignment.stall_id == place["stall"].id)
    )
    assert stored.out_of_order_reason == "Relokasi dari pasar lama"
    assert stored.number == f"0001/SPL/PA1/{market_today().year}"


def test_a_taken_stall_is_refused_with_the_reason_on_the_form(
    client, login_as, place, make_business, make_assignment
):
    make_assignment(
        place["stall"], make_business(name="Kedai Penghuni"), market_today() - timedelta(days=30)
    )
    login_as("manager", halls=[place["a"]])
    page = _assign(client, place["stall"], "3171075708900051", out_of_order_reason="x").get_data(
        as_text=True
    )
    assert "sudah ditempatkan kepada Kedai Penghuni" in page
    page = _assign(client, place["stall"], "9999999", out_of_order_reason="x").get_data(
        as_text=True
    )
    assert "daftarkan dulu" in page


def test_ending_an_assignment_through_the_page(client, login_as, place, make_assignment, db):
    assignment = make_assignment(
        place["stall"], place["business"], market_today() - timedelta(days=30)
    )
    login_as("manager", halls=[place["a"]])
    response = post(
        client,
        f"/assignments/{assignment.id}/end",
        {"end_date": market_today().isoformat(), "reason": "revoked_arrears", "note": "SP3"},
        token_from=f"/assignments/{assignment.id}/end",
    )
    assert response.status_code == 302
    assert assignment.end_date == market_today()
    assert assignment.end_reason == "Dicabut karena tunggakan: SP3"
    page = client.get(f"/halls/stalls/{place['stall'].id}").get_data(as_text=True)
    assert "Dicabut karena tunggakan: SP3" in page


def test_the_assignment_letter_names_business_stall_period_and_number(
    client, login_as, place, db, make_user
):
    from hallmgr.assignments.services import assign_stall
    from hallmgr.core.days import utcnow

    manager = login_as("manager", halls=[place["a"]])
    start = market_today() + timedelta(days=1)
    end = start + timedelta(days=364)
    assignment = assign_stall(
        manager,
        place["stall"],
        place["business"],
        start_date=start,
        end_date=end,
        application=None,
        out_of_order_reason="Uji",
        backdate_reason="",
        today=market_today(),
        now=utcnow(),
        settings={
            "max_stalls_per_owner": 1,
            "backdate_days": 7,
            "expiry_days": 365,
            "max_declines": 3,
        },
    )
    db.session.commit()
    response = client.get(f"/assignments/{assignment.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with client.application.test_request_context():
        start_text, end_text = format_day(start, "long"), format_day(end, "long")
    text = pdf_text(response.data)
    assert "SURAT PENEMPATAN" in text
    assert assignment.number in text
    assert "Batik Bu Ratna" in text and "Ratna Sari" in text
    assert "A-07" in text and "Sentra Alpha" in text
    assert f"{start_text} s.d. {end_text}" in text
    assert "3171********0051" in text and "3171075708900051" not in text
    assert "Pengelola sentra" in text and "Pemilik usaha" in text


def test_another_halls_assignments_answer_404(client, login_as, place, make_assignment):
    theirs = make_assignment(place["other"], place["business"], market_today())
    login_as("manager", halls=[place["a"]])
    assert client.get(f"/assignments/{theirs.id}/letter.pdf").status_code == 404
    assert client.get(f"/assignments/{theirs.id}/end").status_code == 404
    response = post(
        client,
        f"/assignments/{theirs.id}/end",
        {"end_date": market_today().isoformat(), "reason": "moved_out"},
    )
    assert response.status_code == 404
    assert theirs.end_date is None
    assert client.get("/assignments/hall/PB1").status_code == 404
    assert client.get(f"/assignments/new?stall_id={place['other'].id}").status_code == 404
    # Hall B's stall is not among the choices: the form refuses it.
    _assign(client, place["other"], "3171075708900052", out_of_order_reason="x")
    assert count_rows(Assignment, Assignment.stall_id == place["other"].id) == 1


def test_office_reads_letters_of_every_hall_but_cannot_assign(
    client, login_as, place, make_assignment
):
    theirs = make_assignment(place["other"], place["business"], market_today())
    login_as("office")
    assert client.get(f"/assignments/{theirs.id}/letter.pdf").status_code == 200
    assert client.get("/assignments/hall/PB1").status_code == 200
    assert _assign(client, place["stall"], "1", out_of_order_reason="x").status_code == 403
