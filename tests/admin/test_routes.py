"""Admin screens: only admins, and what they change is saved and audited."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hallmgr.core.days import market_today
from hallmgr.models import AuditEvent, Closure, Hall, StallClass, Tariff, User
from tests.conftest import PASSWORD, count_rows, post

ADMIN_PAGES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/halls"),
    ("GET", "/admin/halls/new"),
    ("POST", "/admin/halls/new"),
    ("GET", "/admin/classes"),
    ("POST", "/admin/classes/new"),
    ("GET", "/admin/closures"),
    ("POST", "/admin/closures"),
    ("POST", "/admin/closures/holidays"),
]


@pytest.mark.parametrize("role", ["office", "manager", "collector"])
def test_admin_screens_are_refused_to_other_roles(client, login_as, make_hall, role):
    hall = make_hall()
    login_as(role, halls=[hall] if role in ("manager", "collector") else [])
    for method, path in ADMIN_PAGES:
        if method == "GET":
            response = client.get(path)
        else:
            response = post(client, path, {"year": "2026"})
        assert response.status_code == 403, (method, path)


def test_admin_sees_every_admin_screen(client, login_as):
    login_as("admin")
    for method, path in ADMIN_PAGES:
        if method == "GET":
            assert client.get(path).status_code == 200, path


def test_admin_creates_a_hall_and_the_audit_log_has_it(client, login_as, db):
    admin = login_as("admin")
    response = post(
        client,
        "/admin/halls/new",
        {
            "code": "jp09",
            "name": "Sentra UMKM Menteng",
            "region_code": "31.71",
            "kecamatan_code": "31.71.06",
            "address": "Jl. Menteng Raya 1",
            "open_days": ["0", "1", "2", "3", "4", "5"],
            "status": "active",
        },
    )
    assert response.status_code == 302
    hall = db.session.scalar(sa.select(Hall).where(Hall.code == "JP09"))
    assert hall.name == "Sentra UMKM Menteng"
    assert hall.open_days_on(market_today()) == 0b0111111  # closed on Sundays
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "hall_created", AuditEvent.object_id == str(hall.id)
        )
    )
    assert event.actor_id == admin.id
    assert event.before is None
    assert event.after["code"] == "JP09"


def test_a_change_of_open_days_applies_from_tomorrow_at_the_earliest(
    client, login_as, db, make_hall
):
    login_as("admin")
    hall = make_hall(code="JP11")
    today = market_today()
    form = {
        "code": "JP11",
        "name": hall.name,
        "region_code": "31.71",
        "kecamatan_code": "31.71.07",
        "address": "Jl. Uji No. 1",
        "open_days": ["0", "1", "2", "3", "4"],  # no longer on weekends
        "status": "active",
    }
    response = post(
        client, f"/admin/halls/{hall.id}", {**form, "open_days_from": today.isoformat()}
    )
    assert response.status_code == 200
    assert "paling cepat berlaku besok" in response.get_data(as_text=True)
    assert len(hall.schedules) == 1
    later = today + timedelta(days=3)
    response = post(
        client, f"/admin/halls/{hall.id}", {**form, "open_days_from": later.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire(hall)
    assert hall.open_days_on(today) == 0b1111111
    assert hall.open_days_on(later) == 0b0011111


def test_a_kecamatan_outside_the_region_is_refused(client, login_as, db):
    login_as("admin")
    response = post(
        client,
        "/admin/halls/new",
        {
            "code": "JP10",
            "name": "X",
            "region_code": "31.71",
            "kecamatan_code": "31.74.01",  # Tebet, Jakarta Selatan
            "open_days": ["0"],
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "Kecamatan ini tidak berada di wilayah yang dipilih" in response.get_data(as_text=True)
    assert count_rows(Hall, Hall.code == "JP10") == 0


def test_admin_creates_a_collector_with_a_hall(client, login_as, make_hall, db):
    login_as("admin")
    hall = make_hall()
    response = post(
        client,
        "/admin/users/new",
        {
            "username": "Budi.K",
            "full_name": "Budi K",
            "role": "collector",
            "halls": [str(hall.id)],
            "password": "pasar-pagi-2026",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "budi.k"))
    assert user.role == "collector" and user.hall_ids == {hall.id}


def test_a_weak_password_is_refused_with_the_reasons(client, login_as, make_hall, db):
    login_as("admin")
    hall = make_hall()
    response = post(
        client,
        "/admin/users/new",
        {
            "username": "rina",
            "full_name": "Rina",
            "role": "collector",
            "halls": [str(hall.id)],
            "password": "rina123",
        },
    )
    page = response.get_data(as_text=True)
    assert "paling sedikit 10 karakter" in page
    assert "tidak boleh memuat nama pengguna" in page
    assert count_rows(User, User.username == "rina") == 0


def test_a_collector_without_a_hall_is_refused(client, login_as, db):
    login_as("admin")
    response = post(
        client,
        "/admin/users/new",
        {
            "username": "tanpa",
            "full_name": "Tanpa Pasar",
            "role": "collector",
            "password": "pasar-pagi-2026",
        },
    )
    assert response.status_code == 200
    assert count_rows(User, User.username == "tanpa") == 0


def test_a_tariff_in_force_cannot_be_edited_but_a_future_one_can(client, login_as, make_class, db):
    login_as("admin")
    sc = make_class(rate=3000, since=date(2020, 1, 1))
    past = db.session.scalar(sa.select(Tariff).where(Tariff.stall_class_id == sc.id))
    response = post(client, f"/admin/tariffs/{past.id}", {"daily_rate": "9000", "regulation": "X"})
    assert response.status_code == 200
    db.session.refresh(past)
    assert past.daily_rate == 3000

    response = post(
        client,
        f"/admin/classes/{sc.id}/tariffs/new",
        {"effective_from": "2099-01-01", "daily_rate": "4000", "regulation": "Pergub 99/2098"},
    )
    assert response.status_code == 302
    future = db.session.scalar(
        sa.select(Tariff).where(
            Tariff.stall_class_id == sc.id, Tariff.effective_from == date(2099, 1, 1)
        )
    )
    response = post(
        client,
        f"/admin/tariffs/{future.id}",
        {"daily_rate": "4500", "regulation": "Pergub 99/2098"},
    )
    assert response.status_code == 302
    db.session.refresh(future)
    assert future.daily_rate == 4500


def test_a_tariff_amount_must_be_whole_rupiah(client, login_as, make_class, db):
    login_as("admin")
    sc = make_class()
    response = post(
        client,
        f"/admin/classes/{sc.id}/tariffs/new",
        {"effective_from": "2099-01-01", "daily_rate": "3500.50", "regulation": "Pergub"},
    )
    assert response.status_code == 200
    assert count_rows(Tariff, Tariff.stall_class_id == sc.id) == 1


def test_import_holidays_adds_national_holidays_in_indonesian_once(client, login_as, db):
    login_as("admin")
    assert post(client, "/admin/closures/holidays", {"year": "2026"}).status_code == 302
    names = dict(
        db.session.execute(
            sa.select(Closure.start_date, Closure.reason).where(Closure.hall_id.is_(None))
        ).all()
    )
    assert names[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert "Cuti Bersama" in names[date(2026, 12, 24)]
    before = count_rows(Closure)
    post(client, "/admin/closures/holidays", {"year": "2026"})
    assert count_rows(Closure) == before


def test_admin_adds_a_hall_closure(client, login_as, make_hall, db):
    login_as("admin")
    hall = make_hall()
    response = post(
        client,
        "/admin/closures",
        {
            "hall_id": str(hall.id),
            "start_date": "2026-12-01",
            "end_date": "2026-12-03",
            "kind": "renovation",
            "reason": "Atap bocor",
        },
    )
    assert response.status_code == 302
    closure = db.session.scalar(sa.select(Closure).where(Closure.hall_id == hall.id))
    assert (closure.start_date, closure.end_date, closure.reason) == (
        date(2026, 12, 1),
        date(2026, 12, 3),
        "Atap bocor",
    )


def test_a_closure_ending_before_it_starts_is_refused(client, login_as, make_hall, db):
    login_as("admin")
    hall = make_hall()
    response = post(
        client,
        "/admin/closures",
        {
            "hall_id": str(hall.id),
            "start_date": "2026-12-03",
            "end_date": "2026-12-01",
            "kind": "other",
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert count_rows(Closure, Closure.hall_id == hall.id) == 0


def test_stall_class_codes_are_unique(client, login_as, make_class, db):
    login_as("admin")
    make_class(code="kios")
    post(client, "/admin/classes/new", {"code": "kios", "name": "Kios lagi"})
    assert count_rows(StallClass, StallClass.code == "kios") == 1


def test_deactivating_a_user_ends_their_session(app, client, login_as, make_user, db):
    from tests.conftest import login

    login_as("admin")
    victim = make_user("collector", username="kolektor.x")
    db.session.commit()
    other = app.test_client()
    assert login(other, "kolektor.x", PASSWORD).status_code == 302
    assert other.get("/").status_code == 200
    assert post(client, f"/admin/users/{victim.id}/active/0").status_code == 302
    response = other.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_user_list_shows_each_users_halls_in_a_fixed_number_of_statements(
    client, login_as, make_hall, make_user, db
):
    """Users' halls are loaded for the whole list at once, not user by user."""
    halls = [make_hall(code=f"UL{i:02d}") for i in range(3)]
    make_user("collector", [halls[0]], username="ul.first")
    login_as("admin")

    def statements():
        seen = []

        def count(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                seen.append(statement)

        bind = db.session.get_bind()
        sa.event.listen(bind, "before_cursor_execute", count)
        try:
            page = client.get("/admin/users")
        finally:
            sa.event.remove(bind, "before_cursor_execute", count)
        assert page.status_code == 200
        return len(seen), page.get_data(as_text=True)

    few, page = statements()
    assert "UL00" in page
    for i in range(10):
        make_user("manager", halls[1:], username=f"ul.more{i}")
    db.session.commit()
    many, page = statements()
    assert "UL01, UL02" in page and page.count("ul.more") == 10
    assert many == few


@pytest.mark.parametrize("days_back", [1, 0], ids=["yesterday", "today"])
def test_a_back_dated_or_same_day_rate_is_refused_on_its_field(
    client,
    login_as,
    make_hall,
    make_class,
    make_stall,
    make_business,
    make_assignment,
    db,
    days_back,
):
    login_as("admin")
    sc = make_class(rate=3000, since=date(2020, 1, 1))
    make_assignment(make_stall(make_hall(), stall_class=sc), make_business(), date(2020, 1, 1))
    db.session.commit()
    since = market_today() - timedelta(days=days_back)
    response = post(
        client,
        f"/admin/classes/{sc.id}/tariffs/new",
        {"effective_from": since.isoformat(), "daily_rate": "5000", "regulation": "Pergub 2"},
    )
    assert response.status_code == 200
    # The message stands under the date field, which is marked invalid.
    assert re.search(
        r'<input class="form-control is-invalid" id="effective_from"[^>]*>\s*'
        r'<div class="invalid-feedback d-block">Tarif baru paling cepat berlaku mulai besok',
        response.get_data(as_text=True),
    )
    rows = db.session.execute(
        sa.select(Tariff.effective_from, Tariff.daily_rate).where(Tariff.stall_class_id == sc.id)
    ).all()
    assert rows == [(date(2020, 1, 1), 3000)]
    assert count_rows(AuditEvent, AuditEvent.action == "tariff_created") == 0
