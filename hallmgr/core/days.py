"""The business day and timestamps.

The market day is the date in Asia/Jakarta (WIB), whatever the server's clock or zone.
Timestamps are stored in UTC and shown in WIB.
"""

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

WIB = ZoneInfo("Asia/Jakarta")
# The days the product knows: every date it stores or is asked about lies between these.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

# The dates anyone may enter or ask about (the calendar table's years): the calendar's
# arithmetic stays far from the years 1 and 9999, and no range can ask for millions of days.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DayError(ValueError):
    """Not a day anyone may ask about; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_day(value: str | date) -> date:
    """A day from 2000-01-01 to 2099-12-31, from its YYYY-MM-DD text; DayError otherwise."""
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise DayError(_("Not a date (YYYY-MM-DD)."))
    if isinstance(value, str):
        # Strict: fromisoformat alone also takes 20260817 and 2026-W33-1.
        if not _ISO_DAY.fullmatch(value):
            raise DayError(_("Not a date (YYYY-MM-DD)."))
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise DayError(_("Not a date (YYYY-MM-DD).")) from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise DayError(
            _("Choose a date from %(first)s to %(last)s.", first=FIRST_DAY, last=LAST_DAY)
        )
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def market_today(now: datetime | None = None) -> date:
    """The business day: the date in Asia/Jakarta at `now` (default: the current instant)."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("market_today needs an aware datetime")
    return now.astimezone(WIB).date()


def date_range(start: date, end: date) -> Iterator[date]:
    """Every date from start to end, both included."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def compress_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive dates folded into (first, last) pairs, in order."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


# Weekly open days as a bitmask: Monday is bit 0 … Sunday is bit 6 (date.weekday()).
ALL_WEEK = 0b1111111


def is_open_weekday(open_days: int, day: date) -> bool:
    return bool(open_days & (1 << day.weekday()))


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware timestamp on every database: stored as UTC, read back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
