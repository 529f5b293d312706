"""Receipts (80 mm thermal and A6) and the daily collection report, as PDF bytes."""

import math
import zlib
from functools import cache
from itertools import zip_longest
from xml.sax.saxutils import escape

from flask_babel import format_time
from flask_babel import gettext as _
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from hallmgr.collection import rules
from hallmgr.core import labels
from hallmgr.core.days import compress_ranges
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.reports.pdf import GRID_STYLE, build, signature_block, spacer, styles

THERMAL_WIDTH = 80 * mm
SIZES = ("80mm", "a6")
SMALL = [("FONTSIZE", (0, 0), (-1, -1), 7.5), ("LEADING", (0, 0), (-1, -1), 9)]


def days_text(days) -> list[str]:
    """The days covered as ranges: '17 Agu 2026', '18 Agu 2026 s.d. 21 Agu 2026'."""
    out = []
    for first, last in compress_ranges(d for d, _rate in days):
        if first == last:
            out.append(format_day(first))
        else:
            out.append(_("%(first)s to %(last)s", first=format_day(first), last=format_day(last)))
    return out


# --- the QR code ---------------------------------------------------------------------
#
# ReportLab's encoder is right but slow: its Reed-Solomon division is a recursion that
# builds a new polynomial per data byte, and it places the modules bit by bit through
# lambdas (3 ms of the receipt for a 90-character link). The same code (byte mode, level L,
# mask 0) is built here from its tables: the error correction by table look-ups, the
# layout of a version (function patterns, data positions, mask) once per version.

QR_BORDER = 4  # modules of quiet zone around the code
_QR_L = qrencoder.QRErrorCorrectLevel.L


@cache
def _qr_blocks(version: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error correction codewords) per block of `version` at level L."""
    return tuple(
        (b.dataCount, b.totalCount - b.dataCount)
        for b in qrencoder.QRRSBlock.getRSBlocks(version, _QR_L)
    )


@cache
def _qr_generator(n: int) -> tuple[int, ...]:
    """The Reed-Solomon generator of degree n, its coefficients after the leading 1 as logs."""
    exp, log = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE
    g = [1]
    for i in range(n):  # times (x - a^i)
        nxt = [*g, 0]
        for j, c in enumerate(g):
            if c:
                nxt[j + 1] ^= exp[(log[c] + i) % 255]
        g = nxt
    return tuple(log[c] for c in g[1:])


@cache
def _qr_ec_table(n: int) -> tuple[int, ...]:
    """Per byte value f, the generator (after its leading 1) times f, as one n-byte integer."""
    exp, log = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE
    gen = _qr_generator(n)
    return (0,) + tuple(
        int.from_bytes(bytes(exp[(log[f] + g) % 255] for g in gen), "big") for f in range(1, 256)
    )


def _qr_ec(data: list[int], n: int) -> list[int]:
    """The n error correction codewords of a block: the remainder of data·x^n by the
    generator, the n-byte remainder kept as one integer (a byte shifts out per data byte)."""
    table = _qr_ec_table(n)
    top, keep = 8 * (n - 1), (1 << (8 * n)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & keep) ^ table[byte ^ (rem >> top)]
    return list(rem.to_bytes(n, "big"))


@cache
def _qr_layout(version: int) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], int]:
    """The function patterns of `version` (rows of '0'/'1', format info for level L and mask
    0), the data positions (column, row) in placing order, and mask 0 over them as bits."""
    code = qrencoder.QRCode(version, _QR_L)
    n = code.moduleCount = version * 4 + 17
    code.modules = [[False] * n for _ in range(n)]
    code.setupPositionProbePattern(0, 0)
    code.setupPositionProbePattern(n - 7, 0)
    code.setupPositionProbePattern(0, n - 7)
    code.setupPositionAdjustPattern()
    code.setupTimingPattern()
    code.setupTypeInfo(False, 0)
    if version >= 7:
        code.setupTypeNumber(False)
    positions = tuple(code.dataPosIterator())
    for col, row in positions:
        code.modules[row][col] = False
    rows = tuple("".join("1" if m else "0" for m in row) for row in code.modules)
    mask = int("".join("1" if (r + c) % 2 == 0 else "0" for c, r in positions), 2)
    return rows, positions, mask


def qr_matrix(text: str) -> list[str]:
    """The QR code of `text` (UTF-8 bytes, level L, mask 0) as rows of '0'/'1' (1 dark).

    Mask 0 always: every mask is valid for a reader, and scoring all eight (what a
    generic encoder does) costs more than the whole receipt.
    """
    data = text.encode("utf-8")
    n = len(data)
    for version in range(1, 41):
        length_bits = 8 if version < 10 else 16
        capacity = sum(d for d, _e in _qr_blocks(version))
        if 4 + length_bits + 8 * n <= 8 * capacity:
            break
    else:
        raise ValueError("text too long for a QR code")
    # Mode 0100 (bytes), the count, the bytes, up to 4 terminator bits, zeros to a byte.
    bits = 4 + length_bits + 8 * n
    value = (((0b0100 << length_bits) | n) << (8 * n)) | int.from_bytes(data, "big")
    tail = min(4, 8 * capacity - bits)
    tail += -(bits + tail) % 8
    value <<= tail
    raw = list(value.to_bytes((bits + tail) // 8, "big"))
    raw += [(0xEC, 0x11)[i % 2] for i in range(capacity - len(raw))]
    blocks, ecs, offset = [], [], 0
    for dc, ec in _qr_blocks(version):
        blocks.append(raw[offset : offset + dc])
        ecs.append(_qr_ec(blocks[-1], ec))
        offset += dc
    words = [
        w for group in (blocks, ecs) for col in zip_longest(*group) for w in col if w is not None
    ]
    rows, positions, mask = _qr_layout(version)
    count = len(positions)
    stream = int.from_bytes(bytes(words), "big") << (count - 8 * len(words))
    placed = format(stream ^ mask, f"0{count}b")
    out = [list(row) for row in rows]
    for (col, row), bit in zip(positions, placed, strict=True):
        if bit == "1":
            out[row][col] = "1"
    return ["".join(row) for row in out]


def qr_path(text: str) -> tuple[int, str]:
    """The QR code of `text` as (module count, PDF path of its dark runs): module units, a
    4-module quiet zone, rows downwards from the top, written once as PDF operators."""
    matrix = qr_matrix(text)
    ops = []
    for r, row in enumerate(matrix):
        y, c = f" {r + QR_BORDER} ", QR_BORDER
        for run in row.split("0"):  # the dark runs, each followed by one light module
            if run:
                ops.append(f"{c}{y}{len(run)} 1 re")
            c += len(run) + 1
    return len(matrix), "\n".join(ops)


def _qr_ops(text: str, x: float, top: float, size: float) -> str:
    """The QR code of `text`, `size` points square with its top left corner at (x, top)."""
    count, path = qr_path(text)
    cell = size / (count + 2 * QR_BORDER)
    # Module units, rows downwards from `top`, as the path is written; one fill.
    return f"q 0 g {fp_str(cell, 0, 0, -cell, x, top)} cm\n{path}\nf Q"


# --- the receipt -----------------------------------------------------------------------
#
# A receipt is a fixed column of short lines on one page (A6: on more if it must): laid out
# here line by line, each line measured once and only a line wider than the column wrapped,
# then written as PDF operators straight into a small PDF of our own (the standard
# Helvetica fonts, nothing embedded). ReportLab's platypus layout and its document writer
# cost ten times the whole receipt for these few lines.

REGULAR, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


def _wrap(runs: list[tuple[str, str]], width: float, size: float) -> list[list[tuple[str, str]]]:
    """Runs of (text, font) as lines no wider than `width`: [(text, font), ...] per line.

    Breaks at spaces; a word wider than the column alone is cut where it reaches the edge.
    """
    if sum(stringWidth(t, f, size) for t, f in runs) <= width:
        return [runs]
    words = []  # (word, font, width), every word followed by a space in its font
    for text, font in runs:
        for word in text.split():
            while stringWidth(word, font, size) > width and len(word) > 1:
                cut = 1  # the longest head that fits (at least one character)
                while stringWidth(word[: cut + 1], font, size) <= width:
                    cut += 1
                words.append((word[:cut], font, stringWidth(word[:cut], font, size)))
                word = word[cut:]
            words.append((word, font, stringWidth(word, font, size)))
    lines, line, used = [], [], 0.0
    for word, font, w in words:
        space = stringWidth(" ", font, size) if line else 0.0
        if line and used + space + w > width:
            lines.append(line)
            line, used, space = [], 0.0, 0.0
        line.append((word, font))
        used += space + w
    if line:
        lines.append(line)
    out = []
    for line in lines:  # words of one font together again, as runs
        runs_out: list[tuple[str, str]] = []
        for word, font in line:
            if runs_out and runs_out[-1][1] == font:
                runs_out[-1] = (runs_out[-1][0] + " " + word, font)
            elif runs_out:
                runs_out[-1] = (runs_out[-1][0] + " ", runs_out[-1][1])
                runs_out.append((word, font))
            else:
                runs_out.append((word, font))
        out.append(runs_out)
    return out


class _Column:
    """The receipt's lines top-down, as blocks of (height, [(kind, y in block, ...)])."""

    def __init__(self, width: float, base: float):
        self.width, self.base = width, base
        self.blocks: list[tuple[float, list[tuple]]] = []

    def text(self, runs, size=None, centre=False, indent=0.0):
        size = size or self.base
        leading = size * 1.25
        lines = _wrap(runs, self.width - indent, size)
        ops = [
            ("text", i * leading + size, indent, size, centre, line) for i, line in enumerate(lines)
        ]
        self.blocks.append((len(lines) * leading, ops))

    def field(self, label: str, value: str, bold: bool = False):
        self.text([(label + ": ", REGULAR), (value, BOLD if bold else REGULAR)])

    def space(self, height: float):
        self.blocks.append((height, []))

    def rule(self):  # an HRFlowable: 1 pt above and below a 0.5 pt line
        self.blocks.append((2.5, [("rule", 1.25)]))

    def qr(self, url: str, size: float):
        self.blocks.append((size, [("qr", 0.0, url, size)]))

    @property
    def height(self) -> float:
        return sum(h for h, _ops in self.blocks)


def _receipt_column(facts: dict, issuer: str, verify_url: str, width: float, base: float):
    col = _Column(width, base)
    for text in (issuer, f"{facts['hall_name']} ({facts['hall_code']})", facts["region"]):
        if text:
            col.text([(text, REGULAR)], centre=True)
    col.space(1.5 * mm)
    col.text([(_("RETRIBUTION PAYMENT RECEIPT"), BOLD)])
    col.field(_("Receipt number"), facts["number"], bold=True)
    col.field(_("Date"), format_moment(facts["recorded_at"]) + " WIB")
    if facts["void"]:
        void_line = f"VOID · {format_moment(facts['voided_at'])} · {facts['void_reason']}"
        col.text([(void_line, BOLD)])
    col.rule()
    col.field(_("Stall"), facts["stall_code"], bold=True)
    col.field(_("Business"), facts["business"])
    col.field(_("Owner"), facts["owner"])
    col.field(_("Days paid"), str(len(facts["days"])))
    ranges = days_text(facts["days"])
    if len(ranges) <= 4:
        bullet = stringWidth("  ", REGULAR, base)
        for text in ranges:
            col.text([("• " + text, REGULAR)], indent=bullet)
    else:  # many short runs (a hall closed on Sundays): one paragraph keeps the receipt short
        col.text([("; ".join(ranges), REGULAR)], size=base - 1.5)
    rates = ", ".join(
        _("%(rate)s × %(n)d days", rate=format_rupiah(rate), n=n)
        for rate, n in rules.rate_groups(facts["days"])
    )
    col.field(_("Daily rate"), rates)
    col.rule()
    col.field(_("Total"), format_rupiah(facts["amount"]), bold=True)
    col.text([(terbilang(facts["amount"]), ITALIC)])
    col.field(_("Method"), labels.label(labels.METHOD_LABELS, facts["method"]))
    col.field(_("Collector"), facts["collector"])
    col.space(2 * mm)
    col.qr(verify_url, min(width * 0.5, 32 * mm))
    col.text([(_("Scan to check that this receipt is genuine."), REGULAR)], size=base - 1.5)
    return col


FONT_NAMES = {REGULAR: "F1", BOLD: "F2", ITALIC: "F3"}
GREY = "0.501961 0.501961 0.501961"  # reportlab.lib.colors.grey
_SPACES = str.maketrans({c: " " for c in range(32)})  # no control character reaches the PDF


def _pdf_string(text: str) -> str:
    """`text` as a PDF string in WinAnsiEncoding (the standard fonts' encoding here); a
    character that encoding lacks prints as '?'. Latin-1 text, encoded when written."""
    raw = text.translate(_SPACES).encode("cp1252", "replace").decode("latin-1")
    return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _void_stamp(width: float, height: float) -> str:
    """VOID across the page, turned 35°, in translucent red (under the text)."""
    size = min(width, height) / 3.2
    text_width = stringWidth("VOID", BOLD, size)
    cos, sin = math.cos(math.radians(35)), math.sin(math.radians(35))
    return (
        f"q /GS1 gs 0.8 0 0 rg 1 0 0 1 {fp_str(width / 2, height / 2)} cm "
        f"{fp_str(cos, sin, -sin, cos)} 0 0 cm BT /F2 {fp_str(size)} Tf "
        f"{fp_str(-text_width / 2, -min(width, height) / 10)} Td (VOID) Tj ET Q"
    )


def _block_ops(ops, left: float, top: float, width: float) -> list[str]:
    """One block's PDF operators, `top` the PDF y of the block's top edge."""
    out = []
    for op in ops:
        kind = op[0]
        if kind == "text":
            _kind, dy, indent, size, centre, runs = op
            if centre:
                x = left + (width - sum(stringWidth(t, f, size) for t, f in runs)) / 2
            else:
                x = left + indent
            for text, font in runs:
                out.append(
                    f"BT /{FONT_NAMES[font]} {fp_str(size)} Tf {fp_str(x, top - dy)} Td "
                    f"{_pdf_string(text)} Tj ET"
                )
                x += stringWidth(text, font, size)
        elif kind == "rule":
            y = top - op[1]
            out.append(f"q {GREY} RG 0.5 w {fp_str(left, y)} m {fp_str(left + width, y)} l S Q")
        else:  # qr, centred
            _kind, dy, url, size = op
            out.append(_qr_ops(url, left + (width - size) / 2, top - dy, size))
    return out


def _pdf_info_string(text: str) -> bytes:
    if text.isascii():
        return _pdf_string(text).encode("latin-1")
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf(pages: list[list[str]], pagesize: tuple[float, float], title: str) -> bytes:
    """A PDF 1.4 file of `pages` (each a list of content operators), all of `pagesize`."""
    first_page = 8  # objects: catalog, page tree, info, 3 fonts, transparency, then pages
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Title "
        + _pdf_info_string(title)
        + b" /Author (hallmgr) /Creator (hallmgr) /Producer (hallmgr) >>",
        *(
            f"<< /Type /Font /Subtype /Type1 /Name /{name} /BaseFont /{font} "
            "/Encoding /WinAnsiEncoding >>".encode()
            for font, name in FONT_NAMES.items()
        ),
        b"<< /Type /ExtGState /ca 0.35 /CA 0.35 >>",
    ]
    resources = (
        "<< /Font << /F1 4 0 R /F2 5 0 R /F3 6 0 R >> /ExtGState << /GS1 7 0 R >> "
        "/ProcSet [/PDF /Text] >>"
    )
    for i, ops in enumerate(pages):
        stream = zlib.compress("\n".join(ops).encode("latin-1"), 1)  # 6 KB -> 1.9 KB in 40 us
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {fp_str(*pagesize)}] "
            f"/Resources {resources} /Contents {first_page + 2 * i + 1} 0 R >>".encode()
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def receipt_pdf(facts: dict, *, issuer: str, verify_url: str, size: str = "80mm") -> bytes:
    """One receipt, on a thermal roll 80 mm wide (as long as it needs) or on A6."""
    pad = 6  # what the platypus frame this layout replaces padded its content by
    if size == "a6":
        margin = 7 * mm
        width = A6[0] - 2 * margin - 2 * pad
        column = _receipt_column(facts, issuer, verify_url, width, 8)
        pagesize = A6
    else:
        margin = 4 * mm
        width = THERMAL_WIDTH - 2 * margin - 2 * pad
        column = _receipt_column(facts, issuer, verify_url, width, 8)
        # A roll has no fixed page: the page is cut to the receipt's length.
        pagesize = (THERMAL_WIDTH, column.height + 2 * pad + 2 * margin + 6 * mm)
    page_width, page_height = pagesize
    left, top, bottom = margin + pad, page_height - margin - pad, margin + pad
    stamp = [_void_stamp(page_width, page_height)] if facts["void"] else []
    pages = [list(stamp)]
    y = top
    for height, ops in column.blocks:
        if y - height < bottom - 0.01 and y < top:  # A6: what does not fit goes on a new page
            pages.append(list(stamp))
            y = top
        pages[-1] += _block_ops(ops, left, y, width)
        y -= height
    return _pdf(pages, pagesize, _("Receipt %(number)s", number=facts["number"]))


def daily_report_pdf(report, *, issuer: str, region: str, printed_by: str, printed_at) -> bytes:
    """The laporan penerimaan harian of a hall: receipts, voids, totals, deposits, signatures."""
    st = styles(8.5)
    st["small_bold"] = ParagraphStyle("small_bold", parent=st["small"], fontName="Helvetica-Bold")
    e = escape
    p = lambda text, style="body": Paragraph(text, st[style])  # noqa: E731
    hall = report.hall
    width = A4[0] - 24 * mm
    story = [
        p(e(issuer), "center"),
        p(e(_("DAILY COLLECTION REPORT")), "title"),
        p(f"{e(hall.name)} ({e(hall.code)}) · {e(region)}", "center"),
        p(e(_("Business day") + ": " + format_day(report.day, "full")), "center"),
        spacer(3),
        p(e(_("Receipts")), "heading"),
    ]
    header = [
        _("No."),
        _("Receipt"),
        _("Time"),
        _("Stall"),
        _("Business"),
        _("Days"),
        _("Method"),
        _("Collector"),
        _("Amount"),
    ]
    rows = [[p(e(h), "small_bold") for h in header]]
    for n, r in enumerate(report.receipts, 1):
        amount = format_rupiah(r.amount)
        rows.append(
            [
                str(n),
                p(e(r.receipt_number) + (" <b>VOID</b>" if r.voided_at else ""), "small"),
                format_time(r.recorded_at, "short"),
                r.stall_code,
                p(e(r.business), "small"),
                str(r.n_days),
                labels.label(labels.METHOD_LABELS, r.method),
                p(e(r.collector), "small"),
                f"({amount})" if r.voided_at else amount,
            ]
        )
    if len(rows) == 1:
        rows.append([_("No receipt on this day.")] + [""] * (len(header) - 1))
    table = Table(
        rows,
        colWidths=[10 * mm, 33 * mm, 11 * mm, 14 * mm, 34 * mm, 11 * mm, 17 * mm, 30 * mm, None],
        repeatRows=1,
    )
    table.setStyle(TableStyle([*GRID_STYLE, *SMALL, ("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
    story.append(table)

    story.append(p(e(_("Voided receipts")), "heading"))
    if report.voids:
        voids = [[_("Receipt"), _("Amount"), _("Reason")]]
        voids += [
            [r.receipt_number, format_rupiah(r.amount), p(e(r.void_reason or ""), "small")]
            for r in report.voids
        ]
        vt = Table(voids, colWidths=[40 * mm, 25 * mm, None], repeatRows=1)
        vt.setStyle(TableStyle([*GRID_STYLE, *SMALL]))
        story.append(vt)
    else:
        story.append(p(e(_("None."))))

    if report.late_voids:
        story.append(p(e(_("Receipts of earlier days voided on this day")), "heading"))
        late = [[_("Receipt"), _("Business day"), _("Amount"), _("Reason")]]
        late += [
            [
                r.receipt_number,
                format_day(r.business_day),
                format_rupiah(r.amount),
                p(e(r.void_reason or ""), "small"),
            ]
            for r in report.late_voids
        ]
        lt = Table(late, colWidths=[40 * mm, 30 * mm, 25 * mm, None], repeatRows=1)
        lt.setStyle(TableStyle([*GRID_STYLE, *SMALL]))
        story.append(lt)

    story.append(p(e(_("Totals per collector and deposits")), "heading"))
    totals = [
        [
            _("Collector"),
            _("Cash"),
            _("QRIS"),
            _("Transfer"),
            _("Total"),
            _("Cash received"),
            _("Difference"),
        ]
    ]
    for c in report.collectors:
        totals.append(
            [
                p(e(c.name), "small"),
                format_rupiah(c.totals["cash"]),
                format_rupiah(c.totals["qris"]),
                format_rupiah(c.totals["transfer"]),
                format_rupiah(c.total),
                format_rupiah(c.deposit.amount_received) if c.deposit else _("not recorded"),
                format_rupiah(c.difference) if c.deposit else "",
            ]
        )
    received = sum(c.deposit.amount_received for c in report.collectors if c.deposit)
    totals.append(
        [
            _("All"),
            format_rupiah(report.totals["cash"]),
            format_rupiah(report.totals["qris"]),
            format_rupiah(report.totals["transfer"]),
            format_rupiah(report.total),
            format_rupiah(received),
            "",
        ]
    )
    tt = Table(totals, colWidths=[40 * mm] + [None] * 6, repeatRows=1)
    tt.setStyle(
        TableStyle(
            [
                *GRID_STYLE,
                *SMALL,
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story.append(tt)
    story += [
        spacer(8),
        signature_block(
            [_("Collector"), _("Treasurer (bendahara)"), _("Hall manager")], width=width
        ),
    ]
    footer = _("Printed by %(user)s, %(when)s WIB", user=printed_by, when=format_moment(printed_at))
    return build(
        story,
        pagesize=A4,
        title=_(
            "Daily collection report %(hall)s %(day)s", hall=hall.code, day=report.day.isoformat()
        ),
        footer_left=footer,
    )
