"""A PostgreSQL connection the server dropped while it sat in the pool (a restart, a
terminated backend) is replaced before a request uses it: the request succeeds."""

import os
import time

import pytest
import sqlalchemy as sa

from hallmgr.extensions import db
from tests.conftest import make_test_app

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL only")


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # the connection goes back into the pool
    return pid


def test_a_connection_the_server_dropped_is_replaced_before_a_request_uses_it():
    app = make_test_app(URL)
    other = sa.create_engine(URL)
    try:
        pid = _backend_pid(app)
        with other.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            for _ in range(200):  # until the server has ended that session
                if not conn.execute(gone, {"pid": pid}).scalar_one():
                    break
                time.sleep(0.01)
        response = app.test_client().get("/readyz")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
        assert _backend_pid(app) != pid
    finally:
        other.dispose()
        with app.app_context():
            db.engine.dispose()
