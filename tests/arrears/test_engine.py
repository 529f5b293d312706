"""The arrears engine (bit sets per assignment) agrees with the pure rules, day by day, on
random small provinces: open weekdays, closures, tariff changes, waivers, voided
payments, assignments ending, days paid ahead and credits, across 62-day blocks."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hallmgr.arrears import engine, rules
from hallmgr.collection.models import Payment, PaymentDay, Waiver
from hallmgr.halls.models import Closure, Tariff

FIRST = date(2026, 1, 1)
SPAN = 150  # crosses two 62-day blocks


def day(n: int) -> date:
    return FIRST + timedelta(days=n)


offsets = st.integers(0, SPAN - 1)

assignment = st.fixed_dictionaries(
    {
        "start": offsets,
        "length": st.one_of(st.none(), st.integers(0, SPAN)),
        # Paid days relative to the start, some after the end or before the start.
        "paid": st.lists(st.integers(-5, SPAN), max_size=40, unique=True),
        "void_every": st.integers(2, 9),
    }
)

province = st.fixed_dictionaries(
    {
        "open_days": st.integers(1, 127),
        "tariffs": st.lists(
            st.tuples(st.integers(-30, SPAN), st.integers(1, 9)),
            min_size=1,
            max_size=3,
            unique_by=lambda t: t[0],
        ),
        "closures": st.lists(st.tuples(st.booleans(), offsets, st.integers(0, 4)), max_size=3),
        "stalls": st.lists(
            st.tuples(
                st.lists(assignment, min_size=1, max_size=2),
                st.lists(offsets, max_size=5, unique=True),
            ),
            min_size=1,
            max_size=3,
        ),
        "as_of": st.integers(1, SPAN + 10),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=province)
def test_the_engine_agrees_with_the_pure_rules(
    db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data
):
    savepoint = db.session.begin_nested()
    try:
        _check(
            db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data
        )
    finally:
        savepoint.rollback()


def _check(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data):
    hall = make_hall(open_days=data["open_days"])
    other = make_hall()
    first_since, first_rate = data["tariffs"][0]
    kios = make_class(rate=first_rate * 1000, since=day(first_since))
    tariffs = [(day(first_since), first_rate * 1000)]
    for since, rate in data["tariffs"][1:]:
        db.session.add(
            Tariff(
                stall_class_id=kios.id,
                effective_from=day(since),
                daily_rate=rate * 1000,
                regulation="x",
            )
        )
        tariffs.append((day(since), rate * 1000))
    tariffs.sort()
    closures = []
    for whole_province, start, length in data["closures"]:
        db.session.add(
            Closure(
                hall_id=None if whole_province else hall.id,
                start_date=day(start),
                end_date=day(start + length),
                kind="holiday",
                reason="x",
            )
        )
        closures.append((day(start), day(start + length)))
    # Another hall's closure changes nothing here.
    db.session.add(
        Closure(hall_id=other.id, start_date=FIRST, end_date=day(SPAN), kind="flood", reason="x")
    )
    manager = make_user("manager")
    collector = make_user("collector", halls=[hall])
    as_of = day(data["as_of"])
    expected = {}
    newest = {}  # the last unpaid due day per assignment
    periods = {}
    seq = 0
    for n, (plans, waived) in enumerate(data["stalls"]):
        stall = make_stall(hall, code=f"S-{n}", stall_class=kios)
        for w in waived:
            db.session.add(
                Waiver(stall_id=stall.id, day=day(w), reason="x", created_by_id=manager.id)
            )
        taken: set[date] = set()
        cursor = 0
        for plan in plans:
            start = max(cursor, plan["start"])
            end = None if plan["length"] is None else start + plan["length"]
            a = make_assignment(
                stall, make_business(), day(start), day(end) if end is not None else None
            )
            cursor = SPAN + 1 if end is None else end + 1
            valid = []
            for k, offset in enumerate(plan["paid"]):
                paid_day = day(start + offset)
                void = k % plan["void_every"] == 0
                if not void and paid_day in taken:
                    continue  # one valid payment per stall and day
                seq += 1
                payment = Payment(
                    receipt_number=f"T-{seq}",
                    hall_id=hall.id,
                    year=2026,
                    seq=seq,
                    stall_id=stall.id,
                    business_id=a.business_id,
                    assignment_id=a.id,
                    amount=1000,
                    method="cash",
                    collector_id=collector.id,
                    business_day=paid_day,
                    voided_at=datetime(2026, 6, 1, tzinfo=UTC) if void else None,
                )
                payment.days = [PaymentDay(stall_id=stall.id, day=paid_day, rate=1000, void=void)]
                db.session.add(payment)
                if not void:
                    taken.add(paid_day)
                    valid.append(paid_day)
            db.session.flush()
            due = rules.due_days(
                rules.Period(day(start), day(end) if end is not None else None),
                open_days=data["open_days"],
                closures=closures,
                waivers=[day(w) for w in waived],
                tariffs=tariffs,
                until=as_of - timedelta(days=1),
            )
            unpaid = rules.arrears_days(due, valid, as_of)
            if unpaid:
                expected[a.id] = (len(unpaid), sum(r for _, r in unpaid), unpaid[0][0])
                newest[a.id] = unpaid[-1][0]
            periods[a.id] = (day(start), day(end) if end is not None else None)
            if end is None or cursor > SPAN:
                break

    owed = engine.owed(as_of - timedelta(days=1))
    got = {k: (o.unpaid_days, o.amount, o.oldest_unpaid) for k, o in owed.items()}
    assert got == expected
    # The same for one hall, as the round page and hall map ask.
    narrowed = engine.owed(as_of - timedelta(days=1), engine.Scope(hall_ids=[hall.id]))
    assert {k: (o.unpaid_days, o.amount, o.oldest_unpaid) for k, o in narrowed.items()} == expected
    assert {k: o.newest_unpaid for k, o in owed.items()} == newest
    # Only the tenants of a day (the round page): the same figures for those it covers.
    on = as_of - timedelta(days=1)
    current = engine.owed(on, engine.Scope(hall_ids=[hall.id], current_on=on))
    covering = {
        k for k, (start, end) in periods.items() if start <= on and (end is None or end >= on)
    }
    assert {k: (o.unpaid_days, o.amount) for k, o in current.items()} == {
        k: v[:2] for k, v in expected.items() if k in covering
    }
    # The statement is built once per shape of scope: another hall's values are its own.
    assert engine.owed(on, engine.Scope(hall_ids=[hall.id + 1], current_on=on)) == {}
