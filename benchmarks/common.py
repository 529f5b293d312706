"""What the benchmarks share: the databases of the synthetic province, apps bound to
them, medians of repeated runs, and figures."""

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/hallmgr-bench"))
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hallmgr_bench"
)


def bench_config(url: str):
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench-secret-not-for-production"
        RATELIMIT_ENABLED = False

    return BenchConfig


def make_app(url: str):
    from benchmarks.app import create_app

    return create_app(bench_config(url))


@dataclass
class Database:
    """One built province: its dialect, URL, size and what the generator made."""

    dialect: str
    url: str
    stalls: int
    days: int
    summary: dict = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def label(self) -> str:
        return "SQLite" if self.dialect == "sqlite" else "PostgreSQL"

    def size_bytes(self) -> int:
        if self.dialect == "sqlite":
            path = Path(self.url.removeprefix("sqlite:///"))
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
        finally:
            engine.dispose()


def _pg_url(suffix: str) -> str:
    return PG_URL if not suffix else f"{PG_URL}_{suffix}"


def _recreate_pg(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database
    if not name or not name.replace("_", "").isalnum() or name == "test":
        raise SystemExit(f"refusing to use database {name!r} for benchmarks")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def _migrations_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def _existing(dialect: str, url: str, stalls: int, days: int, today: date) -> Database | None:
    """The province built today at `url` with this many stalls, if it is there."""
    from benchmarks.data import Summary

    if dialect == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            counts = {}
            for name in ("halls", "stalls", "assignments", "payments", "payment_days"):
                counts[name] = conn.scalar(sa.text(f"SELECT COUNT(*) FROM {name}"))  # noqa: S608
            latest = conn.scalar(sa.text("SELECT MAX(business_day) FROM payments"))
            version = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    if isinstance(latest, str):
        latest = date.fromisoformat(latest)
    if counts["stalls"] != stalls or latest is None or (today - latest).days > 1:
        return None
    if version != _migrations_head():  # built before a migration: its schema is not today's
        return None
    note = _note(url)
    if note.exists():
        built = json.loads(note.read_text())
        if built.get("stalls") == stalls:
            return Database(dialect, url, stalls, days, built["summary"], built["build_seconds"])
    summary = Summary(
        halls=counts["halls"],
        stalls=counts["stalls"],
        assignments=counts["assignments"],
        payments=counts["payments"],
        paid_days=counts["payment_days"],
    )
    return Database(dialect, url, stalls, days, vars(summary), 0.0)


def build(
    dialect: str, stalls: int, days: int, today: date, suffix: str = "", reuse: bool = False
) -> Database:
    """A fresh database with the synthetic province (benchmarks.data), migrated to head;
    with `reuse`, one already built there with as many stalls is kept."""
    from flask_migrate import upgrade

    from benchmarks.data import generate
    from hallmgr.extensions import db

    if dialect == "sqlite":
        WORKDIR.mkdir(parents=True, exist_ok=True)
        path = WORKDIR / f"bench{'_' + suffix if suffix else ''}.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = _pg_url(suffix)
    if reuse and (found := _existing(dialect, url, stalls, days, today)) is not None:
        return found
    if dialect == "sqlite":
        for old in WORKDIR.glob(path.name + "*"):
            old.unlink()
    else:
        _recreate_pg(url)
    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        summary = generate(stalls, days, today=today, seed=1)
        db.session.commit()
        db.session.remove()
        if dialect == "postgresql":
            # Production has statistics (autovacuum): give the planner the same.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    database = Database(
        dialect, url, stalls, days, vars(summary), round(time.perf_counter() - started, 1)
    )
    WORKDIR.mkdir(parents=True, exist_ok=True)
    _note(url).write_text(
        json.dumps(
            {
                "stalls": stalls,
                "days": days,
                "dialect": dialect,
                "summary": database.summary,
                "build_seconds": database.build_seconds,
                # The machine is shared: the load while building explains a slow figure.
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
    )
    return database


def build_apart(
    dialect: str, stalls: int, days: int, today: date, suffix: str = "", reuse: bool = False
) -> Database:
    """build() in a process of its own: the generator's gigabytes go with it, so the
    timed benchmarks that follow run in a small process (a big heap makes every garbage
    collection of theirs slower)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(build, (dialect, stalls, days, today), {"suffix": suffix, "reuse": reuse})


def _note(url: str) -> Path:
    """Where build() notes what it made at `url` (generator summary and time)."""
    name = sa.engine.make_url(url).database or "db"
    return WORKDIR / f"built-{Path(name).name}.json"


def median_seconds(work, runs: int, warmup: int = 1) -> tuple[float, list[float]]:
    """The median wall time of `runs` calls of `work` after `warmup` unmeasured ones."""
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def count_statements(engine, work):
    """(statements executed, result) of `work`, savepoints aside."""
    statements = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        result = work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements), result


def figure(
    name: str,
    database: str,
    target: str,
    measured: float,
    unit: str,
    met: bool,
    ratio: float | None = None,
    *,
    retired: bool = False,
    **extra,
) -> dict:
    """One measured figure against its target. A retired target is still measured and
    reported, but no longer counted (nor its miss)."""
    return {
        "benchmark": name,
        "database": database,
        "target": target,
        "measured": round(measured, 4),
        "unit": unit,
        "ratio": None if ratio is None else round(ratio, 3),
        "met": bool(met),
        "retired": retired,
        **extra,
    }
