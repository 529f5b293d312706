from flask_babel import lazy_gettext as _l

APPLICATION_STATUS_LABELS = {
    "waiting": _l("Waiting"),
    "offered": _l("Offered"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined (out of the queue)"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}
