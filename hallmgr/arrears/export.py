"""The arrears list as export rows (CSV) and the PDF header: shared by views and CLI."""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from hallmgr.core.i18n import format_day, format_moment


def as_of_note(as_of: date) -> str:
    """What "arrears as of D" means, printed under the list's title and in its PDF."""
    return _(
        "The position at the end of %(day)s: payments recorded and voids made after it are "
        "not counted.",
        day=format_day(as_of, "long"),
    )


def totals_text(totals) -> str:
    """'3 businesses', or '3 businesses, 4 stalls' when one owes for more than one."""
    if totals.assignments == totals.businesses:
        return ngettext("%(num)d business", "%(num)d businesses", totals.businesses)
    return ngettext(
        "%(num)d business, %(stalls)d stalls",
        "%(num)d businesses, %(stalls)d stalls",
        totals.businesses,
        stalls=totals.assignments,
    )


def csv_header() -> list[str]:
    return [
        _("No."),
        _("Region"),
        _("Hall"),
        _("Stall"),
        _("Assigned since"),
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
            row.assignment_start,
            row.business_name,
            row.owner_name,
            row.nik_masked,
            row.phone,
            row.unpaid_days,
            row.amount,
            row.oldest_unpaid,
            row.last_payment,
            str(row.bucket.label),
            str(row.level.label) if row.level else "",
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
