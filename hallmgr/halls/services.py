"""Regions, halls, stall classes, tariffs and closures."""

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.audit.services import record, snapshot
from hallmgr.collection import credits
from hallmgr.collection.models import PaymentDay
from hallmgr.collection.rules import CreditReason
from hallmgr.collection.services import lock_hall
from hallmgr.core.days import ALL_WEEK, is_open_weekday, market_today
from hallmgr.core.errors import DomainError
from hallmgr.extensions import db
from hallmgr.halls import rules
from hallmgr.halls.models import (
    Closure,
    Hall,
    HallSchedule,
    Kecamatan,
    Region,
    Stall,
    StallClass,
    Tariff,
)

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "jakarta_regions.csv"


def load_regions(path: Path = REGIONS_CSV) -> tuple[int, int]:
    """Insert or rename the official regions and kecamatan; returns (regions, kecamatan)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing_regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    existing_kec = {k.code: k for k in db.session.scalars(sa.select(Kecamatan))}
    n_regions = n_kec = 0
    for row in rows:
        if row["level"] == "kab/kota":
            region = existing_regions.get(row["kode"]) or Region(code=row["kode"])
            region.name = row["nama"]
            db.session.add(region)
            n_regions += 1
    db.session.flush()
    for row in rows:
        if row["level"] == "kecamatan":
            kec = existing_kec.get(row["kode"]) or Kecamatan(code=row["kode"])
            kec.name = row["nama"]
            kec.region_code = row["kode"].rsplit(".", 1)[0]
            db.session.add(kec)
            n_kec += 1
    db.session.flush()
    return n_regions, n_kec


HALL_FIELDS = ("code", "name", "region_code", "kecamatan_code", "address", "status")


def _check_hall(code: str, region_code: str, kecamatan_code: str | None, hall_id=None) -> None:
    clash = db.session.scalar(sa.select(Hall.id).where(Hall.code == code, Hall.id != hall_id))
    if clash:
        raise DomainError(_("Another hall already has this code."), field="code")
    if db.session.get(Region, region_code) is None:
        raise DomainError(_("Unknown region."), field="region_code")
    if kecamatan_code:
        kec = db.session.get(Kecamatan, kecamatan_code)
        if kec is None or kec.region_code != region_code:
            raise DomainError(
                _("This kecamatan is not in the chosen region."), field="kecamatan_code"
            )


def save_hall(
    actor,
    hall: Hall | None,
    data: dict,
    now: datetime,
    *,
    today: date,
    open_days_from: date | None = None,
) -> Hall:
    """Create or edit a hall; its code is unique and its kecamatan lies in its region.

    A new hall opens on `data["open_days"]` from the start of the calendar. A change of
    open days is effective-dated like a tariff: it applies from `open_days_from`, a future
    day (tomorrow at the earliest), so days already due or paid keep their state; days paid
    ahead that the change closes become credits of their payers.
    """
    data = dict(data)
    data["code"] = data["code"].strip().upper()
    data["kecamatan_code"] = data.get("kecamatan_code") or None
    open_days = data.pop("open_days", None)
    _check_hall(
        data["code"], data["region_code"], data["kecamatan_code"], hall.id if hall else None
    )
    before = snapshot(hall, HALL_FIELDS) if hall else None
    if hall is None:
        hall = Hall(open_days=open_days or ALL_WEEK)
        db.session.add(hall)
    for key in HALL_FIELDS:
        if key in data:
            setattr(hall, key, data[key])
    db.session.flush()
    changed = None
    if before is not None and open_days is not None:
        changed = _change_open_days(actor, hall, open_days, open_days_from, today=today, now=now)
    record(
        actor,
        "hall_updated" if before else "hall_created",
        hall,
        before=before,
        after={**snapshot(hall, HALL_FIELDS), **(changed or {})},
        hall_id=hall.id,
        at=now,
    )
    return hall


def _change_open_days(
    actor, hall: Hall, open_days: int, effective_from: date | None, *, today: date, now: datetime
) -> dict | None:
    """Schedule `open_days` from `effective_from` (a future day); None when nothing changes."""
    effective_from = effective_from or today + timedelta(days=1)
    if hall.open_days_on(effective_from) == open_days:
        return None
    if effective_from <= today:
        raise DomainError(
            _(
                "A change of open days applies from tomorrow (%(day)s) at the earliest.",
                day=(today + timedelta(days=1)).isoformat(),
            ),
            field="open_days_from",
        )
    # Queued with the hall's payments: none may cover a day the change closes meanwhile.
    lock_hall(hall.code, today.year)
    later = [s for s in hall.schedules if s.effective_from >= effective_from]
    for schedule in later:  # only future schedules: the check above keeps the past
        db.session.delete(schedule)
    db.session.flush()
    db.session.expire(hall, ["schedules"])
    db.session.add(
        HallSchedule(
            hall_id=hall.id,
            effective_from=effective_from,
            open_days=open_days,
            created_by_id=getattr(actor, "id", None),
            created_at=now,
        )
    )
    db.session.flush()
    stalls = sa.select(Stall.id).where(Stall.hall_id == hall.id)
    closed = [
        d
        for d in credits.covering(PaymentDay.stall_id.in_(stalls), PaymentDay.day >= effective_from)
        if not is_open_weekday(open_days, d.day)
    ]
    if closed:
        credits.release(actor, closed, CreditReason.SCHEDULE_CHANGED, now=now)
    return {"open_days": open_days, "open_days_from": effective_from.isoformat()}


def save_stall_class(actor, stall_class: StallClass | None, code: str, name: str, now: datetime):
    """Create or rename a stall class; codes are unique."""
    code = code.strip().lower()
    clash = db.session.scalar(
        sa.select(StallClass.id).where(
            StallClass.code == code, StallClass.id != (stall_class.id if stall_class else None)
        )
    )
    if clash:
        raise DomainError(_("Another stall class already has this code."), field="code")
    before = snapshot(stall_class, ("code", "name")) if stall_class else None
    if stall_class is None:
        stall_class = StallClass()
        db.session.add(stall_class)
    stall_class.code = code
    stall_class.name = name.strip()
    db.session.flush()
    record(
        actor,
        "stall_class_updated" if before else "stall_class_created",
        stall_class,
        before=before,
        after=snapshot(stall_class, ("code", "name")),
        at=now,
    )
    return stall_class


TARIFF_FIELDS = ("stall_class_id", "effective_from", "daily_rate", "regulation")


def add_tariff(
    actor,
    stall_class: StallClass,
    effective_from: date,
    daily_rate: int,
    regulation: str,
    now: datetime,
) -> Tariff:
    """A new daily rate for a class from its effective date on, one per class and date; it
    starts tomorrow in Jakarta (the day after `now`) at the earliest: no day already priced changes.

    A class none of whose stalls was ever assigned has priced no day: its rates may start on
    any date (a stall keeps its class once assigned, so this stays true of every past day).
    """
    if not isinstance(daily_rate, int) or daily_rate <= 0:
        raise DomainError(
            _("The daily rate must be a whole number of rupiah above zero."), field="daily_rate"
        )
    if not regulation.strip():
        raise DomainError(_("Name the regulation the rate comes from."), field="regulation")
    if effective_from <= market_today(now) and _class_was_assigned(stall_class):
        raise DomainError(
            _(
                "A new rate takes effect from tomorrow at the earliest: days already passed, "
                "and today, keep the rate they had."
            ),
            field="effective_from",
        )
    clash = db.session.scalar(
        sa.select(Tariff.id).where(
            Tariff.stall_class_id == stall_class.id, Tariff.effective_from == effective_from
        )
    )
    if clash:
        raise DomainError(
            _("This class already has a rate from that date."), field="effective_from"
        )
    tariff = Tariff(
        stall_class_id=stall_class.id,
        effective_from=effective_from,
        daily_rate=daily_rate,
        regulation=regulation.strip(),
    )
    db.session.add(tariff)
    db.session.flush()
    record(actor, "tariff_created", tariff, after=snapshot(tariff, TARIFF_FIELDS), at=now)
    return tariff


def _class_was_assigned(stall_class: StallClass) -> bool:
    from hallmgr.assignments.models import Assignment

    return (
        db.session.scalar(
            sa.select(sa.literal(True))
            .select_from(Assignment)
            .join(Stall, Stall.id == Assignment.stall_id)
            .where(Stall.stall_class_id == stall_class.id)
            .limit(1)
        )
        is not None
    )


def edit_tariff(
    actor, tariff: Tariff, daily_rate: int, regulation: str, today: date, now: datetime
) -> Tariff:
    """Only a rate not yet in force may change; past days keep the rate they had."""
    if not rules.tariff_editable(tariff.effective_from, today):
        raise DomainError(
            _("This rate has already been in force and cannot be changed; add a new rate instead.")
        )
    if not isinstance(daily_rate, int) or daily_rate <= 0:
        raise DomainError(
            _("The daily rate must be a whole number of rupiah above zero."), field="daily_rate"
        )
    before = snapshot(tariff, TARIFF_FIELDS)
    tariff.daily_rate = daily_rate
    tariff.regulation = regulation.strip()
    record(
        actor,
        "tariff_updated",
        tariff,
        before=before,
        after=snapshot(tariff, TARIFF_FIELDS),
        at=now,
    )
    return tariff


CLOSURE_FIELDS = ("hall_id", "start_date", "end_date", "kind", "reason")


def add_closure(
    actor,
    *,
    hall_id: int | None,
    start_date: date,
    end_date: date,
    kind: str,
    reason: str,
    today: date,
    now: datetime,
) -> Closure:
    """Close a hall (or, without a hall, every hall) for a date range."""
    if end_date < start_date:
        raise DomainError(_("The end date is before the start date."), field="end_date")
    if not reason.strip():
        raise DomainError(_("Give the reason for the closure."), field="reason")
    closure = Closure(
        hall_id=hall_id,
        start_date=start_date,
        end_date=end_date,
        kind=kind,
        reason=reason.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(closure)
    db.session.flush()
    _release_closed_days(actor, hall_id, start_date, end_date, today=today, now=now)
    record(actor, "closure_created", closure, after=snapshot(closure, CLOSURE_FIELDS), at=now)
    return closure


def _release_closed_days(
    actor, hall_id: int | None, start: date, end: date, *, today: date, now: datetime
) -> None:
    """Days already paid that a new closure makes not due become their payers' credits.
    The halls' payments queue behind this (their counters are locked in code order)."""
    halls = sa.select(Hall.code).order_by(Hall.code)
    if hall_id is not None:
        halls = halls.where(Hall.id == hall_id)
    for code in db.session.scalars(halls):
        lock_hall(code, today.year)
    where = [PaymentDay.day >= start, PaymentDay.day <= end]
    if hall_id is not None:
        where.append(PaymentDay.stall_id.in_(sa.select(Stall.id).where(Stall.hall_id == hall_id)))
    paid = credits.covering(*where)
    if paid:
        credits.release(actor, paid, CreditReason.CLOSURE, now=now)


def import_national_holidays(actor, year: int, now: datetime, *, today: date) -> int:
    """Province-wide closures for Indonesia's national holidays and cuti bersama of a year.

    Names are in Indonesian. Days already closed province-wide are skipped, so it can run twice.
    """
    public = holidays.country_holidays("ID", years=year, language="id")
    joint = holidays.country_holidays("ID", years=year, language="id", categories=("government",))
    wanted: list[tuple[date, str, str]] = [(d, n, "holiday") for d, n in public.items()]
    wanted += [(d, n, "cuti_bersama") for d, n in joint.items()]
    existing = set(
        db.session.scalars(
            sa.select(Closure.start_date).where(
                Closure.hall_id.is_(None),
                Closure.start_date == Closure.end_date,
                Closure.start_date.between(date(year, 1, 1), date(year, 12, 31)),
            )
        )
    )
    added = 0
    for day, name, kind in sorted(wanted):
        if day in existing:
            continue
        existing.add(day)
        db.session.add(
            Closure(
                hall_id=None,
                start_date=day,
                end_date=day,
                kind=kind,
                reason=name[:200],
                created_by_id=getattr(actor, "id", None),
            )
        )
        added += 1
        db.session.flush()
        _release_closed_days(actor, None, day, day, today=today, now=now)
    db.session.flush()
    record(
        actor,
        "holidays_imported",
        object_type="closures",
        after={"year": year, "added": added},
        at=now,
    )
    return added
