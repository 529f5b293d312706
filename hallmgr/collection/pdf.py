"""Receipts (80 mm thermal and A6) and the daily collection report, as PDF bytes."""

from functools import lru_cache
from itertools import groupby
from xml.sax.saxutils import escape

from flask_babel import format_time
from flask_babel import gettext as _
from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Table, TableStyle

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


@lru_cache(maxsize=8)
def _qr_path(text: str) -> tuple[int, str]:
    """The QR code of `text` (level L) as (module count, PDF path of its dark runs).

    Mask pattern 0 always: every mask is valid for a reader, and scoring all eight in pure
    Python (what `make()` does) cost more than the rest of the receipt PDF together. The
    path is in module units with a 4-module quiet zone (y downwards from the top), written
    once as PDF operators: formatting a few hundred rectangles' coordinates one by one was
    a third of the receipt's time.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.L)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    border = QrFlowable.BORDER
    ops = []
    for r, row in enumerate(code.modules):
        c = 0
        for dark, cells in groupby(bool(m) for m in row):
            n = len(list(cells))
            if dark:
                ops.append(f"{c + border} {r + border} {n} 1 re")
            c += n
    return code.getModuleCount(), "\n".join(ops)


class QrFlowable(Flowable):
    """A QR code with a 4-module quiet zone, drawn as one filled path (not a shape per run)."""

    BORDER = 4

    def __init__(self, text: str, size: float):
        super().__init__()
        self.count, self.path = _qr_path(text)
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        cell = self.width / (self.count + 2 * self.BORDER)
        canv = self.canv
        canv.saveState()
        canv.setFillColor(colors.black)
        # Module units, rows downwards from the top edge, as the path is written.
        canv.transform(cell, 0, 0, -cell, 0, self.height)
        canv.addLiteral(self.path + "\nf")
        canv.restoreState()


def _qr(url: str, size: float) -> QrFlowable:
    return QrFlowable(url, size)


def _void_stamp(canvas, doc):
    width, height = doc.pagesize
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.35))
    canvas.setFont("Helvetica-Bold", min(width, height) / 3.2)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -min(width, height) / 10, "VOID")
    canvas.restoreState()


@lru_cache(maxsize=4)
def _styles(base: float) -> dict:
    """The receipt's paragraph styles, made once per size (the receipt never changes them)."""
    return styles(base)


def _receipt_story(facts: dict, issuer: str, verify_url: str, width: float, base: float) -> list:
    st = _styles(base)
    e = escape

    def p(text, style="body"):
        return Paragraph(text, st[style])

    def line(label, value, bold=False):
        value = f"<b>{e(value)}</b>" if bold else e(value)
        return p(f"{e(label)}: {value}")

    method = labels.label(labels.METHOD_LABELS, facts["method"])
    story = [
        p(e(issuer), "center"),
        p(e(f"{facts['hall_name']} ({facts['hall_code']})"), "center"),
        p(e(facts["region"]), "center"),
        spacer(1.5),
        p(e(_("RETRIBUTION PAYMENT RECEIPT")), "bold"),
        line(_("Receipt number"), facts["number"], bold=True),
        line(_("Date"), format_moment(facts["recorded_at"]) + " WIB"),
    ]
    if facts["void"]:
        void_line = f"VOID · {format_moment(facts['voided_at'])} · {facts['void_reason']}"
        story.append(p(e(void_line), "bold"))
    story += [
        HRFlowable(width="100%", thickness=0.5, color=colors.grey),
        line(_("Stall"), facts["stall_code"], bold=True),
        line(_("Business"), facts["business"]),
        line(_("Owner"), facts["owner"]),
        line(_("Days paid"), str(len(facts["days"]))),
    ]
    ranges = days_text(facts["days"])
    if len(ranges) <= 4:
        story += [p("&nbsp;&nbsp;• " + e(text)) for text in ranges]
    else:  # many short runs (a hall closed on Sundays): one paragraph keeps the receipt short
        story.append(p(e("; ".join(ranges)), "small"))
    rates = ", ".join(
        _("%(rate)s × %(n)d days", rate=format_rupiah(rate), n=n)
        for rate, n in rules.rate_groups(facts["days"])
    )
    qr = _qr(verify_url, min(width * 0.5, 32 * mm))
    qr.hAlign = "CENTER"
    story += [
        line(_("Daily rate"), rates),
        HRFlowable(width="100%", thickness=0.5, color=colors.grey),
        line(_("Total"), format_rupiah(facts["amount"]), bold=True),
        p("<i>" + e(terbilang(facts["amount"])) + "</i>"),
        line(_("Method"), method),
        line(_("Collector"), facts["collector"]),
        spacer(2),
        qr,
        p(e(_("Scan to check that this receipt is genuine.")), "small"),
    ]
    return story


def receipt_pdf(facts: dict, *, issuer: str, verify_url: str, size: str = "80mm") -> bytes:
    """One receipt, on a thermal roll 80 mm wide (as long as it needs) or on A6."""
    title = _("Receipt %(number)s", number=facts["number"])
    on_page = _void_stamp if facts["void"] else None
    if size == "a6":
        margin = 7 * mm
        story = _receipt_story(facts, issuer, verify_url, A6[0] - 2 * margin, 8)
        return build(
            story,
            pagesize=A6,
            title=title,
            margins=(margin, margin, margin, margin),
            numbered=False,
            on_page=on_page,
        )
    margin = 4 * mm
    width = THERMAL_WIDTH - 2 * margin
    # A roll has no fixed page: measure the story, then cut the page to its length.
    # The frame pads its content by 6 pt on each side.
    # The same flowables are then laid out: wrapping them again is cheap, building them is not.
    story = _receipt_story(facts, issuer, verify_url, width, 8)
    height = 12.0
    for flowable in story:
        _w, h = flowable.wrap(width - 12, 10_000)
        height += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    pagesize = (THERMAL_WIDTH, height + 2 * margin + 6 * mm)
    return build(
        story,
        pagesize=pagesize,
        title=title,
        margins=(margin, margin, margin, margin),
        numbered=False,
        on_page=on_page,
    )


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
