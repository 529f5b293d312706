from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column
from hallmgr.extensions import db


class Assignment(db.Model):
    """A stall given to a business from start_date to end_date (inclusive). Never deleted."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
        sa.Index("ix_assignments_stall_period", "stall_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    stall_id: Mapped[int] = mapped_column(sa.ForeignKey("stalls.id"))
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"))
    # Why the waiting-list order was not followed (or why there was no application).
    out_of_order_reason: Mapped[str] = mapped_column(sa.Text, default="")
    backdate_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = created_at_column()
    end_reason: Mapped[str] = mapped_column(sa.Text, default="")
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    stall = relationship("Stall")
    business = relationship("Business")
    application = relationship("Application")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @hybrid_method
    def active_on(self, day: date) -> bool:
        """Whether the assignment's period includes `day` (both ends included)."""
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    @active_on.expression
    def active_on(cls, day):
        return sa.and_(cls.start_date <= day, sa.or_(cls.end_date.is_(None), cls.end_date >= day))
