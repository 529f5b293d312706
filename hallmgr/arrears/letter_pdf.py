"""Warning letters as PDF: one A4 page per letter, from what it stated when it was issued.
Plain data in, bytes out."""

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Table, TableStyle

from hallmgr.arrears.letters import LetterData
from hallmgr.core.i18n import format_day
from hallmgr.core.money import format_rupiah, terbilang
from hallmgr.reports.pdf import build, signature_block, spacer, styles


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
