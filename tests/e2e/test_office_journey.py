"""Journey 3: the UMKM office audits arrears across halls, in both languages."""

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.helpers import csv_rows, download, pdf_text

REGION = "Kota Administrasi Jakarta Pusat"


def test_office_filters_arrears_exports_them_and_opens_a_ledger(desktop):
    page = desktop
    sign_in(page, "office")

    page.locator("nav").get_by_role("button", name="Laporan").click()
    page.locator("nav").get_by_role("link", name="Dasbor").click()
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "dashboard")

    page.locator("nav").get_by_role("link", name="Tunggakan", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Tunggakan per")
    # Every region has arrears before filtering.
    expect(page.locator("#arrears tbody.region")).to_have_count(6)

    page.get_by_label("Wilayah").select_option(label=REGION)
    page.get_by_label("Umur tunggakan").select_option(label="8–30 hari")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url("**/arrears/?*region=31.71*")
    assert "bucket=8-30" in page.url
    regions = page.locator("#arrears tbody.region")
    expect(regions).to_have_count(1)
    expect(regions.locator(".region-row")).to_contain_text(REGION)
    rows = page.locator("#arrears tr.business-row")
    n = rows.count()
    assert n > 0
    for i in range(n):
        expect(rows.nth(i).locator(".aging-badge")).to_have_text("8–30 hari")
    # A stall code stays on one line (the line under it says since when it is assigned).
    lines = rows.first.locator("td").first.evaluate(
        "cell => { const r = document.createRange(); r.selectNodeContents(cell.firstChild);"
        " return new Set([...r.getClientRects()].map(rect => rect.top)).size }"
    )
    assert lines == 1
    grand_total = page.locator("#grand-total")
    expect(grand_total).to_contain_text(f"{n} usaha")
    screenshot(page, "arrears")
    first = {
        "stall": rows.first.locator("td").nth(0).inner_text().splitlines()[0],  # not "since"
        "business": rows.first.locator("td").nth(1).inner_text(),
        "amount": rows.first.locator("td").nth(6).inner_text(),
    }

    # The CSV has the same rows, with the filters applied.
    data, name = download(page, page.locator("#export-csv"))
    assert name.endswith(".csv")
    table = csv_rows(data)
    assert len(table) == n
    assert {r["Wilayah"] for r in table} == {REGION}
    assert {r["Umur tunggakan"] for r in table} == {"8–30 hari"}
    assert table[0]["Usaha"] == first["business"]
    assert f"Rp{int(table[0]['Jumlah (Rp)']):,}".replace(",", ".") == first["amount"]

    # The PDF too.
    data, name = download(page, page.locator("#export-pdf"))
    assert name.endswith(".pdf")
    text = pdf_text(data)
    assert REGION in text
    assert "8–30 hari" in text
    assert first["business"] in text

    # A business's ledger from the list.
    rows.first.get_by_role("link", name=first["business"]).click()
    expect(page.locator("h1")).to_have_text(first["business"])
    expect(page.locator("main")).to_contain_text(first["amount"])
    expect(page.locator("main")).to_contain_text(first["stall"])

    # Back on the filtered list, the language changes and the page and its filters stay.
    page.go_back()
    filtered = page.url
    page.locator("nav").get_by_role("button", name="EN").click()
    expect(page.locator("h1")).to_contain_text("Arrears as of")
    assert page.url == filtered
    expect(page.get_by_label("Region")).to_have_value("31.71")
    expect(page.get_by_label("Aging")).to_have_value("8-30")
    expect(page.locator("#arrears tr.business-row")).to_have_count(n)
    page.locator("nav").get_by_role("button", name="ID").click()
    expect(page.locator("h1")).to_contain_text("Tunggakan per")
    assert page.url == filtered
