"""Arrears as of a date, the business ledger, and warning letters.

Arrears come from the arrears engine (engine.py: a fixed number of statements and bit
sets per assignment); the ledger and credits from set-based statements over dues
(dues.py). The number of queries does not grow with halls, stalls or days, and SQLite
and PostgreSQL run the same code.

"Valid payments" are the payments not voided now: arrears as of a past date use today's
state of the receipts, so a later void shows up in every earlier figure too.
"""

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.arrears import dues, engine, rules
from hallmgr.arrears.models import WarningLetter
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.businesses.models import Business
from hallmgr.businesses.rules import mask_nik
from hallmgr.collection.models import Payment, PaymentDay, Waiver
from hallmgr.core.errors import DomainError
from hallmgr.core.models import CalendarDay
from hallmgr.core.sequences import next_number
from hallmgr.extensions import db
from hallmgr.halls.models import Closure, Hall, Region, Stall


@dataclass(frozen=True)
class ArrearsFilter:
    """What the office narrows the list to. `hall_ids` is the user's scope (None: all)."""

    hall_ids: frozenset[int] | None = None
    region: str | None = None
    hall: str | None = None
    bucket: str | None = None
    min_days: int | None = None
    level: str | None = None  # at or above
    business_ids: tuple[int, ...] | None = None
    assignment_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ArrearsRow:
    assignment_id: int
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
    bucket: str
    level: str | None


def thresholds_from(config) -> tuple[int, int, int, int]:
    return (
        int(config["WARNING_TEGURAN_DAYS"]),
        int(config["WARNING_SP1_DAYS"]),
        int(config["WARNING_SP2_DAYS"]),
        int(config["WARNING_SP3_DAYS"]),
    )


def _scope(flt: ArrearsFilter) -> engine.Scope:
    conditions = []
    if flt.region:
        conditions.append(Hall.region_code == flt.region)
    if flt.hall:
        conditions.append(Hall.code == flt.hall)
    return engine.Scope(
        hall_ids=flt.hall_ids,
        hall_condition=sa.and_(*conditions) if conditions else None,
        business_ids=flt.business_ids,
        assignment_ids=flt.assignment_ids,
    )


def _described(as_of: date, scope: engine.Scope):
    """Who and where of every assignment in scope begun before `as_of` (the ROW part of
    the engine's statement), with the day of its last valid payment, found from the end
    of ix_payments_assignment_day."""
    a = Assignment.__table__
    s = Stall.__table__
    h = Hall.__table__
    last_payment = (
        sa.select(Payment.business_day)
        .where(Payment.assignment_id == a.c.id, Payment.voided_at.is_(None))
        .order_by(Payment.business_day.desc())
        .limit(1)
        .scalar_subquery()
    )
    r = Region.__table__
    b = Business.__table__
    joined = (
        a.join(s, s.c.id == a.c.stall_id)
        .join(h, h.c.id == s.c.hall_id)
        .join(r, r.c.code == h.c.region_code)
        .join(b, b.c.id == a.c.business_id)
    )
    query = sa.select(a.c.id).select_from(joined).where(a.c.start_date < as_of)
    # Slots in engine.ROW_ORDER: region code, hall code, stall code, business name, id.
    return engine.part(
        engine.ROW,
        scope.where(query, a, s, h),
        i1=a.c.id,
        i2=h.c.id,
        i3=s.c.id,
        i4=b.c.id,
        d1=last_payment,
        t1=r.c.code,
        t2=r.c.name,
        t3=h.c.code,
        t4=h.c.name,
        t5=s.c.code,
        t6=b.c.name,
        t7=b.c.owner_name,
        t8=b.c.nik,
        t9=b.c.phone,
    )


class _Row(NamedTuple):
    """A ROW of the engine's statement (engine.SLOTS)."""

    k: int
    i1: int
    i2: int
    i3: int
    i4: int
    i5: int | None
    i6: int | None
    i7: int | None
    i8: int | None
    d1: date | None
    d2: date | None
    d3: date | None
    t1: str
    t2: str
    t3: str
    t4: str
    t5: str
    t6: str
    t7: str
    t8: str
    t9: str | None


def _wanted(row: ArrearsRow, flt: ArrearsFilter) -> bool:
    if flt.bucket and row.bucket != flt.bucket:
        return False
    if flt.min_days and row.unpaid_days < flt.min_days:
        return False
    if flt.level and not rules.level_at_least(row.level, flt.level):
        return False
    return True


def iter_arrears_rows(
    as_of: date, thresholds: tuple[int, int, int, int], flt: ArrearsFilter, chunk: int = 1000
) -> Iterator[ArrearsRow]:
    """Every business and stall with arrears before `as_of`, in region, hall, stall order.

    One statement (the engine's inputs and the names), whatever the halls, stalls or
    days; the names are fetched in chunks so a long export stays small.
    """
    scope = _scope(flt)
    owed, rows = engine.owed_with_rows(
        as_of - timedelta(days=1), scope, _described(as_of, scope), chunk=chunk
    )
    for r in rows:
        r = _Row(*r)
        o = owed.get(r.i1)
        if o is None:
            continue
        row = ArrearsRow(
            assignment_id=r.i1,
            region_code=r.t1,
            region_name=r.t2,
            hall_id=r.i2,
            hall_code=r.t3,
            hall_name=r.t4,
            stall_id=r.i3,
            stall_code=r.t5,
            business_id=r.i4,
            business_name=r.t6,
            owner_name=r.t7,
            nik_masked=mask_nik(r.t8),
            phone=r.t9 or "",
            unpaid_days=o.unpaid_days,
            amount=o.amount,
            oldest_unpaid=o.oldest_unpaid,
            last_payment=r.d1,
            bucket=rules.aging_bucket(o.oldest_unpaid, as_of),
            level=rules.warning_level(o.oldest_unpaid, as_of, thresholds),
        )
        if _wanted(row, flt):
            yield row


def arrears_rows(
    as_of: date, thresholds: tuple[int, int, int, int], flt: ArrearsFilter
) -> list[ArrearsRow]:
    """Every business and stall with arrears before `as_of`, in region, hall, stall order."""
    return list(iter_arrears_rows(as_of, thresholds, flt))


# Totals at each level -------------------------------------------------------


@dataclass
class Totals:
    businesses: int = 0
    unpaid_days: int = 0
    amount: int = 0

    def add(self, row: ArrearsRow) -> None:
        self.businesses += 1
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
    by_bucket: dict[str, Totals] = field(default_factory=dict)


def group_rows(rows: Iterable[ArrearsRow]) -> ArrearsReport:
    """Rows (in region, hall order) folded into region → hall → business with totals."""
    report = ArrearsReport(by_bucket={b: Totals() for b in rules.AGING_BUCKETS})
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
        hall.totals.add(row)
        region.totals.add(row)
        report.totals.add(row)
        report.by_bucket[row.bucket].add(row)
    return report


# Ledger ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerDay:
    assignment_id: int
    day: date
    status: str
    rate: int | None
    receipt_number: str | None
    payment_id: int | None
    closure_reason: str | None
    waiver_reason: str | None


def ledger(
    assignments: list[Assignment], as_of: date, *, ahead_days: int = 31
) -> dict[int, list[LedgerDay]]:
    """Every calendar day of the assignments up to `as_of` (and days paid ahead after it),
    each with its status: paid (by which receipt), waived, unpaid, closed or not open."""
    if not assignments:
        return {}
    a = Assignment.__table__
    s = Stall.__table__
    h = Hall.__table__
    c = CalendarDay.__table__
    cl = Closure.__table__
    w = Waiver.__table__
    pd = PaymentDay.__table__
    p = Payment.__table__
    tp = dues.tariff_periods()
    horizon = as_of + timedelta(days=ahead_days)

    closure_reason = (
        sa.select(sa.func.min(cl.c.reason))
        .where(
            sa.or_(cl.c.hall_id == h.c.id, cl.c.hall_id.is_(None)),
            cl.c.start_date <= c.c.day,
            cl.c.end_date >= c.c.day,
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            a.c.id.label("assignment_id"),
            c.c.day,
            (h.c.open_days.op("&")(c.c.dow_bit) != 0).label("open_weekday"),
            closure_reason.label("closure_reason"),
            w.c.reason.label("waiver_reason"),
            tp.c.daily_rate.label("rate"),
            p.c.receipt_number,
            p.c.id.label("payment_id"),
        )
        .select_from(a)
        .join(s, s.c.id == a.c.stall_id)
        .join(h, h.c.id == s.c.hall_id)
        .join(
            c,
            sa.and_(
                c.c.day >= a.c.start_date,
                c.c.day <= sa.func.coalesce(a.c.end_date, horizon),
                c.c.day <= horizon,
            ),
        )
        .outerjoin(
            tp,
            sa.and_(
                tp.c.stall_class_id == s.c.stall_class_id,
                c.c.day >= tp.c.valid_from,
                sa.or_(tp.c.next_from.is_(None), c.c.day < tp.c.next_from),
            ),
        )
        .outerjoin(w, sa.and_(w.c.stall_id == a.c.stall_id, w.c.day == c.c.day))
        .outerjoin(
            sa.join(pd, p, p.c.id == pd.c.payment_id),
            sa.and_(
                pd.c.stall_id == a.c.stall_id,
                pd.c.day == c.c.day,
                pd.c.void == sa.false(),
                p.c.assignment_id == a.c.id,
            ),
        )
        .where(a.c.id.in_([x.id for x in assignments]))
        # After as_of only the days already paid ahead.
        .where(sa.or_(c.c.day <= as_of, pd.c.id.is_not(None)))
        .order_by(a.c.id, c.c.day)
    )
    out: dict[int, list[LedgerDay]] = {x.id: [] for x in assignments}
    for r in db.session.execute(query):
        status = rules.day_status(
            day=r.day,
            as_of=as_of,
            open_weekday=bool(r.open_weekday),
            closed=r.closure_reason is not None,
            waived=r.waiver_reason is not None,
            rate=r.rate,
            paid=r.payment_id is not None,
        )
        out[r.assignment_id].append(
            LedgerDay(
                assignment_id=r.assignment_id,
                day=r.day,
                status=status,
                rate=r.rate,
                receipt_number=r.receipt_number,
                payment_id=r.payment_id,
                closure_reason=r.closure_reason,
                waiver_reason=r.waiver_reason,
            )
        )
    return out


@dataclass(frozen=True)
class Credit:
    assignment_id: int
    day: date
    rate: int
    receipt_number: str


def credits(assignments: list[Assignment], as_of: date) -> dict[int, list[Credit]]:
    """Days validly paid by an assignment's receipts that lie outside its period (an end
    set back after paying ahead): money the manager must settle with the business.
    Paid days inside the period that are no longer due show on the ledger as "credit"."""
    if not assignments:
        return {}
    query = (
        sa.select(Payment.assignment_id, PaymentDay.day, PaymentDay.rate, Payment.receipt_number)
        .join(Payment, Payment.id == PaymentDay.payment_id)
        .join(Assignment, Assignment.id == Payment.assignment_id)
        .where(
            Payment.assignment_id.in_([x.id for x in assignments]),
            PaymentDay.void == sa.false(),
            sa.or_(
                PaymentDay.day < Assignment.start_date,
                sa.and_(Assignment.end_date.is_not(None), PaymentDay.day > Assignment.end_date),
            ),
        )
        .order_by(Payment.assignment_id, PaymentDay.day)
    )
    out: dict[int, list[Credit]] = {x.id: [] for x in assignments}
    for r in db.session.execute(query):
        out[r.assignment_id].append(Credit(r.assignment_id, r.day, r.rate, r.receipt_number))
    return out


# Warning letters ------------------------------------------------------------


class NoArrearsForLetterError(DomainError):
    code = "no_arrears_for_letter"


class LetterAlreadyIssuedError(DomainError):
    status_code = 409
    code = "letter_already_issued"


def _issued_today(today: date, keys: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """{(assignment_id, level): number} of the letters among `keys` issued on `today`."""
    if not keys:
        return {}
    found = db.session.execute(
        sa.select(WarningLetter.assignment_id, WarningLetter.level, WarningLetter.number).where(
            WarningLetter.issued_on == today,
            WarningLetter.assignment_id.in_({k[0] for k in keys}),
        )
    ).all()
    wanted = set(keys)
    return {(a, lv): n for a, lv, n in found if (a, lv) in wanted}


def _new_letter(
    actor, row: ArrearsRow, level: str, hall: Hall, *, today, now, deadline_days, batch
):
    seq = next_number("letter", hall.code, today.year)
    letter = WarningLetter(
        number=rules.letter_number(seq, level, hall.code, today),
        hall_id=hall.id,
        year=today.year,
        seq=seq,
        assignment_id=row.assignment_id,
        business_id=row.business_id,
        stall_id=row.stall_id,
        level=level,
        issued_on=today,
        unpaid_days=row.unpaid_days,
        amount=row.amount,
        oldest_unpaid=row.oldest_unpaid,
        deadline=today + timedelta(days=deadline_days),
        batch=batch,
        issued_by_id=actor.id,
        issued_at=now,
    )
    db.session.add(letter)
    record(
        actor,
        "warning_letter_issued",
        letter,
        after={
            "number": letter.number,
            "level": level,
            "business": row.business_name,
            "nik": row.nik_masked,
            "stall": row.stall_code,
            "unpaid_days": row.unpaid_days,
            "amount": row.amount,
            "deadline": letter.deadline.isoformat(),
        },
        at=now,
    )
    return letter


def issue_letter(
    actor,
    assignment: Assignment,
    level: str,
    *,
    today: date,
    now: datetime,
    thresholds: tuple[int, int, int, int],
    deadline_days: int,
) -> WarningLetter:
    """Issue a warning letter of `level` for one stall's arrears, if they reach that level."""
    if level not in rules.WARNING_LEVELS:
        raise DomainError(_("Choose a warning level."), field="level")
    rows = arrears_rows(today, thresholds, ArrearsFilter(assignment_ids=(assignment.id,)))
    if not rows or not rules.level_at_least(rows[0].level, level):
        raise NoArrearsForLetterError(
            _("The arrears of this business do not reach that warning level."), field="level"
        )
    earlier = _issued_today(today, [(assignment.id, level)])
    if earlier:
        raise LetterAlreadyIssuedError(
            _(
                "Letter %(number)s of this level was already issued today for this stall.",
                number=earlier[(assignment.id, level)],
            ),
            field="level",
        )
    hall = db.session.get(Hall, rows[0].hall_id)
    return _new_letter(
        actor, rows[0], level, hall, today=today, now=now, deadline_days=deadline_days, batch=None
    )


def issue_hall_letters(
    actor,
    hall: Hall,
    level: str,
    *,
    today: date,
    now: datetime,
    thresholds: tuple[int, int, int, int],
    deadline_days: int,
) -> tuple[str, list[WarningLetter]]:
    """Issue a letter to every business of the hall whose arrears reach `level`, each at
    the level its own arrears have reached; they share a batch printed as one PDF."""
    if level not in rules.WARNING_LEVELS:
        raise DomainError(_("Choose a warning level."), field="level")
    rows = arrears_rows(
        today, thresholds, ArrearsFilter(hall_ids=frozenset({hall.id}), level=level)
    )
    if not rows:
        raise NoArrearsForLetterError(
            _("No business of this hall has arrears at or above that level."), field="level"
        )
    # A repeated click issues nothing twice: letters of today at the same level are kept.
    earlier = _issued_today(today, [(row.assignment_id, row.level) for row in rows])
    rows = [row for row in rows if (row.assignment_id, row.level) not in earlier]
    if not rows:
        raise LetterAlreadyIssuedError(_("These letters were already issued today."), field="level")
    batch = uuid.uuid4().hex
    letters = [
        _new_letter(
            actor,
            row,
            row.level,
            hall,
            today=today,
            now=now,
            deadline_days=deadline_days,
            batch=batch,
        )
        for row in rows
    ]
    db.session.flush()
    return batch, letters


@dataclass(frozen=True)
class LetterData:
    """Everything a printed letter shows, plain values only."""

    number: str
    level: str
    issued_on: date
    deadline: date
    unpaid_days: int
    amount: int
    oldest_unpaid: date
    business_name: str
    owner_name: str
    address: str
    stall_code: str
    hall_code: str
    hall_name: str
    hall_address: str
    region_name: str
    issued_by: str


def letter_data(letter_ids: list[int] | None = None, batch: str | None = None) -> list[LetterData]:
    """The letters, joined with who and where in one statement, in number order."""
    from hallmgr.auth.models import User

    query = (
        sa.select(
            WarningLetter,
            Business.name,
            Business.owner_name,
            Business.address,
            Stall.code,
            Hall.code,
            Hall.name,
            Hall.address,
            Region.name,
            User.full_name,
        )
        .join(Business, Business.id == WarningLetter.business_id)
        .join(Stall, Stall.id == WarningLetter.stall_id)
        .join(Hall, Hall.id == WarningLetter.hall_id)
        .join(Region, Region.code == Hall.region_code)
        .join(User, User.id == WarningLetter.issued_by_id)
        .order_by(WarningLetter.hall_id, WarningLetter.year, WarningLetter.seq)
    )
    if letter_ids is not None:
        query = query.where(WarningLetter.id.in_(letter_ids))
    if batch is not None:
        query = query.where(WarningLetter.batch == batch)
    out = []
    for (
        letter,
        b_name,
        owner,
        b_addr,
        stall,
        h_code,
        h_name,
        h_addr,
        region,
        issuer,
    ) in db.session.execute(query).tuples():
        out.append(
            LetterData(
                number=letter.number,
                level=letter.level,
                issued_on=letter.issued_on,
                deadline=letter.deadline,
                unpaid_days=letter.unpaid_days,
                amount=letter.amount,
                oldest_unpaid=letter.oldest_unpaid,
                business_name=b_name,
                owner_name=owner,
                address=b_addr or "",
                stall_code=stall,
                hall_code=h_code,
                hall_name=h_name,
                hall_address=h_addr or "",
                region_name=region,
                issued_by=issuer,
            )
        )
    return out
