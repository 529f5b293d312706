"""Receipts (80 mm thermal and A6) and the daily collection report, as PDF bytes."""

from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Paragraph, Table, TableStyle

from hallmgr.collection import rules
from hallmgr.core import labels
from hallmgr.core.days import compress_ranges
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.reports.pdf import GRID_STYLE, build, signature_block, spacer, styles

THERMAL_WIDTH = 80 * mm
SIZES = ("80mm", "a6")


def days_text(days) -> list[str]:
    """The days covered as ranges: '17 Agu 2026', '18 Agu 2026 s.d. 21 Agu 2026'."""
    out = []
    for first, last in compress_ranges(d for d, _rate in days):
        if first == last:
            out.append(format_day(first))
        else:
            out.append(_("%(first)s to %(last)s", first=format_day(first), last=format_day(last)))
    return out


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _void_stamp(canvas, doc):
    width, height = doc.pagesize
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.35))
    canvas.setFont("Helvetica-Bold", min(width, height) / 3.2)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -min(width, height) / 10, "VOID")
    canvas.restoreState()


def _receipt_story(facts: dict, issuer: str, verify_url: str, width: float, base: float) -> list:
    st = styles(base)
    p = lambda text, style="body": Paragraph(text, st[style])  # noqa: E731
    e = escape
    story = [
        p(e(issuer), "center"),
        p(f"{e(facts['hall_name'])} ({e(facts['hall_code'])})", "center"),
        p(e(facts["region"]), "center"),
        spacer(1.5),
        p(e(_("RETRIBUTION PAYMENT RECEIPT")), "bold"),
        p(f"{e(_('Receipt number'))}: <b>{e(facts['number'])}</b>"),
        p(f"{e(_('Date'))}: {e(format_moment(facts['recorded_at']))} WIB"),
    ]
    if facts["void"]:
        story.append(
            p(
                f"<b>VOID</b> · {e(format_moment(facts['voided_at']))} · {e(facts['void_reason'])}",
                "bold",
            )
        )
    story += [
        HRFlowable(width="100%", thickness=0.5, color=colors.grey),
        p(f"{e(_('Stall'))}: <b>{e(facts['stall_code'])}</b>"),
        p(f"{e(_('Business'))}: {e(facts['business'])}"),
        p(f"{e(_('Owner'))}: {e(facts['owner'])}"),
        p(f"{e(_('Days paid'))} ({len(facts['days'])}):"),
    ]
    story += [p(f"&nbsp;&nbsp;• {e(line)}") for line in days_text(facts["days"])]
    rates = ", ".join(
        _("%(rate)s × %(n)d days", rate=format_rupiah(rate), n=n)
        for rate, n in rules.rate_groups(facts["days"])
    )
    story += [
        p(f"{e(_('Daily rate'))}: {e(rates)}"),
        HRFlowable(width="100%", thickness=0.5, color=colors.grey),
        p(f"{e(_('Total'))}: <b>{e(format_rupiah(facts['amount']))}</b>", "bold"),
        p(f"<i>{e(terbilang(facts['amount']))}</i>"),
        p(
            f"{e(_('Method'))}: {e(labels.label(labels.METHOD_LABELS, facts['method']))}"
            f" · {e(_('Collector'))}: {e(facts['collector'])}"
        ),
        spacer(2),
        _qr(verify_url, min(width * 0.5, 32 * mm)),
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
    height = 0.0
    for flowable in _receipt_story(facts, issuer, verify_url, width, 8):
        _w, h = flowable.wrap(width, 10_000)
        height += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    pagesize = (THERMAL_WIDTH, height + 2 * margin + 12 * mm)
    return build(
        _receipt_story(facts, issuer, verify_url, width, 8),
        pagesize=pagesize,
        title=title,
        margins=(margin, margin, margin, margin),
        numbered=False,
        on_page=on_page,
    )


def daily_report_pdf(report, *, issuer: str, region: str, printed_by: str, printed_at) -> bytes:
    """The laporan penerimaan harian of a hall: receipts, voids, totals, deposits, signatures."""
    st = styles(8.5)
    e = escape
    p = lambda text, style="body": Paragraph(text, st[style])  # noqa: E731
    hall = report.hall
    width = A4[0] - 24 * mm
    story = [
        p(e(issuer), "center"),
        p(e(_("DAILY COLLECTION REPORT")), "title"),
        p(f"{e(hall.name)} ({e(hall.code)}) · {e(region)}", "center"),
        p(f"{e(_('Business day'))}: {e(format_day(report.day, 'full'))}", "center"),
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
    rows = [header]
    for n, r in enumerate(report.receipts, 1):
        amount = format_rupiah(r.amount)
        rows.append(
            [
                str(n),
                r.receipt_number + (" VOID" if r.voided_at else ""),
                format_moment(r.recorded_at, "short").split(" ")[-1],
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
        colWidths=[8 * mm, 34 * mm, 12 * mm, 15 * mm, 37 * mm, 10 * mm, 17 * mm, 30 * mm, None],
        repeatRows=1,
    )
    table.setStyle(TableStyle([*GRID_STYLE, ("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
    story.append(table)

    story.append(p(e(_("Voided receipts")), "heading"))
    if report.voids:
        voids = [[_("Receipt"), _("Amount"), _("Reason")]]
        voids += [
            [r.receipt_number, format_rupiah(r.amount), p(e(r.void_reason or ""), "small")]
            for r in report.voids
        ]
        vt = Table(voids, colWidths=[40 * mm, 25 * mm, None], repeatRows=1)
        vt.setStyle(TableStyle(GRID_STYLE))
        story.append(vt)
    else:
        story.append(p(e(_("None."))))

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
