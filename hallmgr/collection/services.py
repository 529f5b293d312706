"""Collection: payments priced by the server, receipts numbered once, voids, closed marks,
waivers and deposits; and the set-based reads the collectors' pages need."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from operator import itemgetter

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload

from hallmgr.arrears import dues, engine
from hallmgr.arrears.rules import Period, payable_ahead
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.auth.models import User, user_halls
from hallmgr.auth.policy import hall_is_users
from hallmgr.businesses.models import Business
from hallmgr.collection import rules
from hallmgr.collection.models import (
    METHODS,
    ClosedMark,
    Deposit,
    Payment,
    PaymentDay,
    Waiver,
    day_number,
)
from hallmgr.core.days import WIB
from hallmgr.core.errors import ConflictError, DomainError, NotFoundError
from hallmgr.core.models import CalendarDay
from hallmgr.core.sequences import lock_counter, take_number
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall

RECEIPT = "receipt"
MAX_WAIVER_DAYS = 366


class DayAlreadyPaidError(ConflictError):
    code = "day_already_paid"


class IdempotencyMismatchError(DomainError):
    status_code = 422
    code = "idempotency_mismatch"


class AlreadyVoidError(ConflictError):
    code = "already_void"


@dataclass(frozen=True)
class PayableDay:
    day: date
    rate: int
    assignment_id: int
    business_id: int
    overdue: bool  # before today
    ahead: bool  # after today
    # The business's name and owner, when the read that found the day had them at hand.
    business_name: str | None = None
    owner_name: str | None = None


_INSERT_PAYMENT = sa.insert(Payment.__table__).returning(Payment.__table__.c.id)
_INSERT_DAYS = sa.insert(PaymentDay.__table__).returning(
    PaymentDay.__table__.c.id, sort_by_parameter_order=True
)


def _lock_hall(hall_code: str, year: int) -> None:
    """Lock the hall's receipt counter row until commit, without taking a number.

    Payments and waivers of one hall queue here, so each sees what the one before it
    committed; a replayed request that records nothing leaves the counter untouched.
    """
    lock_counter(RECEIPT, hall_code, year)


def _typed_null(type_):
    return sa.cast(sa.null(), type_)


@cache
def _named_days_statement():
    """For a payment of named days, in one read after the hall lock: the earlier payment
    of the same idempotency key, the valid receipts holding any of the days, and those of
    the days that are due (with their assignment's period and business).

    A day covered by a valid payment is always among the held ones, so the due days need
    not be filtered to the unpaid ones: a held day refuses the whole request first.
    """
    a = Assignment.__table__
    c = CalendarDay.__table__
    b = Business.__table__
    pd = PaymentDay.__table__
    p = Payment.__table__
    due = (
        dues.due_days(
            sa.bindparam("until", type_=sa.Date), since=sa.bindparam("since", type_=sa.Date)
        )
        .add_columns(a.c.start_date, a.c.end_date)
        .where(
            a.c.stall_id == sa.bindparam("stall_id"),
            c.c.day.in_(sa.bindparam("due_days", expanding=True)),
        )
        .subquery("due")
    )
    due_rows = sa.select(
        sa.literal_column("'due'").label("kind"),
        due.c.day,
        due.c.rate.label("n1"),
        due.c.assignment_id.label("n2"),
        due.c.business_id.label("n3"),
        due.c.start_date.label("d1"),
        due.c.end_date.label("d2"),
        sa.cast(b.c.name, sa.String).label("t1"),
        sa.cast(b.c.owner_name, sa.String).label("t2"),
    ).join(b, b.c.id == due.c.business_id)
    held_rows = (
        sa.select(
            sa.literal_column("'held'"),
            pd.c.day,
            _typed_null(sa.Integer),
            _typed_null(sa.Integer),
            _typed_null(sa.Integer),
            _typed_null(sa.Date),
            _typed_null(sa.Date),
            sa.cast(p.c.receipt_number, sa.String),
            _typed_null(sa.String),
        )
        .select_from(pd)
        .join(p, p.c.id == pd.c.payment_id)
        .where(
            pd.c.stall_id == sa.bindparam("stall_id"),
            pd.c.day.in_(sa.bindparam("held_days", expanding=True)),
            pd.c.void == sa.false(),
        )
    )
    replay_rows = sa.select(
        sa.literal_column("'replay'").label("kind"),
        _typed_null(sa.Date).label("day"),
        p.c.id.label("n1"),
        _typed_null(sa.Integer).label("n2"),
        _typed_null(sa.Integer).label("n3"),
        _typed_null(sa.Date).label("d1"),
        _typed_null(sa.Date).label("d2"),
        sa.cast(p.c.request_hash, sa.String).label("t1"),
        _typed_null(sa.String).label("t2"),
    ).where(
        p.c.collector_id == sa.bindparam("collector_id"),
        p.c.idempotency_key == sa.bindparam("idempotency_key"),
    )
    return sa.union_all(replay_rows, held_rows, due_rows)


def payable_days(
    stall: Stall, today: date, advance_days: int, *, among: list[date] | None = None
) -> list[PayableDay]:
    """The stall's unpaid due days up to today, then the days that may be paid ahead.

    `among` (sorted days) limits the answer to those of them that are payable: the query
    then reads only their span, not every due day since the assignment's start.
    """
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
    until, since = horizon, None
    if among is not None:
        if not among:
            return []
        until, since = min(horizon, among[-1]), among[0]
    due = dues.unpaid(
        dues.due_days(until, since=since, stall_ids=[stall.id], assignment_ids=list(periods))
    )
    rows = db.session.execute(due.order_by(sa.text("day"))).all()
    wanted = set(among) if among is not None else None
    out = []
    for row in rows:
        if wanted is not None and row.day not in wanted:
            continue
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


def _named_days(
    collector, stall: Stall, days: list[date], today: date, advance_days: int, key: str | None
) -> tuple[dict[date, PayableDay], tuple[int, str] | None, dict[date, str]]:
    """(payable days among `days`, (id, fingerprint) of the key's earlier payment, held days)."""
    if not days:
        return {}, None, {}
    horizon = today + timedelta(days=advance_days)
    rows = db.session.execute(
        _named_days_statement(),
        {
            "until": min(horizon, days[-1]),
            "since": days[0],
            "stall_id": stall.id,
            "due_days": days,
            "held_days": days,
            "collector_id": collector.id,
            "idempotency_key": key,
        },
    ).all()
    payable: dict[date, PayableDay] = {}
    earlier = None
    taken: dict[date, str] = {}
    for row in rows:
        kind = row[0]
        if kind == "replay":
            earlier = (row.n1, row.t1)
        elif kind == "held":
            taken[row.day] = row.t1
        else:
            if row.day > today:
                window = payable_ahead(Period(row.d1, row.d2), today, advance_days)
                if window is None or not (window[0] <= row.day <= window[1]):
                    continue
            payable[row.day] = PayableDay(
                day=row.day,
                rate=row.n1,
                assignment_id=row.n2,
                business_id=row.n3,
                overdue=row.day < today,
                ahead=row.day > today,
                business_name=row.t1,
                owner_name=row.t2,
            )
    return payable, earlier, taken


def current_assignment(stall_id: int, today: date) -> Assignment | None:
    """The assignment of the stall that covers today, if any."""
    return db.session.scalar(
        sa.select(Assignment).where(
            Assignment.stall_id == stall_id,
            Assignment.start_date <= today,
            sa.or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
        )
    )


def _holding_receipts(stall_id: int, days: list[date]) -> dict[date, str]:
    rows = db.session.execute(
        sa.select(PaymentDay.day, Payment.receipt_number)
        .join(Payment, Payment.id == PaymentDay.payment_id)
        .where(
            PaymentDay.stall_id == stall_id, PaymentDay.day.in_(days), PaymentDay.void == sa.false()
        )
    ).all()
    return {row.day: row.receipt_number for row in rows}


def holding_receipt(stall_id: int, day: date) -> str | None:
    """The number of the valid receipt that covers a stall's day, if any."""
    return _holding_receipts(stall_id, [day]).get(day)


def _already_paid(taken: dict[date, str]) -> DayAlreadyPaidError:
    day, number = min(taken.items())
    return DayAlreadyPaidError(
        _("%(day)s is already paid with receipt %(number)s.", day=day.isoformat(), number=number),
        field="days",
    )


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
    all_arrears: bool = False,
    assignment_id: int | None = None,
    count: int | None = None,
) -> tuple[Payment, bool]:
    """Record one receipt for chosen due days of a stall, priced from the tariffs.

    `all_arrears` adds every unpaid due day up to today of the assignment (the one given,
    else today's). `count` pays that many days instead: the oldest unpaid due days first,
    today included, then days ahead within the limit. Returns (payment, replayed): a
    retried request with the same idempotency key gives back the first payment instead
    of a second one.
    """
    if method not in METHODS:
        raise DomainError(_("Choose cash, QRIS or transfer."), field="method")
    days = sorted(set(days))
    if count is not None and (days or all_arrears or count < 1):
        raise DomainError(_("Give either the days or a number of days to pay."), field="days")
    if not days and not all_arrears and count is None:
        raise DomainError(_("Choose at least one day to pay."), field="days")
    hall = db.session.get(Hall, stall.hall_id)
    fingerprint = rules.request_fingerprint(stall.id, days, method, all_arrears, count)

    # The hall's receipt counter is locked first: payments of one hall queue here, so
    # every check below sees the payments committed before it, and numbers stay gapless.
    _lock_hall(hall.code, today.year)

    named = not all_arrears and count is None
    if named:
        # Chosen days: the replay, the held days and the payable ones in one read.
        payable, earlier, taken = _named_days(
            collector, stall, days, today, advance_days, idempotency_key
        )
    elif idempotency_key:
        earlier = db.session.execute(
            sa.select(Payment.id, Payment.request_hash).where(
                Payment.collector_id == collector.id,
                Payment.idempotency_key == idempotency_key,
            )
        ).first()
    else:
        earlier = None
    if earlier is not None:
        earlier_id, earlier_hash = earlier
        if earlier_hash != fingerprint:
            raise IdempotencyMismatchError(
                _("This request key was already used for a different payment.")
            )
        return db.session.get(Payment, earlier_id), True
    if not named:
        # The arrears and a count need every unpaid day.
        payable = {p.day: p for p in payable_days(stall, today, advance_days)}
        if assignment_id is None:
            current = current_assignment(stall.id, today)
            assignment_id = current.id if current else None
        if assignment_id is None and payable:
            assignment_id = min(payable.values(), key=lambda p: p.day).assignment_id
        own = sorted(d for d, p in payable.items() if p.assignment_id == assignment_id)
        if all_arrears:
            arrears = {d for d in own if not payable[d].ahead}
            days = sorted(set(days) | arrears)
            if not days:
                raise DomainError(_("There are no arrears left to pay."), field="days")
        if count is not None:
            if len(own) < count:
                raise DomainError(
                    ngettext(
                        "Only %(num)d day of this stall can be paid now.",
                        "Only %(num)d days of this stall can be paid now.",
                        len(own),
                    ),
                    field="days",
                )
            days = own[:count]
        taken = _holding_receipts(stall.id, days)
    if taken:
        raise _already_paid(taken)
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
    seq = take_number(RECEIPT, hall.code, today.year)
    values = {
        "receipt_number": rules.receipt_number(hall.code, today.year, seq),
        "hall_id": hall.id,
        "year": today.year,
        "seq": seq,
        "stall_id": stall.id,
        "business_id": chosen[0].business_id,
        "assignment_id": chosen[0].assignment_id,
        "amount": sum(p.rate for p in chosen),
        "method": method,
        "collector_id": collector.id,
        "recorded_at": now,
        "business_day": today,
        "idempotency_key": idempotency_key,
        "request_hash": fingerprint,
        "voided_at": None,
        "voided_by_id": None,
        "void_reason": None,
    }
    day_values = [
        {
            "stall_id": stall.id,
            "assignment_id": values["assignment_id"],
            "day_number": day_number(p.day),
            "day": p.day,
            "rate": p.rate,
            "void": False,
        }
        for p in chosen
    ]
    stall_id = stall.id
    try:
        # Plain inserts (the receipt, then all its days in one statement), not the ORM's
        # unit of work: this runs under the hall's lock (SQLite: the database's).
        payment_id = db.session.execute(_INSERT_PAYMENT, values).scalar_one()
        for row in day_values:
            row["payment_id"] = payment_id
        day_ids = db.session.execute(_INSERT_DAYS, day_values).scalars().all()
    except IntegrityError as error:
        # The lock makes this unreachable within a hall; the database guard stays the last
        # word. The failed transaction is given up; the holder is read in a new one.
        db.session.rollback()
        taken = _holding_receipts(stall_id, days)
        if taken:
            raise _already_paid(taken) from error
        raise ConflictError(_("The payment could not be recorded. Please try again.")) from error
    # The rows as the session would have them after its own insert.
    paid_days = [PaymentDay(id=i, **row) for i, row in zip(day_ids, day_values, strict=True)]
    payment = Payment(id=payment_id, hall=hall, stall=stall, days=paid_days, **values)
    for obj in (*paid_days, payment):
        make_transient_to_detached(obj)
    db.session.add(payment)
    if chosen[0].business_name is not None:
        # What the receipt shows of the business, so answering it needs no further read.
        payment.business_facts = {
            "id": chosen[0].business_id,
            "name": chosen[0].business_name,
            "owner_name": chosen[0].owner_name,
        }
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


def void_payment(actor, payment: Payment, reason: str, *, now: datetime) -> Payment:
    """Void a receipt with a reason: it keeps its number, its days become unpaid again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for voiding."), field="reason")
    if payment.is_void:
        raise AlreadyVoidError(
            _("Receipt %(number)s is already void.", number=payment.receipt_number)
        )
    payment.voided_at = now
    payment.voided_by_id = actor.id
    payment.void_reason = reason
    db.session.execute(
        sa.update(PaymentDay).where(PaymentDay.payment_id == payment.id).values(void=True)
    )
    db.session.flush()
    db.session.expire(payment, ["days"])
    record(
        actor,
        "payment_voided",
        payment,
        before={"receipt_number": payment.receipt_number, "void": False},
        after={"receipt_number": payment.receipt_number, "void": True, "reason": reason},
        at=now,
    )
    return payment


def mark_closed(collector, stall: Stall, *, today: date, now: datetime) -> ClosedMark:
    """Note that the stall was closed today. An observation only: the day stays due."""
    if current_assignment(stall.id, today) is None:
        raise DomainError(_("Stall %(code)s has no business today.", code=stall.code))
    existing = db.session.scalar(
        sa.select(ClosedMark).where(ClosedMark.stall_id == stall.id, ClosedMark.day == today)
    )
    if existing is not None:
        return existing
    mark = ClosedMark(stall_id=stall.id, day=today, marked_by_id=collector.id, created_at=now)
    db.session.add(mark)
    db.session.flush()
    record(
        collector,
        "stall_marked_closed",
        mark,
        after={"stall": stall.code, "day": today.isoformat()},
        hall_id=stall.hall_id,
        at=now,
    )
    return mark


def waive_days(
    manager, stall: Stall, start: date, end: date, reason: str, *, today: date, now: datetime
) -> list[Waiver]:
    """Excuse the due days of a stall between two dates, with a reason.

    A day already paid is refused, naming its receipt: the receipt must be voided first,
    so money taken is never silently turned into a waiver.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the waiver."), field="reason")
    if end < start:
        raise DomainError(_("The last day comes before the first."), field="end")
    if (end - start).days + 1 > MAX_WAIVER_DAYS:
        raise DomainError(_("A waiver covers at most %(n)d days.", n=MAX_WAIVER_DAYS), field="end")
    hall = db.session.get(Hall, stall.hall_id)
    # Same queue as payments: a payment cannot slip in between the check and the waiver.
    _lock_hall(hall.code, today.year)
    rows = db.session.execute(
        dues.due_days(end, since=start, stall_ids=[stall.id]).order_by(sa.text("day"))
    ).all()
    days = [row.day for row in rows]
    if not days:
        raise DomainError(_("No due day of this stall lies in these dates."), field="start")
    taken = _holding_receipts(stall.id, days)
    if taken:
        day, number = min(taken.items())
        raise DayAlreadyPaidError(
            _(
                "%(day)s is paid with receipt %(number)s; void the receipt before waiving the day.",
                day=day.isoformat(),
                number=number,
            ),
            field="start",
        )
    waivers = [
        Waiver(stall_id=stall.id, day=day, reason=reason, created_by_id=manager.id, created_at=now)
        for day in days
    ]
    db.session.add_all(waivers)
    db.session.flush()
    record(
        manager,
        "days_waived",
        stall,
        after={"stall": stall.code, "days": [d.isoformat() for d in days], "reason": reason},
        at=now,
    )
    return waivers


# Reads for the pages -----------------------------------------------------------


@dataclass(slots=True)
class RoundRow:
    stall_id: int
    code: str
    block: str
    business: str
    owner: str
    state: str
    receipt_number: str | None
    unpaid_days: int
    unpaid_amount: int
    business_id: int | None = None


def _round_columns(search: str):
    """What the round shows of each tenant, carried on the engine's assignment rows (see
    arrears.engine.statement): a hall's assignments are read once, for both."""

    def carry(query, a, s, h, until):
        b = Business.__table__
        # Today's receipt, waiver and closed mark: each a lookup in a unique (stall, day)
        # index. `until` is the round's day (a bind parameter once the statement is built).
        receipt = (
            sa.select(Payment.receipt_number)
            .join(PaymentDay, Payment.id == PaymentDay.payment_id)
            .where(
                PaymentDay.stall_id == s.c.id,
                PaymentDay.day == until,
                # `void = 0` as the partial index reads it (`void IS 0` would scan).
                PaymentDay.void == sa.false(),
            )
            .scalar_subquery()
        )
        waived = sa.exists().where(Waiver.stall_id == s.c.id, Waiver.day == until)
        closed = sa.exists().where(ClosedMark.stall_id == s.c.id, ClosedMark.day == until)
        query = query.join(b, b.c.id == a.c.business_id)
        if search:
            query = query.where(
                sa.or_(
                    sa.func.lower(s.c.code).contains(search, autoescape=True),
                    sa.func.lower(b.c.name).contains(search, autoescape=True),
                )
            )
        return query, {
            "i6": b.c.id,
            "i7": sa.case((waived, 1), else_=0),
            "i8": sa.case((closed, 1), else_=0),
            "t2": s.c.block,
            "t3": s.c.code,
            "t4": b.c.name,
            "t5": b.c.owner_name,
            "t6": receipt,
        }

    return carry


# A round's fields in a row of the engine's statement: assignment, stall, business,
# waived, closed, block, code, business name, owner, receipt.
_round_fields = itemgetter(
    *(
        [name for name, _type in engine.SLOTS].index(slot)
        for slot in ("i1", "i2", "i6", "i7", "i8", "t2", "t3", "t4", "t5", "t6")
    )
)


def round_rows(hall: Hall, today: date, search: str = "") -> list[RoundRow]:
    """Every stall of the hall assigned today, in hall order, with today's state and
    its unpaid days up to today. One statement, whatever the stalls."""
    search = (search or "").strip().lower()
    # Only the hall's tenants of today: its past tenants do not slow its round. As an SQL
    # condition, not a list of ids (hundreds of bound values to cache-key and compile).
    owed, carried = engine.owed_carrying(
        today,
        engine.Scope(hall_ids=[hall.id], current_on=today),
        _round_columns(search),
        order=("t2", "t3"),  # block, code
        # Built once when not searching; a search's text is part of its statement.
        key=None if search else "collection.round",
    )
    state = rules.today_state
    out = []
    add = out.append
    for r in carried:
        assignment_id, stall_id, business_id, w, c, block, code, name, owner, paid = _round_fields(
            r
        )
        o = owed.get(assignment_id)
        add(
            RoundRow(
                stall_id,
                code,
                block,
                name,
                owner,
                # Today is due and unpaid exactly when it is the newest unpaid due day;
                # today_state() asks whether it is due only when neither paid nor waived.
                state(
                    due=o is not None and o.newest_unpaid == today,
                    paid=paid is not None,
                    waived=bool(w),
                    marked_closed=bool(c),
                ),
                paid,
                o.unpaid_days if o else 0,
                o.amount if o else 0,
                business_id,
            )
        )
    return out


@dataclass
class CollectorDay:
    collector_id: int
    name: str
    receipts: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    voids: list = field(default_factory=list)
    deposit: Deposit | None = None

    @property
    def cash_expected(self) -> int:
        return self.totals.get("cash", 0)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def difference(self) -> int | None:
        if self.deposit is None:
            return None
        return self.deposit.amount_received - self.cash_expected


@dataclass
class HallDay:
    hall: Hall
    day: date
    collectors: list[CollectorDay]
    receipts: list
    totals: dict
    # Receipts of earlier days voided on this day: they change figures already reported.
    late_voids: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def voids(self) -> list:
        return [r for r in self.receipts if r.voided_at is not None]


def _receipt_rows():
    return (
        sa.select(
            Payment.id,
            Payment.receipt_number,
            Payment.recorded_at,
            Payment.business_day,
            Payment.amount,
            Payment.method,
            Payment.collector_id,
            Payment.voided_at,
            Payment.void_reason,
            Stall.code.label("stall_code"),
            Business.name.label("business"),
            User.full_name.label("collector"),
            sa.select(sa.func.count())
            .where(PaymentDay.payment_id == Payment.id)
            .scalar_subquery()
            .label("n_days"),
        )
        .join(Stall, Stall.id == Payment.stall_id)
        .join(Business, Business.id == Payment.business_id)
        .join(User, User.id == Payment.collector_id)
        .order_by(Payment.year, Payment.seq)
    )


def hall_day(hall: Hall, day: date, collector_id: int | None = None) -> HallDay:
    """The receipts of a hall's business day, per collector, with deposits and totals."""
    query = _receipt_rows().where(Payment.hall_id == hall.id)
    if collector_id is not None:
        query = query.where(Payment.collector_id == collector_id)
    receipts = db.session.execute(query.where(Payment.business_day == day)).all()
    day_start = datetime.combine(day, time.min, tzinfo=WIB)
    late_voids = db.session.execute(
        query.where(
            Payment.business_day < day,
            Payment.voided_at >= day_start,
            Payment.voided_at < day_start + timedelta(days=1),
        )
    ).all()
    deposits_query = sa.select(Deposit).where(Deposit.hall_id == hall.id, Deposit.day == day)
    if collector_id is not None:
        deposits_query = deposits_query.where(Deposit.collector_id == collector_id)
    deposits = {d.collector_id: d for d in db.session.scalars(deposits_query)}

    by_collector: dict[int, CollectorDay] = {}
    grouped = defaultdict(list)
    for r in receipts:
        grouped[r.collector_id].append(r)
    names = {r.collector_id: r.collector for r in receipts}
    missing = set(deposits) - set(names)
    if missing:
        names.update(
            db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(missing)))
            .tuples()
            .all()
        )
    for cid in sorted(names, key=lambda c: names[c]):
        rows = grouped.get(cid, [])
        by_collector[cid] = CollectorDay(
            collector_id=cid,
            name=names[cid],
            receipts=rows,
            totals=rules.method_totals(
                [(r.method, r.amount, r.voided_at is not None) for r in rows]
            ),
            voids=[r for r in rows if r.voided_at is not None],
            deposit=deposits.get(cid),
        )
    return HallDay(
        hall=hall,
        day=day,
        collectors=list(by_collector.values()),
        receipts=receipts,
        late_voids=late_voids,
        totals=rules.method_totals(
            [(r.method, r.amount, r.voided_at is not None) for r in receipts]
        ),
    )


def deposit_candidates(hall: Hall, day: date) -> list[tuple[int, str]]:
    """Who may hand in cash for the hall's day: its collectors and anyone who took money."""
    took = sa.select(Payment.collector_id).where(
        Payment.hall_id == hall.id, Payment.business_day == day
    )
    assigned = sa.select(user_halls.c.user_id).where(user_halls.c.hall_id == hall.id)
    rows = db.session.execute(
        sa.select(User.id, User.full_name)
        .where(
            sa.or_(
                User.id.in_(took),
                sa.and_(User.id.in_(assigned), User.role == "collector"),
            )
        )
        .order_by(User.full_name)
    ).all()
    return [(row.id, row.full_name) for row in rows]


def record_deposit(
    manager,
    hall: Hall,
    collector_id: int,
    day: date,
    amount_received: int,
    note: str,
    *,
    now: datetime,
) -> Deposit:
    """Record the cash a collector handed in for a day; the difference is kept with it."""
    if collector_id not in {cid for cid, _name in deposit_candidates(hall, day)}:
        raise NotFoundError(_("This collector does not work in this hall."), field="collector_id")
    if isinstance(amount_received, bool) or not isinstance(amount_received, int):
        raise DomainError(_("Enter the amount in whole rupiah."), field="amount_received")
    if amount_received < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount_received")
    expected = hall_day(hall, day, collector_id).totals["cash"]
    deposit = db.session.scalar(
        sa.select(Deposit).where(
            Deposit.hall_id == hall.id, Deposit.collector_id == collector_id, Deposit.day == day
        )
    )
    before = None
    if deposit is None:
        deposit = Deposit(hall_id=hall.id, collector_id=collector_id, day=day)
        db.session.add(deposit)
    else:
        before = {
            "amount_received": deposit.amount_received,
            "cash_expected": deposit.cash_expected,
            "note": deposit.note,
        }
    deposit.amount_received = amount_received
    deposit.cash_expected = expected
    deposit.note = (note or "").strip()
    deposit.recorded_by_id = manager.id
    deposit.recorded_at = now
    db.session.flush()
    record(
        manager,
        "deposit_recorded",
        deposit,
        before=before,
        after={
            "collector_id": collector_id,
            "day": day.isoformat(),
            "amount_received": amount_received,
            "cash_expected": expected,
            "difference": amount_received - expected,
            "note": deposit.note,
        },
        at=now,
    )
    return deposit


def stall_waivers(stall: Stall) -> list[Waiver]:
    return list(
        db.session.scalars(
            sa.select(Waiver).where(Waiver.stall_id == stall.id).order_by(Waiver.day.desc())
        )
    )


def payment_by_number(number: str) -> Payment | None:
    """The receipt with this number, with what a receipt prints loaded in the same reads."""
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.receipt_number == number)
        .options(
            joinedload(Payment.hall).joinedload(Hall.region),
            joinedload(Payment.stall),
            joinedload(Payment.business),
            joinedload(Payment.collector),
            selectinload(Payment.days),
        )
    )


def verify_receipt(number: str, signature: str, secret: str) -> tuple[str, Payment | None]:
    """('valid' | 'void' | 'forged', payment): what the public check of a link answers."""
    if not rules.signature_valid(secret, number, signature):
        return "forged", None
    payment = payment_by_number(number)
    if payment is None:
        return "forged", None
    return ("void" if payment.is_void else "valid"), payment


@cache
def _receipt_facts_statement(scoped: bool) -> sa.Select:
    """The joined read of a receipt by its number, one row per paid day (built once per
    shape). `scoped` adds whether the receipt's hall is one of the user's (:user_id).

    Two shapes rather than one with a NULL user for those who see every hall: given a NULL,
    PostgreSQL's custom plans fold the hall check away, and on tables without statistics yet
    (a new database, before autovacuum's first ANALYZE) they always looked cheaper than the
    generic plan, so the seven joins were planned anew for every receipt (measured: 0.9 ms
    of server CPU a receipt against 0.2). With statistics the old shape got its generic plan
    too (0.30 against 0.26 ms), so the gain in steady state is small."""
    p, h, r, s, b, u, d = (
        m.__table__ for m in (Payment, Hall, Region, Stall, Business, User, PaymentDay)
    )
    columns = [
        p.c.receipt_number.label("number"),
        p.c.hall_id,
        h.c.code.label("hall_code"),
        h.c.name.label("hall_name"),
        h.c.address.label("hall_address"),
        r.c.name.label("region"),
        p.c.recorded_at,
        p.c.business_day,
        s.c.code.label("stall_code"),
        s.c.block.label("stall_block"),
        b.c.name.label("business"),
        b.c.owner_name.label("owner"),
        p.c.amount,
        p.c.method,
        u.c.full_name.label("collector"),
        p.c.voided_at,
        p.c.void_reason,
        d.c.day,
        d.c.rate,
    ]
    if scoped:
        columns.append(hall_is_users(sa.bindparam("user_id"), p.c.hall_id).label("in_users_halls"))
    return (
        sa.select(*columns)
        .select_from(p)
        .join(h, h.c.id == p.c.hall_id)
        .outerjoin(r, r.c.code == h.c.region_code)
        .join(s, s.c.id == p.c.stall_id)
        .join(b, b.c.id == p.c.business_id)
        .join(u, u.c.id == p.c.collector_id)
        .outerjoin(d, d.c.payment_id == p.c.id)
        .where(p.c.receipt_number == sa.bindparam("number"))
        .order_by(d.c.day)
    )


def receipt_facts_by_number(number: str, viewer: User | None = None) -> dict | None:
    """What a receipt prints (as `receipt_facts`) and its hall_id, read in one statement;
    None when there is no such receipt, or it is of a hall outside the `viewer`'s scope
    (checked in the same statement: their halls are not loaded).

    The receipt PDF needs plain values only: one joined row per paid day, no ORM objects.
    """
    scoped = viewer is not None and not viewer.sees_all_halls
    params = {"number": number, "user_id": viewer.id} if scoped else {"number": number}
    rows = db.session.execute(_receipt_facts_statement(scoped), params).all()
    if not rows or (scoped and not rows[0].in_users_halls):
        return None
    facts = dict(rows[0]._mapping)
    del facts["day"], facts["rate"]
    facts.pop("in_users_halls", None)
    facts["region"] = facts["region"] or ""
    facts["days"] = [(row.day, row.rate) for row in rows if row.day is not None]
    facts["void"] = facts["voided_at"] is not None
    facts["void_reason"] = facts["void_reason"] or ""
    return facts


def receipt_facts(payment: Payment) -> dict:
    """Everything a receipt prints, as plain values."""
    hall = payment.hall
    days = [(d.day, d.rate) for d in payment.days]
    return {
        "number": payment.receipt_number,
        "hall_code": hall.code,
        "hall_name": hall.name,
        "hall_address": hall.address,
        "region": hall.region.name if hall.region else "",
        "recorded_at": payment.recorded_at,
        "business_day": payment.business_day,
        "stall_code": payment.stall.code,
        "stall_block": payment.stall.block,
        "business": payment.business.name,
        "owner": payment.business.owner_name,
        "days": days,
        "amount": payment.amount,
        "method": payment.method,
        "collector": payment.collector.full_name,
        "void": payment.is_void,
        "voided_at": payment.voided_at,
        "void_reason": payment.void_reason or "",
    }
