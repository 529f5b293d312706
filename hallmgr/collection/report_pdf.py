"""The daily collection report (laporan penerimaan harian) of a hall, as PDF bytes."""

from xml.sax.saxutils import escape

from flask_babel import format_time
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from hallmgr.collection.rules import PaymentMethod
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah
from hallmgr.reports.pdf import GRID_STYLE, build, signature_block, spacer, styles

SMALL = [("FONTSIZE", (0, 0), (-1, -1), 7.5), ("LEADING", (0, 0), (-1, -1), 9)]


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
                str(r.method.label),
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
            *(str(method.label) for method in PaymentMethod),
            _("Total"),
            _("Cash received"),
            _("Difference"),
        ]
    ]
    for c in report.collectors:
        totals.append(
            [
                p(e(c.name), "small"),
                *(format_rupiah(c.totals[method]) for method in PaymentMethod),
                format_rupiah(c.total),
                format_rupiah(c.deposit.amount_received) if c.deposit else _("not recorded"),
                format_rupiah(c.difference) if c.deposit else "",
            ]
        )
    received = sum(c.deposit.amount_received for c in report.collectors if c.deposit)
    totals.append(
        [
            _("All"),
            *(format_rupiah(report.totals[method]) for method in PaymentMethod),
            format_rupiah(report.total),
            format_rupiah(received),
            "",
        ]
    )
    tt = Table(totals, colWidths=[40 * mm] + [None] * (len(totals[0]) - 1), repeatRows=1)
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
