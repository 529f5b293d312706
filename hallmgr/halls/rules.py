"""Pure rules about halls, tariffs and the calendar."""

from datetime import date


def tariff_editable(effective_from: date, today: date) -> bool:
    """A rate is fixed once it has been in force for a day: past days keep their rate."""
    return effective_from > today


def rate_on(tariffs: list[tuple[date, int]], day: date) -> int | None:
    """The daily rate in force on `day`: the latest tariff whose date is not after it."""
    rate = None
    for effective_from, daily_rate in sorted(tariffs):
        if effective_from <= day:
            rate = daily_rate
        else:
            break
    return rate
