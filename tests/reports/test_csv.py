"""The shared CSV writer: BOM, semicolons, formulas defused, numbers left as numbers."""

import csv
import io
from datetime import date

from hallmgr.reports.csv import iter_csv, safe_cell


def test_text_cells_that_start_a_formula_are_escaped():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+62812") == "'+62812"
    assert safe_cell("-Budi") == "'-Budi"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell("Warung = enak") == "Warung = enak"
    assert safe_cell(-3000) == -3000  # a number, not a formula
    assert safe_cell(date(2028, 2, 29)) == "2028-02-29"
    assert safe_cell(None) == ""


def test_the_file_has_a_bom_semicolons_and_crlf_and_reads_back():
    cells = [["Kopi; Teh", 5000], ["=cmd|' /C calc'!A0", 3000]]
    data = "".join(iter_csv(["Nama", "Jumlah"], cells)).encode("utf-8")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.startswith("Nama;Jumlah\r\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["Nama", "Jumlah"], ["Kopi; Teh", "5000"], ["'=cmd|' /C calc'!A0", "3000"]]
