"""Stalls: created and edited one by one, their status, and the CSV import of many (all or
none, every bad row reported with its line). The import's reading and row checks serve the
business import too."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.audit.services import record, snapshot
from hallmgr.core.errors import DomainError
from hallmgr.extensions import db
from hallmgr.halls import rules
from hallmgr.halls.models import STALL_STATUSES, Hall, Stall, StallClass

STALL_FIELDS = ("hall_id", "code", "block", "area_dm2", "stall_class_id", "status")


class ImportRejectedError(DomainError):
    """A file with bad rows: nothing was imported. `problems` lists (line, reason)."""

    def __init__(self, message: str, problems: list[tuple[int, str]]):
        super().__init__(message)
        self.problems = problems


# Rows an import file may have unless told otherwise (config IMPORT_MAX_ROWS).
IMPORT_MAX_ROWS = 10_000


def read_import(text: str, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and rows of an import file, or ImportRejectedError when it cannot be
    read as CSV or has more than `max_rows` rows."""
    try:
        header, rows = rules.read_csv(text, max_rows=max_rows)
    except rules.CsvError as error:
        reason = _("not a readable CSV line (a quote left open, or a cell far too long)")
        raise ImportRejectedError(
            _("Nothing was imported: the file is not a readable CSV file."), [(error.line, reason)]
        ) from error
    if len(rows) > max_rows:
        message = _("Nothing was imported: the file has more than %(n)d rows.", n=max_rows)
        raise ImportRejectedError(
            message,
            [(rows[-1][0], _("split the file into files of at most %(n)d rows", n=max_rows))],
        )
    return header, rows


def row_shape_problems(row: dict[str, str]) -> list[str]:
    """What is wrong with a row's shape: the count of its values, formula cells."""
    reasons = []
    if row.get("__extra__"):
        reasons.append(_("more values than columns"))
    if row.get("__missing__"):
        reasons.append(_("fewer values than columns"))
    if row.get("__formula__"):
        reasons.append(
            _(
                "%(columns)s starts like a spreadsheet formula (= + - @): save the values, "
                "not the formulas",
                columns=row["__formula__"],
            )
        )
    return reasons


def _stall_code_message(problem: str) -> str:
    return {
        "empty": _("Give the stall a code."),
        "too_long": _("A stall code has at most 20 characters."),
        "characters": _("A stall code has letters, digits, dash, dot or slash only (e.g. A-07)."),
    }[problem]


def save_stall(actor, hall: Hall, stall: Stall | None, data: dict, now: datetime) -> Stall:
    """Create or edit a stall; codes are unique in a hall and a stall with assignments keeps
    its class (the class prices its past days)."""
    code = (data.get("code") or "").strip().upper()
    problem = rules.stall_code_problem(code)
    if problem:
        raise DomainError(_stall_code_message(problem), field="code")
    clash = db.session.scalar(
        sa.select(Stall.id).where(
            Stall.hall_id == hall.id, Stall.code == code, Stall.id != (stall.id if stall else None)
        )
    )
    if clash:
        raise DomainError(
            _("Hall %(hall)s already has a stall %(code)s.", hall=hall.code, code=code),
            field="code",
        )
    stall_class = db.session.get(StallClass, data.get("stall_class_id") or 0)
    if stall_class is None:
        raise DomainError(_("Choose a stall class."), field="stall_class_id")
    if stall is not None and stall.stall_class_id != stall_class.id and _has_assignments(stall):
        raise DomainError(
            _(
                "This stall has had assignments, and its class prices their days: "
                "its class cannot change. Retire it and create a new stall instead."
            ),
            field="stall_class_id",
        )
    status = data.get("status") or (stall.status if stall else "available")
    if status not in STALL_STATUSES:
        raise DomainError(_("Unknown stall status."), field="status")
    before = snapshot(stall, STALL_FIELDS) if stall else None
    if stall is None:
        stall = Stall(hall_id=hall.id, status=status)
        db.session.add(stall)
    stall.code = code
    stall.block = (data.get("block") or "").strip().upper()[:20]
    stall.area_dm2 = data.get("area_dm2")
    stall.stall_class_id = stall_class.id
    if before is None:
        stall.status = status
    db.session.flush()
    record(
        actor,
        "stall_updated" if before else "stall_created",
        stall,
        before=before,
        after=snapshot(stall, STALL_FIELDS),
        at=now,
    )
    return stall


def _has_assignments(stall: Stall) -> bool:
    from hallmgr.assignments.models import Assignment

    return bool(
        db.session.scalar(sa.select(sa.literal(1)).where(Assignment.stall_id == stall.id).limit(1))
    )


def set_stall_status(actor, stall: Stall, status: str, today: date, now: datetime) -> Stall:
    """Available, under maintenance or retired; a stall assigned today or later cannot retire."""
    from hallmgr.assignments.models import Assignment

    if status not in STALL_STATUSES:
        raise DomainError(_("Unknown stall status."), field="status")
    if status == stall.status:
        return stall
    if status == "retired":
        held = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Assignment)
            .where(Assignment.stall_id == stall.id, Assignment.ends_on_or_after(today))
        )
        if held:
            raise DomainError(
                _("The stall is assigned today or later: end the assignment before retiring it."),
                field="status",
            )
    before = {"status": stall.status}
    stall.status = status
    db.session.flush()
    record(actor, "stall_status_changed", stall, before=before, after={"status": status}, at=now)
    return stall


STALL_COLUMNS = ("code", "class")


def import_stalls(
    actor,
    text: str,
    now: datetime,
    *,
    hall: Hall | None = None,
    hall_ids=None,
    max_rows: int = IMPORT_MAX_ROWS,
) -> list[Stall]:
    """Create every stall of a CSV file, or none: every bad row is reported with its line.

    Columns: hall (unless the file is for one hall), code, block, class, area_m2, status.
    `hall_ids` limits which halls the file may name (None: any hall).
    """
    header, rows = read_import(text, max_rows)
    needed = list(STALL_COLUMNS) + ([] if hall else ["hall"])
    absent = [c for c in needed if c not in header]
    if absent:
        raise ImportRejectedError(
            _("The file has no column %(names)s.", names=", ".join(absent)),
            [
                (
                    1,
                    _(
                        "Expected columns: %(names)s.",
                        names=", ".join(needed + ["block", "area_m2", "status"]),
                    ),
                )
            ],
        )
    if not rows:
        raise ImportRejectedError(_("The file has no rows."), [(1, _("The file has no rows."))])
    halls = {h.code: h for h in db.session.scalars(sa.select(Hall))}
    classes = {c.code: c for c in db.session.scalars(sa.select(StallClass))}
    existing = set(db.session.execute(sa.select(Stall.hall_id, Stall.code)).tuples())
    seen: dict[tuple[int, str], int] = {}
    problems: list[tuple[int, str]] = []
    valid: list[dict] = []
    for line, row in rows:
        reasons = []
        target = hall
        hall_code = row.get("hall", "").strip().upper()
        if hall_code:
            target = halls.get(hall_code)
            if target is None or (hall_ids is not None and target.id not in hall_ids):
                reasons.append(_("unknown hall %(code)s", code=hall_code))
                target = None
            elif hall is not None and target.id != hall.id:
                reasons.append(_("this file is for hall %(code)s only", code=hall.code))
                target = None
        elif hall is None:
            reasons.append(_("no hall"))
        code = row.get("code", "").strip().upper()
        problem = rules.stall_code_problem(code)
        if problem:
            reasons.append(_stall_code_message(problem))
        elif target is not None:
            key = (target.id, code)
            if key in existing:
                reasons.append(_("stall %(code)s already exists in this hall", code=code))
            elif key in seen:
                reasons.append(
                    _("stall %(code)s is also on line %(line)d", code=code, line=seen[key])
                )
            else:
                seen[key] = line
        class_code = row.get("class", "").strip().lower()
        stall_class = classes.get(class_code)
        if stall_class is None:
            reasons.append(_("unknown stall class %(code)s", code=class_code or "—"))
        try:
            area = rules.parse_area_m2(row.get("area_m2", ""))
        except ValueError:
            area = None
            reasons.append(
                _("area %(value)s is not a number of square metres", value=row["area_m2"])
            )
        status = row.get("status", "").strip().lower() or "available"
        if status not in STALL_STATUSES:
            reasons.append(_("unknown status %(value)s", value=status))
        reasons.extend(row_shape_problems(row))
        block = row.get("block", "").strip().upper()
        if len(block) > 20:
            reasons.append(_("a block has at most 20 characters"))
        if reasons:
            problems.append((line, "; ".join(reasons)))
            continue
        valid.append(
            {
                "hall_id": target.id,
                "code": code,
                "block": block,
                "area_dm2": area,
                "stall_class_id": stall_class.id,
                "status": status,
            }
        )
    if problems:
        raise ImportRejectedError(
            _("Nothing was imported: %(n)d rows have problems.", n=len(problems)), problems
        )
    stalls = [Stall(**values) for values in valid]
    db.session.add_all(stalls)
    db.session.flush()
    record(
        actor,
        "stalls_imported",
        object_type="stalls",
        after={"count": len(stalls), "codes": [s.code for s in stalls][:200]},
        hall_id=hall.id if hall else None,
        at=now,
    )
    return stalls
