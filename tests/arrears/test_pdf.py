"""The arrears list PDF as a reader sees it, page by page, rendered from plain rows."""

import re
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from hallmgr.arrears.pdf import ListHeader, render_arrears_list
from hallmgr.arrears.rules import AgingBucket
from hallmgr.arrears.services import ArrearsRow


def _row(number: int, hall: str, business: str | None = None, owner: str | None = None):
    return ArrearsRow(
        assignment_id=number,
        assignment_start=date(2026, 1, 1),
        region_code="31.71",
        region_name="Kota Administrasi Jakarta Pusat",
        hall_id=hash(hall) % 1000,
        hall_code=hall,
        hall_name=f"Sentra {hall}",
        stall_id=number,
        stall_code=f"S-{number:03d}",
        business_id=number,
        business_name=business or f"Warung {number}",
        owner_name=owner or f"Pemilik {number}",
        nik_masked="3171********0003",
        phone="081234567890",
        unpaid_days=10,
        amount=30_000,
        oldest_unpaid=date(2026, 3, 1),
        last_payment=None,
        bucket=AgingBucket.DAYS_8_30,
        level=None,
    )


@pytest.fixture
def pages(app):
    """The text of each page of the list rendered from these rows."""
    header = ListHeader(
        issuer="Pemerintah Provinsi",
        as_of=date(2026, 3, 30),
        filters=[("Wilayah", "semua")],
        printed_by="Budi",
        printed_at="30 Mar 2026 10.00 WIB",
        place_date="Jakarta, 30 Maret 2026",
    )

    def render(rows) -> list[str]:
        with app.test_request_context("/"):
            data = render_arrears_list(iter(rows), header)
        return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]

    return render


def test_each_page_says_which_of_how_many_and_a_hall_across_a_page_break_stays_whole(pages):
    rows = [_row(n, "ZA01") for n in range(70)] + [_row(n, "ZB02") for n in range(70, 100)]
    texts = pages(rows)
    total = len(texts)
    assert total >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Halaman {number} dari {total}" in text
        assert "Dicetak oleh Budi, 30 Mar 2026 10.00 WIB" in text
        rows_here = re.search(r"^\d+ S-\d{3} ", text, re.M)
        if rows_here:  # the column header above the first row of every page with rows
            assert 0 <= text.find("Tunggakan terlama") < rows_here.start()
    assert f"Halaman {total} dari {total}" in texts[-1]

    # Hall ZA01 starts on page 1 and goes on on a later page, under the repeated header.
    first = next(i for i, text in enumerate(texts) if "Warung 0 " in text)
    last = next(i for i, text in enumerate(texts) if "Warung 69 " in text)
    assert first == 0 and last > first
    continued = texts[last]
    assert continued.index("Tunggakan terlama") < continued.index("Warung 69 ")
    assert continued.index("Warung 69 ") < continued.index("Subtotal ZA01")

    # Numbered 1 to 100 in order across the pages, each row once.
    numbers = [int(n) for n in re.findall(r"^(\d+) S-\d{3} ", "\n".join(texts), re.M)]
    assert numbers == list(range(1, 101))

    everything = "\n".join(texts)
    assert "Subtotal ZA01" in everything and "Subtotal ZB02" in everything
    assert "70 usaha" in everything and "Rp2.100.000" in everything  # 70 × Rp30.000
    assert "30 usaha" in everything and "Rp900.000" in everything
    assert "100 usaha" in texts[-1] and "Rp3.000.000" in texts[-1]  # the grand total
    assert "Total keseluruhan" in texts[-1] and "Jakarta, 30 Maret 2026" in texts[-1]


def test_long_names_are_cut_and_unusual_characters_are_kept(pages):
    rows = [
        _row(1, "ZC01", business="Warung Makan Nusantara Sejahtera Abadi Jaya Makmur Sentosa"),
        _row(2, "ZC01", business="Kedai (Bu) Ani \\ Cabang 2", owner="Ömer Ñuñez"),
        _row(3, "ZC01", business="Toko 漢字 Sembako", owner="Pemilik Tiga"),
    ]
    text = "\n".join(pages(rows))
    line = next(line for line in text.splitlines() if line.startswith("1 S-001 "))
    assert "Warung Makan Nusantara" in line and "…" in line and "Sentosa" not in line
    assert "Pemilik 1 3171********0003 081234567890 10 Rp30.000" in line
    assert "Kedai (Bu) Ani \\ Cabang 2 Ömer Ñuñez 3171********0003" in text
    line = next(line for line in text.splitlines() if line.startswith("3 S-003 "))
    assert "Toko" in line and "Sembako Pemilik Tiga 3171********0003" in line
    assert "Rp90.000" in text  # the subtotal of the three rows
