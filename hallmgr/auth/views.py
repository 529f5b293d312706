from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from hallmgr.auth import services
from hallmgr.auth.forms import ChangePasswordForm, LoginForm
from hallmgr.auth.policy import allow, public
from hallmgr.auth.roles import Permission
from hallmgr.core.days import utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.web import client_ip, form_error, safe_next
from hallmgr.extensions import db

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(
                form.username.data,
                form.password.data,
                utcnow(),
                max_failures=cfg["LOGIN_MAX_FAILURES"],
                lock_minutes=cfg["LOGIN_LOCK_MINUTES"],
                ip=client_ip(),
            )
        except services.LoginError as error:
            db.session.commit()  # the failure count must persist
            form.password.errors.append(error.message)
            return render_template("auth/login.html", form=form)
        lang = session.get("lang")
        session.clear()  # a fresh session at sign-in: no fixation
        if lang:
            session["lang"] = lang
        login_user(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(Permission.SIGNED_IN, self_service=True)
def logout():
    services.sign_out(current_user._get_current_object(), utcnow())
    db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@allow(Permission.SIGNED_IN, self_service=True)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data, utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            login_user(user)  # this session carries on with the new session version
            flash(_("Your password has been changed. Your other sessions have ended."), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/password.html", form=form)
