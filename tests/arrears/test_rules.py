"""Aging, warning levels, letter numbers and ledger statuses: pure rules, no app."""

from datetime import date

import pytest

from hallmgr.arrears import rules

AS_OF = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("oldest", "bucket", "level"),
    [
        (date(2026, 6, 1), None, None),  # today: not arrears
        (date(2026, 5, 31), "1-7", None),  # yesterday: 1 day
        (date(2026, 5, 25), "1-7", None),  # 7 days
        (date(2026, 5, 24), "8-30", "teguran"),  # 8 days
        (date(2026, 5, 2), "8-30", "teguran"),  # 30 days
        (date(2026, 5, 1), "31-60", "sp1"),  # 31 days
        (date(2026, 4, 2), "31-60", "sp1"),  # 60 days
        (date(2026, 4, 1), "61-90", "sp2"),  # 61 days
        (date(2026, 3, 3), "61-90", "sp2"),  # 90 days
        (date(2026, 3, 2), "90+", "sp3"),  # 91 days
    ],
)
def test_aging_bucket_and_warning_level_by_the_oldest_unpaid_day(oldest, bucket, level):
    assert rules.aging_bucket(oldest, AS_OF) == bucket
    assert rules.warning_level(oldest, AS_OF, (7, 30, 60, 90)) == level


def test_levels_compare_by_strength_not_by_spelling():
    level = rules.WarningLevel
    assert level.SP2.reaches("sp1")
    assert level.SP1.reaches(level.SP1)
    assert not level.TEGURAN.reaches("sp1")  # "teguran" > "sp1" as strings
    assert level.SP3.reaches("teguran")
    assert [lv for lv in level if lv.is_last] == [level.SP3]


def test_letter_numbers_carry_sequence_level_hall_roman_month_and_year():
    assert rules.letter_number(7, "sp1", "JP01", date(2026, 11, 23)) == "0007/SP1/JP01/XI/2026"
    assert rules.letter_number(12, "teguran", "JS01", date(2027, 4, 1)) == "0012/ST/JS01/IV/2027"
    with pytest.raises(ValueError):
        rules.letter_number(0, "sp1", "JP01", date(2026, 1, 1))


def test_ledger_status_follows_the_order_of_the_rules():
    base = dict(day=date(2026, 3, 2), as_of=AS_OF, rate=3000, paid=False)
    assert rules.day_status(open_weekday=False, closed=True, waived=False, **base) == (
        "weekly_closed"
    )
    assert rules.day_status(open_weekday=True, closed=True, waived=True, **base) == "closure"
    assert rules.day_status(open_weekday=True, closed=False, waived=True, **base) == "waived"
    assert rules.day_status(open_weekday=True, closed=False, waived=False, **base) == "unpaid"
    paid = {**base, "paid": True}
    assert rules.day_status(open_weekday=True, closed=False, waived=False, **paid) == "paid"
    today = {**base, "day": AS_OF}
    assert rules.day_status(open_weekday=True, closed=False, waived=False, **today) == "due_today"


def test_due_days_end_with_the_assignment_and_skip_closed_days():
    due = rules.due_days(
        rules.Period(date(2028, 2, 27), date(2028, 3, 1)),
        schedule=[(date(2000, 1, 1), 0b1111111)],
        closures=[(date(2028, 2, 28), date(2028, 2, 28))],
        waivers=[],
        tariffs=[(date(2020, 1, 1), 3000), (date(2028, 2, 29), 3500)],
        until=date(2028, 3, 31),
    )
    assert due == [(date(2028, 2, 27), 3000), (date(2028, 2, 29), 3500), (date(2028, 3, 1), 3500)]


def test_a_paid_day_that_is_no_longer_due_is_a_credit():
    base = dict(day=date(2026, 3, 2), as_of=AS_OF, rate=3000, paid=True)
    assert rules.day_status(open_weekday=True, closed=True, waived=False, **base) == "credit"
    assert rules.day_status(open_weekday=True, closed=False, waived=True, **base) == "credit"
    assert rules.day_status(open_weekday=False, closed=False, waived=False, **base) == "credit"
