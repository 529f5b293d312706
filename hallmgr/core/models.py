"""Small shared model pieces: column helpers and numbered sequences."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hallmgr.core.days import UTCDateTime, utcnow
from hallmgr.extensions import db


def created_at_column() -> Mapped[datetime]:
    # `utcnow` is passed, not called: each row gets its own time.
    return mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def enum_check(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


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


class CalendarDay(db.Model):
    """One row per date (2000–2099), so due days can be found with set-based SQL."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    # 1 << date.weekday(): Monday = 1 … Sunday = 64, to test against Hall.open_days.
    dow_bit: Mapped[int] = mapped_column(sa.Integer)
