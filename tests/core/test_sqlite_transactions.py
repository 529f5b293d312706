"""How SQLite transactions begin: pages read without the write lock, a payment takes it
only for its write, and a write never happens in a transaction that lacks it.

Runs on a fresh SQLite file of its own (the shared test connection begins outside any
request, so the modes are only seen on real connections).
"""

import os
import threading
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from hallmgr.api.services import create_token
from hallmgr.core.database import ReadTransactionWriteError, begin_write
from hallmgr.core.days import market_today, utcnow
from hallmgr.extensions import db
from hallmgr.halls.services import load_regions
from hallmgr.models import Assignment, Business, Hall, Stall, StallClass, Tariff, User
from tests.conftest import make_test_app

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's transaction modes"
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


@pytest.mark.perf  # pins the late BEGIN and a payment's statement count
def test_a_payment_reads_its_caller_and_stall_before_it_takes_the_write_lock(sqlite_app):
    client = sqlite_app.test_client()
    today = market_today()
    assert _pay(client, sqlite_app, today - timedelta(days=2)).status_code == 201
    seen = _statements(sqlite_app)
    response = _pay(client, sqlite_app, today - timedelta(days=1))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["business"]["name"] == "Usaha 1"
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"]
    first_write = next(
        i for i, s in enumerate(seen) if s.lstrip().upper().startswith(("INSERT", "UPDATE"))
    )
    assert seen.index("BEGIN IMMEDIATE") < first_write
    assert seen.index("BEGIN IMMEDIATE") == 2  # after the token and the hall-and-stall reads
    # The counter lock, the days, the number, the receipt, its days, the audit record.
    assert len(seen) == 9


def test_a_page_reads_in_a_deferred_transaction_while_a_writer_holds_the_lock(sqlite_app):
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


def test_a_write_in_a_read_transaction_is_refused(sqlite_app):
    with sqlite_app.test_request_context("/", method="GET"):
        db.session.scalar(sa.select(Hall.id))
        with pytest.raises(ReadTransactionWriteError):
            begin_write()
        with pytest.raises(ReadTransactionWriteError):
            db.session.execute(sa.update(Hall).values(name="Sentra"))
        db.session.rollback()
        db.session.remove()


@pytest.mark.perf  # pins the read without BEGIN and its statement count
def test_the_receipt_pdf_reads_without_a_transaction_and_still_may_not_write(sqlite_app):
    client = sqlite_app.test_client()
    number = _pay(client, sqlite_app, market_today()).json["receipt_number"]
    seen = _statements(sqlite_app)
    response = client.get(
        f"/api/v1/receipts/{number}/pdf?size=80mm",
        headers={"Authorization": f"Bearer {sqlite_app.config['TOKEN']}"},
    )
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(seen) == 2  # the token and the receipt's facts, no BEGIN
    with sqlite_app.test_request_context(f"/api/v1/receipts/{number}/pdf", method="GET"):
        db.session.scalar(sa.select(Hall.id))
        with pytest.raises(ReadTransactionWriteError):
            db.session.execute(sa.update(Hall).values(name="Sentra"))
        db.session.rollback()
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


@pytest.mark.perf  # pins the writers' file-lock queue
def test_writers_queue_on_the_file_lock_only_while_they_write(sqlite_app):
    import fcntl

    def lock_is_free() -> bool:
        fd = os.open(f"{sqlite_app.config['DB_PATH']}.writelock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    with sqlite_app.app_context():
        db.session.execute(sa.update(Hall).values(name="Sentra Baru"))
        assert not lock_is_free()
        db.session.commit()
        assert lock_is_free()
        db.session.remove()
    with sqlite_app.test_request_context("/", method="GET"):
        db.session.scalar(sa.select(Hall.id))
        assert lock_is_free()
        db.session.remove()
