"""One day parser for every day a user gives: 2000-01-01 to 2099-12-31, and a clear
message (or, in a path, a 404) for anything else; never a 500, never taken silently."""

from datetime import date, timedelta

import pytest

from hallmgr.core.days import DayError, market_today, parse_day
from tests.conftest import post

RANGE = "Pilih tanggal dari 2000-01-01 sampai 2099-12-31."
NOT_A_DAY = "Bukan tanggal (YYYY-MM-DD)."

# (what the user sent, the day it means, or the message that refuses it)
CASES = [
    ("1999-12-31", RANGE),
    ("2000-01-01", date(2000, 1, 1)),
    ("2099-12-31", date(2099, 12, 31)),
    ("2100-01-01", RANGE),
    ("2150-01-01", RANGE),
    ("9999-12-31", RANGE),
    ("0001-01-01", RANGE),
    ("2026-02-30", NOT_A_DAY),
    ("2026-13-01", NOT_A_DAY),
    ("20260817", NOT_A_DAY),  # date.fromisoformat alone takes these three
    ("2026-W33-1", NOT_A_DAY),
    ("2026-08-17T00:00", NOT_A_DAY),
    ("2026-8-17", NOT_A_DAY),
    ("\u0662\u0660\u0662\u0666-08-17", NOT_A_DAY),  # Arabic-Indic digits
    ("garbage", NOT_A_DAY),
]
GOOD = [(text, day) for text, day in CASES if isinstance(day, date)]
BAD = [(text, message) for text, message in CASES if isinstance(message, str)]
OUT_OF_RANGE = [text for text, message in BAD if message == RANGE]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_day(app, text, expected):
    with app.test_request_context(headers={"Accept-Language": "id"}):
        if isinstance(expected, date):
            assert parse_day(text) == expected
        else:
            with pytest.raises(DayError) as refused:
                parse_day(text)
            assert refused.value.message == expected


def test_a_date_object_is_range_checked_too(app):
    with app.test_request_context():
        assert parse_day(date(2026, 8, 17)) == date(2026, 8, 17)
        with pytest.raises(DayError):
            parse_day(date(1999, 12, 31))


# In a path (the <day:...> converter): a day outside the range is no page at all.


@pytest.fixture
def hall(make_hall):
    return make_hall()


@pytest.mark.parametrize(("text", "day"), GOOD)
def test_a_path_day_in_range_is_served(client, login_as, hall, text, day):
    login_as("office")
    response = client.get(f"/collection/{hall.code}/day/{text}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f"laporan-{hall.code}-{text}.pdf")


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_path_day_out_of_range_or_malformed_is_404(client, login_as, hall, text, message):
    manager = login_as("manager", halls=[hall])
    assert client.get(f"/collection/{hall.code}/day/{text}/report.pdf").status_code == 404
    deposit = post(
        client,
        f"/collection/{hall.code}/day/{text}/deposit",
        {"collector_id": manager.id, "amount_received": "0"},
    )
    assert deposit.status_code == 404


# In a query string: the page is shown for the default day, with the reason.


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_day_in_the_query_is_said_and_today_shown(client, login_as, hall, text, message):
    login_as("manager", halls=[hall])
    page = client.get(f"/collection/{hall.code}/day", query_string={"day": text})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    today = market_today().isoformat()
    assert f"{message} Ditampilkan {today}." in body
    assert f'name="day" value="{today}"' in body


@pytest.mark.parametrize(("text", "day"), GOOD)
def test_a_good_day_in_the_query_is_shown(client, login_as, hall, text, day):
    login_as("manager", halls=[hall])
    body = client.get(f"/collection/{hall.code}/day?day={text}").get_data(as_text=True)
    assert f'name="day" value="{text}"' in body
    assert "Ditampilkan" not in body


@pytest.mark.parametrize(("text", "message"), BAD)
def test_the_void_register_refuses_a_bad_filter_day_with_its_reason(
    client, login_as, text, message
):
    login_as("office")
    page = client.get("/reports/voids", query_string={"since": text, "until": "2099-12-31"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert message in body
    assert 'name="since" id="since" value=""' in body  # not applied
    assert 'name="until" id="until" value="2099-12-31"' in body


# In a form: the field's error.


@pytest.fixture
def place(make_hall, make_class, make_stall, make_business, make_assignment):
    hall = make_hall()
    stall = make_stall(hall, stall_class=make_class())
    assignment = make_assignment(stall, make_business(), market_today() - timedelta(days=3))
    return hall, stall, assignment


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_waiver_form_day_out_of_range_is_the_fields_error(client, login_as, place, text, message):
    hall, stall, _assignment = place
    login_as("manager", halls=[hall])
    page = post(
        client,
        f"/collection/stalls/{stall.id}/waivers",
        {"start": text, "end": "2026-08-17", "reason": "Sakit"},
    )
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_payment_form_day_out_of_range_is_refused_with_its_reason(
    client, login_as, place, text, message
):
    hall, stall, _assignment = place
    login_as("collector", halls=[hall])
    page = post(
        client,
        f"/collection/stalls/{stall.id}/pay",
        {"days": [market_today().isoformat(), text], "method": "cash", "idempotency_key": "k" * 12},
        token_from="/collection/",
    )
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
