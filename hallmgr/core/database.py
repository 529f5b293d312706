"""Database settings that money needs.

SQLite: WAL so readers do not block the writer, synchronous=FULL so an acknowledged
payment survives a power cut, a busy timeout, and foreign keys on. A transaction begins
when the session first uses its connection:

- writing requests (POST and the other non-read methods), the CLI and scripts:
  BEGIN IMMEDIATE, so concurrent writers queue for the write lock (up to the busy
  timeout) at the start instead of failing half-way with "database is locked";
- read requests (GET/HEAD/OPTIONS): a deferred BEGIN, one snapshot for the whole page
  without the write lock, so a long report never holds up a payment. A write statement
  there is refused: SQLite would have to upgrade the read to a write, which fails with
  "database is locked" when another writer got in first — a GET must not write anyway.

PostgreSQL: row locks (SELECT … FOR UPDATE, UPDATE) order the writers; a pooled
connection the server dropped (a restart, a terminated backend) is found at checkout by
the pool's pre-ping and replaced (config.py).
"""

import re

from flask import Flask, has_request_context, request
from sqlalchemy import event

from hallmgr.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class ReadRequestWriteError(RuntimeError):
    """A write statement during a GET, HEAD or OPTIONS request."""


def _read_request() -> bool:
    return has_request_context() and request.method in READ_METHODS


def configure_engine_events(app: Flask) -> None:
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN" if _read_request() else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _sqlite_no_write_on_read(_connection, _cursor, statement, *_args):
        # Checked on the request, not the connection: the test suite's shared connection
        # began outside any request, and a GET view's write must be caught there too.
        if _read_request() and _WRITES.match(statement):
            raise ReadRequestWriteError(f"a {request.method} request may not write")
