"""Arrears as of a day: the list the office audits, with its totals.

The figures come from the dues (hallmgr.arrears.dues); this module adds who and where
in one more statement, and folds the rows into regions and halls. "Arrears as of D" is
the position at the end of day D: due days before D not covered by a payment recorded
by D and not voided by then.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from hallmgr.arrears import dues, rules
from hallmgr.assignments.models import Assignment
from hallmgr.businesses.models import Business
from hallmgr.businesses.rules import mask_nik
from hallmgr.collection.models import Payment
from hallmgr.core.days import WIB
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall


@dataclass(frozen=True)
class ArrearsFilter:
    """What the office narrows the list to. `hall_ids` is the user's scope (None: all)."""

    hall_ids: frozenset[int] | None = None
    region: str | None = None
    hall: str | None = None
    bucket: rules.AgingBucket | None = None
    min_days: int | None = None
    level: rules.WarningLevel | None = None  # at or above
    business_ids: tuple[int, ...] | None = None
    assignment_ids: tuple[int, ...] | None = None

    @property
    def scope(self) -> dues.Scope:
        return dues.Scope(
            hall_ids=self.hall_ids,
            region_code=self.region or None,
            hall_code=self.hall or None,
            business_ids=self.business_ids,
            assignment_ids=self.assignment_ids,
        )

    def wants(self, row: "ArrearsRow") -> bool:
        if self.bucket and row.bucket != self.bucket:
            return False
        if self.min_days and row.unpaid_days < self.min_days:
            return False
        if self.level and not (row.level and row.level.reaches(self.level)):
            return False
        return True


@dataclass(frozen=True)
class ArrearsRow:
    """What one assignment owes: a business with two stalls has two rows."""

    assignment_id: int
    assignment_start: date
    region_code: str
    region_name: str
    hall_id: int
    hall_code: str
    hall_name: str
    stall_id: int
    stall_code: str
    business_id: int
    business_name: str
    owner_name: str
    nik_masked: str
    phone: str
    unpaid_days: int
    amount: int
    oldest_unpaid: date
    last_payment: date | None
    bucket: rules.AgingBucket
    level: rules.WarningLevel | None


def thresholds_from(config) -> tuple[int, int, int, int]:
    return (
        int(config["WARNING_TEGURAN_DAYS"]),
        int(config["WARNING_SP1_DAYS"]),
        int(config["WARNING_SP2_DAYS"]),
        int(config["WARNING_SP3_DAYS"]),
    )


def end_of_day(day: date) -> datetime:
    """The first instant after the business day `day` (midnight WIB)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=WIB)


def _who_and_where(as_of: date, scope: dues.Scope):
    """Who and where of each assignment in scope begun before `as_of`, in list order, with
    the day of its last payment valid at the end of `as_of`."""
    last_payment = (
        sa.select(Payment.business_day)
        .where(
            Payment.assignment_id == Assignment.id,
            Payment.business_day <= as_of,
            sa.or_(Payment.voided_at.is_(None), Payment.voided_at >= end_of_day(as_of)),
        )
        .order_by(Payment.business_day.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        dues.assignments_query(
            scope,
            Assignment.id.label("assignment_id"),
            Assignment.start_date,
            Region.code.label("region_code"),
            Region.name.label("region_name"),
            Hall.id.label("hall_id"),
            Hall.code.label("hall_code"),
            Hall.name.label("hall_name"),
            Stall.id.label("stall_id"),
            Stall.code.label("stall_code"),
            Business.id.label("business_id"),
            Business.name.label("business_name"),
            Business.owner_name,
            Business.nik,
            Business.phone,
            last_payment.label("last_payment"),
        )
        .join(Region, Region.code == Hall.region_code)
        .join(Business, Business.id == Assignment.business_id)
        .where(Assignment.start_date < as_of)
        .order_by(Region.code, Hall.code, Stall.code, Business.name, Assignment.id)
    )


def iter_arrears_rows(
    as_of: date, thresholds: tuple[int, int, int, int], flt: ArrearsFilter, chunk: int = 10_000
) -> Iterator[ArrearsRow]:
    """Every assignment with arrears as of `as_of`, in region, hall, stall order; the names
    are fetched in chunks so that a long export stays small."""
    scope = flt.scope
    owed = {}
    for account in dues.accounts(as_of - timedelta(days=1), scope, as_of=as_of):
        o = account.owed()
        if o.days:
            owed[account.assignment_id] = o
    if not owed:
        return
    result = db.session.execute(
        _who_and_where(as_of, scope), execution_options={"yield_per": chunk}
    )
    for r in result:
        o = owed.get(r.assignment_id)
        if o is None:
            continue
        row = ArrearsRow(
            assignment_id=r.assignment_id,
            assignment_start=r.start_date,
            region_code=r.region_code,
            region_name=r.region_name,
            hall_id=r.hall_id,
            hall_code=r.hall_code,
            hall_name=r.hall_name,
            stall_id=r.stall_id,
            stall_code=r.stall_code,
            business_id=r.business_id,
            business_name=r.business_name,
            owner_name=r.owner_name,
            nik_masked=mask_nik(r.nik),
            phone=r.phone or "",
            unpaid_days=o.days,
            amount=o.amount,
            oldest_unpaid=o.oldest,
            last_payment=r.last_payment,
            bucket=rules.aging_bucket(o.oldest, as_of),
            level=rules.warning_level(o.oldest, as_of, thresholds),
        )
        if flt.wants(row):
            yield row


def arrears_rows(
    as_of: date, thresholds: tuple[int, int, int, int], flt: ArrearsFilter
) -> list[ArrearsRow]:
    """Every assignment with arrears as of `as_of`, in region, hall, stall order."""
    return list(iter_arrears_rows(as_of, thresholds, flt))


# Totals at each level -------------------------------------------------------


@dataclass
class Totals:
    """Sums of arrears rows: businesses counted once however many stalls they hold."""

    business_ids: set[int] = field(default_factory=set)
    assignments: int = 0
    unpaid_days: int = 0
    amount: int = 0

    @property
    def businesses(self) -> int:
        return len(self.business_ids)

    def add(self, row: ArrearsRow) -> None:
        self.business_ids.add(row.business_id)
        self.assignments += 1
        self.unpaid_days += row.unpaid_days
        self.amount += row.amount


@dataclass
class HallGroup:
    code: str
    name: str
    rows: list[ArrearsRow] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass
class RegionGroup:
    code: str
    name: str
    halls: list[HallGroup] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass
class ArrearsReport:
    regions: list[RegionGroup] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    by_bucket: dict[rules.AgingBucket, Totals] = field(default_factory=dict)


def group_rows(rows: Iterable[ArrearsRow]) -> ArrearsReport:
    """Rows (in region, hall order) folded into region → hall → assignment with totals."""
    report = ArrearsReport(by_bucket={b: Totals() for b in rules.AgingBucket})
    region = hall = None
    for row in rows:
        if region is None or region.code != row.region_code:
            region = RegionGroup(row.region_code, row.region_name)
            report.regions.append(region)
            hall = None
        if hall is None or hall.code != row.hall_code:
            hall = HallGroup(row.hall_code, row.hall_name)
            region.halls.append(hall)
        hall.rows.append(row)
        for totals in (hall.totals, region.totals, report.totals, report.by_bucket[row.bucket]):
            totals.add(row)
    return report
