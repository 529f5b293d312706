"""What each assignment owes up to a day, without walking the calendar in SQL.

One statement, whatever the halls, stalls or days, reads:

1. the assignments in scope with their hall's open weekdays and their stall's class;
2. the tariffs, the closures and the waivers of the period (small tables);
3. with each assignment, its valid paid days as 62-bit masks, one per 62-day block of
   payment_days.day_number (days since 1970-01-01), joined into one text: the rows of
   paid_blocks, kept by the database with triggers on payment_days (see
   hallmgr/arrears/models.py), a few per assignment rather than one per paid day.

All of them travel as rows of one UNION ALL statement (told apart by the column `k`),
so the caller's own rows (the names of an arrears list) come in the same round trip.

The due days are then bit sets in Python: a hall's open weekdays repeated over the
period, less its closures, less the class's days without a tariff; per assignment, cut
to its period and less its stall's waivers. Unpaid = due AND NOT paid; the count is a
popcount, the amount a popcount per tariff segment times its rate, and the oldest unpaid
day the lowest set bit. Paid days outside the period (credits) or on days no longer due
fall away by themselves. The same SQL runs on SQLite and PostgreSQL.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from hallmgr.arrears.models import PaidBlock
from hallmgr.assignments.models import Assignment
from hallmgr.collection.models import Waiver, day_number
from hallmgr.extensions import db
from hallmgr.halls.models import Closure, Hall, Stall, Tariff

BLOCK = 62  # days per mask: their bits sum below 2**62, inside a signed 64-bit integer


@dataclass(frozen=True)
class Owed:
    assignment_id: int
    unpaid_days: int
    amount: int
    oldest_unpaid: date
    newest_unpaid: date | None = None  # the last unpaid due day (`until` when it is one)


@dataclass(frozen=True)
class Scope:
    """Which assignments: all, or narrowed by halls, hall condition, businesses, ids, or
    to those whose period includes a day (`current_on`: a hall's tenants of that day, an
    SQL condition rather than a long list of ids to bind and cache-key)."""

    hall_ids: Iterable[int] | None = None
    hall_condition: object | None = None  # an SQL condition on Hall
    business_ids: Iterable[int] | None = None
    assignment_ids: Iterable[int] | None = None
    current_on: date | None = None

    def where(self, query, a, s, h, *, bound: bool = False):
        """`query` narrowed to the scope; with `bound`, its values are bind parameters
        named as in params(), so that the statement can be built once per shape."""
        if self.hall_ids is not None:
            query = query.where(s.c.hall_id.in_(self._value("hall_ids", bound)))
        if self.hall_condition is not None:
            query = query.where(self.hall_condition)
        if self.business_ids is not None:
            query = query.where(a.c.business_id.in_(self._value("business_ids", bound)))
        if self.assignment_ids is not None:
            query = query.where(a.c.id.in_(self._value("assignment_ids", bound)))
        if self.current_on is not None:
            day = self._value("current_on", bound)
            query = query.where(
                a.c.start_date <= day, sa.or_(a.c.end_date.is_(None), a.c.end_date >= day)
            )
        return query

    def _value(self, name: str, bound: bool):
        if name == "current_on":
            return sa.bindparam("scope_current_on", type_=sa.Date) if bound else self.current_on
        if bound:
            return sa.bindparam(f"scope_{name}", expanding=True)
        return list(getattr(self, name))

    def params(self) -> dict:
        """The values of the bind parameters of where(bound=True)."""
        out = {}
        for name in ("hall_ids", "business_ids", "assignment_ids"):
            value = getattr(self, name)
            if value is not None:
                out[f"scope_{name}"] = list(value)
        if self.current_on is not None:
            out["scope_current_on"] = self.current_on
        return out

    @property
    def shape(self) -> tuple | None:
        """Which narrowings are set (None with an SQL hall condition, built per call)."""
        if self.hall_condition is not None:
            return None
        return (
            self.hall_ids is not None,
            self.business_ids is not None,
            self.assignment_ids is not None,
            self.current_on is not None,
        )

    @property
    def everything(self) -> bool:
        return (
            self.hall_ids is None
            and self.hall_condition is None
            and self.business_ids is None
            and self.assignment_ids is None
            and self.current_on is None
        )


def _ordinal(day: date) -> int:
    return day_number(day)


def _weekly_mask(open_days: int, first: date, length: int) -> int:
    """Bit i set when first + i falls on an open weekday (open_days: Monday = 1 … Sunday = 64)."""
    week = 0
    for i in range(7):
        if open_days & (1 << (first + timedelta(days=i)).weekday()):
            week |= 1 << i
    mask, span = week, 7
    while span < length:
        mask |= mask << span
        span *= 2
    return mask & ((1 << length) - 1)


def _range_mask(lo: int, hi: int) -> int:
    """Bits lo..hi inclusive (empty when hi < lo)."""
    if hi < lo:
        return 0
    return ((1 << (hi - lo + 1)) - 1) << lo


class _Calendar:
    """Bit positions are days since `first`; `length` bits cover first..until."""

    def __init__(self, first: date, until: date):
        self.first = first
        self.base = _ordinal(first)
        self.length = (until - first).days + 1

    def pos(self, day: date) -> int:
        return _ordinal(day) - self.base

    def span(self, start: date, end: date) -> int:
        return _range_mask(max(self.pos(start), 0), min(self.pos(end), self.length - 1))


# One statement: every input travels as rows of one UNION ALL, told apart by `k`.
TARIFF, CLOSURE, WAIVER, ASSIGNMENT, ROW = range(5)
SLOTS = (
    ("k", sa.Integer),
    *((f"i{n}", sa.BigInteger) for n in range(1, 9)),
    *((f"d{n}", sa.Date) for n in range(1, 4)),
    *((f"t{n}", sa.String) for n in range(1, 10)),
)


def part(kind: int, source, **values):
    """A SELECT of all slots: `values` fill some (i1…i8, d1…d3, t1…t9), NULL the rest.
    `source` is the SELECT to take FROM/WHERE/GROUP BY from (its columns are replaced)."""
    columns = [sa.literal_column(str(kind), sa.Integer).label("k")]
    for name, type_ in SLOTS[1:]:
        value = values.pop(name, None)
        columns.append(
            # No CAST of a value: SQLite would turn a date string into a number.
            (
                sa.type_coerce(value, type_) if value is not None else sa.cast(sa.null(), type_)
            ).label(name)
        )
    if values:
        raise TypeError(f"unknown slots {sorted(values)}")
    return source.with_only_columns(*columns, maintain_column_froms=True)


def _scoped(scope: Scope, *columns, bound: bool = False):
    a = Assignment.__table__
    s = Stall.__table__
    h = Hall.__table__
    joined = a.join(s, s.c.id == a.c.stall_id).join(h, h.c.id == s.c.hall_id)
    query = sa.select(*columns).select_from(joined)
    return scope.where(query, a, s, h, bound=bound)


class _list_agg(sa.sql.functions.FunctionElement):
    """Its text arguments joined with commas over the group (order not kept)."""

    type = sa.String()
    inherit_cache = True


@compiles(_list_agg)
def _list_agg_default(element, compiler, **kw):
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_list_agg, "sqlite")
def _list_agg_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def statement(
    until: date | None, scope: Scope, rows=None, *, bound: bool = False, carry=None, order=()
):
    """The one statement: tariffs, closures, waivers, assignments and paid-day masks of
    the scope (and `rows`, a part() of kind ROW, last, in its own order). With `bound`,
    `until` and the scope's values are bind parameters (see _params()). `carry(query,
    a, s, h, until)` gives the assignments' query more columns: it returns the query
    (joined further, narrowed) and its columns by free slot; `order` sorts by slots."""
    a = Assignment.__table__
    s = Stall.__table__
    h = Hall.__table__
    t = Tariff.__table__
    cl = Closure.__table__
    w = Waiver.__table__
    if bound:
        until = sa.bindparam("until", type_=sa.Date)
        last_block = sa.bindparam("until_block", type_=sa.Integer)
    else:
        last_block = day_number(until) // BLOCK
    in_scope = a.c.start_date <= until
    tariffs = part(
        TARIFF,
        sa.select(t),
        i1=t.c.stall_class_id,
        i2=t.c.daily_rate,
        d1=t.c.effective_from,
    )
    closures = part(
        CLOSURE,
        sa.select(cl).where(cl.c.start_date <= until),
        i1=cl.c.hall_id,
        d1=cl.c.start_date,
        d2=cl.c.end_date,
    )
    waivers = sa.select(w).where(w.c.day <= until)
    if scope.business_ids is not None or scope.assignment_ids is not None:
        waivers = waivers.where(w.c.stall_id.in_(_scoped(scope, a.c.stall_id, bound=bound)))
    elif not scope.everything:
        # Narrowed by halls only: every stall of the halls, without reading assignments a
        # second time (waivers of stalls without a tenant in scope fall away in compute()).
        by_hall = Scope(hall_ids=scope.hall_ids, hall_condition=scope.hall_condition)
        if not by_hall.everything:
            stalls = sa.select(s.c.id).select_from(s.join(h, h.c.id == s.c.hall_id))
            waivers = waivers.where(w.c.stall_id.in_(by_hall.where(stalls, a, s, h, bound=bound)))
    waivers = part(WAIVER, waivers, i1=w.c.stall_id, d1=w.c.day)
    # The valid paid days of each assignment ride on its row: "block,mask,block,mask…"
    # from paid_blocks, where bit k of block b is day 62·b + k (days since 1970-01-01),
    # kept by the database with triggers on payment_days. A few primary-key rows per
    # assignment and one text per assignment, rather than a row per block or per day.
    # A block's days after `until` fall away in compute(), as the due days stop there.
    pb = PaidBlock.__table__
    comma = sa.literal_column("','", sa.String)
    blocks = _list_agg(sa.cast(pb.c.block, sa.String) + comma + sa.cast(pb.c.mask, sa.String))
    recent = pb.c.block <= last_block
    source = _scoped(scope, a.c.id, bound=bound).where(in_scope)
    if scope.everything:
        # Every assignment: one pass over paid_blocks, grouped, joined by hash.
        grouped = (
            sa.select(pb.c.assignment_id, blocks.label("blocks"))
            .where(recent)
            .group_by(pb.c.assignment_id)
            .subquery("paid")
        )
        source = source.outerjoin(grouped, grouped.c.assignment_id == a.c.id)
        paid = grouped.c.blocks
    else:
        # Some assignments: their own rows, read from the primary key.
        paid = sa.select(blocks).where(pb.c.assignment_id == a.c.id, recent).scalar_subquery()
    carried = {}
    if carry is not None:
        source, carried = carry(source, a, s, h, until)
    assignments = part(
        ASSIGNMENT,
        source,
        i1=a.c.id,
        i2=a.c.stall_id,
        i3=s.c.hall_id,
        i4=s.c.stall_class_id,
        i5=h.c.open_days,
        d1=a.c.start_date,
        d2=a.c.end_date,
        t1=paid,
        **carried,
    )
    parts = [tariffs, closures, waivers, assignments]
    if order:  # carried rows in their order (no ROW part then)
        union = sa.union_all(*parts).subquery("inputs")
        return sa.select(union).order_by(union.c.k, *(union.c[name] for name in order))
    if rows is None:
        return sa.union_all(*parts)
    union = sa.union_all(*parts, rows).subquery("inputs")
    order = [union.c.k] + [union.c[name] for name in ROW_ORDER]
    return sa.select(union).order_by(*order)


# The order of the rows part: its slots, compared as the database sorts them.
ROW_ORDER = ("t1", "t3", "t5", "t6", "i1")


@dataclass
class _Inputs:
    tariffs: dict[int, list[tuple[date, int]]]
    closures: list[tuple[int | None, date, date]]
    waivers: list[tuple[int, date]]
    assignments: list
    paid: dict[int, str]  # assignment id -> "block,mask,block,mask…"
    carried: list = field(default_factory=list)  # whole ASSIGNMENT rows, when carrying


# Positions of the slots in a row.
I1, I2, I3, I4, I5 = range(1, 6)
D1 = [name for name, _type in SLOTS].index("d1")
D2, T1 = D1 + 1, D1 + 3


def _collect(result, carrying: bool = False) -> tuple[_Inputs, object]:
    """Read the rows of the inputs; return them with the iterator left on the ROW rows."""
    inputs = _Inputs({}, [], [], [], {})
    paid = inputs.paid
    rows = iter(result.tuples())
    for r in rows:
        k = r[0]
        if k == ASSIGNMENT:
            # id, stall, hall, class, open days, start, end; paid blocks
            inputs.assignments.append((r[I1], r[I2], r[I3], r[I4], r[I5], r[D1], r[D2]))
            if r[T1]:
                paid[r[I1]] = r[T1]
            if carrying:
                inputs.carried.append(r)
        elif k == TARIFF:
            inputs.tariffs.setdefault(r[I1], []).append((r[D1], r[I2]))
        elif k == CLOSURE:
            inputs.closures.append((r[I1], r[D1], r[D2]))
        elif k == WAIVER:
            inputs.waivers.append((r[I1], r[D1]))
        else:
            return inputs, _chain(r, rows)
    return inputs, iter(())


def _chain(first, rest):
    yield first
    yield from rest


# Statements built once per scope shape, their values bound at execution: building
# the statement and its cache key cost more than running it for a hall's round.
_BUILT: dict[tuple, sa.Select] = {}


def _params(until: date, scope: Scope) -> dict:
    return {"until": until, "until_block": day_number(until) // BLOCK, **scope.params()}


def _execute(until: date, scope: Scope, key: str | None, **options):
    """statement(until, scope, **options) executed; with a `key`, built once per key and
    scope shape and its values bound."""
    shape = scope.shape
    if key is None or shape is None:
        return db.session.execute(statement(until, scope, **options))
    built = _BUILT.get((key, shape))
    if built is None:
        built = _BUILT[(key, shape)] = statement(None, scope, bound=True, **options)
    return db.session.execute(built, _params(until, scope))


def owed(until: date, scope: Scope = Scope()) -> dict[int, Owed]:
    """Unpaid due days up to `until` (inclusive) per assignment in scope, in one statement;
    only assignments that owe something appear."""
    inputs, _ = _collect(_execute(until, scope, "owed"))
    return compute(until, inputs)


def owed_carrying(until: date, scope: Scope, carry, order, *, key: str | None = None):
    """Like owed(), the assignments' rows carrying more columns (see statement()), in
    `order`: returns the owed amounts and those rows (whole, as the statement's slots).
    With a `key`, the statement is built once per key and scope shape, so `carry` must
    use no value but `until` and the scope's (bind parameters then)."""
    result = _execute(until, scope, key, carry=carry, order=order)
    inputs, _ = _collect(result, carrying=True)
    return compute(until, inputs), inputs.carried


def owed_with_rows(until: date, scope: Scope, rows, *, chunk: int = 1000):
    """Like owed(), with `rows` (a part() of kind ROW) fetched by the same statement:
    returns the owed amounts and an iterator over those rows, in ROW_ORDER."""
    result = db.session.execute(
        statement(until, scope, rows), execution_options={"yield_per": chunk}
    )
    inputs, rest = _collect(result)
    return compute(until, inputs), rest


def compute(until: date, inputs: _Inputs) -> dict[int, Owed]:
    assignments = inputs.assignments
    if not assignments:
        return {}
    first = min(r[5] for r in assignments)
    if first > until:
        return {}
    cal = _Calendar(first, until)

    # Tariffs per class: segments of the calendar with their rate.
    segments: dict[int, list[tuple[int, int]]] = {}
    for class_id, rows in inputs.tariffs.items():
        rows.sort()
        segs = []
        for n, (since, rate) in enumerate(rows):
            last = rows[n + 1][0] - timedelta(days=1) if n + 1 < len(rows) else until
            mask = cal.span(since, last)
            if mask:
                segs.append((mask, rate))
        segments[class_id] = segs

    # Closures per hall (None: the whole province) and waivers per stall, as bit sets.
    closed: dict[int | None, int] = {}
    for hall_id, start, end in inputs.closures:
        closed[hall_id] = closed.get(hall_id, 0) | cal.span(start, end)
    waived: dict[int, int] = {}
    for stall_id, day in inputs.waivers:
        if day >= first:
            waived[stall_id] = waived.get(stall_id, 0) | (1 << cal.pos(day))

    # Paid days: blocks counted from 1970-01-01, moved to bit positions from `first`.
    # One json.loads for every assignment's "block,mask,…" (a call each costs more).
    paid: dict[int, int] = {}
    base = cal.base
    texts = inputs.paid
    if texts:
        lists = json.loads("[[" + "],[".join(texts.values()) + "]]")
        for assignment_id, numbers in zip(texts, lists, strict=True):
            mask = 0
            for n in range(0, len(numbers), 2):
                shift = numbers[n] * BLOCK - base
                bits = numbers[n + 1]
                mask |= bits << shift if shift >= 0 else bits >> -shift
            paid[assignment_id] = mask

    province = closed.get(None, 0)
    templates: dict[tuple[int, int], int] = {}
    weekly: dict[int, int] = {}
    out: dict[int, Owed] = {}
    # Bit positions of an assignment's period, inlined from cal.span (once per row).
    first_ordinal = first.toordinal()
    until_pos = cal.length - 1
    for assignment_id, stall_id, hall_id, class_id, open_days, start, end in assignments:
        key = (hall_id, class_id)
        template = templates.get(key)
        if template is None:
            if open_days not in weekly:
                weekly[open_days] = _weekly_mask(open_days, first, cal.length)
            priced = 0
            for mask, _rate in segments.get(class_id, ()):
                priced |= mask
            template = weekly[open_days] & priced & ~province & ~closed.get(hall_id, 0)
            templates[key] = template
        lo = max(start.toordinal() - first_ordinal, 0)
        hi = until_pos if end is None else min(end.toordinal() - first_ordinal, until_pos)
        if hi < lo:
            continue
        unpaid = template & (((1 << (hi - lo + 1)) - 1) << lo)  # due in the period
        if stall_id in waived:
            unpaid &= ~waived[stall_id]
        if assignment_id in paid:
            unpaid &= ~paid[assignment_id]
        if not unpaid:
            continue
        count = unpaid.bit_count()
        segs = segments[class_id]
        if len(segs) == 1:  # one rate: every unpaid day is inside its segment
            amount = segs[0][1] * count
        else:
            amount = sum(rate * (unpaid & mask).bit_count() for mask, rate in segs)
        oldest = date.fromordinal(first_ordinal + (unpaid & -unpaid).bit_length() - 1)
        newest = date.fromordinal(first_ordinal + unpaid.bit_length() - 1)
        out[assignment_id] = Owed(assignment_id, count, amount, oldest, newest)
    return out
