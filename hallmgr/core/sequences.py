"""Gapless numbers taken inside the caller's transaction."""

import sqlalchemy as sa

from hallmgr.core.models import NumberSequence
from hallmgr.extensions import db

# The counter row is created if missing and locked in one statement: ON CONFLICT DO UPDATE
# takes the row lock (PostgreSQL) and leaves the value as it was. The same text on both
# databases, and text (unlike a dialect upsert construct) keeps its compiled form cached.
_LOCK = sa.text(
    "INSERT INTO number_sequences (kind, scope, year, last_value) "
    "VALUES (:seq_kind, :seq_scope, :seq_year, 0) "
    "ON CONFLICT (kind, scope, year) DO UPDATE SET last_value = number_sequences.last_value "
    "RETURNING last_value"
)
_table = NumberSequence.__table__
_TAKE = (
    sa.update(_table)
    .where(
        _table.c.kind == sa.bindparam("seq_kind"),
        _table.c.scope == sa.bindparam("seq_scope"),
        _table.c.year == sa.bindparam("seq_year"),
    )
    .values(last_value=_table.c.last_value + 1)
    .returning(_table.c.last_value)
)


def lock_counter(kind: str, scope: str, year: int) -> None:
    """Lock the counter row of (kind, scope, year) until commit, creating it if missing
    (SQLite: the transaction's write lock, BEGIN IMMEDIATE, already orders the writers)."""
    db.session.execute(_LOCK, {"seq_kind": kind, "seq_scope": scope, "seq_year": year})


def take_number(kind: str, scope: str, year: int) -> int:
    """The next number of a counter that `lock_counter` locked in this transaction."""
    return db.session.execute(
        _TAKE, {"seq_kind": kind, "seq_scope": scope, "seq_year": year}
    ).scalar_one()


def next_number(kind: str, scope: str, year: int) -> int:
    """Take the next number of (kind, scope, year), locking its counter row until commit."""
    lock_counter(kind, scope, year)
    return take_number(kind, scope, year)
