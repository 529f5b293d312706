from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.core.days import ALL_WEEK, FIRST_DAY
from hallmgr.core.models import created_at_column, enum_check
from hallmgr.extensions import db
from hallmgr.halls import rules

HALL_STATUSES = ("active", "inactive")
STALL_STATUSES = ("available", "maintenance", "retired")
CLOSURE_KINDS = ("holiday", "cuti_bersama", "renovation", "flood", "other")


class Region(db.Model):
    """A kabupaten/kota of DKI Jakarta, keyed by its Kemendagri code (31.71 …)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    kecamatan = relationship("Kecamatan", back_populates="region", order_by="Kecamatan.code")


class Kecamatan(db.Model):
    __tablename__ = "kecamatan"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)

    region = relationship("Region", back_populates="kecamatan")


class Hall(db.Model):
    __tablename__ = "halls"
    __table_args__ = (enum_check("status", HALL_STATUSES, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.ForeignKey("kecamatan.code"))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    created_at: Mapped[datetime] = created_at_column()

    region = relationship("Region")
    kecamatan = relationship("Kecamatan")
    schedules = relationship(
        "HallSchedule", order_by="HallSchedule.effective_from", back_populates="hall"
    )

    def __init__(self, *, open_days: int = ALL_WEEK, **kwargs):
        """A new hall opens on `open_days` (every day unless said) from the first day of the
        calendar, until a change is scheduled."""
        super().__init__(**kwargs)
        if not self.schedules:
            self.schedules.append(HallSchedule(effective_from=FIRST_DAY, open_days=open_days))

    def open_days_on(self, day: date) -> int:
        """The weekly open days in force on `day` (every day before the first schedule)."""
        return rules.open_days_on([(s.effective_from, s.open_days) for s in self.schedules], day)


class HallSchedule(db.Model):
    """A hall's weekly open days from `effective_from` on, effective-dated like tariffs:
    a change applies from a future day, so days already due or paid keep their state."""

    __tablename__ = "hall_schedules"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "effective_from"),
        sa.CheckConstraint(f"open_days > 0 AND open_days <= {ALL_WEEK}", name="open_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"))
    effective_from: Mapped[date] = mapped_column(sa.Date)
    # Weekly open days, Monday = bit 0 … Sunday = bit 6.
    open_days: Mapped[int] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    hall = relationship("Hall", back_populates="schedules")


class StallClass(db.Model):
    __tablename__ = "stall_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    tariffs = relationship("Tariff", order_by="Tariff.effective_from", back_populates="stall_class")


class Tariff(db.Model):
    """The daily retribution of a stall class from `effective_from` on."""

    __tablename__ = "tariffs"
    __table_args__ = (
        sa.UniqueConstraint("stall_class_id", "effective_from"),
        sa.CheckConstraint("daily_rate > 0", name="daily_rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_class_id: Mapped[int] = mapped_column(sa.ForeignKey("stall_classes.id"), index=True)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    daily_rate: Mapped[int] = mapped_column(sa.Integer)
    regulation: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()

    stall_class = relationship("StallClass", back_populates="tariffs")


class Stall(db.Model):
    __tablename__ = "stalls"
    __table_args__ = (
        sa.UniqueConstraint("hall_id", "code"),
        enum_check("status", STALL_STATUSES, "status"),
        sa.CheckConstraint("area_dm2 IS NULL OR area_dm2 > 0", name="area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    block: Mapped[str] = mapped_column(sa.String(20), default="")
    # Area in square decimetres (1 m² = 100 dm²), so it stays an exact integer.
    area_dm2: Mapped[int | None] = mapped_column(sa.Integer)
    stall_class_id: Mapped[int] = mapped_column(sa.ForeignKey("stall_classes.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="available")
    created_at: Mapped[datetime] = created_at_column()

    hall = relationship("Hall")
    stall_class = relationship("StallClass")

    @property
    def area_m2(self) -> str:
        if self.area_dm2 is None:
            return ""
        whole, part = divmod(self.area_dm2, 100)
        return f"{whole},{part:02d}" if part else str(whole)


class Closure(db.Model):
    """Days a hall (or, with no hall, the whole province) is closed."""

    __tablename__ = "closures"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="range"),
        enum_check("kind", CLOSURE_KINDS, "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int | None] = mapped_column(sa.ForeignKey("halls.id"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date, index=True)
    end_date: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    hall = relationship("Hall")
