"""API v1: the business registry and stall assignments, through the web pages' services.

The NIK is never answered whole: `nik_masked` stands in for it in every response.
"""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.api.views import bp, day_of, json_body, stall_by_codes
from hallmgr.assignments import services as assignment_services
from hallmgr.assignments.models import Assignment
from hallmgr.auth.policy import allow_token, load_in_scope
from hallmgr.auth.roles import Permission
from hallmgr.businesses import services as business_services
from hallmgr.businesses.models import Business
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError, NotFoundError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

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


def _business(business_id: int, field: str | None = None) -> Business:
    missing = NotFoundError(_("No business %(id)d.", id=business_id), field=field)
    return load_in_scope(Business, business_id, not_found=missing)


@bp.route("/businesses")
@allow_token(Permission.READ_REGISTERS)
def businesses():
    query = request.args.get("q", "")[:80]
    rows = business_services.search_businesses(query, market_today())
    return jsonify([{**business_body(b), "stalls": held} for b, held in rows])


@bp.route("/businesses/<int(signed=True):business_id>")
@allow_token(Permission.READ_REGISTERS)
def business(business_id: int):
    return jsonify(business_body(_business(business_id)))


@bp.route("/businesses", methods=["POST"])
@allow_token(Permission.MANAGE_BUSINESSES)
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
@allow_token(Permission.ASSIGN)
def create_assignment():
    data = json_body("AssignmentRequest")
    stall = stall_by_codes(data["hall"], data["stall"])
    business = _business(data["business_id"], field="business_id")
    end = data.get("end_date")
    reason = data.get("reason", "")
    try:
        assignment = assignment_services.assign_stall(
            current_user,
            stall,
            business,
            start_date=day_of(data["start_date"], "start_date"),
            end_date=day_of(end, "end_date") if end else None,
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
@allow_token(Permission.ASSIGN)
def end_assignment(assignment_id: int):
    missing = NotFoundError(_("No assignment %(id)d in your halls.", id=assignment_id))
    assignment = load_in_scope(Assignment, assignment_id, not_found=missing)
    data = json_body("EndAssignmentRequest")
    assignment_services.end_assignment(
        current_user,
        assignment,
        day_of(data["end_date"], "end_date"),
        data["reason"],
        market_today(),
        utcnow(),
        current_app.config["BACKDATE_ASSIGNMENT_DAYS"],
    )
    body = assignment_body(assignment)
    db.session.commit()
    return jsonify(body)
