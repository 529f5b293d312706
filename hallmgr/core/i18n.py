"""Language: Indonesian by default, English on request; the choice lives in the session."""

from pathlib import Path

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime

from hallmgr.extensions import babel

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def translation_directories() -> str:
    """The core catalogue and one per feature package that has its own."""
    dirs = [PACKAGE_DIR / "translations", *sorted(PACKAGE_DIR.glob("*/translations"))]
    return ";".join(str(d) for d in dirs)


def select_locale() -> str:
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    babel.init_app(app, locale_selector=select_locale)


def format_day(day, style: str = "medium") -> str:
    """A date in the user's language: '17 Agu 2026' / 'Aug 17, 2026'."""
    if day is None:
        return ""
    return babel_format_date(day, style)


def format_moment(moment, style: str = "medium") -> str:
    """A timestamp shown in WIB, in the user's language."""
    if moment is None:
        return ""
    return babel_format_datetime(moment, style)
