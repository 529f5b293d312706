"""The arrears list (daftar tunggakan) and warning letters as PDF. Plain data in, bytes out.

The list is laid out as many small blocks of rows (a header row each, so every page
starts with one), never as one giant table: ReportLab splits a long table by
re-measuring it, which grows with its length. Each block is drawn directly on the
canvas (one-line cells, fixed row height). A row becomes its PDF text operators once,
when it is added (RowLayout: widths from the font's table, repeated cells encoded once),
and a block's drawing is joining them; finished pages are held as one string each until
the page count is known for "page X of Y".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from hallmgr.arrears.export import as_of_note, totals_text
from hallmgr.arrears.letters import LetterData
from hallmgr.arrears.rules import AgingBucket
from hallmgr.arrears.services import ArrearsRow, Totals
from hallmgr.core.i18n import format_day
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.reports.pdf import (
    GRID_STYLE,
    build,
    chunked,
    numbered_canvas,
    signature_block,
    spacer,
    styles,
)

ROWS_PER_TABLE = 40
FONT_SIZE = 7.5
# No., stall, business, owner, NIK, phone, days, amount, oldest, last payment, aging (mm).
COLUMNS_MM = (10, 17, 50, 40, 29, 25, 14, 24, 22, 22, 20)


@dataclass(frozen=True)
class ListHeader:
    issuer: str
    as_of: date
    filters: list[tuple[str, str]]  # (label, value) as chosen
    printed_by: str
    printed_at: str  # already formatted, WIB
    place_date: str


HEADER_BG = colors.HexColor("#e8f3ec")
GRID = colors.HexColor("#9aa5a0")
ROW_HEIGHT = FONT_SIZE * 1.2 + 4  # leading and 2 pt of padding above and below
RIGHT_ALIGNED = frozenset({0, 6, 7})  # No., days, amount
BODY_FONT, HEAD_FONT = "Helvetica", "Helvetica-Bold"
PADDING = 3  # pt between a cell's text and its rule


class _Row(tuple):
    """The cells of a row whose text needs ReportLab's own encoding (characters outside
    WinAnsi, drawn from the substitution fonts); drawn cell by cell with a text object."""


class RowLayout:
    """Turns the cells of a row into PDF text operators once, when the row is added:
    a row is kept as one string, positioned relative to its own baseline, so that drawing
    a block is joining strings. What repeats (amounts, dates, labels, stall codes, the
    moves between columns) is measured, encoded and formatted once.

    Texts are measured by summing the body font's character widths (integers in
    thousandths of the size); a sum within a hair of a limit is measured again by
    ReportLab, so a cut is exactly where ReportLab's widths put it."""

    REPEATED = frozenset({1, 4, 5, 6, 7, 8, 9, 10})  # columns whose texts repeat
    ELLIPSIS = "…"
    HAIR = 1e-6  # in thousandths of the font size

    def __init__(self, widths: list[float]):
        self.widths = widths
        edges = [0.0]
        for w in widths:
            edges.append(edges[-1] + w)
        self.edges = edges
        font = pdfmetrics.getFont(BODY_FONT)
        self.encoding = font.encName
        self._max_char = max(font.widths) * FONT_SIZE / 1000
        # Character -> width and -> its escaped form in a PDF string, for every character
        # the body font encodes (WinAnsi); others are left to ReportLab.
        self._units: dict[str, int] = {}
        self._escaped: dict[int, str] = {}
        for code in range(256):
            try:
                char = bytes([code]).decode(self.encoding)
            except UnicodeDecodeError:
                continue
            if len(char) != 1 or char.encode(self.encoding) != bytes([code]):
                continue
            self._units[char] = font.widths[code]
            escaped = escapePDF(bytes([code]))
            if escaped != char:
                self._escaped[ord(char)] = escaped
        for code in range(128):  # ASCII the font does not encode must not pass as is
            if chr(code) not in self._units:
                self._escaped[code] = "\uffff"
        self._ascii_plain = all(
            chr(code) in self._units and code not in self._escaped
            for code in range(32, 127)
            if chr(code) not in "()\\"
        )
        self._escaped_ellipsis = self._ascii_plain and self._escaped.get(ord(self.ELLIPSIS))
        # Row numbers are digits, all of one width in Helvetica: their x by their length.
        self._digit_width = {stringWidth(d, BODY_FONT, FONT_SIZE) for d in "0123456789"}
        self._cache: dict = {}  # (column, text, font) -> x; (x, column, text) -> operators
        # x of the left-aligned columns (None: right-aligned, placed by their text's width)
        self._left = [
            None if col in RIGHT_ALIGNED else edges[col] + PADDING for col in range(len(widths))
        ]

    def x(self, col: int, cell: str, font: str = BODY_FONT) -> float:
        if col not in RIGHT_ALIGNED:
            return self.edges[col] + PADDING
        if col == 0 and font == BODY_FONT and len(self._digit_width) == 1 and cell.isdecimal():
            key = (0, len(cell), font)
        else:
            key = (col, cell, font)
        x = self._cache.get(key)
        if x is None:
            width = stringWidth(cell, font, FONT_SIZE)
            x = self._cache[key] = self.edges[col + 1] - PADDING - width
        return x

    def show(self, cell: str) -> str | None:
        """'(text) Tj' for a text the body font encodes (WinAnsi); None when it needs
        the substitution fonts."""
        if self._ascii_plain and cell.isascii() and cell.isprintable():
            if "(" not in cell and ")" not in cell and "\\" not in cell:
                return f"({cell}) Tj"
        ellipsis = self._escaped_ellipsis
        if ellipsis and cell and cell[-1] == self.ELLIPSIS:  # a cut text
            head = cell[:-1]
            if head.isascii() and head.isprintable():
                if "(" not in head and ")" not in head and "\\" not in head:
                    return f"({head}{ellipsis}) Tj"
        escaped = cell.translate(self._escaped)
        if escaped.isascii():
            return f"({escaped}) Tj"
        return None

    def fit(self, text: str, col: int) -> str:
        """The text cut with an ellipsis to fit its column (the longest prefix that fits
        with the ellipsis); short texts fit unmeasured."""
        text = text or ""
        avail = self.widths[col] - 4
        if len(text) * self._max_char <= avail:
            return text
        units = self._units
        try:
            full = sum(map(units.__getitem__, text))
        except KeyError:  # a character from the substitution fonts
            return self._fit_measured(text, avail)
        limit = avail * 1000 / FONT_SIZE
        if full <= limit - self.HAIR:
            return text
        if full <= limit + self.HAIR:
            return self._fit_measured(text, avail)
        # Drop characters from the end until the rest and the ellipsis fit.
        room = limit - units[self.ELLIPSIS]
        k, rest = len(text), full
        while k > 0 and rest > room:
            k -= 1
            rest -= units[text[k]]
        if k and rest > room - self.HAIR:  # on the edge: let ReportLab measure
            return self._fit_measured(text, avail)
        if k + 1 < len(text) and rest + units[text[k]] <= room + self.HAIR:
            return self._fit_measured(text, avail)
        return text[:k] + self.ELLIPSIS

    def _fit_measured(self, text: str, avail: float) -> str:
        """fit()'s cut, measured by ReportLab, the prefix found by bisection."""
        if stringWidth(text, BODY_FONT, FONT_SIZE) <= avail:
            return text
        lo, hi = 0, len(text) - 1  # text[:lo] + "…" fits (or lo is 0); text[:hi + 1] not
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if stringWidth(text[:mid] + self.ELLIPSIS, BODY_FONT, FONT_SIZE) <= avail:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo] + self.ELLIPSIS

    def row(self, cells: list[str], font: str = BODY_FONT) -> "str | _Row":
        """The row's text operators, to follow the baseline's y: the first cell's x and
        y set the text matrix ('Tm'), each further cell moves the text line along by
        its distance ('Td') and shows its text."""
        ops = []
        x_prev = None
        cache = self._cache
        repeated = self.REPEATED if font == BODY_FONT else ()  # the head: once
        left = self._left
        for col, cell in enumerate(cells):
            if not cell:
                continue
            x = left[col]
            if x is None:
                x = self.x(col, cell, font)
            key = (x_prev, col, cell) if col in repeated else None
            piece = cache.get(key) if key else None
            if piece is None:
                shown = self.show(cell)
                if shown is None:
                    return _Row(cells)
                if x_prev is None:
                    piece = self._start(x) + shown
                else:
                    piece = self._move(x - x_prev) + shown
                if key and len(cache) < 100_000:
                    cache[key] = piece
            ops.append(piece)
            x_prev = x
        return " ".join(ops)

    def _start(self, x: float) -> str:
        key = ("Tm", x)
        start = self._cache.get(key)
        if start is None:
            start = self._cache[key] = f"{fp_str(x)} {{y}} Tm "
        return start

    def block(self, rows: int) -> tuple[str, list[str]]:
        """A block's rules (as canvas.lines draws them: a line under every row, one at
        every column's edge) and its rows' baselines (a row's top, 2 pt of padding, the
        font's size, 1.5 pt of descent room), for a block of this many rows."""
        key = ("block", rows)
        found = self._cache.get(key)
        if found is None:
            rh, width, height = ROW_HEIGHT, self.edges[-1], ROW_HEIGHT * (rows + 1)
            lines = [(0, height - n * rh, width, height - n * rh) for n in range(rows + 2)]
            lines += [(e, 0, e, height) for e in self.edges]
            rules = "\n".join(
                ["n", *(f"{fp_str(x1, y1)} m {fp_str(x2, y2)} l" for x1, y1, x2, y2 in lines), "S"]
            )
            baselines = [fp_str(height - (n + 1) * rh + 3.5) for n in range(rows + 1)]
            found = self._cache[key] = (rules, baselines)
        return found

    def _move(self, dx: float) -> str:
        key = ("Td", dx)
        move = self._cache.get(key)
        if move is None:
            move = self._cache[key] = f"{fp_str(dx)} 0 Td "
        return move


class RowBlock(Flowable):
    """A header row and one-line rows under it, ruled like the other tables; split across
    pages by rows, each part with its own header."""

    def __init__(self, head: "str | _Row", rows: list, layout: RowLayout):
        super().__init__()
        self.head, self.rows, self.layout = head, rows, layout
        self.width = layout.edges[-1]
        self.height = ROW_HEIGHT * (len(rows) + 1)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def split(self, avail_width, avail_height):
        fit = int(avail_height // ROW_HEIGHT) - 1
        if fit < 1 or fit >= len(self.rows):
            return []
        return [
            RowBlock(self.head, self.rows[:fit], self.layout),
            RowBlock(self.head, self.rows[fit:], self.layout),
        ]

    def draw(self):
        c = self.canv
        rules, baselines = self.layout.block(len(self.rows))
        c.saveState()
        c.setFillColor(HEADER_BG)
        c.rect(0, self.height - ROW_HEIGHT, self.width, ROW_HEIGHT, stroke=0, fill=1)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.3)
        c._code.append(rules)
        c.setFillColor(colors.black)
        leading = fp_str(FONT_SIZE * 1.2)
        size = fp_str(FONT_SIZE)
        fonts = {
            name: f"{c._doc.getInternalFontName(name)} {size} Tf {leading} TL"
            for name in (HEAD_FONT, BODY_FONT)
        }
        code = ["BT 1 0 0 1 0 0 Tm", fonts[HEAD_FONT]]  # as beginText() starts
        for n, ops in enumerate([self.head, *self.rows]):
            if n == 1:
                code.append(fonts[BODY_FONT])
            if isinstance(ops, _Row):
                code.append(self._cells_code(n, float(baselines[n]), ops))
            elif ops:
                code.append("1 0 0 1 " + ops.replace("{y}", baselines[n], 1))
        code.append("ET")
        c._code.append(" ".join(code))
        c.restoreState()

    def _cells_code(self, n: int, y: float, cells: _Row) -> str:
        """A row with characters outside WinAnsi, through ReportLab's text object (its
        operators only: they join the block's text, which the font ends as it began)."""
        text = self.canv.beginText()
        text._code = []
        font = HEAD_FONT if n == 0 else BODY_FONT
        text.setFont(font, FONT_SIZE, FONT_SIZE * 1.2)
        for col, cell in enumerate(cells):
            if cell:
                text.setTextOrigin(self.layout.x(col, cell, font), y)
                text._textOut(cell)
        return " ".join(text._code)


def _compact_numbered_canvas(footer_left: str) -> type:
    """The shared 'page X of Y' canvas, holding each finished page's drawing as one
    string until the total is known (not thousands of small ones), and letting go of
    each as it is written out: the same PDF, a fraction of the memory."""

    class CompactNumberedCanvas(numbered_canvas(footer_left)):
        def showPage(self):  # noqa: N802  (ReportLab's name)
            self._code = ["\n".join(self._code)]  # ReportLab joins a page's code with \n
            super().showPage()

        def save(self):
            """As the shared canvas saves, each held page dropped once it is out."""
            pages = self._saved_pages
            total = len(pages)
            pages.reverse()
            while pages:
                self.__dict__.update(pages.pop())
                self._draw_footer(total)
                rl_canvas.Canvas.showPage(self)
            rl_canvas.Canvas.save(self)

    return CompactNumberedCanvas


def _table(rows: list[list], widths: list[float], extra_style: list | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        *GRID_STYLE,
        ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), FONT_SIZE * 1.2),
        ("ALIGN", (6, 0), (7, -1), "RIGHT"),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
    ]
    table.setStyle(TableStyle(style + (extra_style or [])))
    return table


def render_arrears_list(rows: Iterable[ArrearsRow], header: ListHeader) -> bytes:
    """A4 landscape: filters on top, a section per hall with its subtotal, a grand total,
    printed by and when, a signature block; page X of Y in the footer."""
    st = styles(8)
    widths = [w * mm for w in COLUMNS_MM]
    head = [
        _("No."),
        _("Stall"),
        _("Business"),
        _("Owner"),
        _("NIK"),
        _("Phone"),
        _("Days"),
        _("Amount"),
        _("Oldest unpaid"),
        _("Last payment"),
        _("Aging"),
    ]
    day_cache: dict[date, str] = {}

    def day(value: date | None) -> str:
        if value is None:
            return "–"
        if value not in day_cache:
            day_cache[value] = format_day(value)
        return day_cache[value]

    amount_cache: dict[int, str] = {}

    def rupiah(value: int) -> str:
        if value not in amount_cache:
            amount_cache[value] = format_rupiah(value)
        return amount_cache[value]

    layout = RowLayout(widths)
    head_ops = layout.row(head, HEAD_FONT)
    fit = layout.fit
    fitted: dict[tuple[str, int], str] = {}

    def fit_repeated(text: str, col: int) -> str:
        """Stall codes and phones repeat (a stall code per hall); cut each once."""
        key = (text, col)
        if key not in fitted:
            fitted[key] = fit(text, col) if len(fitted) < 50_000 else text
        return fitted[key]

    buckets: dict[AgingBucket, str] = {}

    def bucket(code: AgingBucket) -> str:
        if code not in buckets:
            buckets[code] = str(code.label)
        return buckets[code]

    printed = _("Printed by %(name)s, %(when)s", name=header.printed_by, when=header.printed_at)
    story: list = [
        Paragraph(header.issuer, st["center"]),
        Paragraph(_("LIST OF RETRIBUTION ARREARS"), st["title"]),
        Paragraph(_("Arrears as of %(day)s", day=format_day(header.as_of, "long")), st["center"]),
        Paragraph(as_of_note(header.as_of), st["center"]),
        spacer(2),
    ]
    filters = "; ".join(f"{name}: {value}" for name, value in header.filters)
    story.append(Paragraph(_("Filters") + ": " + (filters or _("none")), st["body"]))
    story.append(Paragraph(printed, st["small"]))
    story.append(spacer(2))

    number = 0
    grand = Totals()

    def subtotal_table(name: str, totals: Totals, bold_bg: str) -> Table:
        row = [
            "",
            "",
            totals_text(totals),
            "",
            "",
            "",
            str(totals.unpaid_days),
            format_rupiah(totals.amount),
            "",
            "",
            "",
        ]
        table = Table([[name] + [""] * 10, row], colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (-1, 0)),
                    ("FONTNAME", (0, 0), (-1, -1), "Helvetica-Bold"),
                    ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(bold_bg)),
                    ("GRID", (0, 1), (-1, -1), 0.3, colors.HexColor("#9aa5a0")),
                    ("BOX", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa5a0")),
                    ("ALIGN", (6, 1), (7, 1), "RIGHT"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    def hall_chunks(hall_rows):
        """Group consecutive rows of one hall, streaming."""
        current: list[ArrearsRow] = []
        for row in hall_rows:
            if current and current[0].hall_code != row.hall_code:
                yield current
                current = []
            current.append(row)
        if current:
            yield current

    for hall_rows in hall_chunks(rows):
        first = hall_rows[0]
        totals = Totals()
        story.append(CondPageBreak(30 * mm))
        story.append(
            Paragraph(f"{first.hall_code} · {first.hall_name} · {first.region_name}", st["heading"])
        )
        for part in chunked(hall_rows, ROWS_PER_TABLE):
            body = []
            for row in part:
                number += 1
                totals.add(row)
                grand.add(row)
                body.append(
                    layout.row(
                        [
                            str(number),
                            fit_repeated(row.stall_code, 1),
                            fit(row.business_name, 2),
                            fit(row.owner_name, 3),
                            row.nik_masked,
                            fit_repeated(row.phone, 5),
                            str(row.unpaid_days),
                            rupiah(row.amount),
                            day(row.oldest_unpaid),
                            day(row.last_payment),
                            bucket(row.bucket),
                        ]
                    )
                )
            story.append(RowBlock(head_ops, body, layout))
        story.append(
            subtotal_table(_("Subtotal %(hall)s", hall=first.hall_code), totals, "#f3f6f4")
        )
        story.append(spacer(2))

    if number == 0:
        story.append(Paragraph(_("No arrears match these filters."), st["body"]))
    story.append(spacer(2))
    story.append(subtotal_table(_("Grand total"), grand, "#e8f3ec"))
    story.append(spacer(6))
    story.append(
        KeepTogether(
            signature_block(
                [_("Prepared by"), _("Acknowledged by")],
                place_date=header.place_date,
                width=160 * mm,
            )
        )
    )
    # As reports.pdf.build (same margins and metadata), with the compact footer canvas.
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=_("List of retribution arrears"),
        author="hallmgr",
        creator="hallmgr",
    )
    doc.build(story, canvasmaker=_compact_numbered_canvas(printed))
    return buffer.getvalue()


def render_letters(letters: list[LetterData], issuer: str, signer_role: str) -> bytes:
    """One warning letter per page (A4 portrait), in the order given."""
    st = styles(10.5)
    story: list = []
    for index, letter in enumerate(letters):
        if index:
            story.append(PageBreak())
        story += _letter_story(letter, issuer, signer_role, st)
    return build(
        story,
        pagesize=A4,
        title=_("Warning letter"),
        numbered=False,
        margins=(25 * mm, 20 * mm, 20 * mm, 20 * mm),
    )


def _letter_story(letter: LetterData, issuer: str, signer_role: str, st) -> list:
    header = Table(
        [
            [Paragraph(f"<b>{issuer}</b>", st["center"])],
            [Paragraph(f"{letter.hall_name} · {letter.hall_address}", st["center"])],
        ],
        colWidths=[165 * mm],
    )
    header.setStyle(TableStyle([("LINEBELOW", (0, -1), (-1, -1), 1, colors.black)]))
    meta = Table(
        [
            [_("Number"), ":", letter.number],
            [_("Subject"), ":", _("Unpaid daily retribution")],
            [_("Date"), ":", format_day(letter.issued_on, "long")],
        ],
        colWidths=[25 * mm, 4 * mm, 120 * mm],
    )
    meta.setStyle(
        TableStyle([("FONTSIZE", (0, 0), (-1, -1), 10.5), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    amount = format_rupiah(letter.amount)
    signature = signature_block(
        [signer_role],
        place_date=f"Jakarta, {format_day(letter.issued_on, 'long')}",
        width=70 * mm,
    )
    signature.hAlign = "RIGHT"
    body = [
        header,
        spacer(4),
        Paragraph(f"<b>{letter.level.letter_title}</b>", st["title"]),
        meta,
        spacer(4),
        Paragraph(_("To"), st["body"]),
        Paragraph(
            f"<b>{letter.owner_name}</b><br/>{letter.business_name}<br/>"
            + _("Stall %(stall)s, %(hall)s", stall=letter.stall_code, hall=letter.hall_name),
            st["body"],
        ),
        spacer(4),
        Paragraph(
            _(
                "According to our records, as of %(day)s the daily retribution of your stall "
                "is unpaid for %(days)d days, the oldest being %(oldest)s, in the amount of "
                "%(amount)s (%(words)s).",
                day=format_day(letter.issued_on, "long"),
                days=letter.unpaid_days,
                oldest=format_day(letter.oldest_unpaid, "long"),
                amount=amount,
                words=terbilang(letter.amount),
            ),
            st["body"],
        ),
        spacer(2),
        Paragraph(
            _(
                "We ask you to settle these arrears with the hall's collector no later than "
                "%(deadline)s.",
                deadline=format_day(letter.deadline, "long"),
            ),
            st["body"],
        ),
        spacer(2),
    ]
    if letter.level.is_last:
        body.append(
            Paragraph(
                _(
                    "This is the last warning. If the arrears are not settled by that date, "
                    "the hall manager will recommend that your stall assignment be revoked."
                ),
                st["body"],
            )
        )
    else:
        body.append(
            Paragraph(
                _(
                    "If the arrears are not settled by that date, a further warning will "
                    "follow. Please disregard this letter if you have already paid."
                ),
                st["body"],
            )
        )
    body += [
        spacer(10),
        signature,
        spacer(4),
        Paragraph(_("Issued by %(name)s", name=letter.issued_by), st["small"]),
    ]
    return body
