"""Translated labels for the codes stored in the database."""

from flask_babel import lazy_gettext as _l

HALL_STATUS_LABELS = {"active": _l("Active"), "inactive": _l("Inactive")}
STALL_STATUS_LABELS = {
    "available": _l("Available"),
    "maintenance": _l("Maintenance"),
    "retired": _l("Retired"),
}
BUSINESS_STATUS_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "closed": _l("Closed"),
}
CLOSURE_KIND_LABELS = {
    "holiday": _l("National holiday"),
    "cuti_bersama": _l("Cuti bersama"),
    "renovation": _l("Renovation"),
    "flood": _l("Flood"),
    "other": _l("Other"),
}
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def label(mapping: dict, code: str) -> str:
    return str(mapping.get(code, code))
