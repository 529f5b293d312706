"""`flask backup FILE` and `flask restore FILE`: a consistent copy while the app runs.

SQLite: the sqlite3 online backup API copies the database page by page under one read
lock, so the copy is one committed state even while collectors keep paying.
PostgreSQL: `pg_dump --format=custom` reads everything in one snapshot. Its restore runs
in a single transaction (`pg_restore` to SQL, then `psql --single-transaction`): the
database is either replaced whole or left as it was. Stop the app before a restore.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


def has_data(engine: Engine) -> bool:
    """Whether any table but Alembic's version marker holds a row."""
    names = [n for n in sa.inspect(engine).get_table_names() if n != "alembic_version"]
    with engine.connect() as conn:
        for name in names:
            if conn.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first():
                return True
    return False


def backup_database(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database to target (which must not exist yet)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    partial = target.with_name(target.name + ".part")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), partial)
        elif engine.dialect.name == "postgresql":
            env, dsn = _libpq(engine.url)
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", dsn], env)
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore_database(engine: Engine, source: Path, *, force: bool = False) -> None:
    """Replace the database with a backup; a database holding data only with force."""
    source = Path(source)
    head = source.read_bytes()[:16] if source.stat().st_size else b""
    dialect = engine.dialect.name
    if dialect == "sqlite" and not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{source} is not a backup of a SQLite database")
    if dialect == "postgresql" and not head.startswith(PG_DUMP_MAGIC):
        raise BackupError(f"{source} is not a pg_dump backup (custom format)")
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"restoring {dialect} databases is not supported")
    if has_data(engine) and not force:
        raise BackupError(
            "the database holds data; restoring would replace all of it. "
            "Run again with --force to do so."
        )
    engine.dispose()  # no pooled connection may keep the old state open
    if dialect == "sqlite":
        _sqlite_restore(source, _sqlite_path(engine.url))
    else:
        _pg_restore(source, engine.url)
    engine.dispose()


def _sqlite_path(url: URL) -> str:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return url.database


def _sqlite_backup(database: str, target: Path) -> None:
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent state
        # The copy is one self-contained file, whatever journal mode the live database uses.
        copy.execute("PRAGMA journal_mode = DELETE")
        copy.commit()
    finally:
        copy.close()
        source.close()
    check = sqlite3.connect(target)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed its integrity check")
    finally:
        check.close()


def _sqlite_restore(source: Path, database: str) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(database, timeout=30)
    try:
        backup.backup(live)
    finally:
        live.close()
        backup.close()


def _pg_restore(source: Path, url: URL) -> None:
    env, dsn = _libpq(url)
    with tempfile.TemporaryDirectory(prefix="hallmgr-restore-") as tmp:
        script = Path(tmp) / "restore.sql"
        # The backup as SQL first: a broken file stops here, before the database is touched.
        _run([_tool("pg_restore"), "--no-owner", "--no-acl", f"--file={script}", str(source)], env)
        _run(
            [
                _tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--command=DROP SCHEMA IF EXISTS public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={script}",
                dsn,
            ],
            env,
        )


def _libpq(url: URL) -> tuple[dict, str]:
    """Environment and connection string for the PostgreSQL tools; the password via env."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return env, dsn


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's major version or newer"
        )
    return path


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.returncode}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write a consistent copy of the database to FILE (safe while the app runs)."""
    from hallmgr.extensions import db

    try:
        backup_database(db.engine, file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {file} ({file.stat().st_size} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore_command(file: Path, force: bool):
    """Replace the database with the backup in FILE (stop the app first)."""
    from hallmgr.extensions import db

    db.session.remove()
    try:
        restore_database(db.engine, file, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"database restored from {file}")
