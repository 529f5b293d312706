"""Benchmark (not collected by pytest): the arrears list PDF with 10,000 rows.

    SECRET_KEY=x .venv/bin/python -m tests.reports.bench_arrears_list [ROWS]

Prints the time, the pages, then the peak of traced memory (a second, slower run under
tracemalloc). The list is laid out as many small tables, so time and memory grow linearly
with the rows: about 5 s, 274 pages and a peak near 55 MB for 10,000 rows here, without
ReportLab's optional C accelerator (rl_accel).
"""

import sys
import time
import tracemalloc
from datetime import date
from io import BytesIO

from config import TestConfig
from hallmgr import create_app
from hallmgr.arrears.pdf import ListHeader, render_arrears_list
from hallmgr.arrears.services import ArrearsRow


def rows(count: int):
    for i in range(count):
        hall = i // 500
        yield ArrearsRow(
            assignment_id=i,
            region_code="31.71",
            region_name="Kota Administrasi Jakarta Pusat",
            hall_id=hall,
            hall_code=f"JP{hall:02d}",
            hall_name=f"Sentra UMKM {hall}",
            stall_id=i,
            stall_code=f"A-{i % 500:03d}",
            business_id=i,
            business_name=f"Warung Makan Nusantara Sejahtera {i}",
            owner_name=f"Siti Rahayu Kusumawardani {i}",
            nik_masked="3171********0003",
            phone="081234567890",
            unpaid_days=12,
            amount=36_000,
            oldest_unpaid=date(2026, 3, 1),
            last_payment=date(2026, 3, 10) if i % 3 else None,
            bucket="8-30",
            level="teguran",
        )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    app = create_app(TestConfig)
    header = ListHeader(
        issuer=app.config["ISSUER_NAME"],
        as_of=date(2026, 3, 20),
        filters=[("Wilayah", "semua")],
        printed_by="bench",
        printed_at="20 Mar 2026 10.00 WIB",
        place_date="Jakarta, 20 Maret 2026",
    )
    with app.test_request_context("/"):
        started = time.perf_counter()
        data = render_arrears_list(rows(count), header)
        seconds = time.perf_counter() - started
        from pypdf import PdfReader

        pages = len(PdfReader(BytesIO(data)).pages)
        print(f"{count} rows: {seconds:.1f} s, {pages} pages, {len(data) / 1e6:.1f} MB of PDF")
        tracemalloc.start()
        render_arrears_list(rows(count), header)
        peak = tracemalloc.get_traced_memory()[1]
        print(f"peak traced memory while rendering: {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
