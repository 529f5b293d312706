"""The business registry (registry-wide) and the waiting lists of halls.

Businesses are not tied to a hall: managers search and register them registry-wide, with
NIKs masked except on a business's own page. A business's assignments and applications
are shown only for the halls the user may see.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.assignments.models import Assignment
from hallmgr.assignments.services import settings_from
from hallmgr.auth.policy import allow, load_in_scope, scope_filter, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.businesses import applications as application_services
from hallmgr.businesses import services
from hallmgr.businesses.forms import AcceptForm, ApplyForm, BusinessForm, DeclineForm, OfferForm
from hallmgr.businesses.labels import APPLICATION_STATUS_LABELS
from hallmgr.businesses.models import Application, Business
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.labels import label
from hallmgr.core.web import form_error
from hallmgr.extensions import db
from hallmgr.halls.forms import ImportForm
from hallmgr.halls.models import Hall, Kecamatan, Stall, StallClass
from hallmgr.halls.stalls import ImportRejectedError
from hallmgr.halls.views import read_upload

bp = Blueprint("businesses", __name__, url_prefix="/businesses")


@bp.context_processor
def application_labels():
    return {"application_status": lambda code: label(APPLICATION_STATUS_LABELS, code)}


@bp.route("/")
@allow(Permission.READ_REGISTERS)
def index():
    query = request.args.get("q", "").strip()[:80]
    rows = services.search_businesses(
        query, market_today(), hall_ids=visible_hall_ids(current_user)
    )
    return render_template("businesses/index.html", rows=rows, query=query)


def _form(business: Business | None) -> BusinessForm:
    form = BusinessForm(obj=business)
    kecamatan = db.session.scalars(sa.select(Kecamatan).order_by(Kecamatan.code))
    form.kecamatan_code.choices = options(
        [("", "—")] + [(k.code, f"{k.code} {k.name}") for k in kecamatan]
    )
    if not form.is_submitted():
        form.kecamatan_code.data = (business.kecamatan_code if business else "") or ""
    return form


def _save(business: Business | None):
    form = _form(business)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in services.BUSINESS_FIELDS}
        try:
            saved = services.save_business(current_user, business, data, utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Business %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("businesses.show", business_id=saved.id))
    title = _("Edit %(name)s", name=business.name) if business else _("Register a business")
    return render_template("businesses/form.html", form=form, title=title)


@bp.route("/new", methods=["GET", "POST"])
@allow(Permission.MANAGE_BUSINESSES)
def new():
    return _save(None)


@bp.route("/<int:business_id>/edit", methods=["GET", "POST"])
@allow(Permission.MANAGE_BUSINESSES)
def edit(business_id: int):
    return _save(load_in_scope(Business, business_id))


@bp.route("/<int:business_id>")
@allow(Permission.READ_REGISTERS)
def show(business_id: int):
    business = load_in_scope(Business, business_id)
    assignments = db.session.execute(
        sa.select(Assignment, Stall.code, Hall.code)
        .join(Stall, Stall.id == Assignment.stall_id)
        .join(Hall, Hall.id == Stall.hall_id)
        .where(Assignment.business_id == business.id, scope_filter(current_user, Stall.hall_id))
        .order_by(Assignment.start_date.desc())
    ).all()
    applications = db.session.execute(
        sa.select(Application, Hall.code, StallClass.name)
        .join(Hall, Hall.id == Application.hall_id)
        .join(StallClass, StallClass.id == Application.stall_class_id)
        .where(
            Application.business_id == business.id, scope_filter(current_user, Application.hall_id)
        )
        .order_by(Application.applied_at.desc())
    ).all()
    apply_form = None
    if current_user.may(Permission.MANAGE_BUSINESSES):
        apply_form = ApplyForm(formdata=None)
        apply_form.hall_id.choices = _hall_choices()
        apply_form.stall_class_id.choices = _class_choices()
    return render_template(
        "businesses/show.html",
        business=business,
        show_nik=current_user.may(Permission.SEE_NIK),
        assignments=assignments,
        applications=applications,
        apply_form=apply_form,
    )


def _hall_choices() -> list:
    rows = db.session.execute(
        sa.select(Hall.id, Hall.code, Hall.name)
        .where(scope_filter(current_user, Hall.id))
        .order_by(Hall.code)
    )
    return options((r.id, f"{r.code} · {r.name}") for r in rows)


def _class_choices() -> list:
    rows = db.session.execute(sa.select(StallClass.id, StallClass.name).order_by(StallClass.code))
    return options((r.id, r.name) for r in rows)


@bp.route("/import", methods=["GET", "POST"])
@allow(Permission.MANAGE_BUSINESSES)
def import_file():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        text = read_upload(form)
        if text is not None:
            try:
                created = services.import_businesses(
                    current_user, text, utcnow(), max_rows=current_app.config["IMPORT_MAX_ROWS"]
                )
            except ImportRejectedError as error:
                form.form_errors.append(error.message)
                problems = error.problems
            else:
                db.session.commit()
                flash(_("%(n)d businesses imported.", n=len(created)), "success")
                return redirect(url_for("businesses.index"))
    return render_template("businesses/import.html", form=form, problems=problems)


@bp.route("/<int:business_id>/apply", methods=["POST"])
@allow(Permission.MANAGE_BUSINESSES)
def apply(business_id: int):
    business = load_in_scope(Business, business_id)
    form = ApplyForm()
    form.hall_id.choices = _hall_choices()
    form.stall_class_id.choices = _class_choices()
    if form.validate_on_submit():
        hall = load_in_scope(Hall, form.hall_id.data)
        stall_class = db.session.get(StallClass, form.stall_class_id.data)
        try:
            application_services.apply(
                current_user, business, hall, stall_class, utcnow(), form.note.data or ""
            )
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is on the waiting list of %(hall)s.",
                    name=business.name,
                    hall=hall.code,
                ),
                "success",
            )
    else:
        flash(_("Choose a hall and a stall class."), "danger")
    return redirect(url_for("businesses.show", business_id=business.id))


# Waiting lists ---------------------------------------------------------------


@bp.route("/waiting/<code>")
@allow(Permission.READ_REGISTERS)
def waiting_list(code: str):
    hall = load_in_scope(Hall, code, key=Hall.code)
    today = market_today()
    expiry_days = current_app.config["APPLICATION_EXPIRY_DAYS"]
    classes = db.session.scalars(sa.select(StallClass).order_by(StallClass.code)).all()
    rows = db.session.execute(
        sa.select(Application, Business.name, Business.owner_name, Stall.code)
        .join(Business, Business.id == Application.business_id)
        .outerjoin(Stall, Stall.id == Application.offered_stall_id)
        .where(
            Application.hall_id == hall.id,
            Application.status.in_(application_services.APPLICATION_OPEN),
            Application.applied_at >= application_services.expiry_cutoff(today, expiry_days),
        )
        .order_by(Application.applied_at, Application.id)
    ).all()
    queues: dict[int, list] = {c.id: [] for c in classes}
    for row in rows:
        queues.setdefault(row[0].stall_class_id, []).append(row)
    vacant = db.session.execute(
        application_services.vacant_stalls(hall.id, None, today).with_only_columns(
            Stall.id, Stall.code, Stall.stall_class_id
        )
    ).all()
    vacant_by_class: dict[int, list] = {}
    for stall in vacant:
        vacant_by_class.setdefault(stall.stall_class_id, []).append(stall)
    offer_forms = {}
    for c in classes:
        form = OfferForm(formdata=None, prefix=f"c{c.id}")
        form.stall_id.choices = options(
            [(0, _("the first vacant stall"))]
            + [(s.id, s.code) for s in vacant_by_class.get(c.id, [])]
        )
        offer_forms[c.id] = form
    return render_template(
        "businesses/waiting.html",
        hall=hall,
        classes=classes,
        queues=queues,
        vacant_by_class=vacant_by_class,
        offer_forms=offer_forms,
        decline_form=DeclineForm(formdata=None),
        expiry_days=expiry_days,
        max_declines=current_app.config["MAX_DECLINES"],
    )


@bp.route("/waiting/<code>/<int:class_id>/offer", methods=["POST"])
@allow(Permission.MANAGE_BUSINESSES)
def offer(code: str, class_id: int):
    hall = load_in_scope(Hall, code, key=Hall.code)
    stall_class = load_in_scope(StallClass, class_id)
    stall_id = request.form.get(f"c{class_id}-stall_id", type=int) or 0
    stall = None
    if stall_id:
        stall = load_in_scope(Stall, stall_id, where=Stall.hall_id == hall.id)
    form = OfferForm(prefix=f"c{class_id}")
    form.stall_id.choices = options([(stall_id, "")])
    if not form.validate_on_submit():
        abort(400)
    try:
        application = application_services.offer_next(
            current_user,
            hall,
            stall_class,
            stall=stall,
            today=market_today(),
            now=utcnow(),
            expiry_days=current_app.config["APPLICATION_EXPIRY_DAYS"],
        )
    except DomainError as error:
        db.session.commit()  # lapsed applications stay closed
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            _(
                "Stall %(stall)s offered to %(name)s.",
                stall=application.offered_stall.code,
                name=application.business.name,
            ),
            "success",
        )
    return redirect(url_for("businesses.waiting_list", code=hall.code))


@bp.route("/applications/<int:application_id>/accept", methods=["GET", "POST"])
@allow(Permission.MANAGE_BUSINESSES)
def accept(application_id: int):
    application = load_in_scope(Application, application_id)
    form = AcceptForm()
    if not form.is_submitted():
        form.start_date.data = market_today()
    if form.validate_on_submit():
        try:
            assignment = application_services.accept_offer(
                current_user,
                application,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                backdate_reason=form.backdate_reason.data or "",
                today=market_today(),
                now=utcnow(),
                settings=settings_from(current_app.config),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Assignment %(number)s created.", number=assignment.number), "success")
            return redirect(url_for("halls.stall", stall_id=assignment.stall_id))
    return render_template("businesses/accept.html", form=form, application=application)


@bp.route("/applications/<int:application_id>/decline", methods=["POST"])
@allow(Permission.MANAGE_BUSINESSES)
def decline(application_id: int):
    application = load_in_scope(Application, application_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            application_services.decline_offer(
                current_user,
                application,
                utcnow(),
                current_app.config["MAX_DECLINES"],
                form.reason.data or "",
            )
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("The offer was declined."), "success")
    else:
        abort(400)
    return redirect(url_for("businesses.waiting_list", code=application.hall.code))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@allow(Permission.MANAGE_BUSINESSES)
def withdraw(application_id: int):
    application = load_in_scope(Application, application_id)
    try:
        application_services.withdraw_application(current_user, application, utcnow())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The application was withdrawn."), "success")
    return redirect(url_for("businesses.waiting_list", code=application.hall.code))
