"""Sign-in attempts are limited per client address, across workers when they share Redis.

The suite's app runs without the limiter; these tests build apps with it switched on, on
a migrated SQLite file of their own (the limiter does not depend on the database).
"""

import os
import uuid

import pytest
from flask_migrate import upgrade

from config import TestConfig
from hallmgr import create_app
from tests.conftest import PASSWORD, csrf_token, login

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('throttle') / 'throttle.sqlite3'}"
    app = throttled_app(url)
    with app.app_context():
        upgrade()
        from hallmgr.auth.services import hash_password
        from hallmgr.extensions import db
        from hallmgr.models import User

        db.session.add(
            User(
                username="petugas",
                full_name="Petugas",
                role="office",
                password_hash=hash_password(PASSWORD),
                active=True,
                failed_logins=0,
                session_version=1,
            )
        )
        db.session.commit()
        db.engine.dispose()
    return url


def throttled_app(url, **settings):
    config = type(
        "Throttled",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SIGN_IN_RATE_LIMIT": "3 per 5 minutes",
            **settings,
        },
    )
    return create_app(config)


def attempt(client, headers=None, remote_addr="203.0.113.7"):
    environ = {"REMOTE_ADDR": remote_addr}
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"username": "somebody", "password": "wrong-password", "csrf_token": token},
        headers=headers or {},
        environ_base=environ,
    )


def test_too_many_sign_ins_from_one_address_are_refused(database_url):
    app = throttled_app(database_url)
    client = app.test_client()
    for _ in range(3):
        assert attempt(client).status_code == 200
    refused = attempt(client)
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan dari alamat Anda" in refused.get_data(as_text=True)
    # The sign-in page itself still opens, and another address may still try.
    assert client.get("/auth/login").status_code == 200
    assert attempt(app.test_client(), remote_addr="198.51.100.20").status_code == 200


def test_successful_sign_ins_do_not_count(database_url):
    # Collectors sharing the hall's wifi all sign in at the start of the round.
    app = throttled_app(database_url)
    assert attempt(app.test_client()).status_code == 200
    assert attempt(app.test_client()).status_code == 200
    for _ in range(3):
        colleague = app.test_client()
        colleague.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        assert login(colleague, "petugas", PASSWORD).status_code == 302
    assert attempt(app.test_client()).status_code == 200
    assert attempt(app.test_client()).status_code == 429


def test_the_refusal_is_in_the_users_language(database_url):
    app = throttled_app(database_url, SIGN_IN_RATE_LIMIT="1 per 5 minutes")
    client = app.test_client()
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    attempt(client)
    refused = attempt(client)
    assert refused.status_code == 429
    assert "Too many attempts from your address" in refused.get_data(as_text=True)


def test_forwarded_for_is_ignored_without_a_configured_proxy(database_url):
    client = throttled_app(database_url).test_client()
    answers = [
        attempt(client, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_behind_a_configured_proxy_each_forwarded_address_counts_alone(database_url):
    client = throttled_app(database_url, PROXY_COUNT=1).test_client()
    # The proxy's own address is the same for everyone; the client is in X-Forwarded-For.
    for _ in range(3):
        assert attempt(client, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert attempt(client, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert attempt(client, headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 200


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_the_limit_holds_across_workers_sharing_redis(database_url):
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable; in CI that is a failure")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    shared = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    worker_a = throttled_app(database_url, **shared).test_client()
    worker_b = throttled_app(database_url, **shared).test_client()
    assert attempt(worker_a).status_code == 200
    assert attempt(worker_b).status_code == 200
    assert attempt(worker_a).status_code == 200
    assert attempt(worker_b).status_code == 429
    assert attempt(worker_a).status_code == 429


def test_sign_in_still_works_and_is_limited_when_the_shared_storage_is_down(database_url):
    # Nothing listens on port 1: every worker falls back to counting in its own memory.
    client = throttled_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    assert [attempt(client).status_code for _ in range(4)] == [200, 200, 200, 429]
