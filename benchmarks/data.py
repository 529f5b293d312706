"""A synthetic province for benchmarks: many halls of 100–500 stalls, about 85% occupied,
payment habits from always-on-time to months behind, tariff changes, closures, waivers
and voids. Deterministic for a seed. Rows are plain dicts written in bulk (COPY on
PostgreSQL, one driver executemany on SQLite); the big tables load without their secondary
indexes, which are rebuilt after from the catalogue's own definitions.

The due days are computed with the pure reference rules (hallmgr.arrears.rules), so the
data does not depend on the SQL engine it will later be measured with.
"""

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from hallmgr.arrears.rules import Period, due_days
from hallmgr.auth.services import hash_password
from hallmgr.collection.rules import receipt_number
from hallmgr.core.days import FIRST_DAY, WIB
from hallmgr.extensions import db
from hallmgr.halls.services import import_national_holidays, load_regions

REGIONS = ("31.01", "31.71", "31.72", "31.73", "31.74", "31.75")
CLASSES = (("kios", "Kios", 5000), ("los", "Los", 3000), ("pelataran", "Pelataran", 2000))
HABITS = (("daily", 50), ("weekly", 25), ("behind", 15), ("stopped", 10))
BENCH_PASSWORD = "bench-password-123"


@dataclass
class Summary:
    halls: int = 0
    stalls: int = 0
    assignments: int = 0
    payments: int = 0
    paid_days: int = 0
    due_days: int = 0


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _bulk(table: str, rows: list[dict]) -> None:
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    # One executemany on the driver: each value goes through its column type's bind
    # processor (stored exactly as the ORM stores it), without per-row statement work.
    columns = list(rows[0])
    procs = [(c, _table(table).c[c].type._cached_bind_processor(conn.dialect)) for c in columns]
    # The table and column names are the fixed ones of this module, never input.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(
            sql,
            (
                tuple(
                    row[c] if proc is None or row[c] is None else proc(row[c]) for c, proc in procs
                )
                for row in rows
            ),
        )
    finally:
        cur.close()


BIG_TABLES = ("payments", "payment_days")


def _drop_secondary_indexes(tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes of `tables` (not those behind primary keys or unique
    constraints) and return the statements that create them again, read from the catalogue
    so the rebuilt schema is exactly the migrated one."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        sql = (
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename IN :tables "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
        )
    else:
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN :tables AND sql IS NOT NULL"
        )
    query = sa.text(sql).bindparams(sa.bindparam("tables", expanding=True))
    found = conn.execute(query, {"tables": list(tables)}).all()
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in found:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [create for _, create in found]


def _skip_row_triggers() -> bool:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers while COPY loads
    the big tables (until the end of the transaction or the reset after it): the generator
    writes only ids it has just written, and the same rows pass the checks on SQLite (the
    test builds there with foreign keys on). Most of the COPY time was these checks."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return False
    superuser = conn.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if superuser:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    return bool(superuser)


def _due_calendar(
    start: date,
    until: date,
    schedule: list[tuple[date, int]],
    closures: list[tuple[date, date]],
    tariffs: list[tuple[date, int]],
) -> tuple[list[date], list[tuple[date, int]]]:
    """Every due day of a hall and stall class from `start` to `until`, with its rate:
    the pure rules (due_days) over the whole span, computed once and sliced per assignment."""
    due = due_days(
        Period(start, None),
        schedule=schedule,
        closures=closures,
        waivers=(),
        tariffs=tariffs,
        until=until,
    )
    return [d for d, _ in due], due


def _copy(conn, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def _max_id(table: str) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(_table(table).c.id), 0)))


def _fix_sequences() -> None:
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return
    for name in (
        "halls",
        "stall_classes",
        "tariffs",
        "stalls",
        "businesses",
        "assignments",
        "payments",
        "payment_days",
        "closures",
        "waivers",
        "users",
    ):
        # The table names are the fixed ones above, never input.
        sql = "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)"
        conn.exec_driver_sql(sql.format(name))


def generate(stalls: int, days: int, *, today: date, seed: int = 1) -> Summary:
    """Fill an empty database with a province of `stalls` stalls and `days` days of history."""
    rng = random.Random(seed)
    summary = Summary()
    now = datetime.now(UTC)
    start = today - timedelta(days=days)
    load_regions()
    for year in range(start.year, today.year + 1):
        import_national_holidays(None, year, now, today=today)
    db.session.flush()

    # Classes and tariffs, with a rate change in the middle of the period.
    class_ids, tariffs = [], {}
    tid = _max_id("tariffs")
    for n, (code, name, rate) in enumerate(CLASSES, start=_max_id("stall_classes") + 1):
        _bulk("stall_classes", [{"id": n, "code": code, "name": name}])
        change = start + timedelta(days=days // 2)
        rows = [
            {
                "id": tid + 1,
                "stall_class_id": n,
                "effective_from": date(2000, 1, 1),
                "daily_rate": rate,
                "regulation": "Pergub (bench)",
                "created_at": now,
            },
            {
                "id": tid + 2,
                "stall_class_id": n,
                "effective_from": change,
                "daily_rate": rate + 1000,
                "regulation": "Pergub baru (bench)",
                "created_at": now,
            },
        ]
        tid += 2
        _bulk("tariffs", rows)
        class_ids.append(n)
        tariffs[n] = [(date(2000, 1, 1), rate), (change, rate + 1000)]

    # Halls of 100–500 stalls until the total is reached.
    hall_rows, schedule_rows, stall_rows = [], [], []
    hall_id, stall_id = _max_id("halls"), _max_id("stalls")
    remaining = stalls
    while remaining > 0:
        size = min(remaining, rng.randint(100, 500))
        remaining -= size
        hall_id += 1
        open_days = 0b0111111 if rng.random() < 0.2 else 0b1111111  # some close on Sundays
        hall_rows.append(
            {
                "id": hall_id,
                "code": f"B{hall_id:04d}",
                "name": f"Sentra Bench {hall_id}",
                "region_code": REGIONS[hall_id % len(REGIONS)],
                "kecamatan_code": None,
                "address": "",
                "status": "active",
                "created_at": now,
            }
        )
        schedule_rows.append(
            {
                "hall_id": hall_id,
                "effective_from": FIRST_DAY,
                "open_days": open_days,
                "created_at": now,
            }
        )
        for k in range(size):
            stall_id += 1
            block = "ABCDEFGH"[k // 64 % 8]
            stall_rows.append(
                {
                    "id": stall_id,
                    "hall_id": hall_id,
                    "code": f"{block}-{k + 1:03d}",
                    "block": block,
                    "area_dm2": 400,
                    "stall_class_id": class_ids[k % 3],
                    "status": "maintenance" if rng.random() < 0.01 else "available",
                    "created_at": now,
                }
            )
    _bulk("halls", hall_rows)
    _bulk("hall_schedules", schedule_rows)
    _bulk("stalls", stall_rows)
    summary.halls, summary.stalls = len(hall_rows), len(stall_rows)

    # A collector per hall (payments need one) and a manager who decided the assignments.
    user_id = _max_id("users")
    pw = hash_password(BENCH_PASSWORD)
    users, links = [], []
    collector_of = {}
    user_id += 1
    manager_id = user_id
    users.append(
        {
            "id": manager_id,
            "username": f"bench.manager.{manager_id}",
            "full_name": "Bench manager",
            "password_hash": pw,
            "role": "manager",
            "active": True,
            "failed_logins": 0,
            "session_version": 1,
            "created_at": now,
        }
    )
    for hall in hall_rows:
        user_id += 1
        collector_of[hall["id"]] = user_id
        users.append(
            {
                "id": user_id,
                "username": f"bench.collector.{hall['code'].lower()}",
                "full_name": f"Kolektor {hall['code']}",
                "password_hash": pw,
                "role": "collector",
                "active": True,
                "failed_logins": 0,
                "session_version": 1,
                "created_at": now,
            }
        )
        links.append({"user_id": user_id, "hall_id": hall["id"]})
        links.append({"user_id": manager_id, "hall_id": hall["id"]})
    _bulk("users", users)
    _bulk("user_halls", links)

    # Closures: a renovation day in some halls.
    closures = []
    cid = _max_id("closures")
    hall_closures: dict[int, list[tuple[date, date]]] = {}
    for hall in hall_rows:
        if rng.random() < 0.3:
            day = start + timedelta(days=rng.randint(0, days - 1))
            cid += 1
            closures.append(
                {
                    "id": cid,
                    "hall_id": hall["id"],
                    "start_date": day,
                    "end_date": day,
                    "kind": "renovation",
                    "reason": "bench",
                    "created_at": now,
                }
            )
            hall_closures[hall["id"]] = [(day, day)]
    _bulk("closures", closures)
    province = [
        (row.start_date, row.end_date)
        for row in db.session.execute(
            sa.select(_table("closures").c.start_date, _table("closures").c.end_date).where(
                _table("closures").c.hall_id.is_(None)
            )
        )
    ]

    # Businesses and assignments: ~85% of stalls occupied; some stalls changed hands.
    halls_by_id = {h["id"]: h for h in hall_rows}
    schedules = {r["hall_id"]: r["open_days"] for r in schedule_rows}
    biz_rows, asg_rows, waiver_rows = [], [], []
    biz_id, asg_id, wid = _max_id("businesses"), _max_id("assignments"), _max_id("waivers")
    plans = []  # (assignment row, stall row)
    for stall in stall_rows:
        if stall["status"] != "available" or rng.random() > 0.85:
            continue
        periods = []
        if rng.random() < 0.05:  # changed hands in the middle
            cut = start + timedelta(days=rng.randint(days // 4, 3 * days // 4))
            periods = [(start, cut - timedelta(days=1)), (cut, None)]
        else:
            begin = (
                start if rng.random() < 0.9 else start + timedelta(days=rng.randint(0, days - 1))
            )
            periods = [(begin, None)]
        for begin, end in periods:
            biz_id += 1
            female = rng.random() < 0.5
            born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
            birth = f"{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}"
            biz_rows.append(
                {
                    "id": biz_id,
                    "name": f"Usaha {biz_id}",
                    "owner_name": f"Pemilik {biz_id}",
                    "nik": _unique_nik(birth, biz_id),
                    "phone": f"0812{biz_id:08d}",
                    "address": "",
                    "category": "kuliner",
                    "status": "active",
                    "created_at": now,
                }
            )
            asg_id += 1
            row = {
                "id": asg_id,
                "number": None,
                "stall_id": stall["id"],
                "business_id": biz_id,
                "start_date": begin,
                "end_date": end,
                "application_id": None,
                "out_of_order_reason": "bench",
                "backdate_reason": "",
                "decided_by_id": manager_id,
                "decided_at": now,
                "end_reason": "pindah" if end else "",
                "ended_by_id": manager_id if end else None,
                "ended_at": now if end else None,
            }
            asg_rows.append(row)
            plans.append((row, stall))
        if rng.random() < 0.02:
            wid += 1
            waiver_rows.append(
                {
                    "id": wid,
                    "stall_id": stall["id"],
                    "day": start + timedelta(days=rng.randint(0, days - 1)),
                    "reason": "sakit",
                    "created_by_id": manager_id,
                    "created_at": now,
                }
            )
    _bulk("businesses", biz_rows)
    _bulk("assignments", asg_rows)
    _bulk("waivers", waiver_rows)
    waived: dict[int, set[date]] = {}
    for w in waiver_rows:
        waived.setdefault(w["stall_id"], set()).add(w["day"])
    summary.assignments = len(asg_rows)

    # Payments by habit, numbered per hall and year in the order they were taken.
    yesterday = today - timedelta(days=1)
    receipts = []
    calendars: dict[tuple[int, int], tuple[list[date], list[tuple[date, int]]]] = {}
    for row, stall in plans:
        hall = halls_by_id[stall["hall_id"]]
        key = (hall["id"], stall["stall_class_id"])
        if key not in calendars:
            calendars[key] = _due_calendar(
                start,
                yesterday,
                [(FIRST_DAY, schedules[hall["id"]])],
                province + hall_closures.get(hall["id"], []),
                tariffs[stall["stall_class_id"]],
            )
        days_of, calendar = calendars[key]
        last = min(row["end_date"], yesterday) if row["end_date"] else yesterday
        due = calendar[bisect_left(days_of, row["start_date"]) : bisect_right(days_of, last)]
        if stall["id"] in waived:
            skip = waived[stall["id"]]
            due = [d for d in due if d[0] not in skip]
        summary.due_days += len(due)
        habit = rng.choices([h for h, _ in HABITS], weights=[w for _, w in HABITS])[0]
        chunks = []
        if habit == "daily":
            chunks = [[d] for d in due if rng.random() < 0.97]
        elif habit == "weekly":
            chunks = [due[k : k + 7] for k in range(0, len(due), 7)]
        elif habit == "behind":
            stop = max(0, len(due) - rng.randint(10, 60))
            chunks = [due[k : min(k + 5, stop)] for k in range(0, stop, 5)]
        else:  # stopped paying months ago
            stop = max(0, len(due) - rng.randint(90, 200))
            chunks = [due[k : min(k + 3, stop)] for k in range(0, stop, 3)]
        for chunk in chunks:
            if chunk:
                receipts.append((chunk[-1][0], hall, stall, row, chunk))
    receipts.sort(key=lambda r: (r[0], r[1]["id"], r[2]["id"]))
    pay_rows, day_rows, seq = [], [], {}
    pid, pdid = _max_id("payments"), _max_id("payment_days")
    for business_day, hall, stall, row, chunk in receipts:
        key = (hall["id"], business_day.year)
        seq[key] = seq.get(key, 0) + 1
        pid += 1
        recorded = datetime.combine(business_day, time(9, 0), WIB) + timedelta(
            minutes=rng.randint(0, 480)
        )
        void = rng.random() < 0.005
        pay_rows.append(
            {
                "id": pid,
                "receipt_number": receipt_number(hall["code"], business_day.year, seq[key]),
                "hall_id": hall["id"],
                "year": business_day.year,
                "seq": seq[key],
                "stall_id": stall["id"],
                "business_id": row["business_id"],
                "assignment_id": row["id"],
                "amount": sum(r for _, r in chunk),
                "method": "cash" if rng.random() < 0.8 else "qris",
                "collector_id": collector_of[hall["id"]],
                "recorded_at": recorded.astimezone(UTC),
                "business_day": business_day,
                "voided_at": recorded.astimezone(UTC) + timedelta(hours=1) if void else None,
                "voided_by_id": manager_id if void else None,
                "void_reason": "salah input" if void else None,
            }
        )
        for day, rate in chunk:
            pdid += 1
            day_rows.append(
                {
                    "id": pdid,
                    "payment_id": pid,
                    "stall_id": stall["id"],
                    "assignment_id": row["id"],
                    "day": day,
                    "day_number": (day - date(1970, 1, 1)).days,
                    "rate": rate,
                    "covers": not void,
                }
            )
    # The big tables load without their secondary indexes, built once at the end.
    recreate = _drop_secondary_indexes(BIG_TABLES)
    fast = _skip_row_triggers()
    _bulk("payments", pay_rows)
    _bulk("payment_days", day_rows)
    for create in recreate:
        db.session.connection().exec_driver_sql(create)
    if fast:
        db.session.connection().exec_driver_sql("SET LOCAL session_replication_role = origin")
    seq_rows = [
        {"kind": "receipt", "scope": halls_by_id[h]["code"], "year": y, "last_value": n}
        for (h, y), n in seq.items()
    ]
    _bulk("number_sequences", seq_rows)
    summary.payments, summary.paid_days = len(pay_rows), len(day_rows)
    _fix_sequences()
    return summary


def _unique_nik(birth: str, n: int) -> str:
    """A well-formed NIK unique per n: serial 0001–9999, then the kecamatan digits move on."""
    block, serial = divmod(n, 9999)
    regency = ("71", "72", "73", "74", "75")[block // 99 % 5]
    kecamatan = f"{block % 99 + 1:02d}"
    return f"31{regency}{kecamatan}{birth}{serial + 1:04d}"
