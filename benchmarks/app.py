"""The product's app with the benchmarks' command added, for development only:
`flask --app benchmarks.app bench-data --stalls 200 --days 30` fills the empty database
of DATABASE_URL (migrated first: `flask --app benchmarks.app db upgrade`) with a
synthetic province. The product's create_app knows nothing of it."""

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext


@click.command("bench-data")
@click.option("--stalls", type=click.IntRange(1, 2_000_000), default=10_000, show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
def bench_data_command(stalls, days, seed):
    """Fill an empty database with a synthetic province for benchmarks."""
    from benchmarks.data import generate
    from hallmgr.core.days import market_today
    from hallmgr.extensions import db
    from hallmgr.halls.models import Hall

    if db.session.scalar(sa.select(sa.func.count()).select_from(Hall)):
        raise click.ClickException("the database already has halls; use an empty one")
    summary = generate(stalls, days, today=market_today(), seed=seed)
    db.session.commit()
    click.echo(
        f"{summary.halls} halls, {summary.stalls} stalls, {summary.assignments} assignments, "
        f"{summary.due_days} due days, {summary.payments} payments, {summary.paid_days} paid days"
    )


def create_app(config_class=None) -> Flask:
    from hallmgr import create_app as create_product_app

    app = create_product_app(config_class)
    app.cli.add_command(bench_data_command)
    return app
