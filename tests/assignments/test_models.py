"""Assignment.active_on(day): one rule for "the stall is the business's on that day", the
same in Python (on a loaded assignment) and in SQL (in a query's WHERE)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hallmgr.models import Assignment

START, END = date(2026, 8, 10), date(2026, 8, 15)

# (day, active on it when ending on END, active on it when open-ended)
ACTIVE = [
    (START - timedelta(days=1), False, False),
    (START, True, True),
    (date(2026, 8, 12), True, True),
    (END, True, True),  # the end day itself is the business's
    (END + timedelta(days=1), False, True),
    (date(2099, 12, 31), False, True),
]


@pytest.fixture
def pair(db, make_hall, make_stall, make_business, make_assignment):
    hall = make_hall()
    ended = make_assignment(make_stall(hall), make_business(), START, END)
    open_ended = make_assignment(make_stall(hall), make_business(), START)
    return ended, open_ended


def _in_sql(db, expression, assignment) -> bool:
    query = sa.select(Assignment.id).where(Assignment.id == assignment.id, expression)
    return db.session.scalar(query) is not None


@pytest.mark.parametrize(("day", "ended_active", "open_active"), ACTIVE)
def test_active_on_agrees_in_python_and_sql(db, pair, day, ended_active, open_active):
    ended, open_ended = pair
    assert ended.active_on(day) is ended_active
    assert open_ended.active_on(day) is open_active
    assert _in_sql(db, Assignment.active_on(day), ended) is ended_active
    assert _in_sql(db, Assignment.active_on(day), open_ended) is open_active


@pytest.mark.parametrize(
    ("day", "ended_holds", "open_holds"),
    [
        (START - timedelta(days=30), True, True),  # a later assignment holds the stall too
        (END, True, True),
        (END + timedelta(days=1), False, True),
    ],
)
def test_ends_on_or_after_agrees_in_python_and_sql(db, pair, day, ended_holds, open_holds):
    ended, open_ended = pair
    assert ended.ends_on_or_after(day) is ended_holds
    assert open_ended.ends_on_or_after(day) is open_holds
    assert _in_sql(db, Assignment.ends_on_or_after(day), ended) is ended_holds
    assert _in_sql(db, Assignment.ends_on_or_after(day), open_ended) is open_holds
