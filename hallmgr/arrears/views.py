"""Arrears across the province: the list (screen, CSV, PDF), the business ledger and
warning letters. Office and admin see every hall; a manager only their own."""

from datetime import date
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
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
from flask_login import current_user

from hallmgr.arrears import ledger as ledgers
from hallmgr.arrears import letters as warning_letters
from hallmgr.arrears import rules, services
from hallmgr.arrears.export import as_of_note, csv_header, csv_rows, list_header, totals_text
from hallmgr.arrears.forms import ArrearsFilterForm, LetterForm
from hallmgr.arrears.models import WarningLetter
from hallmgr.assignments.models import Assignment
from hallmgr.auth.policy import allow, load_in_scope, scope_filter, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.businesses.models import Business
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.i18n import format_day
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall
from hallmgr.reports.csv import iter_csv

bp = Blueprint("arrears", __name__, url_prefix="/arrears")

FILTER_KEYS = ("as_of", "region", "hall", "bucket", "min_days", "level")


def _thresholds():
    return services.thresholds_from(current_app.config)


def _scope() -> frozenset[int] | None:
    ids = visible_hall_ids(current_user)
    return None if ids is None else frozenset(ids)


def _filters() -> tuple[ArrearsFilterForm, date, services.ArrearsFilter, list[tuple[str, str]]]:
    """The filter form from the query string; bad values are shown, never a 500."""
    form = ArrearsFilterForm(request.args)
    regions = db.session.execute(sa.select(Region.code, Region.name).order_by(Region.code)).all()
    halls = db.session.execute(
        sa.select(Hall.code, Hall.name)
        .where(scope_filter(current_user, Hall.id))
        .order_by(Hall.code)
    ).all()
    form.region.choices = options([("", _("all"))] + [(r.code, r.name) for r in regions])
    form.hall.choices = options(
        [("", _("all"))] + [(h.code, f"{h.code} · {h.name}") for h in halls]
    )
    hall_code = request.args.get("hall", "").strip()
    if hall_code:
        load_in_scope(Hall, hall_code, key=Hall.code)  # another hall's code answers 404
    today = market_today()
    valid = form.validate() if request.args else True
    if not valid:
        for name in FILTER_KEYS:
            if getattr(form, name).errors:
                getattr(form, name).data = None
    as_of = form.as_of.data or today
    flt = services.ArrearsFilter(
        hall_ids=_scope(),
        region=form.region.data or None,
        hall=form.hall.data or None,
        bucket=rules.AgingBucket(form.bucket.data) if form.bucket.data else None,
        min_days=form.min_days.data or None,
        level=rules.WarningLevel(form.level.data) if form.level.data else None,
    )
    region_names = dict((r.code, r.name) for r in regions)
    described = [(_("As of"), format_day(as_of))]
    described.append((_("Region"), region_names.get(flt.region, _("all"))))
    described.append((_("Hall"), flt.hall or (_("all") if flt.hall_ids is None else _("mine"))))
    described.append((_("Aging"), str(flt.bucket.label) if flt.bucket else _("all")))
    if flt.min_days:
        described.append((_("Minimum unpaid days"), str(flt.min_days)))
    described.append(
        (_("Warning level (at least)"), str(flt.level.label) if flt.level else _("all"))
    )
    return form, as_of, flt, described


@bp.route("/")
@allow(Permission.READ_REPORTS)
def index():
    form, as_of, flt, _described = _filters()
    rows = services.arrears_rows(as_of, _thresholds(), flt)
    report = services.group_rows(rows)
    return render_template(
        "arrears/index.html",
        form=form,
        as_of=as_of,
        report=report,
        args={k: v for k, v in request.args.items() if k in FILTER_KEYS and v},
        as_of_note=as_of_note(as_of),
        totals_text=totals_text,
    )


@bp.route("/export.csv")
@allow(Permission.READ_REPORTS)
def export_csv():
    _form, as_of, flt, _described = _filters()
    rows = services.arrears_rows(as_of, _thresholds(), flt)
    body = "".join(iter_csv(csv_header(), csv_rows(rows))).encode("utf-8")
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tunggakan-{as_of}.csv"'},
    )


@bp.route("/export.pdf")
@allow(Permission.READ_REPORTS)
def export_pdf():
    from hallmgr.arrears.pdf import render_arrears_list

    _form, as_of, flt, described = _filters()
    rows = services.iter_arrears_rows(as_of, _thresholds(), flt)
    header = list_header(
        current_app.config["ISSUER_NAME"],
        as_of,
        described,
        current_user.full_name or current_user.username,
        utcnow(),
    )
    data = render_arrears_list(rows, header)
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        download_name=f"tunggakan-{as_of}.pdf",
    )


# Ledger ---------------------------------------------------------------------


@bp.route("/businesses/<int:business_id>")
@allow(Permission.READ_REPORTS)
def ledger(business_id: int):
    business = load_in_scope(Business, business_id)
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(Stall, Stall.id == Assignment.stall_id)
        .where(Assignment.business_id == business.id, scope_filter(current_user, Stall.hall_id))
        .options(sa.orm.joinedload(Assignment.stall).joinedload(Stall.hall))
        .order_by(Assignment.start_date)
    ).all()
    if not assignments:
        abort(404)  # no stall of this business in the user's halls
    as_of = market_today()
    days = ledgers.ledger(assignments, as_of, ahead_days=current_app.config["ADVANCE_PAYMENT_DAYS"])
    credits = ledgers.credits_of(assignments)
    rows = {
        r.assignment_id: r
        for r in services.arrears_rows(
            as_of,
            _thresholds(),
            services.ArrearsFilter(
                hall_ids=_scope(), assignment_ids=tuple(a.id for a in assignments)
            ),
        )
    }
    letters = db.session.scalars(
        sa.select(WarningLetter)
        .where(
            WarningLetter.business_id == business.id,
            scope_filter(current_user, WarningLetter.hall_id),
        )
        .order_by(WarningLetter.issued_at.desc())
    ).all()
    return render_template(
        "arrears/ledger.html",
        business=business,
        assignments=assignments,
        days=days,
        credits=credits,
        arrears=rows,
        letters=letters,
        as_of=as_of,
        letter_form=LetterForm(),
        can_issue=current_user.may(Permission.ISSUE_LETTERS),
        DayStatus=rules.DayStatus,
    )


# Warning letters ------------------------------------------------------------


def _deadline_days() -> int:
    return current_app.config["WARNING_LETTER_DEADLINE_DAYS"]


@bp.route("/assignments/<int:assignment_id>/letters", methods=["POST"])
@allow(Permission.ISSUE_LETTERS)
def issue_letter(assignment_id: int):
    assignment = load_in_scope(Assignment, assignment_id)
    form = LetterForm()
    back = url_for("arrears.ledger", business_id=assignment.business_id)
    if not form.validate_on_submit():
        flash(_("Choose a warning level."), "danger")
        return redirect(back)
    try:
        letter = warning_letters.issue_letter(
            current_user,
            assignment,
            form.level.data,
            today=market_today(),
            now=utcnow(),
            thresholds=_thresholds(),
            deadline_days=_deadline_days(),
        )
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Letter %(number)s issued.", number=letter.number), "success")
    return redirect(back)


@bp.route("/letters")
@allow(Permission.READ_REPORTS)
def letters():
    rows = db.session.execute(
        sa.select(WarningLetter, Business.name, Hall.code, Stall.code)
        .join(Business, Business.id == WarningLetter.business_id)
        .join(Hall, Hall.id == WarningLetter.hall_id)
        .join(Stall, Stall.id == WarningLetter.stall_id)
        .where(scope_filter(current_user, WarningLetter.hall_id))
        .order_by(WarningLetter.issued_at.desc(), WarningLetter.id.desc())
        .limit(500)
    ).all()
    halls = db.session.scalars(
        sa.select(Hall).where(scope_filter(current_user, Hall.id)).order_by(Hall.code)
    ).all()
    return render_template(
        "arrears/letters.html",
        rows=rows,
        halls=halls,
        form=LetterForm(),
        can_issue=current_user.may(Permission.ISSUE_LETTERS),
    )


@bp.route("/halls/<code>/letters", methods=["POST"])
@allow(Permission.ISSUE_LETTERS)
def issue_hall_letters(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    form = LetterForm()
    if not form.validate_on_submit():
        flash(_("Choose a warning level."), "danger")
        return redirect(url_for("arrears.letters"))
    try:
        batch, issued = warning_letters.issue_hall_letters(
            current_user,
            hall,
            form.level.data,
            today=market_today(),
            now=utcnow(),
            thresholds=_thresholds(),
            deadline_days=_deadline_days(),
        )
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("arrears.letters"))
    db.session.commit()
    flash(_("%(count)d letters issued for %(hall)s.", count=len(issued), hall=hall.code), "success")
    return redirect(url_for("arrears.batch_pdf", batch=batch))


def _letters_pdf(letters: list, name: str):
    from hallmgr.arrears.letter_pdf import render_letters

    data = render_letters(letters, current_app.config["ISSUER_NAME"], _("Hall manager"))
    return send_file(BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.route("/letters/<int:letter_id>.pdf")
@allow(Permission.READ_REPORTS)
def letter_pdf(letter_id: int):
    letter = load_in_scope(WarningLetter, letter_id)
    data = warning_letters.letter_data(letter_ids=[letter.id])
    return _letters_pdf(data, f"surat-{letter.level}-{letter.id}.pdf")


@bp.route("/letters/batch/<batch>.pdf")
@allow(Permission.READ_REPORTS)
def batch_pdf(batch: str):
    load_in_scope(WarningLetter, batch, key=WarningLetter.batch)  # a batch is one hall's
    return _letters_pdf(
        warning_letters.letter_data(batch=batch), f"surat-peringatan-{batch[:8]}.pdf"
    )
