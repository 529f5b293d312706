"""Businesses and assignments through the API: the registry's rules, NIK masked, scope."""

from datetime import timedelta

import sqlalchemy as sa

from hallmgr.models import Assignment, Business
from tests.api.conftest import error_of
from tests.conftest import count_rows, nik_for

NIK = "3171074508900007"


def business_json(**extra):
    return {
        "name": "Kopi Kenangan Bu Ani",
        "owner_name": "Ani Suryani",
        "nik": NIK,
        "phone": "0812-3456-7890",
        **extra,
    }


def test_a_manager_registers_a_business_and_never_sees_the_whole_nik(api_as, db):
    api = api_as("manager")
    response = api.post("/businesses", json=business_json(category="kuliner", nib=None))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["nik_masked"] == "3171********0007" and NIK not in response.get_data(as_text=True)
    assert body["phone"] == "081234567890" and body["status"] == "active"
    stored = db.session.get(Business, body["id"])
    assert stored.nik == NIK and stored.category == "kuliner"
    for path in (f"/businesses/{body['id']}", "/businesses?q=Kenangan", f"/businesses?q={NIK}"):
        response = api.get(path)
        assert response.status_code == 200 and NIK not in response.get_data(as_text=True)
    found = api.get("/businesses?q=kenangan").json
    assert [b["id"] for b in found] == [body["id"]] and found[0]["stalls"] == ""


def test_a_registered_nik_is_409_and_bad_data_400(api_as, make_business):
    holder = make_business(name="Warung Mbok Sri", nik=NIK)
    api = api_as("admin")
    error = error_of(api.post("/businesses", json=business_json()), 409)
    assert error["code"] == "nik_registered" and "Warung Mbok Sri" in error["message"]
    assert NIK not in error["message"]
    error = error_of(api.post("/businesses", json=business_json(nik="1234")), 400)
    assert set(error["fields"]) == {"nik"}
    error = error_of(api.post("/businesses", json=business_json(nik=nik_for(5), phone="12")), 400)
    assert set(error["fields"]) == {"phone"}
    error = error_of(api.post("/businesses", json={"name": "X"}), 400)
    assert {"owner_name", "nik", "phone"} <= set(error["fields"])
    assert count_rows(Business) == 1 and holder.id


def test_business_roles_and_404(api_as, make_business):
    business = make_business()
    collector = api_as("collector")
    assert error_of(collector.get("/businesses"), 403)
    assert error_of(collector.get(f"/businesses/{business.id}"), 403)
    office = api_as("office")
    assert office.get(f"/businesses/{business.id}").json["name"] == business.name
    assert error_of(office.post("/businesses", json=business_json()), 403)
    assert error_of(office.get("/businesses/999999"), 404)["code"] == "not_found"
    assert error_of(office.get("/businesses/-1"), 404)


def test_a_manager_assigns_a_stall_and_ends_the_assignment(
    db, api_as, make_hall, make_stall, make_business, today
):
    hall = make_hall()
    stall = make_stall(hall, code="B-07")
    business = make_business(name="Bakso Pak Jo")
    api = api_as("manager", [hall])
    body = {
        "hall": hall.code,
        "stall": "B-07",
        "business_id": business.id,
        "start_date": today.isoformat(),
        "reason": "tidak ada antrean",
    }
    response = api.post("/assignments", json=body)
    assert response.status_code == 201, response.json
    made = response.json
    assert made["stall"] == "B-07" and made["business_name"] == "Bakso Pak Jo"
    assert made["number"] and made["end_date"] is None
    stored = db.session.get(Assignment, made["id"])
    assert stored.stall_id == stall.id and stored.business_id == business.id
    error = error_of(api.post("/assignments", json=body), 409)
    assert "B-07" in error["message"] and error["fields"] == {"stall": error["message"]}
    end = {"end_date": (today + timedelta(days=30)).isoformat(), "reason": "pindah usaha"}
    ended = api.post(f"/assignments/{made['id']}/end", json=end)
    assert ended.status_code == 200, ended.json
    assert ended.json["end_date"] == end["end_date"] and ended.json["end_reason"] == "pindah usaha"
    assert error_of(api.post(f"/assignments/{made['id']}/end", json=end), 409)
    assert db.session.scalar(sa.select(Assignment.end_reason).where(Assignment.id == made["id"]))


def test_assignment_refusals(api_as, make_hall, make_stall, make_business, make_assignment, today):
    mine, theirs = make_hall(), make_hall()
    make_stall(mine, code="A-01")
    their_stall = make_stall(theirs, code="A-01")
    business = make_business()
    their_assignment = make_assignment(their_stall, make_business(), today)
    api = api_as("manager", [mine])
    body = {"hall": mine.code, "stall": "A-01", "business_id": business.id}
    back = (today - timedelta(days=3)).isoformat()
    error = error_of(api.post("/assignments", json={**body, "start_date": back}), 400)
    assert set(error["fields"]) == {"reason"}
    error = error_of(api.post("/assignments", json={**body, "start_date": "2026-1-1"}), 400)
    assert set(error["fields"]) == {"start_date"}
    error = error_of(
        api.post("/assignments", json={**body, "hall": theirs.code, "start_date": back}), 404
    )
    error = error_of(
        api.post("/assignments", json={**body, "business_id": 99999, "start_date": back}), 404
    )
    assert set(error["fields"]) == {"business_id"}
    end = {"end_date": today.isoformat(), "reason": "x"}
    assert error_of(api.post(f"/assignments/{their_assignment.id}/end", json=end), 404)
    assert error_of(api.post("/assignments/0/end", json=end), 404)
    collector = api_as("collector", [mine])
    assert error_of(collector.post("/assignments", json={**body, "start_date": back}), 403)
    assert count_rows(Assignment) == 1


def test_text_no_database_can_store_is_400_not_500(api_as):
    api = api_as("manager")
    for bad in ("Warung\x00", "Warung \ud800"):
        error = error_of(api.post("/businesses", json=business_json(kecamatan_code=bad)), 400)
        assert set(error["fields"]) == {"kecamatan_code"}
    error = error_of(api.post("/businesses", json={**business_json(), "x\x00": 1}), 400)
    assert error["fields"]
    assert count_rows(Business) == 0
