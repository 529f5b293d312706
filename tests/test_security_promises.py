"""Promises of SECURITY.md that no feature test covered yet."""

import pytest
import sqlalchemy as sa

from hallmgr.auth import services as auth_services
from hallmgr.auth.policy import load_in_scope, scope_filter
from hallmgr.businesses.rules import mask_nik
from hallmgr.core.days import utcnow
from hallmgr.core.errors import NotFoundError
from hallmgr.models import Hall, User
from tests.conftest import csrf_token, login


def test_passwords_are_stored_as_argon2id(db):
    user = auth_services.create_user(
        None,
        username="hasil-uji",
        full_name="Hasil Uji",
        role="office",
        password="pasar-baru-pagi-7",
        hall_ids=[],
        now=utcnow(),
    )
    assert user.password_hash.startswith("$argon2id$")
    assert "pasar-baru-pagi-7" not in user.password_hash
    # Outside the tests (which lower the cost for speed) the RFC 9106 low-memory profile.
    assert auth_services._DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_sign_in_starts_a_fresh_session(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "fixated"
    assert login(client, user.username).status_code == 302
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session
        assert session["lang"] == "en"  # the chosen language survives


@pytest.mark.parametrize("role", ["manager", "collector"])
def test_another_halls_objects_answer_404(app, make_hall, make_user, db, role):
    mine, other = make_hall(), make_hall()
    user = make_user(role, [mine])
    with app.test_request_context():
        assert load_in_scope(Hall, mine.code, key=Hall.code, user=user) == mine
        assert load_in_scope(Hall, mine.id, user=user) == mine
        with pytest.raises(NotFoundError):
            load_in_scope(Hall, other.code, key=Hall.code, user=user)
        with pytest.raises(NotFoundError):
            load_in_scope(Hall, other.id, user=user)
        with pytest.raises(NotFoundError):
            load_in_scope(Hall, "NO-SUCH-HALL", key=Hall.code, user=user)
    visible = db.session.scalars(sa.select(Hall.code).where(scope_filter(user, Hall.id))).all()
    assert visible == [mine.code]


@pytest.mark.parametrize("role", ["admin", "office"])
def test_admin_and_office_see_every_hall(app, make_hall, make_user, db, role):
    first, second = make_hall(), make_hall()
    user = make_user(role)
    with app.test_request_context():
        assert load_in_scope(Hall, second.code, key=Hall.code, user=user) == second
    visible = set(db.session.scalars(sa.select(Hall.code).where(scope_filter(user, Hall.id))))
    assert {first.code, second.code} <= visible


def test_a_nik_is_masked_but_region_and_last_four(make_business, db):
    business = make_business(nik="3171075708900003")
    assert business.nik_masked == "3171********0003"
    assert mask_nik("3171075708900003") == "3171********0003"
    assert mask_nik("") == "" and mask_nik("12345") == "*****"


def test_a_deactivated_user_cannot_sign_in(client, make_user, db):
    user = make_user("collector", active=False)
    db.session.commit()
    response = login(client, user.username)
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).failed_logins == 1


def test_in_production_the_session_cookie_is_secure():
    from config import ProductionConfig
    from hallmgr import create_app

    class Production(ProductionConfig):
        SECRET_KEY = "kR3v9-8dXq2LmZ7pWb5nT1yHc6uJf4sA0eGo"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    response = create_app(Production).test_client().get("/auth/login")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
