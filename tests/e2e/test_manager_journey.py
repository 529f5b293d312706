"""Journey 1: a hall manager registers a business and gives it a stall through the queue."""

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.helpers import download, pdf_text

# A valid NIK: Jakarta Pusat (31.71), kecamatan 07, a woman born 12 March 1990, serial 0042.
NIK = "3171075203900042"


def test_manager_registers_queues_offers_accepts_and_prints_the_letter(desktop):
    page = desktop
    sign_in(page, "manager")

    # Register the business.
    page.get_by_role("link", name="Usaha", exact=True).first.click()
    page.get_by_role("link", name="Daftarkan usaha").first.click()
    page.get_by_label("Nama usaha").fill("Kopi Tubruk Bu Ratna")
    page.get_by_label("Nama pemilik").fill("Ratna Sari Dewi")
    page.get_by_label("NIK pemilik").fill(NIK)
    page.get_by_label("Telepon").fill("081234567890")
    page.get_by_label("Kategori").fill("kuliner")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("h1")).to_have_text("Kopi Tubruk Bu Ratna")
    expect(page.locator("#business-details")).to_contain_text("Ratna Sari Dewi")

    # Put it on JP01's waiting list for a kios.
    page.get_by_label("Sentra").select_option(label="JP01 · Sentra UMKM Tanah Abang")
    page.get_by_label("Kelas lapak").select_option(label="Kios")
    page.get_by_role("button", name="Masukkan ke daftar tunggu").click()
    applications = page.locator("#applications")
    expect(applications).to_contain_text("JP01")
    expect(applications).to_contain_text("Menunggu")

    # The waiting list: the business is first in line for a kios; offer it a vacant stall.
    applications.get_by_role("link", name="JP01").click()
    queue = page.locator("#queue-kios")
    mine = queue.locator("tr.application", has_text="Kopi Tubruk Bu Ratna")
    expect(mine).to_contain_text("Menunggu")
    stall_select = queue.get_by_label("Lapak")
    vacant = stall_select.locator("option").nth(1)
    stall_code = vacant.inner_text().split()[0]
    stall_select.select_option(value=vacant.get_attribute("value"))

    # Before: the stall is vacant on the hall map (looked at in another tab of the session).
    map_page = page.context.new_page()
    map_page.goto("/halls/JP01/map")
    cell = map_page.locator(".stall-cell[data-state]", has_text=stall_code)
    expect(cell).to_have_attribute("data-state", "vacant")

    queue.get_by_role("button", name="Tawarkan ke antrean pertama").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Lapak {stall_code} ditawarkan")
    expect(mine).to_contain_text(f"Ditawari: {stall_code}")

    # Accept from today.
    mine.get_by_role("link", name="Terima").click()
    expect(page.locator("main")).to_contain_text(f"lapak {stall_code}")
    page.get_by_role("button", name="Buat penempatan").click()
    expect(page.get_by_role("alert")).to_contain_text("Penempatan")
    number = page.get_by_role("alert").inner_text().split()[1]
    expect(page.locator("h1")).to_contain_text(f"Lapak {stall_code}")
    expect(page.locator("#current-business")).to_contain_text("Kopi Tubruk Bu Ratna")

    # After: occupied on the map, with the business's name.
    map_page.reload()
    expect(cell).to_have_attribute("data-state", "occupied")
    assert "stall-occupied" in cell.get_attribute("class").split()
    assert "Kopi Tubruk Bu Ratna" in cell.get_attribute("title")
    screenshot(map_page, "hall-map")
    map_page.close()

    # The assignment letter.
    data, name = download(page, page.get_by_role("link", name="Surat penempatan (PDF)"))
    assert name.endswith(".pdf")
    text = pdf_text(data)
    assert number in text
    assert "Kopi Tubruk Bu Ratna" in text
    assert "Ratna Sari Dewi" in text
    assert stall_code in text
    assert NIK not in text  # the NIK is printed masked
    assert "3171********0042" in text
