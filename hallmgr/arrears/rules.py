"""What is due, aging and warnings: pure functions, the reference the SQL must agree with;
and their vocabularies (aging buckets, warning levels, a ledger day's status)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from hallmgr.core.days import date_range, is_open_weekday
from hallmgr.core.enums import LabelledEnum
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


class AgingBucket(LabelledEnum):
    """How far behind arrears are, by their oldest unpaid day, the youngest bucket first;
    each holds ages up to its `most_days` (the last one every older age)."""

    DAYS_1_7 = "1-7", _l("1–7 days"), 7
    DAYS_8_30 = "8-30", _l("8–30 days"), 30
    DAYS_31_60 = "31-60", _l("31–60 days"), 60
    DAYS_61_90 = "61-90", _l("61–90 days"), 90
    OVER_90 = "90+", _l("over 90 days"), None

    def __init__(self, code: str, label, most_days: int | None):
        self.most_days = most_days


class WarningLevel(LabelledEnum):
    """The warning letters in the order they escalate, each with the code its letter
    numbers carry and its title; when each applies is configured (WARNING_*_DAYS)."""

    TEGURAN = "teguran", _l("Reminder (teguran)"), "ST", _l("REMINDER LETTER")
    SP1 = "sp1", _l("Warning 1 (SP1)"), "SP1", _l("FIRST WARNING LETTER (SP1)")
    SP2 = "sp2", _l("Warning 2 (SP2)"), "SP2", _l("SECOND WARNING LETTER (SP2)")
    SP3 = "sp3", _l("Warning 3 (SP3)"), "SP3", _l("THIRD WARNING LETTER (SP3)")

    def __init__(self, code: str, label, letter_code: str, letter_title):
        self.letter_code = letter_code
        self.letter_title = letter_title

    def reaches(self, minimum: str) -> bool:
        """Whether this level is `minimum` or a stronger one."""
        order = list(WarningLevel)
        return order.index(self) >= order.index(WarningLevel(minimum))

    @property
    def is_last(self) -> bool:
        """The strongest level: its letter recommends revoking the assignment."""
        return self is list(WarningLevel)[-1]


def days_overdue(oldest_unpaid: date, as_of: date) -> int:
    """How many days the oldest unpaid day is behind: yesterday counts as 1."""
    return (as_of - oldest_unpaid).days


def aging_bucket(oldest_unpaid: date | None, as_of: date) -> AgingBucket | None:
    if oldest_unpaid is None:
        return None
    age = days_overdue(oldest_unpaid, as_of)
    if age <= 0:
        return None
    return next(b for b in AgingBucket if b.most_days is None or age <= b.most_days)


def warning_level(
    oldest_unpaid: date | None, as_of: date, thresholds: tuple[int, ...]
) -> WarningLevel | None:
    """The strongest level whose threshold the oldest unpaid day is past: teguran after
    thresholds[0] days, SP1 after [1], and so on, a threshold for each level."""
    if oldest_unpaid is None:
        return None
    age = days_overdue(oldest_unpaid, as_of)
    level = None
    for candidate, limit in zip(WarningLevel, thresholds, strict=True):
        if age > limit:
            level = candidate
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


ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def letter_number(seq: int, level: str, hall_code: str, issued_on: date) -> str:
    """0007/SP1/JP01/XI/2026: sequence per hall and year, level, hall, Roman month, year."""
    if seq <= 0:
        raise ValueError("letter sequence starts at 1")
    month = ROMAN_MONTHS[issued_on.month - 1]
    code = WarningLevel(level).letter_code
    return f"{seq:04d}/{code}/{hall_code}/{month}/{issued_on.year}"


class DayStatus(LabelledEnum):
    """What a day of an assignment is on the ledger (see day_status)."""

    WEEKLY_CLOSED = "weekly_closed", _l("Hall not open this weekday")
    CLOSURE = "closure", _l("Closed")
    NO_TARIFF = "no_tariff", _l("No tariff")
    WAIVED = "waived", _l("Waived")
    PAID = "paid", _l("Paid")
    UNPAID = "unpaid", _l("Unpaid")
    DUE_TODAY = "due_today", _l("Due today")
    NOT_YET_DUE = "not_yet_due", _l("Not yet due")
    CREDIT = "credit", _l("Paid but no longer due: credit to settle")


def day_status(
    *,
    day: date,
    as_of: date,
    open_weekday: bool,
    closed: bool,
    waived: bool,
    rate: int | None,
    paid: bool,
) -> DayStatus:
    """What a day of an assignment is on the ledger, in the order the rules apply.

    A day paid and then no longer due (a closure or waiver added later) is a credit.
    """
    not_due = not open_weekday or closed or rate is None or waived
    if paid and not_due:
        return DayStatus.CREDIT
    if not open_weekday:
        return DayStatus.WEEKLY_CLOSED
    if closed:
        return DayStatus.CLOSURE
    if rate is None:
        return DayStatus.NO_TARIFF
    if waived:
        return DayStatus.WAIVED
    if paid:
        return DayStatus.PAID
    if day >= as_of:
        return DayStatus.DUE_TODAY if day == as_of else DayStatus.NOT_YET_DUE
    return DayStatus.UNPAID
