"""The API's days (query parameters and JSON bodies) go through the one day parser:
out of 2000-2099 is a 400 naming the field, never taken silently."""

from datetime import timedelta

import pytest

from hallmgr.core.days import market_today
from hallmgr.models import Assignment
from tests.conftest import count_rows
from tests.core.test_day_parser import BAD, OUT_OF_RANGE, RANGE


@pytest.fixture
def place(make_hall, make_class, make_stall, make_business, make_assignment):
    hall = make_hall()
    stall = make_stall(hall, stall_class=make_class())
    assignment = make_assignment(stall, make_business(), market_today() - timedelta(days=3))
    return hall, stall, assignment


def _error(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    return response.json["error"]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_the_api_refuses_a_bad_query_day(api_as, place, text, message):
    hall, _stall, _assignment = place
    api = api_as("collector", [hall])
    error = _error(api.get(f"/halls/{hall.code}/stalls", query_string={"date": text}))
    assert error["fields"] == {"date": message}


# A body's days that are no date at all are the OpenAPI schema's to refuse (its format).
@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_the_api_refuses_a_day_to_pay_out_of_range(api_as, place, text):
    hall, stall, _assignment = place
    api = api_as("collector", [hall])
    body = {
        "hall": hall.code,
        "stall": stall.code,
        "method": "cash",
        "dates": [market_today().isoformat(), text],
    }
    error = _error(api.post("/payments", json=body, headers={"Idempotency-Key": f"k-{text}"}))
    assert error["fields"] == {"dates.1": RANGE}


@pytest.mark.parametrize("text", ["2100-01-01", "2150-01-01", "9999-12-31"])
def test_the_api_refuses_an_assignment_ending_after_2099(
    api_as, make_hall, make_stall, make_class, make_business, text
):
    hall = make_hall()
    stall = make_stall(hall, stall_class=make_class())
    business = make_business()
    api = api_as("manager", [hall])
    body = {
        "hall": hall.code,
        "stall": stall.code,
        "business_id": business.id,
        "start_date": market_today().isoformat(),
        "end_date": text,
    }
    error = _error(api.post("/assignments", json=body))
    assert error["fields"] == {"end_date": RANGE}
    assert count_rows(Assignment) == 0
