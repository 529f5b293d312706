"""The receipt PDF itself: what it prints, that every line stays on the paper, its QR code."""

import re
from datetime import UTC, date, datetime
from io import BytesIO

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from hallmgr.collection import pdf
from hallmgr.collection.queries import ReceiptFacts
from tests.conftest import pdf_text

URL = (
    "https://pasar.example.go.id/collection/verify/PSR-2026-000123/0123456789abcdef0123456789abcdef"
)
LONG = (
    "Warung Makan Sederhana Bu Siti Rahayu dan Keluarga Besar Sejahtera Selalu "
    "Cabang Pasar Induk Kramat Jati Nomor Duapuluhtigaribuempatratuslimapuluhenam"
)


def _facts(**changes):
    facts = {
        "number": "PSR-2026-000123",
        "hall_id": 1,
        "hall_code": "PSR",
        "hall_name": "Pasar Sentral",
        "hall_address": "Jl. Pasar 1",
        "region": "Kota Jakarta Timur",
        "recorded_at": datetime(2026, 8, 17, 3, 0, tzinfo=UTC),
        "business_day": date(2026, 8, 17),
        "stall_code": "A-01",
        "stall_block": "A",
        "business_id": 1,
        "business": "Warung Bu Siti",
        "owner": "Siti Rahayu",
        "days": [(date(2026, 8, d), 3000) for d in (14, 15, 17)],
        "amount": 9000,
        "method": "cash",
        "collector_id": 1,
        "collector": "Budi Santoso",
        "voided_at": None,
        "voided_by": None,
        "void_reason": "",
    }
    return ReceiptFacts(**{**facts, **changes})


def _render(app, facts, size, issuer="Pemerintah Kota", url=URL):
    with app.test_request_context("/"):
        return pdf.receipt_pdf(facts, issuer=issuer, verify_url=url, size=size)


def _runs(data: bytes):
    """(page width, [(x, text width, text)]) of every piece of text the PDF draws."""
    reader = PdfReader(BytesIO(data))
    out = []
    for page in reader.pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, width=width):
            if text.strip() and not cm[1]:  # (the VOID stamp is drawn turned, across the page)
                x = tm[4] * cm[0] + cm[4]
                scale = size * tm[0] * cm[0]
                name = font["/BaseFont"].lstrip("/")
                text = text.rstrip("\n")  # a line's end, which the PDF does not draw
                out.append((width, x, stringWidth(text, name, scale), text))

        page.extract_text(visitor_text=visit)
    return out


@pytest.mark.parametrize("size", ["80mm", "a6"])
def test_receipt_prints_every_fact(app, size):
    text = pdf_text(_render(app, _facts(), size))
    for expected in (
        "PSR-2026-000123",
        "Pasar Sentral (PSR)",
        "A-01",
        "Warung Bu Siti",
        "Siti Rahayu",
        "Rp9.000",
        "sembilan ribu rupiah",
        "Tunai",
        "Budi Santoso",
        "14 Agu 2026 s.d. 15 Agu 2026",
        "17 Agu 2026",
        "Rp3.000 × 3 hari",
    ):
        assert expected in text, expected
    assert "VOID" not in text


def test_void_receipt_says_void_with_time_and_reason(app):
    facts = _facts(voided_at=datetime(2026, 8, 17, 5, 0, tzinfo=UTC), void_reason="salah lapak")
    text = pdf_text(_render(app, facts, "80mm"))
    assert "VOID" in text and "salah lapak" in text and "PSR-2026-000123" in text


@pytest.mark.parametrize("size", ["80mm", "a6"])
def test_long_names_wrap_inside_the_paper(app, size):
    facts = _facts(
        business=LONG,
        owner=LONG,
        collector=LONG,
        hall_name=LONG,
        void_reason=LONG,
        voided_at=datetime(2026, 8, 17, 5, 0, tzinfo=UTC),
    )
    data = _render(app, facts, size, issuer=LONG)
    runs = _runs(data)
    assert runs
    for page_width, x, width, text in runs:
        assert x >= 0 and x + width <= page_width - 4, text
    text = " ".join(pdf_text(data).split())
    for word in LONG.split()[:-1]:
        assert word in text
    assert "PSR-2026-000123" in text


@pytest.mark.parametrize("size", ["80mm", "a6"])
def test_heading_lines_are_centred_receipt_after_receipt(app, size):
    # The issuer's, the hall's and the region's lines, wrapped or not, sit in the middle of
    # the paper, and a receipt of another hall right after gets its own lines.
    for hall, region in (("Pasar Sentral", "Kota Jakarta Timur"), (LONG, "Kepulauan Seribu")):
        runs = _runs(_render(app, _facts(hall_name=hall, region=region), size, issuer=LONG))
        heading = [i for i, r in enumerate(runs) if r[3].startswith("TANDA BUKTI")][0]
        header = runs[:heading]
        assert " ".join(r[3] for r in header) == f"{LONG} {hall} (PSR) {region}"
        assert len(header) >= 4
        for page_width, x, width, text in header:
            assert abs(x - (page_width - width) / 2) < 0.5, text
        assert runs[heading][1] < header[0][1]  # the heading starts at the left margin


def test_many_days_on_a6_go_on_to_a_second_page(app):
    days = [(date(2026, 1, 1 + 2 * n), 3000) for n in range(15)]
    facts = _facts(days=days, amount=45000, business=LONG, owner=LONG)
    data = _render(app, facts, "a6")
    text = pdf_text(data)
    assert "1 Jan 2026" in text and "29 Jan 2026" in text and "empat puluh lima ribu" in text
    assert "Pindai" in text  # the last line, after the QR code


def _qr_image(rows: list[str], scale: int = 4, border: int = 4) -> Image.Image:
    """The QR matrix as a black-on-white picture, as a phone's camera would see it."""
    n = len(rows) + 2 * border
    image = Image.new("L", (n, n), 255)
    image.putdata([0 if (r, c) in _dark(rows, border) else 255 for r in range(n) for c in range(n)])
    return image.resize((n * scale, n * scale), Image.NEAREST)


def _dark(rows: list[str], border: int) -> set[tuple[int, int]]:
    return {
        (r + border, c + border)
        for r, row in enumerate(rows)
        for c, v in enumerate(row)
        if v == "1"
    }


@pytest.mark.parametrize("length", [20, 88, 130, 300])
def test_qr_code_reads_back_as_the_link(length):
    """A QR reader (zxing-cpp) reads the drawn matrix back to exactly the link."""
    text = (URL * 4)[:length]
    results = zxingcpp.read_barcodes(_qr_image(pdf.qr_matrix(text)))
    assert [(r.format, r.text) for r in results] == [(zxingcpp.BarcodeFormat.QRCode, text)]


def _mask_rows(count: int, data: str) -> list[str]:
    """A 1-bit image in hex (rows padded to whole bytes) as rows of '0'/'1', `count` wide."""
    per_row = len(data) // count
    return [
        f"{int(data[i : i + per_row], 16):0{per_row * 4}b}"[:count]
        for i in range(0, len(data), per_row)
    ]


def test_qr_mask_holds_exactly_the_dark_modules():
    count, data = pdf.qr_mask(URL)
    assert count == len(pdf.qr_matrix(URL))
    assert _mask_rows(count, data) == pdf.qr_matrix(URL)


def _printed_qr(data: bytes) -> list[str]:
    """The QR code a receipt's page paints (its inline image mask), as rows of '0'/'1'."""
    stream = PdfReader(BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    (w, h, hexdata), *others = re.findall(
        r"BI /W (\d+) /H (\d+) /IM true /D \[1 0\] /F /AHx ID\n([0-9a-f]+)>\nEI", stream
    )
    assert not others and w == h
    return _mask_rows(int(w), hexdata)


def _page_picture(data: bytes, page: int = 0, dpi: int = 203) -> Image.Image:
    """A page as a thermal printer prints it (203 dpi), rendered by PDFium."""
    return pypdfium2.PdfDocument(data)[page].render(scale=dpi / 72).to_pil()


@pytest.mark.parametrize("size", pdf.SIZES)
@pytest.mark.parametrize("void", [False, True])
def test_a_phone_reads_the_link_off_the_rendered_receipt(app, size, void):
    """The whole page rendered, VOID stamp and all: one QR code, and it is the link."""
    facts = _facts(voided_at=datetime(2026, 8, 17, 5, 0, tzinfo=UTC)) if void else _facts()
    picture = _page_picture(_render(app, facts, size, url=SHORT_URL))
    results = zxingcpp.read_barcodes(picture)
    assert [(r.format, r.text) for r in results] == [
        (
            zxingcpp.BarcodeFormat.QRCode,
            "HTTPS://SENTRA.JAKARTA.GO.ID/V/PSR-2026-000123/0123456789ABCDEF",
        )
    ]


def test_the_printed_qr_code_has_its_quiet_zone_and_modules_of_whole_dots(app):
    """On a 203 dpi thermal printer the 32 mm code's modules are about 7 dots each, and the
    paper is blank for the 4 modules round the code that readers need (text and rules
    keep off it)."""
    data = _render(app, _facts(), "80mm", url=SHORT_URL)
    picture = _page_picture(data).convert("L")
    (found,) = zxingcpp.read_barcodes(picture)
    corners = [found.position.top_left, found.position.top_right]
    corners += [found.position.bottom_left, found.position.bottom_right]
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    module = (right - left + 1) / 29
    assert 6.5 <= module <= 7.5, module
    assert abs((bottom - top + 1) / 29 - module) < 0.2  # square
    zone = round(4 * module) - 1
    around = picture.crop((left - zone, top - zone, right + zone + 1, bottom + zone + 1))
    code = picture.crop((left, top, right + 1, bottom + 1))
    dark = lambda image: sum(image.point(lambda v: v < 128 and 255).histogram()[1:])  # noqa: E731
    assert dark(code) > 0 and dark(around) == dark(code)  # nothing dark in the zone


SHORT_URL = "https://sentra.jakarta.go.id/V/PSR-2026-000123/0123456789ABCDEF"


def test_the_printed_qr_code_reads_as_the_short_link_with_a_capital_host(app):
    """What a phone reads off the paper: the link with scheme and host in capitals (the same
    address), all QR alphanumeric, so a version 3 code (29 modules) where the long link of
    the first receipts needs a larger one: larger modules at the same printed size."""
    rows = _printed_qr(_render(app, _facts(), "80mm", url=SHORT_URL))
    results = zxingcpp.read_barcodes(_qr_image(rows))
    assert [r.text for r in results] == [
        "HTTPS://SENTRA.JAKARTA.GO.ID/V/PSR-2026-000123/0123456789ABCDEF"
    ]
    assert len(rows) == 29
    long_rows = _printed_qr(_render(app, _facts(), "80mm", url=URL))
    assert [r.text for r in zxingcpp.read_barcodes(_qr_image(long_rows))] == [
        "HTTPS://PASAR.EXAMPLE.GO.ID" + URL.removeprefix("https://pasar.example.go.id")
    ]
    assert len(long_rows) >= 33  # version 4 or more


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://127.0.0.1:8000/V/A-1/B", "HTTP://127.0.0.1:8000/V/A-1/B"),
        ("https://x.go.id/hallmgr/V/A/B", "HTTPS://X.GO.ID/hallmgr/V/A/B"),  # path as it is
        ("https://pasar.例え.jp/V/A/B", "https://pasar.例え.jp/V/A/B"),  # not ASCII: as it is
        ("/V/A/B", "/V/A/B"),
    ],
)
def test_qr_text_capitalises_scheme_and_host_only(url, text):
    assert pdf.qr_text(url) == text


def test_a_name_without_spaces_is_cut_at_the_edge(app):
    name = "Warung" + "x" * 1500
    runs = _runs(_render(app, _facts(business=name), "80mm"))
    pieces = [text for _w, _x, _width, text in runs if "xxx" in text]
    assert len(pieces) > 10 and sum(len(p.strip()) for p in pieces) == len(name)
    for page_width, x, width, text in runs:
        assert x >= 0 and x + width <= page_width - 4, text
