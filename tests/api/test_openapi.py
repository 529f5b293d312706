"""The OpenAPI document: valid 3.1, every API route in it, and responses that match it."""

import re

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from tests.api.conftest import check_documented


def test_the_document_is_valid_openapi_31_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in (
            "api.openapi_json",
            "api.docs",
        ):
            continue
        path = re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api/v1"))
        routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["operationId"] and operation["summary"]
            success = [s for s in operation["responses"] if s.startswith("2")]
            assert success, (method, path)
            assert "401" in operation["responses"] and "403" in operation["responses"]
            if method == "post":
                assert operation["requestBody"]["content"]["application/json"]["schema"]


class FakeResponse:
    def __init__(self, status, body, mimetype="application/json"):
        self.status_code, self.json, self.mimetype = status, body, mimetype


def test_the_response_check_refuses_what_the_document_does_not_promise():
    hall = {
        "code": "JP01",
        "name": "Sentra",
        "region_code": "31.71",
        "region_name": "Jakarta Pusat",
        "stalls_total": 2,
        "stalls_occupied": 1,
    }
    check_documented("GET", "/halls", FakeResponse(200, [hall]))
    with pytest.raises(AssertionError, match="stalls_total"):
        check_documented("GET", "/halls", FakeResponse(200, [{**hall, "stalls_total": "2"}]))
    with pytest.raises(AssertionError, match="not documented"):
        check_documented("GET", "/halls", FakeResponse(409, {}))
    with pytest.raises(AssertionError, match="not in the OpenAPI"):
        check_documented("DELETE", "/halls", FakeResponse(200, []))
    with pytest.raises(AssertionError, match="error"):
        check_documented("GET", "/receipts/X", FakeResponse(404, {"message": "gone"}))


def test_the_docs_page_shows_every_operation_to_a_signed_in_user(client, login_as):
    spec = client.get("/api/v1/openapi.json").json
    login_as("collector", halls=[])
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for operations in spec["paths"].values():
        for operation in operations.values():
            assert f'id="{operation["operationId"]}"' in page
    assert "Idempotent-Replayed" in page and "PaymentRequest" in page


def test_every_operation_refuses_no_token_and_a_revoked_one_with_401(client, db, api_as):
    from hallmgr.api.services import revoke_token
    from hallmgr.core.days import utcnow
    from hallmgr.models import ApiToken

    api = api_as("admin")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == api.user.id))
    revoke_token(api.user, token.id, utcnow())
    db.session.commit()
    spec = client.get("/api/v1/openapi.json").json
    for template, operations in spec["paths"].items():
        path = "/api/v1" + re.sub(r"\{[^}]+\}", "1", template)
        for method in operations:
            for headers in ({}, {"Authorization": f"Bearer {api.token}"}):
                response = client.open(path, method=method.upper(), headers=headers, json={})
                assert response.status_code == 401, (method, path, headers)
                assert response.json["error"]["code"] == "unauthorized"
