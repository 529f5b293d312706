"""flask commands for set-up, demo data and administration."""

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from hallmgr.auth.roles import Role
from hallmgr.core.backup import backup_command, restore_command
from hallmgr.core.days import market_today, utcnow
from hallmgr.core.deploy import check_deploy_command
from hallmgr.extensions import db

users_cli = AppGroup("users", help="Manage users.")
closures_cli = AppGroup("closures", help="Manage closures.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--halls", default="", help="Hall codes, comma-separated (managers, collectors).")
@click.password_option()
def create_user_command(username, role, full_name, halls, password):
    """Create a user (asks for the password)."""
    from hallmgr.auth.services import create_user
    from hallmgr.core.errors import DomainError
    from hallmgr.halls.models import Hall

    codes = [c.strip().upper() for c in halls.split(",") if c.strip()]
    found = {h.code: h.id for h in db.session.scalars(sa.select(Hall).where(Hall.code.in_(codes)))}
    missing = set(codes) - set(found)
    if missing:
        raise click.ClickException(f"unknown halls: {', '.join(sorted(missing))}")
    try:
        user = create_user(
            None,
            username=username,
            full_name=full_name or username,
            role=role,
            password=password,
            hall_ids=list(found.values()),
            now=utcnow(),
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for.")
def token_command(username, name):
    """Print a new API token for USERNAME (shown once; stored hashed)."""
    from hallmgr.api.services import create_token
    from hallmgr.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username}")
    _token, plain = create_token(user, name, utcnow())
    db.session.commit()
    click.echo(plain)


@closures_cli.command("import-holidays")
@click.argument("year", type=click.IntRange(2000, 2100))
def import_holidays_command(year):
    """Add Indonesia's national holidays and cuti bersama of YEAR as province-wide closures."""
    from hallmgr.halls.services import import_national_holidays

    added = import_national_holidays(None, year, utcnow(), today=market_today())
    db.session.commit()
    click.echo(f"{added} closures added for {year}")


@click.command("load-regions")
@with_appcontext
def load_regions_command():
    """Load the official regions and kecamatan of DKI Jakarta (safe to repeat)."""
    from hallmgr.halls.services import load_regions

    regions, kecamatan = load_regions()
    db.session.commit()
    click.echo(f"{regions} regions, {kecamatan} kecamatan")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo data once (never in production)."""
    from hallmgr.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

    if not current_app.config.get("LOAD_DEMO_DATA"):
        raise click.ClickException("demo data is not loaded in this configuration")
    created = seed_demo()
    db.session.commit()
    if created:
        click.echo("demo data loaded")
    else:
        click.echo("demo data already present; nothing changed")
    click.echo(f"demo sign-ins (password: {DEMO_PASSWORD}):")
    for username, description in DEMO_USERS:
        click.echo(f"  {username:<10} {description}")


def init_commands(app: Flask) -> None:
    from hallmgr.arrears.cli import arrears_command
    from hallmgr.halls.cli import import_cli

    app.cli.add_command(import_cli)
    app.cli.add_command(arrears_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(closures_cli)
    app.cli.add_command(load_regions_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(check_deploy_command)
    for command in (backup_command, restore_command):
        app.cli.add_command(command)
