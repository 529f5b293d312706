"""What is due, aging and warnings: pure functions, the reference the SQL must agree with."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from hallmgr.core.days import date_range, is_open_weekday
from hallmgr.halls.rules import open_days_on, rate_on


@dataclass(frozen=True)
class Period:
    start: date
    end: date | None  # inclusive; None = open-ended


def is_closed(day: date, closures: Iterable[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in closures)


def due_days(
    period: Period,
    *,
    schedule: list[tuple[date, int]],
    closures: Iterable[tuple[date, date]],
    waivers: Iterable[date],
    tariffs: list[tuple[date, int]],
    until: date,
) -> list[tuple[date, int]]:
    """The due days of one assignment up to `until` (inclusive), each with its rate.

    A day is due when it lies in the assignment, the hall is open that weekday (by the
    weekly schedule in force that day), no closure covers it and it is not waived. Its
    amount is the tariff in force that day.
    """
    closures = list(closures)
    waived = set(waivers)
    last = min(period.end, until) if period.end else until
    out = []
    for day in date_range(period.start, last):
        open_today = is_open_weekday(open_days_on(schedule, day), day)
        if not open_today or is_closed(day, closures) or day in waived:
            continue
        rate = rate_on(tariffs, day)
        if rate is None:
            continue  # no tariff yet: nothing can be charged
        out.append((day, rate))
    return out


def arrears_days(
    due: Iterable[tuple[date, int]], paid: Iterable[date], as_of: date
) -> list[tuple[date, int]]:
    """Due days before `as_of` not covered by a valid payment. Today is not yet arrears."""
    paid = set(paid)
    return [(day, rate) for day, rate in due if day < as_of and day not in paid]


AGING_BUCKETS = ("1-7", "8-30", "31-60", "61-90", "90+")


def days_overdue(oldest_unpaid: date, as_of: date) -> int:
    """How many days the oldest unpaid day is behind: yesterday counts as 1."""
    return (as_of - oldest_unpaid).days


def aging_bucket(oldest_unpaid: date | None, as_of: date) -> str | None:
    if oldest_unpaid is None:
        return None
    age = days_overdue(oldest_unpaid, as_of)
    if age <= 0:
        return None
    if age <= 7:
        return "1-7"
    if age <= 30:
        return "8-30"
    if age <= 60:
        return "31-60"
    if age <= 90:
        return "61-90"
    return "90+"


WARNING_LEVELS = ("teguran", "sp1", "sp2", "sp3")


def warning_level(
    oldest_unpaid: date | None, as_of: date, thresholds: tuple[int, int, int, int]
) -> str | None:
    """Teguran after thresholds[0] days, SP1 after [1], SP2 after [2], SP3 after [3]."""
    if oldest_unpaid is None:
        return None
    age = days_overdue(oldest_unpaid, as_of)
    level = None
    for name, limit in zip(WARNING_LEVELS, thresholds, strict=True):
        if age > limit:
            level = name
    return level


def payable_days(
    due: Iterable[tuple[date, int]],
    paid: Iterable[date],
    period: Period,
    today: date,
    limit_days: int,
) -> list[tuple[date, int]]:
    """The due days a payment may cover today: every unpaid one up to today, oldest
    first, then the unpaid ones of the window that may be paid ahead."""
    paid = set(paid)
    window = payable_ahead(period, today, limit_days)
    return [
        (day, rate)
        for day, rate in due
        if day not in paid and (day <= today or (window and window[0] <= day <= window[1]))
    ]


def payable_ahead(period: Period, today: date, limit_days: int) -> tuple[date, date] | None:
    """The window of future days that may be paid ahead: after today, at most
    `limit_days` ahead, never past the assignment's end."""
    first = max(today + timedelta(days=1), period.start)
    last = today + timedelta(days=limit_days)
    if period.end is not None:
        last = min(last, period.end)
    if last < first:
        return None
    return first, last


def level_at_least(level: str | None, minimum: str) -> bool:
    """Whether a warning level is `minimum` or a stronger one."""
    if level is None:
        return False
    return WARNING_LEVELS.index(level) >= WARNING_LEVELS.index(minimum)


def bucket_bounds(as_of: date) -> list[tuple[str, date]]:
    """Each aging bucket with the earliest oldest-unpaid day it holds, newest first.

    The SQL compares dates with these bounds, so both databases share one code path
    (no date arithmetic in SQL). "90+" has no lower bound.
    """
    return [
        ("1-7", as_of - timedelta(days=7)),
        ("8-30", as_of - timedelta(days=30)),
        ("31-60", as_of - timedelta(days=60)),
        ("61-90", as_of - timedelta(days=90)),
    ]


def level_bounds(as_of: date, thresholds: tuple[int, int, int, int]) -> list[tuple[str, date]]:
    """Each warning level with the day the oldest unpaid day must be before, strongest first."""
    pairs = list(zip(WARNING_LEVELS, thresholds, strict=True))
    return [(name, as_of - timedelta(days=limit)) for name, limit in reversed(pairs)]


LEVEL_CODES = {"teguran": "ST", "sp1": "SP1", "sp2": "SP2", "sp3": "SP3"}
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def letter_number(seq: int, level: str, hall_code: str, issued_on: date) -> str:
    """0007/SP1/JP01/XI/2026: sequence per hall and year, level, hall, Roman month, year."""
    if seq <= 0:
        raise ValueError("letter sequence starts at 1")
    month = ROMAN_MONTHS[issued_on.month - 1]
    return f"{seq:04d}/{LEVEL_CODES[level]}/{hall_code}/{month}/{issued_on.year}"


def day_status(
    *,
    day: date,
    as_of: date,
    open_weekday: bool,
    closed: bool,
    waived: bool,
    rate: int | None,
    paid: bool,
) -> str:
    """What a day of an assignment is on the ledger, in the order the rules apply.

    A day paid and then no longer due (a closure or waiver added later) is a credit.
    """
    not_due = not open_weekday or closed or rate is None or waived
    if paid and not_due:
        return "credit"
    if not open_weekday:
        return "weekly_closed"
    if closed:
        return "closure"
    if rate is None:
        return "no_tariff"
    if waived:
        return "waived"
    if paid:
        return "paid"
    if day >= as_of:
        return "due_today" if day == as_of else "not_yet_due"
    return "unpaid"
