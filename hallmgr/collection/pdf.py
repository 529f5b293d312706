"""Receipts (80 mm thermal and A6) as PDF bytes, with their QR code."""

from functools import lru_cache
from io import BytesIO

import zxingcpp
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from hallmgr.collection import rules
from hallmgr.collection.queries import ReceiptFacts
from hallmgr.collection.rules import PaymentMethod
from hallmgr.core.days import compress_ranges
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah, terbilang

THERMAL_WIDTH = 80 * mm
SIZES = ("80mm", "a6")


def days_text(days, words: dict[str, str] | None = None) -> list[str]:
    """The days covered as ranges: '17 Agu 2026', '18 Agu 2026 s.d. 21 Agu 2026'."""
    span = (words or receipt_words())["span"]
    out = []
    for first, last in compress_ranges(d for d, _rate in days):
        if first == last:
            out.append(format_day(first))
        else:
            out.append(span % {"first": format_day(first), "last": format_day(last)})
    return out


def _translate_receipt_words() -> dict[str, str]:
    return {
        "heading": _("RETRIBUTION PAYMENT RECEIPT"),
        "number": _("Receipt number"),
        "date": _("Date"),
        "stall": _("Stall"),
        "business": _("Business"),
        "owner": _("Owner"),
        "days_paid": _("Days paid"),
        "daily_rate": _("Daily rate"),
        "total": _("Total"),
        "method": _("Method"),
        "collector": _("Collector"),
        "scan": _("Scan to check that this receipt is genuine."),
        # Templates, filled in with % as gettext would.
        "span": _("%(first)s to %(last)s"),
        "rate_days": _("%(rate)s × %(n)d days"),
        "title": _("Receipt %(number)s"),
        **{f"method_{method}": str(method.label) for method in PaymentMethod},
    }


_WORDS: dict[tuple[str, str], dict[str, str]] = {}


def receipt_words() -> dict[str, str]:
    """The receipt's fixed words and templates in the user's language, translated once per
    language and process: they are the same on every receipt."""
    key = (str(get_locale()), current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    words = _WORDS.get(key)
    if words is None:
        words = _WORDS[key] = _translate_receipt_words()
    return words


# --- the QR code ---------------------------------------------------------------------

QR_BORDER = 4  # modules of quiet zone around the code


def qr_matrix(text: str) -> list[str]:
    """The QR code of `text` (level L) as rows of '0'/'1', 1 dark, without a quiet zone.

    zxing-cpp's encoder (C++) chooses the mask as the standard says, without making the
    code the slowest part of a receipt as a pure-Python encoder would.
    """
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    image = code.to_image(scale=1, add_quiet_zones=False)
    count = image.shape[1]
    cells = bytes(memoryview(image)).translate(_BITS).decode("ascii")
    return [cells[i : i + count] for i in range(0, len(cells), count)]


_BITS = bytes.maketrans(b"\x00\xff", b"10")  # black pixels are the dark modules


def qr_mask(text: str) -> tuple[int, str]:
    """The QR code of `text` as (module count, its rows as a 1-bit image in hex): a bit per
    module, 1 dark, each row padded to whole bytes, top row first, without a quiet zone.

    The receipt paints it as an image mask: one small inline image (under 300 characters at
    version 3) in place of a path of some two hundred rectangles, less to draw and a
    smaller PDF."""
    matrix = qr_matrix(text)
    count = len(matrix)
    pad = "0" * (-count % 8)
    digits = (count + len(pad)) // 4
    return count, "".join(f"{int(row + pad, 2):0{digits}x}" for row in matrix)


def qr_text(url: str) -> str:
    """`url` as a receipt's QR code carries it: scheme and host in capitals, which name the
    same place (RFC 3986, 3.1 and 3.2.2). With the capital path of a short verification link
    the whole text is then QR alphanumeric, and the code smaller (see collection.links)."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    if not sep or not host.isascii():
        return url
    return f"{scheme.upper()}{sep}{host.upper()}{slash}{path}"


def _draw_qr(canvas, url: str, x: float, top: float, size: float) -> None:
    """The QR code of `url`, `size` points square with its top left corner at (x, top),
    a quiet zone of QR_BORDER modules inside that square."""
    count, data = qr_mask(qr_text(url))
    cell = size / (count + 2 * QR_BORDER)
    side = count * cell
    canvas.saveState()
    canvas.setFillColor(colors.black)
    # The image's unit square onto the code's square; an image mask (/IM) paints the fill
    # colour where its bit is 1 (/D [1 0]), leaves the paper elsewhere, and is scaled
    # without smoothing (no /Interpolate): crisp modules at any printer's resolution.
    canvas.transform(side, 0, 0, side, x + QR_BORDER * cell, top - QR_BORDER * cell - side)
    canvas.addLiteral(f"BI /W {count} /H {count} /IM true /D [1 0] /F /AHx ID\n{data}>\nEI")
    canvas.restoreState()


# --- the receipt -----------------------------------------------------------------------
#
# A receipt is a fixed column of short lines on one page (A6: on more if it must): laid out
# here line by line, each line measured once and only a line wider than the column wrapped,
# then drawn straight on ReportLab's canvas (the standard Helvetica fonts, nothing
# embedded). Platypus paragraphs and frames are made for flowing text: for these few fixed
# lines they would be most of the work.

REGULAR, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


@lru_cache(maxsize=512)
def _wrap(runs: tuple[tuple[str, str], ...], width: float, size: float) -> tuple:
    """Runs of (text, font) as lines no wider than `width`: ((runs of the line), its width)
    per line, the runs as ((text, font), ...).

    Breaks at spaces; a word wider than the column alone is cut where it reaches the edge.
    Cached, widths included (a centred line is not measured again): the issuer's, the
    hall's and the fixed lines come back on every receipt.
    """
    full = sum(stringWidth(t, f, size) for t, f in runs)
    if full <= width:
        return ((runs, full),)
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
        out.append((tuple(runs_out), sum(stringWidth(t, f, size) for t, f in runs_out)))
    return tuple(out)


class _Column:
    """The receipt's lines top-down, as blocks of (height, [(kind, y in block, ...)])."""

    def __init__(self, width: float, base: float):
        self.width, self.base = width, base
        self.blocks: list[tuple[float, list[tuple]]] = []

    def text(self, runs, size=None, centre=False, indent=0.0):
        size = size or self.base
        leading = size * 1.25
        lines = _wrap(tuple(runs), self.width - indent, size)
        ops = [
            ("text", i * leading + size, (self.width - w) / 2 if centre else indent, size, line)
            for i, (line, w) in enumerate(lines)
        ]
        self.blocks.append((len(lines) * leading, ops))

    def field(self, label: str, value: str, bold: bool = False):
        if bold:
            self.text([(label + ": ", REGULAR), (value, BOLD)])
        else:  # one font: one run, measured and drawn once
            self.text([(f"{label}: {value}", REGULAR)])

    def space(self, height: float):
        self.blocks.append((height, []))

    def rule(self):  # an HRFlowable: 1 pt above and below a 0.5 pt line
        self.blocks.append((2.5, [("rule", 1.25)]))

    def qr(self, url: str, size: float):
        self.blocks.append((size, [("qr", 0.0, url, size)]))

    @property
    def height(self) -> float:
        return sum(h for h, _ops in self.blocks)


def _receipt_column(
    facts: ReceiptFacts, issuer: str, verify_url: str, width: float, base: float, words
):
    col = _Column(width, base)
    for text in (issuer, f"{facts.hall_name} ({facts.hall_code})", facts.region):
        if text:
            col.text([(text, REGULAR)], centre=True)
    col.space(1.5 * mm)
    col.text([(words["heading"], BOLD)])
    col.field(words["number"], facts.number, bold=True)
    col.field(words["date"], format_moment(facts.recorded_at) + " WIB")
    if facts.void:
        void_line = f"VOID · {format_moment(facts.voided_at)} · {facts.void_reason}"
        col.text([(void_line, BOLD)])
    col.rule()
    col.field(words["stall"], facts.stall_code, bold=True)
    col.field(words["business"], facts.business)
    col.field(words["owner"], facts.owner)
    col.field(words["days_paid"], str(len(facts.days)))
    ranges = days_text(facts.days, words)
    if len(ranges) <= 4:
        bullet = stringWidth("  ", REGULAR, base)
        for text in ranges:
            col.text([("• " + text, REGULAR)], indent=bullet)
    else:  # many short runs (a hall closed on Sundays): one paragraph keeps the receipt short
        col.text([("; ".join(ranges), REGULAR)], size=base - 1.5)
    rates = ", ".join(
        words["rate_days"] % {"rate": format_rupiah(rate), "n": n}
        for rate, n in rules.rate_groups(facts.days)
    )
    col.field(words["daily_rate"], rates)
    col.rule()
    col.field(words["total"], format_rupiah(facts.amount), bold=True)
    col.text([(terbilang(facts.amount), ITALIC)])
    col.field(words["method"], words.get(f"method_{facts.method}", facts.method))
    col.field(words["collector"], facts.collector)
    col.space(2 * mm)
    col.qr(verify_url, min(width * 0.5, 32 * mm))
    col.text([(words["scan"], REGULAR)], size=base - 1.5)
    return col


def _void_stamp(canvas, width: float, height: float) -> None:
    """VOID across the page, turned 35°, in translucent red (under the text)."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.35))
    canvas.setFont(BOLD, min(width, height) / 3.2)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -min(width, height) / 10, "VOID")
    canvas.restoreState()


class _PageText:
    """A page's lines in one text object (drawString would make one per run), the font set
    only when it changes."""

    def __init__(self, canvas):
        self.canvas, self.text, self.font = canvas, canvas.beginText(), None

    def line(self, x: float, y: float, runs, size: float) -> None:
        self.text.setTextOrigin(x, y)
        for text, font in runs:  # each run starts where the one before it ended
            if self.font != (font, size):
                self.text.setFont(font, size)
                self.font = (font, size)
            self.text.textOut(text)

    def draw(self) -> None:
        self.canvas.drawText(self.text)


def _draw_block(canvas, page_text: _PageText, ops, left: float, top: float, width: float):
    """One block of the column, `top` the PDF y of the block's top edge: its lines into the
    page's text object, rules and the QR code (no text object may hold them) on the canvas."""
    for op in ops:
        kind = op[0]
        if kind == "text":
            _kind, dy, x, size, runs = op
            page_text.line(left + x, top - dy, runs, size)
        elif kind == "rule":
            y = top - op[1]
            canvas.saveState()
            canvas.setStrokeColor(colors.grey)
            canvas.setLineWidth(0.5)
            canvas.line(left, y, left + width, y)
            canvas.restoreState()
        else:  # qr, centred
            _kind, dy, url, size = op
            _draw_qr(canvas, url, left + (width - size) / 2, top - dy, size)


def receipt_pdf(facts: ReceiptFacts, *, issuer: str, verify_url: str, size: str = "80mm") -> bytes:
    """One receipt, on a thermal roll 80 mm wide (as long as it needs) or on A6."""
    pad = 6  # what the platypus frame this layout replaces padded its content by
    words = receipt_words()
    if size == "a6":
        margin = 7 * mm
        width = A6[0] - 2 * margin - 2 * pad
        column = _receipt_column(facts, issuer, verify_url, width, 8, words)
        pagesize = A6
    else:
        margin = 4 * mm
        width = THERMAL_WIDTH - 2 * margin - 2 * pad
        column = _receipt_column(facts, issuer, verify_url, width, 8, words)
        # A roll has no fixed page: the page is cut to the receipt's length.
        pagesize = (THERMAL_WIDTH, column.height + 2 * pad + 2 * margin + 6 * mm)
    page_width, page_height = pagesize
    left, top, bottom = margin + pad, page_height - margin - pad, margin + pad
    out = BytesIO()
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1, invariant=False)
    canvas.setTitle(words["title"] % {"number": facts.number})
    canvas.setAuthor("hallmgr")
    canvas.setCreator("hallmgr")
    if facts.void:
        _void_stamp(canvas, page_width, page_height)
    y, page_text = top, _PageText(canvas)
    for height, ops in column.blocks:
        if y - height < bottom - 0.01 and y < top:  # A6: what does not fit goes on a new page
            page_text.draw()
            canvas.showPage()
            if facts.void:
                _void_stamp(canvas, page_width, page_height)
            y, page_text = top, _PageText(canvas)
        _draw_block(canvas, page_text, ops, left, y, width)
        y -= height
    page_text.draw()
    canvas.showPage()
    canvas.save()
    return out.getvalue()
