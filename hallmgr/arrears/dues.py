"""What is due, for many assignments at once: the one implementation every caller uses.

hallmgr.arrears.rules says, one day at a time, which days of an assignment are due and
what each costs; it is the reference. This module answers the same questions for a stall,
a hall or the whole province: `accounts()` reads the inputs in a fixed number of named
statements (assignments, the halls' weekly open days, closures, waivers, tariffs and the
days each assignment's payments cover) and combines them as sets of days.

A set of days (`Days`) is an integer whose bit i stands for the calendar's first day + i.
Open weekdays, closures, waivers, tariff periods and paid days then combine with the set
operations of the rules: due = in the period & open & priced - closed - waived, and
unpaid = due - paid. Counting is a popcount, so a year of 10,000 stalls is a few thousand
integer operations rather than millions of per-day steps.

Paid days reach Python as one row per assignment and 62-day block (`paid_masks()`), not
one row per day: the database folds each assignment's covered days into a 62-bit mask.

Callers: the arrears list, the round, the pay form's payable days and a payment's price,
waivers, the ledger, the hall map, the dashboard, the API and the CLI.
tests/arrears/test_dues.py holds every one of their views to the rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from hallmgr.assignments.models import Assignment
from hallmgr.collection.models import BLOCK_DAYS, Payment, PaymentDay, Waiver, day_number
from hallmgr.core.days import WIB
from hallmgr.extensions import db
from hallmgr.halls.models import Closure, Hall, HallSchedule, Stall, Tariff

# Sets of days ---------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The days from `first` to `last` (both included) that sets of days are made of."""

    first: date
    last: date

    @cached_property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    def index(self, day: date) -> int:
        return (day - self.first).days

    def days(self, bits: int) -> Days:
        return Days(self, bits & ((1 << self.length) - 1))

    def span(self, start: date, end: date | None = None) -> Days:
        """Every day from `start` to `end` (default: the last), cut to the calendar."""
        top = self.length - 1
        lo = max((start - self.first).days, 0)
        hi = top if end is None else min((end - self.first).days, top)
        if hi < lo:
            return Days(self, 0)
        return Days(self, ((1 << (hi - lo + 1)) - 1) << lo)

    def of(self, days: Iterable[date]) -> Days:
        bits = 0
        for day in days:
            i = self.index(day)
            if 0 <= i < self.length:
                bits |= 1 << i
        return Days(self, bits)

    def weekly(self, open_days: int) -> Days:
        """The days falling on the open weekdays (Monday = bit 0 … Sunday = bit 6)."""
        week = 0
        for i in range(7):
            if open_days & (1 << (self.first + timedelta(days=i)).weekday()):
                week |= 1 << i
        bits, span = week, 7
        while span < self.length:
            bits |= bits << span
            span *= 2
        return self.days(bits)

    def from_blocks(self, blocks: Iterable[tuple[int, int]]) -> Days:
        """The days of (block, mask) pairs: bit k of block b is day number 62·b + k."""
        base = day_number(self.first)
        bits = 0
        for block, mask in blocks:
            shift = block * BLOCK_DAYS - base
            bits |= mask << shift if shift >= 0 else mask >> -shift
        return self.days(bits)


@dataclass(frozen=True, slots=True)
class Days:
    """A set of days of one calendar."""

    calendar: Calendar
    bits: int

    def __and__(self, other: Days) -> Days:
        return Days(self.calendar, self.bits & other.bits)

    def __or__(self, other: Days) -> Days:
        return Days(self.calendar, self.bits | other.bits)

    def __sub__(self, other: Days) -> Days:
        return Days(self.calendar, self.bits & ~other.bits)

    def __bool__(self) -> bool:
        return self.bits != 0

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __contains__(self, day: date) -> bool:
        i = self.calendar.index(day)
        return i >= 0 and (self.bits >> i) & 1 == 1

    def __iter__(self) -> Iterator[date]:
        """The days in order."""
        first, bits = self.calendar.first, self.bits
        while bits:
            lowest = bits & -bits
            yield first + timedelta(days=lowest.bit_length() - 1)
            bits ^= lowest

    @property
    def first(self) -> date | None:
        if not self.bits:
            return None
        return self.calendar.first + timedelta(days=(self.bits & -self.bits).bit_length() - 1)

    @property
    def last(self) -> date | None:
        if not self.bits:
            return None
        return self.calendar.first + timedelta(days=self.bits.bit_length() - 1)

    def between(self, start: date | None = None, end: date | None = None) -> Days:
        """The days from `start` to `end` (both included; None: no bound)."""
        return self & self.calendar.span(start or self.calendar.first, end)


@dataclass(frozen=True)
class Prices:
    """A stall class's tariffs over a calendar: each daily rate with the days it is in force."""

    segments: tuple[tuple[Days, int], ...]

    @cached_property
    def priced(self) -> Days | None:
        """The days with a tariff in force (None when the class never had one)."""
        days = None
        for segment, _rate in self.segments:
            days = segment if days is None else days | segment
        return days

    def amount(self, days: Days) -> int:
        """What the days cost at the tariffs in force on each."""
        return sum(rate * len(days & segment) for segment, rate in self.segments)

    def rate_on(self, day: date) -> int | None:
        return next((rate for segment, rate in self.segments if day in segment), None)


# Accounts -------------------------------------------------------------------


@dataclass(frozen=True)
class Tenancy:
    """An assignment as the dues see it."""

    assignment_id: int
    stall_id: int
    business_id: int
    hall_id: int
    class_id: int
    start: date
    end: date | None


@dataclass(frozen=True)
class Owed:
    """Unpaid due days, summed."""

    days: int
    amount: int
    oldest: date | None


@dataclass(frozen=True)
class Account:
    """One assignment's days up to the calendar's last day, as the rules define them."""

    tenancy: Tenancy
    period: Days  # from its start to its end or the calendar's last day
    open: Days  # its hall open: an open weekday of the schedule in force that day
    closed: Days  # a closure of its hall or of the whole province
    waived: Days  # its stall's waivers
    prices: Prices
    paid: Days  # covered by its valid payments (every such day, due or not)

    @property
    def assignment_id(self) -> int:
        return self.tenancy.assignment_id

    @cached_property
    def due(self) -> Days:
        priced = self.prices.priced
        if priced is None:
            return self.period.calendar.days(0)
        return (self.period & self.open & priced) - self.closed - self.waived

    @cached_property
    def unpaid(self) -> Days:
        return self.due - self.paid

    @cached_property
    def credit(self) -> Days:
        """Days paid that are not due (a closure or waiver added after the payment)."""
        return (self.paid & self.period) - self.due

    def owed(self, through: date | None = None) -> Owed:
        """The unpaid due days up to `through` (default: the calendar's last day)."""
        days = self.unpaid if through is None else self.unpaid.between(None, through)
        return Owed(len(days), self.prices.amount(days), days.first)

    def amount(self, days: Days) -> int:
        return self.prices.amount(days)


@dataclass(frozen=True)
class Scope:
    """Which assignments: narrowed by halls (ids, a region, a hall code), businesses,
    assignments, stalls, and to those whose period includes a day (`active_on`)."""

    hall_ids: Iterable[int] | None = None
    region_code: str | None = None
    hall_code: str | None = None
    business_ids: Iterable[int] | None = None
    assignment_ids: Iterable[int] | None = None
    stall_ids: Iterable[int] | None = None
    active_on: date | None = None

    def where(self, query):
        """`query` (on assignments joined to their stalls and halls) narrowed to the scope."""
        if self.hall_ids is not None:
            query = query.where(Stall.hall_id.in_(list(self.hall_ids)))
        if self.region_code is not None:
            query = query.where(Hall.region_code == self.region_code)
        if self.hall_code is not None:
            query = query.where(Hall.code == self.hall_code)
        if self.business_ids is not None:
            query = query.where(Assignment.business_id.in_(list(self.business_ids)))
        if self.assignment_ids is not None:
            query = query.where(Assignment.id.in_(list(self.assignment_ids)))
        if self.stall_ids is not None:
            query = query.where(Assignment.stall_id.in_(list(self.stall_ids)))
        if self.active_on is not None:
            query = query.where(Assignment.active_on(self.active_on))
        return query

    @property
    def everything(self) -> bool:
        return all(value is None for value in vars(self).values())


def assignments_query(scope: Scope, *columns):
    """SELECT `columns` of the assignments in scope (joined to their stalls and halls)."""
    query = (
        sa.select(*columns)
        .select_from(Assignment)
        .join(Stall, Stall.id == Assignment.stall_id)
        .join(Hall, Hall.id == Stall.hall_id)
    )
    return scope.where(query)


def accounts(until: date, scope: Scope = Scope(), *, as_of: date | None = None) -> list[Account]:
    """The accounts of the assignments in scope begun by `until`, their days up to `until`.

    Paid days are those of the payments valid now, or with `as_of`, as the position stood
    at the end of that day: payments recorded later do not count, and voids made later are
    not yet made.
    """
    tenancies = [
        Tenancy(*row)
        for row in db.session.execute(
            assignments_query(
                scope,
                Assignment.id,
                Assignment.stall_id,
                Assignment.business_id,
                Stall.hall_id,
                Stall.stall_class_id,
                Assignment.start_date,
                Assignment.end_date,
            )
            .where(Assignment.start_date <= until)
            .order_by(Assignment.id)
        ).tuples()
    ]
    if not tenancies:
        return []
    calendar = Calendar(min(t.start for t in tenancies), until)
    inputs = _Inputs.read(calendar, scope, {t.hall_id for t in tenancies}, as_of)
    return [inputs.account(t) for t in tenancies]


@dataclass
class _Inputs:
    """What the accounts of a scope are made of, read once for all of them."""

    calendar: Calendar
    open: dict[int, Days]
    closed: dict[int, Days]
    waived: dict[int, Days]
    prices: dict[int, Prices]
    paid: dict[int, Days]

    @classmethod
    def read(cls, calendar: Calendar, scope: Scope, hall_ids: set[int], as_of: date | None):
        return cls(
            calendar,
            open=open_days(calendar, hall_ids),
            closed=closed_days(calendar, hall_ids),
            waived=waived_days(calendar, scope),
            prices=prices(calendar),
            paid=paid_days(calendar, scope, as_of),
        )

    def account(self, t: Tenancy) -> Account:
        nothing = self.calendar.days(0)
        return Account(
            tenancy=t,
            period=self.calendar.span(t.start, t.end),
            open=self.open.get(t.hall_id, nothing),
            closed=self.closed.get(t.hall_id, nothing),
            waived=self.waived.get(t.stall_id, nothing),
            prices=self.prices.get(t.class_id, Prices(())),
            paid=self.paid.get(t.assignment_id, nothing),
        )


# The inputs, one statement each ----------------------------------------------


def open_days(calendar: Calendar, hall_ids: set[int]) -> dict[int, Days]:
    """Per hall, the days that fall on a weekday it opens, by the schedule in force then."""
    rows = db.session.execute(
        sa.select(HallSchedule.hall_id, HallSchedule.effective_from, HallSchedule.open_days)
        .where(HallSchedule.hall_id.in_(hall_ids), HallSchedule.effective_from <= calendar.last)
        .order_by(HallSchedule.hall_id, HallSchedule.effective_from)
    ).tuples()
    schedules: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for hall_id, since, weekdays in rows:
        schedules[hall_id].append((since, weekdays))
    weekly: dict[int, Days] = {}
    out = {}
    for hall_id, periods in schedules.items():
        days = calendar.days(0)
        for n, (since, weekdays) in enumerate(periods):
            until = periods[n + 1][0] - timedelta(days=1) if n + 1 < len(periods) else None
            if weekdays not in weekly:
                weekly[weekdays] = calendar.weekly(weekdays)
            days |= weekly[weekdays] & calendar.span(since, until)
        out[hall_id] = days
    return out


def closed_days(calendar: Calendar, hall_ids: set[int]) -> dict[int, Days]:
    """Per hall, the days a closure of the hall or of the whole province covers."""
    rows = db.session.execute(
        sa.select(Closure.hall_id, Closure.start_date, Closure.end_date).where(
            sa.or_(Closure.hall_id.is_(None), Closure.hall_id.in_(hall_ids)),
            Closure.start_date <= calendar.last,
            Closure.end_date >= calendar.first,
        )
    ).tuples()
    province = calendar.days(0)
    own: dict[int, Days] = {}
    for hall_id, start, end in rows:
        if hall_id is None:
            province |= calendar.span(start, end)
        else:
            own[hall_id] = own.get(hall_id, calendar.days(0)) | calendar.span(start, end)
    return {hall_id: own.get(hall_id, calendar.days(0)) | province for hall_id in hall_ids}


def waived_days(calendar: Calendar, scope: Scope) -> dict[int, Days]:
    """Per stall in scope, its waived days."""
    query = sa.select(Waiver.stall_id, Waiver.day).where(
        Waiver.day >= calendar.first, Waiver.day <= calendar.last
    )
    if not scope.everything:
        query = query.where(Waiver.stall_id.in_(assignments_query(scope, Assignment.stall_id)))
    days: dict[int, list[date]] = defaultdict(list)
    for stall_id, day in db.session.execute(query).tuples():
        days[stall_id].append(day)
    return {stall_id: calendar.of(waived) for stall_id, waived in days.items()}


def prices(calendar: Calendar) -> dict[int, Prices]:
    """Per stall class, its tariffs over the calendar (a small table: read whole)."""
    rows = db.session.execute(
        sa.select(Tariff.stall_class_id, Tariff.effective_from, Tariff.daily_rate).order_by(
            Tariff.stall_class_id, Tariff.effective_from
        )
    ).tuples()
    tariffs: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for class_id, since, rate in rows:
        tariffs[class_id].append((since, rate))
    out = {}
    for class_id, periods in tariffs.items():
        segments = []
        for n, (since, rate) in enumerate(periods):
            until = periods[n + 1][0] - timedelta(days=1) if n + 1 < len(periods) else None
            segments.append((calendar.span(since, until), rate))
        out[class_id] = Prices(tuple(segments))
    return out


class bit_union(sa.sql.functions.GenericFunction):
    """The OR of integers over a group. Covered days are unique per assignment, so their
    bits never collide and SQLite's SUM gives the same as PostgreSQL's bit_or."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(bit_union)
def _bit_union(element, compiler, **kw):
    return f"bit_or({compiler.process(element.clauses, **kw)})"


@compiles(bit_union, "sqlite")
def _bit_union_sqlite(element, compiler, **kw):
    return f"SUM({compiler.process(element.clauses, **kw)})"


def paid_masks(calendar: Calendar, scope: Scope):
    """SELECT (assignment_id, block, mask) of the days covered now by the payments of the
    assignments in scope: bit k of block b is day number 62·b + k. Read from the index of
    covering days alone (ix_payment_days_cover_block), in its order."""
    pd = PaymentDay.__table__
    # A literal, not a parameter: PostgreSQL must see the same expression in GROUP BY, and
    # SQLite the one of the index.
    block = pd.c.day_number // sa.literal_column(str(BLOCK_DAYS), sa.Integer)
    bit = sa.cast(sa.literal(1), sa.BigInteger).op("<<")(pd.c.day_number % BLOCK_DAYS)
    query = (
        sa.select(pd.c.assignment_id, block.label("block"), bit_union(bit).label("mask"))
        .where(
            pd.c.covers == sa.true(),
            pd.c.day_number >= day_number(calendar.first),
            pd.c.day_number <= day_number(calendar.last),
        )
        .group_by(pd.c.assignment_id, block)
    )
    if not scope.everything:
        query = query.where(pd.c.assignment_id.in_(assignments_query(scope, Assignment.id)))
    return query


def paid_days(calendar: Calendar, scope: Scope, as_of: date | None) -> dict[int, Days]:
    """Per assignment in scope, the days its valid payments cover (at the end of `as_of`)."""
    blocks: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for assignment_id, block, mask in db.session.execute(paid_masks(calendar, scope)).tuples():
        blocks[assignment_id].append((block, int(mask)))
    out = {a: calendar.from_blocks(b) for a, b in blocks.items()}
    if as_of is not None:
        for assignment_id, day, counts in _changed_after(calendar, scope, as_of):
            days = out.get(assignment_id, calendar.days(0))
            one = calendar.of([day])
            out[assignment_id] = days | one if counts else days - one
    return out


def _changed_after(calendar: Calendar, scope: Scope, as_of: date):
    """(assignment, day, counted then) for each day whose cover changed after `as_of`: the
    days of payments recorded later (not counted then) and of payments voided later
    (counted then). Few rows unless `as_of` is long ago."""
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=WIB)
    recorded_later = Payment.business_day > as_of
    query = (
        sa.select(PaymentDay.assignment_id, PaymentDay.day, ~recorded_later)
        .join(Payment, Payment.id == PaymentDay.payment_id)
        .where(
            PaymentDay.day >= calendar.first,
            PaymentDay.day <= calendar.last,
            sa.or_(
                sa.and_(recorded_later, PaymentDay.covers == sa.true()),
                sa.and_(~recorded_later, Payment.voided_at >= end_of_day),
            ),
        )
    )
    if not scope.everything:
        query = query.where(PaymentDay.assignment_id.in_(assignments_query(scope, Assignment.id)))
    return db.session.execute(query).tuples()
