"""API v1: the business registry and stall assignments, through the web pages' services.

The NIK is never answered whole: `nik_masked` stands in for it in every response.
"""

from datetime import date

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.api.collection import hall_or_404
from hallmgr.api.views import bp, json_body
from hallmgr.assignments import services as assignment_services
from hallmgr.assignments.models import Assignment
from hallmgr.auth.policy import allow_token, visible_hall_ids
from hallmgr.businesses import services as business_services
from hallmgr.businesses.models import Business
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError, NotFoundError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

READERS = ("admin", "office", "manager")
EDITORS = ("admin", "manager")

# The services' field names, as this API calls them.
ASSIGNMENT_FIELDS = {
    "stall_id": "stall",
    "business": "business_id",
    "business_ref": "business_id",
    "backdate_reason": "reason",
    "out_of_order_reason": "reason",
}


def business_body(business: Business) -> dict:
    return {
        "id": business.id,
        "name": business.name,
        "owner_name": business.owner_name,
        "nik_masked": business.nik_masked,
        "phone": business.phone or "",
        "address": business.address or "",
        "kecamatan_code": business.kecamatan_code,
        "category": business.category or "",
        "nib": business.nib,
        "okoce_member_no": business.okoce_member_no,
        "status": business.status,
    }


def _business_or_404(business_id: int, field: str | None = None) -> Business:
    business = db.session.get(Business, business_id) if 0 < business_id < 2**31 else None
    if business is None:
        raise NotFoundError(_("No business %(id)d.", id=business_id), field=field)
    return business


@bp.route("/businesses")
@allow_token(*READERS)
def businesses():
    query = request.args.get("q", "")[:80]
    rows = business_services.search_businesses(query, market_today())
    return jsonify([{**business_body(b), "stalls": held} for b, held in rows])


@bp.route("/businesses/<int(signed=True):business_id>")
@allow_token(*READERS)
def business(business_id: int):
    return jsonify(business_body(_business_or_404(business_id)))


@bp.route("/businesses", methods=["POST"])
@allow_token(*EDITORS)
def create_business():
    data = json_body("BusinessRequest")
    saved = business_services.save_business(current_user, None, data, utcnow())
    body = business_body(saved)
    db.session.commit()
    return jsonify(body), 201


def assignment_body(assignment: Assignment) -> dict:
    stall = db.session.get(Stall, assignment.stall_id)
    hall = db.session.get(Hall, stall.hall_id)
    business = db.session.get(Business, assignment.business_id)
    return {
        "id": assignment.id,
        "number": assignment.number,
        "hall": hall.code,
        "stall": stall.code,
        "business_id": business.id,
        "business_name": business.name,
        "start_date": assignment.start_date.isoformat(),
        "end_date": assignment.end_date.isoformat() if assignment.end_date else None,
        "end_reason": assignment.end_reason or None,
    }


def _renamed(error: DomainError) -> DomainError:
    if error.field in ASSIGNMENT_FIELDS:
        error.field = ASSIGNMENT_FIELDS[error.field]
    return error


@bp.route("/assignments", methods=["POST"])
@allow_token(*EDITORS)
def create_assignment():
    data = json_body("AssignmentRequest")
    hall = hall_or_404(data["hall"])
    stall = db.session.scalar(
        sa.select(Stall).where(Stall.hall_id == hall.id, Stall.code == data["stall"])
    )
    if stall is None:
        raise NotFoundError(
            _("Hall %(hall)s has no stall %(code)s.", hall=hall.code, code=data["stall"]),
            field="stall",
        )
    business = _business_or_404(data["business_id"], field="business_id")
    end = data.get("end_date")
    reason = data.get("reason", "")
    try:
        assignment = assignment_services.assign_stall(
            current_user,
            stall,
            business,
            start_date=date.fromisoformat(data["start_date"]),
            end_date=date.fromisoformat(end) if end else None,
            application=None,
            out_of_order_reason=reason,
            backdate_reason=reason,
            today=market_today(),
            now=utcnow(),
            settings=assignment_services.settings_from(current_app.config),
        )
    except DomainError as error:
        raise _renamed(error) from None
    body = assignment_body(assignment)
    db.session.commit()
    return jsonify(body), 201


@bp.route("/assignments/<int(signed=True):assignment_id>/end", methods=["POST"])
@allow_token(*EDITORS)
def end_assignment(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id) if 0 < assignment_id < 2**31 else None
    ids = visible_hall_ids(current_user)
    if assignment is not None and ids is not None:
        if db.session.get(Stall, assignment.stall_id).hall_id not in ids:
            assignment = None
    if assignment is None:
        raise NotFoundError(_("No assignment %(id)d in your halls.", id=assignment_id))
    data = json_body("EndAssignmentRequest")
    assignment_services.end_assignment(
        current_user,
        assignment,
        date.fromisoformat(data["end_date"]),
        data["reason"],
        market_today(),
        utcnow(),
        current_app.config["BACKDATE_ASSIGNMENT_DAYS"],
    )
    body = assignment_body(assignment)
    db.session.commit()
    return jsonify(body)
