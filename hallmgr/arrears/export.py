"""The arrears list as export rows (CSV) and the PDF header: shared by views and CLI."""

from datetime import date, datetime

from flask_babel import gettext as _

from hallmgr.arrears.labels import BUCKET_LABELS, LEVEL_LABELS, label
from hallmgr.core.i18n import format_day, format_moment


def csv_header() -> list[str]:
    return [
        _("No."),
        _("Region"),
        _("Hall"),
        _("Stall"),
        _("Business"),
        _("Owner"),
        _("NIK"),
        _("Phone"),
        _("Unpaid days"),
        _("Amount (Rp)"),
        _("Oldest unpaid"),
        _("Last payment"),
        _("Aging"),
        _("Warning level"),
    ]


def csv_rows(rows):
    for number, row in enumerate(rows, start=1):
        yield [
            number,
            row.region_name,
            row.hall_code,
            row.stall_code,
            row.business_name,
            row.owner_name,
            row.nik_masked,
            row.phone,
            row.unpaid_days,
            row.amount,
            row.oldest_unpaid,
            row.last_payment,
            label(BUCKET_LABELS, row.bucket),
            label(LEVEL_LABELS, row.level),
        ]


def list_header(issuer: str, as_of: date, described, printed_by: str, now: datetime):
    """The header of the arrears list PDF: filters as chosen, who printed it and when."""
    from hallmgr.arrears.pdf import ListHeader

    return ListHeader(
        issuer=issuer,
        as_of=as_of,
        filters=described,
        printed_by=printed_by,
        printed_at=format_moment(now) + " WIB",
        place_date=f"Jakarta, {format_day(as_of, 'long')}",
    )
