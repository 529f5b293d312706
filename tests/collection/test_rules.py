"""Collection rules without an app: what is due, how far ahead, receipt numbers, signatures."""

import re
from datetime import date, timedelta

import pytest

from hallmgr.arrears.rules import Period, due_days, payable_ahead, payable_days
from hallmgr.collection import rules

MON = date(2026, 8, 17)  # a Monday
WEEKDAYS = 0b0011111  # Monday to Friday
TARIFF = [(date(2020, 1, 1), 3000)]


def _due(period, until, open_days=0b1111111, closures=(), waivers=(), tariffs=TARIFF):
    return due_days(
        period,
        schedule=[(date(2000, 1, 1), open_days)],
        closures=closures,
        waivers=waivers,
        tariffs=tariffs,
        until=until,
    )


def test_only_open_weekdays_are_due():
    days = _due(Period(MON, None), MON + timedelta(days=13), open_days=WEEKDAYS)
    assert [d for d, _ in days] == [
        MON + timedelta(days=n) for n in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)
    ]


def test_closures_and_waivers_are_not_due():
    days = _due(
        Period(MON, None),
        MON + timedelta(days=6),
        closures=[(MON + timedelta(days=1), MON + timedelta(days=2))],
        waivers=[MON + timedelta(days=5)],
    )
    assert [d.day for d, _ in days] == [17, 20, 21, 23]


def test_assignment_bounds_are_kept_both_ends():
    days = _due(Period(MON + timedelta(days=2), MON + timedelta(days=4)), MON + timedelta(days=30))
    assert [d for d, _ in days] == [MON + timedelta(days=n) for n in (2, 3, 4)]
    # Nothing after `until`, even in an open-ended assignment.
    assert _due(Period(MON, None), MON - timedelta(days=1)) == []


def test_a_tariff_change_inside_the_period_prices_each_day_at_its_own_rate():
    tariffs = [(date(2020, 1, 1), 3000), (MON + timedelta(days=2), 3500)]
    days = _due(Period(MON, None), MON + timedelta(days=3), tariffs=tariffs)
    assert [rate for _, rate in days] == [3000, 3000, 3500, 3500]
    assert rules.rate_groups(days) == [(3000, 2), (3500, 2)]


def test_no_tariff_yet_means_nothing_is_charged():
    assert _due(Period(MON, None), MON, tariffs=[(MON + timedelta(days=1), 3000)]) == []


@pytest.mark.parametrize(
    ("period", "limit", "window"),
    [
        (Period(date(2026, 1, 1), None), 31, (MON + timedelta(days=1), MON + timedelta(days=31))),
        (
            Period(date(2026, 1, 1), MON + timedelta(days=5)),
            31,
            (MON + timedelta(days=1), MON + timedelta(days=5)),
        ),
        (Period(date(2026, 1, 1), MON), 31, None),  # ends today: nothing ahead
        (Period(MON + timedelta(days=10), None), 7, None),  # starts beyond the limit
        (
            Period(MON + timedelta(days=3), None),
            7,
            (MON + timedelta(days=3), MON + timedelta(days=7)),
        ),
        (Period(date(2026, 1, 1), None), 0, None),
    ],
)
def test_days_ahead_stop_at_the_limit_and_the_assignment_end(period, limit, window):
    assert payable_ahead(period, MON, limit) == window


def test_receipt_number_format():
    assert rules.receipt_number("JP01", 2026, 123) == "JP01-2026-000123"
    assert rules.receipt_number("JP01", 2026, 1234567) == "JP01-2026-1234567"
    with pytest.raises(ValueError):
        rules.receipt_number("JP01", 2026, 0)


def test_a_round_says_lunas_only_when_nothing_is_owed():
    def state(owed_days, due_today=True, waived_today=False, paid_today=False, closed=False):
        return rules.round_state(
            owed_days=owed_days,
            due_today=due_today,
            waived_today=waived_today,
            paid_today=paid_today,
            marked_closed=closed,
        )

    S = rules.RoundState
    assert state(0, paid_today=True) == S.LUNAS
    assert state(0) == S.LUNAS  # today paid earlier, ahead
    # Paid today while older days stay unpaid: "paid today", not "Lunas".
    assert state(3, paid_today=True) == S.PAID_TODAY and S.PAID_TODAY.owes
    assert state(1) == S.UNPAID
    assert state(1, closed=True) == S.CLOSED  # a closed mark does not stop the due
    assert state(0, due_today=False, waived_today=True) == S.WAIVED
    assert state(0, due_today=False) == S.NOT_DUE
    assert not any(s.owes for s in (S.LUNAS, S.WAIVED, S.NOT_DUE))


def test_days_paid_ahead_stop_at_the_limit_and_oldest_come_first():
    due = [(MON + timedelta(days=n), 3000) for n in range(-3, 10)]
    period = Period(MON - timedelta(days=3), MON + timedelta(days=5))
    got = payable_days(due, [MON - timedelta(days=2)], period, MON, limit_days=3)
    assert [d for d, _ in got] == [MON - timedelta(days=n) for n in (3, 1, 0)] + [
        MON + timedelta(days=n) for n in (1, 2, 3)
    ]


def test_method_totals_leave_out_voids():
    rows = [("cash", 3000, False), ("cash", 6000, True), ("qris", 3000, False)]
    assert rules.method_totals(rows) == {"cash": 3000, "qris": 3000, "transfer": 0}


def test_signature_belongs_to_the_number_and_the_secret():
    sig = rules.receipt_signature("secret", "JP01-2026-000001")
    assert rules.signature_valid("secret", "JP01-2026-000001", sig)
    assert not rules.signature_valid("secret", "JP01-2026-000002", sig)
    assert not rules.signature_valid("other", "JP01-2026-000001", sig)
    assert not rules.signature_valid(
        "secret", "JP01-2026-000001", sig[:-1] + "0" if sig[-1] != "0" else sig[:-1] + "1"
    )
    assert not rules.signature_valid("secret", "JP01-2026-000001", "ü")


def test_short_verify_code_is_the_signatures_head_in_capitals_and_verifies():
    number = "JP01-2026-000001"
    sig, code = rules.receipt_signature("secret", number), rules.verify_code("secret", number)
    assert code == sig[:16].upper() and len(code) == 16
    assert re.fullmatch(r"[0-9A-F]{16}", code)
    assert rules.signature_valid("secret", number, code)
    assert rules.signature_valid("secret", number, code.lower())  # typed from the paper
    assert rules.signature_valid("secret", number, sig)  # links printed before still work
    assert not rules.signature_valid("secret", "JP01-2026-000002", code)
    assert not rules.signature_valid("other", number, code)
    assert not rules.signature_valid("secret", number, code[:15])
    assert not rules.signature_valid("secret", number, sig[:17])
    assert not rules.signature_valid("secret", number, sig.upper())  # the long form is as made
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not rules.signature_valid("secret", number, wrong)


def test_request_fingerprint_ignores_day_order():
    a = rules.request_fingerprint(1, [MON, MON + timedelta(days=1)], "cash")
    assert a == rules.request_fingerprint(1, [MON + timedelta(days=1), MON], "cash")
    assert a != rules.request_fingerprint(1, [MON], "cash")


def test_request_fingerprint_of_a_number_of_days_is_the_request_not_its_days():
    a = rules.request_fingerprint(1, [], "cash", count=2)
    assert a == rules.request_fingerprint(1, [], "cash", count=2)
    assert a != rules.request_fingerprint(1, [], "cash", count=3)
    assert a != rules.request_fingerprint(1, [], "cash")
    assert rules.request_fingerprint(1, [MON], "cash") == rules.request_fingerprint(
        1, [MON], "cash", count=None
    )


def test_days_fold_into_runs_of_one_rate_and_one_receipt():
    d = [MON + timedelta(days=n) for n in range(8)]
    days = [
        (d[0], 3000, "R1"),
        (d[1], 3000, "R1"),
        (d[2], 3500, "R1"),  # the rate changes
        (d[4], 3500, "R1"),  # a gap
        (d[5], 3500, "R2"),  # another receipt
    ]
    assert rules.day_runs(days) == [
        (d[0], d[1], 2, 3000, "R1"),
        (d[2], d[2], 1, 3500, "R1"),
        (d[4], d[4], 1, 3500, "R1"),
        (d[5], d[5], 1, 3500, "R2"),
    ]
    assert rules.day_runs([]) == []
