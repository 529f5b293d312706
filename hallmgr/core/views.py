from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from hallmgr.auth.policy import ALL_ROLES, allow, public
from hallmgr.core.web import safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@allow(*ALL_ROLES)
def home():
    return render_template("core/home.html", user=current_user)


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    """Switch the language and come back to the same page."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("core.home"))
