"""Journey 2: a collector on a phone takes a stall's unpaid days on the round."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.e2e.helpers import download, pdf_text


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def fits_the_phone(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def open_round(page):
    page.get_by_role("link", name="Keliling hari ini").first.click()
    expect(page.locator("h1")).to_contain_text("Sentra UMKM Tanah Abang")
    assert fits_the_phone(page)


def pay_unpaid_days(page, *, double_tap: bool = False) -> dict:
    """From the round: the first stall not yet paid, every day it owes up to today (the
    form ticks them, oldest first); the receipt page."""
    row = page.locator("#round li.coll-unpaid").first
    stall_code = row.locator(".coll-code").inner_text()
    business = row.locator(".coll-biz").inner_text()
    owed = row.locator(".coll-owed").inner_text()  # "N hari belum dibayar · RpX"
    row.locator("a.coll-main").click()
    expect(page.locator("h1")).to_contain_text(f"Lapak {stall_code}")

    ticked = page.locator("#pay-form input[name=days]:checked")
    days = int(owed.split()[0])
    expect(ticked).to_have_count(days)  # every unpaid day up to today comes ticked
    amount = sum(int(ticked.nth(i).get_attribute("data-rate")) for i in range(days))
    assert rupiah(amount) in owed
    expect(page.locator("#pay-total")).to_have_text(rupiah(amount))
    assert fits_the_phone(page)

    submit = page.get_by_role("button", name="Catat pembayaran")
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    if double_tap:
        submit.dblclick()
    else:
        submit.click()
    page.wait_for_url("**/collection/receipts/**")
    expect(page.locator("h1")).to_contain_text("Karcis")
    number = page.locator("h1").inner_text().split()[-1]
    facts = page.locator("#receipt")
    expect(facts).to_contain_text(stall_code)
    expect(facts).to_contain_text(business)
    expect(facts).to_contain_text(rupiah(amount))
    expect(facts).to_contain_text("ribu rupiah")
    assert fits_the_phone(page)
    if double_tap:
        # Chromium folds two taps in a row into one request; on a slow network the second
        # tap reaches the server all the same: send the very form again, as it left the phone.
        sent = posts[0]
        again = page.request.post(sent.url, data=sent.post_data, headers=sent.headers)
        assert again.ok
        assert again.url.endswith(f"/collection/receipts/{number}")
        assert "Pembayaran ini sudah tercatat" in again.text()
    return {
        "stall": stall_code,
        "business": business,
        "number": number,
        "amount": amount,
        "days": days,
    }


def test_collector_records_a_stalls_unpaid_days_on_a_phone(phone):
    page = phone
    sign_in(page, "collector")
    open_round(page)
    screenshot(page, "collector-round")

    paid = pay_unpaid_days(page, double_tap=True)
    expect(page.get_by_role("alert").first).to_contain_text(paid["number"])
    expect(page.locator("#receipt")).to_contain_text(f"{paid['days']}:")  # days paid
    screenshot(page, "payment-receipt")

    # The receipt as printed.
    data, name = download(page, page.get_by_role("link", name="Cetak (80 mm)"))
    assert name.endswith(".pdf")
    text = pdf_text(data)
    assert paid["number"] in text
    assert rupiah(paid["amount"]) in text
    assert "ribu rupiah" in text
    assert paid["stall"] in text

    # The double tap made one receipt: the day's list shows the stall once.
    page.get_by_role("link", name="Kembali ke putaran").click()
    row = page.locator("#round li", has_text=paid["business"])
    expect(row).to_have_class("coll-stall coll-lunas")  # nothing owed any more
    expect(row.locator(".coll-state")).to_have_text("Lunas")
    page.goto("/")
    page.get_by_role("link", name="Ringkasan hari").first.click()
    receipts = page.locator("#receipts li", has_text=paid["stall"])
    expect(receipts).to_have_count(1)
    expect(receipts).to_contain_text(paid["number"])
    expect(receipts).to_contain_text(rupiah(paid["amount"]))
