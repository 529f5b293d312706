"""API v1: a hall's stalls on a day, payments, receipts (JSON and PDF) and voids.

Every rule is the collection service's; these views only translate JSON to its calls.
"""

import functools
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.api.views import InvalidInput, bp, json_body, query_date
from hallmgr.arrears.dues import rate_on
from hallmgr.auth.policy import ALL_ROLES, allow_token, hall_is_users, visible_hall_ids
from hallmgr.collection import pdf, services
from hallmgr.collection.models import Payment
from hallmgr.collection.views import send_receipt_pdf, verify_url
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import NotFoundError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall, StallClass

PAYERS = ("admin", "manager", "collector")
MANAGERS = ("admin", "manager")
IDEMPOTENCY_HEADER = "Idempotency-Key"


def hall_or_404(code: str) -> Hall:
    """The hall with this code among the caller's halls; another hall answers 404."""
    hall = db.session.scalar(sa.select(Hall).where(Hall.code == code))
    ids = visible_hall_ids(current_user)
    if hall is None or (ids is not None and hall.id not in ids):
        raise NotFoundError(_("No hall %(code)s in your halls.", code=code), field="hall")
    return hall


@functools.cache
def _hall_and_stall(all_halls: bool):
    """Built once: a hall by code (among the user's halls) and its stall by code, if any."""
    query = (
        sa.select(Hall, Stall)
        .outerjoin(
            Stall, sa.and_(Stall.hall_id == Hall.id, Stall.code == sa.bindparam("stall_code"))
        )
        .where(Hall.code == sa.bindparam("hall_code"))
    )
    if all_halls:
        return query
    return query.where(hall_is_users(sa.bindparam("user_id"), Hall.id))


def _hall_and_stall_or_404(hall_code: str, stall_code: str) -> tuple[Hall, Stall]:
    """hall_or_404 and then the hall's stall, in one read."""
    user = current_user
    row = db.session.execute(
        _hall_and_stall(user.sees_all_halls),
        {"hall_code": hall_code, "stall_code": stall_code, "user_id": user.id},
    ).first()
    if row is None:
        raise NotFoundError(_("No hall %(code)s in your halls.", code=hall_code), field="hall")
    hall, stall = row
    if stall is None:
        raise NotFoundError(
            _("Hall %(hall)s has no stall %(code)s.", hall=hall.code, code=stall_code),
            field="stall",
        )
    return hall, stall


def _payment_or_404(number: str) -> Payment:
    payment = services.payment_by_number(number)
    ids = visible_hall_ids(current_user)
    if payment is None or (ids is not None and payment.hall_id not in ids):
        raise NotFoundError(_("No receipt %(number)s in your halls.", number=number))
    return payment


def timestamp(moment: datetime | None) -> str | None:
    """UTC, to the second: the same text whichever database the value was read back from."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def payment_body(payment: Payment) -> dict:
    """A receipt as recorded: nothing in it changes later, so a replay repeats it exactly."""
    return {
        "receipt_number": payment.receipt_number,
        "hall": payment.hall.code,
        "stall": payment.stall.code,
        "business": getattr(payment, "business_facts", None)
        or {
            "id": payment.business.id,
            "name": payment.business.name,
            "owner_name": payment.business.owner_name,
        },
        "dates": [d.day.isoformat() for d in payment.days],
        "amount": payment.amount,
        "method": payment.method,
        "collector": {"id": payment.collector.id, "name": payment.collector.full_name},
        "recorded_at": timestamp(payment.recorded_at),
        "verify_url": verify_url(payment.receipt_number),
    }


def receipt_body(payment: Payment) -> dict:
    return {
        **payment_body(payment),
        "business_day": payment.business_day.isoformat(),
        "void": payment.is_void,
        "voided_at": timestamp(payment.voided_at),
        "void_reason": payment.void_reason if payment.is_void else None,
    }


def _idempotency_key() -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise InvalidInput(
            _("Send an Idempotency-Key header, new for each payment and the same on a retry."),
            {IDEMPOTENCY_HEADER: _("Required.")},
        )
    if len(key) > 64 or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            _("Some fields are not valid."),
            {IDEMPOTENCY_HEADER: _("At most 64 printable ASCII characters.")},
        )
    return key


@bp.route("/payments", methods=["POST"])
@allow_token(*PAYERS)
def create_payment():
    key = _idempotency_key()
    data = json_body("PaymentRequest")
    _hall, stall = _hall_and_stall_or_404(data["hall"], data["stall"])
    payment, replayed = services.record_payment(
        current_user,
        stall,
        [date.fromisoformat(day) for day in data.get("dates", [])],
        data["method"],
        today=market_today(),
        now=utcnow(),
        advance_days=current_app.config["ADVANCE_PAYMENT_DAYS"],
        idempotency_key=key,
        count=data.get("days"),
    )
    body = payment_body(payment)
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.route("/halls/<hall_code>/stalls")
@allow_token(*ALL_ROLES)
def hall_stalls(hall_code: str):
    hall = hall_or_404(hall_code)
    day = query_date("date", market_today())
    stalls = db.session.execute(
        sa.select(
            Stall.id,
            Stall.code,
            Stall.status,
            StallClass.code.label("class_code"),
            rate_on(Stall.stall_class_id, day).label("daily_rate"),
        )
        .join(StallClass, StallClass.id == Stall.stall_class_id)
        .where(Stall.hall_id == hall.id)
        .order_by(Stall.block, Stall.code)
    ).all()
    assigned = {row.stall_id: row for row in services.round_rows(hall, day)}
    out = []
    for stall in stalls:
        row = assigned.get(stall.id)
        out.append(
            {
                "code": stall.code,
                "class": stall.class_code,
                "status": stall.status,
                "daily_rate": stall.daily_rate,
                "business": (
                    {"id": row.business_id, "name": row.business, "owner_name": row.owner}
                    if row
                    else None
                ),
                "day_state": row.state if row else "not_due",
                "unpaid_days": row.unpaid_days if row else 0,
                "unpaid_amount": row.unpaid_amount if row else 0,
            }
        )
    return jsonify(out)


@bp.route("/receipts/<number>")
@allow_token(*ALL_ROLES)
def receipt(number: str):
    return jsonify(receipt_body(_payment_or_404(number)))


@bp.route("/receipts/<number>/pdf")
@allow_token(*ALL_ROLES)
def receipt_pdf(number: str):
    size = request.args.get("size") or "a6"
    if size not in pdf.SIZES:
        raise InvalidInput(
            _("Some fields are not valid."), {"size": _("Not one of the allowed values.")}
        )
    facts = services.receipt_facts_by_number(number, viewer=current_user)
    if facts is None:  # no such receipt, or not in the user's halls
        raise NotFoundError(_("No receipt %(number)s in your halls.", number=number))
    return send_receipt_pdf(facts, size)


@bp.route("/receipts/<number>/void", methods=["POST"])
@allow_token(*MANAGERS)
def void_receipt(number: str):
    payment = _payment_or_404(number)
    data = json_body("VoidRequest")
    services.void_payment(current_user, payment, data["reason"], now=utcnow())
    body = receipt_body(payment)
    db.session.commit()
    return jsonify(body)
