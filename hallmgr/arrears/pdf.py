"""The arrears list (daftar tunggakan) as PDF. Plain data in, bytes out; its rows are
drawn in blocks by hallmgr.arrears.pdf_rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from hallmgr.arrears.export import as_of_note, totals_text
from hallmgr.arrears.pdf_rows import (
    FONT_SIZE,
    HEAD_FONT,
    RowBlock,
    RowLayout,
    compact_numbered_canvas,
)
from hallmgr.arrears.rules import AgingBucket
from hallmgr.arrears.services import ArrearsRow, Totals
from hallmgr.core.i18n import format_day
from hallmgr.core.money import format_rupiah
from hallmgr.reports.pdf import (
    chunked,
    signature_block,
    spacer,
    styles,
)

ROWS_PER_TABLE = 40
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
    doc.build(story, canvasmaker=compact_numbered_canvas(printed))
    return buffer.getvalue()
