"""Small helpers shared by views."""

from datetime import date
from urllib.parse import urlsplit

from flask import flash, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from hallmgr.core.days import DayError, parse_day
from hallmgr.core.errors import DomainError


def client_ip() -> str:
    return (request.remote_addr or "")[:45]


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def form_error(form, error: DomainError) -> None:
    """Show a domain error on its field, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


class DayConverter(BaseConverter):
    """`<day:name>` in a route: a YYYY-MM-DD day from 2000 to 2099, given to the view as
    a date. Any other path does not match, so it answers 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            return parse_day(value)
        except DayError:
            raise ValidationError() from None

    def to_url(self, value: date) -> str:
        return value.isoformat()


def day_arg(name: str, default: date | None) -> date | None:
    """The day in the query string's `name`, or `default` when it is absent; a bad one is
    said in a flashed message and replaced by the default."""
    value = request.args.get(name, "")
    if not value:
        return default
    try:
        return parse_day(value)
    except DayError as error:
        if default is None:
            flash(error.message, "warning")
        else:
            flash(
                _("%(problem)s Showing %(day)s.", problem=error.message, day=default.isoformat()),
                "warning",
            )
        return default
