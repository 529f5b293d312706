"""JSON API v1. Same services, rules and scopes as the web pages; a bearer token signs in."""

from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from jsonschema import Draft202012Validator
from sqlalchemy.orm import joinedload

from hallmgr.api import openapi, schemas
from hallmgr.assignments.models import Assignment
from hallmgr.auth.policy import allow, allow_token, load_in_scope, public, scope_filter
from hallmgr.auth.roles import Permission
from hallmgr.core.days import DayError, market_today, parse_day
from hallmgr.core.errors import DomainError, NotFoundError
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
    # Nothing a refused request did is kept.
    db.session.rollback()
    fields = getattr(error, "fields", None) or ({error.field: error.message} if error.field else {})
    body = {"error": {"code": error.code, "message": error.message, "fields": fields}}
    return jsonify(body), error.status_code


def _problems(problem) -> list[tuple[str, str]]:
    """(field, message in the user's language) for one jsonschema error."""
    path = [str(p) for p in problem.absolute_path]
    kind = problem.validator
    if kind == "required":
        missing = [n for n in problem.validator_value if n not in problem.instance]
        return [(".".join([*path, name]), _("Required.")) for name in missing]
    if kind == "additionalProperties":
        known = set(problem.schema.get("properties", {}))
        extra = sorted(str(n) for n in set(problem.instance) - known)
        return [(".".join([*path, name]), _("Unknown field.")) for name in extra]
    messages = {
        "type": _("Wrong type of value."),
        "enum": _("Not one of the allowed values."),
        "const": _("Not one of the allowed values."),
        "format": _("Not in the expected format (dates as YYYY-MM-DD)."),
        "pattern": _("Not in the expected format."),
        "minimum": _("Too small."),
        "maximum": _("Too large."),
        "minLength": _("Too short or empty."),
        "maxLength": _("Too long."),
        "minItems": _("Too few items."),
        "maxItems": _("Too many items."),
        "uniqueItems": _("An item is repeated."),
        "oneOf": _("Give exactly one of the alternatives."),
    }
    return [(".".join(path) or "body", messages.get(kind, _("Not valid.")))]


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    """One validator per schema and process: the schemas are constants, and building one
    deep-copies every component, so it is not done per request."""
    return Draft202012Validator(
        schemas.request_schema(schema_name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate(schema_name: str, data) -> None:
    validator = _validator(schema_name)
    fields: dict[str, str] = {}
    for problem in validator.iter_errors(data):
        for field, message in _problems(problem):
            fields.setdefault(field, message)
    if fields:
        raise InvalidInput(_("Some fields are not valid."), fields)


def _unstorable(node, path: str = "") -> str | None:
    """The path of a text no database can store: a NUL (PostgreSQL refuses it) or half of
    a UTF-16 surrogate pair (not UTF-8 at all). No person types either."""
    if isinstance(node, str):
        if "\x00" in node or any("\ud800" <= ch <= "\udfff" for ch in node):
            return path or "body"
    elif isinstance(node, dict):
        for key, value in node.items():
            found = _unstorable(key, path or "body") or _unstorable(
                value, f"{path}.{key}" if path else str(key)
            )
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _unstorable(value, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def json_body(schema_name: str) -> dict:
    """The request's JSON object, checked against its OpenAPI schema."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(_("Send a JSON object."))
    field = _unstorable(data)
    if field:
        raise InvalidInput(
            _("Some fields are not valid."), {field: _("Contains a character that is not text.")}
        )
    validate(schema_name, data)
    return data


def day_of(value: str, field: str) -> date:
    """A YYYY-MM-DD day of a request (2000 to 2099); InvalidInput naming `field` otherwise."""
    try:
        return parse_day(value)
    except DayError as error:
        raise InvalidInput(_("Some fields are not valid."), {field: error.message}) from None


def query_date(name: str, default):
    """A YYYY-MM-DD query parameter (2000 to 2099), or the default when it is not given."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    return day_of(value, name)


def hall_by_code(code: str) -> Hall:
    """The hall with this code among the caller's halls; another hall answers 404."""
    missing = NotFoundError(_("No hall %(code)s in your halls.", code=code), field="hall")
    return load_in_scope(Hall, code, key=Hall.code, not_found=missing)


def stall_by_codes(hall_code: str, stall_code: str) -> Stall:
    """The stall of this code in the caller's hall of this code (hall loaded too), in one
    read; 404 naming what is missing otherwise."""
    try:
        return load_in_scope(
            Stall,
            stall_code,
            key=Stall.code,
            where=Stall.hall.has(Hall.code == hall_code),
            options=[joinedload(Stall.hall)],
        )
    except NotFoundError:
        hall = hall_by_code(hall_code)
        raise NotFoundError(
            _("Hall %(hall)s has no stall %(code)s.", hall=hall.code, code=stall_code),
            field="stall",
        ) from None


def query_int(name: str, minimum: int = 0, maximum: int = 100_000) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or not minimum <= int(value) <= maximum:
        raise InvalidInput(
            _("Some fields are not valid."),
            {name: _("A whole number from %(low)d to %(high)d.", low=minimum, high=maximum)},
        )
    return int(value)


@bp.route("/openapi.json")
@public
def openapi_json():
    return jsonify(openapi.document(request.script_root + bp.url_prefix))


@bp.route("/docs")
@allow(Permission.SIGNED_IN)
def docs():
    return render_template(
        "api/docs.html", spec=openapi.document(request.script_root + bp.url_prefix)
    )


@bp.route("/halls")
@allow_token(Permission.SIGNED_IN)
def halls():
    today = market_today()
    occupied = (
        sa.select(Stall.hall_id, sa.func.count(sa.distinct(Assignment.stall_id)).label("n"))
        .join(Assignment, Assignment.stall_id == Stall.id)
        .where(Assignment.active_on(today))
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


# The other resources register their routes on `bp`.
from hallmgr.api import arrears, collection, registry  # noqa: E402, F401
