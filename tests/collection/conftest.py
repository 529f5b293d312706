"""A hall with an assigned stall, its collector and manager, ready to take payments."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

TODAY = date(2026, 8, 17)  # a Monday
NOW = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)  # 10:00 WIB


@dataclass
class Setup:
    hall: object
    stall: object
    business: object
    assignment: object
    collector: object
    manager: object
    stall_class: object


@pytest.fixture
def make_setup(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    def make(start=TODAY - timedelta(days=4), end=None, rate=3000, code=None, hall=None):
        hall = hall or make_hall(code=code)
        stall_class = make_class(rate=rate)
        stall = make_stall(hall, code="A-01", stall_class=stall_class)
        business = make_business(name="Warung Bu Siti", owner="Siti Rahayu")
        assignment = make_assignment(stall, business, start, end)
        collector = make_user("collector", [hall])
        manager = make_user("manager", [hall])
        return Setup(hall, stall, business, assignment, collector, manager, stall_class)

    return make


@pytest.fixture
def setup(make_setup):
    return make_setup()
