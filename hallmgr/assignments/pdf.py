"""The assignment letter (surat penempatan), A4: number, parties, stall, period, rules, signatures."""

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, Table, TableStyle

from hallmgr.core.i18n import format_day
from hallmgr.reports.pdf import build, signature_block, spacer, styles


def rules_of_use() -> list[str]:
    return [
        _(
            "The stall is lent free of rent; it remains the property of the Province of DKI Jakarta."
        ),
        _(
            "The business pays the daily retribution for every day the hall is open, against a receipt."
        ),
        _("The stall may not be sold, rented out, lent or handed over to anyone else."),
        _("The stall is used only for the business named in this letter and kept clean and safe."),
        _(
            "Arrears of the retribution lead to warnings (teguran, SP1, SP2, SP3) and may lead to revocation."
        ),
        _("The hall manager may end this assignment when these rules are broken."),
    ]


def render_letter(data: dict, issuer: str) -> bytes:
    """The letter as PDF bytes, from the plain values of assignments.services.letter_data."""
    st = styles(10)
    start = format_day(data["start_date"], "long")
    if data["end_date"]:
        period = _("%(start)s to %(end)s", start=start, end=format_day(data["end_date"], "long"))
    else:
        period = _("from %(start)s on", start=start)

    def row(label: str, value: str) -> list:
        return [Paragraph(label, st["body"]), Paragraph(value or "—", st["bold"])]

    details = Table(
        [
            row(_("Business"), data["business_name"]),
            row(_("Owner"), data["owner_name"]),
            row(_("NIK"), data["nik_masked"]),
            row(_("Address"), data["business_address"]),
            row(_("Hall"), f"{data['hall_code']} · {data['hall_name']}"),
            row(_("Stall"), f"{data['stall_code']} ({data['stall_class']})"),
            row(_("Block"), data["stall_block"]),
            row(_("Area"), f"{data['stall_area']} m²" if data["stall_area"] else ""),
            row(_("Period"), period),
        ],
        colWidths=[40 * mm, 130 * mm],
    )
    details.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    items = ListFlowable(
        [ListItem(Paragraph(text, st["body"])) for text in rules_of_use()],
        bulletType="1",
    )
    story = [
        Paragraph(issuer, st["center"]),
        Paragraph(f"{data['hall_name']} · {data['region_name']}", st["center"]),
        Paragraph(data["hall_address"], st["center"]),
        spacer(6),
        Paragraph(_("ASSIGNMENT LETTER"), st["title"]),
        Paragraph(_("Number: %(number)s", number=data["number"]), st["center"]),
        spacer(6),
        Paragraph(
            _("The hall manager of %(hall)s assigns the stall below to:", hall=data["hall_name"]),
            st["body"],
        ),
        spacer(2),
        details,
        spacer(4),
        Paragraph(_("Rules of use"), st["heading"]),
        items,
        spacer(8),
        signature_block(
            [_("Business owner"), _("Hall manager")],
            place_date=_("Jakarta, %(day)s", day=format_day(data["decided_on"], "long")),
            width=170 * mm,
        ),
    ]
    return build(
        story,
        pagesize=A4,
        title=_("Assignment letter %(number)s", number=data["number"]),
        margins=(20 * mm, 20 * mm, 18 * mm, 18 * mm),
        footer_left=data["number"],
    )
