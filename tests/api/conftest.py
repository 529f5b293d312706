"""API fixtures: a hall with an assigned stall, and callers holding bearer tokens."""

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from hallmgr.api.openapi import document
from hallmgr.api.services import create_token
from hallmgr.core.days import market_today, utcnow

SPEC = document()


def _operation(method: str, path: str) -> dict:
    for template, operations in SPEC["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_documented(method: str, path: str, response) -> None:
    """The response's status is documented for the operation and its body fits the schema."""
    operation = _operation(method, urlsplit(path).path)
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{method} {path}: status {response.status_code} is not documented"
    content = documented.get("content", {})
    assert response.mimetype in content, f"{method} {path}: {response.mimetype} not documented"
    if response.mimetype == "application/json":
        schema = {**content["application/json"]["schema"], "components": SPEC["components"]}
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json)
        ]
        assert not errors, f"{method} {path} {response.status_code}: {errors}"


class Api:
    """A test client that sends a user's bearer token with every request, and checks every
    response against the OpenAPI document."""

    def __init__(self, client, user, token):
        self.client, self.user, self.token = client, user, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        response = self.client.get("/api/v1" + path, headers=self._headers(headers), **kwargs)
        check_documented("GET", path, response)
        return response

    def post(self, path, json=None, headers=None, **kwargs):
        response = self.client.post(
            "/api/v1" + path, json=json, headers=self._headers(headers), **kwargs
        )
        check_documented("POST", path, response)
        return response


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


@pytest.fixture
def count_queries(db):
    """`with count_queries() as counted:` … `counted.count` statements (savepoints aside)."""
    import contextlib

    import sqlalchemy as sa

    class Counted:
        count = 0

        def __init__(self):
            self.statements = []

    @contextlib.contextmanager
    def counting():
        counted = Counted()

        def listener(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counted.count += 1
                counted.statements.append(statement)

        bind = db.session.get_bind()
        sa.event.listen(bind, "before_cursor_execute", listener)
        try:
            yield counted
        finally:
            sa.event.remove(bind, "before_cursor_execute", listener)

    return counting
