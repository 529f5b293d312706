"""Collection: payments priced by the server and numbered once, voids, closed marks,
waivers and deposits.

A payment's days and prices come from the dues (hallmgr.arrears.dues), the one
implementation of what is due; the receipt is written through the ORM. Payments and
waivers of a hall queue on the hall's receipt counter, so each sees what the one before
it committed, and receipt numbers stay gapless.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from hallmgr.arrears import dues
from hallmgr.arrears.rules import Period, payable_ahead
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.auth.models import User, user_halls
from hallmgr.auth.roles import Role
from hallmgr.collection import queries, rules
from hallmgr.collection.models import ClosedMark, Deposit, Payment, PaymentDay, Waiver
from hallmgr.core import idempotency
from hallmgr.core.errors import ConflictError, DomainError, NotFoundError
from hallmgr.core.i18n import format_day
from hallmgr.core.models import IdempotencyRecord
from hallmgr.core.money import format_rupiah
from hallmgr.core.sequences import lock_counter, take_number
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

RECEIPT = "receipt"
MAX_WAIVER_DAYS = 366


class DayAlreadyPaidError(ConflictError):
    code = "day_already_paid"


class IdempotencyMismatchError(DomainError):
    status_code = 422
    code = "idempotency_mismatch"


class AlreadyVoidError(ConflictError):
    code = "already_void"


class TotalChangedError(ConflictError):
    code = "total_changed"


class OlderDaysUnpaidError(DomainError):
    code = "older_days_unpaid"


@dataclass(frozen=True)
class PayableDay:
    day: date
    rate: int
    assignment_id: int
    business_id: int
    overdue: bool  # before today
    ahead: bool  # after today


def lock_hall(hall_code: str, year: int) -> None:
    """Lock the hall's receipt counter row until commit, without taking a number: what
    changes the hall's paid days (payments, waivers, releases to credits) queues here,
    and a replay leaves the counter untouched."""
    lock_counter(RECEIPT, hall_code, year)


def payable_days(stall: Stall, today: date, advance_days: int) -> list[PayableDay]:
    """Each assignment's unpaid due days of the stall up to today, oldest first, then the
    days it may pay ahead (within the limit, never past its end)."""
    out = []
    horizon = today + timedelta(days=advance_days)
    for account in dues.accounts(horizon, dues.Scope(stall_ids=[stall.id])):
        t = account.tenancy
        days = account.unpaid.between(None, today)
        window = payable_ahead(Period(t.start, t.end), today, advance_days)
        if window is not None:
            days |= account.unpaid.between(*window)
        out.extend(
            PayableDay(
                day=day,
                rate=account.prices.rate_on(day),
                assignment_id=t.assignment_id,
                business_id=t.business_id,
                overdue=day < today,
                ahead=day > today,
            )
            for day in days
        )
    return out


def current_assignment(stall_id: int, today: date) -> Assignment | None:
    """The assignment of the stall that covers today, if any."""
    return db.session.scalar(
        sa.select(Assignment).where(Assignment.stall_id == stall_id, Assignment.active_on(today))
    )


def _already_paid(taken: dict[date, str], field: str = "days") -> DayAlreadyPaidError:
    day, number = min(taken.items())
    return DayAlreadyPaidError(
        _("%(day)s is already paid with receipt %(number)s.", day=day.isoformat(), number=number),
        field=field,
    )


def _choose(
    payable: list[PayableDay],
    days: list[date],
    *,
    stall_id: int,
    today: date,
    all_arrears: bool,
    count: int | None,
    assignment_id: int | None,
    oldest_first: bool,
) -> list[PayableDay]:
    """The payable days a request asks for, oldest first.

    Named days must all be payable, of one assignment; with `oldest_first`, they may not
    leave an older unpaid due day of that assignment unpaid. `all_arrears` adds every
    unpaid day up to today; `count` takes that many of the oldest payable days.
    """
    by_day = {p.day: p for p in payable}
    if not days:
        if assignment_id is None:
            current = current_assignment(stall_id, today)
            assignment_id = current.id if current else None
        if assignment_id is None and payable:
            assignment_id = payable[0].assignment_id
        own = [p for p in payable if p.assignment_id == assignment_id]
        if all_arrears:
            chosen = [p for p in own if not p.ahead]
            if not chosen:
                raise DomainError(_("There are no arrears left to pay."), field="days")
            return chosen
        if len(own) < count:
            raise DomainError(
                ngettext(
                    "Only %(num)d day of this stall can be paid now.",
                    "Only %(num)d days of this stall can be paid now.",
                    len(own),
                ),
                field="days",
            )
        return own[:count]
    missing = [d for d in days if d not in by_day]
    if missing:
        taken = queries.holding_receipts(stall_id, missing)
        if taken:
            raise _already_paid(taken)
        raise DomainError(
            _("%(day)s is not a day this stall can pay.", day=missing[0].isoformat()),
            field="days",
        )
    chosen = [by_day[d] for d in days]
    if len({p.assignment_id for p in chosen}) > 1:
        raise DomainError(
            _("One receipt covers days of one assignment only; pay each business separately."),
            field="days",
        )
    own = [p for p in payable if p.assignment_id == chosen[0].assignment_id and not p.ahead]
    if all_arrears:  # the named days and every unpaid day up to today of their assignment
        chosen = sorted({p.day: p for p in chosen + own}.values(), key=lambda p: p.day)
    if oldest_first:
        named = {p.day for p in chosen}
        left = [p.day for p in own if p.day < chosen[-1].day and p.day not in named]
        if left:
            raise OlderDaysUnpaidError(
                _(
                    "%(day)s and older unpaid days would stay unpaid: pay the oldest days "
                    "first, or confirm that you pay newer days only.",
                    day=format_day(left[0]),
                ),
                field="days",
            )
    return chosen


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
    shown_total: int | None = None,
    oldest_first: bool = False,
) -> tuple[Payment, IdempotencyRecord | None]:
    """Record one receipt for payable days of a stall, priced from the tariffs.

    The days are named, or `all_arrears` (every unpaid day up to today), or `count` (that
    many of the oldest payable days). Named days are the collector's explicit choice; with
    `oldest_first` they must not leave older unpaid days behind (the pay form asks, unless
    the collector confirmed). `shown_total`, the total the collector saw, must be what the
    days cost. Returns the payment and, for a retried request with the same key,
    the first request's record (the payment is then the first one's).
    """
    if method not in rules.PaymentMethod.codes():
        methods = [str(m.label) for m in rules.PaymentMethod]
        choice = format_list(methods, style="or", locale=get_locale())
        raise DomainError(_("Choose a method: %(methods)s.", methods=choice), field="method")
    days = sorted(set(days))
    if count is not None and (days or all_arrears or count < 1):
        raise DomainError(_("Give either the days or a number of days to pay."), field="days")
    if not days and not all_arrears and count is None:
        raise DomainError(_("Choose at least one day to pay."), field="days")
    hall = db.session.get(Hall, stall.hall_id)
    fingerprint = rules.request_fingerprint(stall.id, days, method, all_arrears, count)

    lock_hall(hall.code, today.year)
    if idempotency_key:
        earlier = idempotency.find(collector.id, idempotency_key)
        if earlier is not None:
            if earlier.request_hash != fingerprint or earlier.payment is None:
                raise IdempotencyMismatchError(
                    _("This request key was already used for a different payment.")
                )
            return earlier.payment, earlier

    chosen = _choose(
        payable_days(stall, today, advance_days),
        days,
        stall_id=stall.id,
        today=today,
        all_arrears=all_arrears,
        count=count,
        assignment_id=assignment_id,
        oldest_first=oldest_first,
    )
    amount = sum(p.rate for p in chosen)
    if shown_total is not None and shown_total != amount:
        raise TotalChangedError(
            _(
                "The days chosen cost %(amount)s, not the total shown; check the days and "
                "record the payment again.",
                amount=format_rupiah(amount),
            ),
            field="days",
        )
    seq = take_number(RECEIPT, hall.code, today.year)
    first = chosen[0]
    payment = Payment(
        receipt_number=rules.receipt_number(hall.code, today.year, seq),
        hall_id=hall.id,
        year=today.year,
        seq=seq,
        stall_id=stall.id,
        business_id=first.business_id,
        assignment_id=first.assignment_id,
        amount=amount,
        method=method,
        collector_id=collector.id,
        recorded_at=now,
        business_day=today,
        days=[
            PaymentDay(stall_id=stall.id, assignment_id=p.assignment_id, day=p.day, rate=p.rate)
            for p in chosen
        ],
    )
    db.session.add(payment)
    if idempotency_key:
        db.session.add(
            IdempotencyRecord(
                user_id=collector.id,
                key=idempotency_key,
                request_hash=fingerprint,
                payment=payment,
                created_at=now,
            )
        )
    try:
        db.session.flush()
    except IntegrityError as error:
        # The hall's lock makes this unreachable; the database's guard stays the last word.
        raise ConflictError(_("The payment could not be recorded. Please try again.")) from error
    record(
        collector,
        "payment_recorded",
        payment,
        after={
            "receipt_number": payment.receipt_number,
            "stall": stall.code,
            "days": [p.day.isoformat() for p in chosen],
            "amount": amount,
            "method": method,
        },
        at=now,
    )
    return payment, None


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
    for day in payment.days:
        day.covers = False
    db.session.flush()
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
    lock_hall(hall.code, today.year)
    due = set()
    for account in dues.accounts(end, dues.Scope(stall_ids=[stall.id])):
        due.update(account.due.between(start, end))
    days = sorted(due)
    if not days:
        raise DomainError(_("No due day of this stall lies in these dates."), field="start")
    taken = queries.holding_receipts(stall.id, days)
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


# Deposits ---------------------------------------------------------------------


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
                sa.and_(User.id.in_(assigned), User.role == Role.COLLECTOR),
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
    expected = queries.hall_day(hall, day, collector_id).totals[rules.PaymentMethod.CASH]
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
