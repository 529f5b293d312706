"""Hostile CSV imports (stalls and businesses, by upload and by `flask import`): refused
whole with a readable reason (row-level where there are rows), nothing imported, never a
500. A UTF-8 byte-order mark is fine; latin-1/cp1252, UTF-16 and binary junk are not
UTF-8 text; a file over IMPORT_MAX_BYTES or IMPORT_MAX_ROWS is refused without being read
whole; a request body over MAX_CONTENT_LENGTH answers 413 with the error page.
Cells that start like a spreadsheet formula (= + - @, a sign not starting a number) are
refused with their row and column: such a file holds formulas, not the values meant.
"""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hallmgr.halls.rules import is_formula, read_csv
from hallmgr.models import Business, Stall
from tests.conftest import count_rows, csrf_token

NIK = "3171071708900001"
BUSINESS_HEADER = "name,owner_name,nik,phone"


def business_file(*rows: str, header: str = BUSINESS_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def hall(make_hall, make_class, db):
    hall = make_hall()
    make_class(code="kios")
    db.session.commit()
    return hall


@pytest.fixture
def admin(client, login_as):
    return login_as("admin")


def upload(client, url: str, data: bytes):
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={"file": (io.BytesIO(data), "data.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    response.close()
    return response


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def import_businesses(client, data: bytes):
    return upload(client, "/businesses/import", data)


def import_stalls(client, hall, data: bytes):
    return upload(client, f"/halls/{hall.code}/stalls/import", data)


# --- encodings --------------------------------------------------------------------------


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(client, admin, db):
    data = "\ufeffname,owner_name,nik\nWarung Café Ñusa,Siti,3171071708900001\n".encode()
    response = import_businesses(client, data)
    assert response.status_code == 302
    assert count_rows(Business, Business.name == "Warung Café Ñusa") == 1


@pytest.mark.parametrize(
    "encoding", ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_a_file_not_in_utf8_is_refused_with_a_hint(client, admin, hall, db, encoding):
    text = "name,owner_name,nik\nWarung Café “Maju”,Siti,3171071708900001\n"
    data = text.encode(encoding, errors="replace")
    before = count_rows(Business)
    response = import_businesses(client, data)
    assert response.status_code == 200
    assert "Simpan berkas sebagai CSV dalam UTF-8." in page_text(response)
    assert count_rows(Business) == before
    stall_file = "code,block,class\nA-01,Blok Émas,kios\n".encode(encoding, errors="replace")
    stalls = import_stalls(client, hall, stall_file)
    assert "Simpan berkas sebagai CSV dalam UTF-8." in page_text(stalls)
    assert count_rows(Stall) == 0


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(junk=st.binary(min_size=1, max_size=2000))
def test_binary_junk_is_refused_and_imports_nothing(client, admin, hall, db, junk):
    before = count_rows(Business), count_rows(Stall)
    for response in (import_businesses(client, junk), import_stalls(client, hall, junk)):
        assert response.status_code == 200, response.status_code
    assert (count_rows(Business), count_rows(Stall)) == before


# --- size --------------------------------------------------------------------------------


def test_the_limits_are_configured_by_default(app):
    assert app.config["IMPORT_MAX_BYTES"] == 2 * 1024 * 1024
    assert app.config["IMPORT_MAX_ROWS"] == 10_000
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["IMPORT_MAX_BYTES"]


# Smaller limits in these tests keep the uploads in memory (werkzeug spools larger ones
# to temporary files).
def test_a_file_over_the_size_limit_is_refused_with_the_limit(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 256 * 1024)
    row = b"Warung,Siti,3171071708900001\n"
    data = b"name,owner_name,nik\n" + row * (256 * 1024 // len(row) + 1)
    response = import_businesses(client, data)
    assert response.status_code == 200
    assert "Berkas terlalu besar (paling banyak 0.25 MB)." in page_text(response)
    assert count_rows(Business) == 0


def test_a_request_over_max_content_length_answers_413_with_a_page(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 300 * 1024)
    response = import_businesses(client, b"x" * (300 * 1024 + 1))
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "Berkas terlalu besar." in page_text(response)
    assert count_rows(Business) == 0


def test_a_file_with_too_many_rows_is_refused_before_checking_them(client, admin, app, db):
    app.config["IMPORT_MAX_ROWS"], saved = 50, app.config["IMPORT_MAX_ROWS"]
    try:
        rows = [f"Warung {n},Siti,31710717089{n:05d}" for n in range(1, 61)]
        response = import_businesses(client, business_file(*rows))
    finally:
        app.config["IMPORT_MAX_ROWS"] = saved
    text = page_text(response)
    assert "Tidak ada yang diimpor: berkas memiliki lebih dari 50 baris." in text
    assert "pecah berkas menjadi berkas dengan paling banyak 50 baris" in text
    assert count_rows(Business) == 0


# --- rows ----------------------------------------------------------------------------------


def _problems(response) -> dict[int, str]:
    """Row-level reasons shown on the page: {line: reason}."""
    text = page_text(response)
    return {
        int(n): r.strip()
        for n, r in re.findall(r'<td class="num">(\d+)</td> ?<td>([^<]*)</td>', text)
    }


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        (['=HYPERLINK("http://x.invalid"),Siti,3171071708900001,081234567890'], 2, "name"),
        (["Warung,@SUM(A1),3171071708900001,081234567890"], 2, "owner_name"),
        (["Warung,Siti,3171071708900001,+A1"], 2, "phone"),
        (["Warung,-2+3,3171071708900001,081234567890"], 2, "owner_name"),
        (["Warung,Siti,3171071708900001,081234567890,extra"], 2, "nilai lebih banyak"),
        (["Warung,Siti"], 2, "lebih sedikit nilai"),
        (
            [
                "Warung,Siti,3171071708900001,081234567890",
                "Warung,Siti,3171071708900001,081234567890",
            ],
            3,
            "baris 3",
        ),
        (["Warung,Siti,31710717,081234567890"], 2, "NIK"),
    ],
    ids=["formula-=", "formula-@", "formula-+", "formula--", "extra", "few", "dup", "nik"],
)
def test_a_bad_business_row_is_refused_with_its_line_and_nothing_imported(
    client, admin, db, rows, line, reason
):
    good = "Toko Baik,Dewi,3171074508900002,081234567890"
    response = import_businesses(client, business_file(good, *rows))
    assert response.status_code == 200
    problems = _problems(response)
    assert reason in problems.get(line + 1, ""), problems
    assert count_rows(Business) == 0


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (["=1+1,kios"], "code"),
        (["A-02,@kios"], "class"),
        (["A-02,kios,B,12,available,extra"], "nilai lebih banyak"),
        (["A-02"], "lebih sedikit nilai"),
        (["A-02,kios", "A-02,kios"], "juga ada di baris"),
        (['"A-02,kios'], "bukan baris CSV yang terbaca"),
    ],
    ids=["formula-code", "formula-class", "extra", "few", "dup", "open-quote"],
)
def test_a_bad_stall_row_is_refused_with_its_line_and_nothing_imported(
    client, admin, hall, db, rows, reason
):
    data = ("code,class\nA-01,kios\n" + "\n".join(rows) + "\n").encode()
    response = import_stalls(client, hall, data)
    assert response.status_code == 200
    assert reason in " ".join(_problems(response).values()), page_text(response)[-2000:]
    assert count_rows(Stall) == 0


def test_a_huge_cell_or_old_mac_line_ends_never_break_the_import(client, admin, hall, db):
    huge = business_file("x" * 200_000 + ",Siti,3171071708900001,081234567890")
    assert import_businesses(client, huge).status_code == 200
    assert count_rows(Business) == 0
    mac = b"code,class\rA-01,kios\rA-02,kios\r"
    assert import_stalls(client, hall, mac).status_code == 302
    assert count_rows(Stall) == 2


def test_a_nul_byte_is_refused_before_the_database(client, admin, db):
    response = import_businesses(
        client, business_file("War\x00ung,Siti,3171071708900001,081234567890")
    )
    assert "Simpan berkas sebagai CSV dalam UTF-8." in page_text(response)
    assert count_rows(Business) == 0


# --- hypothesis: any text, any shape -----------------------------------------------------

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["=1+1", "+A1", "-", "@x", "\t=1", '"', '""', ";", ",", "\r", "\n"]),
    st.just(NIK),
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=6), min_size=0, max_size=6),
    delimiter=st.sampled_from([",", ";"]),
)
def test_any_csv_is_imported_whole_or_refused_whole_never_a_500(
    client, admin, hall, db, rows, delimiter
):
    lines = [delimiter.join(["name", "owner_name", "nik"])] + [delimiter.join(r) for r in rows]
    data = "\n".join(lines).encode("utf-8")
    before = count_rows(Business)
    response = import_businesses(client, data)
    assert response.status_code in (200, 302), response.status_code
    after = count_rows(Business)
    if response.status_code == 200:
        assert after == before
    else:
        imported = after - before
        assert imported == len(read_csv(data.decode())[1]) and imported > 0


@given(st.text(max_size=20))
def test_a_formula_cell_is_told_from_data(value):
    if value[:1] in ("=", "@"):
        assert is_formula(value)
    if re.fullmatch(r"[+-]?[\d ]*", value):
        assert not is_formula(value)


# --- flask import stalls|businesses FILE ------------------------------------------------


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def test_the_cli_refuses_hostile_files_with_reasons_and_imports_nothing(
    app, db, hall, tmp_path, monkeypatch
):
    cases = {
        "latin1.csv": (
            "name,owner_name,nik\nCafé,Siti,3171071708900001\n".encode("latin-1"),
            "not UTF-8 text",
        ),
        "utf16.csv": ("name,owner_name,nik\n".encode("utf-16"), "not UTF-8 text"),
        "formula.csv": (business_file("=1+1,Siti,3171071708900001,081234567890"), "rumus"),
        "dup.csv": (
            business_file(
                "A,Siti,3171071708900001,081234567890", "B,Siti,3171071708900001,081234567890"
            ),
            "line 3",
        ),
        "quote.csv": (b'name,owner_name,nik\n"Warung,Siti,3171071708900001\n', "line"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = _cli(app, "businesses", str(path))
        assert result.exit_code == 1, (name, result.output)
        assert reason in result.output, (name, result.output)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_bytes(b"code,class\n" + b"A-01,kios\n" * 20)
    result = _cli(app, "stalls", "--hall", hall.code, str(big))
    assert result.exit_code == 1 and "IMPORT_MAX_BYTES" in result.output
    assert count_rows(Business) == 0 and count_rows(Stall) == 0
