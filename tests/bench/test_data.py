"""The benchmark province is realistic and agrees with the SQL dues engine, and its
command belongs to the benchmarks' app, not to the product."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks.app import create_app as create_bench_app
from benchmarks.data import generate
from config import TestConfig
from hallmgr.arrears import dues
from hallmgr.extensions import db as _db
from hallmgr.models import Assignment, Hall, Payment, PaymentDay, Stall
from tests.arrears.test_paid_blocks import (
    TRIGGERS,
    blocks_from_paid_days,
    blocks_from_triggers,
    trigger_names,
)
from tests.conftest import make_test_app

TODAY = date(2026, 11, 23)


def test_a_small_province_is_realistic_and_priced_like_the_sql_engine(db):
    summary = generate(600, 60, today=TODAY, seed=7)
    s = db.session
    sizes = (
        s.execute(sa.select(sa.func.count()).select_from(Stall).group_by(Stall.hall_id))
        .scalars()
        .all()
    )
    assert sum(sizes) == 600 and all(100 <= n <= 500 for n in sizes[:-1])
    occupied = s.scalar(
        sa.select(sa.func.count(sa.distinct(Assignment.stall_id))).where(
            Assignment.end_date.is_(None)
        )
    )
    assert 0.78 <= occupied / 600 <= 0.9
    # The SQL engine finds exactly the due days the generator priced with the pure rules.
    yesterday = TODAY - timedelta(days=1)
    sql_due = s.execute(
        sa.select(sa.func.count(), sa.func.sum(sa.literal_column("rate"))).select_from(
            dues.due_days(yesterday).subquery()
        )
    ).one()
    assert sql_due[0] == summary.due_days
    # Every paid day is a due day at the same rate.
    due = dues.due_days(yesterday).subquery()
    mismatched = s.scalar(
        sa.select(sa.func.count())
        .select_from(PaymentDay)
        .outerjoin(due, sa.and_(due.c.stall_id == PaymentDay.stall_id, due.c.day == PaymentDay.day))
        .where(sa.or_(due.c.day.is_(None), due.c.rate != PaymentDay.rate))
    )
    assert mismatched == 0
    # Receipts are numbered 1..N per hall and year, and a few are void.
    for count, top in s.execute(
        sa.select(sa.func.count(), sa.func.max(Payment.seq)).group_by(Payment.hall_id, Payment.year)
    ):
        assert count == top
    assert (
        s.scalar(
            sa.select(sa.func.count()).select_from(Payment).where(Payment.voided_at.is_not(None))
        )
        >= 1
    )
    assert summary.halls == s.scalar(sa.select(sa.func.count()).select_from(Hall))
    # The generator fills paid_blocks itself (its triggers are off during the bulk load)
    # and leaves the triggers in place.
    assert blocks_from_triggers(db) == blocks_from_paid_days(db) != {}
    assert TRIGGERS <= trigger_names(db)
    # Some businesses are far behind: unpaid days from the first month of the history.
    unpaid = dues.unpaid(dues.due_days(yesterday)).subquery()
    oldest = s.execute(sa.select(sa.func.min(unpaid.c.day))).scalar()
    assert oldest <= TODAY - timedelta(days=30)


def test_bench_data_is_a_command_of_the_benchmarks_app_and_fills_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    assert "bench-data" not in make_test_app(url).cli.commands

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_bench_app(Config)
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bench-data", "--stalls", "150", "--days", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 halls, 150 stalls, ")
    with app.app_context():
        s = _db.session
        assert s.scalar(sa.select(sa.func.count()).select_from(Stall)) == 150
        assert s.scalar(sa.select(sa.func.count()).select_from(Payment)) > 0
    # A second province on top of the first is refused, and nothing is added.
    again = runner.invoke(args=["bench-data", "--stalls", "150", "--days", "20"])
    assert again.exit_code != 0 and "already has halls" in again.output
    with app.app_context():
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(Stall)) == 150
        _db.engine.dispose()
