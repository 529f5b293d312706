"""Assigning stalls, ending assignments, the assignment letter."""

from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
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

from hallmgr.assignments import services
from hallmgr.assignments.forms import AssignForm, EndForm
from hallmgr.assignments.models import Assignment
from hallmgr.assignments.pdf import render_letter
from hallmgr.auth.policy import allow, load_in_scope, scope_filter
from hallmgr.auth.roles import Permission
from hallmgr.businesses.models import Business
from hallmgr.businesses.rules import normalise_nik
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.web import form_error
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Stall

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

END_REASONS = {
    "moved_out": _l("Moved out"),
    "revoked_arrears": _l("Revoked for arrears"),
    "revoked_rules": _l("Revoked for breaking the rules of use"),
    "business_closed": _l("Business closed"),
    "other": _l("Other"),
}


@bp.route("/hall/<code>")
@allow(Permission.READ_REGISTERS)
def index(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    rows = db.session.execute(
        sa.select(Assignment, Stall.code, Business.name, Business.owner_name)
        .join(Stall, Stall.id == Assignment.stall_id)
        .join(Business, Business.id == Assignment.business_id)
        .where(Stall.hall_id == hall.id)
        .order_by(Assignment.decided_at.desc(), Assignment.id.desc())
        .limit(300)
    ).all()
    return render_template("assignments/index.html", hall=hall, rows=rows, today=market_today())


def _stall_choices() -> list:
    rows = db.session.execute(
        sa.select(Stall.id, Stall.code, Hall.code.label("hall_code"))
        .join(Hall, Hall.id == Stall.hall_id)
        .where(Stall.status == "available", scope_filter(current_user, Stall.hall_id))
        .order_by(Hall.code, Stall.block, Stall.code)
    )
    return options((r.id, f"{r.hall_code} {r.code}") for r in rows)


def _find_business(ref: str) -> Business | None:
    ref = normalise_nik(ref or "").lstrip("#")
    if len(ref) == 16 and ref.isdigit():
        return db.session.scalar(sa.select(Business).where(Business.nik == ref))
    if ref.isdigit() and len(ref) < 12:
        return db.session.get(Business, int(ref))
    return None


@bp.route("/new", methods=["GET", "POST"])
@allow(Permission.ASSIGN)
def new():
    form = AssignForm()
    form.stall_id.choices = _stall_choices()
    business = None
    if not form.is_submitted():
        form.start_date.data = market_today()
        stall_id = request.args.get("stall_id", type=int)
        if stall_id:
            form.stall_id.data = load_in_scope(Stall, stall_id).id
        business_id = request.args.get("business_id", type=int)
        if business_id:
            business = load_in_scope(Business, business_id)
            form.business_ref.data = str(business.id)
    if form.validate_on_submit():
        stall = load_in_scope(Stall, form.stall_id.data)
        business = _find_business(form.business_ref.data)
        if business is None:
            form.business_ref.errors.append(
                _("No business with this NIK or registry number; register it first.")
            )
        else:
            try:
                assignment = services.assign_stall(
                    current_user,
                    stall,
                    business,
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    application=None,
                    out_of_order_reason=form.out_of_order_reason.data or "",
                    backdate_reason=form.backdate_reason.data or "",
                    today=market_today(),
                    now=utcnow(),
                    settings=services.settings_from(current_app.config),
                )
            except DomainError as error:
                if error.field == "business":
                    error.field = "business_ref"
                form_error(form, error)
            else:
                db.session.commit()
                flash(
                    _(
                        "Stall %(stall)s assigned to %(name)s (letter %(number)s).",
                        stall=stall.code,
                        name=business.name,
                        number=assignment.number,
                    ),
                    "success",
                )
                return redirect(url_for("halls.stall", stall_id=stall.id))
    return render_template("assignments/new.html", form=form, business=business)


@bp.route("/<int:assignment_id>/end", methods=["GET", "POST"])
@allow(Permission.ASSIGN)
def end(assignment_id: int):
    assignment = load_in_scope(Assignment, assignment_id)
    form = EndForm()
    form.reason.choices = options(END_REASONS.items())
    if not form.is_submitted():
        form.end_date.data = market_today()
    if form.validate_on_submit():
        reason = str(END_REASONS.get(form.reason.data, form.reason.data))
        if form.note.data:
            reason = f"{reason}: {form.note.data.strip()}"
        try:
            services.end_assignment(
                current_user,
                assignment,
                form.end_date.data,
                reason,
                market_today(),
                utcnow(),
                current_app.config["BACKDATE_ASSIGNMENT_DAYS"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The assignment ends on %(day)s.", day=form.end_date.data.isoformat()), "success"
            )
            return redirect(url_for("halls.stall", stall_id=assignment.stall_id))
    return render_template("assignments/end.html", form=form, assignment=assignment)


@bp.route("/<int:assignment_id>/letter.pdf")
@allow(Permission.READ_REGISTERS)
def letter(assignment_id: int):
    assignment = load_in_scope(Assignment, assignment_id)
    data = render_letter(services.letter_data(assignment), current_app.config["ISSUER_NAME"])
    name = (assignment.number or str(assignment.id)).replace("/", "-")
    return send_file(
        BytesIO(data), mimetype="application/pdf", download_name=f"surat-penempatan-{name}.pdf"
    )
