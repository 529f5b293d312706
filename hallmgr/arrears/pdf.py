"""The arrears list (daftar tunggakan) and warning letters as PDF. Plain data in, bytes out.

The list is laid out as many small blocks of rows (a header row each, so every page
starts with one), never as one giant table: ReportLab splits a long table by
re-measuring it, which grows with its length. Each block is drawn directly on the
canvas (one-line cells, fixed row height), which keeps 10,000 rows within seconds.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Table,
    TableStyle,
)

from hallmgr.arrears.labels import BUCKET_LABELS, LETTER_TITLES, label
from hallmgr.arrears.services import ArrearsRow, LetterData, Totals
from hallmgr.core.i18n import format_day
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.reports.pdf import (
    GRID_STYLE,
    build,
    chunked,
    fit_text,
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
_widths: dict[tuple[str, bool], float] = {}  # right-aligned texts repeat: measure once


class RowBlock(Flowable):
    """A header row and one-line rows under it, ruled like the other tables; split across
    pages by rows, each part with its own header."""

    def __init__(self, head: list[str], rows: list[list[str]], widths: list[float]):
        super().__init__()
        self.head, self.rows, self.widths = head, rows, widths
        self.width = sum(widths)
        self.height = ROW_HEIGHT * (len(rows) + 1)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def split(self, avail_width, avail_height):
        fit = int(avail_height // ROW_HEIGHT) - 1
        if fit < 1 or fit >= len(self.rows):
            return []
        return [
            RowBlock(self.head, self.rows[:fit], self.widths),
            RowBlock(self.head, self.rows[fit:], self.widths),
        ]

    def draw(self):
        c = self.canv
        width, height, rh = self.width, self.height, ROW_HEIGHT
        c.saveState()
        c.setFillColor(HEADER_BG)
        c.rect(0, height - rh, width, rh, stroke=0, fill=1)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.3)
        lines = [(0, height - n * rh, width, height - n * rh) for n in range(len(self.rows) + 2)]
        x = 0.0
        edges = [0.0]
        for w in self.widths:
            x += w
            edges.append(x)
        lines += [(e, 0, e, height) for e in edges]
        c.lines(lines)
        c.setFillColor(colors.black)
        text = c.beginText()
        baseline = rh - 2 - FONT_SIZE  # from a row's top: top padding and the font's size
        for n, cells in enumerate([self.head, *self.rows]):
            font = "Helvetica-Bold" if n == 0 else "Helvetica"
            text.setFont(font, FONT_SIZE, FONT_SIZE * 1.2)
            y = height - n * rh - baseline - FONT_SIZE + 1.5
            for col, cell in enumerate(cells):
                if not cell:
                    continue
                if col in RIGHT_ALIGNED:
                    key = (cell, n == 0)
                    w = _widths.get(key)
                    if w is None:
                        w = _widths[key] = stringWidth(cell, font, FONT_SIZE)
                    x = edges[col + 1] - 3 - w
                else:
                    x = edges[col] + 3
                text.setTextOrigin(x, y)
                # _textOut: the cell's text at the origin, without measuring it to move
                # the cursor (each cell sets its own origin).
                text._textOut(cell)
        c.drawText(text)
        c.restoreState()


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

    def fit(text: str, col: int) -> str:
        return fit_text(text, widths[col] - 4, size=FONT_SIZE)

    printed = _("Printed by %(name)s, %(when)s", name=header.printed_by, when=header.printed_at)
    story: list = [
        Paragraph(header.issuer, st["center"]),
        Paragraph(_("LIST OF RETRIBUTION ARREARS"), st["title"]),
        Paragraph(_("Arrears as of %(day)s", day=format_day(header.as_of, "long")), st["center"]),
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
            _("%(count)d businesses", count=totals.businesses),
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
                body.append(
                    [
                        str(number),
                        fit(row.stall_code, 1),
                        fit(row.business_name, 2),
                        fit(row.owner_name, 3),
                        row.nik_masked,
                        fit(row.phone, 5),
                        str(row.unpaid_days),
                        rupiah(row.amount),
                        day(row.oldest_unpaid),
                        day(row.last_payment),
                        label(BUCKET_LABELS, row.bucket),
                    ]
                )
            story.append(RowBlock(head, body, widths))
        story.append(
            subtotal_table(_("Subtotal %(hall)s", hall=first.hall_code), totals, "#f3f6f4")
        )
        story.append(spacer(2))
        grand.businesses += totals.businesses
        grand.unpaid_days += totals.unpaid_days
        grand.amount += totals.amount

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
    return build(
        story,
        pagesize=landscape(A4),
        title=_("List of retribution arrears"),
        footer_left=printed,
    )


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
        Paragraph(f"<b>{label(LETTER_TITLES, letter.level)}</b>", st["title"]),
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
    if letter.level == "sp3":
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
