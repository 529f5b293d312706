from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.arrears.rules import WarningLevel
from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import vocabulary
from hallmgr.extensions import db


class WarningLetter(db.Model):
    """A warning letter (teguran, SP1–SP3) issued to a business for one stall's arrears.

    The figures are kept as printed on the day of issue, so a reprint says the same.
    """

    __tablename__ = "warning_letters"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "year", "seq"),
        sa.CheckConstraint("unpaid_days > 0", name="unpaid_days_positive"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("deadline >= issued_on", name="deadline_after_issue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    level: Mapped[WarningLevel] = mapped_column(vocabulary(WarningLevel, "level", 10))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    unpaid_days: Mapped[int] = mapped_column(sa.Integer)
    amount: Mapped[int] = mapped_column(sa.Integer)
    oldest_unpaid: Mapped[date] = mapped_column(sa.Date)
    deadline: Mapped[date] = mapped_column(sa.Date)
    # Letters issued together for a hall share a batch, printed as one PDF.
    batch: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())

    hall = relationship("Hall")
    business = relationship("Business")
    stall = relationship("Stall")
    issued_by = relationship("User")
