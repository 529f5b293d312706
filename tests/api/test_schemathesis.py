"""Schemathesis against openapi.json: generated requests (valid and invalid) for every
operation find no 500, and every response matches the document (status, content type,
headers, body; errors in the error format). HALLMGR_FUZZ_EXAMPLES=200 for a deeper run."""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hallmgr.api.openapi import document
from hallmgr.api.services import create_token
from hallmgr.collection.services import record_payment
from hallmgr.core.days import market_today, utcnow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# The document the app serves at /api/v1/openapi.json (a test checks they are the same).
schema = schemathesis.openapi.from_dict(document())


@pytest.fixture
def admin_token(db, make_hall, make_stall, make_business, make_assignment, make_user):
    """An admin (every hall, every action), and the document's examples made real: hall
    JP01 with stall A-01 in arrears and a first receipt of the year."""
    today = market_today()
    hall = make_hall(code="JP01")
    stall = make_stall(hall, code="A-01")
    make_assignment(stall, make_business(), today - timedelta(days=5))
    admin = make_user("admin")
    record_payment(admin, stall, [today], "cash", today=today, now=utcnow(), advance_days=31)
    _token, plain = create_token(admin, "fuzz", utcnow())
    db.session.commit()
    return plain


@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(app, case, admin_token):
    response = case.call(app=app, headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=CHECKS)
