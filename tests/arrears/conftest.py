from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from hallmgr.arrears import services
from hallmgr.collection.models import Payment
from hallmgr.collection.services import record_payment, void_payment
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

    def do(payment: Payment, reason: str = "Salah lapak", at=None) -> None:
        void_payment(
            make_user("manager"),
            payment,
            reason,
            now=at or datetime(2026, 3, 6, 2, 0, tzinfo=UTC),
        )

    return do


def count_statements(db, work):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    bind = db.session.get_bind()
    sa.event.listen(bind, "before_cursor_execute", count)
    try:
        result = work()
    finally:
        sa.event.remove(bind, "before_cursor_execute", count)
    return len(statements), result


def province(db, make_hall, make_class, make_business, make_user, halls: int, stalls: int):
    """`halls` halls with `stalls` stalls in all, each stall assigned, some paid."""
    from hallmgr.models import Assignment, Business, Stall

    kios = make_class(rate=3000)
    manager = make_user("manager")
    made = [make_hall(region=r) for r in ("31.71", "31.72", "31.73", "31.74", "31.75", "31.01")]
    made = made[:halls]
    stall_rows = [
        Stall(hall_id=made[i % halls].id, code=f"S-{i:04d}", block="A", stall_class_id=kios.id)
        for i in range(stalls)
    ]
    db.session.add_all(stall_rows)
    birth_day = 10 + halls  # each call its own NIK range
    owners = [
        Business(name=f"Usaha {i}", owner_name="Ani", nik=f"317107{birth_day}0890{i + 1:04d}")
        for i in range(stalls)
    ]
    db.session.add_all(owners)
    db.session.flush()
    db.session.add_all(
        Assignment(
            stall_id=s.id,
            business_id=b.id,
            start_date=date(2026, 1, 1 + i % 20),
            decided_by_id=manager.id,
        )
        for i, (s, b) in enumerate(zip(stall_rows, owners, strict=True))
    )
    db.session.flush()
    return made
