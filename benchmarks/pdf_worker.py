"""One export of the arrears list PDF with synthetic rows, streamed from a generator;
prints a JSON line: wall and CPU seconds, pages, PDF size, peak resident memory of this
process and how much the export added at its peak (the peak during the export, VmHWM
reset just before it, − resident memory just before)."""

import json
import resource
import sys
import time
from datetime import date
from io import BytesIO

from benchmarks.common import bench_config


def rows(count: int):
    from hallmgr.arrears.rules import AgingBucket, WarningLevel
    from hallmgr.arrears.services import ArrearsRow

    buckets, levels = list(AgingBucket), [None, *WarningLevel]
    for i in range(count):
        hall = i // 400
        yield ArrearsRow(
            assignment_id=i,
            assignment_start=date(2026, 1, 1),
            region_code="31.71",
            region_name="Kota Administrasi Jakarta Pusat",
            hall_id=hall,
            hall_code=f"JP{hall:03d}",
            hall_name=f"Sentra UMKM {hall}",
            stall_id=i,
            stall_code=f"A-{i % 400:03d}",
            business_id=i,
            business_name=f"Warung Makan Nusantara Sejahtera {i}",
            owner_name=f"Siti Rahayu Kusumawardani {i}",
            nik_masked="3171********0003",
            phone="081234567890",
            unpaid_days=12 + i % 90,
            amount=36_000 + 3000 * (i % 90),
            oldest_unpaid=date(2026, 3, 1 + i % 28),
            last_payment=date(2026, 3, 10) if i % 3 else None,
            bucket=buckets[i % len(buckets)],
            level=levels[i % len(levels)],
        )


def _rss_mb() -> float:
    """Resident memory of this process now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    """This program's peak resident memory: VmHWM from /proc (Linux). Not ru_maxrss, which
    Linux carries over fork and exec, so it would report the parent's peak (the runner,
    after building a province in-process, holds gigabytes)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def _reset_peak() -> bool:
    """Start VmHWM afresh (Linux: "5" to clear_refs), so that the peak read after the
    export is the export's own, not one reached while the app was being created."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def main() -> None:
    count = int(sys.argv[1])
    from hallmgr import create_app
    from hallmgr.arrears.pdf import ListHeader, render_arrears_list

    app = create_app(bench_config("sqlite://"))
    header = ListHeader(
        issuer=app.config["ISSUER_NAME"],
        as_of=date(2026, 3, 30),
        filters=[("Wilayah", "semua")],
        printed_by="bench",
        printed_at="30 Mar 2026 10.00 WIB",
        place_date="Jakarta, 30 Maret 2026",
    )
    with app.test_request_context("/"):
        rss_before = _rss_mb()
        peak_before = _peak_rss_mb()
        _reset_peak()
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        data = render_arrears_list(rows(count), header)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    export_peak = _peak_rss_mb()  # since the reset (the whole run's if it failed)
    peak = max(peak_before, export_peak)
    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(data)).pages)
    print(
        json.dumps(
            {
                "rows": count,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "pages": pages,
                "pdf_mb": round(len(data) / 1e6, 2),
                "peak_rss_mb": round(peak, 1),
                "rss_before_mb": round(rss_before, 1),
                "export_mb": round(export_peak - rss_before, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
