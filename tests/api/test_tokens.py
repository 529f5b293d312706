"""API sign-in with bearer tokens: created on a page or by the CLI, stored hashed, revocable."""

import re

import sqlalchemy as sa

from hallmgr.api.models import ApiToken
from hallmgr.api.services import hash_token
from tests.conftest import post


def _create_token(client, name="HP kolektor"):
    page = post(client, "/tokens/", {"name": name}, token_from="/tokens/").get_data(as_text=True)
    match = re.search(r'<code id="new-token"[^>]*>(hm_[^<]+)</code>', page)
    assert match, "the new token is shown once on the page"
    return match.group(1)


def test_a_token_made_on_the_page_signs_in_to_the_api_with_the_users_halls(
    client, login_as, make_hall, db
):
    mine, _theirs = make_hall(name="Sentra Mine"), make_hall(name="Sentra Theirs")
    user = login_as("collector", halls=[mine])
    token = _create_token(client)
    stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    api = client.application.test_client()
    response = api.get("/api/v1/halls", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [h["code"] for h in response.json] == [mine.code]
    assert response.json[0]["region_code"] == "31.71"
    assert response.json[0]["region_name"] == "Kota Administrasi Jakarta Pusat"


def test_halls_count_stalls_and_todays_occupancy(
    client, login_as, make_hall, make_stall, make_business, make_assignment, db
):
    from hallmgr.core.days import market_today

    hall = make_hall()
    occupied = make_stall(hall)
    make_stall(hall)
    make_assignment(occupied, make_business(), market_today())
    login_as("manager", halls=[hall])
    token = _create_token(client)
    body = client.get("/api/v1/halls", headers={"Authorization": f"Bearer {token}"}).json
    assert (body[0]["stalls_total"], body[0]["stalls_occupied"]) == (2, 1)


def test_no_token_or_a_bad_token_is_401_in_json(client, db):
    for headers in ({}, {"Authorization": "Bearer hm_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/halls", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.json["error"]["message"]


def test_the_session_cookie_does_not_sign_in_to_the_api(client, login_as, make_hall, db):
    login_as("admin")
    assert client.get("/api/v1/halls").status_code == 401


def test_a_revoked_token_stops_working_at_once(client, login_as, make_hall, db):
    login_as("office")
    token = _create_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    api = client.application.test_client()
    assert api.get("/api/v1/halls", headers=headers).status_code == 200
    stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert post(client, f"/tokens/{stored.id}/revoke", token_from="/tokens/").status_code == 302
    assert api.get("/api/v1/halls", headers=headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, login_as, make_user, db):
    from hallmgr.api.services import create_token
    from hallmgr.core.days import utcnow

    other = make_user("office")
    token, _plain = create_token(other, "theirs", utcnow())
    login_as("office")
    post(client, f"/tokens/{token.id}/revoke", token_from="/tokens/")
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_deactivated_users_token_stops_working(client, make_user, db):
    from hallmgr.api.services import create_token
    from hallmgr.core.days import utcnow

    user = make_user("office")
    _token, plain = create_token(user, "x", utcnow())
    user.active = False
    db.session.flush()
    assert (
        client.get("/api/v1/halls", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    )


def test_cli_prints_a_working_token(app, client, make_user, db):
    user = make_user("office", username="auditor1")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "token", "auditor1"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    assert plain.startswith("hm_")
    assert (
        client.get("/api/v1/halls", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    )
    assert (
        db.session.scalar(
            sa.select(ApiToken.user_id).where(ApiToken.token_hash == hash_token(plain))
        )
        == user.id
    )


def test_openapi_document_is_valid_and_rendered_for_people(client, login_as, db):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert "/halls" in spec["paths"]
    login_as("collector", halls=[])
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/halls" in page and "listHalls" in page
