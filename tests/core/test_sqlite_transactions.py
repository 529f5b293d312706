"""How SQLite transactions begin: a writing request takes the write lock at its start, so
concurrent payments queue for it instead of failing; a page reads one snapshot without
it, so a long read never holds up a payment; and a page may not write.

Runs on a fresh SQLite file of its own (the shared test connection begins outside any
request, so how a request's transaction begins is only seen on real connections).
"""

import os
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from hallmgr.api.services import create_token
from hallmgr.auth.policy import public
from hallmgr.core.database import ReadRequestWriteError
from hallmgr.core.days import market_today, utcnow
from hallmgr.extensions import db
from hallmgr.halls.services import load_regions
from hallmgr.models import (
    Assignment,
    Business,
    Hall,
    Payment,
    Stall,
    StallClass,
    Tariff,
    User,
)
from tests.conftest import make_test_app

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="how SQLite transactions begin"
)


@pytest.fixture
def sqlite_app(tmp_path):
    path = tmp_path / "modes.sqlite3"
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        load_regions()
        hall = Hall(code="TX01", name="Sentra TX01", region_code="31.71", address="", open_days=127)
        cls = StallClass(code="kios", name="Kios")
        db.session.add_all([hall, cls])
        db.session.flush()
        db.session.add(
            Tariff(
                stall_class_id=cls.id,
                effective_from=date(2020, 1, 1),
                daily_rate=3000,
                regulation="uji",
            )
        )
        collector = User(
            username="c1", full_name="Petugas 1", role="collector", password_hash="x", halls=[hall]
        )
        stall = Stall(hall_id=hall.id, code="A-01", block="A", stall_class_id=cls.id)
        business = Business(name="Usaha 1", owner_name="Pemilik", nik="3171071708900001")
        db.session.add_all([collector, stall, business])
        db.session.flush()
        db.session.add(
            Assignment(
                stall_id=stall.id,
                business_id=business.id,
                start_date=market_today() - timedelta(days=10),
                decided_by_id=collector.id,
            )
        )
        token = create_token(collector, "test", utcnow())[1]
        db.session.commit()
        db.session.remove()
    app.config["TOKEN"] = token
    app.config["DB_PATH"] = str(path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _statements(app):
    seen = []
    with app.app_context():
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda _c, _k, statement, *_a: seen.append(statement),
        )
    return seen


def _pay(client, app, day):
    return client.post(
        "/api/v1/payments",
        json={"hall": "TX01", "stall": "A-01", "dates": [day.isoformat()], "method": "cash"},
        headers={
            "Authorization": f"Bearer {app.config['TOKEN']}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )


def _receipts(app) -> list[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Payment.seq, Payment.amount).order_by(Payment.seq))
        out = [tuple(row) for row in rows]
        db.session.remove()
    return out


def test_a_payment_takes_the_write_lock_before_its_first_read(sqlite_app):
    seen = _statements(sqlite_app)
    response = _pay(sqlite_app.test_client(), sqlite_app, market_today())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert seen[0] == "BEGIN IMMEDIATE"
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert _receipts(sqlite_app) == [(1, 3000)]


def test_concurrent_payments_queue_for_the_lock_and_none_fails(sqlite_app):
    # Each thread its own client and pooled connection; every payment reads, then writes.
    days = [market_today() - timedelta(days=n) for n in range(10)]
    barrier = threading.Barrier(len(days))

    def pay(day):
        barrier.wait(20)
        response = _pay(sqlite_app.test_client(), sqlite_app, day)
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(len(days)) as pool:
        answers = list(pool.map(pay, days))
    assert [status for status, _ in answers] == [201] * len(days), answers
    assert _receipts(sqlite_app) == [(seq, 3000) for seq in range(1, len(days) + 1)]


def test_a_writer_is_not_held_up_by_a_long_page_which_reads_one_snapshot(sqlite_app):
    reading, release = threading.Event(), threading.Event()

    def long_page():
        before = db.session.scalar(sa.select(sa.func.count(Payment.id)))
        reading.set()
        release.wait(20)
        after = db.session.scalar(sa.select(sa.func.count(Payment.id)))
        return f"{before} {after}"

    sqlite_app.add_url_rule("/_t/long", "t_long", public(long_page))
    client = sqlite_app.test_client()
    with ThreadPoolExecutor(2) as pool:
        page = pool.submit(client.get, "/_t/long")
        try:
            assert reading.wait(20)
            # The page is inside its read: the write lock is free at once (no waiting)...
            other = sqlite3.connect(sqlite_app.config["DB_PATH"], timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
            # ...and a payment goes through meanwhile.
            payment = pool.submit(_pay, client, sqlite_app, market_today())
            assert payment.result(20).status_code == 201
        finally:
            release.set()
        response = page.result(20)
    # The page saw one snapshot: not the payment committed halfway through it.
    assert (response.status_code, response.get_data(as_text=True)) == (200, "0 0")
    assert _receipts(sqlite_app) == [(1, 3000)]


def test_a_page_reads_while_a_writer_holds_the_lock(sqlite_app):
    client = sqlite_app.test_client()
    assert _pay(client, sqlite_app, market_today()).status_code == 201
    seen = _statements(sqlite_app)
    held, release = threading.Event(), threading.Event()
    released = []

    def writer():
        with sa.create_engine(f"sqlite:///{sqlite_app.config['DB_PATH']}").connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            held.set()
            release.wait(20)
            released.append(True)
            conn.exec_driver_sql("ROLLBACK")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(20)
        response = client.get(
            "/api/v1/halls/TX01/stalls",
            headers={"Authorization": f"Bearer {sqlite_app.config['TOKEN']}"},
        )
        # Answered while the other connection still held the write lock.
        assert not released
    finally:
        release.set()
        thread.join()
    assert response.status_code == 200
    assert response.json[0]["day_state"] == "paid_today"  # ten days before still owed
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN"]


def test_a_write_during_a_read_request_is_refused(sqlite_app):
    with sqlite_app.test_request_context("/", method="GET"):
        assert db.session.scalar(sa.select(Hall.name)) == "Sentra TX01"
        with pytest.raises(ReadRequestWriteError):
            db.session.execute(sa.update(Hall).values(name="Sentra"))
        db.session.rollback()
        db.session.remove()
    with sqlite_app.app_context():
        assert db.session.scalar(sa.select(Hall.name)) == "Sentra TX01"
        db.session.remove()


def test_writing_requests_and_work_outside_requests_begin_immediate(sqlite_app):
    seen = _statements(sqlite_app)
    with sqlite_app.test_request_context("/", method="POST"):
        db.session.execute(sa.update(Hall).values(name="Sentra Baru"))
        db.session.commit()
        db.session.remove()
    with sqlite_app.app_context():
        db.session.execute(sa.update(Hall).values(name="Sentra Lama"))
        db.session.commit()
        db.session.remove()
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]
