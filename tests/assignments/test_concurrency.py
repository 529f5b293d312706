"""Two managers assign the same stall at the same moment: exactly one wins.

Threads with their own connections commit for real, so this runs on a database of its own:
a temp SQLite file, or (with TEST_DATABASE_URL) a PostgreSQL database `<name>_conc`.
"""

import os
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.extensions import db
from hallmgr.models import Assignment, Business, Hall, Stall, StallClass, Tariff, User
from tests.conftest import make_test_app

SETTINGS = {"max_stalls_per_owner": 1, "backdate_days": 7, "expiry_days": 365, "max_declines": 3}


@pytest.fixture
def own_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'conc.sqlite3'}"
        return
    import psycopg

    parsed = make_url(url)
    name = f"{parsed.database}_conc"
    admin_dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup(app) -> dict:
    from hallmgr.halls.services import load_regions

    with app.app_context():
        upgrade()
        load_regions()
        hall = Hall(
            code="CC1",
            name="Sentra Balapan",
            region_code="31.71",
            address="",
            open_days=127,
            status="active",
        )
        kios = StallClass(code="kios", name="Kios")
        db.session.add_all([hall, kios])
        db.session.flush()
        db.session.add(
            Tariff(
                stall_class_id=kios.id,
                effective_from=date(2020, 1, 1),
                daily_rate=3000,
                regulation="uji",
            )
        )
        stall, stall_2 = (
            Stall(hall_id=hall.id, code=code, block="A", stall_class_id=kios.id, status="available")
            for code in ("A-01", "A-02")
        )
        first = Business(
            name="Warung Satu", owner_name="Ani", nik="3171075708900061", status="active"
        )
        second = Business(
            name="Warung Dua", owner_name="Budi", nik="3171071708900062", status="active"
        )
        managers = [
            User(
                username=f"m{i}",
                full_name=f"Manager {i}",
                password_hash="x",
                role="manager",
                halls=[hall],
            )
            for i in (1, 2)
        ]
        db.session.add_all([stall, stall_2, first, second, *managers])
        db.session.commit()
        ids = {
            "stall": stall.id,
            "stalls": [stall.id, stall_2.id],
            "businesses": [first.id, second.id],
            "managers": [m.id for m in managers],
        }
        db.session.remove()
    return ids


def _race(app, ids, periods, stall_ids, business_ids) -> list:
    """Two threads call assign_stall at the same moment; returns [(outcome, text)] per thread."""
    from hallmgr.assignments.services import assign_stall

    today = market_today()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def worker(k: int) -> None:
        with app.app_context():
            try:
                manager = db.session.get(User, ids["managers"][k])
                stall = db.session.get(Stall, stall_ids[k])
                business = db.session.get(Business, business_ids[k])
                db.session.commit()  # start the race from a clean transaction
                barrier.wait(timeout=10)
                assignment = assign_stall(
                    manager,
                    stall,
                    business,
                    start_date=periods[k][0],
                    end_date=periods[k][1],
                    application=None,
                    out_of_order_reason="Uji bersamaan",
                    backdate_reason="",
                    today=today,
                    now=utcnow(),
                    settings=SETTINGS,
                )
                db.session.commit()
                results[k] = ("ok", assignment.number)
            except DomainError as error:
                db.session.rollback()
                results[k] = ("refused", error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_managers_assigning_one_stall_at_once_one_wins(own_database):
    app = make_test_app(own_database)
    ids = _setup(app)
    today = market_today()
    periods = [(today, today + timedelta(days=30)), (today + timedelta(days=10), None)]
    results = _race(app, ids, periods, [ids["stall"]] * 2, ids["businesses"])
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"], results
    refusal = next(r[1] for r in results if r[0] == "refused")
    assert "A-01" in refusal and "sudah ditempatkan" in refusal
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Assignment).where(Assignment.stall_id == ids["stall"])
        ).all()
        assert len(rows) == 1
        assert rows[0].number == f"0001/SPL/CC1/{today.year}"
        db.session.remove()
        db.engine.dispose()


def test_one_owner_given_two_stalls_at_once_gets_one(own_database):
    app = make_test_app(own_database)
    ids = _setup(app)
    today = market_today()
    periods = [(today, None), (today, None)]
    results = _race(app, ids, periods, ids["stalls"], [ids["businesses"][0]] * 2)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    refusal = next(r[1] for r in results if r[0] == "refused")
    assert "3171********0061" in refusal
    with app.app_context():
        held = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Assignment)
            .where(Assignment.business_id == ids["businesses"][0])
        )
        assert held == 1
        db.session.remove()
        db.engine.dispose()
