"""Arrears scenarios, each worked out by hand in the test, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

from hallmgr.arrears import rules
from hallmgr.collection.models import Waiver
from hallmgr.halls.models import Closure, Tariff
from tests.arrears.conftest import THRESHOLDS, count_statements, days, province


def add_tariff(db, stall_class, since: date, rate: int) -> None:
    db.session.add(
        Tariff(stall_class_id=stall_class.id, effective_from=since, daily_rate=rate, regulation="x")
    )
    db.session.flush()


def test_a_tariff_change_in_the_middle_of_the_period(
    db, make_hall, make_class, make_stall, make_business, make_assignment, arrears_of
):
    kios = make_class(rate=3000, since=date(2020, 1, 1))
    add_tariff(db, kios, date(2026, 3, 6), 4000)
    stall = make_stall(make_hall(), stall_class=kios)
    a = make_assignment(stall, make_business(), date(2026, 3, 1))

    row = arrears_of(date(2026, 3, 11))[a.id]

    # 1–5 March at Rp3.000, 6–10 March at Rp4.000; the 11th is today, not arrears.
    assert row.unpaid_days == 10
    assert row.amount == 5 * 3000 + 5 * 4000 == 35_000
    assert row.oldest_unpaid == date(2026, 3, 1)
    assert row.bucket == "8-30"  # 10 days behind
    assert row.level == "teguran"


def test_a_holiday_closure_is_not_due(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of
):
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    # Province-wide (no hall): 3 and 4 March.
    db.session.add(
        Closure(
            hall_id=None,
            start_date=date(2026, 3, 3),
            end_date=date(2026, 3, 4),
            kind="holiday",
            reason="Hari raya",
        )
    )
    db.session.flush()

    row = arrears_of(date(2026, 3, 8))[a.id]

    # 1–7 March is 7 days, less the 2 closed: 5 days at Rp3.000.
    assert row.unpaid_days == 5
    assert row.amount == 15_000
    assert row.oldest_unpaid == date(2026, 3, 1)
    assert row.bucket == "1-7"  # 7 days behind
    assert row.level is None  # teguran only after 7 days


def test_a_weekly_closed_day_is_not_due(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of
):
    hall = make_hall(open_days=0b0111111)  # closed on Sundays
    stall = make_stall(hall)
    a = make_assignment(stall, make_business(), date(2026, 3, 2))  # a Monday

    row = arrears_of(date(2026, 3, 16))[a.id]

    # 2–15 March is 14 days; Sundays 8 and 15 March are closed: 12 days.
    assert row.unpaid_days == 12
    assert row.amount == 36_000
    assert row.oldest_unpaid == date(2026, 3, 2)
    assert row.bucket == "8-30"
    assert row.level == "teguran"


def test_a_waived_day_is_not_due(
    db, make_hall, make_stall, make_business, make_assignment, make_user, arrears_of
):
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    manager = make_user("manager")
    for d in (date(2026, 3, 1), date(2026, 3, 2)):
        db.session.add(Waiver(stall_id=stall.id, day=d, reason="Sakit", created_by_id=manager.id))
    db.session.flush()

    row = arrears_of(date(2026, 3, 6))[a.id]

    # 1–5 March less the 2 waived days: 3, 4, 5 March.
    assert row.unpaid_days == 3
    assert row.amount == 9_000
    assert row.oldest_unpaid == date(2026, 3, 3)
    assert row.bucket == "1-7"


def test_an_assignment_ending_mid_period_and_a_new_business_on_the_stall(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of, pay
):
    stall = make_stall(make_hall())
    first = make_assignment(stall, make_business(), date(2026, 1, 1), end=date(2026, 1, 20))
    second = make_assignment(stall, make_business(), date(2026, 1, 21))
    pay(stall, days(date(2026, 1, 1), date(2026, 1, 10)), today=date(2026, 1, 10))
    pay(stall, days(date(2026, 1, 21), date(2026, 1, 25)), today=date(2026, 1, 25))

    rows = arrears_of(date(2026, 2, 1))

    # The first business owes 11–20 January and nothing after its end.
    assert rows[first.id].unpaid_days == 10
    assert rows[first.id].amount == 30_000
    assert rows[first.id].oldest_unpaid == date(2026, 1, 11)
    assert rows[first.id].bucket == "8-30"  # 21 days behind
    assert rows[first.id].last_payment == date(2026, 1, 10)
    # The second owes 26–31 January.
    assert rows[second.id].unpaid_days == 6
    assert rows[second.id].amount == 18_000
    assert rows[second.id].oldest_unpaid == date(2026, 1, 26)
    assert rows[second.id].bucket == "1-7"
    assert rows[second.id].last_payment == date(2026, 1, 25)


def test_a_voided_receipt_makes_its_days_unpaid_again(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of, pay, void
):
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    wrong = pay(stall, days(date(2026, 3, 1), date(2026, 3, 5)), today=date(2026, 3, 5))
    void(wrong)
    pay(stall, days(date(2026, 3, 1), date(2026, 3, 2)), today=date(2026, 3, 6))

    row = arrears_of(date(2026, 3, 11))[a.id]

    # 1–10 March due, only 1–2 March validly paid: 3–10 March, 8 days.
    assert row.unpaid_days == 8
    assert row.amount == 24_000
    assert row.oldest_unpaid == date(2026, 3, 3)
    assert row.bucket == "8-30"  # 8 days behind
    assert row.level == "teguran"
    assert row.last_payment == date(2026, 3, 6)


def test_a_payment_made_ahead_and_today_is_not_arrears(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of, pay
):
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    # On 3 March the business pays 3–12 March: today and nine days ahead.
    pay(stall, days(date(2026, 3, 3), date(2026, 3, 12)), today=date(2026, 3, 3))

    on_13th = arrears_of(date(2026, 3, 13))[a.id]
    # 1 and 2 March unpaid; 13 March is today and not yet arrears.
    assert on_13th.unpaid_days == 2
    assert on_13th.amount == 6_000
    assert on_13th.oldest_unpaid == date(2026, 3, 1)
    assert on_13th.bucket == "8-30"  # 12 days behind

    on_14th = arrears_of(date(2026, 3, 14))[a.id]
    assert on_14th.unpaid_days == 3  # 1, 2 and 13 March
    assert on_14th.amount == 9_000
    assert on_14th.oldest_unpaid == date(2026, 3, 1)
    assert on_14th.bucket == "8-30"
    assert on_14th.last_payment == date(2026, 3, 3)

    # Paid up to yesterday: no arrears at all, whatever is open today.
    pay(stall, [date(2026, 3, 1), date(2026, 3, 2)], today=date(2026, 3, 13))
    assert a.id not in arrears_of(date(2026, 3, 13))


def test_29_february_is_a_due_day_at_the_rate_of_that_day(
    db, make_hall, make_class, make_stall, make_business, make_assignment, arrears_of
):
    kios = make_class(rate=3000, since=date(2020, 1, 1))
    add_tariff(db, kios, date(2028, 2, 29), 3500)
    stall = make_stall(make_hall(), stall_class=kios)
    a = make_assignment(stall, make_business(), date(2028, 2, 27))

    row = arrears_of(date(2028, 3, 2))[a.id]

    # 27 and 28 February at Rp3.000; 29 February and 1 March at Rp3.500.
    assert row.unpaid_days == 4
    assert row.amount == 2 * 3000 + 2 * 3500 == 13_000
    assert row.oldest_unpaid == date(2028, 2, 27)
    assert row.bucket == "1-7"  # 4 days behind


def test_long_arrears_reach_90_plus_and_sp3(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of
):
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 1, 1))

    row = arrears_of(date(2026, 4, 15))[a.id]

    # 1 January – 14 April: 31 + 28 + 31 + 14 = 104 days.
    assert row.unpaid_days == 104
    assert row.amount == 312_000
    assert row.bucket == "90+"
    assert row.level == "sp3"


def test_the_sql_agrees_with_the_reference_rules(
    db,
    make_hall,
    make_class,
    make_stall,
    make_business,
    make_assignment,
    make_user,
    arrears_of,
    pay,
):
    kios = make_class(rate=2000, since=date(2020, 1, 1))
    add_tariff(db, kios, date(2026, 2, 10), 2500)
    hall = make_hall(open_days=0b1011111)  # closed on Saturdays
    stall = make_stall(hall, stall_class=kios)
    a = make_assignment(stall, make_business(), date(2026, 1, 15), end=date(2026, 3, 20))
    db.session.add(
        Closure(
            hall_id=hall.id,
            start_date=date(2026, 2, 1),
            end_date=date(2026, 2, 3),
            kind="flood",
            reason="Banjir",
        )
    )
    manager = make_user("manager")
    db.session.add(
        Waiver(stall_id=stall.id, day=date(2026, 2, 20), reason="x", created_by_id=manager.id)
    )
    db.session.flush()
    paid = pay(stall, [date(2026, 1, 15), date(2026, 1, 16)], today=date(2026, 1, 16))
    as_of = date(2026, 3, 25)

    reference = rules.arrears_days(
        rules.due_days(
            rules.Period(date(2026, 1, 15), date(2026, 3, 20)),
            schedule=[(date(2000, 1, 1), 0b1011111)],
            closures=[(date(2026, 2, 1), date(2026, 2, 3))],
            waivers=[date(2026, 2, 20)],
            tariffs=[(date(2020, 1, 1), 2000), (date(2026, 2, 10), 2500)],
            until=as_of,
        ),
        [d.day for d in paid.days],
        as_of,
    )
    row = arrears_of(as_of)[a.id]
    assert row.unpaid_days == len(reference)
    assert row.amount == sum(rate for _day, rate in reference)
    assert row.oldest_unpaid == reference[0][0] == date(2026, 1, 18)  # 17th: Saturday
    assert row.bucket == rules.aging_bucket(reference[0][0], as_of) == "61-90"


def test_filters_narrow_the_rows(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of
):
    pusat = make_hall(region="31.71", kecamatan="31.71.07")
    selatan = make_hall(region="31.74", kecamatan=None)
    old = make_assignment(make_stall(pusat), make_business(), date(2026, 1, 1))
    new = make_assignment(make_stall(selatan), make_business(), date(2026, 4, 10))
    as_of = date(2026, 4, 15)

    assert set(arrears_of(as_of)) >= {old.id, new.id}
    assert set(arrears_of(as_of, region="31.74")) == {new.id}
    assert set(arrears_of(as_of, hall=pusat.code)) == {old.id}
    assert set(arrears_of(as_of, hall_ids=frozenset({selatan.id}))) == {new.id}
    assert set(arrears_of(as_of, bucket="90+", hall_ids=frozenset({pusat.id, selatan.id}))) == {
        old.id
    }
    assert set(arrears_of(as_of, bucket="1-7", hall_ids=frozenset({pusat.id, selatan.id}))) == {
        new.id
    }
    assert set(arrears_of(as_of, min_days=6, hall_ids=frozenset({pusat.id, selatan.id}))) == {
        old.id
    }
    assert set(arrears_of(as_of, level="sp2", hall_ids=frozenset({pusat.id, selatan.id}))) == {
        old.id
    }


def test_the_number_of_queries_does_not_grow_with_halls_stalls_or_days(
    db, make_hall, make_class, make_business, make_user
):
    from hallmgr.arrears import services

    province(db, make_hall, make_class, make_business, make_user, halls=1, stalls=10)
    small, rows_small = count_statements(
        db, lambda: services.arrears_rows(date(2026, 2, 1), THRESHOLDS, services.ArrearsFilter())
    )
    province(db, make_hall, make_class, make_business, make_user, halls=6, stalls=400)
    large, rows_large = count_statements(
        db, lambda: services.arrears_rows(date(2026, 3, 1), THRESHOLDS, services.ArrearsFilter())
    )
    assert len(rows_small) == 10 and len(rows_large) == 410
    assert small == large


def test_a_stall_that_changes_hands_keeps_each_business_s_dues_its_own(
    db, make_hall, make_stall, make_business, make_assignment, make_user, arrears_of, pay
):
    """An end set back over days the business paid ahead: those days become its credit,
    at the rates it paid, and the next business owes them, sees them and can pay them."""
    from hallmgr.arrears.ledger import credits_of, ledger
    from hallmgr.assignments.services import end_assignment
    from hallmgr.collection.queries import round_rows

    hall = make_hall()
    stall = make_stall(hall)
    old = make_assignment(stall, make_business(), date(2026, 3, 1))
    paid = pay(stall, days(date(2026, 3, 1), date(2026, 3, 10)), today=date(2026, 3, 1))
    manager = make_user("manager", halls=[hall])
    end_assignment(
        manager,
        old,
        date(2026, 3, 5),
        "pindah",
        today=date(2026, 3, 8),
        now=datetime(2026, 3, 8, 2, tzinfo=UTC),
        backdate_days=7,
    )
    new = make_assignment(stall, make_business(), date(2026, 3, 6))
    db.session.flush()

    # The old business's days after its end are its credit, at the rate it paid.
    [credit] = credits_of([old])[old.id]
    assert (credit.amount, credit.reason, credit.settled_at) == (15_000, "assignment_ended", None)
    assert [(d.day, d.rate, d.payment.receipt_number) for d in credit.days] == [
        (date(2026, 3, n), 3000, paid.receipt_number) for n in range(6, 11)
    ]
    # The new business owes 6–10 March itself, and the round and the ledger say so.
    rows = arrears_of(date(2026, 3, 11))
    assert old.id not in rows
    assert (rows[new.id].unpaid_days, rows[new.id].amount) == (5, 15_000)
    assert rows[new.id].oldest_unpaid == date(2026, 3, 6)
    [row] = round_rows(hall, date(2026, 3, 8))
    assert (row.state, row.unpaid_days, row.receipt_number) == ("unpaid", 3, None)
    days_of = ledger([old, new], date(2026, 3, 11))
    assert [d.status for d in days_of[new.id][:5]] == ["unpaid"] * 5
    # And it can pay them: the old cover no longer holds the stall-day.
    second = pay(stall, days(date(2026, 3, 6), date(2026, 3, 8)), today=date(2026, 3, 8))
    assert (second.assignment_id, second.amount) == (new.id, 9000)
    assert arrears_of(date(2026, 3, 11))[new.id].unpaid_days == 2


def test_arrears_as_of_a_day_are_its_position_at_the_end_of_that_day(
    db, make_hall, make_stall, make_business, make_assignment, arrears_of, pay, void
):
    """Payments recorded and voids made after the day do not count (defect 6)."""
    stall = make_stall(make_hall())
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    first = pay(stall, days(date(2026, 3, 1), date(2026, 3, 3)), today=date(2026, 3, 5))
    pay(stall, days(date(2026, 3, 4), date(2026, 3, 6)), today=date(2026, 3, 12))
    void(first, at=datetime(2026, 3, 12, 3, tzinfo=UTC))  # 10:00 WIB on the 12th

    then = arrears_of(date(2026, 3, 10))[a.id]
    # On the 10th the first receipt stood and the second did not exist: 4–9 March owed.
    assert (then.unpaid_days, then.oldest_unpaid, then.last_payment) == (
        6,
        date(2026, 3, 4),
        date(2026, 3, 5),
    )
    now = arrears_of(date(2026, 3, 13))[a.id]
    # By the 13th the first is void and the second paid 4–6 March: 1–3 and 7–12 owed.
    assert (now.unpaid_days, now.oldest_unpaid, now.last_payment) == (
        9,
        date(2026, 3, 1),
        date(2026, 3, 12),
    )


def test_a_business_with_two_stalls_is_one_business_with_two_labelled_rows(
    db, make_hall, make_stall, make_business, make_assignment
):
    """Totals count businesses as businesses; each row is one assignment's (defect 5)."""
    from hallmgr.arrears import services

    hall = make_hall()
    twice = make_business(name="Dua Lapak")
    first = make_assignment(make_stall(hall, code="A-01"), twice, date(2026, 3, 1))
    second = make_assignment(make_stall(hall, code="A-02"), twice, date(2026, 3, 4))
    make_assignment(make_stall(hall, code="A-03"), make_business(), date(2026, 3, 1))
    rows = services.arrears_rows(
        date(2026, 3, 11), THRESHOLDS, services.ArrearsFilter(hall_ids=frozenset({hall.id}))
    )
    mine = [
        (r.assignment_id, r.stall_code, r.assignment_start)
        for r in rows
        if r.business_id == twice.id
    ]
    assert mine == [(first.id, "A-01", date(2026, 3, 1)), (second.id, "A-02", date(2026, 3, 4))]
    totals = services.group_rows(rows).totals
    assert (totals.businesses, totals.assignments) == (2, 3)
    assert totals.unpaid_days == 10 + 7 + 10


def test_days_paid_ahead_keep_the_rate_paid_when_the_tariff_rises(
    db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, pay
):
    """The ledger shows the rate that was paid, and a later rise is not owed (defect 2)."""
    from hallmgr.arrears.ledger import ledger
    from hallmgr.halls.services import add_tariff

    kios = make_class(rate=3000, since=date(2020, 1, 1))
    stall = make_stall(make_hall(), stall_class=kios)
    a = make_assignment(stall, make_business(), date(2026, 3, 1))
    pay(stall, days(date(2026, 3, 1), date(2026, 3, 10)), today=date(2026, 3, 1))
    # Decided on 1 March, in force from the 5th: a future day when decided.
    add_tariff(
        make_user("admin"),
        kios,
        date(2026, 3, 5),
        4000,
        "Pergub naik",
        datetime(2026, 3, 1, 3, tzinfo=UTC),
    )
    from hallmgr.arrears import services

    as_of = date(2026, 3, 11)
    assert (
        services.arrears_rows(as_of, THRESHOLDS, services.ArrearsFilter(assignment_ids=(a.id,)))
        == []
    )
    shown = {d.day: (d.status, d.rate) for d in ledger([a], date(2026, 3, 11))[a.id]}
    assert shown[date(2026, 3, 4)] == ("paid", 3000)
    assert shown[date(2026, 3, 9)] == ("paid", 3000)  # paid at 3000, not today's 4000
    assert shown[date(2026, 3, 11)] == ("due_today", 4000)
