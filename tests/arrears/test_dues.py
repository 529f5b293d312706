"""The dues (hallmgr.arrears.dues) agree with the pure rules, day by day, on random small
provinces, for every caller's view of them: the arrears list as of a day, the round, the
pay form's payable days, the ledger, a waiver's due days, the dashboard and the hall map.

A province has effective-dated open days, closures of the hall and of the province,
tariff changes, waivers, payments voided (some after the as-of day), payments recorded
after the as-of day, assignments ending, days paid ahead and days paid that are not due,
across several 62-day blocks."""

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hallmgr.arrears import dues, ledger, rules, services
from hallmgr.collection import queries
from hallmgr.collection.services import payable_days
from hallmgr.core.days import WIB
from hallmgr.halls.models import Closure, HallSchedule, Tariff
from hallmgr.halls.queries import stall_rows
from hallmgr.models import Payment, PaymentDay, Waiver
from hallmgr.reports.services import dashboard

FIRST = date(2026, 1, 1)
SPAN = 150  # crosses two 62-day blocks
THRESHOLDS = (7, 30, 60, 90)
ADVANCE = 10


def day(n: int) -> date:
    return FIRST + timedelta(days=n)


offsets = st.integers(0, SPAN - 1)

payment = st.fixed_dictionaries(
    {
        # Days relative to the assignment's start, some before it or after its end.
        "days": st.lists(st.integers(-5, SPAN), min_size=1, max_size=4, unique=True),
        # None: valid; else voided that many days after the as-of day (0: on it).
        "voided": st.one_of(st.none(), st.integers(-3, 3)),
        # Recorded this many days after the as-of day (negative: before).
        "recorded": st.integers(-20, 3),
    }
)

assignment = st.fixed_dictionaries(
    {
        "start": offsets,
        "length": st.one_of(st.none(), st.integers(0, SPAN)),
        "payments": st.lists(payment, max_size=8),
    }
)

province = st.fixed_dictionaries(
    {
        "schedules": st.lists(
            st.tuples(st.integers(1, SPAN), st.integers(1, 127)),
            max_size=2,
            unique_by=lambda s: s[0],
        ),
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
        "today": st.integers(1, SPAN + 10),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=province)
def test_every_view_of_the_dues_agrees_with_the_rules(
    db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data
):
    savepoint = db.session.begin_nested()
    try:
        world = _build(
            db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data
        )
        _check_arrears_list(world, day(data["as_of"]))
        _check_days_of_today(db, world, day(data["today"]))
    finally:
        savepoint.rollback()


class World:
    """What was written, as the rules read it."""

    def __init__(self):
        self.hall = None
        self.schedule: list[tuple[date, int]] = []
        self.tariffs: list[tuple[date, int]] = []
        self.closures: list[tuple[date, date]] = []
        self.assignments = []  # (assignment, stall, period, waived days)
        self.payments = []  # (assignment id, days, business_day, voided_at or None)


def _build(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user, data):
    w = World()
    hall = w.hall = make_hall(open_days=data["open_days"])
    w.schedule = [(hall.schedules[0].effective_from, data["open_days"])]
    for since, weekdays in sorted(data["schedules"]):
        db.session.add(HallSchedule(hall_id=hall.id, effective_from=day(since), open_days=weekdays))
        w.schedule.append((day(since), weekdays))
    other = make_hall()
    first_since, first_rate = data["tariffs"][0]
    kios = make_class(rate=first_rate * 1000, since=day(first_since))
    w.tariffs = [(day(first_since), first_rate * 1000)]
    for since, rate in data["tariffs"][1:]:
        db.session.add(
            Tariff(
                stall_class_id=kios.id,
                effective_from=day(since),
                daily_rate=rate * 1000,
                regulation="x",
            )
        )
        w.tariffs.append((day(since), rate * 1000))
    w.tariffs.sort()
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
        w.closures.append((day(start), day(start + length)))
    # Another hall's closure changes nothing here.
    db.session.add(
        Closure(hall_id=other.id, start_date=FIRST, end_date=day(SPAN), kind="flood", reason="x")
    )
    manager = make_user("manager")
    collector = make_user("collector", halls=[hall])
    as_of = day(data["as_of"])
    seq = 0
    for n, (plans, waived) in enumerate(data["stalls"]):
        stall = make_stall(hall, code=f"S-{n}", stall_class=kios)
        for wd in waived:
            db.session.add(
                Waiver(stall_id=stall.id, day=day(wd), reason="x", created_by_id=manager.id)
            )
        covered: set[date] = set()  # covered now (one covering payment per stall-day)
        cursor = 0
        for plan in plans:
            start = max(cursor, plan["start"])
            end = None if plan["length"] is None else start + plan["length"]
            a = make_assignment(
                stall, make_business(), day(start), day(end) if end is not None else None
            )
            w.assignments.append(
                (a, stall, rules.Period(a.start_date, a.end_date), [day(x) for x in waived])
            )
            cursor = SPAN + 1 if end is None else end + 1
            for p in plan["payments"]:
                days = sorted({day(start + k) for k in p["days"]})
                voided_at = None
                if p["voided"] is not None:
                    voided_at = datetime.combine(
                        as_of + timedelta(days=p["voided"]), time(12), tzinfo=WIB
                    )
                covers = voided_at is None
                if covers and covered & set(days):
                    continue
                seq += 1
                business_day = as_of + timedelta(days=p["recorded"])
                payment = Payment(
                    receipt_number=f"T-{seq}",
                    hall_id=hall.id,
                    year=2026,
                    seq=seq,
                    stall_id=stall.id,
                    business_id=a.business_id,
                    assignment_id=a.id,
                    amount=1000 * len(days),
                    method="cash",
                    collector_id=collector.id,
                    recorded_at=datetime.combine(business_day, time(9), tzinfo=WIB),
                    business_day=business_day,
                    voided_at=voided_at,
                    days=[
                        PaymentDay(
                            stall_id=stall.id, assignment_id=a.id, day=d, rate=1000, covers=covers
                        )
                        for d in days
                    ],
                )
                db.session.add(payment)
                if covers:
                    covered |= set(days)
                w.payments.append((a.id, days, business_day, voided_at))
            if end is None or cursor > SPAN:
                break
    db.session.flush()
    return w


def _due(w: World, period, waived, until):
    return rules.due_days(
        period,
        schedule=w.schedule,
        closures=w.closures,
        waivers=waived,
        tariffs=w.tariffs,
        until=until,
    )


def _paid(w: World, assignment_id: int, as_of: date | None = None) -> set[date]:
    """The days of the assignment's valid payments now, or at the end of `as_of`."""
    out = set()
    for aid, days, business_day, voided_at in w.payments:
        if aid != assignment_id:
            continue
        if as_of is None:
            valid = voided_at is None
        else:
            end = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=WIB)
            valid = business_day <= as_of and (voided_at is None or voided_at >= end)
        if valid:
            out |= set(days)
    return out


def _check_arrears_list(w: World, as_of: date):
    """The arrears list as of a day: the position at its end."""
    expected = {}
    for a, _stall, period, waived in w.assignments:
        if a.start_date >= as_of:
            continue
        due = _due(w, period, waived, as_of - timedelta(days=1))
        unpaid = rules.arrears_days(due, _paid(w, a.id, as_of), as_of)
        if unpaid:
            last = max(
                (
                    bd
                    for aid, _d, bd, v in w.payments
                    if aid == a.id
                    and bd <= as_of
                    and (
                        v is None or v >= datetime.combine(as_of + timedelta(days=1), time.min, WIB)
                    )
                ),
                default=None,
            )
            oldest = unpaid[0][0]
            expected[a.id] = (
                len(unpaid),
                sum(r for _, r in unpaid),
                oldest,
                last,
                rules.aging_bucket(oldest, as_of),
                rules.warning_level(oldest, as_of, THRESHOLDS),
            )
    rows = services.arrears_rows(as_of, THRESHOLDS, services.ArrearsFilter())
    got = {
        r.assignment_id: (
            r.unpaid_days,
            r.amount,
            r.oldest_unpaid,
            r.last_payment,
            r.bucket,
            r.level,
        )
        for r in rows
    }
    assert got == expected
    # The same narrowed to the hall, as a manager's list and the ledger ask.
    narrowed = services.arrears_rows(
        as_of, THRESHOLDS, services.ArrearsFilter(hall_ids=frozenset({w.hall.id}))
    )
    assert {r.assignment_id for r in narrowed} == set(expected)


def _check_days_of_today(db, w: World, today: date):
    """The views that read today's position: the round, the payable days, the ledger, a
    waiver's due days, the hall map and the dashboard."""
    references = {}
    for a, stall, period, waived in w.assignments:
        paid = _paid(w, a.id)
        due = _due(w, period, waived, today + timedelta(days=ADVANCE))
        references[a.id] = (a, stall, period, waived, paid, due)

    # The round: the tenants of today, their unpaid days up to today and today's state.
    round_rows = {r.stall_id: r for r in queries.round_rows(w.hall, today)}
    for a, stall, _period, _waived, paid, due in references.values():
        if not a.active_on(today):
            continue
        unpaid = [(d, r) for d, r in due if d <= today and d not in paid]
        row = round_rows[stall.id]
        assert (row.unpaid_days, row.unpaid_amount) == (len(unpaid), sum(r for _, r in unpaid))
        due_today = any(d == today for d, _ in due)
        if not unpaid:
            assert row.state.owes is False
            assert (row.state == "lunas") == due_today
        else:
            assert row.state.owes is True
    assert set(round_rows) == {
        stall.id for a, stall, *_ in references.values() if a.active_on(today)
    }

    # The pay form: each stall's payable days, oldest first, with their rates.
    for stall in {s for _a, s, *_ in references.values()}:
        expected = []
        for a, s, period, _waived, paid, due in references.values():
            if s.id == stall.id and a.start_date <= today + timedelta(days=ADVANCE):
                expected += [
                    (a.id, d, r) for d, r in rules.payable_days(due, paid, period, today, ADVANCE)
                ]
        got = [(p.assignment_id, p.day, p.rate) for p in payable_days(stall, today, ADVANCE)]
        assert got == expected

    # The ledger: each day's status, and the rate shown.
    started = [a for a, *_ in references.values() if a.start_date <= today + timedelta(ADVANCE)]
    days = ledger.ledger(started, today, ahead_days=ADVANCE)
    for a in started:
        _a, _stall, period, waived, paid, due = references[a.id]
        last = min(period.end or today, today)
        shown = {
            d
            for d in paid
            | {a.start_date + timedelta(k) for k in range((last - a.start_date).days + 1)}
            if period.start <= d <= (period.end or d) and d <= today + timedelta(ADVANCE)
        }
        expected = {}
        for d in sorted(shown):
            weekdays = rules.open_days_on(w.schedule, d)
            expected[d] = rules.day_status(
                day=d,
                as_of=today,
                open_weekday=rules.is_open_weekday(weekdays, d),
                closed=rules.is_closed(d, w.closures),
                waived=d in waived,
                rate=rules.rate_on(w.tariffs, d),
                paid=d in paid,
            )
        assert {x.day: x.status for x in days[a.id]} == expected

    # A waiver's due days: those of the stall's assignments in the dates asked.
    for a, _stall, period, waived, _paid_now, _due_days in references.values():
        window = (a.start_date, a.start_date + timedelta(days=20))
        expected = {d for d, _ in _due(w, period, waived, window[1]) if d >= window[0]}
        got = set()
        for account in dues.accounts(window[1], dues.Scope(assignment_ids=[a.id])):
            got |= set(account.due.between(*window))
        assert got == expected

    # The hall map: each tenant's arrears before today.
    for row in stall_rows(w.hall, today, with_arrears=True):
        if row.assignment_id is None:
            continue
        _a, _stall, period, waived, paid, due = references[row.assignment_id]
        unpaid = [d for d, _ in due if d < today and d not in paid]
        assert row.unpaid_days == len(unpaid)

    # The dashboard: the month's dues, what of them is paid, today's, arrears by aging.
    figures = next(
        h for h in dashboard(frozenset({w.hall.id}), today, THRESHOLDS).halls if h.id == w.hall.id
    )
    month = today.replace(day=1)
    due_month = paid_month = due_today = 0
    arrears = dict.fromkeys(rules.AgingBucket, 0)
    for _a, _stall, _period, _waived, paid, due in references.values():
        for d, r in due:
            if month <= d <= today:
                due_month += r
                paid_month += r if d in paid else 0
                due_today += r if d == today else 0
        unpaid = [(d, r) for d, r in due if d < today and d not in paid]
        if unpaid:
            arrears[rules.aging_bucket(unpaid[0][0], today)] += sum(r for _, r in unpaid)
    assert (figures.due_month, figures.paid_month, figures.due_today) == (
        due_month,
        paid_month,
        due_today,
    )
    assert figures.arrears == arrears
