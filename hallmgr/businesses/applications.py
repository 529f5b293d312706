"""The waiting list: applications for a stall class in a hall, queued by the time they were
made; offers in that order (out of order only with a written reason), acceptance, declines,
withdrawals and expiry."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.audit.services import record
from hallmgr.businesses import rules
from hallmgr.businesses.models import Application, Business
from hallmgr.core.days import WIB
from hallmgr.core.errors import ConflictError, DomainError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall, StallClass

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
