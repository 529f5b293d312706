"""`flask check-deploy`: what in the running configuration is unsafe for production."""

from collections.abc import Mapping

import click
from flask import current_app
from flask.cli import with_appcontext
from flask.helpers import get_debug_flag
from sqlalchemy.engine import make_url

MIN_SECRET_KEY_LENGTH = 32
# Secrets that appear in code, docs or tutorials: anyone could sign sessions with them.
KNOWN_SECRET_KEYS = frozenset(
    {
        "test-secret-key-not-for-production",
        "dev",
        "secret",
        "changeme",
        "change-me",
        "secret-key",
        "super-secret",
    }
)


def deploy_problems(config: Mapping, *, debug: bool = False) -> list[str]:
    """Every setting that makes this configuration unsafe to serve, one sentence each."""
    problems = []
    if debug or config.get("DEBUG"):
        problems.append("DEBUG is on: tracebacks and the debugger are exposed")
    if config.get("TESTING"):
        problems.append("TESTING is on")
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append("SECRET_KEY is not set")
    elif secret in KNOWN_SECRET_KEYS:
        problems.append("SECRET_KEY is a published default: anyone can forge sessions")
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    url = make_url(config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://")
    if url.get_backend_name() == "sqlite":
        problems.append("the database is SQLite: use PostgreSQL (DATABASE_URL) in production")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off: the session cookie is sent over HTTP")
    if not config.get("REMEMBER_COOKIE_SECURE"):
        problems.append("REMEMBER_COOKIE_SECURE is off")
    if not config.get("WTF_CSRF_ENABLED", True):
        problems.append("CSRF protection is off (WTF_CSRF_ENABLED)")
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append("sign-in throttling is off (RATELIMIT_ENABLED)")
    elif (config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        problems.append(
            "RATELIMIT_STORAGE_URI is in memory: each worker counts alone; use redis://"
        )
    if config.get("LOAD_DEMO_DATA"):
        problems.append("LOAD_DEMO_DATA is on: demo users with a published password")
    if not str(config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        problems.append("PUBLIC_BASE_URL (HALLMGR_PUBLIC_URL) is not an https:// address")
    return problems


@click.command("check-deploy")
@with_appcontext
def check_deploy_command():
    """List what is unsafe in this configuration; exit 1 when anything is."""
    # FLASK_DEBUG (or --debug) switches the debugger on for `flask run`.
    problems = deploy_problems(current_app.config, debug=current_app.debug or get_debug_flag())
    for problem in problems:
        click.echo(f"UNSAFE: {problem}")
    if problems:
        raise click.exceptions.Exit(1)
    click.echo("No unsafe setting found.")
