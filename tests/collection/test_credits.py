"""Credits: days paid that stopped being due become the payer's credit, which managers see
on one page for their halls and settle (refunded, or carried to another assignment)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hallmgr.assignments.services import end_assignment
from hallmgr.collection.services import record_payment
from hallmgr.core.days import market_today, utcnow
from hallmgr.models import AuditEvent, Credit
from tests.conftest import count_rows, post


@pytest.fixture
def today():
    return market_today()


@pytest.fixture
def make_credit(db, make_hall, make_stall, make_business, make_assignment, make_user, today):
    """A business that paid ten days ahead and whose assignment was then ended today:
    a credit of the days after today."""

    def make(hall=None, business=None, days_ahead=10):
        hall = hall or make_hall()
        stall = make_stall(hall)
        business = business or make_business()
        assignment = make_assignment(stall, business, today - timedelta(days=2))
        payment, _ = record_payment(
            make_user("collector", [hall]),
            stall,
            [today + timedelta(days=n) for n in range(-2, days_ahead + 1)],
            "cash",
            today=today,
            now=utcnow(),
            advance_days=31,
        )
        end_assignment(
            make_user("manager", [hall]),
            assignment,
            today,
            "pindah lapak",
            today,
            utcnow(),
            backdate_days=7,
        )
        db.session.flush()
        credit = db.session.scalar(sa.select(Credit).where(Credit.assignment_id == assignment.id))
        return credit, payment

    return make


def test_a_manager_sees_the_credits_of_their_halls_with_days_rates_and_receipts(
    client, login_as, make_credit, make_hall
):
    mine, payment = make_credit()
    theirs, _ = make_credit(hall=make_hall())
    login_as("manager", halls=[mine.hall])
    page = client.get("/collection/credits").get_data(as_text=True)
    assert f'id="credit-{mine.id}"' in page and f'id="credit-{theirs.id}"' not in page
    assert "Rp30.000" in page and payment.receipt_number in page  # 10 days at Rp3.000
    assert "Penempatan berakhir sebelum hari yang sudah dibayar di muka" in page
    assert 'id="credits-open"><strong>Terbuka:</strong> Rp30.000' in page
    # Another hall's credit answers 404, as if it did not exist.
    assert post(client, f"/collection/credits/{theirs.id}/settle").status_code == 404


def test_a_refund_is_recorded_with_its_note_and_audited(client, login_as, make_credit, db):
    credit, _ = make_credit()
    manager = login_as("manager", halls=[credit.hall])
    prefix = f"c{credit.id}-"
    # A refund says how the money went back.
    post(
        client,
        f"/collection/credits/{credit.id}/settle",
        {prefix + "settlement": "refunded", prefix + "note": ""},
        token_from="/collection/credits",
    )
    db.session.expire_all()
    assert db.session.get(Credit, credit.id).settled_at is None
    response = post(
        client,
        f"/collection/credits/{credit.id}/settle",
        {prefix + "settlement": "refunded", prefix + "note": "tunai, kuitansi 12"},
        token_from="/collection/credits",
    )
    assert response.status_code == 302
    db.session.expire_all()
    settled = db.session.get(Credit, credit.id)
    assert (settled.settlement, settled.settlement_note, settled.settled_by_id) == (
        "refunded",
        "tunai, kuitansi 12",
        manager.id,
    )
    page = client.get("/collection/credits").get_data(as_text=True)
    assert "Dikembalikan kepada usaha" in page and "tunai, kuitansi 12" in page
    assert count_rows(AuditEvent, AuditEvent.action == "credit_settled") == 1
    # Once settled, it is settled.
    again = post(
        client,
        f"/collection/credits/{credit.id}/settle",
        {prefix + "settlement": "refunded", prefix + "note": "lagi"},
        token_from="/collection/credits",
    )
    assert again.status_code == 302
    assert count_rows(AuditEvent, AuditEvent.action == "credit_settled") == 1


def test_a_credit_is_carried_to_another_assignment_of_the_same_business(
    client, login_as, make_credit, make_stall, make_assignment, db, today
):
    credit, _ = make_credit()
    nxt = make_assignment(make_stall(credit.hall), credit.business, today + timedelta(days=1))
    login_as("manager", halls=[credit.hall])
    page = client.get("/collection/credits").get_data(as_text=True)
    assert f'<option value="{nxt.id}">' in page
    prefix = f"c{credit.id}-"
    response = post(
        client,
        f"/collection/credits/{credit.id}/settle",
        {prefix + "settlement": "carried", prefix + "carried_to": str(nxt.id)},
        token_from="/collection/credits",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Credit, credit.id).carried_to_id == nxt.id
    assert "Dipindahkan ke penempatan berikutnya" in client.get("/collection/credits").get_data(
        as_text=True
    )


def test_the_office_reads_credits_and_settles_none(client, login_as, make_credit):
    credit, _ = make_credit()
    login_as("office")
    page = client.get("/collection/credits").get_data(as_text=True)
    assert f'id="credit-{credit.id}"' in page and "settle" not in page.split('id="credits"')[1]
    assert post(client, f"/collection/credits/{credit.id}/settle").status_code == 403
    post(client, "/auth/logout")
    login_as("collector", halls=[credit.hall])
    assert client.get("/collection/credits").status_code == 403


def test_the_page_takes_as_many_statements_for_many_credits_as_for_one(
    client, login_as, make_credit, make_hall, db
):
    hall = make_hall()
    make_credit(hall=hall)
    manager = login_as("manager", halls=[hall])

    def statements():
        seen = []

        def count(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                seen.append(statement)

        engine = db.session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/collection/credits").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    client.get("/collection/credits")
    one = statements()
    for _ in range(5):
        make_credit(hall=hall)
    assert statements() == one and manager
