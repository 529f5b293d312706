"""Database settings that money needs.

SQLite: WAL so readers do not block the writer, synchronous=FULL so an acknowledged
payment survives a power cut, a busy timeout, foreign keys on, and every write
transaction started with BEGIN IMMEDIATE so concurrent writers queue for the lock
instead of failing half-way with "database is locked".

How a transaction starts on SQLite, decided when it begins:

- write (the default: POST and other writing requests, the CLI, scripts): BEGIN IMMEDIATE.
- read (GET/HEAD/OPTIONS requests): a deferred BEGIN, one snapshot for the whole page,
  without the write lock. A write statement in it is refused (it would have to upgrade a
  read snapshot to a write, which SQLite answers with SQLITE_BUSY_SNAPSHOT under load).
  An `@autocommit_read` view's reads go without BEGIN, each its own snapshot (still no
  write allowed).
- late (a writing view marked with `@write_lock_late`): no BEGIN while it only reads
  (each read is its own short transaction: a token check, a lookup), then
  `begin_write()` sends BEGIN IMMEDIATE before its first read that the write depends on.
  Writing before `begin_write()` is refused, so every write transaction still took the
  write lock at its start; only the lookups before it run outside the lock.

Writers queue on a file lock before BEGIN IMMEDIATE (`<database>.writelock`, one open
file per connection): SQLite's own busy handler polls with growing sleeps (up to 100 ms),
so under load the write lock would sit free while every waiter sleeps. The file lock is
only a queue: BEGIN IMMEDIATE and the busy timeout still guard the database.

PostgreSQL is unchanged: row locks (SELECT … FOR UPDATE, UPDATE) order the writers.

A GET view marked `@autocommit_read` (a few independent reads: the receipt PDF) runs its
statements without BEGIN and ROLLBACK (on PostgreSQL two round trips).

PostgreSQL connections the server has dropped (a restart, a terminated backend) are found
when they leave the pool, without a round trip: a server that ends a session sends its
FATAL message and closes the socket, so an idle connection with anything to read is dead
and is replaced before the request uses it (`pool_pre_ping` sent a SELECT 1 for this on
every checkout). A connection that dies while in use fails its statement as before:
SQLAlchemy invalidates it and the request answers 503.
"""

import fcntl
import os
import re
import select
import time

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event, exc

from hallmgr.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000

WRITE, READ, LATE, AUTOCOMMIT = "write", "read", "late", "autocommit"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MODE = "hallmgr_begin_mode"
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class ReadTransactionWriteError(RuntimeError):
    """A write in a transaction that began without the write lock."""


def write_lock_late(view):
    """Mark a writing view whose transaction begins at `begin_write()` (SQLite)."""
    view.write_lock_late = True
    return view


def autocommit_read(view):
    """Mark a GET view of a few independent reads (no lock, no server-side cursor): its
    statements, the sign-in's included, run each on its own, without BEGIN and ROLLBACK
    (PostgreSQL: two round trips). Under READ COMMITTED each statement of a transaction
    reads its own snapshot anyway; on SQLite a write is still refused."""
    view.autocommit_read = True
    return view


def writes_on_get(view):
    """Mark a view that writes although reached by GET: it keeps BEGIN IMMEDIATE."""
    view.writes_on_get = True
    return view


def _request_mode() -> str:
    if not has_request_context():
        return WRITE
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.method in READ_METHODS:
        if getattr(view, "writes_on_get", False):
            return WRITE
        return AUTOCOMMIT if getattr(view, "autocommit_read", False) else READ
    return LATE if getattr(view, "write_lock_late", False) else WRITE


_QUEUE = "hallmgr_write_queue"  # (file descriptor, held) of a connection's file lock
_QUEUE_POLL_S = 0.0005


def _queue_for_write(info) -> None:
    """Wait for the writers' file lock (bounded by the busy timeout, then SQLite decides)."""
    queue = info.get(_QUEUE)
    if queue is None or queue[1]:
        return
    fd = queue[0]
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(_QUEUE_POLL_S)
        else:
            info[_QUEUE] = (fd, True)
            return


def _leave_queue(info) -> None:
    queue = info.get(_QUEUE)
    if queue is not None and queue[1]:
        fcntl.flock(queue[0], fcntl.LOCK_UN)
        info[_QUEUE] = (queue[0], False)


def begin_write() -> None:
    """The transaction is about to read what it will write on: take the write lock now.

    A no-op on PostgreSQL and wherever the transaction already began with BEGIN IMMEDIATE.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or connection.info.get(_MODE, WRITE) == WRITE:
        return
    if connection.info[_MODE] != LATE or connection.connection.dbapi_connection.in_transaction:
        raise ReadTransactionWriteError("a read transaction cannot become a write transaction")
    _queue_for_write(connection.info)
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.info[_MODE] = WRITE


def server_hung_up(dbapi_connection) -> bool:
    """An idle PostgreSQL connection is dead: closed, broken, or the server has sent
    something on it (an idle session in good health has nothing to read). A poll of the
    socket, no round trip."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def configure_engine_events(app: Flask) -> None:
    engine = db.engine
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "checkout")
        def _pg_alive(dbapi_connection, _record, _proxy):
            # The pool replaces the connection and checks out again.
            if server_hung_up(dbapi_connection):
                raise exc.DisconnectionError("the server closed this pooled connection")

        @event.listens_for(engine, "begin")
        def _pg_begin(connection):
            # psycopg sends BEGIN with the first statement: nothing has been sent yet.
            dbapi_connection = connection.connection.dbapi_connection
            idle = dbapi_connection.info.transaction_status.name == "IDLE"
            if idle and _request_mode() == AUTOCOMMIT:
                dbapi_connection.autocommit = True

        @event.listens_for(engine, "checkin")
        def _pg_checkin(dbapi_connection, record):
            # Every other use of the connection is one transaction again.
            if dbapi_connection is not None and dbapi_connection.autocommit:
                try:
                    dbapi_connection.autocommit = False
                except Exception:  # a broken connection: never hand it out in autocommit
                    record.invalidate()

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            fd = os.open(f"{engine.url.database}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            record.info[_QUEUE] = (fd, False)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        mode = _request_mode()
        connection.info[_MODE] = mode
        if mode == WRITE:
            _queue_for_write(connection.info)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif mode == READ:  # AUTOCOMMIT and LATE: no BEGIN
            connection.exec_driver_sql("BEGIN")

    # The transaction has ended (committed or rolled back) when the connection goes back.
    @event.listens_for(engine, "checkin")
    def _sqlite_checkin(_dbapi_connection, record):
        _leave_queue(record.info)

    @event.listens_for(engine, "close")
    def _sqlite_close(_dbapi_connection, record):
        queue = record.info.pop(_QUEUE, None)
        if queue is not None:
            os.close(queue[0])  # also lets go of the lock

    @event.listens_for(engine, "before_cursor_execute")
    def _sqlite_no_write_without_lock(connection, _cursor, statement, *_args):
        # The connection's own mode, and the request's: tests share one connection that
        # began outside any request, and a GET view's write must be caught there too.
        mode = connection.info.get(_MODE, WRITE)
        if mode == WRITE and not (has_request_context() and request.method in READ_METHODS):
            return
        if not _WRITES.match(statement) or (mode == WRITE and _request_mode() == WRITE):
            return
        raise ReadTransactionWriteError(
            "write without the write lock: mark the view or call begin_write() first"
        )
