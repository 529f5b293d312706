"""Error pages in the user's language; a failed request leaves no half-done transaction."""

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError

from hallmgr.core.errors import DomainError
from hallmgr.extensions import db, login_manager


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, code: str, message: str):
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(error):
        return _error(400, "bad_request", _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(
            400,
            "csrf",
            _(
                "The form has expired or was not sent from this site. Reload the page and try again."
            ),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return _error(403, "forbidden", _("You are not allowed to open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, "not_found", _("This page does not exist."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        # A refusal no view turned into a message: a row outside the user's halls (404), say.
        db.session.rollback()
        return _error(error.status_code, error.code, error.message)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error(405, "method_not_allowed", _("This action is not possible here."))

    @app.errorhandler(413)
    def too_large(error):
        return _error(413, "too_large", _("The file is too large."))

    @app.errorhandler(429)
    def too_many_requests(error):
        return _error(
            429,
            "too_many_requests",
            _("Too many attempts from your address. Wait a few minutes and try again."),
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # The connection may be dead: rolling back must not raise in its turn. Dead
        # connections are replaced at checkout once the database is back (core/database.py).
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.invalidate()
        # The page must not ask the database who is signed in: show it as to a visitor.
        g._login_user = login_manager.anonymous_user()
        app.logger.error("database unavailable: %s", str(error).splitlines()[0])
        response = make_response(
            _error(
                503,
                "unavailable",
                _("The database is not reachable right now. Try again shortly."),
            )
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error):
        db.session.rollback()
        app.logger.exception("database error")
        return _error(500, "server_error", _("Something went wrong on our side."))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _error(500, "server_error", _("Something went wrong on our side."))
