"""assign_stall and end_assignment: what they store and every refusal, with its message."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hallmgr.assignments import services
from hallmgr.core.errors import DomainError
from hallmgr.models import Application, Assignment, AuditEvent
from tests.assignments.conftest import NOW, SETTINGS, TODAY


@pytest.fixture
def setup(make_hall, make_stall, make_business):
    hall = make_hall(code="JP07")
    return hall, make_stall(hall, code="A-01"), make_business(name="Warung Bu Siti")


def test_an_assignment_is_stored_numbered_and_audited(db, setup, assign):
    hall, stall, business = setup
    first = assign(stall, business, end=date(2026, 12, 31))
    assert first.number == "0001/SPL/JP07/2026"
    assert (first.start_date, first.end_date) == (TODAY, date(2026, 12, 31))
    assert first.out_of_order_reason == "Penempatan langsung (uji)"
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "assignment_created", AuditEvent.object_id == str(first.id)
        )
    )
    assert event.hall_id == hall.id and event.after["number"] == first.number


def test_letter_numbers_run_on_per_hall_and_year(db, setup, make_stall, make_business, assign):
    hall, stall, business = setup
    assign(stall, business)
    second = assign(make_stall(hall), make_business())
    assert second.number == "0002/SPL/JP07/2026"


def test_a_stall_taken_on_any_day_of_the_period_is_refused(setup, make_business, assign):
    _hall, stall, business = setup
    assign(stall, business, start=date(2026, 9, 1), end=date(2026, 9, 30))
    with pytest.raises(services.StallTakenError) as refused:
        assign(stall, make_business(), start=date(2026, 8, 20), end=date(2026, 9, 1))
    assert "A-01" in refused.value.message
    assert "Warung Bu Siti" in refused.value.message
    assert "2026-09-01" in refused.value.message
    # The day after the end is free.
    assert assign(stall, make_business(), start=date(2026, 10, 1)).start_date == date(2026, 10, 1)


def test_an_open_ended_assignment_holds_every_later_day(setup, make_business, assign):
    _hall, stall, business = setup
    assign(stall, business)
    with pytest.raises(services.StallTakenError):
        assign(stall, make_business(), start=date(2030, 1, 1), end=date(2030, 1, 2))


@pytest.mark.parametrize("status", ["maintenance", "retired"])
def test_a_stall_that_is_not_available_is_refused(
    make_hall, make_stall, make_business, assign, status
):
    stall = make_stall(make_hall(), code="B-02", status=status)
    with pytest.raises(DomainError) as refused:
        assign(stall, make_business())
    assert "B-02" in refused.value.message and "tidak tersedia" in refused.value.message


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_a_business_that_is_not_active_is_refused(setup, make_business, assign, status):
    _hall, stall, _business = setup
    business = make_business(name="Kedai Tutup", status=status)
    with pytest.raises(DomainError) as refused:
        assign(stall, business)
    assert "Kedai Tutup" in refused.value.message and "bukan usaha aktif" in refused.value.message


def test_an_owner_holds_at_most_the_limit_across_all_halls(setup, make_hall, make_stall, assign):
    _hall, stall, business = setup
    elsewhere = make_stall(make_hall(code="JS07"))
    assign(elsewhere, business, start=TODAY + timedelta(days=10))
    with pytest.raises(services.OwnerLimitError) as refused:
        assign(stall, business, start=TODAY)
    assert business.nik_masked in refused.value.message
    assert business.nik not in refused.value.message
    # With a limit of 2 the same assignment is fine.
    assert assign(stall, business, settings={**SETTINGS, "max_stalls_per_owner": 2})


def test_an_owner_may_take_a_new_stall_after_the_old_one_ends(setup, make_stall, assign):
    hall, stall, business = setup
    assign(make_stall(hall), business, start=TODAY, end=date(2026, 8, 31))
    assert assign(stall, business, start=date(2026, 9, 1)).start_date == date(2026, 9, 1)


def test_start_dates_in_the_past(setup, make_business, make_stall, assign):
    hall, stall, business = setup
    with pytest.raises(DomainError) as refused:
        assign(stall, business, start=TODAY - timedelta(days=8), backdate_reason="buku manual")
    assert refused.value.field == "start_date" and "7" in refused.value.message
    with pytest.raises(DomainError) as refused:
        assign(stall, business, start=TODAY - timedelta(days=3))
    assert refused.value.field == "backdate_reason"
    done = assign(stall, business, start=TODAY - timedelta(days=7), backdate_reason="buku manual")
    assert done.backdate_reason == "buku manual"


def test_an_end_before_the_start_is_refused(setup, assign):
    _hall, stall, business = setup
    with pytest.raises(DomainError) as refused:
        assign(stall, business, end=TODAY - timedelta(days=1))
    assert refused.value.field == "end_date"


def _apply(db, hall, stall, business, minutes):
    application = Application(
        hall_id=hall.id,
        stall_class_id=stall.stall_class_id,
        business_id=business.id,
        applied_at=NOW - timedelta(minutes=minutes),
        status="waiting",
        declines=0,
    )
    db.session.add(application)
    db.session.flush()
    return application


def test_out_of_queue_order_needs_a_written_reason(db, setup, make_business, assign):
    hall, stall, first_business = setup
    second_business = make_business(name="Batik Kedua")
    first = _apply(db, hall, stall, first_business, minutes=60)
    second = _apply(db, hall, stall, second_business, minutes=30)
    with pytest.raises(DomainError) as refused:
        assign(stall, second_business, out_of_order_reason="")
    assert refused.value.field == "out_of_order_reason"
    taken = assign(stall, second_business, out_of_order_reason="Difabel, lapak dekat pintu")
    assert taken.out_of_order_reason == "Difabel, lapak dekat pintu"
    assert taken.application_id == second.id and second.status == "accepted"
    assert first.status == "waiting"


def test_the_first_in_line_needs_no_reason(db, setup, make_business, assign):
    hall, stall, business = setup
    application = _apply(db, hall, stall, business, minutes=60)
    _apply(db, hall, stall, make_business(), minutes=30)
    taken = assign(stall, business, out_of_order_reason="")
    assert taken.out_of_order_reason == "" and taken.application_id == application.id


def test_no_application_needs_a_reason(setup, assign):
    _hall, stall, business = setup
    with pytest.raises(DomainError) as refused:
        assign(stall, business, out_of_order_reason=" ")
    assert "alasan" in refused.value.message


def test_ending_an_assignment(db, setup, make_business, make_user, make_assignment, assign):
    _hall, stall, business = setup
    manager = make_user("manager")
    assignment = make_assignment(stall, business, date(2026, 8, 1))
    with pytest.raises(DomainError) as refused:
        services.end_assignment(manager, assignment, date(2026, 8, 9), "Pindah", TODAY, NOW, 7)
    assert refused.value.field == "end_date" and "7" in refused.value.message
    with pytest.raises(DomainError) as refused:
        services.end_assignment(manager, assignment, TODAY, "  ", TODAY, NOW, 7)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        services.end_assignment(manager, assignment, date(2026, 7, 31), "Pindah", TODAY, NOW, 7)
    services.end_assignment(manager, assignment, TODAY, "Pindah", TODAY, NOW, 7)
    stored = db.session.get(Assignment, assignment.id)
    assert (stored.end_date, stored.end_reason, stored.ended_by_id) == (TODAY, "Pindah", manager.id)
    with pytest.raises(DomainError):
        services.end_assignment(manager, assignment, TODAY, "lagi", TODAY, NOW, 7)
    # The stall is free from the next day.
    assert assign(stall, make_business(), start=TODAY + timedelta(days=1))
