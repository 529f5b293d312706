"""NIK validation, masking, phone numbers and the waiting-list rules, without an app."""

from datetime import UTC, datetime

import pytest

from hallmgr.businesses import rules


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("3171071708900003", None),  # a man born 17 Aug 1990
        ("3171075708900003", None),  # a woman: 17 + 40
        ("3171072902000001", None),  # 29 Feb 2000, a leap year
        ("3171076902000001", None),  # 29 Feb 2000, a woman
        ("3171072902010001", "birth_date"),  # 29 Feb 2001 never was
        ("3171072902960001", None),  # 29 Feb 1996
        ("3171071708900000", "serial"),
        ("3171073208900003", "birth_date"),  # day 32 (neither a man's nor a woman's)
        ("3171077208900003", "birth_date"),  # day 72 - 40 = 32
        ("3171074008900003", "birth_date"),  # day 40: not a date
        ("3171071713900003", "birth_date"),  # month 13
        ("3171070008900003", "birth_date"),  # day 0
        ("317107170890000", "format"),  # 15 digits
        ("31710717089000031", "format"),
        ("31710717O8900003", "format"),  # a letter O
        ("３１７１０７１７０８９０００３", "format"),  # full-width digits
        ("0071071708900003", "region"),
    ],
)
def test_nik_problems(nik, problem):
    assert rules.nik_problem(nik) == problem


def test_nik_typed_with_separators_is_normalised_and_masked():
    assert rules.normalise_nik("3171 0717.0890-0003") == "3171071708900003"
    assert rules.mask_nik("3171071708900003") == "3171********0003"


@pytest.mark.parametrize(
    ("typed", "stored", "ok"),
    [
        ("0812-3456-7890", "081234567890", True),
        ("+62 812 3456 7890", "081234567890", True),
        ("6281234567890", "081234567890", True),
        ("12345", "12345", False),
        ("", "", True),
    ],
)
def test_phone_numbers(typed, stored, ok):
    assert rules.normalise_phone(typed) == stored
    assert (rules.phone_problem(stored) is None) is ok


def test_queue_order_is_application_time_then_entry_order():
    t = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)
    later = datetime(2026, 8, 2, 3, 0, tzinfo=UTC)
    assert rules.queue_order([(later, 1), (t, 9), (t, 4)]) == [4, 9, 1]


def test_after_the_last_allowed_decline_the_application_leaves_the_queue():
    assert rules.after_decline(0, 3) == (1, "waiting")
    assert rules.after_decline(1, 3) == (2, "waiting")
    assert rules.after_decline(2, 3) == (3, "declined")
    assert rules.after_decline(0, 1) == (1, "declined")
