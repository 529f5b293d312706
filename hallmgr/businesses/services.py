"""The business registry: businesses registered one by one or from a CSV file, and found
by name, owner or NIK."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.audit.services import record
from hallmgr.businesses import rules
from hallmgr.businesses.models import BUSINESS_STATUSES, Business
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Kecamatan, Stall
from hallmgr.halls.stalls import (
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
