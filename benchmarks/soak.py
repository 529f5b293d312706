"""Load and fault harness (issue 9): the app under gunicorn, many clients, faults, counts.

    python -m benchmarks.soak [--short] [--db sqlite|postgresql|both]

On each database it starts gunicorn (4 sync workers) on a fresh database and runs:

  a. same-day   40 clients pay the same stall-day at once: one 201, 39 × 409 naming it.
  b. same-key   40 clients send one idempotency key: one payment, one receipt number.
  c. load       thousands of payments over many stalls from 32 clients with random
                client-side retries (same key), while a gunicorn worker is killed with
                SIGKILL and (PostgreSQL) the database server is restarted.

Then it reads the database itself and checks: every acknowledged receipt is there with its
amount, none twice, receipt numbers per hall gapless, no payment half-written (its days sum
to its amount), totals equal the acknowledged sum; that the app answered 503 with a JSON
error while PostgreSQL was away, and recovered by itself. Exits 1 if any check fails.

PostgreSQL runs in a throwaway cluster of its own (benchmarks.server.PgCluster), never the
shared server; without PostgreSQL binaries, SOAK_PG_URL names a database it may empty, and
the restart fault is skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from benchmarks import server
from benchmarks.driver import Unreachable, pay, request

WORKERS = 4
CROWD = 40
CLIENTS = 32
JOB_DEADLINE = 120.0  # seconds a client keeps retrying one payment


@dataclass
class Result:
    scenario: str
    db: str
    sent: int = 0  # payments attempted (distinct idempotency keys)
    requests: int = 0
    acknowledged: int = 0
    in_db: int = 0
    lost: int = 0
    doubled: int = 0
    gaps: int = 0
    half_written: int = 0
    unavailable: int = 0  # 503 answers carrying the JSON error
    unreachable: int = 0  # no answer (worker killed, connection cut)
    errors: int = 0
    notes: list[str] = field(default_factory=list)

    def fail(self, note: str) -> None:
        self.errors += 1
        if len(self.notes) < 8:
            self.notes.append(note)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.gaps or self.half_written or self.errors)


@dataclass
class Job:
    key: str
    token: str
    hall: str
    stall: str
    dates: list[str]
    amount: int
    receipt: str | None = None


# --- reading the database ----------------------------------------------------------------


def db_payments(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """
                SELECT p.receipt_number, h.code AS hall, p.year, p.seq, p.amount,
                       k."key" AS idempotency_key, p.collector_id, s.code AS stall,
                       (SELECT COALESCE(SUM(d.rate), 0) FROM payment_days d
                         WHERE d.payment_id = p.id) AS days_sum,
                       (SELECT COUNT(*) FROM payment_days d
                         WHERE d.payment_id = p.id) AS days
                FROM payments p
                JOIN halls h ON h.id = p.hall_id
                JOIN stalls s ON s.id = p.stall_id
                LEFT JOIN idempotency_records k ON k.payment_id = p.id
                """
            )
        ).mappings()
        result = [dict(r) for r in rows]
        doubled_days = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT stall_id, day FROM payment_days"
                " WHERE covers GROUP BY stall_id, day HAVING COUNT(*) > 1) x"
            )
        ).scalar()
    engine.dispose()
    for r in result:
        r["doubled_days"] = doubled_days
    return result


def check_ledger(result: Result, url: str, jobs: list[Job]) -> None:
    """Acknowledged receipts against the database; gaps and half-written rows over all."""
    rows = db_payments(url)
    by_key = defaultdict(list)
    for r in rows:
        by_key[r["idempotency_key"]].append(r)
    by_receipt = {r["receipt_number"]: r for r in rows}
    keys = {j.key for j in jobs}
    result.in_db = sum(len(by_key[k]) for k in keys)
    result.doubled += sum(len(by_key[k]) - 1 for k in keys if len(by_key[k]) > 1)
    result.doubled += rows[0]["doubled_days"] if rows else 0
    acked = Counter(j.receipt for j in jobs if j.receipt)
    result.doubled += sum(n - 1 for n in acked.values() if n > 1)
    acked_sum = 0
    db_sum = 0
    for job in jobs:
        if not job.receipt:
            continue
        acked_sum += job.amount
        row = by_receipt.get(job.receipt)
        if row is None or row["idempotency_key"] != job.key or row["amount"] != job.amount:
            result.lost += 1
            result.notes.append(f"acknowledged {job.receipt} not in the database as sent")
        else:
            db_sum += row["amount"]
    if acked_sum != db_sum:
        result.fail(f"acknowledged total {acked_sum} != database total {db_sum}")
    unacked = [k for k in keys if by_key[k] and not any(j.receipt for j in jobs if j.key == k)]
    if unacked:
        result.notes.append(f"{len(unacked)} payments in the database never acknowledged")
    seqs = defaultdict(set)
    for r in rows:
        seqs[(r["hall"], r["year"])].add(r["seq"])
    for numbers in seqs.values():
        result.gaps += max(numbers) - len(numbers)
    result.half_written = sum(1 for r in rows if r["days"] == 0 or r["days_sum"] != r["amount"])


# --- scenarios ---------------------------------------------------------------------------


def same_day(port: int, url: str, seed: server.Seed, db: str) -> Result:
    result = Result("a. same stall-day", db)
    hall, info = next(iter(seed.halls.items()))
    day = seed.today.isoformat()
    jobs = [
        Job(
            uuid.uuid4().hex,
            info["tokens"][i % len(info["tokens"])],
            hall,
            info["stalls"][0],
            [day],
            seed.rate,
        )
        for i in range(CROWD)
    ]
    barrier = threading.Barrier(CROWD)

    def one(job: Job):
        barrier.wait()
        body = {"hall": job.hall, "stall": job.stall, "dates": job.dates, "method": "cash"}
        return pay(port, job.token, job.key, body)

    with ThreadPoolExecutor(CROWD) as pool:
        replies = list(pool.map(one, jobs))
    result.sent = result.requests = CROWD
    created = [(j, r) for j, r in zip(jobs, replies, strict=True) if r.status == 201]
    result.acknowledged = len(created)
    if len(created) != 1:
        result.fail(f"{len(created)} answers 201, expected exactly 1")
    else:
        job, reply = created[0]
        job.receipt = reply.json()["receipt_number"]
        for r in replies:
            if r.status == 201:
                continue
            message = ((r.json() or {}).get("error") or {}).get("message", "")
            if r.status != 409 or job.receipt not in message:
                result.fail(f"{r.status} {message[:80]!r}: not a 409 naming {job.receipt}")
    check_ledger(result, url, jobs)
    return result


def same_key(port: int, url: str, seed: server.Seed, db: str) -> Result:
    result = Result("b. same key", db)
    hall, info = next(iter(seed.halls.items()))
    job = Job(
        uuid.uuid4().hex,
        info["tokens"][0],
        hall,
        info["stalls"][1],
        [seed.today.isoformat()],
        seed.rate,
    )
    body = {"hall": job.hall, "stall": job.stall, "dates": job.dates, "method": "cash"}
    barrier = threading.Barrier(CROWD)

    def one(_):
        barrier.wait()
        return pay(port, job.token, job.key, body)

    with ThreadPoolExecutor(CROWD) as pool:
        replies = list(pool.map(one, range(CROWD)))
    result.sent, result.requests = 1, CROWD
    numbers = {(r.json() or {}).get("receipt_number") for r in replies}
    statuses = Counter(r.status for r in replies)
    replayed = sum(1 for r in replies if r.header("Idempotent-Replayed") == "true")
    if statuses != Counter({201: CROWD}):
        result.fail(f"statuses {dict(statuses)}, expected 201 × {CROWD}")
    if len(numbers) != 1 or None in numbers:
        result.fail(f"receipt numbers {sorted(map(str, numbers))}, expected one")
    if replayed != CROWD - 1:
        result.fail(f"{replayed} answers marked replayed, expected {CROWD - 1}")
    if len(numbers) == 1 and None not in numbers:
        job.receipt = numbers.pop()
        result.acknowledged = 1
    check_ledger(result, url, [job])
    return result


class Faults:
    """Kills a worker and restarts the database at set points of the load, and probes
    /readyz meanwhile to see the 503s and the recovery."""

    def __init__(self, app: server.Gunicorn, cluster: server.PgCluster | None, result: Result):
        self.app, self.cluster, self.result = app, cluster, result
        self.events: list[str] = []
        self.db_away = threading.Event()
        self.probe_503 = 0
        self.recovered_after: float | None = None

    def kill_worker(self) -> None:
        pid = self.app.kill_worker()
        self.events.append(f"SIGKILL worker {pid}")

    def restart_database(self) -> None:
        if self.cluster is None:
            self.events.append("no database restart (SQLite, or PostgreSQL not our own)")
            return
        stop = threading.Event()

        def probe():
            while not stop.is_set():
                try:
                    reply = request(self.app.port, "GET", "/readyz", timeout=5)
                    if reply.status == 503:
                        self.probe_503 += 1
                except Unreachable:
                    pass
                time.sleep(0.1)

        prober = threading.Thread(target=probe)
        prober.start()
        self.db_away.set()
        self.cluster.restart(down_seconds=3.0)
        back = time.monotonic()
        while time.monotonic() - back < 60:
            try:
                if request(self.app.port, "GET", "/readyz", timeout=5).status == 200:
                    self.recovered_after = time.monotonic() - back
                    break
            except Unreachable:
                pass
            time.sleep(0.1)
        self.db_away.clear()
        stop.set()
        prober.join()
        self.events.append(
            f"PostgreSQL restarted (3 s away): /readyz 503 × {self.probe_503}, "
            f"ready again {self.recovered_after:.1f} s after start"
            if self.recovered_after is not None
            else "PostgreSQL restarted: the app did NOT recover within 60 s"
        )
        if self.recovered_after is None:
            self.result.fail("no recovery after the database restart")


def load(
    port: int,
    url: str,
    seed: server.Seed,
    db: str,
    payments: int,
    faults: Faults | None,
    result: Result,
) -> Result:
    rng = random.Random(9 + payments)
    stalls = [(hall, stall) for hall, info in seed.halls.items() for stall in info["stalls"][2:]]
    cursor = seed.cursor  # the next unpaid day of each stall, across calls
    last = (seed.today + timedelta(days=25) - seed.first_day).days
    jobs: list[Job] = []
    for _ in range(payments):
        hall, stall = rng.choice(stalls)
        n = rng.choice((1, 1, 2, 3))
        start = cursor.get((hall, stall), 0)
        if start + n > last:
            continue
        cursor[(hall, stall)] = start + n
        dates = [(seed.first_day + timedelta(days=start + i)).isoformat() for i in range(n)]
        token = rng.choice(seed.halls[hall]["tokens"])
        jobs.append(Job(uuid.uuid4().hex, token, hall, stall, dates, n * seed.rate))
    result.sent = len(jobs)
    lock = threading.Lock()
    done = [0]
    fired: list[threading.Thread] = []
    fault_points = {}
    if faults is not None:
        fault_points = {len(jobs) // 4: faults.kill_worker, len(jobs) // 2: faults.restart_database}

    def answer(job: Job, body: dict, local: random.Random, timeout: float):
        """Send until there is an answer other than 503, as a collector's phone does."""
        deadline = time.monotonic() + JOB_DEADLINE
        while time.monotonic() < deadline:
            with lock:
                result.requests += 1
            try:
                reply = pay(port, job.token, job.key, body, timeout=timeout)
            except Unreachable:
                with lock:
                    result.unreachable += 1
                timeout = 30.0
                time.sleep(local.uniform(0.05, 0.3))
                continue
            if reply.status != 503:
                return reply
            error = (reply.json() or {}).get("error") or {}
            with lock:
                if error.get("code") == "unavailable":
                    result.unavailable += 1
                else:
                    result.fail(f"503 without the JSON error: {reply.body[:80]!r}")
            time.sleep(local.uniform(0.2, 0.5))
        with lock:
            result.fail(f"{job.key}: no answer but 503 within {JOB_DEADLINE:.0f} s")
        return None

    def run(job: Job) -> None:
        local = random.Random(job.key)
        body = {"hall": job.hall, "stall": job.stall, "dates": job.dates, "method": "cash"}
        # 5% give up on the first answer almost at once, as a phone on a bad network does,
        # and send again while the first request may still be running on the server.
        reply = answer(job, body, local, 0.01 if local.random() < 0.05 else 30.0)
        if reply is not None and reply.status != 201:
            with lock:
                result.fail(f"{reply.status} for {job.key}: {reply.body[:120]!r}")
        elif reply is not None:
            data = reply.json()
            if data.get("amount") != job.amount:
                with lock:
                    result.fail(f"amount {data.get('amount')} for {job.amount}")
            job.receipt = data["receipt_number"]
            # 10% send the same request again (the answer "got lost"): the same receipt.
            if local.random() < 0.10:
                again = answer(job, body, local, 30.0)
                if again is not None and (
                    again.status != 201
                    or (again.json() or {}).get("receipt_number") != job.receipt
                    or again.header("Idempotent-Replayed") != "true"
                ):
                    with lock:
                        result.fail(f"replay of {job.receipt} answered {again.status}")
        with lock:
            done[0] += 1
            fire = fault_points.pop(done[0], None)
        if fire is not None:
            thread = threading.Thread(target=fire)
            thread.start()
            fired.append(thread)

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(run, jobs))
    for thread in fired:  # a restart begun near the end finishes before the count
        thread.join()
    elapsed = time.monotonic() - started
    result.acknowledged = sum(1 for j in jobs if j.receipt)
    result.notes.insert(0, f"{len(jobs)} payments in {elapsed:.1f} s")
    check_ledger(result, url, jobs)
    return result


# --- one database ------------------------------------------------------------------------


def run_database(db: str, short: bool, workdir: str) -> list[Result]:
    halls, stalls = (2, 40) if short else (4, 100)
    payments = 300 if short else 3000
    cluster = None
    if db == "postgresql":
        if server.pg_bindir():
            cluster = server.PgCluster()
            url = cluster.url()
        elif os.environ.get("SOAK_PG_URL"):
            url = os.environ["SOAK_PG_URL"]
        elif os.environ.get("CI") == "true":
            raise SystemExit("no PostgreSQL binaries and no SOAK_PG_URL: cannot soak PostgreSQL")
        else:
            print("   no PostgreSQL binaries and no SOAK_PG_URL: PostgreSQL skipped")
            return []
    else:
        url = f"sqlite:///{workdir}/soak.sqlite3"
    app = None
    results: list[Result] = []
    try:
        seed = server.prepare(url, halls, stalls, collectors_per_hall=4)
        app = server.Gunicorn(url, WORKERS)
        results += [same_day(app.port, url, seed, db), same_key(app.port, url, seed, db)]
        result = Result("c. load + faults", db)
        faults = Faults(app, cluster, result)
        load(app.port, url, seed, db, payments, faults, result)
        result.notes.extend(faults.events)
        if cluster is not None:
            if result.unavailable + faults.probe_503 == 0:
                result.fail("no 503 seen while the database was away")
        # Recovered by itself: a new payment after the faults, same server, no restart.
        after = Result("c. load + faults", db)
        load(app.port, url, seed, db, 20, None, after)
        if after.acknowledged != after.sent or after.errors:
            result.fail(f"after the faults: {after.acknowledged}/{after.sent} acknowledged")
        if "Traceback" in app.log_text():
            result.notes.append(f"the gunicorn log has a traceback: {app.log_path}")
        results.append(result)
        return results
    finally:
        if app is not None:
            app.stop(keep_log=any(not r.ok for r in results) or bool(os.environ.get("SOAK_LOGS")))
        if cluster is not None:
            cluster.destroy()


COLUMNS = (
    ("scenario", "scenario", 18),
    ("db", "db", 10),
    ("sent", "sent", 5),
    ("requests", "reqs", 5),
    ("acknowledged", "acked", 5),
    ("in_db", "in DB", 5),
    ("lost", "lost", 4),
    ("doubled", "doubled", 7),
    ("gaps", "gaps", 4),
    ("half_written", "half", 4),
    ("unavailable", "503s", 4),
    ("unreachable", "cut", 4),
    ("errors", "errors", 6),
)


def table(results: list[Result]) -> str:
    lines = [" ".join(f"{title:<{w}}" for _, title, w in COLUMNS)]
    lines.append(" ".join("-" * w for _, _, w in COLUMNS))
    for r in results:
        lines.append(" ".join(f"{getattr(r, attr)!s:<{w}}" for attr, _, w in COLUMNS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", default=bool(os.environ.get("SOAK_SHORT")))
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results: list[Result] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hallmgr-soak-") as workdir:
        for db in dbs:
            print(f"== {db}: {'short' if args.short else 'full'} run", flush=True)
            results.extend(run_database(db, args.short, workdir))
    print()
    print(table(results))
    print()
    for r in results:
        for note in r.notes:
            print(f"  {r.scenario} / {r.db}: {note}")
    bad = [r for r in results if not r.ok]
    print(
        f"\n{len(results) - len(bad)}/{len(results)} scenarios held ({time.monotonic() - started:.0f} s)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
