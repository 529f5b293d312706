import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from hallmgr.auth.policy import allow, public
from hallmgr.auth.roles import Permission
from hallmgr.core.web import safe_next
from hallmgr.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
@allow(Permission.SIGNED_IN)
def home():
    return render_template("core/home.html", user=current_user)


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    """Switch the language and come back to the same page."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("core.home"))


PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/healthz")
@public
def healthz():
    """Liveness: the process answers. Touches nothing else (the database is /readyz's)."""
    return "ok", 200, PLAIN


@bp.route("/readyz")
@public
def readyz():
    """Readiness for deploy health checks: the database answers a trivial SELECT.

    A database that is away answers 503 through the error handler.
    """
    db.session.execute(sa.text("SELECT 1"))
    return "ok", 200, PLAIN
