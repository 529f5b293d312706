"""Gapless numbers taken inside the caller's transaction."""

import sqlalchemy as sa

from hallmgr.core.models import NumberSequence
from hallmgr.extensions import db


def next_number(kind: str, scope: str, year: int) -> int:
    """Take the next number of (kind, scope, year), locking its counter row until commit."""
    session = db.session
    # Make sure the row exists; a concurrent insert of the same row is harmless.
    dialect = session.get_bind().dialect.name
    table = NumberSequence.__table__
    values = {"kind": kind, "scope": scope, "year": year, "last_value": 0}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())
    # UPDATE … RETURNING takes the row lock (PostgreSQL) or runs under the
    # transaction's write lock (SQLite, BEGIN IMMEDIATE) before reading the value.
    value = session.execute(
        sa.update(table)
        .where(table.c.kind == kind, table.c.scope == scope, table.c.year == year)
        .values(last_value=table.c.last_value + 1)
        .returning(table.c.last_value)
    ).scalar_one()
    return value
