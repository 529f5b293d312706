"""Admin screens: users and their halls, halls, stall classes and tariffs, closures."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from hallmgr.admin.forms import (
    ClosureForm,
    HallForm,
    HolidayImportForm,
    ResetPasswordForm,
    StallClassForm,
    TariffEditForm,
    TariffForm,
    UserEditForm,
    UserForm,
)
from hallmgr.auth import services as user_services
from hallmgr.auth.models import User
from hallmgr.auth.policy import allow, load_in_scope
from hallmgr.auth.roles import Permission
from hallmgr.core.days import ALL_WEEK, market_today, utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.core.web import form_error
from hallmgr.extensions import db
from hallmgr.halls import rules as hall_rules
from hallmgr.halls import services as hall_services
from hallmgr.halls.models import Closure, Hall, Kecamatan, Region, StallClass, Tariff

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _hall_choices() -> list:
    rows = db.session.execute(sa.select(Hall.id, Hall.code, Hall.name).order_by(Hall.code))
    return options((row.id, f"{row.code} · {row.name}") for row in rows)


# Users ---------------------------------------------------------------------


@bp.route("/users", endpoint="users")
@allow(Permission.ADMINISTER)
def users_list():
    rows = db.session.scalars(
        sa.select(User).options(selectinload(User.halls)).order_by(User.role, User.username)
    ).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def user_new():
    form = UserForm()
    form.halls.choices = _hall_choices()
    if form.validate_on_submit():
        try:
            user = user_services.create_user(
                current_user,
                username=form.username.data,
                full_name=form.full_name.data,
                role=form.role.data,
                password=form.password.data,
                hall_ids=form.halls.data or [],
                now=utcnow(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/form.html", form=form, title=_("New user"), submit=_("Create"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def user_edit(user_id: int):
    user = load_in_scope(User, user_id)
    form = UserEditForm(obj=user)
    form.halls.choices = _hall_choices()
    if not form.is_submitted():
        form.halls.data = sorted(user.hall_ids)
    if form.validate_on_submit():
        try:
            user_services.update_user(
                current_user,
                user,
                full_name=form.full_name.data,
                role=form.role.data,
                hall_ids=form.halls.data or [],
                now=utcnow(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_edit.html", form=form, user=user, reset_form=ResetPasswordForm()
    )


@bp.route("/users/<int:user_id>/active/<int:active>", methods=["POST"])
@allow(Permission.ADMINISTER)
def user_set_active(user_id: int, active: int):
    user = load_in_scope(User, user_id)
    try:
        user_services.set_active(current_user, user, bool(active), utcnow())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("User %(name)s saved.", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Permission.ADMINISTER)
def user_reset_password(user_id: int):
    user = load_in_scope(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user_services.reset_password(current_user, user, form.password.data, utcnow())
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("The password of %(name)s has been reset.", name=user.username), "success")
    else:
        flash(_("Enter the new password."), "danger")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# Halls ---------------------------------------------------------------------


@bp.route("/halls")
@allow(Permission.ADMINISTER)
def halls():
    rows = db.session.scalars(sa.select(Hall).order_by(Hall.region_code, Hall.code)).all()
    return render_template("admin/halls.html", halls=rows)


def _hall_form(hall: Hall | None) -> HallForm:
    form = HallForm(obj=hall)
    regions = db.session.scalars(sa.select(Region).order_by(Region.code))
    form.region_code.choices = options((r.code, f"{r.code} {r.name}") for r in regions)
    kecamatan = db.session.scalars(sa.select(Kecamatan).order_by(Kecamatan.code))
    form.kecamatan_code.choices = options(
        [("", "—")] + [(k.code, f"{k.code} {k.name}") for k in kecamatan]
    )
    if not form.is_submitted():
        tomorrow = market_today() + timedelta(days=1)
        mask = hall.open_days_on(tomorrow) if hall else ALL_WEEK
        form.open_days.data = [i for i in range(7) if mask & (1 << i)]
        form.open_days_from.data = tomorrow
        form.kecamatan_code.data = (hall.kecamatan_code if hall else "") or ""
    return form


def _save_hall(hall: Hall | None):
    form = _hall_form(hall)
    if form.validate_on_submit():
        data = {
            "code": form.code.data,
            "name": form.name.data.strip(),
            "region_code": form.region_code.data,
            "kecamatan_code": form.kecamatan_code.data,
            "address": (form.address.data or "").strip(),
            "open_days": sum(1 << i for i in form.open_days.data),
            "status": form.status.data,
        }
        try:
            saved = hall_services.save_hall(
                current_user,
                hall,
                data,
                utcnow(),
                today=market_today(),
                open_days_from=form.open_days_from.data,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Hall %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("admin.halls"))
    title = _("Edit hall %(code)s", code=hall.code) if hall else _("New hall")
    return render_template("admin/form.html", form=form, title=title, submit=_("Save"))


@bp.route("/halls/new", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def hall_new():
    return _save_hall(None)


@bp.route("/halls/<int:hall_id>", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def hall_edit(hall_id: int):
    return _save_hall(load_in_scope(Hall, hall_id))


# Stall classes and tariffs -------------------------------------------------


@bp.route("/classes")
@allow(Permission.ADMINISTER)
def stall_classes():
    classes = db.session.scalars(sa.select(StallClass).order_by(StallClass.code)).all()
    return render_template(
        "admin/classes.html",
        classes=classes,
        today=market_today(),
        editable=hall_rules.tariff_editable,
        form=StallClassForm(),
    )


@bp.route("/classes/new", methods=["POST"])
@allow(Permission.ADMINISTER)
def stall_class_new():
    form = StallClassForm()
    if form.validate_on_submit():
        try:
            hall_services.save_stall_class(
                current_user, None, form.code.data, form.name.data, utcnow()
            )
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Stall class saved."), "success")
    else:
        flash(_("Fill in the code and the name."), "danger")
    return redirect(url_for("admin.stall_classes"))


@bp.route("/classes/<int:class_id>/tariffs/new", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def tariff_new(class_id: int):
    stall_class = load_in_scope(StallClass, class_id)
    form = TariffForm()
    if form.validate_on_submit():
        try:
            hall_services.add_tariff(
                current_user,
                stall_class,
                form.effective_from.data,
                form.daily_rate.data,
                form.regulation.data,
                utcnow(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Rate saved."), "success")
            return redirect(url_for("admin.stall_classes"))
    title = _("New rate for %(name)s", name=stall_class.name)
    return render_template("admin/form.html", form=form, title=title, submit=_("Save"))


@bp.route("/tariffs/<int:tariff_id>", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def tariff_edit(tariff_id: int):
    tariff = load_in_scope(Tariff, tariff_id)
    form = TariffEditForm(obj=tariff)
    if form.validate_on_submit():
        try:
            hall_services.edit_tariff(
                current_user,
                tariff,
                form.daily_rate.data,
                form.regulation.data,
                market_today(),
                utcnow(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Rate saved."), "success")
            return redirect(url_for("admin.stall_classes"))
    title = _("Edit rate")
    return render_template("admin/form.html", form=form, title=title, submit=_("Save"))


# Closures ------------------------------------------------------------------


@bp.route("/closures", methods=["GET", "POST"])
@allow(Permission.ADMINISTER)
def closures():
    form = ClosureForm()
    form.hall_id.choices = options([(0, _("Every hall (province-wide)"))]) + _hall_choices()
    if form.validate_on_submit():
        try:
            hall_services.add_closure(
                current_user,
                hall_id=form.hall_id.data or None,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                kind=form.kind.data,
                reason=form.reason.data,
                today=market_today(),
                now=utcnow(),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Closure saved."), "success")
            return redirect(url_for("admin.closures"))
    rows = db.session.execute(
        sa.select(Closure, Hall.code)
        .outerjoin(Hall, Hall.id == Closure.hall_id)
        .order_by(Closure.start_date.desc())
        .limit(500)
    ).all()
    holiday_form = HolidayImportForm(formdata=None, year=market_today().year)
    return render_template(
        "admin/closures.html", form=form, closures=rows, holiday_form=holiday_form
    )


@bp.route("/closures/holidays", methods=["POST"])
@allow(Permission.ADMINISTER)
def import_holidays():
    form = HolidayImportForm()
    if form.validate_on_submit():
        added = hall_services.import_national_holidays(
            current_user, form.year.data, utcnow(), today=market_today()
        )
        db.session.commit()
        flash(
            _(
                "%(n)d national holidays and cuti bersama added for %(year)d.",
                n=added,
                year=form.year.data,
            ),
            "success",
        )
    else:
        flash(_("Choose a year between 2000 and 2100."), "danger")
    return redirect(url_for("admin.closures"))
