"""Recording payments: the server prices the days, numbers the receipt, keeps it once."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from hallmgr.arrears import dues
from hallmgr.arrears.rules import Period, payable_ahead
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.collection import rules
from hallmgr.collection.models import METHODS, Payment, PaymentDay
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.core.sequences import next_number
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall


class DayAlreadyPaidError(ConflictError):
    code = "day_already_paid"


class IdempotencyMismatchError(DomainError):
    status_code = 422
    code = "idempotency_mismatch"


@dataclass(frozen=True)
class PayableDay:
    day: date
    rate: int
    assignment_id: int
    business_id: int
    overdue: bool  # before today
    ahead: bool  # after today


def payable_days(stall: Stall, today: date, advance_days: int) -> list[PayableDay]:
    """The stall's unpaid due days up to today, then the days that may be paid ahead."""
    horizon = today + timedelta(days=advance_days)
    periods = {
        a.id: Period(a.start_date, a.end_date)
        for a in db.session.scalars(
            sa.select(Assignment).where(
                Assignment.stall_id == stall.id, Assignment.start_date <= horizon
            )
        )
    }
    if not periods:
        return []
    due = dues.unpaid(dues.due_days(horizon, stall_ids=[stall.id], assignment_ids=list(periods)))
    rows = db.session.execute(due.order_by(sa.text("day"))).all()
    out = []
    for row in rows:
        if row.day > today:
            window = payable_ahead(periods[row.assignment_id], today, advance_days)
            if window is None or not (window[0] <= row.day <= window[1]):
                continue
        out.append(
            PayableDay(
                day=row.day,
                rate=row.rate,
                assignment_id=row.assignment_id,
                business_id=row.business_id,
                overdue=row.day < today,
                ahead=row.day > today,
            )
        )
    return out


def _holding_receipts(stall_id: int, days: list[date]) -> dict[date, str]:
    rows = db.session.execute(
        sa.select(PaymentDay.day, Payment.receipt_number)
        .join(Payment, Payment.id == PaymentDay.payment_id)
        .where(
            PaymentDay.stall_id == stall_id, PaymentDay.day.in_(days), PaymentDay.void.is_(False)
        )
    ).all()
    return {row.day: row.receipt_number for row in rows}


def record_payment(
    collector,
    stall: Stall,
    days: list[date],
    method: str,
    *,
    today: date,
    now: datetime,
    advance_days: int,
    idempotency_key: str | None = None,
) -> tuple[Payment, bool]:
    """Record one receipt for chosen due days of a stall, priced from the tariffs.

    Returns (payment, replayed): a retried request with the same idempotency key gives
    back the first payment instead of a second one.
    """
    if method not in METHODS:
        raise DomainError(_("Choose cash, QRIS or transfer."), field="method")
    days = sorted(set(days))
    if not days:
        raise DomainError(_("Choose at least one day to pay."), field="days")
    hall = db.session.get(Hall, stall.hall_id)
    fingerprint = rules.request_fingerprint(stall.id, days, method)

    # The hall's receipt counter is locked first: payments of one hall queue here, so
    # every check below sees the payments committed before it, and numbers stay gapless.
    seq = next_number("receipt", hall.code, today.year)

    if idempotency_key:
        earlier = db.session.scalar(
            sa.select(Payment).where(
                Payment.collector_id == collector.id, Payment.idempotency_key == idempotency_key
            )
        )
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise IdempotencyMismatchError(
                    _("This request key was already used for a different payment.")
                )
            return earlier, True

    taken = _holding_receipts(stall.id, days)
    if taken:
        day, number = min(taken.items())
        raise DayAlreadyPaidError(
            _(
                "%(day)s is already paid with receipt %(number)s.",
                day=day.isoformat(),
                number=number,
            ),
            field="days",
        )
    payable = {p.day: p for p in payable_days(stall, today, advance_days)}
    not_payable = [d for d in days if d not in payable]
    if not_payable:
        raise DomainError(
            _("%(day)s is not a day this stall can pay.", day=not_payable[0].isoformat()),
            field="days",
        )
    chosen = [payable[d] for d in days]
    assignment_ids = {p.assignment_id for p in chosen}
    if len(assignment_ids) > 1:
        raise DomainError(
            _("One receipt covers days of one assignment only; pay each business separately."),
            field="days",
        )
    payment = Payment(
        receipt_number=rules.receipt_number(hall.code, today.year, seq),
        hall_id=hall.id,
        year=today.year,
        seq=seq,
        stall_id=stall.id,
        business_id=chosen[0].business_id,
        assignment_id=chosen[0].assignment_id,
        amount=sum(p.rate for p in chosen),
        method=method,
        collector_id=collector.id,
        recorded_at=now,
        business_day=today,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
    )
    payment.days = [
        PaymentDay(stall_id=stall.id, day=p.day, rate=p.rate, void=False) for p in chosen
    ]
    try:
        with db.session.begin_nested():
            db.session.add(payment)
            db.session.flush()
    except IntegrityError as error:
        # Another transaction took one of these days in the meantime; the database said no.
        taken = _holding_receipts(stall.id, days)
        if taken:
            day, number = min(taken.items())
            raise DayAlreadyPaidError(
                _(
                    "%(day)s is already paid with receipt %(number)s.",
                    day=day.isoformat(),
                    number=number,
                ),
                field="days",
            ) from error
        raise
    record(
        collector,
        "payment_recorded",
        payment,
        after={
            "receipt_number": payment.receipt_number,
            "stall": stall.code,
            "days": [d.isoformat() for d in days],
            "amount": payment.amount,
            "method": method,
        },
        at=now,
    )
    return payment, False
