"""GET /api/v1/arrears: the same figures as the office's page and `flask arrears`."""

import csv
import io
from datetime import datetime, time, timedelta

from hallmgr.collection.services import record_payment, void_payment, waive_days
from hallmgr.core.days import WIB
from hallmgr.core.money import format_rupiah
from tests.api.conftest import error_of
from tests.conftest import login


def _csv_figures(text: str) -> list[tuple]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    # Hall, stall, business, unpaid days, amount, oldest unpaid (after the stall: since when).
    return sorted((r[2], r[3], r[5], int(r[9]), int(r[10]), r[11]) for r in rows[1:] if r)


def _api_figures(items: list[dict]) -> list[tuple]:
    return sorted(
        (
            i["hall"],
            i["stall"],
            i["business_name"],
            i["unpaid_days"],
            i["amount"],
            i["oldest_unpaid"],
        )
        for i in items
    )


def test_api_arrears_equal_the_web_views_and_the_clis(
    app, client, db, api_as, make_place, make_hall, make_user, today
):
    as_of = today - timedelta(days=2)
    north = make_hall(region="31.72", kecamatan=None)
    south = make_hall(region="31.74", kecamatan=None)
    a = make_place(start_days_ago=20, hall=north, stall_code="A-01")
    b = make_place(start_days_ago=45, hall=north, stall_code="A-02", rate=5000)
    c = make_place(start_days_ago=9, hall=south, stall_code="C-01")
    make_place(start_days_ago=1, hall=south, stall_code="C-02")  # nothing due before as_of
    manager = make_user("manager", [north, south])
    # Recorded (and voided) the day before the as-of day, so they count in its position.
    then = datetime.combine(as_of - timedelta(days=1), time(10), tzinfo=WIB)
    now = then
    paid, _ = record_payment(
        manager,
        a.stall,
        [today - timedelta(days=20 - n) for n in range(5)],
        "cash",
        today=then.date(),
        now=now,
        advance_days=31,
    )
    voided, _ = record_payment(
        manager,
        b.stall,
        [today - timedelta(days=45)],
        "qris",
        today=then.date(),
        now=now,
        advance_days=31,
    )
    void_payment(manager, voided, "salah kios", now=now)
    waive_days(
        manager,
        c.stall,
        today - timedelta(days=9),
        today - timedelta(days=8),
        "banjir",
        today=today,
        now=now,
    )
    office = api_as("office")

    body = office.get(f"/arrears?as_of={as_of.isoformat()}").json
    assert body["as_of"] == as_of.isoformat()
    api = _api_figures(body["items"])
    assert [(r[1], r[3], r[4]) for r in api] == [
        ("A-01", 13, 39000),
        ("A-02", 43, 215000),
        ("C-01", 5, 15000),
    ]
    assert body["totals"] == {
        "businesses": 3,
        "assignments": 3,
        "unpaid_days": 61,
        "amount": 269000,
    }
    assert paid.receipt_number  # A-01's first five days are paid

    result = app.test_cli_runner().invoke(args=["arrears", "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    assert _csv_figures(result.output) == api

    login(client, office.user.username)
    web_csv = client.get(f"/arrears/export.csv?as_of={as_of.isoformat()}").get_data(as_text=True)
    assert _csv_figures(web_csv) == api
    page = client.get(f"/arrears/?as_of={as_of.isoformat()}").get_data(as_text=True)
    assert format_rupiah(body["totals"]["amount"]) in page
    for item in body["items"]:
        assert format_rupiah(item["amount"]) in page

    narrowed = office.get(f"/arrears?as_of={as_of.isoformat()}&region=31.72&min_days=20").json
    assert [i["stall"] for i in narrowed["items"]] == ["A-02"]
    assert narrowed["totals"] == {
        "businesses": 1,
        "assignments": 1,
        "unpaid_days": 43,
        "amount": 215000,
    }
    item = narrowed["items"][0]
    assert item["aging"] == "31-60" and item["warning_level"] in ("teguran", "sp1", "sp2", "sp3")
    assert item["nik_masked"].count("*") == 8 and item["last_payment"] is None


def test_arrears_scope_and_refusals(api_as, make_place):
    mine, theirs = make_place(start_days_ago=5), make_place(start_days_ago=5)
    manager = api_as("manager", [mine.hall])
    body = manager.get("/arrears").json
    assert [i["hall"] for i in body["items"]] == [mine.hall.code]
    assert error_of(manager.get(f"/arrears?hall={theirs.hall.code}"), 404)
    assert manager.get(f"/arrears?hall={mine.hall.code}").json["totals"]["businesses"] == 1
    assert "as_of" in error_of(manager.get("/arrears?as_of=kemarin"), 400)["fields"]
    assert "min_days" in error_of(manager.get("/arrears?min_days=-3"), 400)["fields"]
    assert "region" in error_of(manager.get("/arrears?region=99.99"), 400)["fields"]
    assert error_of(api_as("collector", [mine.hall]).get("/arrears"), 403)


def test_dates_far_from_today_are_400_not_500(api_as, place):
    office = api_as("office")
    for path in ("/arrears?as_of=0001-01-01", f"/halls/{place.hall.code}/stalls?date=9999-12-31"):
        error = error_of(office.get(path), 400)
        assert set(error["fields"]) <= {"as_of", "date"} and error["fields"]
