"""API v1: the arrears list as of a date, the same rows and totals as the office's page."""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.api.views import InvalidInput, bp, hall_by_code, query_date, query_int
from hallmgr.arrears import services
from hallmgr.auth.policy import allow_token, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.core.days import market_today
from hallmgr.extensions import db
from hallmgr.halls.models import Region


def _item(row: services.ArrearsRow) -> dict:
    return {
        "hall": row.hall_code,
        "stall": row.stall_code,
        "assignment_id": row.assignment_id,
        "assignment_start": row.assignment_start.isoformat(),
        "business_id": row.business_id,
        "business_name": row.business_name,
        "owner_name": row.owner_name,
        "nik_masked": row.nik_masked,
        "unpaid_days": row.unpaid_days,
        "amount": row.amount,
        "oldest_unpaid": row.oldest_unpaid.isoformat(),
        "last_payment": row.last_payment.isoformat() if row.last_payment else None,
        "aging": row.bucket,
        "warning_level": row.level,
    }


@bp.route("/arrears")
@allow_token(Permission.READ_REPORTS)
def arrears():
    as_of = query_date("as_of", market_today())
    min_days = query_int("min_days", minimum=1)
    region = request.args.get("region") or None
    if region is not None and (len(region) > 20 or db.session.get(Region, region) is None):
        raise InvalidInput(_("Some fields are not valid."), {"region": _("Unknown region.")})
    hall = request.args.get("hall") or None
    if hall is not None:
        hall_by_code(hall)
    ids = visible_hall_ids(current_user)
    flt = services.ArrearsFilter(
        hall_ids=None if ids is None else frozenset(ids),
        region=region,
        hall=hall,
        min_days=min_days,
    )
    rows = services.arrears_rows(as_of, services.thresholds_from(current_app.config), flt)
    totals = services.group_rows(rows).totals
    return jsonify(
        {
            "as_of": as_of.isoformat(),
            "items": [_item(row) for row in rows],
            "totals": {
                "businesses": totals.businesses,
                "assignments": totals.assignments,
                "unpaid_days": totals.unpaid_days,
                "amount": totals.amount,
            },
        }
    )
