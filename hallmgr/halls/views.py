"""The stall registry of a hall: list, map, stall pages, create, edit, status, CSV import."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.auth.policy import allow, load_in_scope, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.labels import STALL_STATUS_LABELS
from hallmgr.core.web import form_error
from hallmgr.extensions import db
from hallmgr.halls import queries, rules
from hallmgr.halls import stalls as stall_services
from hallmgr.halls.forms import ImportForm, StallForm, StallStatusForm
from hallmgr.halls.models import Hall, Stall, StallClass

bp = Blueprint("halls", __name__, url_prefix="/halls")


def _class_choices() -> list:
    rows = db.session.execute(sa.select(StallClass.id, StallClass.name).order_by(StallClass.code))
    return options((r.id, r.name) for r in rows)


@bp.route("/")
@allow(Permission.READ_REGISTERS)
def index():
    summaries = queries.hall_summaries(visible_hall_ids(current_user), market_today())
    return render_template("halls/index.html", halls=summaries)


@bp.route("/<code>/stalls")
@allow(Permission.READ_REGISTERS)
def stalls(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    today = market_today()
    filters = {
        "block": request.args.get("block", "").strip()[:20],
        "class_id": request.args.get("class_id", type=int) or None,
        "status": request.args.get("status", "")
        if request.args.get("status") in STALL_STATUS_LABELS
        else "",
        "occupancy": request.args.get("occupancy", "")
        if request.args.get("occupancy") in ("occupied", "vacant")
        else "",
    }
    rows = queries.stall_rows(hall, today, **filters)
    classes = db.session.execute(
        sa.select(StallClass.id, StallClass.name).order_by(StallClass.code)
    ).all()
    return render_template(
        "halls/stalls.html",
        hall=hall,
        rows=rows,
        filters=filters,
        blocks=queries.blocks_of(hall),
        classes=classes,
        today=today,
    )


@bp.route("/<code>/map")
@allow(Permission.READ_REGISTERS)
def hall_map(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    today = market_today()
    return render_template(
        "halls/map.html", hall=hall, blocks=queries.hall_map(hall, today), today=today
    )


def _save(hall: Hall, stall: Stall | None):
    form = StallForm(obj=stall)
    form.stall_class_id.choices = _class_choices()
    if stall is not None and not form.is_submitted():
        form.area.data = stall.area_m2
    if form.validate_on_submit():
        data = {
            "code": form.code.data,
            "block": form.block.data,
            "stall_class_id": form.stall_class_id.data,
            "area_dm2": getattr(form.area, "area_dm2", None),
        }
        try:
            saved = stall_services.save_stall(current_user, hall, stall, data, utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Stall %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("halls.stall", stall_id=saved.id))
    title = (
        _("Edit stall %(code)s", code=stall.code)
        if stall
        else _("New stall in %(hall)s", hall=hall.code)
    )
    return render_template("halls/form.html", form=form, title=title, hall=hall)


@bp.route("/<code>/stalls/new", methods=["GET", "POST"])
@allow(Permission.MANAGE_STALLS)
def stall_new(code: str):
    return _save(load_in_scope(Hall, code, key=Hall.code), None)


@bp.route("/stalls/<int:stall_id>/edit", methods=["GET", "POST"])
@allow(Permission.MANAGE_STALLS)
def stall_edit(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
    return _save(db.session.get(Hall, stall.hall_id), stall)


@bp.route("/stalls/<int:stall_id>")
@allow(Permission.READ_REGISTERS)
def stall(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
    today = market_today()
    history = queries.stall_history(stall)
    current = next((a for a, _name, _owner in history if a.active_on(today)), None)
    arrears = queries.assignment_arrears(current.id, stall.hall_id, today) if current else (0, 0)
    return render_template(
        "halls/stall.html",
        stall=stall,
        hall=stall.hall,
        history=history,
        current=current,
        arrears=arrears,
        payments=queries.stall_payments(stall),
        status_form=StallStatusForm(formdata=None, status=stall.status),
        today=today,
    )


@bp.route("/stalls/<int:stall_id>/status", methods=["POST"])
@allow(Permission.MANAGE_STALLS)
def stall_status(stall_id: int):
    stall = load_in_scope(Stall, stall_id)
    form = StallStatusForm()
    if form.validate_on_submit():
        try:
            stall_services.set_stall_status(
                current_user, stall, form.status.data, market_today(), utcnow()
            )
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Stall %(code)s saved.", code=stall.code), "success")
    else:
        flash(_("Choose a status."), "danger")
    return redirect(url_for("halls.stall", stall_id=stall.id))


def read_upload(form) -> str | None:
    """The uploaded file's text, or None with an error on the form. Reads no more than
    IMPORT_MAX_BYTES + 1 bytes of it."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    upload = form.file.data
    try:
        data = upload.read(limit + 1)
    finally:
        upload.close()  # a large upload sits in a temporary file: free it now
    if len(data) > limit:
        size = f"{limit / (1024 * 1024):.3g} MB"
        form.file.errors.append(_("The file is too large (at most %(size)s).", size=size))
        return None
    text = rules.decode_csv(data)
    if text is None:
        form.file.errors.append(_("Save the file as CSV in UTF-8."))
    return text


@bp.route("/<code>/stalls/import", methods=["GET", "POST"])
@allow(Permission.MANAGE_STALLS)
def stall_import(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        text = read_upload(form)
        if text is not None:
            try:
                created = stall_services.import_stalls(
                    current_user,
                    text,
                    utcnow(),
                    hall=hall,
                    hall_ids={hall.id},
                    max_rows=current_app.config["IMPORT_MAX_ROWS"],
                )
            except stall_services.ImportRejectedError as error:
                form.form_errors.append(error.message)
                problems = error.problems
            else:
                db.session.commit()
                flash(_("%(n)d stalls imported.", n=len(created)), "success")
                return redirect(url_for("halls.stalls", code=hall.code))
    return render_template("halls/import.html", form=form, hall=hall, problems=problems)
