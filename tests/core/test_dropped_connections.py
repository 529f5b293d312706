"""PostgreSQL connections in a real pool (an app of its own, not the suite's shared
connection): one the server dropped while it sat in the pool (a restart, a terminated
backend) is replaced before a request uses it; an `@autocommit_read` view reads without a
transaction, and the connection is transactional again for whoever uses it next."""

import os
import time

import pytest
import sqlalchemy as sa

from hallmgr.auth.policy import public
from hallmgr.core.database import autocommit_read
from hallmgr.extensions import db
from tests.conftest import make_test_app

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL only")


@pytest.fixture
def pool_app():
    app = make_test_app(URL)

    def autocommit_now():
        db.session.execute(sa.text("SELECT 1"))
        return str(db.session.connection().connection.dbapi_connection.autocommit)

    app.add_url_rule("/_t/plain", "t_plain", public(autocommit_now))
    app.add_url_rule(
        "/_t/autocommit", "t_autocommit", public(autocommit_read(lambda: autocommit_now()))
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # the connection goes back into the pool
    return pid


def test_a_connection_the_server_dropped_is_replaced_before_a_request_uses_it(pool_app):
    other = sa.create_engine(URL)
    try:
        pid = _backend_pid(pool_app)
        with other.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            for _ in range(200):  # until the server has ended that session
                if not conn.execute(gone, {"pid": pid}).scalar_one():
                    break
                time.sleep(0.01)
        response = pool_app.test_client().get("/readyz")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
        assert _backend_pid(pool_app) != pid
    finally:
        other.dispose()


def test_only_an_autocommit_read_view_reads_without_a_transaction(pool_app):
    client = pool_app.test_client()
    assert client.get("/_t/autocommit").get_data(as_text=True) == "True"
    assert client.get("/_t/plain").get_data(as_text=True) == "False"
    with pool_app.app_context():  # the pooled connection is transactional again
        connection = db.session.connection().connection.dbapi_connection
        assert connection.autocommit is False
        db.session.execute(sa.text("SELECT 1"))
        assert connection.info.transaction_status.name == "INTRANS"
        db.session.remove()
