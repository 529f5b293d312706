"""Voids and payments of the same assignments at once, across two 62-day blocks: both
commit (no deadlock between the triggers keeping paid_blocks) and paid_blocks ends equal
to the valid paid days. Own database, as in tests/collection/test_concurrency.py."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from hallmgr.collection import services
from hallmgr.extensions import db
from hallmgr.models import Payment, Stall, User
from tests.arrears.test_paid_blocks import blocks_from_paid_days, blocks_from_triggers
from tests.collection.test_concurrency import NOW, STALLS, TODAY, _seed, race_app  # noqa: F401

# TODAY is day 20,682: block 333 ends on day 20,707 (TODAY + 25), block 334 follows.
FIRST = [TODAY - timedelta(days=n) for n in range(1, 11)] + [
    TODAY + timedelta(days=n) for n in (26, 27, 28)
]
SECOND = [TODAY + timedelta(days=n) for n in range(4)] + [
    TODAY + timedelta(days=n) for n in (29, 30)
]


def test_voids_and_payments_of_the_same_assignments_at_once(race_app):  # noqa: F811
    stall_ids, collector_ids = _seed(race_app)
    with race_app.app_context():
        collector = db.session.get(User, collector_ids[0])
        first = {}
        for stall_id in stall_ids:
            payment, _ = services.record_payment(
                collector,
                db.session.get(Stall, stall_id),
                FIRST,
                "cash",
                today=TODAY,
                now=NOW,
                advance_days=31,
            )
            first[stall_id] = payment.id
        db.session.commit()
        boss_id = db.session.scalar(sa.select(User.id).where(User.username == "boss"))
        db.session.remove()

    barrier = threading.Barrier(2 * STALLS)
    results: dict[tuple[str, int], str] = {}

    def void(stall_id: int) -> None:
        with race_app.app_context():
            try:
                barrier.wait(timeout=30)
                services.void_payment(
                    db.session.get(User, boss_id),
                    db.session.get(Payment, first[stall_id]),
                    "Salah input",
                    now=NOW,
                )
                db.session.commit()
                results["void", stall_id] = "ok"
            except Exception as error:  # noqa: BLE001  (any other outcome fails the test)
                db.session.rollback()
                results["void", stall_id] = repr(error)
            finally:
                db.session.remove()

    def pay(stall_id: int) -> None:
        with race_app.app_context():
            try:
                barrier.wait(timeout=30)
                services.record_payment(
                    db.session.get(User, collector_ids[1]),
                    db.session.get(Stall, stall_id),
                    SECOND,
                    "cash",
                    today=TODAY,
                    now=NOW,
                    advance_days=31,
                )
                db.session.commit()
                results["pay", stall_id] = "ok"
            except Exception as error:  # noqa: BLE001
                db.session.rollback()
                results["pay", stall_id] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=f, args=(s,)) for s in stall_ids for f in (void, pay)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert results == {(kind, s): "ok" for s in stall_ids for kind in ("void", "pay")}
    with race_app.app_context():
        blocks = blocks_from_triggers(db)
        assert blocks == blocks_from_paid_days(db)
        # Only the second payment's days are left, in both blocks of every assignment.
        assert sum(m.bit_count() for m in blocks.values()) == STALLS * len(SECOND)
        assert len(blocks) == 2 * STALLS
        db.session.remove()
