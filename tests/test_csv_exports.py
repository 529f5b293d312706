"""Every CSV export defuses formula cells, so a spreadsheet never runs what a user typed.

Generic over app.url_map: every route that answers GET is opened by admin and by a
manager of the hall (with the own hall's objects); each answer of type text/csv is an
export. The data's text fields (hall, stall, business, owner, phone) start with `=`,
`+`, `-`, `@`, a tab or a carriage return. Every cell of every export must come out
defused (prefixed with `'`); only whole numbers (amounts, counts, differences) may keep a
leading sign. New exports are covered as soon as they are registered.
"""

import csv
import io
import re

import pytest

from hallmgr.auth.policy import access_of
from hallmgr.reports.csv import FORMULA_STARTS, safe_cell
from tests.test_authorization_matrix import URL_OVERRIDES, Caller, hall_bound
from tests.test_nik_masking import GET_RULES
from tests.url_world import build_world

HOSTILE = {
    "hall_name": '=HYPERLINK("http://evil.invalid","Sentra")',
    "stall_code": "+A-01",
    "business_name": "-2+3 Warung",
    "owner_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "phone": "\t=1+1",
}
WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")


@pytest.fixture
def world(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    world = build_world(
        db, make_hall, make_class, make_stall, make_business, make_assignment, make_user
    )
    for side in (world.own, world.other):
        side.hall.name = HOSTILE["hall_name"]
        side.stall.code = HOSTILE["stall_code"] + str(side.stall.id)
        side.business.name = HOSTILE["business_name"]
        side.business.owner_name = HOSTILE["owner_name"]
        side.business.phone = HOSTILE["phone"]
    world.other.business.name = "\r=2+2 Toko"
    db.session.commit()
    return world


def _cells(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "a CSV export starts with the UTF-8 BOM"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_every_csv_export_defuses_formula_cells(app, db, world, make_user, role):
    caller = Caller(app, db, role, world, make_user)
    exports, unsafe, seen = [], [], set()
    for endpoint, rule in GET_RULES:
        if access_of(app, endpoint).token:
            continue  # JSON API
        side = "own" if hall_bound(endpoint, rule) else None
        url = world.fill(rule, side, URL_OVERRIDES.get(endpoint, lambda w, s: {})(world, side))
        response = caller.client.get(url)
        if response.status_code != 200 or response.mimetype != "text/csv":
            continue
        exports.append(endpoint)
        for line, row in enumerate(_cells(response.get_data()), start=1):
            for cell in row:
                seen.add(cell)
                if cell.startswith(FORMULA_STARTS) and not WHOLE_NUMBER.match(cell):
                    unsafe.append((endpoint, line, cell))
    assert exports, "no CSV export found in url_map"
    assert unsafe == []
    # The hostile values did reach the exports, defused.
    assert "'" + HOSTILE["business_name"] in seen
    assert "'" + HOSTILE["owner_name"] in seen
    assert "'" + HOSTILE["phone"] in seen
    if role == "admin":
        assert "'\r=2+2 Toko" in seen


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_the_writer_defuses_every_formula_start_and_keeps_numbers(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(-5000) == -5000
    assert safe_cell("Warung =1") == "Warung =1"
