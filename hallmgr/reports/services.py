"""Figures for the dashboards and registers, each one set-based statement whatever the
number of halls, stalls or days. `hall_ids` is the user's scope (None: every hall)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hallmgr.arrears import dues, rules
from hallmgr.arrears.rules import AgingBucket
from hallmgr.assignments.models import Assignment
from hallmgr.auth.models import User
from hallmgr.businesses.models import Business
from hallmgr.businesses.rules import mask_nik
from hallmgr.collection.models import ClosedMark, Payment
from hallmgr.core.days import date_range
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall


def _in(column, hall_ids):
    if hall_ids is None:
        return sa.true()
    return column.in_(list(hall_ids)) if hall_ids else sa.false()


@dataclass
class HallFigures:
    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    stalls: int = 0
    occupied: int = 0
    collected_today: int = 0
    due_today: int = 0
    due_month: int = 0
    paid_month: int = 0
    arrears: dict[AgingBucket, int] = field(default_factory=lambda: dict.fromkeys(AgingBucket, 0))

    def add(self, other: "HallFigures") -> None:
        for name in ("stalls", "occupied", "collected_today", "due_today", "due_month"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paid_month += other.paid_month
        for bucket, amount in other.arrears.items():
            self.arrears[bucket] += amount

    @property
    def occupancy_pct(self) -> int | None:
        return None if not self.stalls else round(100 * self.occupied / self.stalls)

    @property
    def collection_rate_pct(self) -> int | None:
        return None if not self.due_month else round(100 * self.paid_month / self.due_month)

    @property
    def arrears_total(self) -> int:
        return sum(self.arrears.values())


@dataclass
class Dashboard:
    today: date
    halls: list[HallFigures]
    regions: list[HallFigures]  # per region, summed
    total: HallFigures
    daily: list[tuple[date, int]]  # the last 30 days of collections


def dashboard(
    hall_ids, today: date, thresholds, *, region: str | None = None, hall: str | None = None
) -> Dashboard:
    """Occupancy, today's collection against today's dues, the month's collection rate,
    arrears by aging bucket per hall; and the last 30 days of collections."""
    halls_q = (
        sa.select(Hall.id, Hall.code, Hall.name, Region.code, Region.name)
        .join(Region, Region.code == Hall.region_code)
        .where(_in(Hall.id, hall_ids))
        .order_by(Region.code, Hall.code)
    )
    if region:
        halls_q = halls_q.where(Hall.region_code == region)
    if hall:
        halls_q = halls_q.where(Hall.code == hall)
    figures = {r[0]: HallFigures(r[0], r[1], r[2], r[3], r[4]) for r in db.session.execute(halls_q)}
    ids = frozenset(figures)

    occupied = sa.and_(Assignment.stall_id == Stall.id, Assignment.active_on(today))
    for hall_id, stalls, taken in db.session.execute(
        sa.select(Stall.hall_id, sa.func.count(sa.distinct(Stall.id)), sa.func.count(Assignment.id))
        .outerjoin(Assignment, occupied)
        .where(Stall.status != "retired", _in(Stall.hall_id, ids))
        .group_by(Stall.hall_id)
    ):
        figures[hall_id].stalls = stalls
        figures[hall_id].occupied = taken

    for hall_id, amount in db.session.execute(
        sa.select(Payment.hall_id, sa.func.sum(Payment.amount))
        .where(
            Payment.business_day == today, Payment.voided_at.is_(None), _in(Payment.hall_id, ids)
        )
        .group_by(Payment.hall_id)
    ):
        figures[hall_id].collected_today = int(amount)

    # Due and paid this month, and arrears by aging: the dues of the halls up to today.
    month_start = today.replace(day=1)
    for account in dues.accounts(today, dues.Scope(hall_ids=ids)):
        f = figures[account.tenancy.hall_id]
        due_month = account.due.between(month_start, today)
        f.due_month += account.amount(due_month)
        f.paid_month += account.amount(due_month & account.paid)
        f.due_today += account.amount(due_month.between(today, today))
        owed = account.owed(today - timedelta(days=1))
        if owed.days:
            f.arrears[rules.aging_bucket(owed.oldest, today)] += owed.amount

    first = today - timedelta(days=29)
    per_day = dict(
        db.session.execute(
            sa.select(Payment.business_day, sa.func.sum(Payment.amount))
            .where(
                Payment.business_day >= first,
                Payment.business_day <= today,
                Payment.voided_at.is_(None),
                _in(Payment.hall_id, ids),
            )
            .group_by(Payment.business_day)
        ).all()
    )
    daily = [(d, int(per_day.get(d, 0))) for d in date_range(first, today)]

    halls = list(figures.values())
    regions: dict[str, HallFigures] = {}
    total = HallFigures(0, "", "", "", "")
    for h in halls:
        if h.region_code not in regions:
            regions[h.region_code] = HallFigures(0, h.region_code, h.region_name, h.region_code, "")
        regions[h.region_code].add(h)
        total.add(h)
    return Dashboard(today, halls, list(regions.values()), total, daily)


# Registers ------------------------------------------------------------------


def idle_stalls(hall_ids, today: date, min_days: int):
    """Stalls marked closed on at least `min_days` of the last 30 days (today excluded),
    with the business holding them today."""
    first = today - timedelta(days=30)
    marks = (
        sa.select(
            ClosedMark.stall_id,
            sa.func.count().label("closed_days"),
            sa.func.max(ClosedMark.day).label("last_closed"),
        )
        .where(ClosedMark.day >= first, ClosedMark.day < today)
        .group_by(ClosedMark.stall_id)
        .having(sa.func.count() >= min_days)
        .subquery()
    )
    holder = sa.and_(Assignment.stall_id == Stall.id, Assignment.active_on(today))
    return db.session.execute(
        sa.select(
            Hall.code.label("hall_code"),
            Stall.code.label("stall_code"),
            Business.id.label("business_id"),
            Business.name.label("business_name"),
            Business.owner_name,
            Business.phone,
            marks.c.closed_days,
            marks.c.last_closed,
        )
        .select_from(marks)
        .join(Stall, Stall.id == marks.c.stall_id)
        .join(Hall, Hall.id == Stall.hall_id)
        .outerjoin(Assignment, holder)
        .outerjoin(Business, Business.id == Assignment.business_id)
        .where(_in(Stall.hall_id, hall_ids))
        .order_by(marks.c.closed_days.desc(), Hall.code, Stall.code)
    ).all()


def out_of_order_assignments(hall_ids):
    """Assignments made out of waiting-list order, with the written reason."""
    decided_by = aliased(User)
    return db.session.execute(
        sa.select(
            Assignment.id,
            Assignment.start_date,
            Assignment.end_date,
            Assignment.out_of_order_reason,
            Assignment.decided_at,
            Hall.code.label("hall_code"),
            Stall.code.label("stall_code"),
            Business.id.label("business_id"),
            Business.name.label("business_name"),
            decided_by.full_name.label("decided_by"),
        )
        .join(Stall, Stall.id == Assignment.stall_id)
        .join(Hall, Hall.id == Stall.hall_id)
        .join(Business, Business.id == Assignment.business_id)
        .join(decided_by, decided_by.id == Assignment.decided_by_id)
        .where(Assignment.out_of_order_reason != "", _in(Stall.hall_id, hall_ids))
        .order_by(Assignment.decided_at.desc(), Assignment.id.desc())
    ).all()


def owners_near_limit(hall_ids, today: date, limit: int):
    """Owners holding today at least max(limit − 1, 2) stalls across every hall (so with a
    limit of 1, those over it), among owners with a stall in the user's halls."""
    threshold = max(limit - 1, 2)
    active = Assignment.active_on(today)
    held = (
        sa.select(Assignment.business_id, sa.func.count().label("stalls"))
        .where(active)
        .group_by(Assignment.business_id)
        .having(sa.func.count() >= threshold)
        .subquery()
    )
    mine = (
        sa.select(Assignment.business_id)
        .join(Stall, Stall.id == Assignment.stall_id)
        .where(active, _in(Stall.hall_id, hall_ids))
    )
    rows = db.session.execute(
        sa.select(Business.id, Business.name, Business.owner_name, Business.nik, held.c.stalls)
        .join(held, held.c.business_id == Business.id)
        .where(Business.id.in_(mine))
        .order_by(held.c.stalls.desc(), Business.name)
    ).all()
    return [
        OwnerHolding(r.id, r.name, r.owner_name, mask_nik(r.nik), r.stalls, r.stalls > limit)
        for r in rows
    ]


@dataclass(frozen=True)
class OwnerHolding:
    business_id: int
    name: str
    owner_name: str
    nik_masked: str
    stalls: int
    over_limit: bool


def void_register(hall_ids, *, since: date | None = None, until: date | None = None):
    """Every voided receipt: number, amount, who collected, who voided, when and why."""
    collector = aliased(User)
    voider = aliased(User)
    query = (
        sa.select(
            Payment.id,
            Payment.receipt_number,
            Payment.amount,
            Payment.business_day,
            Payment.recorded_at,
            Payment.voided_at,
            Payment.void_reason,
            Hall.code.label("hall_code"),
            Stall.code.label("stall_code"),
            Business.name.label("business_name"),
            collector.full_name.label("collector"),
            voider.full_name.label("voided_by"),
        )
        .join(Hall, Hall.id == Payment.hall_id)
        .join(Stall, Stall.id == Payment.stall_id)
        .join(Business, Business.id == Payment.business_id)
        .join(collector, collector.id == Payment.collector_id)
        .outerjoin(voider, voider.id == Payment.voided_by_id)
        .where(Payment.voided_at.is_not(None), _in(Payment.hall_id, hall_ids))
        .order_by(Payment.voided_at.desc(), Payment.id.desc())
    )
    if since is not None:
        query = query.where(Payment.business_day >= since)
    if until is not None:
        query = query.where(Payment.business_day <= until)
    return db.session.execute(query).all()
