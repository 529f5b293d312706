"""docs/benchmarks.json (raw figures), docs/BENCHMARKS.md (the table) and the figures of
docs/SCALING.md, written from one run."""

import json

from benchmarks.common import ROOT

DOCS = ROOT / "docs"
JSON_FILE = DOCS / "benchmarks.json"


def load() -> dict:
    return json.loads(JSON_FILE.read_text()) if JSON_FILE.exists() else {}


def _fmt(value, unit="") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".strip()


def _cpu_sentence(f: dict) -> str:
    """What the machine's CPU allows: an endpoint that takes k times /healthz's CPU per
    request (clients and kernel included) serves at most 1/k of its rate on a busy machine."""
    mine, base = f["cpu_ms"], f["trivial_cpu_ms"]
    db = f", PostgreSQL {mine['database']:.2f}" if mine["database"] >= 0.005 else ""
    share = f["share"]
    return (
        f"CPU per answered request on the whole machine: /healthz {base['machine']:.2f} ms "
        f"(gunicorn {base['app']:.2f}, the clients and the kernel {base['other']:.2f}); this "
        f"endpoint {mine['machine']:.2f} ms (gunicorn {mine['app']:.2f}{db}, the clients and "
        f"the kernel {mine['other']:.2f}). Were both to keep every CPU busy, the ratio "
        f"would be {base['machine'] / mine['machine']:.3f}, and the target "
        f"(1/{round(1 / share)}) needs at most {base['machine'] / share:.2f} ms a request; "
        f"the CPUs were {base['busy']:.0%} busy under /healthz and {mine['busy']:.0%} under "
        f"this endpoint{_idle_clause(base['busy'], mine['busy'])}. Medians over the repeats."
    )


def _idle_clause(base_busy: float, mine_busy: float) -> str:
    if mine_busy < base_busy - 0.05:
        return (
            ", which left CPUs idle while requests waited (on SQLite, for the write lock): "
            "its throughput is below what its CPU cost alone allows"
        )
    if base_busy < mine_busy - 0.05:
        return ", so /healthz's rate, and with it the ratio's baseline, was not all the CPUs'"
    return ""


def _load_clause(offered: float, capacity: float) -> str:
    """How close the fixed rate came to what the server answered flat out: as that share
    nears 1, the queue, and the p99 with it, grows without bound."""
    if not capacity:
        return ""
    share = offered / capacity
    text = f"That rate is {share:.0%} of the payments the throughput phase answered"
    if share >= 0.9:
        return text + ": so near the server's capacity that requests queue behind each other."
    return text + "."


RECEIPT_PDF = """\
## The receipt PDF: where a request's CPU goes

Measured on 2026-12-03 in-process (PostgreSQL, the benchmark's 80 mm receipt fetched with
a token): the CPU time of the request, and of the same request with one part after another
replaced by its result, in 14 interleaved rounds of 300 requests. The whole request took
4.1 ms (medians), /healthz 0.2 ms in the same loop:

- **Drawing** (`hallmgr.collection.pdf`): 2.5 ms, about 62%. Within it (cProfile of the
  drawing alone, 7.1 million instructions a receipt under callgrind): ReportLab writing
  the document out about 41% (nine small objects through its generic formatter: three
  standard fonts, page, catalogue, metadata, the compressed content), the text lines about
  20%, the QR code about 12% (zxing-cpp's encoder 0.1 ms), the layout with Babel's dates
  about 14%, the canvas about 6%.
- **The token check**: 0.6 ms, about 15%. The request's first statement, so it also takes
  the pooled connection.
- **The receipt read**: 0.5 ms, about 13% (one statement of seven joins, a generic plan).
- **Flask and Werkzeug** beyond what /healthz pays: 0.2 ms, about 5%.

Under gunicorn every request also pays the sync worker's connection handling and HTTP
parsing: /healthz costs 0.75 to 1.4 ms of worker CPU depending on the day (0.2 ms of it
Flask's), which is most of the baseline. PostgreSQL's own CPU is 0.3 to 0.5 ms a receipt
for both statements. The CPU sentences under Details show what the whole machine spends per
request in the same run; the ratio the target asks for is a CPU budget per receipt of four
/healthz requests, gunicorn's connection handling and the load clients' share included.

py-spy's shares, which an earlier version of this section gave (drawing 43%, token check
21%), overstated the two statements: with every CPU busy, a worker woken by the database's
answer is runnable but waits for a CPU, and py-spy counts those samples at the wait.

Done: the layout caches its wrapped lines with their widths (the issuer's, the hall's and
the fixed lines recur on every receipt) and does not measure a centred line twice: 8.3 to
7.1 million instructions a receipt, the PDF identical to the byte.

Tried or weighed, and left:

- Caching rendered receipts: the benchmark fetches the same 200 receipts again and again,
  while a real receipt is printed once; the figure would measure the cache. Rendering each
  receipt at payment time moves the same CPU onto the collectors' payments.
- Caching tokens per worker: a revoked token has to stop at once.
- Core statements on the session's connection instead of through the session: at most 1%
  fewer Python calls per request (counted on the payment and the receipt), not worth two
  ways of running a statement.
- 6 or 8 gunicorn workers instead of 4: no better ratio on 2 cores.
- Garbage collector settings (`gc.freeze`, thresholds): collections take 0.2 to 1.6% of a
  request.
- ReportLab's serialisation (the largest part of the drawing) is the library's own; the
  receipt already draws straight on the canvas, in one text object, with the QR code as one
  inline image mask.
"""


INDEXES = """\
## Indexes and query plans that matter

- **`paid_blocks (assignment_id, block, mask)`**, kept by the database (migration
  3b8d2e61c0f4): each assignment's valid paid days as one 62-bit mask per 62-day block,
  bit `day_number % 62` of block `day_number / 62` (`day_number`: days since
  1970-01-01). Triggers on `payment_days` keep it whatever writes the paid days: a valid
  day inserted ORs its bit in (upsert), a day voided, deleted or moved clears it (exact,
  as a valid day is unique per stall) and an empty mask is deleted. SQLite: row triggers,
  the table `WITHOUT ROWID` so a mask is stored beside its key; PostgreSQL: statement
  triggers over the transition tables (one upsert per payment, one update per void). The
  arrears engine reads ~6 rows per assignment instead of ~280 paid days, joined in SQL into
  one `block,mask,…` text on the assignment's row: the whole province in one grouped pass
  over ~55,000 rows joined by hash, a hall's round by a primary-key range per tenant.
  The generator (`benchmarks/data.py`) loads paid days with the triggers dropped and fills
  the table with one `INSERT … SELECT … GROUP BY`.
- **`ix_payment_days_valid_assignment_block`** on `payment_days (assignment_id,
  (day_number / 62), day_number, void) WHERE NOT void` (migration 5e1f0c2a9d47): the valid
  paid days of an assignment in block order, from which `paid_blocks` was filled.
  `assignment_id` and `day_number` are copied onto each paid day when it is written (an
  ORM `before_insert` hook, and the migration fills existing rows).
- **`uq_payment_days_valid_stall_day`** (stall_id, day) WHERE NOT void: the database's
  own guard that a day is paid at most once; the round page reads today's payments
  through it.
- **`ix_payments_assignment_day`** on `payments (assignment_id, business_day)`: the last
  valid payment of each listed assignment is read from the end of this index (a
  correlated `ORDER BY business_day DESC LIMIT 1`), not by grouping all payments.
- Everything else the engine reads is small (tariffs, closures, waivers, assignments with
  their stall and hall) and is read in the same statement: one `UNION ALL` whose rows are
  told apart by a `k` column, so the arrears list (names included) is **one statement**
  whatever the number of halls, stalls or days; due days are bit sets in Python (open
  weekdays repeated, less closures, days without a tariff, waivers, cut to each period),
  never a calendar walked in SQL.
- The ledger of one business still lists its days one by one (set-based, one statement).
"""


def markdown(results: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (benchmarks/run.py) on "
        f"{results['generated_at']}; raw figures in `docs/benchmarks.json`.",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"load average at the end {', '.join(f'{x:.1f}' for x in results['machine']['load_average'])}"
        " (the machine is shared: every ratio is taken in the same run).",
        f"Whole run: {results['seconds'] / 60:.1f} minutes. Each time is the median of several runs.",
        "",
        *[f"- {note}" for note in results.get("notes", [])],
        "",
        "## The synthetic province",
        "",
        "| database | stalls | days | halls | assignments | payments | paid days | due days | size | built in |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, p in results["province"].items():
        lines.append(
            f"| {label} | {p['stalls']:,} | {p['days']} | {p['halls']} | {p['assignments']:,} | "
            f"{p['payments']:,} | {p['paid_days']:,} | {_fmt(p.get('due_days') or None)} | "
            f"{p['size_mb']} MB | {_fmt(p['build_seconds'] or None, 's')} |"
        )
    lines += [
        "",
        "## Targets",
        "",
        "| benchmark | database | target | measured | ratio | met? |",
        "| --- | --- | --- | ---: | ---: | :---: |",
    ]
    for f in results["figures"]:
        lines.append(
            f"| {f['benchmark']} | {f['database']} | {f['target']} | "
            f"{_fmt(f['measured'], f['unit'])} | {_fmt(f['ratio'])} | "
            f"{'yes' if f['met'] else '**no**'} |"
        )
    lines += ["", "## Details", ""]
    for f in results["figures"]:
        if f["module"] == "benchmarks.arrears" and "rows" in f:
            lines.append(
                f"- Arrears, {f['database']}: {f['rows']:,} businesses in arrears, "
                f"{f['unpaid_days']:,} unpaid days, Rp{f['amount']:,} over {f['paid_days']:,} paid "
                f"days; the whole list (names included) {_fmt(f['measured'], 's')} in "
                f"{f['statements']} statement(s) (CPU of this process "
                f"{_fmt(f['cpu_seconds'], 's')}); the engine alone "
                f"{_fmt(f['engine_seconds'], 's')}; "
                f"the hand-written baseline statement {_fmt(f['baseline_seconds'], 's')} "
                "(it reads and groups every valid paid day joined to its payment, and "
                "computes no due day: a floor)."
            )
        elif f["benchmark"] == "Round page, server time":
            lines.append(
                f"- Round page, {f['database']}: hall {f['hall']} ({f['stalls']} stalls), "
                f"{_fmt(f['html_bytes'] / 1024, 'KB')} of HTML, {f['statements']} statements "
                f"(the smallest hall, {f['smallest_hall_stalls']} stalls: "
                f"{f['statements_smallest_hall']}); time through the Flask test client, "
                "sign-in session included."
            )
        elif f["module"] == "benchmarks.pdf" and "pages" in f:
            lines.append(
                f"- Arrears PDF, {f['rows']:,} rows: {f['pages']:,} pages, {f['pdf_mb']} MB, "
                f"the export adds {f['export_mb']} MB at its peak to the app's "
                f"{f['rss_before_mb']} MB (process peak {f['peak_rss_mb']} MB, "
                "interpreter and every import included); CPU seconds per run "
                f"{f['runs']}, wall seconds {f['wall_runs']} (the difference is other "
                "work on this shared machine)."
            )
        elif "throughput vs /healthz" in f["benchmark"] and "trivial_middle_rps" in f:
            lines.append(
                f"- {f['benchmark']}, {f['database']}: {_fmt(f['measured'], 'req/s')} "
                f"against /healthz's {f['trivial_rps']:,} req/s: each repeat's ratio divides "
                "by the mean of /healthz measured right before and right after this phase "
                f"(medians over the repeats: {f['trivial_before_rps']:,} before, "
                f"{f['trivial_after_rps']:,} after), and the ratio shown is the median of "
                "the repeats' ratios."
            )
            if "cpu_ms" in f and "trivial_cpu_ms" in f:
                lines.append("  " + _cpu_sentence(f))
        elif "p99 latency" in f["benchmark"] and "offered_rps" in f:
            lines.append(
                f"- Payment latency, {f['database']}: the 32 clients together send "
                f"{f['offered_rps']} payments a second, 1/8 of /healthz's "
                f"{f['trivial_rps']:,} req/s around the throughput phase of the same "
                "repeat (the payments' baseline), i.e. the throughput the "
                f"ratio target asks for (achieved {f['achieved_rps']} req/s); each latency "
                "is counted from the moment its request was due, so a slow answer is also "
                "charged to the requests queued behind it (no coordinated omission). p50 "
                f"{f['p50_ms']} ms, p99 {_fmt(f['measured'], 'ms')}. "
                + _load_clause(f["offered_rps"], f["rps"])
            )
            lines.append(
                f"  As fast as they are answered (the throughput phase, {f['rps']} req/s), "
                f"the same clients see p50 {f['saturated_p50_ms']} ms and p99 "
                f"{f['saturated_p99_ms']} ms. That latency is set by the load, not the "
                "server: 32 clients that always wait for their answer see on average 32 ÷ "
                f"throughput (Little's law) = {f['mean_latency_ms']} ms, and a p99 under "
                f"the target that way would need at least {f['rps_needed']:,} req/s "
                f"({f['rps_needed'] / f['trivial_rps']:.2f} of /healthz). One fsync of "
                f"this disk took {f['fsync_ms']} ms (median) in the same run: every commit "
                "waits for one."
            )
    if results.get("growth"):
        lines += [
            "",
            "## Growth",
            "",
            "| database | stalls | payments | paid days | arrears list | µs per paid day | size | MB per million paid days |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for p in results["growth"]:
            lines.append(
                f"| {p['database']} | {p['stalls']:,} | {p['payments']:,} | {p['paid_days']:,} | "
                f"{_fmt(p['arrears_seconds'], 's')} | "
                f"{p['arrears_seconds'] / p['paid_days'] * 1e6:.2f} | {p['size_mb']} MB | "
                f"{p['size_mb'] / p['paid_days'] * 1e6:.0f} |"
            )
    lines += ["", RECEIPT_PDF, INDEXES]
    for name, plan in results.get("plans", {}).items():
        lines += [f"### Plan: {name}", "", "```", plan.get("engine", "").strip(), "```", ""]
    lines += [
        "## Running it",
        "",
        "`make bench` (PostgreSQL at 127.0.0.1:5432; `BENCH_PG_URL` names the database, "
        "which is dropped and created again). `python -m benchmarks.run --only pdf` re-runs "
        "some modules and keeps the other figures.",
        "",
    ]
    return "\n".join(lines)


def write(results: dict) -> None:
    DOCS.mkdir(exist_ok=True)
    JSON_FILE.write_text(json.dumps(results, indent=2, default=str) + "\n")
    (DOCS / "BENCHMARKS.md").write_text(markdown(results))
    (DOCS / "SCALING.md").write_text(scaling(results))


def _fit(points: list[dict]) -> tuple[float, float]:
    """Least squares seconds = a + b · paid_days over the growth points."""
    xs = [p["paid_days"] for p in points]
    ys = [p["arrears_seconds"] for p in points]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs) or 1.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
    return my - b * mx, b


def scaling(results: dict) -> str:
    growth = results.get("growth") or []
    pg = [p for p in growth if p["database"] == "PostgreSQL"]
    lines = [
        "# Scaling",
        "",
        "How far one PostgreSQL server carries hallmgr, and the plan beyond it, from the "
        f"growth measured by `make bench` on {results.get('generated_at', '?')} "
        "(docs/BENCHMARKS.md, docs/benchmarks.json). The machine is a shared 2-core one; "
        "a dedicated server does better, so these are conservative.",
        "",
        "## What grows",
        "",
        "Every stall that pays adds a paid day per open day it pays for, and a payment per "
        "visit of the collector (daily payers one a day, others one a week or less). The "
        "office's province-wide arrears list reads each assignment's paid days as bit masks "
        "per 62-day block (paid_blocks, kept by triggers), so its cost follows assignments "
        "and the length of their history, not each paid day.",
        "",
    ]
    if pg:
        lines += [
            "| stalls | paid days | arrears list | µs per paid day | database size | bytes per paid day |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for p in pg:
            lines.append(
                f"| {p['stalls']:,} | {p['paid_days']:,} | {p['arrears_seconds']:.2f} s | "
                f"{p['arrears_seconds'] / p['paid_days'] * 1e6:.2f} | {p['size_mb']} MB | "
                f"{p['size_mb'] * 1e6 / p['paid_days']:.0f} |"
            )
        a, b = _fit(pg) if len(pg) > 1 else (0.0, pg[0]["arrears_seconds"] / pg[0]["paid_days"])
        last = pg[-1]
        per_stall_days = last["paid_days"] / last["stalls"]
        per_stall_mb = last["size_mb"] / last["stalls"]
        stalls_5s = max(0.0, (5.0 - a) / b / per_stall_days) if b > 0 else float("inf")
        stalls_30s = max(0.0, (30.0 - a) / b / per_stall_days) if b > 0 else float("inf")
        lines += [
            "",
            f"Fitted on PostgreSQL: arrears list ≈ {a:.2f} s + {b * 1e6:.2f} µs × paid days; "
            f"per stall and year of history {per_stall_days:.0f} paid days, "
            f"{last['payments'] / last['stalls']:.0f} payments and "
            f"{per_stall_mb * 1000:.0f} kB of database.",
            "",
            "## What one PostgreSQL server carries",
            "",
            f"- **Office reports.** The whole-province arrears list (one year of history) "
            f"stays under 5 s up to about **{stalls_5s:,.0f} stalls** and under 30 s up to "
            f"about **{stalls_30s:,.0f} stalls** on this machine. A region or a hall is "
            "proportionally faster (the same statement narrowed by hall).",
            f"- **Storage.** About {per_stall_mb * 1000:.0f} kB per stall and year: "
            f"100,000 stalls for 5 years ≈ {per_stall_mb * 100_000 * 5 / 1000:.0f} GB, "
            "well within one server.",
            f"- **Payments.** {last['payments'] / last['stalls']:.0f} payments per stall and "
            f"year: 100,000 stalls make about "
            f"{last['payments'] / last['stalls'] * 100_000 / 365:,.0f} payments a day, under "
            "one a second on average and a few tens a second in the morning peak, against "
            "the 100–150 payments a second the payment-write benchmark over HTTP measures "
            "on this 2-core machine (the table above).",
            "- **The round page** reads one hall (a fixed number of statements whatever its "
            "size) and does not grow with the province.",
            "",
            "So one server carries the whole of Jakarta (a few hundred halls, tens of "
            f"thousands of stalls) with room to spare, and up to roughly "
            f"{min(stalls_30s, 300_000):,.0f} stalls before the office's province-wide list "
            "becomes the bottleneck.",
        ]
    lines += [
        "",
        "## Beyond one server",
        "",
        "1. **Read replicas for the office.** The arrears list, its exports, the dashboards "
        "and warning-letter runs are read-only and tolerate a few seconds of replication "
        "lag. Route them (the `office` role's pages, `flask arrears` exports) to streaming "
        "replicas; collectors' and managers' writes stay on the primary. Replicas scale "
        "the reports linearly with their number.",
        "2. **Partition `payment_days` by period.** Range-partition on `day_number`, a "
        "partition a year. It is the biggest table (one row per paid stall-day) but the "
        "arrears no longer read it: they read `paid_blocks`, about one row per 40 paid "
        "days, kept by triggers. Vacuum and index maintenance stay per partition, and "
        "whole years can be detached to archive storage once every assignment that paid "
        "in them has ended (ledgers and receipts of those years then read the archive).",
        "3. **Bound the history read per assignment.** An assignment's arrears read its "
        "paid blocks since its start: six rows a year, so a stall held for ten years reads "
        "sixty. When that dominates, keep per assignment the last day up to which "
        "everything is settled (recomputed, never trusted blindly: a back-dated closure "
        "or void moves it) and read blocks only after it; `paid_blocks` can be partitioned "
        "by block range like `payment_days`.",
        "4. **Beyond a province**, shard by region: halls never share stalls, payments or "
        "assignments across regions, and the office's national figures are sums of the "
        "regions' lists.",
        "",
    ]
    return "\n".join(lines)
