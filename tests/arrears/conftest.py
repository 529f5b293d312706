from datetime import UTC, date, datetime

import pytest

from hallmgr.arrears import services
from hallmgr.collection.models import Payment
from hallmgr.collection.services import record_payment
from hallmgr.core.days import date_range

THRESHOLDS = (7, 30, 60, 90)


def days(first: date, last: date) -> list[date]:
    return list(date_range(first, last))


@pytest.fixture
def arrears_of(db):
    """The arrears rows as of a date, keyed by assignment id."""

    def get(as_of: date, **filters) -> dict[int, services.ArrearsRow]:
        rows = services.arrears_rows(as_of, THRESHOLDS, services.ArrearsFilter(**filters))
        return {row.assignment_id: row for row in rows}

    return get


@pytest.fixture
def pay(db, make_user):
    """Record a receipt through the collection service, as the collector would."""
    collectors = {}

    def do(stall, paid_days: list[date], today: date) -> Payment:
        if stall.hall_id not in collectors:
            from hallmgr.halls.models import Hall

            collectors[stall.hall_id] = make_user(
                "collector", halls=[db.session.get(Hall, stall.hall_id)]
            )
        payment, _replayed = record_payment(
            collectors[stall.hall_id],
            stall,
            paid_days,
            "cash",
            today=today,
            now=datetime(today.year, today.month, today.day, 3, 0, tzinfo=UTC),
            advance_days=31,
        )
        db.session.flush()
        return payment

    return do


@pytest.fixture
def void(db, make_user):
    """Void a receipt the way the collection feature does: the days become unpaid again."""

    def do(payment: Payment, reason: str = "Salah lapak") -> None:
        manager = make_user("manager")
        payment.voided_at = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
        payment.voided_by_id = manager.id
        payment.void_reason = reason
        for day in payment.days:
            day.void = True
        db.session.flush()

    return do
