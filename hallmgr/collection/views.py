"""Collectors' and managers' pages: the round, payments, receipts, voids, waivers, deposits."""

import secrets
from collections import Counter
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
from flask_babel import ngettext
from flask_login import current_user

from hallmgr.auth.policy import allow, load_in_scope, public, scope_filter
from hallmgr.auth.roles import Permission
from hallmgr.businesses.models import Business
from hallmgr.collection import pdf, queries, report_pdf, rules, services
from hallmgr.collection.forms import (
    ClosedForm,
    DepositForm,
    PaymentForm,
    VoidForm,
    WaiverForm,
)
from hallmgr.collection.models import Payment
from hallmgr.core import idempotency
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.core.web import day_arg, form_error
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

bp = Blueprint("collection", __name__, url_prefix="/collection")


def _receipt_or_404(number: str) -> queries.ReceiptFacts:
    facts = queries.receipt_facts(number, viewer=current_user)
    if facts is None:  # no such receipt, or not in the user's halls
        abort(404)
    return facts


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
@allow(Permission.READ_COLLECTION)
def index():
    halls = db.session.scalars(
        sa.select(Hall).where(scope_filter(current_user, Hall.id)).order_by(Hall.code)
    ).all()
    return render_template("collection/index.html", halls=halls, today=market_today())


@bp.route("/round")
@allow(Permission.READ_COLLECTION)
def my_round():
    """A collector of one hall goes straight to its round."""
    halls = db.session.scalars(
        sa.select(Hall).where(scope_filter(current_user, Hall.id)).order_by(Hall.code).limit(2)
    ).all()
    if len(halls) == 1:
        return redirect(url_for("collection.round", hall_code=halls[0].code))
    return redirect(url_for("collection.index"))


@bp.route("/<hall_code>/round", endpoint="round")
@allow(Permission.READ_COLLECTION)
def round_page(hall_code: str):
    hall = load_in_scope(Hall, hall_code, key=Hall.code)
    today = market_today()
    search = request.args.get("q", "")[:60]
    rows = queries.round_rows(hall, today, search)
    return render_template(
        "collection/round.html",
        hall=hall,
        today=today,
        rows=rows,
        search=search,
        counts=Counter(row.state for row in rows),
        RoundState=rules.RoundState,
        # Texts every row repeats, translated once for the page rather than once a row.
        state_labels={state: str(state.label) for state in rules.RoundState},
        days_unpaid={
            n: ngettext("%(num)d day unpaid", "%(num)d days unpaid", n)
            for n in {row.unpaid_days for row in rows}
        },
        closed_label=_("Closed"),
        can_pay=current_user.may(Permission.PAY),
        closed_form=ClosedForm(),
    )


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
        # Oldest first: every unpaid due day up to today is ticked to begin with.
        form.days.data = [p.day for p in shown if not p.ahead]
    elif form.idempotency_key.errors:
        form.form_errors.append(_("This form has expired. Please choose the days again."))
    # A new key for every form drawn: a resend of this very form replays, a new form pays anew.
    form.idempotency_key.data = secrets.token_urlsafe(18)
    selected = set(form.days.data or [])
    selected_total = sum(p.rate for p in shown if p.day in selected)
    form.shown_total.data = selected_total
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
            paid_today=queries.holding_receipt(stall.id, today),
            selected_total=selected_total,
            today=today,
            advance=advance,
            chosen=chosen,
        ),
        status,
    )


@bp.route("/stalls/<int:stall_id>/pay", methods=["GET", "POST"])
@allow(Permission.PAY)
def pay(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
    today = market_today()
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            payment, replay = services.record_payment(
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
                shown_total=form.shown_total.data,
                oldest_first=not form.skip_older.data,
            )
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            return _payment_page(stall, form, today, error.status_code)
        number = payment.receipt_number
        if replay is not None:
            # The answer is read before the transaction ends: the record's values expire with it.
            response = idempotency.replay(
                replay, lambda: redirect(url_for("collection.receipt", number=number))
            )
            db.session.rollback()
            flash(
                _("This payment was already recorded: receipt %(number)s.", number=number), "info"
            )
            return response
        response = redirect(url_for("collection.receipt", number=number))
        idempotency.remember(payment.idempotency, response)
        db.session.commit()
        flash(_("Payment recorded: receipt %(number)s.", number=number), "success")
        return response
    status = 400 if form.is_submitted() else 200
    return _payment_page(stall, form, today, status)


@bp.route("/stalls/<int:stall_id>/closed", methods=["POST"])
@allow(Permission.MARK_CLOSED)
def mark_closed(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
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
@allow(Permission.READ_COLLECTION)
def find_receipt():
    number = (request.args.get("number") or "").strip().upper()
    facts = queries.receipt_facts(number, viewer=current_user) if number else None
    if facts is None:
        flash(_("No receipt %(number)s in your halls.", number=number), "warning")
        return redirect(url_for("collection.index"))
    return redirect(url_for("collection.receipt", number=facts.number))


@bp.route("/receipts/<number>")
@allow(Permission.READ_COLLECTION)
def receipt(number: str):
    facts = _receipt_or_404(number)
    return render_template(
        "collection/receipt.html",
        facts=facts,
        days_text=pdf.days_text(facts.days),
        rate_groups=rules.rate_groups(facts.days),
        void_form=VoidForm() if current_user.may(Permission.VOID) and not facts.void else None,
        verify_url=verify_url(facts.number),
        amount_words=terbilang(facts.amount),
    )


@bp.route("/receipts/<number>/receipt-<size>.pdf")
@allow(Permission.READ_COLLECTION)
def receipt_pdf(number: str, size: str):
    if size not in pdf.SIZES:
        abort(404)
    return send_receipt_pdf(_receipt_or_404(number), size)


def send_receipt_pdf(facts: queries.ReceiptFacts, size: str):
    """The receipt as a PDF download (the web page's link and the API answer alike)."""
    data = pdf.receipt_pdf(
        facts,
        issuer=current_app.config["ISSUER_NAME"],
        verify_url=verify_url(facts.number),
        size=size,
    )
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=f"{facts.number}-{size}.pdf")
    response.cache_control.no_cache = True
    return response


@bp.route("/receipts/<number>/void", methods=["POST"])
@allow(Permission.VOID)
def void(number: str):
    payment = load_in_scope(Payment, number, key=Payment.receipt_number)
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
    status, facts = queries.verify_receipt(
        number[:40], signature[:80], current_app.config["SECRET_KEY"]
    )
    return render_template("collection/verify.html", status=status, facts=facts, number=number)


# Waivers ------------------------------------------------------------------------


@bp.route("/stalls/<int:stall_id>/waivers", methods=["GET", "POST"])
@allow(Permission.READ_REGISTERS)
def waivers(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
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
            waivers=queries.stall_waivers(stall),
            current=services.current_assignment(stall.id, today),
            can_waive=current_user.may(Permission.WAIVE),
        ),
        status,
    )


# The day: summaries, deposits, report -------------------------------------------


@bp.route("/<hall_code>/day")
@allow(Permission.READ_COLLECTION)
def day(hall_code: str):
    hall = load_in_scope(Hall, hall_code, key=Hall.code)
    today = market_today()
    the_day = day_arg("day", today)
    # The whole hall's day for those who read its reports; a collector's own receipts.
    own = None if current_user.may(Permission.READ_REPORTS) else current_user.id
    report = queries.hall_day(hall, the_day, own)
    deposit_form = None
    if current_user.may(Permission.DEPOSIT):
        deposit_form = DepositForm()
        deposit_form.collector_id.choices = options(services.deposit_candidates(hall, the_day))
    return render_template(
        "collection/day.html",
        hall=hall,
        report=report,
        today=today,
        own=own is not None,
        deposit_form=deposit_form,
        can_report=current_user.may(Permission.READ_REPORTS),
    )


@bp.route("/<hall_code>/day/<day:day>/deposit", methods=["POST"])
@allow(Permission.DEPOSIT)
def deposit(hall_code: str, day: date):
    hall = load_in_scope(Hall, hall_code, key=Hall.code)
    form = DepositForm()
    form.collector_id.choices = options(services.deposit_candidates(hall, day))
    if form.validate_on_submit():
        try:
            saved = services.record_deposit(
                current_user,
                hall,
                form.collector_id.data,
                day,
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
    return redirect(url_for("collection.day", hall_code=hall.code, day=day.isoformat()))


@bp.route("/<hall_code>/day/<day:day>/report.pdf")
@allow(Permission.READ_REPORTS)
def day_report_pdf(hall_code: str, day: date):
    hall = load_in_scope(Hall, hall_code, key=Hall.code)
    report = queries.hall_day(hall, day)
    data = report_pdf.daily_report_pdf(
        report,
        issuer=current_app.config["ISSUER_NAME"],
        region=hall.region.name if hall.region else "",
        printed_by=current_user.full_name,
        printed_at=utcnow(),
    )
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        download_name=f"laporan-{hall.code}-{day.isoformat()}.pdf",
    )


# The credits page registers its routes on `bp` too.
from hallmgr.collection import credit_views  # noqa: E402, F401
