"""Test fixtures: the app on a migrated database, each test rolled back, factories.

Runs on SQLite by default; with TEST_DATABASE_URL (e.g. the machine's PostgreSQL) the
same suite runs there.
"""

import itertools
import os
import re
from datetime import date

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import g
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from hallmgr import create_app
from hallmgr.auth import services as auth_services
from hallmgr.extensions import db as _db
from hallmgr.models import (
    Assignment,
    Business,
    Hall,
    Stall,
    StallClass,
    Tariff,
    User,
)

PASSWORD = "correct-horse-battery"
# argon2id still, at a cost that keeps the suite quick.
auth_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def pytest_collection_modifyitems(config, items):
    """Tests marked `perf` (timings on this machine, optimisations pinned) run only when the
    -m expression names them, as `make test-perf` does: `make test`, `-m "not e2e"` and
    `-m e2e` leave them out."""
    if re.search(r"\bperf\b", config.option.markexpr or ""):
        return
    perf = [item for item in items if item.get_closest_marker("perf")]
    if perf:
        config.hook.pytest_deselected(items=perf)
        items[:] = [item for item in items if not item.get_closest_marker("perf")]


def reset_database(engine) -> None:
    """An empty database: PostgreSQL's public schema is dropped and made anew."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")


def make_test_app(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_test_app(_database_url(tmp_path_factory))

    def forget_request_globals(*_args):
        # Tests keep an app context open around their requests, so requests share its `g`;
        # a real server gives each request a fresh one (signed-in user, CSRF token, locale).
        for key in list(vars(g)):
            delattr(g, key)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_request_globals)
    app.teardown_request(forget_request_globals)
    with app.app_context():
        reset_database(_db.engine)
        upgrade()
        from hallmgr.halls.services import load_regions

        load_regions()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """A session whose work is rolled back after the test, views' commits included."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain SQLAlchemy session bound to this connection (Flask-SQLAlchemy's own
        # session picks engines by bind key and would open a second connection).
        # One session for the test and the requests it makes, as the test's app context
        # stays open around them.
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=lambda: 0,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


@pytest.fixture
def make_user(db):
    def make(role="collector", halls=(), username=None, password=PASSWORD, active=True):
        user = User(
            username=username or unique(role),
            full_name=f"Test {role}",
            role=role,
            password_hash=auth_services.hash_password(password),
            active=active,
            failed_logins=0,
            session_version=1,
            halls=list(halls),
        )
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_hall(db):
    def make(code=None, region="31.71", kecamatan="31.71.07", open_days=0b1111111, name=None):
        code = code or unique("H")
        hall = Hall(
            code=code,
            name=name or f"Sentra {code}",
            region_code=region,
            kecamatan_code=kecamatan,
            address="Jl. Uji No. 1",
            status="active",
            open_days=open_days,
        )
        db.session.add(hall)
        db.session.flush()
        return hall

    return make


@pytest.fixture
def make_class(db):
    def make(code=None, rate=3000, since=date(2020, 1, 1), name=None):
        code = code or unique("cls")
        sc = StallClass(code=code, name=name or code.title())
        db.session.add(sc)
        db.session.flush()
        db.session.add(
            Tariff(
                stall_class_id=sc.id, effective_from=since, daily_rate=rate, regulation="Pergub uji"
            )
        )
        db.session.flush()
        return sc

    return make


@pytest.fixture
def make_stall(db, make_class):
    def make(hall, code=None, stall_class=None, block="A", status="available"):
        stall = Stall(
            hall_id=hall.id,
            code=code or unique("S-"),
            block=block,
            stall_class_id=(stall_class or make_class()).id,
            status=status,
        )
        db.session.add(stall)
        db.session.flush()
        return stall

    return make


def nik_for(n: int, female: bool = False) -> str:
    day = 17 + (40 if female else 0)
    return f"317107{day:02d}0890{n % 10000 or 1:04d}"


@pytest.fixture
def make_business(db):
    def make(name=None, owner="Siti Rahayu", nik=None, status="active", phone="081234567890"):
        n = next(_counter)
        business = Business(
            name=name or f"Warung {n}",
            owner_name=owner,
            nik=nik or nik_for(n),
            phone=phone,
            status=status,
        )
        db.session.add(business)
        db.session.flush()
        return business

    return make


@pytest.fixture
def make_assignment(db, make_user):
    def make(stall, business, start, end=None, decided_by=None):
        decided_by = decided_by or make_user("manager")
        assignment = Assignment(
            stall_id=stall.id,
            business_id=business.id,
            start_date=start,
            end_date=end,
            decided_by_id=decided_by.id,
        )
        db.session.add(assignment)
        db.session.flush()
        return assignment

    return make


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token},
    )


@pytest.fixture
def login_as(client, make_user):
    """Sign in through the page as a new user of a role (with halls); returns the user."""

    def do(role="collector", halls=(), **kwargs):
        user = make_user(role, halls, **kwargs)
        _db.session.commit()
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    """POST a form with a valid CSRF token taken from a page of the app."""
    token = csrf_token(client, token_from or "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def count_rows(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def pdf_text(data: bytes) -> str:
    """The text a reader of the PDF sees, page after page."""
    from io import BytesIO

    from pypdf import PdfReader

    assert data[:5] == b"%PDF-", "not a PDF"
    reader = PdfReader(BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)
