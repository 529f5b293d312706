"""The manager's stall screens, hall scope, the upload form and the map's query count."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hallmgr.core.days import market_today
from hallmgr.models import AuditEvent, Stall
from tests.conftest import count_rows, post


@pytest.fixture
def two_halls(make_hall, make_stall, make_class):
    kios = make_class(code="kiosr")
    a = make_hall(code="HA1", name="Sentra Alpha")
    b = make_hall(code="HB1", name="Sentra Beta")
    return (
        a,
        b,
        make_stall(a, code="A-01", stall_class=kios),
        make_stall(b, code="B-01", stall_class=kios),
        kios,
    )


def test_the_manager_sees_the_stall_list_map_and_stall_page(
    client, login_as, two_halls, make_business, make_assignment
):
    a, _b, stall, _other, _kios = two_halls
    make_assignment(stall, make_business(name="Kopi Pak Joko"), market_today() - timedelta(days=3))
    login_as("manager", halls=[a])
    home = client.get("/").get_data(as_text=True)
    assert "/halls/HA1/map" in home and "/businesses/" in home  # the menu
    page = client.get("/halls/HA1/stalls").get_data(as_text=True)
    assert "A-01" in page and "Kopi Pak Joko" in page
    assert "Kopi Pak Joko" not in client.get("/halls/HA1/stalls?occupancy=vacant").get_data(
        as_text=True
    )
    page = client.get("/halls/HA1/map").get_data(as_text=True)
    assert 'class="stall-cell stall-arrears"' in page  # three unpaid days
    page = client.get(f"/halls/stalls/{stall.id}").get_data(as_text=True)
    assert "Kopi Pak Joko" in page and "Rp9.000" in page
    summary = client.get("/halls/").get_data(as_text=True)
    assert "HA1" in summary and "HB1" not in summary


def test_a_manager_of_hall_a_gets_404_for_hall_b(client, login_as, two_halls):
    a, _b, _stall, other, kios = two_halls
    login_as("manager", halls=[a])
    for path in (
        "/halls/HB1/stalls",
        "/halls/HB1/map",
        "/halls/HB1/stalls/new",
        "/halls/HB1/stalls/import",
        f"/halls/stalls/{other.id}",
        f"/halls/stalls/{other.id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        post(client, f"/halls/stalls/{other.id}/status", {"status": "retired"}).status_code == 404
    )
    response = post(client, "/halls/HB1/stalls/new", {"code": "B-99", "stall_class_id": kios.id})
    assert response.status_code == 404
    assert count_rows(Stall, Stall.code == "B-99") == 0


def test_the_manager_creates_edits_and_changes_the_status_of_a_stall(
    client, login_as, two_halls, db
):
    a, _b, stall, _other, kios = two_halls
    login_as("manager", halls=[a])
    response = post(
        client,
        "/halls/HA1/stalls/new",
        {"code": "a-02", "block": "A", "stall_class_id": kios.id, "area": "4,5"},
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Stall).where(Stall.hall_id == a.id, Stall.code == "A-02"))
    assert created.area_dm2 == 450
    response = post(
        client, "/halls/HA1/stalls/new", {"code": "A-02", "stall_class_id": kios.id, "area": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "meter persegi" in page
    response = post(
        client,
        f"/halls/stalls/{stall.id}/edit",
        {"code": "A-02", "block": "A", "stall_class_id": kios.id, "area": ""},
    )
    assert "sudah memiliki lapak A-02" in response.get_data(as_text=True)
    response = post(client, f"/halls/stalls/{stall.id}/status", {"status": "maintenance"})
    assert response.status_code == 302
    assert db.session.get(Stall, stall.id).status == "maintenance"
    assert count_rows(AuditEvent, AuditEvent.action == "stall_status_changed") == 1


def test_office_reads_every_hall_but_changes_nothing(client, login_as, two_halls):
    _a, _b, stall, other, kios = two_halls
    login_as("office")
    assert client.get("/halls/HB1/map").status_code == 200
    assert client.get(f"/halls/stalls/{other.id}").status_code == 200
    page = client.get("/halls/HA1/stalls").get_data(as_text=True)
    assert "/halls/HA1/stalls/new" not in page
    assert (
        post(client, f"/halls/stalls/{stall.id}/status", {"status": "retired"}).status_code == 403
    )


def test_collectors_do_not_reach_the_registry(client, login_as, two_halls):
    a, *_rest = two_halls
    login_as("collector", halls=[a])
    assert client.get("/halls/HA1/stalls").status_code == 403


def test_the_upload_form_reports_the_bad_row_and_imports_nothing(client, login_as, two_halls, db):
    a, _b, _stall, _other, _kios = two_halls
    login_as("manager", halls=[a])
    csv = "code,block,class,area_m2\nA-10,A,kiosr,9\nA-11,A,kiosr,abc\nA-12,A,kiosr,9\n"
    response = post(
        client,
        "/halls/HA1/stalls/import",
        {"file": (io.BytesIO(csv.encode()), "lapak.csv")},
        token_from="/halls/HA1/stalls/import",
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<td class="num">3</td>' in page and "abc" in page
    assert count_rows(Stall, Stall.code.in_(["A-10", "A-12"])) == 0
    good = "code,block,class,area_m2\nA-10,A,kiosr,9\nA-12,A,kiosr,9\n"
    response = post(
        client,
        "/halls/HA1/stalls/import",
        {"file": (io.BytesIO(good.encode()), "lapak.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count_rows(Stall, Stall.hall_id == a.id) == 3


def _count_queries(db, call) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    bind = db.session.get_bind()
    event.listen(bind, "before_cursor_execute", listener)
    try:
        response = call()
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response


def _fill_hall(db, hall, stall_class, n, businesses, make_user):
    from hallmgr.models import Assignment

    manager = make_user("manager")
    stalls = [
        Stall(
            hall_id=hall.id,
            code=f"{'ABCD'[i % 4]}-{i:03d}",
            block="ABCD"[i % 4],
            stall_class_id=stall_class.id,
            status="maintenance" if i % 17 == 0 else "available",
        )
        for i in range(n)
    ]
    db.session.add_all(stalls)
    db.session.flush()
    start = market_today() - timedelta(days=5)
    db.session.add_all(
        Assignment(stall_id=s.id, business_id=b.id, start_date=start, decided_by_id=manager.id)
        for s, b in zip(stalls[::2], businesses, strict=False)
    )
    db.session.flush()


def test_the_map_of_a_400_stall_hall_takes_as_many_queries_as_one_of_10(
    client, db, login_as, make_hall, make_class, make_business, make_user
):
    small, big = make_hall(code="SM1"), make_hall(code="BG1")
    los = make_class(code="losq")
    businesses = [make_business() for _ in range(205)]
    _fill_hall(db, small, los, 10, businesses[:5], make_user)
    _fill_hall(db, big, los, 400, businesses[5:], make_user)
    login_as("manager", halls=[small, big])
    client.get("/halls/SM1/map")  # warm-up: the first request after sign-in loads more
    n_small, small_page = _count_queries(db, lambda: client.get("/halls/SM1/map"))
    n_big, big_page = _count_queries(db, lambda: client.get("/halls/BG1/map"))
    assert small_page.get_data(as_text=True).count('data-state="') == 10
    big_html = big_page.get_data(as_text=True)
    assert big_html.count('data-state="') == 400
    assert big_html.count('data-state="arrears"') == 200 - len(
        [i for i in range(0, 400, 2) if i % 17 == 0]
    )
    assert n_big == n_small
    n_list_small, _ = _count_queries(db, lambda: client.get("/halls/SM1/stalls"))
    n_list_big, _ = _count_queries(db, lambda: client.get("/halls/BG1/stalls"))
    assert n_list_big == n_list_small
