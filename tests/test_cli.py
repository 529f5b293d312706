"""The demo data command, on a database of its own."""

import sqlalchemy as sa
from flask_migrate import upgrade

from config import ProductionConfig
from hallmgr.extensions import db as _db
from hallmgr.models import Hall, Payment, PaymentDay, User
from tests.conftest import login, make_test_app


def test_seed_demo_loads_once_and_every_demo_user_signs_in(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output and "manager" in result.output
    result = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in result.output
    with app.app_context():
        s = _db.session
        assert s.scalar(sa.select(sa.func.count()).select_from(Hall)) == 6
        assert {h.region_code for h in s.scalars(sa.select(Hall))} == {
            "31.01",
            "31.71",
            "31.72",
            "31.73",
            "31.74",
            "31.75",
        }
        manager = s.scalar(sa.select(User).where(User.username == "manager"))
        assert sorted(h.code for h in manager.halls) == ["JP01", "JS01"]
        # Receipt numbers of each hall run 1..N without gaps.
        for _hall_id, count, top in s.execute(
            sa.select(Payment.hall_id, sa.func.count(), sa.func.max(Payment.seq)).group_by(
                Payment.hall_id
            )
        ):
            assert count == top
        # Amounts are the sum of the day rates.
        mismatched = s.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(Payment.id)
                .join(PaymentDay)
                .group_by(Payment.id, Payment.amount)
                .having(sa.func.sum(PaymentDay.rate) != Payment.amount)
                .subquery()
            )
        )
        assert mismatched == 0
    client = app.test_client()
    for username in ("admin", "office", "manager", "collector"):
        c = app.test_client()
        assert login(c, username, "hallmgr-demo").status_code == 302, username
    login(client, "collector", "hallmgr-demo")
    page = client.get("/").get_data(as_text=True)
    assert "Sentra UMKM Tanah Abang" in page and "Sentra UMKM Tebet" not in page


def test_demo_data_is_never_loaded_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)

    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 40
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite3'}"

    from hallmgr import create_app

    app = create_app(Prod)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not loaded" in result.output
