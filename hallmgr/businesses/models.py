from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column, enum_check
from hallmgr.extensions import db

BUSINESS_STATUSES = ("active", "suspended", "closed")
APPLICATION_STATUSES = ("waiting", "offered", "accepted", "declined", "withdrawn", "expired")


class Business(db.Model):
    """A micro business (UMKM) and its owner."""

    __tablename__ = "businesses"
    __table_args__ = (
        enum_check("status", BUSINESS_STATUSES, "status"),
        sa.CheckConstraint("length(nik) = 16", name="nik_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    owner_name: Mapped[str] = mapped_column(sa.String(120))
    nik: Mapped[str] = mapped_column(sa.String(16), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    kecamatan_code: Mapped[str | None] = mapped_column(sa.ForeignKey("kecamatan.code"))
    category: Mapped[str] = mapped_column(sa.String(60), default="")
    nib: Mapped[str | None] = mapped_column(sa.String(13))
    okoce_member_no: Mapped[str | None] = mapped_column(sa.String(30))
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    created_at: Mapped[datetime] = created_at_column()

    kecamatan = relationship("Kecamatan")

    @property
    def nik_masked(self) -> str:
        from hallmgr.businesses.rules import mask_nik

        return mask_nik(self.nik)


class Application(db.Model):
    """A business's place on the waiting list of one hall and stall class."""

    __tablename__ = "applications"
    __table_args__ = (
        enum_check("status", APPLICATION_STATUSES, "status"),
        sa.CheckConstraint("declines >= 0", name="declines"),
        sa.Index("ix_applications_queue", "hall_id", "stall_class_id", "status", "applied_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    stall_class_id: Mapped[int] = mapped_column(sa.ForeignKey("stall_classes.id"))
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="waiting")
    declines: Mapped[int] = mapped_column(sa.Integer, default=0)
    offered_stall_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stalls.id"))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    hall = relationship("Hall")
    stall_class = relationship("StallClass")
    business = relationship("Business")
    offered_stall = relationship("Stall")
