"""The database itself refuses a second cover of the same stall-day."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hallmgr.models import Payment, PaymentDay

DAY = date(2026, 8, 17)


def _payment(db, hall, stall, business, assignment, collector, seq, void=False):
    payment = Payment(
        receipt_number=f"{hall.code}-2026-{seq:06d}",
        hall_id=hall.id,
        year=2026,
        seq=seq,
        stall_id=stall.id,
        business_id=business.id,
        assignment_id=assignment.id,
        amount=3000,
        method="cash",
        collector_id=collector.id,
        recorded_at=datetime(2026, 8, 17, 3, 0, tzinfo=UTC),
        business_day=DAY,
        voided_at=datetime(2026, 8, 17, 4, 0, tzinfo=UTC) if void else None,
    )
    payment.days = [
        PaymentDay(
            stall_id=stall.id, assignment_id=assignment.id, day=DAY, rate=3000, covers=not void
        )
    ]
    db.session.add(payment)
    return payment


@pytest.fixture
def paid_setup(db, make_hall, make_stall, make_business, make_assignment, make_user):
    hall = make_hall()
    stall = make_stall(hall)
    business = make_business()
    assignment = make_assignment(stall, business, date(2026, 8, 1))
    collector = make_user("collector", [hall])
    return hall, stall, business, assignment, collector


def test_second_valid_payment_of_a_stall_day_is_rejected_by_the_database(db, paid_setup):
    _payment(db, *paid_setup, seq=1)
    db.session.flush()
    _payment(db, *paid_setup, seq=2)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_a_void_payment_does_not_hold_the_day(db, paid_setup):
    _payment(db, *paid_setup, seq=1, void=True)
    _payment(db, *paid_setup, seq=2)
    db.session.flush()
    valid = db.session.scalars(
        sa.select(PaymentDay.payment_id).where(PaymentDay.covers.is_(True))
    ).all()
    assert len(valid) == 1


def test_a_day_released_to_a_credit_no_longer_covers(db, paid_setup, make_user):
    from hallmgr.models import Credit

    first = _payment(db, *paid_setup, seq=1)
    db.session.flush()
    hall, _stall, business, assignment, _collector = paid_setup
    credit = Credit(
        hall_id=hall.id,
        business_id=business.id,
        assignment_id=assignment.id,
        amount=3000,
        reason="assignment_ended",
        created_by_id=make_user("manager").id,
    )
    db.session.add(credit)
    db.session.flush()
    day = first.days[0]
    # A day may not both cover its stall-day and be a credit.
    with pytest.raises(IntegrityError), db.session.begin_nested():
        day.credit_id = credit.id
        db.session.flush()
    day.covers, day.credit_id = False, credit.id
    db.session.flush()
    _payment(db, *paid_setup, seq=2)  # the stall-day is free for another cover
    db.session.flush()


def test_amount_must_be_positive(db, paid_setup):
    payment = _payment(db, *paid_setup, seq=1)
    payment.amount = 0
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_receipt_sequence_is_unique_per_hall_and_year(db, paid_setup):
    hall, stall, business, assignment, collector = paid_setup
    first = _payment(db, *paid_setup, seq=1)
    db.session.flush()
    second = _payment(db, *paid_setup, seq=1)
    second.receipt_number = "other-number"
    second.days[0].day = date(2026, 8, 18)
    assert first.seq == second.seq
    with pytest.raises(IntegrityError):
        db.session.flush()
