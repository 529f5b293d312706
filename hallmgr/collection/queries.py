"""Reads for the collection pages: the round, a hall's day, receipts and their public
check. Each is a fixed number of statements, whatever the number of stalls or receipts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hallmgr.arrears import dues
from hallmgr.assignments.models import Assignment
from hallmgr.auth.models import User
from hallmgr.auth.policy import hall_is_users
from hallmgr.businesses.models import Business
from hallmgr.collection import rules
from hallmgr.collection.models import ClosedMark, Deposit, Payment, PaymentDay, Waiver
from hallmgr.core.days import WIB
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall


def holding_receipts(stall_id: int, days: list[date]) -> dict[date, str]:
    """The numbers of the receipts that cover the stall's days, by day."""
    rows = db.session.execute(
        sa.select(PaymentDay.day, Payment.receipt_number)
        .join(Payment, Payment.id == PaymentDay.payment_id)
        .where(
            PaymentDay.stall_id == stall_id,
            PaymentDay.day.in_(days),
            PaymentDay.covers == sa.true(),
        )
    ).all()
    return {row.day: row.receipt_number for row in rows}


def holding_receipt(stall_id: int, day: date) -> str | None:
    """The number of the receipt that covers a stall's day, if any."""
    return holding_receipts(stall_id, [day]).get(day)


# The round --------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    stall_id: int
    code: str
    block: str
    business_id: int
    business: str
    owner: str
    state: rules.RoundState
    receipt_number: str | None  # today's: the receipt covering today, else one recorded today
    unpaid_days: int  # up to today, today included when due and unpaid
    unpaid_amount: int


def round_rows(hall: Hall, today: date, search: str = "") -> list[RoundRow]:
    """Every stall of the hall assigned today, in hall order, with today's state and
    its unpaid days up to today."""
    scope = dues.Scope(hall_ids=[hall.id], active_on=today)
    accounts = {a.assignment_id: a for a in dues.accounts(today, scope)}
    covering = (
        sa.select(Payment.receipt_number)
        .join(PaymentDay, PaymentDay.payment_id == Payment.id)
        .where(
            # A lookup in uq_payment_days_cover (stall_id, day), then this tenant's only.
            PaymentDay.stall_id == Stall.id,
            PaymentDay.day == today,
            PaymentDay.covers == sa.true(),
            PaymentDay.assignment_id == Assignment.id,
        )
        .scalar_subquery()
    )
    recorded_today = (
        sa.select(Payment.receipt_number)
        .where(
            Payment.assignment_id == Assignment.id,
            Payment.business_day == today,
            Payment.voided_at.is_(None),
        )
        .order_by(Payment.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    marked = sa.exists().where(ClosedMark.stall_id == Stall.id, ClosedMark.day == today)
    query = (
        dues.assignments_query(
            scope,
            Assignment.id.label("assignment_id"),
            Stall.id.label("stall_id"),
            Stall.code,
            Stall.block,
            Business.id.label("business_id"),
            Business.name,
            Business.owner_name,
            covering.label("covering"),
            recorded_today.label("recorded_today"),
            marked.label("marked_closed"),
        )
        .join(Business, Business.id == Assignment.business_id)
        .order_by(Stall.block, Stall.code)
    )
    search = (search or "").strip().lower()
    if search:
        query = query.where(
            sa.or_(
                sa.func.lower(Stall.code).contains(search, autoescape=True),
                sa.func.lower(Business.name).contains(search, autoescape=True),
            )
        )
    out = []
    for r in db.session.execute(query):
        account = accounts[r.assignment_id]
        owed = account.owed(today)
        out.append(
            RoundRow(
                stall_id=r.stall_id,
                code=r.code,
                block=r.block,
                business_id=r.business_id,
                business=r.name,
                owner=r.owner_name,
                state=rules.round_state(
                    owed_days=owed.days,
                    due_today=today in account.due,
                    waived_today=today in account.waived,
                    paid_today=r.recorded_today is not None,
                    marked_closed=bool(r.marked_closed),
                ),
                receipt_number=r.covering or r.recorded_today,
                unpaid_days=owed.days,
                unpaid_amount=owed.amount,
            )
        )
    return out


# A hall's day -----------------------------------------------------------------


@dataclass
class CollectorDay:
    collector_id: int
    name: str
    receipts: list = field(default_factory=list)
    totals: dict[rules.PaymentMethod, int] = field(default_factory=dict)
    voids: list = field(default_factory=list)
    deposit: Deposit | None = None

    @property
    def cash_expected(self) -> int:
        return self.totals.get(rules.PaymentMethod.CASH, 0)

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
    totals: dict[rules.PaymentMethod, int]
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
    collectors = []
    for cid in sorted(names, key=lambda c: names[c]):
        rows = grouped.get(cid, [])
        collectors.append(
            CollectorDay(
                collector_id=cid,
                name=names[cid],
                receipts=rows,
                totals=rules.method_totals(
                    [(r.method, r.amount, r.voided_at is not None) for r in rows]
                ),
                voids=[r for r in rows if r.voided_at is not None],
                deposit=deposits.get(cid),
            )
        )
    return HallDay(
        hall=hall,
        day=day,
        collectors=collectors,
        receipts=receipts,
        late_voids=late_voids,
        totals=rules.method_totals(
            [(r.method, r.amount, r.voided_at is not None) for r in receipts]
        ),
    )


def stall_waivers(stall: Stall) -> list[Waiver]:
    return list(
        db.session.scalars(
            sa.select(Waiver).where(Waiver.stall_id == stall.id).order_by(Waiver.day.desc())
        )
    )


# Receipts ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptFacts:
    """Everything a receipt states, as recorded: the receipt page, its PDF and the API
    all read it from here."""

    number: str
    hall_id: int
    hall_code: str
    hall_name: str
    hall_address: str
    region: str
    recorded_at: datetime
    business_day: date
    stall_code: str
    stall_block: str
    business_id: int
    business: str
    owner: str
    days: list[tuple[date, int]]
    amount: int
    method: rules.PaymentMethod
    collector_id: int
    collector: str
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str

    @property
    def void(self) -> bool:
        return self.voided_at is not None


def receipt_facts(number: str, viewer: User | None = None) -> ReceiptFacts | None:
    """The receipt with this number, read in one statement (a row per day it covers);
    None when there is none, or it is of a hall outside the `viewer`'s scope."""
    voider = aliased(User)
    query = (
        sa.select(
            Payment.receipt_number,
            Payment.hall_id,
            Hall.code.label("hall_code"),
            Hall.name.label("hall_name"),
            Hall.address.label("hall_address"),
            Region.name.label("region"),
            Payment.recorded_at,
            Payment.business_day,
            Stall.code.label("stall_code"),
            Stall.block.label("stall_block"),
            Business.id.label("business_id"),
            Business.name.label("business"),
            Business.owner_name.label("owner"),
            Payment.amount,
            Payment.method,
            User.id.label("collector_id"),
            User.full_name.label("collector"),
            Payment.voided_at,
            voider.full_name.label("voided_by"),
            Payment.void_reason,
            PaymentDay.day,
            PaymentDay.rate,
        )
        .select_from(Payment)
        .join(Hall, Hall.id == Payment.hall_id)
        .outerjoin(Region, Region.code == Hall.region_code)
        .join(Stall, Stall.id == Payment.stall_id)
        .join(Business, Business.id == Payment.business_id)
        .join(User, User.id == Payment.collector_id)
        .outerjoin(voider, voider.id == Payment.voided_by_id)
        .join(PaymentDay, PaymentDay.payment_id == Payment.id)
        .where(Payment.receipt_number == number)
        .order_by(PaymentDay.day)
    )
    if viewer is not None and not viewer.sees_all_halls:
        query = query.where(hall_is_users(viewer.id, Payment.hall_id))
    rows = db.session.execute(query).all()
    if not rows:
        return None
    r = rows[0]
    return ReceiptFacts(
        number=r.receipt_number,
        hall_id=r.hall_id,
        hall_code=r.hall_code,
        hall_name=r.hall_name,
        hall_address=r.hall_address or "",
        region=r.region or "",
        recorded_at=r.recorded_at,
        business_day=r.business_day,
        stall_code=r.stall_code,
        stall_block=r.stall_block or "",
        business_id=r.business_id,
        business=r.business,
        owner=r.owner,
        days=[(row.day, row.rate) for row in rows],
        amount=r.amount,
        method=r.method,
        collector_id=r.collector_id,
        collector=r.collector,
        voided_at=r.voided_at,
        voided_by=r.voided_by,
        void_reason=r.void_reason or "",
    )


def verify_receipt(number: str, signature: str, secret: str) -> tuple[str, ReceiptFacts | None]:
    """('valid' | 'void' | 'forged', facts): what the public check of a link answers."""
    if not rules.signature_valid(secret, number, signature):
        return "forged", None
    facts = receipt_facts(number)
    if facts is None:
        return "forged", None
    return ("void" if facts.void else "valid"), facts
