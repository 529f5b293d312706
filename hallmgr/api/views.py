"""JSON API v1. Same services, rules and scopes as the web pages; a bearer token signs in."""

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from jsonschema import Draft202012Validator

from hallmgr.api import openapi
from hallmgr.assignments.models import Assignment
from hallmgr.auth.policy import ALL_ROLES, allow, allow_token, public, scope_filter
from hallmgr.core.days import market_today
from hallmgr.core.errors import DomainError
from hallmgr.extensions import csrf, db
from hallmgr.halls.models import Hall, Region, Stall

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    fields = getattr(error, "fields", None) or ({error.field: error.message} if error.field else {})
    body = {"error": {"code": error.code, "message": error.message, "fields": fields}}
    return jsonify(body), error.status_code


def json_body(schema_name: str) -> dict:
    """The request's JSON object, checked against its OpenAPI schema."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(_("Send a JSON object."))
    validator = Draft202012Validator(openapi.request_schema(schema_name))
    fields = {}
    for problem in validator.iter_errors(data):
        field = ".".join(str(p) for p in problem.absolute_path) or "body"
        fields.setdefault(field, problem.message)
    if fields:
        raise InvalidInput(_("Some fields are not valid."), fields)
    return data


@bp.route("/openapi.json")
@public
def openapi_json():
    return jsonify(openapi.document(request.script_root + bp.url_prefix))


@bp.route("/docs")
@allow(*ALL_ROLES)
def docs():
    return render_template(
        "api/docs.html", spec=openapi.document(request.script_root + bp.url_prefix)
    )


@bp.route("/halls")
@allow_token(*ALL_ROLES)
def halls():
    today = market_today()
    occupied = (
        sa.select(Stall.hall_id, sa.func.count(sa.distinct(Assignment.stall_id)).label("n"))
        .join(Assignment, Assignment.stall_id == Stall.id)
        .where(
            Assignment.start_date <= today,
            sa.or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
        )
        .group_by(Stall.hall_id)
        .subquery()
    )
    total = (
        sa.select(Stall.hall_id, sa.func.count().label("n"))
        .where(Stall.status != "retired")
        .group_by(Stall.hall_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Hall.code,
            Hall.name,
            Hall.region_code,
            Region.name.label("region_name"),
            sa.func.coalesce(total.c.n, 0).label("stalls_total"),
            sa.func.coalesce(occupied.c.n, 0).label("stalls_occupied"),
        )
        .join(Region, Region.code == Hall.region_code)
        .outerjoin(total, total.c.hall_id == Hall.id)
        .outerjoin(occupied, occupied.c.hall_id == Hall.id)
        .where(scope_filter(current_user, Hall.id))
        .order_by(Hall.code)
    ).all()
    return jsonify([dict(row._mapping) for row in rows])
