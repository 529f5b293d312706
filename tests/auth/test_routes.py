"""Sign-in, lock-out, sessions and CSRF, through the pages."""

from datetime import timedelta

import sqlalchemy as sa

from hallmgr.auth import services
from hallmgr.core.days import utcnow
from hallmgr.models import AuditEvent, User
from tests.conftest import PASSWORD, count_rows, csrf_token, login, post


def test_sign_in_page_is_indonesian_by_default(client, db):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Masuk" in page and "Kata sandi" in page


def test_sign_in_and_out(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    response = login(client, user.username)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert count_rows(AuditEvent, AuditEvent.action == "login", AuditEvent.actor_id == user.id) == 1
    post(client, "/auth/logout")
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_audited(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    response = login(client, user.username, "not-the-password")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert (
        count_rows(AuditEvent, AuditEvent.action == "login_failed", AuditEvent.actor_id == user.id)
        == 1
    )


def test_unknown_user_failure_is_audited_by_name(client, db):
    login(client, "nobody-here", "whatever-password")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert event.actor_name == "nobody-here" and event.actor_id is None


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user, db):
    user = make_user("manager")
    db.session.commit()
    for _ in range(4):
        assert "Nama pengguna atau kata sandi salah." in login(
            client, user.username, "bad-password-x"
        ).get_data(as_text=True)
    page = login(client, user.username, "bad-password-x").get_data(as_text=True)
    assert "dikunci selama 15 menit" in page
    # Even the right password waits now.
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert "coba lagi dalam 15 menit" in response.get_data(as_text=True)
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    assert locked.locked_until is not None
    assert timedelta(minutes=14) < locked.locked_until - utcnow() <= timedelta(minutes=15)


def test_the_lock_lifts_after_fifteen_minutes(db, make_user):
    user = make_user("manager")
    start = utcnow()
    for _ in range(5):
        try:
            services.authenticate(user.username, "bad", start, max_failures=5, lock_minutes=15)
        except services.LoginError:
            pass
    later = start + timedelta(minutes=14)
    try:
        services.authenticate(user.username, PASSWORD, later, max_failures=5, lock_minutes=15)
        raise AssertionError("signed in while locked")
    except services.LoginError:
        pass
    after = start + timedelta(minutes=15, seconds=1)
    assert (
        services.authenticate(user.username, PASSWORD, after, max_failures=5, lock_minutes=15)
        == user
    )


def test_a_form_without_csrf_token_is_refused(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir" in response.get_data(as_text=True)
    assert count_rows(AuditEvent, AuditEvent.action == "login") == 0


def test_sign_out_ends_the_users_other_sessions(app, client, make_user, db):
    user = make_user("collector")
    db.session.commit()
    phone = app.test_client()
    login(client, user.username)
    login(phone, user.username)
    assert phone.get("/").status_code == 200
    post(client, "/auth/logout")
    response = phone.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_changing_password_ends_other_sessions_but_keeps_this_one(app, client, make_user, db):
    user = make_user("collector")
    db.session.commit()
    phone = app.test_client()
    login(client, user.username)
    login(phone, user.username)
    response = post(
        client,
        "/auth/password",
        {
            "current_password": PASSWORD,
            "password": "pasar-senen-pagi",
            "confirm": "pasar-senen-pagi",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, user.username, PASSWORD).status_code == 200
    assert login(fresh, user.username, "pasar-senen-pagi").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    response = login(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_open_redirect_after_sign_in(client, make_user, db):
    user = make_user("office")
    db.session.commit()
    token = csrf_token(client)
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_home_shows_only_the_users_halls(client, login_as, make_hall, db):
    mine, _other = make_hall(name="Sentra Satu"), make_hall(name="Sentra Dua")
    login_as("manager", halls=[mine])
    page = client.get("/").get_data(as_text=True)
    assert "Sentra Satu" in page and "Sentra Dua" not in page


def test_language_switch_stays_on_the_page(client, login_as, db):
    login_as("admin")
    response = post(client, "/lang/en", {"next": "/admin/halls"})
    assert response.headers["Location"] == "/admin/halls"
    page = client.get("/admin/halls").get_data(as_text=True)
    assert "New hall" in page
    post(client, "/lang/id", {"next": "/admin/halls"})
    assert "Sentra baru" in client.get("/admin/halls").get_data(as_text=True)
