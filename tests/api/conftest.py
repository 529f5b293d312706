"""API fixtures: a hall with an assigned stall, and callers holding bearer tokens."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from hallmgr.api.services import create_token
from hallmgr.core.days import market_today, utcnow


class Api:
    """A test client that sends a user's bearer token with every request."""

    def __init__(self, client, user, token):
        self.client, self.user, self.token = client, user, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(
            "/api/v1" + path, json=json, headers=self._headers(headers), **kwargs
        )


@pytest.fixture
def api_as(db, client, make_user):
    """A caller of a role (with halls), signed in by a fresh token.

    Commits (within the test's own transaction), as a refused request rolls back what
    was not committed: make the test's rows before the caller.
    """

    def make(role="collector", halls=(), user=None):
        user = user or make_user(role, halls)
        _token, plain = create_token(user, "test device", utcnow())
        db.session.commit()
        return Api(client, user, plain)

    return make


@dataclass
class Place:
    hall: object
    stall: object
    business: object
    assignment: object
    rate: int


@pytest.fixture
def today():
    return market_today()


@pytest.fixture
def make_place(make_hall, make_class, make_stall, make_business, make_assignment):
    def make(start_days_ago=3, rate=3000, hall=None, stall_code="A-01"):
        hall = hall or make_hall()
        stall = make_stall(hall, code=stall_code, stall_class=make_class(rate=rate))
        business = make_business(name="Warung Bu Siti", owner="Siti Rahayu")
        assignment = make_assignment(
            stall, business, market_today() - timedelta(days=start_days_ago)
        )
        return Place(hall, stall, business, assignment, rate)

    return make


@pytest.fixture
def place(make_place):
    return make_place()


def error_of(response, status):
    """The error body of a refused request, after checking its status and format."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error
