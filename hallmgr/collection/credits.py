"""Credits: money a business paid for days that stopped being due to it.

When an assignment's end is set back over days its business paid ahead, a closure is
declared over paid days, or a hall's open days change over days paid ahead, those days
are released: they stop covering the stall-day (so another business may owe and pay
it), and what was paid for them, at the rates paid, becomes a credit of the payer. The
manager settles it with the business: refunded, or carried to its next assignment.
"""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.collection.models import Credit, Payment, PaymentDay
from hallmgr.collection.rules import CreditReason, Settlement
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.extensions import db
from hallmgr.halls.models import Stall


def covering(*where) -> list[PaymentDay]:
    """The payment days that cover their stall-day now and meet `where`."""
    return list(
        db.session.scalars(
            sa.select(PaymentDay)
            .where(PaymentDay.covers == sa.true(), *where)
            .options(joinedload(PaymentDay.payment))
            .order_by(PaymentDay.assignment_id, PaymentDay.day)
        )
    )


def release(actor, days: list[PaymentDay], reason: CreditReason, *, now: datetime) -> list[Credit]:
    """Release covered days to credits, one per paying assignment: the days stop covering
    their stall-day and their paid rates become the payer's credit."""
    by_assignment: dict[int, list[PaymentDay]] = defaultdict(list)
    for day in days:
        by_assignment[day.assignment_id].append(day)
    credits = []
    for assignment_id, released in by_assignment.items():
        payment = released[0].payment
        credit = Credit(
            hall_id=payment.hall_id,
            business_id=payment.business_id,
            assignment_id=assignment_id,
            amount=sum(d.rate for d in released),
            reason=reason,
            created_by_id=getattr(actor, "id", None),
            created_at=now,
        )
        db.session.add(credit)
        for day in released:
            day.covers = False
            day.credit = credit
        credits.append(credit)
    db.session.flush()
    for credit in credits:
        record(
            actor,
            "credit_opened",
            credit,
            after={
                "reason": str(credit.reason),
                "amount": credit.amount,
                "days": [d.day.isoformat() for d in credit.days],
                "receipts": sorted({d.payment.receipt_number for d in credit.days}),
            },
            at=now,
        )
    return credits


def settle(
    actor,
    credit: Credit,
    settlement: Settlement,
    note: str,
    *,
    now: datetime,
    carried_to: Assignment | None = None,
) -> Credit:
    """Record how a credit was settled with its business: refunded, or carried to one of
    the business's other assignments."""
    if credit.settled_at is not None:
        raise ConflictError(_("This credit was already settled."))
    note = (note or "").strip()
    if settlement == Settlement.CARRIED:
        if carried_to is None or carried_to.business_id != credit.business_id:
            raise DomainError(
                _("Choose an assignment of the same business to carry the credit to."),
                field="carried_to",
            )
        if carried_to.id == credit.assignment_id:
            raise DomainError(
                _("A credit is carried to another assignment than the one it came from."),
                field="carried_to",
            )
    elif not note:
        raise DomainError(_("Say how the money was refunded."), field="note")
    credit.settlement = settlement
    credit.settlement_note = note
    credit.carried_to_id = carried_to.id if carried_to else None
    credit.settled_by_id = actor.id
    credit.settled_at = now
    db.session.flush()
    record(
        actor,
        "credit_settled",
        credit,
        after={
            "settlement": str(settlement),
            "note": note,
            "carried_to": carried_to.id if carried_to else None,
            "amount": credit.amount,
        },
        at=now,
    )
    return credit


def credits_of_halls(hall_ids) -> list[Credit]:
    """Every credit of the halls (None: all), open ones first, newest first within each."""
    query = (
        sa.select(Credit)
        .options(
            joinedload(Credit.business),
            joinedload(Credit.assignment).joinedload(Assignment.stall).joinedload(Stall.hall),
            joinedload(Credit.carried_to).joinedload(Assignment.stall),
            joinedload(Credit.settled_by),
            selectinload(Credit.days)
            .joinedload(PaymentDay.payment)
            .load_only(Payment.receipt_number),
        )
        .order_by(Credit.settled_at.is_not(None), Credit.created_at.desc(), Credit.id.desc())
    )
    if hall_ids is not None:
        query = query.where(Credit.hall_id.in_(list(hall_ids)) if hall_ids else sa.false())
    return list(db.session.scalars(query))


def other_assignments(open_credits: list[Credit]) -> dict[int, list[Assignment]]:
    """Per credit, the other assignments of its business a credit may be carried to (newest
    first), read in one statement for all of them."""
    business_ids = {c.business_id for c in open_credits}
    if not business_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.business_id.in_(business_ids))
        .options(joinedload(Assignment.stall))
        .order_by(Assignment.start_date.desc(), Assignment.id.desc())
    ).all()
    return {
        c.id: [a for a in rows if a.business_id == c.business_id and a.id != c.assignment_id]
        for c in open_credits
    }
