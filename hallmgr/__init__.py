"""hallmgr: stalls and daily retribution for Jakarta's UMKM market halls."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class=None) -> Flask:
    if config_class is None:
        from config import DevelopmentConfig

        config_class = DevelopmentConfig
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (environment variable SECRET_KEY)")
    register_extensions(app)
    register_database_settings(app)
    register_i18n(app)
    register_auth(app)
    register_blueprints(app)
    register_security(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from hallmgr import models  # noqa: F401  (the whole schema for Alembic)
    from hallmgr.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)


def register_database_settings(app: Flask) -> None:
    from hallmgr.core.database import configure_engine_events

    with app.app_context():
        configure_engine_events(app)


def register_i18n(app: Flask) -> None:
    from hallmgr.core.i18n import init_i18n

    init_i18n(app)


def register_auth(app: Flask) -> None:
    from hallmgr.auth.policy import init_policy

    init_policy(app)


# Each feature's views module exposes `bp`; one line per blueprint.
BLUEPRINTS = (
    "hallmgr.core.views",
    "hallmgr.auth.views",
    "hallmgr.admin.views",
    "hallmgr.audit.views",
    "hallmgr.api.views",
    "hallmgr.api.tokens",
    "hallmgr.halls.views",
    "hallmgr.businesses.views",
    "hallmgr.assignments.views",
    "hallmgr.collection.views",
    "hallmgr.collection.links",
    "hallmgr.arrears.views",
    "hallmgr.reports.views",
)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from hallmgr.core.web import DayConverter

    # Before any route: a rule's converters are looked up when it is added.
    app.url_map.converters["day"] = DayConverter
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)


def register_security(app: Flask) -> None:
    from hallmgr.core.security import init_security

    init_security(app)


def register_errorhandlers(app: Flask) -> None:
    from hallmgr.core.errorhandlers import init_error_handlers

    init_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from hallmgr.core.templating import init_templating

    init_templating(app)


def register_commands(app: Flask) -> None:
    from hallmgr.cli import init_commands

    init_commands(app)
