"""PostgreSQL connections in a real pool (an app of its own, not the suite's shared
connection): those the server dropped while they sat in the pool (a restart, terminated
backends) are replaced before a request uses them."""

import os
import time

import pytest
import sqlalchemy as sa

from hallmgr.extensions import db
from tests.conftest import make_test_app

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL only")


@pytest.fixture
def pool_app():
    app = make_test_app(URL)
    yield app
    with app.app_context():
        db.engine.dispose()


def _pooled_backend_pids(app, count: int) -> set[int]:
    """Open `count` connections at once and put them back into the app's pool."""
    with app.app_context():
        connections = [db.engine.connect() for _ in range(count)]
        pids = {c.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() for c in connections}
        for connection in connections:
            connection.close()
    return pids


def _terminate(pids: set[int]) -> None:
    """End those sessions as a restart would, and wait until the server has."""
    other = sa.create_engine(URL)
    try:
        with other.connect() as conn:
            for pid in pids:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            alive = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
            for _ in range(200):
                if not conn.execute(alive, {"pids": list(pids)}).scalar_one():
                    break
                time.sleep(0.01)
    finally:
        other.dispose()


def test_connections_the_server_dropped_are_replaced_before_requests_use_them(pool_app):
    dropped = _pooled_backend_pids(pool_app, 3)
    assert len(dropped) == 3
    _terminate(dropped)
    client = pool_app.test_client()
    for _ in range(4):  # more requests than the pool held dead connections
        response = client.get("/readyz")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert _pooled_backend_pids(pool_app, 3).isdisjoint(dropped)
