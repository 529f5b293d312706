"""Allocation rules, pure: overlap, the owner limit, dates of an assignment, letter numbers."""

from collections.abc import Iterable
from datetime import date, timedelta


def overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Two inclusive periods share a day (None = open-ended)."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def first_overlap(
    periods: Iterable[tuple[date, date | None]], start: date, end: date | None
) -> tuple[date, date | None] | None:
    """The earliest of `periods` that shares a day with start..end, or None."""
    hits = [p for p in periods if overlaps(p[0], p[1], start, end)]
    return min(hits, key=lambda p: p[0]) if hits else None


def most_at_once(periods: Iterable[tuple[date, date | None]], start: date, end: date | None) -> int:
    """The largest number of `periods` covering one same day within start..end."""
    inside = [
        (max(s, start), e if end is None else (end if e is None else min(e, end)))
        for s, e in periods
        if overlaps(s, e, start, end)
    ]
    # Sweep: +1 where a period starts, -1 the day after it ends (ends first on a tie).
    events: list[tuple[date, int]] = []
    for s, e in inside:
        events.append((s, 1))
        if e is not None:
            events.append((e + timedelta(days=1), -1))
    level = best = 0
    for _day, step in sorted(events):
        level += step
        best = max(best, level)
    return best


def owner_limit_exceeded(
    held: Iterable[tuple[date, date | None]], start: date, end: date | None, limit: int
) -> bool:
    """Would one more stall for start..end make the owner hold more than `limit` at once?"""
    return most_at_once(held, start, end) + 1 > limit


def start_date_problem(start: date, today: date, backdate_days: int, reason: str) -> str | None:
    """A start today or later is fine; up to `backdate_days` back needs a reason."""
    if start >= today:
        return None
    if (today - start).days > backdate_days:
        return "too_far_back"
    if not (reason or "").strip():
        return "reason_needed"
    return None


def end_date_problem(start: date, end: date | None) -> str | None:
    if end is not None and end < start:
        return "before_start"
    return None


def needs_out_of_order_reason(queue: list[int], application_id: int | None) -> bool:
    """Taking anyone but the first in line (or someone with no application) needs a reason."""
    return application_id is None or not queue or queue[0] != application_id


def letter_number(hall_code: str, year: int, seq: int) -> str:
    """The assignment letter number: 0007/SPL/JP01/2026."""
    if seq <= 0:
        raise ValueError("letter numbers start at 1")
    return f"{seq:04d}/SPL/{hall_code}/{year:04d}"
