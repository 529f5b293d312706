"""Read-side queries of the stall registry: one statement per list, whatever its length."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from hallmgr.arrears import dues
from hallmgr.assignments.models import Assignment
from hallmgr.businesses.models import Business
from hallmgr.collection.models import Payment
from hallmgr.extensions import db
from hallmgr.halls import rules
from hallmgr.halls.models import Hall, Stall, StallClass, Tariff


def current_assignments(today: date):
    """Assignments that cover `today`, as a subquery (at most one per stall)."""
    return (
        sa.select(Assignment.id, Assignment.stall_id, Assignment.business_id, Assignment.end_date)
        .where(Assignment.active_on(today))
        .subquery("cur")
    )


def arrears_before(today: date, scope: dues.Scope) -> dict[int, dues.Owed]:
    """Unpaid due days before today per assignment of the scope (only those that owe)."""
    out = {}
    for account in dues.accounts(today - timedelta(days=1), scope):
        owed = account.owed()
        if owed.days:
            out[account.assignment_id] = owed
    return out


def rates_on(day: date) -> dict[int, int]:
    """The daily rate of each stall class in force on `day` (classes without one left out)."""
    tariffs: dict[int, list[tuple[date, int]]] = {}
    for class_id, since, rate in db.session.execute(
        sa.select(Tariff.stall_class_id, Tariff.effective_from, Tariff.daily_rate)
    ).tuples():
        tariffs.setdefault(class_id, []).append((since, rate))
    rates = {class_id: rules.rate_on(periods, day) for class_id, periods in tariffs.items()}
    return {class_id: rate for class_id, rate in rates.items() if rate is not None}


@dataclass(frozen=True)
class StallRow:
    id: int
    code: str
    block: str
    area_m2: str
    status: str
    class_name: str
    assignment_id: int | None
    business_id: int | None
    business_name: str | None
    owner_name: str | None
    end_date: date | None
    unpaid_days: int
    unpaid_amount: int
    state: str


def _area(dm2: int | None) -> str:
    if dm2 is None:
        return ""
    whole, part = divmod(dm2, 100)
    return f"{whole},{part:02d}".rstrip("0") if part else str(whole)


def stall_rows(
    hall: Hall,
    today: date,
    *,
    block: str = "",
    class_id: int | None = None,
    status: str = "",
    occupancy: str = "",
    with_arrears: bool = False,
) -> list[StallRow]:
    """The hall's stalls with today's business in one statement (and, when asked, their
    arrears before today, from the dues)."""
    cur = current_assignments(today)
    columns = [
        Stall.id,
        Stall.code,
        Stall.block,
        Stall.area_dm2,
        Stall.status,
        StallClass.name.label("class_name"),
        cur.c.id.label("assignment_id"),
        cur.c.end_date,
        Business.id.label("business_id"),
        Business.name.label("business_name"),
        Business.owner_name,
    ]
    query = (
        sa.select(*columns)
        .join(StallClass, StallClass.id == Stall.stall_class_id)
        .outerjoin(cur, cur.c.stall_id == Stall.id)
        .outerjoin(Business, Business.id == cur.c.business_id)
        .where(Stall.hall_id == hall.id)
    )
    owed = {}
    if with_arrears:
        owed = arrears_before(today, dues.Scope(hall_ids=[hall.id], active_on=today))
    if block:
        query = query.where(Stall.block == block)
    if class_id:
        query = query.where(Stall.stall_class_id == class_id)
    if status:
        query = query.where(Stall.status == status)
    if occupancy == "occupied":
        query = query.where(cur.c.id.is_not(None))
    elif occupancy == "vacant":
        query = query.where(cur.c.id.is_(None))
    query = query.order_by(Stall.block, Stall.code)
    out = []
    nothing = dues.Owed(0, 0, None)
    for row in db.session.execute(query):
        arrears = owed.get(row.assignment_id, nothing)
        days = arrears.days
        out.append(
            StallRow(
                id=row.id,
                code=row.code,
                block=row.block,
                area_m2=_area(row.area_dm2),
                status=row.status,
                class_name=row.class_name,
                assignment_id=row.assignment_id,
                business_id=row.business_id,
                business_name=row.business_name,
                owner_name=row.owner_name,
                end_date=row.end_date,
                unpaid_days=days,
                unpaid_amount=arrears.amount,
                state=rules.map_state(row.status, row.assignment_id is not None, days),
            )
        )
    return out


def hall_map(hall: Hall, today: date) -> list[tuple[str, list[StallRow]]]:
    """The hall's stalls by block, each with its map colour."""
    blocks: dict[str, list[StallRow]] = {}
    for row in stall_rows(hall, today, with_arrears=True):
        blocks.setdefault(row.block, []).append(row)
    return list(blocks.items())


def blocks_of(hall: Hall) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Stall.block).where(Stall.hall_id == hall.id).distinct().order_by(Stall.block)
        )
    )


def hall_summaries(hall_ids, today: date) -> list[dict]:
    """Per hall: stalls, occupied today, vacant and available, under maintenance."""
    cur = current_assignments(today)
    query = (
        sa.select(
            Hall.id,
            Hall.code,
            Hall.name,
            sa.func.count(Stall.id).label("stalls"),
            sa.func.count(cur.c.id).label("occupied"),
            sa.func.sum(
                sa.case((sa.and_(Stall.status == "available", cur.c.id.is_(None)), 1), else_=0)
            ).label("vacant"),
            sa.func.sum(sa.case((Stall.status == "maintenance", 1), else_=0)).label("maintenance"),
        )
        .select_from(Hall)
        .outerjoin(Stall, Stall.hall_id == Hall.id)
        .outerjoin(cur, cur.c.stall_id == Stall.id)
        .group_by(Hall.id, Hall.code, Hall.name)
        .order_by(Hall.code)
    )
    if hall_ids is not None:
        query = query.where(Hall.id.in_(list(hall_ids)) if hall_ids else sa.false())
    return [dict(row._mapping) for row in db.session.execute(query)]


def stall_history(stall: Stall) -> list:
    """Every assignment of the stall, newest first, with its business."""
    return db.session.execute(
        sa.select(Assignment, Business.name, Business.owner_name)
        .join(Business, Business.id == Assignment.business_id)
        .where(Assignment.stall_id == stall.id)
        .order_by(Assignment.start_date.desc(), Assignment.id.desc())
    ).all()


def stall_payments(stall: Stall, limit: int = 100) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.stall_id == stall.id)
            .order_by(Payment.recorded_at.desc(), Payment.id.desc())
            .limit(limit)
        )
    )


def assignment_arrears(assignment_id: int, hall_id: int, today: date) -> tuple[int, int]:
    """(days, amount) the assignment owes before today."""
    scope = dues.Scope(hall_ids=[hall_id], assignment_ids=[assignment_id])
    owed = arrears_before(today, scope).get(assignment_id)
    return (owed.days, owed.amount) if owed else (0, 0)
