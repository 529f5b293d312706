"""paid_blocks, kept by the database's triggers on payment_days, always equals the valid
paid days folded into 62-day bit masks: after payments, voids and re-payments through the
collection services, and after raw writes the services never make (delete, un-void)."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hallmgr.arrears.models import PaidBlock
from hallmgr.collection.models import Payment, PaymentDay
from hallmgr.collection.services import record_payment, void_payment
from hallmgr.core.errors import DomainError

TODAY = date(2026, 4, 30)
FIRST = date(2026, 1, 1)  # the blocks of 62 days start on 2026-01-07 and 2026-03-10
TRIGGERS = {"paid_blocks_on_insert", "paid_blocks_on_update", "paid_blocks_on_delete"}


def blocks_from_triggers(db) -> dict[tuple[int, int], int]:
    rows = db.session.execute(sa.select(PaidBlock.assignment_id, PaidBlock.block, PaidBlock.mask))
    return {(a, b): m for a, b, m in rows}


def blocks_from_paid_days(db) -> dict[tuple[int, int], int]:
    """The valid paid days of payment_days, folded in Python."""
    rows = db.session.execute(
        sa.select(PaymentDay.assignment_id, PaymentDay.day_number).where(
            PaymentDay.void == sa.false()
        )
    )
    out: dict[tuple[int, int], int] = {}
    for assignment_id, number in rows:
        key = (assignment_id, number // 62)
        out[key] = out.get(key, 0) | (1 << (number % 62))
    return out


def trigger_names(db) -> set[str]:
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        sql = (
            "SELECT tgname FROM pg_trigger "
            "WHERE tgrelid = 'payment_days'::regclass AND NOT tgisinternal"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'payment_days'"
    return set(conn.exec_driver_sql(sql).scalars())


def test_the_migration_installs_the_triggers(db):
    assert TRIGGERS <= trigger_names(db)


def test_postgresql_reads_the_masks_from_the_key_index(db):
    """The primary key's index carries the mask: an assignment's blocks are read by an
    index-only scan (SQLite keeps the rows themselves in key order: WITHOUT ROWID)."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'pk_paid_blocks'"
        assert conn.exec_driver_sql(sql).scalar().endswith("INCLUDE (mask)")
    else:
        sql = "SELECT sql FROM sqlite_master WHERE name = 'paid_blocks'"
        assert conn.exec_driver_sql(sql).scalar().rstrip().endswith("WITHOUT ROWID")


op = st.one_of(
    st.tuples(st.just("count"), st.integers(0, 1), st.integers(1, 40)),
    st.tuples(
        st.just("days"), st.integers(0, 1), st.lists(st.integers(0, 140), min_size=1, max_size=8)
    ),
    st.tuples(st.just("all"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("void"), st.integers(0, 50), st.just(0)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, min_size=1, max_size=12))
def test_paid_blocks_follow_payments_voids_and_repayments(
    db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, ops
):
    savepoint = db.session.begin_nested()
    try:
        hall = make_hall()
        kios = make_class(rate=3000)
        stalls = [make_stall(hall, stall_class=kios) for _ in range(2)]
        for n, stall in enumerate(stalls):
            make_assignment(stall, make_business(), FIRST + timedelta(days=n * 40))
        collector = make_user("collector", halls=[hall])
        manager = make_user("manager")
        now = datetime(2026, 4, 30, 3, 0, tzinfo=UTC)
        payments: list[Payment] = []
        for kind, which, arg in ops:
            attempt = db.session.begin_nested()
            try:
                if kind == "void":
                    valid = [p for p in payments if not p.is_void]
                    if not valid:
                        attempt.rollback()
                        continue
                    void_payment(manager, valid[which % len(valid)], "Salah input", now=now)
                else:
                    payment, _ = record_payment(
                        collector,
                        stalls[which],
                        [FIRST + timedelta(days=d) for d in arg] if kind == "days" else [],
                        "cash",
                        today=TODAY,
                        now=now,
                        advance_days=31,
                        all_arrears=kind == "all",
                        count=arg if kind == "count" else None,
                    )
                    payments.append(payment)
                db.session.flush()
                attempt.commit()
            except DomainError:
                attempt.rollback()
            assert blocks_from_triggers(db) == blocks_from_paid_days(db)
    finally:
        savepoint.rollback()
        # record_payment attaches its receipt as already persistent (it inserts with plain
        # statements); a request's session ends after a rollback, this test's goes on.
        db.session.expunge_all()


def test_paid_blocks_follow_deleted_and_restored_days(
    db, make_hall, make_stall, make_business, make_assignment, make_user
):
    hall = make_hall()
    stall = make_stall(hall)
    make_assignment(stall, make_business(), FIRST)
    collector = make_user("collector", halls=[hall])
    now = datetime(2026, 4, 30, 3, 0, tzinfo=UTC)
    payment, _ = record_payment(
        collector, stall, [], "cash", today=TODAY, now=now, advance_days=31, count=70
    )
    db.session.flush()
    assert blocks_from_triggers(db) == blocks_from_paid_days(db)
    assert sum(m.bit_count() for m in blocks_from_triggers(db).values()) >= 70

    db.session.execute(
        sa.update(PaymentDay).where(PaymentDay.payment_id == payment.id).values(void=True)
    )
    assert blocks_from_triggers(db) == blocks_from_paid_days(db)
    db.session.execute(
        sa.update(PaymentDay).where(PaymentDay.payment_id == payment.id).values(void=False)
    )
    assert blocks_from_triggers(db) == blocks_from_paid_days(db) != {}
    db.session.execute(
        sa.delete(PaymentDay).where(
            PaymentDay.payment_id == payment.id, PaymentDay.day < FIRST + timedelta(days=30)
        )
    )
    assert blocks_from_triggers(db) == blocks_from_paid_days(db)
    db.session.execute(sa.delete(PaymentDay).where(PaymentDay.payment_id == payment.id))
    assert blocks_from_triggers(db) == blocks_from_paid_days(db)
    assert not any(a == payment.assignment_id for a, _ in blocks_from_triggers(db))
