"""Migrations build the schema the models describe, and keep the audit log append-only."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from hallmgr.extensions import db as _db
from hallmgr.models import AuditEvent


def test_models_and_migrations_agree(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_audit_rows_cannot_be_changed_or_deleted(db):
    from hallmgr.audit.services import record

    event_id = record(None, "test_event", object_type="x", object_id=1)
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(
            sa.update(AuditEvent).where(AuditEvent.id == event_id).values(action="forged")
        )
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event_id))
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.id == event_id))
        == "test_event"
    )


def test_regions_and_kecamatan_are_the_official_ones(db):
    from hallmgr.models import Kecamatan, Region

    regions = dict(db.session.execute(sa.select(Region.code, Region.name)).tuples().all())
    assert len(regions) == 6
    assert regions["31.71"] == "Kota Administrasi Jakarta Pusat"
    assert regions["31.01"] == "Kabupaten Administrasi Kepulauan Seribu"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Kecamatan)) == 44
    assert db.session.get(Kecamatan, "31.71.07").name == "Tanah Abang"


def test_sqlite_runs_with_wal_and_full_sync(app):
    with app.app_context():
        if _db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings")
        with _db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
