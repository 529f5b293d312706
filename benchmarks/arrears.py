"""Province-wide arrears (target 3): the full arrears list of 10,000 stalls and 365 days
in at most 1 s on each database, and at most 2× a hand-written single SQL statement run
on the same data in the same run.

The baseline is the least any arrears figure must do: read every valid paid day once
and group it per assignment (joined to its payment, as the schema first stored it). It
computes no due day at all, so it is a floor, not a competitor.
"""

import statistics
import time
from datetime import timedelta

import sqlalchemy as sa

from benchmarks.common import count_statements, figure, make_app, median_seconds

BASELINE = """
SELECT p.assignment_id, COUNT(*) AS paid_days, SUM(pd.rate) AS paid_amount,
       MIN(pd.day) AS first_paid, MAX(pd.day) AS last_paid
FROM payment_days pd JOIN payments p ON p.id = pd.payment_id
WHERE pd.covers = {true} AND pd.day < :as_of
GROUP BY p.assignment_id
"""


def plans(app, dialect: str, as_of) -> dict:
    """The plan of the dues' biggest read, the covered days folded into masks per
    assignment and 62-day block (PostgreSQL: EXPLAIN ANALYZE)."""
    from hallmgr.arrears import dues
    from hallmgr.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        first = conn.scalar(sa.select(sa.func.min(dues.Assignment.start_date)))
        statement = dues.paid_masks(dues.Calendar(first, as_of - timedelta(days=1)), dues.Scope())
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if dialect == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql).scalars().all()
            return {"paid days": "\n".join(rows)}
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        return {"paid days": "\n".join(str(r[-1]) for r in rows)}


def run(ctx) -> list[dict]:
    from hallmgr.arrears import dues, services
    from hallmgr.extensions import db

    out = []
    as_of = ctx.today
    thresholds = (7, 30, 60, 90)
    for database in ctx.databases.values():
        app = make_app(database.url)
        with app.app_context():
            baseline_sql = sa.text(
                BASELINE.format(true="true" if database.dialect == "postgresql" else "1")
            )

            def full_list():
                return services.arrears_rows(as_of, thresholds, services.ArrearsFilter())

            def dues_only():
                return [a.owed() for a in dues.accounts(as_of - timedelta(days=1), as_of=as_of)]

            def baseline(baseline_sql=baseline_sql):
                return db.session.execute(baseline_sql, {"as_of": as_of}).all()

            statements, rows = count_statements(db.engine, full_list)
            cpu = []
            for _ in range(ctx.runs):
                started = time.process_time()
                full_list()
                cpu.append(time.process_time() - started)
            t_list, runs_list = median_seconds(full_list, ctx.runs)
            t_dues, _ = median_seconds(dues_only, ctx.runs)
            t_base, runs_base = median_seconds(baseline, ctx.runs)
            db.session.rollback()
            ratio = t_list / t_base
            extra = {
                "rows": len(rows),
                "unpaid_days": sum(r.unpaid_days for r in rows),
                "amount": sum(r.amount for r in rows),
                "statements": statements,
                "dues_seconds": round(t_dues, 4),
                "baseline_seconds": round(t_base, 4),
                "runs": [round(t, 4) for t in runs_list],
                # This process's CPU (on SQLite the database work too): the machine is shared.
                "cpu_seconds": round(statistics.median(cpu), 4),
                "baseline_runs": [round(t, 4) for t in runs_base],
                "paid_days": database.summary.get("paid_days"),
                "stalls": database.stalls,
            }
            out.append(
                figure(
                    "Province-wide arrears list",
                    database.label,
                    "≤ 1 s and ≤ 2× baseline",
                    t_list,
                    "s",
                    t_list <= 1.0 and ratio <= 2.0,
                    ratio,
                    **extra,
                )
            )
            if database.dialect == "sqlite":
                # SQLite works inside this process, single-threaded: its CPU time is the
                # work itself, whatever else runs on this shared machine.
                cpu_median = statistics.median(cpu)
                out.append(
                    figure(
                        "Province-wide arrears list, CPU time (SQLite runs in-process)",
                        database.label,
                        "≤ 1 s",
                        cpu_median,
                        "s",
                        cpu_median <= 1.0,
                        cpu_median / t_list,
                        cpu_runs=[round(t, 4) for t in cpu],
                    )
                )
        ctx.plans[f"arrears {database.label}"] = plans(app, database.dialect, as_of)
        with app.app_context():
            db.engine.dispose()
    return out
