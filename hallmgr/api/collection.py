"""API v1: a hall's stalls on a day, payments, receipts (JSON and PDF) and voids.

Every rule is the collection service's; these views only translate JSON to its calls.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.api.views import (
    InvalidInput,
    bp,
    day_of,
    hall_by_code,
    json_body,
    query_date,
    stall_by_codes,
)
from hallmgr.auth.policy import allow_token, load_in_scope
from hallmgr.auth.roles import Permission
from hallmgr.collection import pdf, queries, services
from hallmgr.collection.models import Payment
from hallmgr.collection.rules import RoundState
from hallmgr.collection.views import send_receipt_pdf, verify_url
from hallmgr.core import idempotency
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import NotFoundError
from hallmgr.extensions import db
from hallmgr.halls.models import Stall, StallClass
from hallmgr.halls.queries import rates_on

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _receipt_or_404(number: str) -> queries.ReceiptFacts:
    facts = queries.receipt_facts(number, viewer=current_user)
    if facts is None:  # no such receipt, or not in the user's halls
        raise NotFoundError(_("No receipt %(number)s in your halls.", number=number))
    return facts


def timestamp(moment: datetime | None) -> str | None:
    """UTC, to the second: the same text whichever database the value was read back from."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def receipt_body(facts: queries.ReceiptFacts) -> dict:
    """A receipt as the API gives it."""
    return {
        "receipt_number": facts.number,
        "hall": facts.hall_code,
        "stall": facts.stall_code,
        "business": {"id": facts.business_id, "name": facts.business, "owner_name": facts.owner},
        "dates": [day.isoformat() for day, _rate in facts.days],
        "amount": facts.amount,
        "method": facts.method,
        "collector": {"id": facts.collector_id, "name": facts.collector},
        "recorded_at": timestamp(facts.recorded_at),
        "verify_url": verify_url(facts.number),
        "business_day": facts.business_day.isoformat(),
        "void": facts.void,
        "voided_at": timestamp(facts.voided_at),
        "void_reason": facts.void_reason if facts.void else None,
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


def _created(number: str):
    response = jsonify(receipt_body(queries.receipt_facts(number)))
    response.status_code = 201
    return response


@bp.route("/payments", methods=["POST"])
@allow_token(Permission.PAY)
def create_payment():
    key = _idempotency_key()
    data = json_body("PaymentRequest")
    stall = stall_by_codes(data["hall"], data["stall"])
    payment, replay = services.record_payment(
        current_user,
        stall,
        [day_of(day, f"dates.{n}") for n, day in enumerate(data.get("dates", []))],
        data["method"],
        today=market_today(),
        now=utcnow(),
        advance_days=current_app.config["ADVANCE_PAYMENT_DAYS"],
        idempotency_key=key,
        count=data.get("days"),
    )
    if replay is not None:
        # The answer is read before the transaction ends: the record's values expire with it.
        response = idempotency.replay(replay, lambda: _created(payment.receipt_number))
        db.session.rollback()
        return response
    response = _created(payment.receipt_number)
    idempotency.remember(payment.idempotency, response)
    db.session.commit()
    return response


@bp.route("/halls/<hall_code>/stalls")
@allow_token(Permission.READ_COLLECTION)
def hall_stalls(hall_code: str):
    hall = hall_by_code(hall_code)
    day = query_date("date", market_today())
    stalls = db.session.execute(
        sa.select(
            Stall.id,
            Stall.code,
            Stall.status,
            StallClass.code.label("class_code"),
            Stall.stall_class_id,
        )
        .join(StallClass, StallClass.id == Stall.stall_class_id)
        .where(Stall.hall_id == hall.id)
        .order_by(Stall.block, Stall.code)
    ).all()
    rates = rates_on(day)
    assigned = {row.stall_id: row for row in queries.round_rows(hall, day)}
    out = []
    for stall in stalls:
        row = assigned.get(stall.id)
        out.append(
            {
                "code": stall.code,
                "class": stall.class_code,
                "status": stall.status,
                "daily_rate": rates.get(stall.stall_class_id),
                "business": (
                    {"id": row.business_id, "name": row.business, "owner_name": row.owner}
                    if row
                    else None
                ),
                "day_state": row.state if row else RoundState.NOT_DUE,
                "unpaid_days": row.unpaid_days if row else 0,
                "unpaid_amount": row.unpaid_amount if row else 0,
            }
        )
    return jsonify(out)


@bp.route("/receipts/<number>")
@allow_token(Permission.READ_COLLECTION)
def receipt(number: str):
    return jsonify(receipt_body(_receipt_or_404(number)))


@bp.route("/receipts/<number>/pdf")
@allow_token(Permission.READ_COLLECTION)
def receipt_pdf(number: str):
    size = request.args.get("size") or "a6"
    if size not in pdf.SIZES:
        raise InvalidInput(
            _("Some fields are not valid."), {"size": _("Not one of the allowed values.")}
        )
    return send_receipt_pdf(_receipt_or_404(number), size)


@bp.route("/receipts/<number>/void", methods=["POST"])
@allow_token(Permission.VOID)
def void_receipt(number: str):
    missing = NotFoundError(_("No receipt %(number)s in your halls.", number=number))
    payment = load_in_scope(Payment, number, key=Payment.receipt_number, not_found=missing)
    data = json_body("VoidRequest")
    services.void_payment(current_user, payment, data["reason"], now=utcnow())
    body = receipt_body(queries.receipt_facts(payment.receipt_number))
    db.session.commit()
    return jsonify(body)
