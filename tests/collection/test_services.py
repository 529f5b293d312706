"""Payments, voids, waivers, closed marks and deposits against the database."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hallmgr.collection import queries, services
from hallmgr.collection.rules import PaymentMethod
from hallmgr.collection.services import DayAlreadyPaidError, IdempotencyMismatchError
from hallmgr.core.errors import DomainError
from hallmgr.models import AuditEvent, Closure, Deposit, Payment, PaymentDay, Tariff, Waiver
from tests.collection.conftest import NOW, TODAY
from tests.conftest import count_rows


def pay(setup, days, method="cash", key=None, who=None, today=TODAY, advance=31):
    return services.record_payment(
        who or setup.collector,
        setup.stall,
        days,
        method,
        today=today,
        now=NOW,
        advance_days=advance,
        idempotency_key=key,
    )


def test_payable_days_skip_closed_days_and_take_each_days_rate(db, setup, make_hall):
    db.session.add(
        Closure(
            hall_id=setup.hall.id,
            start_date=TODAY - timedelta(days=2),
            end_date=TODAY - timedelta(days=2),
            kind="flood",
            reason="banjir",
        )
    )
    db.session.add(
        Tariff(
            stall_class_id=setup.stall_class.id,
            effective_from=TODAY,
            daily_rate=3500,
            regulation="Pergub baru",
        )
    )
    db.session.flush()
    days = services.payable_days(setup.stall, TODAY, 3)
    assert [(p.day, p.rate) for p in days] == [
        (TODAY - timedelta(days=4), 3000),
        (TODAY - timedelta(days=3), 3000),
        (TODAY - timedelta(days=1), 3000),
        (TODAY, 3500),
        (TODAY + timedelta(days=1), 3500),
        (TODAY + timedelta(days=2), 3500),
        (TODAY + timedelta(days=3), 3500),
    ]


def test_named_days_oldest_first_and_a_count_take_the_oldest_payable_days(db, setup):
    # Oldest first (the pay form): newer days while older ones stay unpaid are refused...
    with pytest.raises(services.OlderDaysUnpaidError):
        services.record_payment(
            setup.collector,
            setup.stall,
            [TODAY],
            "cash",
            today=TODAY,
            now=NOW,
            advance_days=31,
            oldest_first=True,
        )
    # ... but the oldest days with a gap after them are fine.
    first, _ = services.record_payment(
        setup.collector,
        setup.stall,
        [TODAY - timedelta(days=4)],
        "cash",
        today=TODAY,
        now=NOW,
        advance_days=31,
        oldest_first=True,
    )
    assert [d.day for d in first.days] == [TODAY - timedelta(days=4)]
    # A count covers the oldest unpaid days first, today included, then days ahead.
    counted, _ = services.record_payment(
        setup.collector, setup.stall, [], "cash", today=TODAY, now=NOW, advance_days=31, count=5
    )
    assert [d.day for d in counted.days] == [TODAY + timedelta(days=n) for n in (-3, -2, -1, 0, 1)]


def test_a_total_other_than_the_one_shown_is_refused_and_records_nothing(db, setup):
    with pytest.raises(services.TotalChangedError) as caught:
        services.record_payment(
            setup.collector,
            setup.stall,
            [TODAY, TODAY + timedelta(days=1)],
            "cash",
            today=TODAY,
            now=NOW,
            advance_days=31,
            shown_total=3000,
        )
    assert "Rp6.000" in caught.value.message
    assert count_rows(Payment) == 0
    payment, _ = services.record_payment(
        setup.collector,
        setup.stall,
        [TODAY, TODAY + timedelta(days=1)],
        "cash",
        today=TODAY,
        now=NOW,
        advance_days=31,
        shown_total=6000,
    )
    assert payment.amount == 6000


def test_payment_is_priced_numbered_and_audited(db, setup):
    payment, replayed = pay(setup, [TODAY, TODAY - timedelta(days=1)])
    assert not replayed
    assert payment.receipt_number == f"{setup.hall.code}-2026-000001"
    assert payment.amount == 6000
    assert [d.day for d in payment.days] == [TODAY - timedelta(days=1), TODAY]
    second, _ = pay(setup, [TODAY - timedelta(days=2)])
    assert second.receipt_number.endswith("-000002")
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "payment_recorded", AuditEvent.object_id == str(payment.id)
        )
    )
    assert event.after["amount"] == 6000


def test_a_day_already_paid_is_refused_naming_the_receipt(db, setup):
    first, _ = pay(setup, [TODAY])
    with pytest.raises(DayAlreadyPaidError) as caught:
        pay(setup, [TODAY - timedelta(days=1), TODAY])
    assert first.receipt_number in caught.value.message
    assert count_rows(Payment) == 1


@pytest.mark.parametrize("method", list(PaymentMethod))
def test_each_method_is_stored_as_its_code_and_read_back_with_its_label(db, setup, method):
    payment, _ = pay(setup, [TODAY], method=method.value)
    db.session.expire_all()
    stored = db.session.execute(
        sa.text("SELECT method FROM payments WHERE id = :id"), {"id": payment.id}
    ).scalar()
    assert stored == method.value
    assert db.session.get(Payment, payment.id).method.label == method.label


def test_an_unknown_method_is_refused_naming_each_method(db, setup):
    with pytest.raises(DomainError) as caught:
        pay(setup, [TODAY], method="gold")
    assert caught.value.message == "Pilih metode: Tunai, QRIS, atau Transfer."
    assert count_rows(Payment) == 0


def test_the_database_refuses_a_method_outside_the_vocabulary(db, setup):
    payment, _ = pay(setup, [TODAY])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text("UPDATE payments SET method = 'gold' WHERE id = :id"), {"id": payment.id}
        )


def test_days_ahead_stop_at_the_limit_and_the_assignment_end(db, make_setup):
    setup = make_setup(end=TODAY + timedelta(days=5))
    pay(setup, [TODAY + timedelta(days=5)], advance=31)
    with pytest.raises(DomainError):
        pay(setup, [TODAY + timedelta(days=6)], advance=31)
    with pytest.raises(DomainError):
        pay(setup, [TODAY + timedelta(days=4)], advance=3)


def test_replay_with_the_same_key_returns_the_first_payment_and_takes_no_number(db, setup):
    first, _ = pay(setup, [TODAY], key="k-123456")
    again, replayed = pay(setup, [TODAY], key="k-123456")
    assert replayed and again.id == first.id
    with pytest.raises(IdempotencyMismatchError):
        pay(setup, [TODAY - timedelta(days=1)], key="k-123456")
    nxt, _ = pay(setup, [TODAY - timedelta(days=1)], key="k-other1")
    assert nxt.seq == 2  # no number was burnt by the replay


def test_void_makes_the_days_unpaid_and_keeps_everything(db, setup):
    payment, _ = pay(setup, [TODAY])
    with pytest.raises(DomainError):
        services.void_payment(setup.manager, payment, "  ", now=NOW)
    services.void_payment(setup.manager, payment, "salah lapak", now=NOW)
    assert payment.is_void and payment.voided_by_id == setup.manager.id
    assert (
        db.session.scalar(sa.select(PaymentDay.covers).where(PaymentDay.payment_id == payment.id))
        is False
    )
    assert TODAY in [p.day for p in services.payable_days(setup.stall, TODAY, 0)]
    with pytest.raises(services.AlreadyVoidError):
        services.void_payment(setup.manager, payment, "lagi", now=NOW)
    again, _ = pay(setup, [TODAY])
    assert again.seq == 2 and count_rows(Payment) == 2
    assert count_rows(AuditEvent, AuditEvent.action == "payment_voided") == 1


def test_waiver_removes_due_days_and_refuses_a_paid_day(db, setup):
    paid, _ = pay(setup, [TODAY - timedelta(days=4)])
    with pytest.raises(DayAlreadyPaidError) as caught:
        services.waive_days(
            setup.manager,
            setup.stall,
            TODAY - timedelta(days=4),
            TODAY - timedelta(days=3),
            "sakit",
            today=TODAY,
            now=NOW,
        )
    assert paid.receipt_number in caught.value.message
    waived = services.waive_days(
        setup.manager,
        setup.stall,
        TODAY - timedelta(days=3),
        TODAY - timedelta(days=2),
        "sakit",
        today=TODAY,
        now=NOW,
    )
    assert [w.day for w in waived] == [TODAY - timedelta(days=3), TODAY - timedelta(days=2)]
    assert [p.day for p in services.payable_days(setup.stall, TODAY, 0)] == [
        TODAY - timedelta(days=1),
        TODAY,
    ]
    with pytest.raises(DomainError):  # nothing left to waive there
        services.waive_days(
            setup.manager,
            setup.stall,
            TODAY - timedelta(days=3),
            TODAY - timedelta(days=3),
            "x",
            today=TODAY,
            now=NOW,
        )
    assert count_rows(Waiver) == 2


def test_closed_mark_is_an_observation_the_day_stays_due(db, setup):
    services.mark_closed(setup.collector, setup.stall, today=TODAY, now=NOW)
    services.mark_closed(setup.collector, setup.stall, today=TODAY, now=NOW)  # once only
    [row] = queries.round_rows(setup.hall, TODAY)
    assert row.state == "closed"
    assert row.unpaid_days == 5 and row.unpaid_amount == 15000
    pay(setup, [TODAY])
    [row] = queries.round_rows(setup.hall, TODAY)
    assert row.state == "paid_today" and row.unpaid_days == 4


def test_round_states_and_search(db, setup, make_stall, make_business, make_assignment):
    other = make_stall(setup.hall, code="B-02", block="B", stall_class=setup.stall_class)
    make_assignment(other, make_business(name="Kopi Pak Budi"), TODAY)
    services.waive_days(setup.manager, other, TODAY, TODAY, "renovasi", today=TODAY, now=NOW)
    rows = queries.round_rows(setup.hall, TODAY)
    assert [(r.code, r.state, r.unpaid_days) for r in rows] == [
        ("A-01", "unpaid", 5),
        ("B-02", "waived", 0),
    ]
    assert [r.code for r in queries.round_rows(setup.hall, TODAY, "budi")] == ["B-02"]
    assert queries.round_rows(setup.hall, TODAY, "%") == []


def test_the_round_says_paid_today_until_nothing_is_owed_then_lunas(db, setup):
    pay(setup, [TODAY])  # today paid, four older days still owed
    [row] = queries.round_rows(setup.hall, TODAY)
    assert (row.state, row.unpaid_days, row.unpaid_amount) == ("paid_today", 4, 12000)
    assert row.receipt_number.endswith("-000001")
    pay(setup, [TODAY - timedelta(days=n) for n in range(1, 5)])
    [row] = queries.round_rows(setup.hall, TODAY)
    assert (row.state, row.unpaid_days) == ("lunas", 0)


def test_round_a_closed_day_is_not_due_though_earlier_days_are_owed(db, setup):
    db.session.add(
        Closure(hall_id=setup.hall.id, start_date=TODAY, end_date=TODAY, kind="flood", reason="x")
    )
    db.session.flush()
    # Today is not due, but the older days are owed: the stall is not "paid".
    [row] = queries.round_rows(setup.hall, TODAY)
    assert (row.state, row.unpaid_days, row.unpaid_amount) == ("unpaid", 4, 12000)
    # Yesterday paid today: the round shows the rest owed.
    pay(setup, [TODAY - timedelta(days=1)])
    [row] = queries.round_rows(setup.hall, TODAY)
    assert (row.state, row.unpaid_days, row.unpaid_amount) == ("paid_today", 3, 9000)
    pay(setup, [TODAY - timedelta(days=n) for n in (2, 3, 4)])
    [row] = queries.round_rows(setup.hall, TODAY)
    assert (row.state, row.unpaid_days) == ("not_due", 0)


def test_deposit_keeps_the_difference(db, setup):
    pay(setup, [TODAY], "cash")
    pay(setup, [TODAY - timedelta(days=1)], "qris")
    voided, _ = pay(setup, [TODAY - timedelta(days=2)], "cash")
    services.void_payment(setup.manager, voided, "keliru", now=NOW)
    summary = queries.hall_day(setup.hall, TODAY)
    [c] = summary.collectors
    assert c.totals == {"cash": 3000, "qris": 3000, "transfer": 0}
    assert len(c.voids) == 1
    deposit = services.record_deposit(
        setup.manager, setup.hall, setup.collector.id, TODAY, 2000, "kurang", now=NOW
    )
    assert (deposit.cash_expected, deposit.difference) == (3000, -1000)
    services.record_deposit(setup.manager, setup.hall, setup.collector.id, TODAY, 3000, "", now=NOW)
    assert count_rows(Deposit) == 1
    assert db.session.scalar(sa.select(Deposit.amount_received)) == 3000
    with pytest.raises(DomainError):
        services.record_deposit(setup.manager, setup.hall, setup.manager.id, TODAY, 0, "", now=NOW)


def test_verification(db, setup):
    payment, _ = pay(setup, [TODAY])
    secret = "s3cret"
    from hallmgr.collection.rules import receipt_signature

    sig = receipt_signature(secret, payment.receipt_number)
    assert queries.verify_receipt(payment.receipt_number, sig, secret)[0] == "valid"
    assert queries.verify_receipt(payment.receipt_number, sig, "other")[0] == "forged"
    services.void_payment(setup.manager, payment, "x", now=NOW)
    assert queries.verify_receipt(payment.receipt_number, sig, secret)[0] == "void"
    ghost = "ZZ99-2026-000001"
    assert queries.verify_receipt(ghost, receipt_signature(secret, ghost), secret)[0] == "forged"


def test_a_void_of_an_earlier_receipt_shows_on_the_day_it_was_made(db, setup):
    from datetime import UTC, datetime

    earlier, _ = pay(setup, [TODAY - timedelta(days=1)], today=TODAY - timedelta(days=1))
    services.void_payment(
        setup.manager, earlier, "keliru", now=datetime(2026, 8, 17, 1, 0, tzinfo=UTC)
    )
    day = queries.hall_day(setup.hall, TODAY)
    assert [r.receipt_number for r in day.late_voids] == [earlier.receipt_number]
    assert day.receipts == []
    before = queries.hall_day(setup.hall, TODAY - timedelta(days=1))
    assert before.late_voids == [] and [r.receipt_number for r in before.voids] == [
        earlier.receipt_number
    ]


def test_a_stall_without_a_business_today_cannot_be_marked_closed(db, make_setup):
    setup = make_setup(start=TODAY + timedelta(days=1))
    with pytest.raises(DomainError):
        services.mark_closed(setup.collector, setup.stall, today=TODAY, now=NOW)


def test_receipt_facts_read_what_the_payment_recorded(db, setup):
    payment, _ = pay(setup, [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY])
    other, _ = pay(setup, [TODAY + timedelta(days=1)])
    services.void_payment(setup.manager, other, "salah lapak", now=NOW)
    db.session.flush()
    facts = queries.receipt_facts(payment.receipt_number)
    assert (facts.number, facts.hall_id, facts.stall_code, facts.business, facts.amount) == (
        payment.receipt_number,
        setup.hall.id,
        "A-01",
        "Warung Bu Siti",
        9000,
    )
    assert facts.days == [(TODAY - timedelta(days=n), 3000) for n in (2, 1, 0)]
    assert not facts.void and facts.collector == setup.collector.full_name
    voided = queries.receipt_facts(other.receipt_number)
    assert voided.void and voided.void_reason == "salah lapak"
    assert voided.voided_by == setup.manager.full_name
    assert queries.receipt_facts("NOPE-2026-000001") is None


def test_receipt_facts_keep_to_the_viewers_halls(db, setup, make_user, make_hall):
    payment, _ = pay(setup, [TODAY])
    number = payment.receipt_number
    elsewhere = make_user("manager", halls=[make_hall()])
    for viewer in (setup.collector, setup.manager, make_user("office"), make_user("admin")):
        assert queries.receipt_facts(number, viewer=viewer).number == number
    assert queries.receipt_facts(number, viewer=elsewhere) is None
    assert queries.receipt_facts(number, viewer=make_user("collector")) is None


def test_all_arrears_with_named_days_keeps_to_their_assignment(
    db, setup, make_business, make_assignment
):
    """The days an earlier business left unpaid on the stall are not added to another's
    receipt: one receipt covers one assignment's days."""
    setup.assignment.end_date = TODAY - timedelta(days=2)  # unpaid: 13–15 August
    newer = make_assignment(setup.stall, make_business(), TODAY - timedelta(days=1))
    db.session.flush()
    payment, _ = services.record_payment(
        setup.collector,
        setup.stall,
        [TODAY],
        "cash",
        today=TODAY,
        now=NOW,
        advance_days=31,
        all_arrears=True,
    )
    assert payment.assignment_id == newer.id
    assert [d.day for d in payment.days] == [TODAY - timedelta(days=1), TODAY]
