"""Database settings that money needs.

SQLite: WAL so readers do not block the writer, synchronous=FULL so an acknowledged
payment survives a power cut, a busy timeout, foreign keys on, and every transaction
started with BEGIN IMMEDIATE so concurrent writers queue for the lock instead of
failing half-way with "database is locked".
"""

from flask import Flask
from sqlalchemy import event

from hallmgr.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
