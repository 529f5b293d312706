"""`flask backup` and `flask restore` round trip, on a database of the test's own.

SQLite always (a temp file); PostgreSQL when TEST_DATABASE_URL is set, in a separate
database `<test db>_backup` that the test creates and drops.
"""

import os
import warnings
from datetime import UTC, date, datetime

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from hallmgr.extensions import db as _db
from tests.conftest import make_test_app, nik_for

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


class SqliteDatabase:
    def __init__(self, tmp_path):
        self.path = tmp_path / "live.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def create(self):
        pass

    def drop(self):
        for suffix in ("", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)


class PostgresDatabase:
    def __init__(self, base_url: str):
        base = make_url(base_url)
        self.name = f"{base.database}_backup"
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        self.admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def _execute(self, sql):
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create(self):
        self.drop()
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path)
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            pytest.skip("PostgreSQL round trip runs when TEST_DATABASE_URL names a PostgreSQL")
        database = PostgresDatabase(url)
    database.create()
    yield database
    database.drop()


def populate():
    """A little of everything: regions, halls, users, a tariff, a payment with days, audit."""
    from hallmgr.auth.services import create_user
    from hallmgr.collection.services import record_payment
    from hallmgr.halls.services import add_tariff, load_regions, save_hall, save_stall_class
    from hallmgr.models import Assignment, Business, Stall

    load_regions()
    admin = create_user(
        None,
        username="admin1",
        full_name="Admin Satu",
        role="admin",
        password="pasar-baru-pagi-1",
        hall_ids=[],
        now=NOW,
    )
    hall = save_hall(
        admin,
        None,
        {
            "code": "JP01",
            "name": "Sentra Tanah Abang",
            "region_code": "31.71",
            "kecamatan_code": "31.71.07",
            "address": "Jl. Uji No. 1",
            "open_days": 0b1111111,
            "status": "active",
        },
        NOW,
        today=NOW.date(),
    )
    kios = save_stall_class(admin, None, "kios", "Kios", NOW)
    add_tariff(admin, kios, date(2026, 1, 1), 3000, "Pergub 1/2026", NOW)
    collector = create_user(
        admin,
        username="petugas1",
        full_name="Petugas Satu",
        role="collector",
        password="pasar-baru-pagi-2",
        hall_ids=[hall.id],
        now=NOW,
    )
    stall = Stall(hall_id=hall.id, code="A-01", block="A", stall_class_id=kios.id)
    stall.status = "available"
    business = Business(
        name="Warung Bu Siti",
        owner_name="Siti Rahayu",
        nik=nik_for(7),
        phone="0812",
        status="active",
    )
    _db.session.add_all([stall, business])
    _db.session.flush()
    _db.session.add(
        Assignment(
            stall_id=stall.id,
            business_id=business.id,
            start_date=date(2026, 3, 1),
            decided_by_id=admin.id,
        )
    )
    _db.session.flush()
    record_payment(
        collector,
        stall,
        [date(2026, 3, 2), date(2026, 3, 3)],
        "cash",
        today=TODAY,
        now=NOW,
        advance_days=31,
    )
    _db.session.commit()


def every_row() -> dict[str, list[tuple]]:
    """Each table's rows in primary-key order (Alembic's marker included)."""
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        # SQLite cannot reflect the expression index of payment_days; rows are what count.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        metadata.reflect(bind=_db.engine)
    rows = {}
    with _db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
    return rows


def test_backup_and_restore_round_trip(database, tmp_path):
    app = make_test_app(database.url)
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        populate()
        before = every_row()
        # The app keeps a transaction open while the backup is taken.
        with _db.engine.connect() as busy:
            busy.execute(sa.text("SELECT count(*) FROM payments"))
            backup = tmp_path / "hallmgr.backup"
            result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert f"backup written to {backup}" in result.output

        # A database holding data is not overwritten by accident.
        result = runner.invoke(args=["restore", str(backup)])
        assert result.exit_code != 0
        assert "holds data" in result.output and "--force" in result.output

        _db.session.remove()
        _db.engine.dispose()
    database.drop()
    database.create()

    with app.app_context():
        result = runner.invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
        after = every_row()
        assert after == before
        assert len(after["payment_days"]) == 2 and len(after["payments"]) == 1
        usernames = {row[1] for row in after["users"]}
        assert usernames == {"admin1", "petugas1"}
        assert len(after["audit_events"]) >= 6 and len(after["kecamatan"]) >= 44
        # Triggers and sequences come back too: the audit log stays append-only and new
        # rows get fresh ids.
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with _db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_events"))
        with _db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO stall_classes (code, name) VALUES ('los', 'Los')"))
        _db.session.remove()
        _db.engine.dispose()


def test_restore_with_force_replaces_changed_data(database, tmp_path):
    app = make_test_app(database.url)
    runner = app.test_cli_runner()
    backup = tmp_path / "hallmgr.backup"
    with app.app_context():
        upgrade()
        populate()
        before = every_row()
        assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
        with _db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE halls SET name = 'Diubah' WHERE code = 'JP01'"))
            conn.execute(sa.text("DELETE FROM payment_days"))
        assert every_row() != before
        result = runner.invoke(args=["restore", "--force", str(backup)])
        assert result.exit_code == 0, result.output
        assert every_row() == before
        _db.session.remove()
        _db.engine.dispose()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    runner = app.test_cli_runner()
    existing = tmp_path / "old.backup"
    existing.write_text("earlier backup")
    with app.app_context():
        upgrade()
        result = runner.invoke(args=["backup", str(existing)])
        assert result.exit_code != 0 and "exists already" in result.output
        assert existing.read_text() == "earlier backup"
        result = runner.invoke(args=["restore", str(existing)])
        assert result.exit_code != 0 and "not a backup" in result.output
        _db.engine.dispose()
