"""The registry and the waiting list: what is stored, what is refused and why."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hallmgr.businesses import applications as application_services
from hallmgr.businesses import services
from hallmgr.core.errors import DomainError
from hallmgr.halls.stalls import ImportRejectedError
from hallmgr.models import Application, Assignment, AuditEvent, Business
from tests.conftest import count_rows

TODAY = date(2026, 8, 17)
NOW = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)
SETTINGS = {"max_stalls_per_owner": 1, "backdate_days": 7, "expiry_days": 365, "max_declines": 3}


def _data(**overrides):
    data = {
        "name": "Warung Bu Siti",
        "owner_name": "Siti Rahayu",
        "nik": "3171 0757 0890 0003",
        "phone": "+62 812-3456-7890",
        "address": "Jl. Jati Baru 3",
        "kecamatan_code": "31.71.07",
        "category": "kuliner",
        "nib": "",
        "okoce_member_no": "OKOCE-123456",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_registering_a_business_keeps_the_nik_whole_but_audits_it_masked(db, make_user):
    manager = make_user("manager")
    business = services.save_business(manager, None, _data(), NOW)
    assert business.nik == "3171075708900003"
    assert business.phone == "081234567890"
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "business_created", AuditEvent.object_id == str(business.id)
        )
    )
    assert event.after["nik_masked"] == "3171********0003"
    assert "3171075708900003" not in str(event.after)


@pytest.mark.parametrize(
    ("nik", "words"),
    [
        ("317107570890003", "16 angka"),
        ("3171073208900003", "tanggal lahir"),
        ("3171072902010003", "tanggal lahir"),
        ("3171075708900000", "0000"),
    ],
)
def test_a_bad_nik_is_refused_with_the_reason(db, make_user, nik, words):
    with pytest.raises(DomainError) as refused:
        services.save_business(make_user("manager"), None, _data(nik=nik), NOW)
    assert refused.value.field == "nik" and words in refused.value.message
    assert count_rows(Business, Business.name == "Warung Bu Siti") == 0


def test_one_business_per_nik(db, make_user, make_business):
    make_business(name="Kedai Lama", nik="3171075708900003")
    with pytest.raises(DomainError) as refused:
        services.save_business(make_user("manager"), None, _data(), NOW)
    assert "Kedai Lama" in refused.value.message


def test_editing_keeps_the_own_nik(db, make_user, make_business):
    business = make_business(nik="3171075708900003")
    services.save_business(make_user("manager"), business, _data(name="Warung Baru"), NOW)
    assert db.session.get(Business, business.id).name == "Warung Baru"


GOOD_CSV = """name,owner_name,nik,phone,category
Warung Satu,Siti Rahayu,3171075708900011,081234567890,kuliner
Batik Dua,Budi Santoso,3171071708900012,081234567891,fesyen
"""


def test_a_csv_of_businesses_is_imported_whole(db, make_user):
    created = services.import_businesses(make_user("manager"), GOOD_CSV, NOW)
    assert [b.name for b in created] == ["Warung Satu", "Batik Dua"]
    assert count_rows(Business, Business.nik == "3171071708900012") == 1


def test_bad_rows_among_good_ones_import_nothing_and_each_is_named(db, make_user):
    text = (
        GOOD_CSV
        + "Jamu Tiga,Sri Lestari,3171073208900013,0812,kuliner\nKopi Empat,Eko,3171075708900011,,\n"
    )
    with pytest.raises(ImportRejectedError) as refused:
        services.import_businesses(make_user("manager"), text, NOW)
    lines = dict(refused.value.problems)
    assert set(lines) == {4, 5}
    assert "tanggal lahir" in lines[4] and "telepon" in lines[4].lower()
    assert "baris 2" in lines[5]
    assert count_rows(Business, Business.name.in_(["Warung Satu", "Batik Dua"])) == 0


def test_search_by_name_owner_nik_phone_or_stall(
    db, make_hall, make_stall, make_business, make_assignment
):
    hall = make_hall(code="JP08")
    siti = make_business(name="Warung Gudeg", owner="Siti Aminah", nik="3171075708900021")
    budi = make_business(name="Batik Pekalongan", owner="Budi Darmawan", phone="081399988877")
    make_assignment(make_stall(hall, code="C-09"), budi, date(2026, 8, 1))

    def found(query):
        return {b.id for b, _stalls in services.search_businesses(query, TODAY)}

    assert found("gudeg") == {siti.id}
    assert found("darmawan") == {budi.id}
    assert found("3171 0757 0890 0021") == {siti.id}
    assert found("0813-9998") == {budi.id}
    assert found("c-09") == {budi.id}
    assert found("%") == set()  # a wildcard typed is a character, not "everything"
    rows = dict(services.search_businesses("Pekalongan", TODAY))
    assert rows[budi] == "JP08 C-09"


def test_search_shows_and_finds_only_stalls_of_the_users_halls(
    db, make_hall, make_stall, make_business, make_assignment
):
    mine, theirs = make_hall(code="JP11"), make_hall(code="JP12")
    budi = make_business(name="Batik Lasem")
    make_assignment(make_stall(theirs, code="D-04"), budi, date(2026, 8, 1))
    rows = dict(services.search_businesses("Lasem", TODAY, hall_ids={mine.id}))
    assert rows[budi] == ""  # the business is in the registry; its stall elsewhere is not
    assert services.search_businesses("JP12 D-04", TODAY, hall_ids={mine.id}) == []
    assert dict(services.search_businesses("Lasem", TODAY))[budi] == "JP12 D-04"


# The waiting list ---------------------------------------------------------------


@pytest.fixture
def queue(db, make_hall, make_class, make_stall, make_business, make_user):
    hall = make_hall(code="JP09")
    kios = make_class()
    manager = make_user("manager", [hall])
    a = make_business(name="Pertama")
    b = make_business(name="Kedua")
    c = make_business(name="Ketiga")
    # Applied in the order b, a, c (application time decides, not registration).
    apps = {}
    for business, minutes in ((b, 300), (a, 200), (c, 100)):
        apps[business.name] = application_services.apply(
            manager, business, hall, kios, NOW - timedelta(minutes=minutes)
        )
    stall = make_stall(hall, code="K-01", stall_class=kios)
    return hall, kios, manager, apps, stall


def _offer(manager, hall, kios, stall=None, today=TODAY, expiry_days=365):
    return application_services.offer_next(
        manager, hall, kios, stall=stall, today=today, now=NOW, expiry_days=expiry_days
    )


def test_applying_twice_for_the_same_hall_and_class_is_refused(queue):
    hall, kios, manager, apps, _stall = queue
    with pytest.raises(DomainError):
        application_services.apply(manager, apps["Kedua"].business, hall, kios, NOW)


def test_the_offer_goes_to_the_first_in_line_and_accepting_assigns(db, queue):
    hall, kios, manager, apps, stall = queue
    offered = _offer(manager, hall, kios)
    assert offered.id == apps["Kedua"].id
    assert offered.status == "offered" and offered.offered_stall_id == stall.id
    assignment = application_services.accept_offer(
        manager,
        offered,
        start_date=TODAY,
        end_date=None,
        backdate_reason="",
        today=TODAY,
        now=NOW,
        settings=SETTINGS,
    )
    assert assignment.stall_id == stall.id and assignment.application_id == offered.id
    assert assignment.out_of_order_reason == ""
    assert db.session.get(Application, offered.id).status == "accepted"


def test_an_offered_stall_is_not_offered_again(queue):
    hall, kios, manager, _apps, _stall = queue
    _offer(manager, hall, kios)
    with pytest.raises(DomainError) as refused:
        _offer(manager, hall, kios)
    assert "lapak kosong" in refused.value.message


def test_after_three_declines_the_application_leaves_the_queue(db, queue):
    hall, kios, manager, apps, _stall = queue
    first = apps["Kedua"]
    for n in range(1, 4):
        offered = _offer(manager, hall, kios)
        assert offered.id == first.id  # keeps its place while it declines
        application_services.decline_offer(manager, offered, NOW, max_declines=3)
        assert first.declines == n
    assert first.status == "declined"
    assert _offer(manager, hall, kios).id == apps["Pertama"].id


def test_a_withdrawn_application_leaves_the_queue(queue):
    hall, kios, manager, apps, _stall = queue
    application_services.withdraw_application(manager, apps["Kedua"], NOW)
    assert apps["Kedua"].status == "withdrawn"
    assert _offer(manager, hall, kios).id == apps["Pertama"].id
    with pytest.raises(DomainError):
        application_services.withdraw_application(manager, apps["Kedua"], NOW)


def test_an_application_is_still_in_line_on_the_last_day_before_it_lapses(db, queue):
    hall, kios, manager, apps, _stall = queue
    # 29 days after it was made, with a 30-day expiry, the first in line is offered a stall.
    offered = _offer(manager, hall, kios, today=TODAY + timedelta(days=29), expiry_days=30)
    assert offered.id == apps["Kedua"].id
    assert {a.status for a in apps.values()} == {"offered", "waiting"}
    assert count_rows(AuditEvent, AuditEvent.action == "application_expired") == 0


def test_applications_expire_when_the_list_is_offered_from(db, queue):
    hall, kios, manager, apps, _stall = queue
    # 30 days later, with a 30-day expiry, every application has lapsed.
    with pytest.raises(DomainError) as refused:
        _offer(manager, hall, kios, today=TODAY + timedelta(days=30), expiry_days=30)
    assert "Tidak ada yang menunggu" in refused.value.message
    assert {a.status for a in apps.values()} == {"expired"}
    assert count_rows(AuditEvent, AuditEvent.action == "application_expired") == 3


def test_assigning_the_second_in_line_directly_needs_a_reason(db, queue):
    from hallmgr.assignments.services import assign_stall

    hall, kios, manager, apps, stall = queue
    params = {
        "start_date": TODAY,
        "end_date": None,
        "application": None,
        "backdate_reason": "",
        "today": TODAY,
        "now": NOW,
        "settings": SETTINGS,
    }
    with pytest.raises(DomainError) as refused:
        assign_stall(manager, stall, apps["Pertama"].business, out_of_order_reason="", **params)
    assert refused.value.field == "out_of_order_reason"
    assignment = assign_stall(
        manager, stall, apps["Pertama"].business, out_of_order_reason="Pedagang relokasi", **params
    )
    assert assignment.application_id == apps["Pertama"].id
    assert db.session.get(Assignment, assignment.id).out_of_order_reason == "Pedagang relokasi"


def test_an_inactive_business_cannot_apply(queue, make_business):
    hall, kios, manager, _apps, _stall = queue
    with pytest.raises(DomainError):
        application_services.apply(manager, make_business(status="suspended"), hall, kios, NOW)


def test_the_import_command_for_businesses(app, db, tmp_path):
    path = tmp_path / "usaha.csv"
    path.write_text(GOOD_CSV + "Jamu,Sri,3171071708900000,,\n", encoding="utf-8")
    db.session.commit()  # the command rolls back its own failed work, not the test's set-up
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "businesses", str(path)])
    assert result.exit_code != 0 and "line 4:" in result.output and "0000" in result.output
    assert count_rows(Business, Business.name == "Warung Satu") == 0
    path.write_text(GOOD_CSV, encoding="utf-8")
    result = runner.invoke(args=["import", "businesses", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 businesses imported" in result.output
    assert count_rows(Business, Business.name.in_(["Warung Satu", "Batik Dua"])) == 2
