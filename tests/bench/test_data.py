"""The benchmark province is realistic and agrees with the dues, and its command belongs
to the benchmarks' app, not to the product."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks.app import create_app as create_bench_app
from benchmarks.data import generate
from config import TestConfig
from hallmgr.arrears import dues
from hallmgr.extensions import db as _db
from hallmgr.models import Assignment, Hall, Payment, PaymentDay, Stall
from tests.conftest import make_test_app

TODAY = date(2026, 11, 23)


def test_a_small_province_is_realistic_and_priced_like_the_dues(db):
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
    # The dues find exactly the due days the generator priced with the pure rules, and
    # every paid day is a due day at the rate of the day.
    yesterday = TODAY - timedelta(days=1)
    accounts = dues.accounts(yesterday)
    assert sum(len(a.due) for a in accounts) == summary.due_days
    rates = {(a.assignment_id, day): a.prices.rate_on(day) for a in accounts for day in a.due}
    paid = s.execute(sa.select(PaymentDay.assignment_id, PaymentDay.day, PaymentDay.rate)).all()
    assert paid and all(rates.get((r.assignment_id, r.day)) == r.rate for r in paid)
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
    # Some businesses are far behind: unpaid days from the first month of the history.
    oldest = min(a.unpaid.first for a in accounts if a.unpaid)
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
