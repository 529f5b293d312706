"""Translated names of aging buckets, warning levels and ledger statuses."""

from flask_babel import lazy_gettext as _l

BUCKET_LABELS = {
    "1-7": _l("1–7 days"),
    "8-30": _l("8–30 days"),
    "31-60": _l("31–60 days"),
    "61-90": _l("61–90 days"),
    "90+": _l("over 90 days"),
}
LEVEL_LABELS = {
    "teguran": _l("Reminder (teguran)"),
    "sp1": _l("Warning 1 (SP1)"),
    "sp2": _l("Warning 2 (SP2)"),
    "sp3": _l("Warning 3 (SP3)"),
}
LETTER_TITLES = {
    "teguran": _l("REMINDER LETTER"),
    "sp1": _l("FIRST WARNING LETTER (SP1)"),
    "sp2": _l("SECOND WARNING LETTER (SP2)"),
    "sp3": _l("THIRD WARNING LETTER (SP3)"),
}
DAY_STATUS_LABELS = {
    "weekly_closed": _l("Hall not open this weekday"),
    "closure": _l("Closed"),
    "no_tariff": _l("No tariff"),
    "waived": _l("Waived"),
    "paid": _l("Paid"),
    "unpaid": _l("Unpaid"),
    "due_today": _l("Due today"),
    "not_yet_due": _l("Not yet due"),
    "credit": _l("Paid but no longer due: credit to settle"),
}


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))
