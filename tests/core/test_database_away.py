"""When the database is away the app answers 503 with a readable message, never a traceback."""

import pytest

from hallmgr.api.services import TOKEN_PREFIX
from hallmgr.extensions import db
from tests.conftest import make_test_app

# Nothing listens on port 1: every connection attempt is refused at once.
AWAY_URL = "postgresql+psycopg://postgres@127.0.0.1:1/away?connect_timeout=2"


@pytest.fixture(scope="module")
def away_app():
    app = make_test_app(AWAY_URL)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_api_answers_503_with_a_json_error(away_app):
    client = away_app.test_client()
    response = client.get(
        "/api/v1/halls", headers={"Authorization": f"Bearer {TOKEN_PREFIX}some-token"}
    )
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "unavailable"
    assert "database" in error["message"].lower() or "basis data" in error["message"].lower()
    assert response.headers["Retry-After"] == "5"


def test_a_signed_in_page_answers_503_with_a_readable_page(away_app):
    client = away_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.1"  # a signed-in user the app must look up in the database
    response = client.get("/collection/round", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "<html" in text.lower() and "Traceback" not in text
    assert "503" in text


def test_the_readiness_check_fails_but_the_liveness_check_answers(away_app):
    client = away_app.test_client()
    assert client.get("/readyz").status_code == 503
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_the_health_checks_answer_ok_with_the_database_up(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
