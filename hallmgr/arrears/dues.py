"""Due days in set-based SQL: assignments × calendar × open days − closures − waivers,
priced by the tariff in force on each day. One statement, on SQLite and PostgreSQL alike.

Dues are derived, never stored: a late closure or a back-dated end corrects every figure.
"""

from datetime import date

import sqlalchemy as sa

from hallmgr.assignments.models import Assignment
from hallmgr.collection.models import Payment, PaymentDay, Waiver
from hallmgr.core.models import CalendarDay
from hallmgr.halls.models import Closure, Hall, Stall, Tariff


def of_halls(stall_id_column, hall_condition):
    """`stall_id_column` is a stall of the halls meeting `hall_condition` on stalls.hall_id.

    Written as `stall_id + 0 IN (…)`, which no index can serve: the assignments keep
    leading the plan, and the calendar is read only inside their periods. A plain
    hall filter makes SQLite (which has no statistics) start from the stalls and scan
    the whole calendar for each one.
    """
    s = Stall.__table__
    return (stall_id_column + 0).in_(sa.select(s.c.id).where(hall_condition))


def tariff_periods():
    """Each tariff with the date the next one of its class starts (or NULL)."""
    t = Tariff.__table__
    next_from = sa.func.lead(t.c.effective_from).over(
        partition_by=t.c.stall_class_id, order_by=t.c.effective_from
    )
    return sa.select(
        t.c.stall_class_id,
        t.c.effective_from.label("valid_from"),
        next_from.label("next_from"),
        t.c.daily_rate,
    ).subquery("tp")


def rate_on(stall_class_id, day):
    """The daily rate of a class in force on a day: the latest tariff not after it.

    A correlated lookup on the (stall_class_id, effective_from) unique index, so the
    query is driven by the assignments' own days, never by a tariff's whole period.
    """
    t = Tariff.__table__
    return (
        sa.select(t.c.daily_rate)
        .where(t.c.stall_class_id == stall_class_id, t.c.effective_from <= day)
        .order_by(t.c.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )


def due_days(
    until: date,
    *,
    since: date | None = None,
    hall_ids=None,
    stall_ids=None,
    business_ids=None,
    assignment_ids=None,
):
    """SELECT of every due day up to `until` (inclusive):
    assignment_id, stall_id, business_id, hall_id, day, rate."""
    a = Assignment.__table__
    s = Stall.__table__
    h = Hall.__table__
    c = CalendarDay.__table__
    cl = Closure.__table__
    w = Waiver.__table__

    day_in_assignment = sa.and_(
        c.c.day >= a.c.start_date,
        c.c.day <= sa.func.coalesce(a.c.end_date, until),
        c.c.day <= until,
    )
    if since is not None:
        day_in_assignment = sa.and_(day_in_assignment, c.c.day >= since)
    closed = (
        sa.select(sa.literal(1))
        .where(
            sa.or_(cl.c.hall_id == h.c.id, cl.c.hall_id.is_(None)),
            cl.c.start_date <= c.c.day,
            cl.c.end_date >= c.c.day,
        )
        .exists()
    )
    waived = (
        sa.select(sa.literal(1)).where(w.c.stall_id == a.c.stall_id, w.c.day == c.c.day).exists()
    )
    days = (
        sa.select(
            a.c.id.label("assignment_id"),
            a.c.stall_id,
            a.c.business_id,
            s.c.hall_id,
            c.c.day,
            rate_on(s.c.stall_class_id, c.c.day).label("rate"),
        )
        .select_from(a)
        .join(s, s.c.id == a.c.stall_id)
        .join(h, h.c.id == s.c.hall_id)
        .join(c, day_in_assignment)
        .where(h.c.open_days.op("&")(c.c.dow_bit) != 0, ~closed, ~waived)
    )
    if hall_ids is not None:
        days = days.where(of_halls(a.c.stall_id, s.c.hall_id.in_(list(hall_ids))))
    if stall_ids is not None:
        days = days.where(a.c.stall_id.in_(list(stall_ids)))
    if business_ids is not None:
        days = days.where(a.c.business_id.in_(list(business_ids)))
    if assignment_ids is not None:
        days = days.where(a.c.id.in_(list(assignment_ids)))
    # A day before the class's first tariff has nothing to charge: not due.
    return days.where(rate_on(s.c.stall_class_id, c.c.day).is_not(None))


def with_payment(due):
    """Due days with the valid receipt of the same assignment that covers each (NULL when
    unpaid)."""
    d = due.subquery("due")
    pd = PaymentDay.__table__
    p = Payment.__table__
    return (
        sa.select(d, p.c.receipt_number, p.c.id.label("payment_id"))
        .select_from(d)
        .outerjoin(
            sa.join(pd, p, p.c.id == pd.c.payment_id),
            sa.and_(
                pd.c.stall_id == d.c.stall_id,
                pd.c.day == d.c.day,
                pd.c.void == sa.false(),
                p.c.assignment_id == d.c.assignment_id,
            ),
        )
    )


def unpaid(due):
    """Due days not covered by a valid payment of the same assignment.

    A day the previous business paid ahead, before its assignment was ended back-dated,
    is that business's credit to settle, not a payment of the one now on the stall.
    """
    d = due.subquery("due")
    pd = PaymentDay.__table__
    p = Payment.__table__
    paid = (
        sa.select(sa.literal(1))
        .select_from(pd)
        .join(p, p.c.id == pd.c.payment_id)
        .where(
            pd.c.stall_id == d.c.stall_id,
            pd.c.day == d.c.day,
            pd.c.void == sa.false(),
            p.c.assignment_id == d.c.assignment_id,
        )
        .exists()
    )
    return sa.select(d).where(~paid)
