"""`flask arrears` writes the list as CSV (stdout or file) or PDF."""

from datetime import date

from tests.conftest import pdf_text


def test_the_arrears_command_writes_csv_and_pdf(
    app, db, make_hall, make_stall, make_business, make_assignment, tmp_path
):
    hall = make_hall(code="ZC01", region="31.72", kecamatan=None)
    make_assignment(
        make_stall(hall, code="C-01"), make_business(name="Bakso Cak"), date(2026, 3, 1)
    )
    other = make_hall(code="ZC02", region="31.73", kecamatan=None)
    make_assignment(make_stall(other), make_business(name="Soto Pak"), date(2026, 3, 1))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["arrears", "--as-of", "2026-03-11", "--hall", "ZC01"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")
    line = next(x for x in result.output.splitlines() if "Bakso Cak" in x)
    assert ";ZC01;C-01;2026-03-01;Bakso Cak;" in line and ";10;30000;2026-03-01;" in line
    assert "Soto Pak" not in result.output

    target = tmp_path / "t.pdf"
    result = runner.invoke(
        args=[
            "arrears",
            "--as-of",
            "2026-03-11",
            "--region",
            "31.73",
            "--format",
            "pdf",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert "Soto Pak" in text and "Bakso Cak" not in text and "Rp30.000" in text

    result = runner.invoke(args=["arrears", "--as-of", "2026-03-11", "--hall", "NOPE"])
    assert result.exit_code != 0 and "unknown hall" in result.output
