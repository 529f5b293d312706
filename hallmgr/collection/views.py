"""Collectors' and managers' pages: the round, payments, receipts, voids, waivers, deposits."""

import secrets
from datetime import date
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from hallmgr.auth.policy import (
    ALL_ROLES,
    allow,
    hall_in_scope,
    public,
    require_hall_scope,
    scope_filter,
)
from hallmgr.businesses.models import Business
from hallmgr.collection import pdf, rules, services
from hallmgr.collection.forms import ClosedForm, DepositForm, PaymentForm, VoidForm, WaiverForm
from hallmgr.collection.models import Payment
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.core.web import form_error
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

bp = Blueprint("collection", __name__, url_prefix="/collection")

PAYERS = ("admin", "manager", "collector")
MANAGERS = ("admin", "manager")
READERS = ("admin", "office", "manager")
STATE_LABELS = {
    "paid": _l("Paid"),
    "unpaid": _l("Not yet paid"),
    "closed": _l("Closed (marked)"),
    "waived": _l("Waived"),
    "not_due": _l("Not due"),
}


def _stall_or_404(stall_id: int) -> Stall:
    stall = db.session.get(Stall, stall_id)
    if stall is None:
        abort(404)
    require_hall_scope(current_user, stall.hall_id)
    return stall


def _payment_or_404(number: str) -> Payment:
    payment = services.payment_by_number(number)
    if payment is None:
        abort(404)
    require_hall_scope(current_user, payment.hall_id)
    return payment


def _parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        flash(_("That is not a date; showing %(day)s.", day=default.isoformat()), "warning")
        return default


def verify_url(number: str) -> str:
    """The public check of a receipt, as its QR code and the API give it: the short link
    /V/<number>/<code> (receipt_link.verify), whose path is all capitals."""
    code = rules.verify_code(current_app.config["SECRET_KEY"], number)
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for("receipt_link.verify", number=number, code=code)
    return url_for("receipt_link.verify", number=number, code=code, _external=True)


# Halls and the round -----------------------------------------------------------


@bp.route("/")
@allow(*ALL_ROLES)
def index():
    halls = db.session.scalars(
        sa.select(Hall).where(scope_filter(current_user, Hall.id)).order_by(Hall.code)
    ).all()
    return render_template("collection/index.html", halls=halls, today=market_today())


@bp.route("/round")
@allow(*ALL_ROLES)
def my_round():
    """A collector of one hall goes straight to its round."""
    halls = db.session.scalars(
        sa.select(Hall).where(scope_filter(current_user, Hall.id)).order_by(Hall.code).limit(2)
    ).all()
    if len(halls) == 1:
        return redirect(url_for("collection.round", hall_code=halls[0].code))
    return redirect(url_for("collection.index"))


@bp.route("/<hall_code>/round", endpoint="round")
@allow(*ALL_ROLES)
def round_page(hall_code: str):
    hall = hall_in_scope(current_user, hall_code)
    today = market_today()
    search = request.args.get("q", "")[:60]
    rows = services.round_rows(hall, today, search)
    counts = {state: 0 for state in rules.STATES}
    for row in rows:
        counts[row.state] += 1
    can_pay = current_user.role in PAYERS
    return render_template(
        "collection/round.html",
        hall=hall,
        today=today,
        rows=rows,
        rows_html=_round_rows_html(rows, can_pay),
        search=search,
        counts=counts,
        can_pay=can_pay,
        closed_form=ClosedForm(),
    )


PAYABLE = frozenset(("unpaid", "closed", "not_due", "waived"))


def _round_rows_html(rows: list, can_pay: bool) -> Markup:
    """The round's <li> rows, built in Python: with 400 stalls, per-row template work
    (filters, lookups, escaping of constant texts) was most of the page's time. Labels
    and URLs are translated, built and escaped once per page; per row only the stall's
    own texts are escaped. The markup is the one collection.css styles by position."""
    labels = {state: str(escape(str(text))) for state, text in STATE_LABELS.items()}
    days_label = str(escape(_("%(n)d days unpaid")))  # formatted with an int only
    closed_label = escape(_("Closed"))
    pay_before, pay_after = map(escape, _url_around("collection.pay", "stall_id"))
    closed_before, closed_after = map(escape, _url_around("collection.mark_closed", "stall_id"))
    receipt_before, receipt_after = map(escape, _url_around("collection.receipt", "number"))
    button_end = f"{closed_after}>{closed_label}</button>"
    parts = []
    add = parts.append
    for row in rows:
        state = row.state
        stall_id = row.stall_id
        receipt = row.receipt_number
        payable = can_pay and state in PAYABLE
        if payable:
            link = f"<a href={pay_before}{stall_id}{pay_after}>"
        elif receipt:
            link = f"<a href={receipt_before}{escape(receipt)}{receipt_after}>"
        else:
            link = "<div>"
        small = ""
        if row.unpaid_days:
            days = days_label % {"n": row.unpaid_days}
            small = f"<small>{days} · {format_rupiah(row.unpaid_amount)}</small>"
        add(
            f'    <li class="coll-stall coll-{state}" id=stall-{stall_id}>{link}'
            f"<b>{escape(row.code)}</b><span>{escape(row.business)}</span><i>{labels[state]}</i>"
            f"{small}{'</a>' if payable or receipt else '</div>'}"
        )
        if can_pay and state == "unpaid":
            add(f"<button form=closed formaction={closed_before}{stall_id}{button_end}")
        add("</li>")
    return Markup("".join(parts))


def _url_around(endpoint: str, name: str) -> tuple[str, str]:
    """The URL of `endpoint` split around its `name` parameter: (before, after)."""
    marker = 987654321
    url = url_for(endpoint, **{name: marker})
    before, _sep, after = url.partition(str(marker))
    return before, after


# Payments -----------------------------------------------------------------------


def _payment_page(stall: Stall, form: PaymentForm, today: date, status: int = 200):
    advance = current_app.config["ADVANCE_PAYMENT_DAYS"]
    payable = services.payable_days(stall, today, advance)
    groups: dict[int, list] = {}
    for p in payable:
        groups.setdefault(p.assignment_id, []).append(p)
    current = services.current_assignment(stall.id, today)
    wanted = request.args.get("assignment", type=int)
    if wanted in groups:
        chosen = wanted
    elif current is not None:
        chosen = current.id
    else:
        chosen = next(iter(groups), None)
    shown = groups.get(chosen, [])
    business_ids = {p.business_id for p in payable} | ({current.business_id} if current else set())
    businesses = {
        b.id: b
        for b in db.session.scalars(sa.select(Business).where(Business.id.in_(business_ids)))
    }
    business = None
    if shown:
        business = businesses.get(shown[0].business_id)
    elif current is not None:
        business = businesses.get(current.business_id)
    others = [
        (aid, businesses[days[0].business_id], len(days))
        for aid, days in groups.items()
        if aid != chosen
    ]
    if not form.is_submitted():
        form.days.data = [p.day for p in shown if p.day == today]
    elif form.idempotency_key.errors:
        form.form_errors.append(_("This form has expired. Please choose the days again."))
    # A new key for every form drawn: a resend of this very form replays, a new form pays anew.
    form.idempotency_key.data = secrets.token_urlsafe(18)
    selected = set(form.days.data or [])
    return (
        render_template(
            "collection/pay.html",
            stall=stall,
            hall=db.session.get(Hall, stall.hall_id),
            business=business,
            form=form,
            overdue=[p for p in shown if not p.ahead],
            ahead=[p for p in shown if p.ahead],
            others=others,
            selected=selected,
            ahead_selected=any(p.ahead and p.day in selected for p in shown),
            paid_today=services.holding_receipt(stall.id, today),
            selected_total=sum(p.rate for p in shown if p.day in selected),
            today=today,
            advance=advance,
            chosen=chosen,
        ),
        status,
    )


@bp.route("/stalls/<int:stall_id>/pay", methods=["GET", "POST"])
@allow(*PAYERS)
def pay(stall_id: int):
    stall = _stall_or_404(stall_id)
    today = market_today()
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            payment, replayed = services.record_payment(
                current_user,
                stall,
                list(form.days.data or []),
                form.method.data,
                today=today,
                now=utcnow(),
                advance_days=current_app.config["ADVANCE_PAYMENT_DAYS"],
                idempotency_key=form.idempotency_key.data,
                all_arrears=form.all_arrears.data,
                assignment_id=request.args.get("assignment", type=int),
            )
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            return _payment_page(stall, form, today, error.status_code)
        number = payment.receipt_number
        db.session.commit()
        if replayed:
            flash(
                _("This payment was already recorded: receipt %(number)s.", number=number), "info"
            )
        else:
            flash(_("Payment recorded: receipt %(number)s.", number=number), "success")
        return redirect(url_for("collection.receipt", number=number))
    status = 400 if form.is_submitted() else 200
    return _payment_page(stall, form, today, status)


@bp.route("/stalls/<int:stall_id>/closed", methods=["POST"])
@allow(*PAYERS)
def mark_closed(stall_id: int):
    stall = _stall_or_404(stall_id)
    hall = db.session.get(Hall, stall.hall_id)
    form = ClosedForm()
    if form.validate_on_submit():
        try:
            services.mark_closed(current_user, stall, today=market_today(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Stall %(code)s marked closed today.", code=stall.code), "success")
    return redirect(url_for("collection.round", hall_code=hall.code, _anchor=f"stall-{stall.id}"))


# Receipts -----------------------------------------------------------------------


@bp.route("/receipts")
@allow(*ALL_ROLES)
def find_receipt():
    number = (request.args.get("number") or "").strip().upper()
    payment = services.payment_by_number(number) if number else None
    if payment is None or not (
        current_user.sees_all_halls or payment.hall_id in current_user.hall_ids
    ):
        flash(_("No receipt %(number)s in your halls.", number=number), "warning")
        return redirect(url_for("collection.index"))
    return redirect(url_for("collection.receipt", number=payment.receipt_number))


@bp.route("/receipts/<number>")
@allow(*ALL_ROLES)
def receipt(number: str):
    payment = _payment_or_404(number)
    facts = services.receipt_facts(payment)
    return render_template(
        "collection/receipt.html",
        payment=payment,
        facts=facts,
        days_text=pdf.days_text(facts["days"]),
        rate_groups=rules.rate_groups(facts["days"]),
        void_form=VoidForm() if current_user.role in MANAGERS and not payment.is_void else None,
        verify_url=verify_url(payment.receipt_number),
        amount_words=terbilang(payment.amount),
    )


@bp.route("/receipts/<number>/receipt-<size>.pdf")
@allow(*ALL_ROLES)
def receipt_pdf(number: str, size: str):
    if size not in pdf.SIZES:
        abort(404)
    facts = services.receipt_facts_by_number(number, viewer=current_user)
    if facts is None:  # no such receipt, or not in the user's halls
        abort(404)
    return send_receipt_pdf(facts, size)


def send_receipt_pdf(facts: dict, size: str):
    """The receipt as a PDF download (the web page's link and the API answer alike), from
    `services.receipt_facts_by_number` (one read)."""
    number = facts["number"]
    data = pdf.receipt_pdf(
        facts,
        issuer=current_app.config["ISSUER_NAME"],
        verify_url=verify_url(number),
        size=size,
    )
    # The bytes as they are: send_file's file wrapper and range handling cost more than
    # the receipt's few kilobytes need.
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=f"{number}-{size}.pdf")
    response.cache_control.no_cache = True
    return response


@bp.route("/receipts/<number>/void", methods=["POST"])
@allow(*MANAGERS)
def void(number: str):
    payment = _payment_or_404(number)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            services.void_payment(current_user, payment, form.reason.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Receipt %(number)s is void.", number=number), "success")
    else:
        flash(_("Give the reason for voiding."), "danger")
    return redirect(url_for("collection.receipt", number=number))


@bp.route("/verify/<number>/<signature>")
@public
def verify_receipt(number: str, signature: str):
    """The public check of a receipt as its first QR codes linked it (full signature)."""
    return verify_page(number, signature)


def verify_page(number: str, signature: str):
    """The public check behind a receipt's QR code: no sign-in, no personal data."""
    status, payment = services.verify_receipt(
        number[:40], signature[:80], current_app.config["SECRET_KEY"]
    )
    hall = db.session.get(Hall, payment.hall_id) if payment else None
    stall = db.session.get(Stall, payment.stall_id) if payment else None
    return render_template(
        "collection/verify.html",
        status=status,
        payment=payment,
        hall=hall,
        stall=stall,
        number=number,
    )


# Waivers ------------------------------------------------------------------------


@bp.route("/stalls/<int:stall_id>/waivers", methods=["GET", "POST"])
@allow(*READERS)
def waivers(stall_id: int):
    stall = _stall_or_404(stall_id)
    hall = db.session.get(Hall, stall.hall_id)
    today = market_today()
    form = WaiverForm()
    if not form.is_submitted():
        form.start.data = form.end.data = today
    status = 200
    if form.validate_on_submit():
        try:
            done = services.waive_days(
                current_user,
                stall,
                form.start.data,
                form.end.data,
                form.reason.data,
                today=today,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(
                _("%(n)d days of stall %(code)s waived.", n=len(done), code=stall.code), "success"
            )
            return redirect(url_for("collection.waivers", stall_id=stall.id))
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "collection/waivers.html",
            stall=stall,
            hall=hall,
            form=form,
            waivers=services.stall_waivers(stall),
            current=services.current_assignment(stall.id, today),
            can_waive=current_user.role in MANAGERS,
        ),
        status,
    )


# The day: summaries, deposits, report -------------------------------------------


@bp.route("/<hall_code>/day")
@allow(*ALL_ROLES)
def day(hall_code: str):
    hall = hall_in_scope(current_user, hall_code)
    today = market_today()
    the_day = _parse_day(request.args.get("day"), today)
    own = current_user.id if current_user.role == "collector" else None
    report = services.hall_day(hall, the_day, own)
    deposit_form = None
    if current_user.role in MANAGERS:
        deposit_form = DepositForm()
        deposit_form.collector_id.choices = options(services.deposit_candidates(hall, the_day))
    return render_template(
        "collection/day.html",
        hall=hall,
        report=report,
        today=today,
        own=own is not None,
        deposit_form=deposit_form,
        can_report=current_user.role in READERS,
    )


@bp.route("/<hall_code>/day/<day_iso>/deposit", methods=["POST"])
@allow(*MANAGERS)
def deposit(hall_code: str, day_iso: str):
    hall = hall_in_scope(current_user, hall_code)
    the_day = _day_or_404(day_iso)
    form = DepositForm()
    form.collector_id.choices = options(services.deposit_candidates(hall, the_day))
    if form.validate_on_submit():
        try:
            saved = services.record_deposit(
                current_user,
                hall,
                form.collector_id.data,
                the_day,
                form.amount_received.data,
                form.note.data,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                _(
                    "Deposit recorded: %(received)s received, difference %(difference)s.",
                    received=format_rupiah(saved.amount_received),
                    difference=format_rupiah(saved.difference),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    return redirect(url_for("collection.day", hall_code=hall.code, day=the_day.isoformat()))


def _day_or_404(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


@bp.route("/<hall_code>/day/<day_iso>/report.pdf")
@allow(*READERS)
def day_report_pdf(hall_code: str, day_iso: str):
    hall = hall_in_scope(current_user, hall_code)
    the_day = _day_or_404(day_iso)
    report = services.hall_day(hall, the_day)
    data = pdf.daily_report_pdf(
        report,
        issuer=current_app.config["ISSUER_NAME"],
        region=hall.region.name if hall.region else "",
        printed_by=current_user.full_name,
        printed_at=utcnow(),
    )
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        download_name=f"laporan-{hall.code}-{the_day.isoformat()}.pdf",
    )
