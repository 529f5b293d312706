"""Growth (target 6): the province-wide arrears list and the database size at 1,000,
10,000 and 30,000 stalls (365 days), to show how cost grows with the work. A growth
database built earlier the same day with the same size is reused."""

from benchmarks.common import build_apart, figure, make_app, median_seconds


def _measure(ctx, database) -> dict:
    from hallmgr.arrears import services
    from hallmgr.extensions import db

    app = make_app(database.url)
    with app.app_context():
        seconds, _ = median_seconds(
            lambda: services.arrears_rows(ctx.today, (7, 30, 60, 90), services.ArrearsFilter()),
            ctx.runs,
        )
        db.session.remove()
        db.engine.dispose()
    return {
        "database": database.label,
        "stalls": database.stalls,
        "paid_days": database.summary.get("paid_days"),
        "payments": database.summary.get("payments"),
        "arrears_seconds": round(seconds, 4),
        "size_mb": round(database.size_bytes() / 1e6, 1),
        "build_seconds": database.build_seconds,
    }


def run(ctx) -> list[dict]:
    points = []
    wanted = ctx.growth_sizes
    # SQLite up to the size of the main province (its builds are the slow ones).
    main_stalls = ctx.databases["sqlite"].stalls if "sqlite" in ctx.databases else 0
    on_sqlite = tuple(n for n in wanted if n <= main_stalls)
    for dialect, sizes in (("postgresql", wanted), ("sqlite", on_sqlite)):
        for stalls in sizes:
            main = ctx.databases.get(dialect)
            if main is not None and main.stalls == stalls:
                database = main
            else:
                database = build_apart(
                    dialect, stalls, ctx.days, ctx.today, suffix=f"g{stalls}", reuse=True
                )
            points.append(_measure(ctx, database))
    ctx.growth = points
    out = []
    for label in ("PostgreSQL", "SQLite"):
        mine = [p for p in points if p["database"] == label]
        if len(mine) < 2:
            continue
        first, last = mine[0], mine[-1]
        work = last["paid_days"] / first["paid_days"]
        cost = last["arrears_seconds"] / first["arrears_seconds"]
        # Close to linear: time grows no faster than 1.5× the work.
        out.append(
            figure(
                f"Growth {first['stalls']:,} → {last['stalls']:,} stalls, arrears time",
                label,
                "time ratio ≤ 1.5 × work ratio",
                cost,
                "×",
                cost <= 1.5 * work,
                cost / work,
                work_ratio=round(work, 2),
                points=mine,
            )
        )
    return out
