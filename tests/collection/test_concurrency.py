"""Collectors racing for the same days: each day paid once, receipt numbers gapless.

Threads need their own connections that really commit, so this test runs on its own
database: a fresh SQLite file, or `<TEST_DATABASE_URL's database>_conc` on PostgreSQL.
"""

import os
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from hallmgr.collection import services
from hallmgr.collection.services import DayAlreadyPaidError
from hallmgr.extensions import db
from hallmgr.halls.services import load_regions
from hallmgr.models import (
    Assignment,
    Business,
    Hall,
    Payment,
    PaymentDay,
    Stall,
    StallClass,
    Tariff,
    User,
)
from tests.conftest import make_test_app

TODAY = date(2026, 8, 17)
NOW = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)
THREADS = 20
STALLS = 5


def _pg_admin(url):
    import psycopg

    return psycopg.connect(
        host=url.host or "localhost",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def race_app(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    pg_url = None
    if base:
        pg_url = sa.engine.make_url(base)
        name = f"{pg_url.database}_conc"
        with _pg_admin(pg_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = pg_url.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path}/race.sqlite3"
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        load_regions()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if pg_url is not None:
        with _pg_admin(pg_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(app):
    with app.app_context():
        halls = [
            Hall(code=code, name=f"Sentra {code}", region_code="31.71", address="", open_days=127)
            for code in ("RA01", "RB02")
        ]
        db.session.add_all(halls)
        sc = StallClass(code="kios", name="Kios")
        db.session.add(sc)
        db.session.flush()
        db.session.add(
            Tariff(
                stall_class_id=sc.id,
                effective_from=date(2020, 1, 1),
                daily_rate=3000,
                regulation="uji",
            )
        )
        boss = User(
            username="boss", full_name="Boss", role="manager", password_hash="x", halls=halls
        )
        collectors = [
            User(
                username=f"c{n}",
                full_name=f"Petugas {n}",
                role="collector",
                password_hash="x",
                halls=halls,
            )
            for n in range(4)
        ]
        db.session.add_all([boss, *collectors])
        stalls = []
        for n in range(STALLS):
            hall = halls[0] if n < 3 else halls[1]
            stall = Stall(hall_id=hall.id, code=f"A-{n:02d}", block="A", stall_class_id=sc.id)
            business = Business(
                name=f"Usaha {n}", owner_name="Pemilik", nik=f"317107170890{n + 1:04d}"
            )
            db.session.add_all([stall, business])
            db.session.flush()
            db.session.add(
                Assignment(
                    stall_id=stall.id,
                    business_id=business.id,
                    start_date=TODAY - timedelta(days=10),
                    decided_by_id=boss.id,
                )
            )
            stalls.append(stall.id)
        db.session.commit()
        ids = stalls, [c.id for c in collectors]
        db.session.remove()
        return ids


def test_twenty_collectors_racing_pay_each_day_once_with_gapless_numbers(race_app):
    stall_ids, collector_ids = _seed(race_app)
    barrier = threading.Barrier(THREADS)
    results: dict[int, tuple[str, str]] = {}

    def worker(i: int) -> None:
        # Four overlapping 4-day windows per stall: neighbours share two days.
        first = TODAY - timedelta(days=10) + timedelta(days=2 * (i // STALLS))
        days = [first + timedelta(days=n) for n in range(4)]
        with race_app.app_context():
            try:
                barrier.wait(timeout=30)
                collector = db.session.get(User, collector_ids[i % len(collector_ids)])
                stall = db.session.get(Stall, stall_ids[i % STALLS])
                payment, _ = services.record_payment(
                    collector,
                    stall,
                    days,
                    "cash",
                    today=TODAY,
                    now=NOW,
                    advance_days=31,
                    idempotency_key=f"race-{i}",
                )
                number = payment.receipt_number
                db.session.commit()
                results[i] = ("ok", number)
            except DayAlreadyPaidError as error:
                db.session.rollback()
                results[i] = ("refused", error.message)
            except Exception as error:  # noqa: BLE001  (any other outcome fails the test)
                db.session.rollback()
                results[i] = ("error", repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert len(results) == THREADS
    errors = [r for r in results.values() if r[0] == "error"]
    assert errors == []
    ok = [number for kind, number in results.values() if kind == "ok"]
    refused = [message for kind, message in results.values() if kind == "refused"]
    # Each stall's four windows form a chain: at most two of them fit without overlap.
    assert len(ok) <= 2 * STALLS and len(refused) >= 2 * STALLS

    with race_app.app_context():
        doubles = db.session.execute(
            sa.select(PaymentDay.stall_id, PaymentDay.day)
            .where(PaymentDay.covers.is_(True))
            .group_by(PaymentDay.stall_id, PaymentDay.day)
            .having(sa.func.count() > 1)
        ).all()
        assert doubles == []
        payments = db.session.execute(
            sa.select(Payment.receipt_number, Hall.code, Payment.seq, Payment.amount).join(
                Hall, Hall.id == Payment.hall_id
            )
        ).all()
        assert sorted(p.receipt_number for p in payments) == sorted(ok)
        for code in ("RA01", "RB02"):
            seqs = sorted(p.seq for p in payments if p.code == code)
            assert seqs == list(range(1, len(seqs) + 1)), code
        assert all(p.amount == 12000 for p in payments)
        numbers = {p.receipt_number for p in payments}
        for message in refused:
            named = re.search(r"karcis (\S+)\.$", message)
            assert named and named.group(1) in numbers, message
        db.session.remove()
