"""Journey 4: a manager voids a collector's receipt; its public check then says void."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.test_collector_journey import open_round, pay_unpaid_days


def test_manager_voids_a_receipt_and_the_public_check_shows_it_void(new_page):
    collector = new_page(PHONE)
    sign_in(collector, "collector")
    open_round(collector)
    paid = pay_unpaid_days(collector)
    link = collector.locator("#receipt ~ p a[href*='/V/']")
    verify_url = link.get_attribute("href")
    assert verify_url == link.inner_text()  # the printed link is the one followed

    # Anyone who scans the QR, signed in or not, sees a genuine receipt.
    public = new_page(PHONE)
    public.goto(verify_url)
    expect(public.locator("#verdict")).to_contain_text("Asli dan berlaku.")
    expect(public.locator("main")).to_contain_text(paid["number"])

    manager = new_page()
    sign_in(manager, "manager")
    # From JP01's day summary, the receipt by its number.
    hall = manager.locator("main .card", has_text="JP01")
    hall.get_by_role("link", name="Ringkasan hari").click()
    manager.locator("#receipts").get_by_role("link", name=paid["number"]).click()
    expect(manager.locator("h1")).to_contain_text(paid["number"])
    manager.get_by_label("Alasan").fill("Salah lapak, dicatat ulang")
    manager.get_by_role("button", name="Batalkan").click()
    expect(manager.get_by_role("alert").first).to_contain_text(paid["number"])
    expect(manager.locator("#void-notice")).to_contain_text("VOID")
    expect(manager.locator("#void-notice")).to_contain_text("Salah lapak, dicatat ulang")

    # The same link now says void.
    public.reload()
    expect(public.locator("#verdict")).to_contain_text("BATAL")
    expect(public.locator("#verdict")).not_to_contain_text("Asli dan berlaku.")

    # And the collector sees it void, and the stall owing again on the round.
    collector.reload()
    expect(collector.locator("#void-notice")).to_contain_text("VOID")
    collector.get_by_role("link", name="Kembali ke putaran").click()
    row = collector.locator("#round li", has_text=paid["business"])
    expect(row.locator(".coll-state")).to_have_text("Belum dibayar")
