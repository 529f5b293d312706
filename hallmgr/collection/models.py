from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.collection.rules import CreditReason, PaymentMethod, Settlement, day_runs
from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column, vocabulary
from hallmgr.extensions import db


class Payment(db.Model):
    """One receipt: the days of one stall it pays, at the rates in force on each day."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "year", "seq"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
        sa.Index("ix_payments_hall_day", "hall_id", "business_day"),
        # The last valid payment of an assignment, found from its end of this index.
        sa.Index("ix_payments_assignment_day", "assignment_id", "business_day"),
        # Arrears as of a past day: the payments recorded, and voided, after it.
        sa.Index("ix_payments_business_day", "business_day"),
        sa.Index("ix_payments_voided_at", "voided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.Integer)
    method: Mapped[PaymentMethod] = mapped_column(vocabulary(PaymentMethod, "method", 10))
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at_column()
    business_day: Mapped[date] = mapped_column(sa.Date)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    hall = relationship("Hall")
    stall = relationship("Stall")
    business = relationship("Business")
    assignment = relationship("Assignment")
    collector = relationship("User", foreign_keys=[collector_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    days = relationship(
        "PaymentDay", order_by="PaymentDay.day", back_populates="payment", cascade="all"
    )
    # The request that made it, when it came with an idempotency key.
    idempotency = relationship("IdempotencyRecord", back_populates="payment", uselist=False)

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


EPOCH = date(1970, 1, 1)
# Days per block of paid days that the dues read as one 62-bit mask (hallmgr.arrears.dues):
# the bits of a block sum below 2**62, inside a signed 64-bit integer.
BLOCK_DAYS = 62


def day_number(day: date) -> int:
    """Days since 1970-01-01, as stored in payment_days.day_number."""
    return (day - EPOCH).days


def _day_number_default(context) -> int:
    return day_number(context.get_current_parameters()["day"])


class PaymentDay(db.Model):
    """One day a payment covers, at the rate paid for it.

    The row covers its stall-day until its payment is voided or the day is released to a
    credit (no longer due to the payer); the database keeps at most one covering row per
    stall and day, under any concurrency.
    """

    __tablename__ = "payment_days"
    __table_args__ = (
        sa.UniqueConstraint("payment_id", "day"),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        sa.CheckConstraint("NOT (covers AND credit_id IS NOT NULL)", name="released_covers_not"),
        sa.Index(
            "uq_payment_days_cover",
            "stall_id",
            "day",
            unique=True,
            sqlite_where=sa.text("covers = 1"),
            postgresql_where=sa.text("covers"),
        ),
        # The dues read an assignment's covered days from this index alone, in the order
        # of their 62-day blocks (hallmgr.arrears.dues.paid_masks).
        sa.Index(
            "ix_payment_days_cover_block",
            "assignment_id",
            sa.text("(day_number / 62)"),
            "day_number",
            "covers",
            sqlite_where=sa.text("covers = 1"),
            postgresql_where=sa.text("covers"),
        ),
        sa.Index("ix_payment_days_credit", "credit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    # The payment's assignment, so the dues read an assignment's paid days without a join.
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    # Days since 1970-01-01, from `day`: the integers the dues fold into bit masks.
    day_number: Mapped[int] = mapped_column(sa.Integer, default=_day_number_default)
    rate: Mapped[int] = mapped_column(sa.Integer)
    covers: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    credit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credits.id"))

    payment = relationship("Payment", back_populates="days")
    credit = relationship("Credit", back_populates="days")


class Credit(db.Model):
    """Money a business paid for days that stopped being due to it (an assignment ended
    back-dated over days paid ahead, a closure or a change of open days over paid days):
    the days no longer cover the stall, and the manager settles the money with the
    business, refunded or carried to its next assignment."""

    __tablename__ = "credits"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(settlement IS NULL) = (settled_at IS NULL)", name="settled_with_a_time"
        ),
        sa.Index("ix_credits_hall_open", "hall_id", "settled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    amount: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[CreditReason] = mapped_column(vocabulary(CreditReason, "reason", 20))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    settlement: Mapped[Settlement | None] = mapped_column(vocabulary(Settlement, "settlement", 10))
    settlement_note: Mapped[str] = mapped_column(sa.Text, default="")
    carried_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    settled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    hall = relationship("Hall")
    business = relationship("Business")
    assignment = relationship("Assignment", foreign_keys=[assignment_id])
    carried_to = relationship("Assignment", foreign_keys=[carried_to_id])
    settled_by = relationship("User", foreign_keys=[settled_by_id])
    days = relationship("PaymentDay", order_by="PaymentDay.day", back_populates="credit")

    @property
    def runs(self) -> list[tuple]:
        """Its days as runs (first, last, days, rate paid, receipt): collection.rules.day_runs."""
        return day_runs([(d.day, d.rate, d.payment.receipt_number) for d in self.days])


class Waiver(db.Model):
    """A day of a stall that a manager excused: it is not due."""

    __tablename__ = "waivers"
    __table_args__ = (sa.UniqueConstraint("stall_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()


class ClosedMark(db.Model):
    """A collector saw the stall closed that day. An observation only: the day stays due."""

    __tablename__ = "closed_marks"
    __table_args__ = (sa.UniqueConstraint("stall_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    marked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()


class Deposit(db.Model):
    """Cash a collector handed to the hall for one day, as counted by the manager."""

    __tablename__ = "deposits"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "collector_id", "day"),
        sa.CheckConstraint("amount_received >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    amount_received: Mapped[int] = mapped_column(sa.Integer)
    # The cash receipts' total when the deposit was counted: the difference stays on record
    # even if a receipt of that day is voided later.
    cash_expected: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at_column()

    collector = relationship("User", foreign_keys=[collector_id])

    @property
    def difference(self) -> int:
        """Received minus expected: negative when cash is missing."""
        return self.amount_received - self.cash_expected
