"""Allocation rules without an app: overlap, the owner limit, dates, queue order, numbers."""

from datetime import date

import pytest

from hallmgr.assignments import rules

D = date


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (
            (D(2026, 8, 1), D(2026, 8, 10)),
            (D(2026, 8, 10), D(2026, 8, 20)),
            True,
        ),  # shared last day
        ((D(2026, 8, 1), D(2026, 8, 10)), (D(2026, 8, 11), D(2026, 8, 20)), False),  # next day
        ((D(2026, 8, 1), None), (D(2030, 1, 1), D(2030, 1, 2)), True),  # open-ended
        ((D(2026, 8, 5), D(2026, 8, 6)), (D(2026, 8, 1), None), True),
        ((D(2026, 8, 5), D(2026, 8, 6)), (D(2026, 8, 7), None), False),
        ((D(2026, 8, 1), None), (D(2026, 7, 1), D(2026, 7, 31)), False),
    ],
)
def test_overlap_is_inclusive_and_open_ended_runs_forever(a, b, expected):
    assert rules.overlaps(*a, *b) is expected
    assert rules.overlaps(*b, *a) is expected


def test_first_overlap_names_the_earliest_clash():
    periods = [
        (D(2026, 9, 1), None),
        (D(2026, 8, 1), D(2026, 8, 15)),
        (D(2026, 7, 1), D(2026, 7, 2)),
    ]
    assert rules.first_overlap(periods, D(2026, 8, 10), None) == (D(2026, 8, 1), D(2026, 8, 15))
    assert rules.first_overlap(periods, D(2026, 8, 16), D(2026, 8, 31)) is None


def test_most_at_once_counts_the_same_day_only():
    held = [(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), None)]
    # Back to back: never two on one day.
    assert rules.most_at_once(held, D(2025, 1, 1), None) == 1
    held.append((D(2026, 1, 20), D(2026, 2, 5)))
    assert rules.most_at_once(held, D(2025, 1, 1), None) == 2
    assert rules.most_at_once(held, D(2026, 3, 1), None) == 1
    assert rules.most_at_once([], D(2026, 3, 1), None) == 0


@pytest.mark.parametrize(
    ("held", "start", "end", "limit", "exceeded"),
    [
        ([], D(2026, 8, 1), None, 1, False),
        ([(D(2026, 1, 1), None)], D(2026, 8, 1), None, 1, True),
        ([(D(2026, 1, 1), D(2026, 7, 31))], D(2026, 8, 1), None, 1, False),  # ended before
        ([(D(2026, 9, 1), None)], D(2026, 8, 1), D(2026, 8, 31), 1, False),  # starts after
        ([(D(2026, 9, 1), None)], D(2026, 8, 1), None, 1, True),  # would meet it later
        ([(D(2026, 1, 1), None)], D(2026, 8, 1), None, 2, False),
        ([(D(2026, 1, 1), None), (D(2026, 3, 1), None)], D(2026, 8, 1), None, 2, True),
    ],
)
def test_owner_limit(held, start, end, limit, exceeded):
    assert rules.owner_limit_exceeded(held, start, end, limit) is exceeded


def test_start_dates_back_up_to_the_limit_need_a_reason():
    today = D(2026, 8, 17)
    assert rules.start_date_problem(today, today, 7, "") is None
    assert rules.start_date_problem(D(2026, 9, 1), today, 7, "") is None
    assert rules.start_date_problem(D(2026, 8, 10), today, 7, "") == "reason_needed"
    assert rules.start_date_problem(D(2026, 8, 10), today, 7, "  ") == "reason_needed"
    assert rules.start_date_problem(D(2026, 8, 10), today, 7, "buku manual") is None
    assert rules.start_date_problem(D(2026, 8, 9), today, 7, "buku manual") == "too_far_back"
    assert rules.end_date_problem(D(2026, 8, 10), D(2026, 8, 9)) == "before_start"
    assert rules.end_date_problem(D(2026, 8, 10), D(2026, 8, 10)) is None


def test_only_the_first_in_line_needs_no_reason():
    queue = [31, 12, 40]
    assert rules.needs_out_of_order_reason(queue, 31) is False
    assert rules.needs_out_of_order_reason(queue, 12) is True
    assert rules.needs_out_of_order_reason(queue, None) is True
    assert rules.needs_out_of_order_reason([], None) is True


def test_letter_numbers():
    assert rules.letter_number("JP01", 2026, 7) == "0007/SPL/JP01/2026"
    with pytest.raises(ValueError):
        rules.letter_number("JP01", 2026, 0)
