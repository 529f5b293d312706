from datetime import UTC, date, datetime

import pytest

from hallmgr.assignments import services

TODAY = date(2026, 8, 17)
NOW = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)
SETTINGS = {"max_stalls_per_owner": 1, "backdate_days": 7, "expiry_days": 365, "max_declines": 3}


@pytest.fixture
def assign(db, make_user):
    """assign_stall with the defaults of a plain, in-order, start-today assignment."""
    manager = make_user("manager")

    def do(stall, business, start=TODAY, end=None, **kwargs):
        params = {
            "application": None,
            "out_of_order_reason": "Penempatan langsung (uji)",
            "backdate_reason": "",
            "today": TODAY,
            "now": NOW,
            "settings": SETTINGS,
        }
        params.update(kwargs)
        actor = params.pop("actor", manager)
        return services.assign_stall(
            actor, stall, business, start_date=start, end_date=end, **params
        )

    return do
