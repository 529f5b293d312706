"""A business's ledger: every day of its assignments with what the rules make of it, and
the credits of days it paid that stopped being due to it."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hallmgr.arrears import dues, rules
from hallmgr.assignments.models import Assignment
from hallmgr.collection.models import Credit, Payment, PaymentDay, Waiver
from hallmgr.extensions import db
from hallmgr.halls.models import Closure


@dataclass(frozen=True)
class LedgerDay:
    assignment_id: int
    day: date
    status: rules.DayStatus
    rate: int | None  # paid: the rate paid for the day; otherwise the tariff in force
    receipt_number: str | None
    payment_id: int | None
    closure_reason: str | None
    waiver_reason: str | None


def ledger(
    assignments: list[Assignment], as_of: date, *, ahead_days: int = 31
) -> dict[int, list[LedgerDay]]:
    """Every day of the assignments up to `as_of` (and the days paid ahead after it), each
    with its status: paid (by which receipt, at which rate), waived, unpaid, closed or not
    open. A fixed number of statements, whatever the days."""
    if not assignments:
        return {}
    ids = [a.id for a in assignments]
    accounts = dues.accounts(as_of + timedelta(days=ahead_days), dues.Scope(assignment_ids=ids))
    covers = {
        (r.assignment_id, r.day): r
        for r in db.session.execute(
            sa.select(
                PaymentDay.assignment_id,
                PaymentDay.day,
                PaymentDay.rate,
                Payment.id.label("payment_id"),
                Payment.receipt_number,
            )
            .join(Payment, Payment.id == PaymentDay.payment_id)
            .where(PaymentDay.assignment_id.in_(ids), PaymentDay.covers == sa.true())
        )
    }
    stall_ids = {a.tenancy.stall_id for a in accounts}
    hall_ids = {a.tenancy.hall_id for a in accounts}
    waivers = {
        (r.stall_id, r.day): r.reason
        for r in db.session.execute(
            sa.select(Waiver.stall_id, Waiver.day, Waiver.reason).where(
                Waiver.stall_id.in_(stall_ids)
            )
        )
    }
    closures = db.session.execute(
        sa.select(Closure.hall_id, Closure.start_date, Closure.end_date, Closure.reason)
        .where(sa.or_(Closure.hall_id.is_(None), Closure.hall_id.in_(hall_ids)))
        .order_by(Closure.start_date, Closure.id)
    ).all()

    def closure_reason(hall_id: int, day: date) -> str | None:
        return next(
            (
                c.reason
                for c in closures
                if c.hall_id in (None, hall_id) and c.start_date <= day <= c.end_date
            ),
            None,
        )

    out: dict[int, list[LedgerDay]] = {a: [] for a in ids}
    for account in accounts:
        t = account.tenancy
        shown = account.period.between(None, as_of) | (account.paid & account.period)
        for day in shown:
            paid = covers.get((t.assignment_id, day))
            closed = day in account.closed
            out[t.assignment_id].append(
                LedgerDay(
                    assignment_id=t.assignment_id,
                    day=day,
                    status=rules.day_status(
                        day=day,
                        as_of=as_of,
                        open_weekday=day in account.open,
                        closed=closed,
                        waived=day in account.waived,
                        rate=account.prices.rate_on(day),
                        paid=day in account.paid,
                    ),
                    rate=paid.rate if paid else account.prices.rate_on(day),
                    receipt_number=paid.receipt_number if paid else None,
                    payment_id=paid.payment_id if paid else None,
                    closure_reason=closure_reason(t.hall_id, day) if closed else None,
                    waiver_reason=waivers.get((t.stall_id, day)),
                )
            )
    return out


def credits_of(assignments: list[Assignment]) -> dict[int, list[Credit]]:
    """The credits of the assignments (their released days loaded), oldest first."""
    out: dict[int, list[Credit]] = {a.id: [] for a in assignments}
    if not assignments:
        return out
    for credit in db.session.scalars(
        sa.select(Credit)
        .where(Credit.assignment_id.in_(list(out)))
        .options(selectinload(Credit.days).joinedload(PaymentDay.payment))
        .order_by(Credit.created_at, Credit.id)
    ):
        out[credit.assignment_id].append(credit)
    return out
