"""Stall rules without an app: areas, codes, map colours, CSV reading."""

import pytest

from hallmgr.halls import rules


@pytest.mark.parametrize(
    ("text", "dm2"),
    [("9", 900), ("2,5", 250), ("2.25", 225), ("", None), (" 12 ", 1200), ("0,05", 5)],
)
def test_areas_in_square_metres(text, dm2):
    assert rules.parse_area_m2(text) == dm2


@pytest.mark.parametrize("text", ["0", "-3", "2,555", "abc", "1e3", "9 m2"])
def test_bad_areas(text):
    with pytest.raises(ValueError):
        rules.parse_area_m2(text)


def test_stall_codes():
    assert rules.stall_code_problem("A-07") is None
    assert rules.stall_code_problem("K/3.1") is None
    assert rules.stall_code_problem("") == "empty"
    assert rules.stall_code_problem("A 07") == "characters"
    assert rules.stall_code_problem("X" * 21) == "too_long"


def test_map_states():
    assert rules.map_state("available", False, 0) == "vacant"
    assert rules.map_state("available", True, 0) == "occupied"
    assert rules.map_state("available", True, 3) == "arrears"
    assert rules.map_state("maintenance", True, 3) == "maintenance"
    assert rules.map_state("retired", False, 0) == "retired"


def test_csv_rows_carry_their_line_numbers_and_either_separator():
    header, rows = rules.read_csv("\ufeffCode;Class\nA-01;kios\n\nA-02;los;extra\n")
    assert header == ["code", "class"]
    assert rows[0] == (2, {"code": "A-01", "class": "kios"})
    assert rows[1][0] == 4 and rows[1][1]["__extra__"] == "1"
