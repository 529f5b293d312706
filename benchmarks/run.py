"""`make bench`: build the synthetic province on SQLite and PostgreSQL, run every
benchmark module in BENCHMARKS, write docs/BENCHMARKS.md and docs/benchmarks.json.

    .venv/bin/python -m benchmarks.run [--stalls 10000] [--days 365] [--runs 5]
        [--only arrears,round_page] [--reuse]

--only re-runs some modules and keeps the other figures of docs/benchmarks.json;
--reuse keeps the databases of the last run instead of building them again; a database
built the same day with the same number of stalls is kept anyway unless --fresh.
PostgreSQL: BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/hallmgr_bench);
the database is dropped and created again. SQLite files go to BENCH_WORKDIR.
"""

import argparse
import importlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

# The benchmark modules, in order; each has run(ctx) -> list of figures.
BENCHMARKS = (
    "benchmarks.arrears",
    "benchmarks.round_page",
    "benchmarks.pdf",
    "benchmarks.growth",
    "benchmarks.http",
)


@dataclass
class Context:
    today: object
    days: int
    runs: int
    databases: dict = field(default_factory=dict)  # dialect -> Database
    plans: dict = field(default_factory=dict)
    growth: list = field(default_factory=list)
    growth_sizes: tuple = (1_000, 10_000, 30_000)


def main(argv=None) -> int:
    os.environ.setdefault("SECRET_KEY", "bench-secret-not-for-production")
    from benchmarks import common, report
    from hallmgr.core.days import market_today

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stalls", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--growth", default="1000,10000,30000")
    parser.add_argument("--only", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    ctx = Context(today=market_today(), days=args.days, runs=args.runs)
    ctx.growth_sizes = tuple(int(n) for n in args.growth.split(","))
    state_file = common.WORKDIR / "databases.json"
    if args.reuse and state_file.exists():
        for d in json.loads(state_file.read_text()):
            ctx.databases[d["dialect"]] = common.Database(**d)
    else:
        for dialect in ("sqlite", "postgresql"):
            print(f"building {args.stalls} stalls × {args.days} days on {dialect} …", flush=True)
            ctx.databases[dialect] = common.build_apart(
                dialect, args.stalls, args.days, ctx.today, reuse=not args.fresh
            )
            print(f"  {ctx.databases[dialect].summary} in {ctx.databases[dialect].build_seconds} s")
        common.WORKDIR.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps([vars(d) for d in ctx.databases.values()]))

    only = {f"benchmarks.{name.strip()}" for name in args.only.split(",") if name.strip()}
    previous = report.load()
    figures = (
        [] if not only else [f for f in previous.get("figures", []) if f["module"] not in only]
    )
    ctx.plans = previous.get("plans", {}) if only else {}
    ctx.growth = previous.get("growth", []) if only else []
    for name in BENCHMARKS:
        if only and name not in only:
            continue
        print(f"running {name} …", flush=True)
        t = time.perf_counter()
        for f in importlib.import_module(name).run(ctx):
            f["module"] = name
            figures.append(f)
            print(
                f"  {f['benchmark']} [{f['database']}]: {f['measured']} {f['unit']}"
                f" ratio {f['ratio']} met={f['met']}",
                flush=True,
            )
        print(f"  ({time.perf_counter() - t:.0f} s)", flush=True)
    figures.sort(key=lambda f: BENCHMARKS.index(f["module"]) if f["module"] in BENCHMARKS else 99)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "province": {
            d.label: {
                "stalls": d.stalls,
                "days": d.days,
                **d.summary,
                "build_seconds": d.build_seconds,
                "size_mb": round(d.size_bytes() / 1e6, 1),
            }
            for d in ctx.databases.values()
        },
        "figures": figures,
        "plans": ctx.plans,
        "growth": ctx.growth,
        "seconds": round(time.perf_counter() - started, 1)
        + (previous.get("seconds", 0) if only else 0),
    }
    report.write(results)
    counted = [f for f in figures if not f.get("retired")]
    missed = [f for f in counted if not f["met"]]
    print(
        f"done in {results['seconds']} s; {len(counted) - len(missed)}/{len(counted)} targets met"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
