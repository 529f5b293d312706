"""Assigning stalls to businesses and ending assignments."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.assignments import rules
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record, snapshot
from hallmgr.businesses.models import Application, Business
from hallmgr.collection import credits
from hallmgr.collection.models import PaymentDay
from hallmgr.collection.rules import CreditReason
from hallmgr.collection.services import lock_hall
from hallmgr.core.days import WIB
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.core.sequences import next_number
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

ASSIGNMENT_FIELDS = (
    "number",
    "stall_id",
    "business_id",
    "start_date",
    "end_date",
    "application_id",
    "out_of_order_reason",
    "backdate_reason",
    "end_reason",
)


class StallTakenError(ConflictError):
    code = "stall_taken"


class OwnerLimitError(ConflictError):
    code = "owner_limit"


def settings_from(config) -> dict:
    """The allocation settings a service needs, read once by the view."""
    return {
        "max_stalls_per_owner": config["MAX_STALLS_PER_OWNER"],
        "backdate_days": config["BACKDATE_ASSIGNMENT_DAYS"],
        "expiry_days": config["APPLICATION_EXPIRY_DAYS"],
        "max_declines": config["MAX_DECLINES"],
    }


def _lock(model, ident: int):
    """Re-read a row with a lock held until commit (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serialises writers)."""
    return db.session.execute(
        sa.select(model)
        .where(model.id == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _period_text(start: date, end: date | None) -> str:
    if end is None:
        return _("from %(start)s on", start=start.isoformat())
    return _("%(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())


def assign_stall(
    actor,
    stall: Stall,
    business: Business,
    *,
    start_date: date,
    end_date: date | None,
    application: Application | None,
    out_of_order_reason: str,
    backdate_reason: str,
    today: date,
    now: datetime,
    settings: dict,
    from_offer: bool = False,
) -> Assignment:
    """Give an available stall to an active business for a period no other assignment of the
    stall touches, within the owner's stall limit, in waiting-list order or with a reason."""
    out_of_order_reason = (out_of_order_reason or "").strip()
    backdate_reason = (backdate_reason or "").strip()
    problem = rules.start_date_problem(
        start_date, today, settings["backdate_days"], backdate_reason
    )
    if problem == "too_far_back":
        raise DomainError(
            _(
                "An assignment may start at most %(n)d days back.",
                n=settings["backdate_days"],
            ),
            field="start_date",
        )
    if problem == "reason_needed":
        raise DomainError(_("A start date in the past needs a reason."), field="backdate_reason")
    if rules.end_date_problem(start_date, end_date):
        raise DomainError(_("The end date is before the start date."), field="end_date")

    # Lock the stall, then the business, always in this order: two managers assigning the
    # same stall (or the same owner) queue here and the second sees the first's assignment.
    stall = _lock(Stall, stall.id)
    business = _lock(Business, business.id)
    hall = db.session.get(Hall, stall.hall_id)

    if stall.status != "available":
        raise DomainError(
            _(
                "Stall %(code)s is not available (status: %(status)s) and cannot be assigned.",
                code=stall.code,
                status=_status_label(stall.status),
            ),
            field="stall_id",
        )
    if business.status != "active":
        raise DomainError(
            _(
                "%(name)s is not an active business (status: %(status)s) and cannot receive a stall.",
                name=business.name,
                status=_business_status_label(business.status),
            ),
            field="business",
        )
    existing = db.session.execute(
        sa.select(Assignment.start_date, Assignment.end_date, Business.name)
        .join(Business, Business.id == Assignment.business_id)
        .where(Assignment.stall_id == stall.id)
    ).all()
    clash = rules.first_overlap(
        [(r.start_date, r.end_date) for r in existing], start_date, end_date
    )
    if clash is not None:
        holder = next(r.name for r in existing if (r.start_date, r.end_date) == clash)
        raise StallTakenError(
            _(
                "Stall %(code)s is already assigned to %(name)s %(period)s, which overlaps "
                "the period asked for.",
                code=stall.code,
                name=holder,
                period=_period_text(*clash),
            ),
            field="stall_id",
        )
    held = db.session.execute(
        sa.select(Assignment.start_date, Assignment.end_date)
        .join(Business, Business.id == Assignment.business_id)
        .where(Business.nik == business.nik)
    ).all()
    limit = settings["max_stalls_per_owner"]
    if rules.owner_limit_exceeded(
        [(r.start_date, r.end_date) for r in held], start_date, end_date, limit
    ):
        raise OwnerLimitError(
            _(
                "The owner (NIK %(nik)s) would hold more than %(n)d stall(s) at once across "
                "all halls.",
                nik=business.nik_masked,
                n=limit,
            ),
            field="business",
        )

    if application is None and not from_offer:
        # A business on this hall's waiting list for the class is assigned from its application.
        application = db.session.scalar(
            sa.select(Application)
            .where(
                Application.business_id == business.id,
                Application.hall_id == stall.hall_id,
                Application.stall_class_id == stall.stall_class_id,
                Application.status.in_(("waiting", "offered")),
            )
            .order_by(Application.applied_at)
            .limit(1)
        )
    if application is not None:
        if (
            application.business_id != business.id
            or application.hall_id != stall.hall_id
            or application.stall_class_id != stall.stall_class_id
        ):
            raise DomainError(
                _("The application is for another business, hall or stall class."),
                field="application_id",
            )
        if from_offer:
            if application.status != "offered" or application.offered_stall_id != stall.id:
                raise ConflictError(_("This offer is no longer open."))
        elif application.status not in ("waiting", "offered"):
            raise ConflictError(_("This application is no longer on the waiting list."))
    if not from_offer:
        from hallmgr.businesses.applications import queue_ids

        queue = queue_ids(stall.hall_id, stall.stall_class_id, today, settings["expiry_days"])
        if rules.needs_out_of_order_reason(queue, application.id if application else None):
            if not out_of_order_reason:
                raise DomainError(
                    _(
                        "This business is not first on the waiting list for this class "
                        "(or has no application): write the reason for assigning it anyway."
                    ),
                    field="out_of_order_reason",
                )
        else:
            out_of_order_reason = ""

    seq = next_number("assignment", hall.code, today.year)
    assignment = Assignment(
        number=rules.letter_number(hall.code, today.year, seq),
        stall_id=stall.id,
        business_id=business.id,
        start_date=start_date,
        end_date=end_date,
        application_id=application.id if application else None,
        out_of_order_reason=out_of_order_reason,
        backdate_reason=backdate_reason if start_date < today else "",
        decided_by_id=actor.id,
        decided_at=now,
        end_reason="",
    )
    db.session.add(assignment)
    if application is not None:
        application.status = "accepted"
        application.closed_at = now
        application.offered_stall_id = stall.id
    db.session.flush()
    record(
        actor,
        "assignment_created",
        assignment,
        after=snapshot(assignment, ASSIGNMENT_FIELDS),
        hall_id=hall.id,
        at=now,
    )
    return assignment


def end_assignment(
    actor,
    assignment: Assignment,
    end_date: date,
    reason: str,
    today: date,
    now: datetime,
    backdate_days: int,
) -> Assignment:
    """End an assignment on a date (inclusive) with a reason; days after it are no longer
    due, and days its business paid after it become the business's credit."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason the assignment ends."), field="reason")
    if end_date < assignment.start_date:
        raise DomainError(
            _(
                "The end date is before the assignment's start (%(day)s).",
                day=assignment.start_date.isoformat(),
            ),
            field="end_date",
        )
    if assignment.end_reason:
        raise ConflictError(_("This assignment has already been ended."))
    if (today - end_date).days > backdate_days:
        raise DomainError(
            _("An assignment may be ended at most %(n)d days back.", n=backdate_days),
            field="end_date",
        )
    if assignment.end_date is not None and end_date > assignment.end_date:
        raise DomainError(
            _(
                "The assignment already ends on %(day)s; it cannot be extended here.",
                day=assignment.end_date.isoformat(),
            ),
            field="end_date",
        )
    stall = db.session.get(Stall, assignment.stall_id)
    # Queued with the hall's payments: none may cover a day after the end meanwhile.
    lock_hall(stall.hall.code, today.year)
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    assignment.end_date = end_date
    assignment.end_reason = reason
    assignment.ended_by_id = actor.id
    assignment.ended_at = now
    db.session.flush()
    # Days paid ahead past the end are no longer this business's: they become its credit,
    # and the stall's next business owes and pays them.
    paid_after = credits.covering(
        PaymentDay.assignment_id == assignment.id, PaymentDay.day > end_date
    )
    if paid_after:
        credits.release(actor, paid_after, CreditReason.ASSIGNMENT_ENDED, now=now)
    record(
        actor,
        "assignment_ended",
        assignment,
        before=before,
        after=snapshot(assignment, ASSIGNMENT_FIELDS),
        hall_id=stall.hall_id,
        at=now,
    )
    return assignment


def _status_label(code: str) -> str:
    from hallmgr.core.labels import STALL_STATUS_LABELS, label

    return label(STALL_STATUS_LABELS, code)


def _business_status_label(code: str) -> str:
    from hallmgr.core.labels import BUSINESS_STATUS_LABELS, label

    return label(BUSINESS_STATUS_LABELS, code)


def letter_data(assignment: Assignment) -> dict:
    """What the assignment letter prints, as plain values."""
    stall = assignment.stall
    hall = db.session.get(Hall, stall.hall_id)
    business = assignment.business
    return {
        "number": assignment.number or "",
        "hall_code": hall.code,
        "hall_name": hall.name,
        "hall_address": hall.address,
        "region_name": hall.region.name if hall.region else "",
        "stall_code": stall.code,
        "stall_block": stall.block,
        "stall_class": stall.stall_class.name,
        "stall_area": stall.area_m2,
        "business_name": business.name,
        "owner_name": business.owner_name,
        "nik_masked": business.nik_masked,
        "business_address": business.address,
        "start_date": assignment.start_date,
        "end_date": assignment.end_date,
        "decided_on": assignment.decided_at.astimezone(WIB).date(),
        "decided_by": assignment.decided_by.full_name if assignment.decided_by else "",
    }
