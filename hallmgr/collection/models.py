from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column, enum_check
from hallmgr.extensions import db

METHODS = ("cash", "qris", "transfer")


class Payment(db.Model):
    """One receipt: the days of one stall it pays, at the rates in force on each day."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "year", "seq"),
        sa.UniqueConstraint("collector_id", "idempotency_key"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
        enum_check("method", METHODS, "method"),
        sa.Index("ix_payments_hall_day", "hall_id", "business_day"),
        # The last valid payment of an assignment, found from its end of this index.
        sa.Index("ix_payments_assignment_day", "assignment_id", "business_day"),
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
    method: Mapped[str] = mapped_column(sa.String(10))
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at_column()
    business_day: Mapped[date] = mapped_column(sa.Date)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    hall = relationship("Hall")
    stall = relationship("Stall")
    business = relationship("Business")
    assignment = relationship("Assignment")
    collector = relationship("User", foreign_keys=[collector_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    days = relationship("PaymentDay", order_by="PaymentDay.day", back_populates="payment")

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class PaymentDay(db.Model):
    """One day a payment covers. At most one valid (not void) row per stall and day."""

    __tablename__ = "payment_days"
    __table_args__ = (
        sa.UniqueConstraint("payment_id", "day"),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        # The database itself keeps "one valid payment per stall-day", under any concurrency.
        sa.Index(
            "uq_payment_days_valid_stall_day",
            "stall_id",
            "day",
            unique=True,
            sqlite_where=sa.text("void = 0"),
            postgresql_where=sa.text("void = false"),
        ),
        # The arrears engine reads an assignment's valid paid days from this index alone,
        # already in the order of its 62-day blocks (see hallmgr/arrears/engine.py).
        sa.Index(
            "ix_payment_days_valid_assignment_block",
            "assignment_id",
            sa.text("(day_number / 62)"),
            "day_number",
            "void",
            sqlite_where=sa.text("void = 0"),
            postgresql_where=sa.text("void = false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    # Mirrors the payment's assignment (set on insert from the payment), so the paid days
    # of an assignment are read without a join per day.
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    # Days since 1970-01-01 (set on insert from `day`): integers the engine folds into
    # bit masks with the same SQL on SQLite and PostgreSQL.
    day_number: Mapped[int] = mapped_column(sa.Integer)
    day: Mapped[date] = mapped_column(sa.Date)
    rate: Mapped[int] = mapped_column(sa.Integer)
    # Mirrors the payment's void, so the partial unique index can see it.
    void: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    payment = relationship("Payment", back_populates="days")


@sa.event.listens_for(PaymentDay, "before_insert")
def _mirror_assignment_and_day(mapper, connection, target: PaymentDay) -> None:
    if target.assignment_id is None and target.payment is not None:
        target.assignment_id = target.payment.assignment_id
    if target.day is not None:
        target.day_number = day_number(target.day)


EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01, as stored in payment_days.day_number."""
    return (day - EPOCH).days


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
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def difference(self) -> int:
        """Received minus expected: negative when cash is missing."""
        return self.amount_received - self.cash_expected
