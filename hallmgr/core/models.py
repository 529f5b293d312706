"""Small shared model pieces: column helpers and numbered sequences."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import UTCDateTime, utcnow
from hallmgr.core.enums import LabelledEnum
from hallmgr.extensions import db


def created_at_column() -> Mapped[datetime]:
    # `utcnow` is passed, not called: each row gets its own time.
    return mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def enum_check(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def vocabulary(enum: type[LabelledEnum], name: str, length: int) -> sa.Enum:
    """The column type of a vocabulary: the code is stored (a string), the member read back,
    and a CHECK constraint `name` lets only the vocabulary's codes in (as enum_check writes it)."""
    return sa.Enum(
        enum,
        name=name,
        length=length,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda members: [member.value for member in members],
    )


class NumberSequence(db.Model):
    """A gapless counter per kind, hall and year (receipts, letters).

    Incremented inside the transaction that uses the number, with the row locked,
    so a rolled-back transaction gives its number back and two writers never share one.
    """

    __tablename__ = "number_sequences"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class IdempotencyRecord(db.Model):
    """A request that must take effect once: the user's key, what the request asked
    (its fingerprint), what it made, and the response first given, returned byte for byte
    to every retry."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    status: Mapped[int | None] = mapped_column(sa.Integer)
    mimetype: Mapped[str | None] = mapped_column(sa.String(100))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = created_at_column()

    payment = relationship("Payment", back_populates="idempotency")
