"""A real server for the load harness and the HTTP benchmarks.

- `PgCluster`: a throwaway PostgreSQL cluster of our own (initdb into a temporary
  directory, run as the `postgres` OS user, on a free loopback port), so the fault run can
  restart *it* and never the shared server.
- `prepare(url)`: an empty database at `url`, migrated to head, with halls, stalls,
  occupied assignments, collectors and their API tokens.
- `Gunicorn`: the app under gunicorn with several sync workers on 127.0.0.1 and a free port.
- `cpu_snapshot`: CPU seconds used so far by the app's workers, by PostgreSQL and by the
  whole machine, so a phase's CPU per answered request can be told apart.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "load-harness-secret-key-0123456789abcdef0123456789abcdef"
PASSWORD = "load-harness-password-1"
RATE = 3000  # rupiah a day for every stall of the harness


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


# --- a throwaway PostgreSQL cluster -------------------------------------------------------


def pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return str(Path(found[-1]).parent) if found else None


class PgCluster:
    """initdb + pg_ctl on a free port; `restart()` stops and starts only this cluster."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.dir = Path(tempfile.mkdtemp(prefix="hallmgr-load-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        self._psql_create("load")

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [f"{self.bindir}/{tool}", *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self._as_postgres else cmd

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(self._cmd(tool, *args), check=True, capture_output=True, cwd=self.dir)

    def _psql_create(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def url(self, name: str = "load", driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self, down_seconds: float) -> None:
        """Stop (fast: open connections are cut), stay away a while, start again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the database: empty, migrated, seeded -----------------------------------------------


@dataclass
class Seed:
    """What the clients need: per hall its stalls and its collectors' tokens."""

    halls: dict[str, dict] = field(default_factory=dict)  # code -> {"stalls", "tokens"}
    first_day: date | None = None
    today: date | None = None
    rate: int = RATE
    reader: str = ""  # a user who may read every hall (for the receipt PDFs)
    reader_token: str = ""
    cursor: dict = field(default_factory=dict)  # the harness's next unpaid day per stall


def _app(url: str):
    from config import ProductionConfig
    from hallmgr import create_app

    class Config(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "load-harness-secret-key-0123456789abcdef0123456789abcdef"
        RATELIMIT_ENABLED = False

    return create_app(Config)


def reset(url: str) -> None:
    """An empty database at `url` (PostgreSQL: the public schema anew; SQLite: no file)."""
    import sqlalchemy as sa

    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def prepare(url: str, halls: int, stalls_per_hall: int, collectors_per_hall: int) -> Seed:
    """Empty the database at `url`, migrate it, and seed occupied halls with collectors."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from hallmgr.api.services import create_token
    from hallmgr.auth.services import hash_password
    from hallmgr.core.days import market_today, utcnow
    from hallmgr.extensions import db
    from hallmgr.halls.services import load_regions
    from hallmgr.models import Assignment, Business, Hall, StallClass, Tariff, User

    reset(url)
    app = _app(url)
    seed = Seed()
    with app.app_context():
        upgrade()
        load_regions()
        now = utcnow()
        seed.today = market_today()
        seed.first_day = seed.today - timedelta(days=90)
        password_hash = hash_password(PASSWORD)
        cls = StallClass(code="load", name="Load")
        db.session.add(cls)
        db.session.flush()
        db.session.add(
            Tariff(
                stall_class_id=cls.id,
                effective_from=date(2020, 1, 1),
                daily_rate=RATE,
                regulation="Pergub uji beban",
            )
        )
        manager = User(
            username="load-office",
            full_name="Load Office",
            role="office",
            password_hash=password_hash,
            active=True,
            failed_logins=0,
            session_version=1,
        )
        db.session.add(manager)
        db.session.flush()
        seed.reader = manager.username
        seed.reader_token = create_token(manager, "load", now)[1]
        stall_table = db.metadata.tables["stalls"]
        n = 0
        for h in range(halls):
            code = f"LD{h + 1:02d}"
            hall = Hall(
                code=code,
                name=f"Sentra Uji {code}",
                region_code="31.71",
                kecamatan_code="31.71.07",
                address="Jl. Uji Beban No. 1",
                open_days=0b1111111,
                status="active",
            )
            db.session.add(hall)
            db.session.flush()
            stall_codes = [f"A-{s + 1:03d}" for s in range(stalls_per_hall)]
            db.session.execute(
                stall_table.insert(),
                [
                    {
                        "hall_id": hall.id,
                        "code": c,
                        "block": "A",
                        "stall_class_id": cls.id,
                        "status": "available",
                    }
                    for c in stall_codes
                ],
            )
            stall_ids = db.session.scalars(
                sa.select(stall_table.c.id)
                .where(stall_table.c.hall_id == hall.id)
                .order_by(stall_table.c.id)
            ).all()
            for stall_id in stall_ids:
                n += 1
                business = Business(
                    name=f"Warung Uji {n}",
                    owner_name="Siti Rahayu",
                    nik=f"31710717{n:08d}",
                    phone="081234567890",
                    status="active",
                )
                db.session.add(business)
                db.session.flush()
                db.session.add(
                    Assignment(
                        stall_id=stall_id,
                        business_id=business.id,
                        start_date=seed.first_day,
                        end_date=None,
                        decided_by_id=manager.id,
                    )
                )
            tokens = []
            for c in range(collectors_per_hall):
                user = User(
                    username=f"load-{code.lower()}-{c + 1}",
                    full_name=f"Kolektor {code} {c + 1}",
                    role="collector",
                    password_hash=password_hash,
                    active=True,
                    failed_logins=0,
                    session_version=1,
                    halls=[hall],
                )
                db.session.add(user)
                db.session.flush()
                tokens.append(create_token(user, "load", now)[1])
            seed.halls[code] = {"stalls": stall_codes, "tokens": tokens}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seed


def settle(url: str) -> None:
    """Let the database finish its background work before a measurement: PostgreSQL
    gathers the statistics autovacuum would gather later (VACUUM ANALYZE) and writes its
    dirty pages (CHECKPOINT); SQLite moves its write-ahead log into the database file.
    Otherwise that work lands in whichever timed phase happens to run next."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                conn.exec_driver_sql("VACUUM ANALYZE")
                conn.exec_driver_sql("CHECKPOINT")
    finally:
        engine.dispose()


# --- CPU accounting ----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> tuple[str, list[str]] | None:
    """(command name, the fields after it) of /proc/<pid>/stat; None if it is gone. The
    fields after the name start at the state: [1] is the parent's pid, [11] and [12] the
    user and system CPU in clock ticks."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()


def _pids() -> list[int]:
    return [int(Path(stat).parent.name) for stat in glob.glob("/proc/[0-9]*/stat")]


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / _TICK


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process so far (0 if it is gone)."""
    stat = _stat_fields(pid)
    return _cpu_seconds(stat[1]) if stat else 0.0


def cpu_snapshot(app_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far: `app` (the given processes), `database` (every process named
    postgres: the server and its backends), `machine` (every CPU busy, from /proc/stat,
    the clients and the kernel included) and `steal` (time the hypervisor gave to others).

    A process that ends between two snapshots takes its CPU with it (gunicorn's workers
    and the backends of their pooled connections live through a phase)."""
    database = 0.0
    for pid in _pids():
        stat = _stat_fields(pid)
        if stat and stat[0] == "postgres":
            database += _cpu_seconds(stat[1])
    with open("/proc/stat") as f:
        ticks = [int(n) for n in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice (guest is in user)
    idle, steal = ticks[3] + ticks[4], ticks[7] if len(ticks) > 7 else 0
    return {
        "app": sum(process_cpu_seconds(pid) for pid in app_pids),
        "database": database,
        "machine": (sum(ticks[:8]) - idle - steal) / _TICK,
        "steal": steal / _TICK,
        "wall": time.monotonic(),
    }


def cpu_per_request(
    before: dict, after: dict, requests: int, cpus: int | None = None
) -> dict[str, float]:
    """Milliseconds of CPU per answered request between two snapshots, by part; `other` is
    the machine's rest (the load clients, the kernel's network work, anything else), and
    `busy` the share of the machine's CPUs that were busy meanwhile (1.0: all of them)."""
    parts = ("app", "database", "machine", "steal")
    cpus = cpus or os.cpu_count() or 1
    wall = after["wall"] - before["wall"]
    busy = (after["machine"] - before["machine"]) / (wall * cpus) if wall > 0 else float("nan")
    if requests <= 0:
        return {key: float("nan") for key in (*parts, "other")} | {"busy": busy}
    out = {key: (after[key] - before[key]) * 1000 / requests for key in parts}
    out["other"] = out["machine"] - out["app"] - out["database"]
    out["busy"] = busy
    return out


# --- gunicorn ----------------------------------------------------------------------------


class Gunicorn:
    """The app under gunicorn (sync workers) on 127.0.0.1, on a database URL."""

    def __init__(self, url: str, workers: int = 4, log: Path | None = None) -> None:
        self.port = free_port()
        self.log_path = log or Path(tempfile.mkstemp(prefix="hallmgr-gunicorn-", suffix=".log")[1])
        self.instance = tempfile.mkdtemp(prefix="hallmgr-load-instance-")
        env = dict(
            os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY, HALLMGR_INSTANCE=self.instance
        )
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "512",
                "hallmgr:create_app('config.ProductionConfig')",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if not self._ready(60):
            self.stop()
            raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def _ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not _wait_port(self.port, timeout):
            return False
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (no process names involved)."""
        pids = []
        for pid in _pids():
            stat = _stat_fields(pid)
            if stat and int(stat[1][1]) == self.proc.pid:
                pids.append(pid)
        return sorted(pids)

    def kill_worker(self) -> int | None:
        pids = self.worker_pids()
        if not pids:
            return None
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, keep_log: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.instance, ignore_errors=True)
        if not keep_log:
            self.log_path.unlink(missing_ok=True)
