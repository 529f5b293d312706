"""The arrears list's rows in PDF: many small blocks of one-line rows (a header row each,
so every page starts with one), never one giant table: ReportLab splits a long table by
re-measuring it, which grows with its length. Each block is drawn directly on the canvas
(one-line cells, fixed row height). A row becomes its PDF text operators once, when it is
added (RowLayout: widths from the font's table, repeated cells encoded once), and a
block's drawing is joining them; finished pages are held as one string each until the
page count is known for "page X of Y".
"""

from reportlab.lib import colors
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable

from hallmgr.reports.pdf import numbered_canvas

FONT_SIZE = 7.5


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


def compact_numbered_canvas(footer_left: str) -> type:
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
