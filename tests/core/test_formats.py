"""Rupiah, words and dates as a user reads them, in both languages."""

from datetime import UTC, date, datetime

import pytest

from hallmgr.core.days import market_today
from hallmgr.core.i18n import format_day, format_moment
from hallmgr.core.money import format_rupiah


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "Rp0"), (500, "Rp500"), (5000, "Rp5.000"), (1250000, "Rp1.250.000"), (-3000, "-Rp3.000")],
)
def test_rupiah(amount, text):
    assert format_rupiah(amount) == text


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        format_rupiah(5000.0)


def test_business_day_is_jakarta_date_not_utc():
    # 18:30 UTC on 16 August is 01:30 WIB on 17 August.
    assert market_today(datetime(2026, 8, 16, 18, 30, tzinfo=UTC)) == date(2026, 8, 17)
    assert market_today(datetime(2026, 8, 16, 16, 59, tzinfo=UTC)) == date(2026, 8, 16)
    with pytest.raises(ValueError):
        market_today(datetime(2026, 8, 16, 18, 30))  # noqa: DTZ001  (naive on purpose)


def _in(app, lang):
    ctx = app.test_request_context("/")
    ctx.push()
    from flask import session

    session["lang"] = lang
    return ctx


def test_dates_in_indonesian_and_english(app):
    ctx = _in(app, "id")
    try:
        assert format_day(date(2026, 8, 17), "long") == "17 Agustus 2026"
        assert format_day(date(2026, 8, 17), "full") == "Senin, 17 Agustus 2026"
    finally:
        ctx.pop()
    ctx = _in(app, "en")
    try:
        assert format_day(date(2026, 8, 17), "long") == "August 17, 2026"
    finally:
        ctx.pop()


def test_timestamps_are_shown_in_wib(app):
    ctx = _in(app, "id")
    try:
        # 03:15 UTC is 10:15 WIB.
        assert "10.15" in format_moment(datetime(2026, 8, 17, 3, 15, tzinfo=UTC))
    finally:
        ctx.pop()
