"""flask import stalls|businesses FILE: all rows or none, every bad row reported."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from hallmgr.core.days import utcnow
from hallmgr.extensions import db

import_cli = AppGroup("import", help="Import stalls or businesses from CSV files.")


def _read(path: str) -> str:
    """The file's text; refused when larger than IMPORT_MAX_BYTES (read no further) or
    not UTF-8 text."""
    from hallmgr.halls.rules import decode_csv

    limit = current_app.config["IMPORT_MAX_BYTES"]
    with Path(path).open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise click.ClickException(
            f"the file is larger than {limit} bytes (IMPORT_MAX_BYTES): split it"
        )
    text = decode_csv(data)
    if text is None:
        raise click.ClickException("the file is not UTF-8 text: save it as CSV UTF-8")
    return text


def _max_rows() -> int:
    return current_app.config["IMPORT_MAX_ROWS"]


def _report(error) -> None:
    for line, reason in error.problems:
        click.echo(f"line {line}: {reason}", err=True)
    raise click.ClickException(error.message)


@import_cli.command("stalls")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--hall", "hall_code", default="", help="Hall code, when the file has no hall column."
)
def import_stalls_command(path, hall_code):
    """Create the stalls of a CSV file (hall, code, block, class, area_m2, status)."""
    from hallmgr.halls.models import Hall
    from hallmgr.halls.stalls import ImportRejectedError, import_stalls

    hall = None
    if hall_code:
        hall = db.session.scalar(sa.select(Hall).where(Hall.code == hall_code.strip().upper()))
        if hall is None:
            raise click.ClickException(f"unknown hall {hall_code}")
    try:
        created = import_stalls(None, _read(path), utcnow(), hall=hall, max_rows=_max_rows())
    except ImportRejectedError as error:
        db.session.rollback()
        _report(error)
    db.session.commit()
    click.echo(f"{len(created)} stalls imported")


@import_cli.command("businesses")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_businesses_command(path):
    """Register the businesses of a CSV file (name, owner_name, nik, phone, …)."""
    from hallmgr.businesses.services import import_businesses
    from hallmgr.halls.stalls import ImportRejectedError

    try:
        created = import_businesses(None, _read(path), utcnow(), max_rows=_max_rows())
    except ImportRejectedError as error:
        db.session.rollback()
        _report(error)
    db.session.commit()
    click.echo(f"{len(created)} businesses imported")
