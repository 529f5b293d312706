from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column
from hallmgr.extensions import db
from hallmgr.halls.models import Stall


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
        """The stall is the business's on `day` (start and end days included)."""
        return self.start_date <= day and self.ends_on_or_after(day)

    @active_on.expression
    @classmethod
    def active_on(cls, day):
        # `day` may be a date or a SQL expression (a calendar's day column).
        return sa.and_(cls.start_date <= day, cls.ends_on_or_after(day))

    @hybrid_method
    def ends_on_or_after(self, day: date) -> bool:
        """The assignment has not ended before `day`: it holds the stall then or later."""
        return self.end_date is None or self.end_date >= day

    @ends_on_or_after.expression
    @classmethod
    def ends_on_or_after(cls, day):
        return sa.or_(cls.end_date.is_(None), cls.end_date >= day)

    @hybrid_property
    def hall_id(self) -> int:
        """The hall of the assignment's stall (its hall scope, policy.load_in_scope)."""
        return self.stall.hall_id

    @hall_id.expression
    @classmethod
    def hall_id(cls):
        # Correlated to the assignment however deep it sits (inside an EXISTS, say).
        return (
            sa.select(Stall.hall_id)
            .where(Stall.id == cls.stall_id)
            .correlate_except(Stall)
            .scalar_subquery()
        )
