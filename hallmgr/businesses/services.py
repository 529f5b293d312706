"""The business registry and the waiting list."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.audit.services import record
from hallmgr.businesses import rules
from hallmgr.businesses.models import BUSINESS_STATUSES, Application, Business
from hallmgr.core.days import WIB
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Kecamatan, Stall, StallClass
from hallmgr.halls.services import (
    IMPORT_MAX_ROWS,
    ImportRejectedError,
    read_import,
    row_shape_problems,
)

# The NIK never goes into the audit log whole: nik_masked stands in for it.
BUSINESS_AUDIT_FIELDS = (
    "name",
    "owner_name",
    "nik_masked",
    "phone",
    "address",
    "kecamatan_code",
    "category",
    "nib",
    "okoce_member_no",
    "status",
)
BUSINESS_FIELDS = (
    "name",
    "owner_name",
    "nik",
    "phone",
    "address",
    "kecamatan_code",
    "category",
    "nib",
    "okoce_member_no",
    "status",
)


class NikTakenError(ConflictError):
    code = "nik_registered"


def nik_message(problem: str) -> str:
    return {
        "format": _("A NIK has exactly 16 digits."),
        "region": _("The first six digits of a NIK (province, regency, kecamatan) cannot be 00."),
        "birth_date": _(
            "Digits 7 to 12 of this NIK are not a real birth date "
            "(DDMMYY, with 40 added to the day for women)."
        ),
        "serial": _("The last four digits of a NIK (the serial number) cannot be 0000."),
    }[problem]


def _audit_view(business: Business) -> dict:
    return {
        key: (business.nik_masked if key == "nik_masked" else getattr(business, key))
        for key in BUSINESS_AUDIT_FIELDS
    }


def _clean(data: dict) -> dict:
    clean = {key: data.get(key) for key in BUSINESS_FIELDS if key in data}
    for key in ("name", "owner_name", "address", "category"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if "nik" in clean:
        clean["nik"] = rules.normalise_nik(clean["nik"] or "")
    if "phone" in clean:
        clean["phone"] = rules.normalise_phone(clean["phone"] or "")
    for key in ("nib", "okoce_member_no", "kecamatan_code"):
        if key in clean:
            clean[key] = (clean[key] or "").strip() or None
    return clean


def business_problems(data: dict, business_id: int | None = None) -> list[tuple[str, str]]:
    """(field, message) of everything wrong with a business's data, checked against the DB."""
    problems = []
    if not data.get("name"):
        problems.append(("name", _("Give the business's name.")))
    elif len(data["name"]) > 160:
        problems.append(("name", _("A business name has at most 160 characters.")))
    if not data.get("owner_name"):
        problems.append(("owner_name", _("Give the owner's name.")))
    elif len(data["owner_name"]) > 120:
        problems.append(("owner_name", _("An owner's name has at most 120 characters.")))
    nik = data.get("nik", "")
    problem = rules.nik_problem(nik)
    if problem:
        problems.append(("nik", nik_message(problem)))
    else:
        other = db.session.scalar(
            sa.select(Business).where(Business.nik == nik, Business.id != business_id)
        )
        if other is not None:
            problems.append(
                (
                    "nik",
                    _(
                        "This NIK is already registered for %(name)s: one business per NIK.",
                        name=other.name,
                    ),
                )
            )
    if rules.phone_problem(data.get("phone", "")):
        problems.append(
            ("phone", _("A phone number starts with 0 and has 9 to 15 digits (e.g. 081234567890)."))
        )
    nib = data.get("nib")
    if nib and (not nib.isdigit() or len(nib) != 13):
        problems.append(("nib", _("An NIB has 13 digits.")))
    kec = data.get("kecamatan_code")
    if kec and db.session.get(Kecamatan, kec) is None:
        problems.append(("kecamatan_code", _("Unknown kecamatan %(code)s.", code=kec)))
    if data.get("status", "active") not in BUSINESS_STATUSES:
        problems.append(("status", _("Unknown business status.")))
    if len(data.get("address") or "") > 255:
        problems.append(("address", _("An address has at most 255 characters.")))
    if len(data.get("category") or "") > 60:
        problems.append(("category", _("A category has at most 60 characters.")))
    if len(data.get("okoce_member_no") or "") > 30:
        problems.append(("okoce_member_no", _("An OK OCE number has at most 30 characters.")))
    return problems


def save_business(actor, business: Business | None, data: dict, now: datetime) -> Business:
    """Register or edit a business: a valid NIK, one business per NIK."""
    data = _clean(data)
    problems = business_problems(data, business.id if business else None)
    if problems:
        field, message = problems[0]
        if field == "nik" and rules.nik_problem(data["nik"]) is None:
            # A well-formed NIK is refused only when another business holds it.
            raise NikTakenError(message, field=field)
        raise DomainError(message, field=field)
    before = _audit_view(business) if business else None
    if business is None:
        business = Business(status="active")
        db.session.add(business)
    for key, value in data.items():
        setattr(business, key, value if value is not None or key != "phone" else "")
    db.session.flush()
    record(
        actor,
        "business_updated" if before else "business_created",
        business,
        before=before,
        after=_audit_view(business),
        at=now,
    )
    return business


BUSINESS_COLUMNS = ("name", "owner_name", "nik")


def import_businesses(
    actor, text: str, now: datetime, *, max_rows: int = IMPORT_MAX_ROWS
) -> list[Business]:
    """Register every business of a CSV file, or none: each bad row reported with its line.

    Columns: name, owner_name, nik, and optionally phone, address, kecamatan_code,
    category, nib, okoce_member_no.
    """
    header, rows = read_import(text, max_rows)
    absent = [c for c in BUSINESS_COLUMNS if c not in header]
    if absent:
        raise ImportRejectedError(
            _("The file has no column %(names)s.", names=", ".join(absent)),
            [(1, _("Expected columns: %(names)s.", names=", ".join(BUSINESS_FIELDS[:-1])))],
        )
    if not rows:
        raise ImportRejectedError(_("The file has no rows."), [(1, _("The file has no rows."))])
    seen: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    valid: list[dict] = []
    for line, row in rows:
        data = _clean({key: row.get(key, "") for key in BUSINESS_FIELDS if key != "status"})
        data["status"] = "active"
        reasons = [message for _field, message in business_problems(data)]
        nik = data["nik"]
        if nik in seen and not rules.nik_problem(nik):
            reasons.append(_("the same NIK is also on line %(line)d", line=seen[nik]))
        seen.setdefault(nik, line)
        reasons.extend(row_shape_problems(row))
        if reasons:
            problems.append((line, " ".join(reasons)))
        else:
            valid.append(data)
    if problems:
        raise ImportRejectedError(
            _("Nothing was imported: %(n)d rows have problems.", n=len(problems)), problems
        )
    businesses = [Business(**{**data, "phone": data["phone"] or ""}) for data in valid]
    db.session.add_all(businesses)
    db.session.flush()
    record(
        actor,
        "businesses_imported",
        object_type="businesses",
        after={"count": len(businesses), "niks": [b.nik_masked for b in businesses][:200]},
        at=now,
    )
    return businesses


def search_businesses(
    query: str, today: date, *, limit: int = 100, hall_ids: set[int] | None = None
) -> list:
    """Businesses by name, owner, NIK, phone or the code of a stall they hold today.

    Rows: (Business, stall codes held today as 'HALL A-07, …' or None). The registry is
    province-wide, but only stalls of `hall_ids` (None: every hall) are shown or searched.
    """
    from hallmgr.halls.queries import current_assignments

    cur = current_assignments(today)
    held = (
        sa.select(
            cur.c.business_id,
            Stall.code.label("stall_code"),
            Hall.code.label("hall_code"),
        )
        .join(Stall, Stall.id == cur.c.stall_id)
        .join(Hall, Hall.id == Stall.hall_id)
        .where(sa.true() if hall_ids is None else Hall.id.in_(hall_ids or {-1}))
        .subquery("held")
    )
    stmt = (
        sa.select(Business, held.c.hall_code, held.c.stall_code)
        .outerjoin(held, held.c.business_id == Business.id)
        .order_by(Business.name, Business.id)
    )
    query = (query or "").strip()[:80]
    if query:
        digits = rules.normalise_nik(query)
        phone = rules.normalise_phone(query)
        conditions = [
            sa.func.lower(Business.name).contains(query.lower(), autoescape=True),
            sa.func.lower(Business.owner_name).contains(query.lower(), autoescape=True),
            sa.func.upper(held.c.stall_code) == query.upper(),
            sa.func.upper(held.c.hall_code + " " + held.c.stall_code) == query.upper(),
        ]
        if digits.isdigit() and len(digits) >= 4:
            conditions.append(Business.nik.startswith(digits))
        if phone.isdigit() and len(phone) >= 4:
            conditions.append(Business.phone.contains(phone))
        stmt = stmt.where(sa.or_(*conditions))
    rows = db.session.execute(stmt.limit(limit * 4)).all()
    # One line per business, its stalls (if any) joined.
    out: dict[int, list] = {}
    for business, hall_code, stall_code in rows:
        entry = out.setdefault(business.id, [business, []])
        if stall_code:
            entry[1].append(f"{hall_code} {stall_code}")
    return [(b, ", ".join(codes)) for b, codes in list(out.values())[:limit]]


# The waiting list -------------------------------------------------------------


APPLICATION_OPEN = ("waiting", "offered")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), WIB)


def expiry_cutoff(today: date, expiry_days: int) -> datetime:
    """Applications made before this instant have lapsed on `today`."""
    return _day_start(today - timedelta(days=expiry_days - 1))


def queue_query(hall_id: int, stall_class_id: int, today: date, expiry_days: int):
    """Open applications of a hall and class still in force, in queue order."""
    return (
        sa.select(Application)
        .where(
            Application.hall_id == hall_id,
            Application.stall_class_id == stall_class_id,
            Application.status.in_(APPLICATION_OPEN),
            Application.applied_at >= expiry_cutoff(today, expiry_days),
        )
        .order_by(Application.applied_at, Application.id)
    )


def queue_ids(hall_id: int, stall_class_id: int, today: date, expiry_days: int) -> list[int]:
    rows = db.session.execute(
        queue_query(hall_id, stall_class_id, today, expiry_days).with_only_columns(
            Application.applied_at, Application.id
        )
    ).all()
    return rules.queue_order([(r.applied_at, r.id) for r in rows])


def expire_applications(actor, hall_id: int, today: date, now: datetime, expiry_days: int) -> int:
    """Close the hall's open applications older than the expiry time; returns how many."""
    stale = db.session.scalars(
        sa.select(Application).where(
            Application.hall_id == hall_id,
            Application.status.in_(APPLICATION_OPEN),
            Application.applied_at < expiry_cutoff(today, expiry_days),
        )
    ).all()
    for application in stale:
        application.status = "expired"
        application.closed_at = now
        application.offered_stall_id = None
        record(
            actor,
            "application_expired",
            application,
            after={"status": "expired"},
            at=now,
        )
    db.session.flush()
    return len(stale)


def apply(
    actor, business: Business, hall: Hall, stall_class: StallClass, now: datetime, note: str = ""
) -> Application:
    """Put a business on a hall's waiting list for a stall class; once per hall and class."""
    if business.status != "active":
        raise DomainError(_("Only an active business can apply for a stall."))
    open_one = db.session.scalar(
        sa.select(Application.id).where(
            Application.business_id == business.id,
            Application.hall_id == hall.id,
            Application.stall_class_id == stall_class.id,
            Application.status.in_(APPLICATION_OPEN),
        )
    )
    if open_one:
        raise ConflictError(
            _("This business is already on the waiting list of this hall for this class.")
        )
    application = Application(
        hall_id=hall.id,
        stall_class_id=stall_class.id,
        business_id=business.id,
        applied_at=now,
        status="waiting",
        declines=0,
        note=(note or "").strip()[:255],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(application)
    db.session.flush()
    record(
        actor,
        "application_created",
        application,
        after={"business_id": business.id, "stall_class_id": stall_class.id},
        at=now,
    )
    return application


def vacant_stalls(hall_id: int, stall_class_id: int | None, from_day: date):
    """Available stalls with no assignment on `from_day` or later and no open offer."""
    from hallmgr.assignments.models import Assignment

    taken = sa.select(Assignment.id).where(
        Assignment.stall_id == Stall.id, Assignment.ends_on_or_after(from_day)
    )
    offered = sa.select(Application.id).where(
        Application.offered_stall_id == Stall.id, Application.status == "offered"
    )
    query = sa.select(Stall).where(
        Stall.hall_id == hall_id,
        Stall.status == "available",
        ~taken.exists(),
        ~offered.exists(),
    )
    if stall_class_id:
        query = query.where(Stall.stall_class_id == stall_class_id)
    return query.order_by(Stall.block, Stall.code)


def offer_next(
    actor,
    hall: Hall,
    stall_class: StallClass,
    *,
    stall: Stall | None,
    today: date,
    now: datetime,
    expiry_days: int,
) -> Application:
    """Offer a vacant stall of the class (the first one, or the one chosen) to the first
    applicant in line; lapsed applications are closed first."""
    expire_applications(actor, hall.id, today, now, expiry_days)
    first = db.session.scalar(
        queue_query(hall.id, stall_class.id, today, expiry_days)
        .where(Application.status == "waiting")
        .limit(1)
    )
    if first is None:
        raise DomainError(_("Nobody is waiting for this class of stall in this hall."))
    vacant = vacant_stalls(hall.id, stall_class.id, today)
    if stall is not None:
        vacant = vacant.where(Stall.id == stall.id)
    chosen = db.session.scalar(vacant.limit(1))
    if chosen is None:
        if stall is not None:
            raise DomainError(
                _(
                    "Stall %(code)s is not vacant, not available or already offered.",
                    code=stall.code,
                ),
                field="stall_id",
            )
        raise DomainError(_("No vacant stall of this class is available in this hall."))
    first.status = "offered"
    first.offered_stall_id = chosen.id
    first.offered_at = now
    first.offered_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        actor,
        "application_offered",
        first,
        after={"stall": chosen.code, "business_id": first.business_id},
        at=now,
    )
    return first


def _open_application(application: Application, *states: str) -> None:
    if application.status not in states:
        raise ConflictError(_("This application is no longer open for this action."))


def accept_offer(
    actor,
    application: Application,
    *,
    start_date: date,
    end_date: date | None,
    backdate_reason: str,
    today: date,
    now: datetime,
    settings: dict,
):
    """The applicant takes the offered stall: the assignment is created from the offer."""
    from hallmgr.assignments.services import assign_stall

    _open_application(application, "offered")
    stall = db.session.get(Stall, application.offered_stall_id)
    assignment = assign_stall(
        actor,
        stall,
        application.business,
        start_date=start_date,
        end_date=end_date,
        application=application,
        out_of_order_reason="",
        backdate_reason=backdate_reason,
        today=today,
        now=now,
        settings=settings,
        from_offer=True,
    )
    return assignment


def decline_offer(
    actor, application: Application, now: datetime, max_declines: int, reason: str = ""
) -> Application:
    """The applicant turns the offer down: back in line, or out after `max_declines`."""
    _open_application(application, "offered")
    declines, status = rules.after_decline(application.declines, max_declines)
    before = {"status": application.status, "declines": application.declines}
    application.declines = declines
    application.status = status
    application.offered_stall_id = None
    if status == "declined":
        application.closed_at = now
    if reason:
        application.note = reason.strip()[:255]
    db.session.flush()
    record(
        actor,
        "application_declined",
        application,
        before=before,
        after={"status": status, "declines": declines},
        at=now,
    )
    return application


def withdraw_application(actor, application: Application, now: datetime) -> Application:
    """The business leaves the waiting list."""
    _open_application(application, *APPLICATION_OPEN)
    before = {"status": application.status}
    application.status = "withdrawn"
    application.offered_stall_id = None
    application.closed_at = now
    db.session.flush()
    record(
        actor,
        "application_withdrawn",
        application,
        before=before,
        after={"status": "withdrawn"},
        at=now,
    )
    return application
