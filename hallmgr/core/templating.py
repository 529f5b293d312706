"""Template filters: templates format values, they never compute them."""

from flask import Flask, request
from flask_babel import get_locale

from hallmgr.auth.roles import Permission
from hallmgr.core import labels
from hallmgr.core.days import market_today
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["rupiah"] = format_rupiah
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "current_path": request.full_path.rstrip("?") if request else "/",
            "market_today": market_today,
            "Permission": Permission,
            "labels": labels,
        }
