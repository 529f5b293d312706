"""Stalls: saving, status, the CSV import (all or nothing), and the map's colours; tariffs."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hallmgr.core.errors import DomainError
from hallmgr.halls import queries, services, stalls
from hallmgr.halls.stalls import ImportRejectedError
from hallmgr.models import AuditEvent, Payment, PaymentDay, Stall, Tariff
from tests.conftest import count_rows

TODAY = date(2026, 8, 17)
NOW = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)


@pytest.fixture
def hall(make_hall):
    return make_hall(code="JP05")


@pytest.fixture
def kios(make_class):
    return make_class(code="kios5")


def test_a_stall_code_is_unique_in_its_hall(db, hall, kios, make_user, make_stall):
    manager = make_user("manager", [hall])
    make_stall(hall, code="A-01")
    with pytest.raises(DomainError) as refused:
        stalls.save_stall(manager, hall, None, {"code": "a-01", "stall_class_id": kios.id}, NOW)
    assert refused.value.field == "code" and "A-01" in refused.value.message
    created = stalls.save_stall(
        manager,
        hall,
        None,
        {"code": "a-02", "block": "a", "stall_class_id": kios.id, "area_dm2": 250},
        NOW,
    )
    assert (created.code, created.block, created.area_m2) == ("A-02", "A", "2,50")


def test_a_stall_with_assignments_keeps_its_class(
    db, hall, make_user, make_class, make_stall, make_business, make_assignment
):
    stall = make_stall(hall, code="A-03")
    make_assignment(stall, make_business(), date(2026, 1, 1), date(2026, 3, 1))
    with pytest.raises(DomainError) as refused:
        stalls.save_stall(
            make_user("manager"),
            hall,
            stall,
            {"code": "A-03", "stall_class_id": make_class().id},
            NOW,
        )
    assert refused.value.field == "stall_class_id"


def test_an_assigned_stall_cannot_retire_but_can_go_into_maintenance(
    db, hall, make_user, make_stall, make_business, make_assignment
):
    manager = make_user("manager")
    stall = make_stall(hall)
    make_assignment(stall, make_business(), date(2026, 8, 1))
    with pytest.raises(DomainError):
        stalls.set_stall_status(manager, stall, "retired", TODAY, NOW)
    stalls.set_stall_status(manager, stall, "maintenance", TODAY, NOW)
    assert db.session.get(Stall, stall.id).status == "maintenance"


GOOD = 'code,block,class,area_m2,status\nA-01,A,kios5,9,\nA-02,A,kios5,"2,5",maintenance\n'


def test_a_csv_of_stalls_is_imported_whole(db, hall, kios, make_user):
    created = stalls.import_stalls(make_user("manager"), GOOD, NOW, hall=hall)
    assert [(s.code, s.area_dm2, s.status) for s in created] == [
        ("A-01", 900, "available"),
        ("A-02", 250, "maintenance"),
    ]


def test_one_bad_row_among_good_ones_imports_nothing_and_reports_that_row(
    db, hall, kios, make_user
):
    text = GOOD + "A-03,A,gerobak,4,\nA-04,A,kios5,4,\n"
    with pytest.raises(ImportRejectedError) as refused:
        stalls.import_stalls(make_user("manager"), text, NOW, hall=hall)
    assert refused.value.problems == [(4, "kelas lapak gerobak tidak dikenal")]
    assert count_rows(Stall, Stall.hall_id == hall.id) == 0


def test_every_kind_of_bad_row_is_reported(db, hall, kios, make_user, make_stall):
    make_stall(hall, code="B-01")
    text = (
        "hall,code,class,area_m2,status\n"
        "JP05,B-01,kios5,4,\n"  # 2: exists
        "JP05,B-02,kios5,0,\n"  # 3: area
        "JP05,B 03,kios5,4,\n"  # 4: code
        "JP05,B-04,kios5,4,open\n"  # 5: status
        "XX99,B-05,kios5,4,\n"  # 6: hall
        "JP05,B-06,kios5,4,\n"  # 7: fine
        "JP05,B-06,kios5,4,\n"  # 8: twice in the file
    )
    with pytest.raises(ImportRejectedError) as refused:
        stalls.import_stalls(make_user("admin"), text, NOW)
    assert [line for line, _reason in refused.value.problems] == [2, 3, 4, 5, 6, 8]
    assert "baris 7" in dict(refused.value.problems)[8]


def test_a_manager_file_cannot_name_another_hall(db, hall, kios, make_hall, make_user):
    other = make_hall(code="JS05")
    text = "hall,code,class\nJS05,A-01,kios5\n"
    with pytest.raises(ImportRejectedError) as refused:
        stalls.import_stalls(make_user("manager"), text, NOW, hall_ids={hall.id})
    assert "JS05" in refused.value.problems[0][1]
    assert count_rows(Stall, Stall.hall_id == other.id) == 0


def test_the_import_command_reports_bad_rows_and_imports_nothing(app, db, hall, kios, tmp_path):
    path = tmp_path / "stalls.csv"
    path.write_text(GOOD + "A-03,A,kios5,-1,\n", encoding="utf-8")
    db.session.commit()  # the command rolls back its own failed work, not the test's set-up
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "stalls", str(path), "--hall", "JP05"])
    assert result.exit_code != 0
    assert "line 4:" in result.output
    assert count_rows(Stall, Stall.hall_id == hall.id) == 0
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import", "stalls", str(path), "--hall", "JP05"])
    assert result.exit_code == 0, result.output
    assert "2 stalls imported" in result.output
    assert count_rows(Stall, Stall.hall_id == hall.id) == 2


def test_the_map_colours_vacant_occupied_arrears_and_maintenance(
    db, hall, kios, make_stall, make_business, make_assignment, make_user
):
    vacant = make_stall(hall, code="A-01", stall_class=kios)
    paid = make_stall(hall, code="A-02", stall_class=kios)
    owing = make_stall(hall, code="A-03", stall_class=kios)
    repair = make_stall(hall, code="A-04", stall_class=kios, status="maintenance")
    ended = make_stall(hall, code="A-05", stall_class=kios)
    a_paid = make_assignment(paid, make_business(), date(2026, 8, 15))
    make_assignment(owing, make_business(), date(2026, 8, 14))
    make_assignment(ended, make_business(), date(2026, 8, 1), date(2026, 8, 10))
    collector = make_user("collector", [hall])
    payment = Payment(
        receipt_number="JP05-2026-000001",
        hall_id=hall.id,
        year=2026,
        seq=1,
        stall_id=paid.id,
        business_id=a_paid.business_id,
        assignment_id=a_paid.id,
        amount=6000,
        method="cash",
        collector_id=collector.id,
        recorded_at=NOW,
        business_day=TODAY,
    )
    payment.days = [
        PaymentDay(stall_id=paid.id, assignment_id=a_paid.id, day=date(2026, 8, d), rate=3000)
        for d in (15, 16)
    ]
    db.session.add(payment)
    db.session.flush()
    rows = {r.code: r for _block, stalls in queries.hall_map(hall, TODAY) for r in stalls}
    assert rows[vacant.code].state == "vacant"
    assert rows[paid.code].state == "occupied"
    assert rows[owing.code].state == "arrears"
    assert (rows[owing.code].unpaid_days, rows[owing.code].unpaid_amount) == (3, 9000)
    assert rows[repair.code].state == "maintenance"
    assert rows[ended.code].state == "vacant"  # old arrears of an ended assignment: not today's
    occupied = queries.stall_rows(hall, TODAY, occupancy="occupied")
    assert {r.code for r in occupied} == {"A-02", "A-03"}
    assert {r.code for r in queries.stall_rows(hall, TODAY, status="maintenance")} == {"A-04"}
    assert sa.inspect(payment).persistent


# Tariffs: a new rate prices days to come only (issue 19, defect 3). -----------------------

# 01:00 WIB on 18 August 2026, while it is still the 17th in UTC.
NIGHT = datetime(2026, 8, 17, 18, 0, tzinfo=UTC)
REFUSED = "Tarif baru paling cepat berlaku mulai besok"


def rates(db, stall_class) -> dict:
    query = sa.select(Tariff.effective_from, Tariff.daily_rate).where(
        Tariff.stall_class_id == stall_class.id
    )
    return dict(db.session.execute(query).all())


@pytest.fixture
def kios_in_use(hall, kios, make_stall, make_business, make_assignment):
    make_assignment(make_stall(hall, stall_class=kios), make_business(), date(2026, 1, 1))
    return kios


@pytest.mark.parametrize(
    "since", [date(2026, 8, 1), date(2026, 8, 16), TODAY], ids=["back-dated", "yesterday", "today"]
)
def test_a_new_rate_of_a_class_in_use_cannot_start_today_or_earlier(
    db, kios_in_use, make_user, since
):
    admin = make_user("admin")
    with pytest.raises(DomainError) as refused:
        services.add_tariff(admin, kios_in_use, since, 4000, "Pergub 9/2026", NOW)
    assert refused.value.field == "effective_from"
    assert REFUSED in refused.value.message
    assert rates(db, kios_in_use) == {date(2020, 1, 1): 3000}
    assert count_rows(AuditEvent, AuditEvent.action == "tariff_created") == 0


def test_a_new_rate_may_start_tomorrow(db, kios_in_use, make_user):
    services.add_tariff(make_user("admin"), kios_in_use, date(2026, 8, 18), 4000, "P 9", NOW)
    assert rates(db, kios_in_use) == {date(2020, 1, 1): 3000, date(2026, 8, 18): 4000}


def test_tomorrow_is_counted_in_jakarta_not_in_utc(db, kios_in_use, make_user):
    admin = make_user("admin")
    # At 01:00 WIB the 18th is already today in Jakarta, though UTC still says the 17th.
    with pytest.raises(DomainError):
        services.add_tariff(admin, kios_in_use, date(2026, 8, 18), 4000, "P 9", NIGHT)
    services.add_tariff(admin, kios_in_use, date(2026, 8, 19), 4000, "P 9", NIGHT)
    assert rates(db, kios_in_use) == {date(2020, 1, 1): 3000, date(2026, 8, 19): 4000}


def test_a_class_no_stall_was_ever_assigned_may_take_rates_from_any_date(
    db, hall, make_user, make_stall, make_business, make_assignment
):
    """No day was ever priced by such a class, so a back-dated rate re-prices nothing."""
    admin = make_user("admin")
    pelataran = services.save_stall_class(admin, None, "pelataran5", "Pelataran", NOW)
    stall = make_stall(hall, stall_class=pelataran)  # a stall of the class, never assigned
    services.add_tariff(admin, pelataran, date(2026, 1, 1), 2000, "Pergub 1/2026", NOW)
    services.add_tariff(admin, pelataran, TODAY, 2500, "Pergub 8/2026", NOW)
    assert rates(db, pelataran) == {date(2026, 1, 1): 2000, TODAY: 2500}

    # Once a stall of the class has been assigned, even by an assignment long ended, its
    # days were priced: the rule holds again.
    make_assignment(stall, make_business(), date(2026, 2, 1), date(2026, 2, 28))
    with pytest.raises(DomainError) as refused:
        services.add_tariff(admin, pelataran, date(2026, 2, 15), 3000, "Pergub 2/2026", NOW)
    assert refused.value.field == "effective_from"
    assert rates(db, pelataran) == {date(2026, 1, 1): 2000, TODAY: 2500}


def test_open_days_change_from_a_future_day_and_paid_days_then_closed_become_credits(
    db, hall, kios, make_stall, make_business, make_assignment, make_user
):
    """A hall's weekly open days are effective-dated like tariffs (defect 4): a change
    applies from tomorrow at the earliest, past dues stay as they were, and days paid
    ahead that the change closes become the payer's credit."""
    from hallmgr.arrears import dues
    from hallmgr.collection.services import record_payment
    from hallmgr.models import Credit

    admin = make_user("admin")
    stall = make_stall(hall, code="S-01", stall_class=kios)
    a = make_assignment(stall, make_business(), TODAY - timedelta(days=6))  # from Tue 11 Aug
    # Paid for 11–16 Aug and ahead to Sun 23 Aug.
    record_payment(
        make_user("collector", [hall]),
        stall,
        [TODAY + timedelta(days=n) for n in range(-6, 7)],
        "cash",
        today=TODAY,
        now=NOW,
        advance_days=31,
    )
    data = {
        "code": hall.code,
        "name": hall.name,
        "region_code": hall.region_code,
        "kecamatan_code": hall.kecamatan_code,
        "address": hall.address,
        "status": "active",
        "open_days": 0b0011111,  # Monday to Friday only
    }
    for too_early in (TODAY - timedelta(days=7), TODAY):
        with pytest.raises(DomainError) as refused:
            services.save_hall(admin, hall, data, NOW, today=TODAY, open_days_from=too_early)
        assert refused.value.field == "open_days_from"
    db.session.expire_all()
    assert len(hall.schedules) == 1 and count_rows(Credit) == 0

    services.save_hall(admin, hall, data, NOW, today=TODAY, open_days_from=TODAY + timedelta(1))
    [account] = dues.accounts(TODAY + timedelta(days=6), dues.Scope(assignment_ids=[a.id]))
    # The weekend just past stays due and paid; the coming one is no longer due...
    assert date(2026, 8, 15) in account.due and date(2026, 8, 16) in account.due
    assert date(2026, 8, 22) not in account.due and date(2026, 8, 23) not in account.due
    assert not account.unpaid
    # ... and what was paid for it is a credit to settle, at the rates paid.
    [credit] = db.session.scalars(sa.select(Credit)).all()
    assert (credit.reason, credit.amount, credit.assignment_id) == ("schedule_changed", 6000, a.id)
    assert [d.day for d in credit.days] == [date(2026, 8, 22), date(2026, 8, 23)]
