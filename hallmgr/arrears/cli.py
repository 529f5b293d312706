"""`flask arrears`: the arrears list as CSV (to stdout by default) or PDF."""

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from hallmgr.arrears import services
from hallmgr.core.days import utcnow
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region


@click.command("arrears")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--region", default=None, help="Region code, e.g. 31.71.")
@click.option("--hall", default=None, help="Hall code, e.g. JP01.")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@with_appcontext
def arrears_command(as_of, region, hall, fmt, output):
    """Write the arrears list as of a date (CSV to stdout when no file is given)."""
    from hallmgr.arrears.export import csv_header, csv_rows, list_header
    from hallmgr.reports.csv import iter_csv

    as_of = as_of.date()
    if region and db.session.get(Region, region) is None:
        raise click.ClickException(f"unknown region: {region}")
    if hall and db.session.scalar(sa.select(Hall.id).where(Hall.code == hall)) is None:
        raise click.ClickException(f"unknown hall: {hall}")
    flt = services.ArrearsFilter(region=region, hall=hall)
    rows = services.iter_arrears_rows(as_of, services.thresholds_from(current_app.config), flt)
    if fmt == "csv":
        lines = iter_csv(csv_header(), csv_rows(rows))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(lines)
        else:
            for line in lines:
                click.echo(line, nl=False)
        return
    from hallmgr.arrears.pdf import render_arrears_list
    from hallmgr.core.i18n import format_day

    described = [
        (_("As of"), format_day(as_of)),
        (_("Region"), region or _("all")),
        (_("Hall"), hall or _("all")),
    ]
    header = list_header(
        current_app.config["ISSUER_NAME"], as_of, described, "flask arrears", utcnow()
    )
    data = render_arrears_list(rows, header)
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
    else:
        sys.stdout.buffer.write(data)
