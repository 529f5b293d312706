"""Journeys in a real browser against a real server."""

from tests.e2e.conftest import screenshot, sign_in


def test_sign_in_page_and_language_switch_stay_on_the_page(desktop):
    desktop.goto("/auth/login")
    assert desktop.locator("h1").inner_text() == "Masuk"
    screenshot(desktop, "sign-in")
    sign_in(desktop, "admin")
    desktop.goto("/admin/halls")
    assert desktop.locator("h1").inner_text() == "Sentra"
    desktop.click("button:has-text('EN')")
    desktop.wait_for_load_state()
    assert desktop.url.endswith("/admin/halls")
    assert desktop.locator("h1").inner_text() == "Halls"
    assert desktop.locator("#halls tbody tr").count() == 6
    desktop.click("button:has-text('ID')")
    desktop.wait_for_load_state()
    assert desktop.locator("h1").inner_text() == "Sentra"


def test_a_wrong_password_shows_a_message_in_indonesian(desktop):
    desktop.goto("/auth/login")
    desktop.fill("input[name=username]", "collector")
    desktop.fill("input[name=password]", "salah-sekali-123")
    desktop.click("main button[type=submit]")
    assert desktop.get_by_text("Nama pengguna atau kata sandi salah.").is_visible()


def test_collector_home_on_a_phone_shows_only_their_hall(phone):
    sign_in(phone, "collector")
    body = phone.locator("main").inner_text()
    assert "Sentra UMKM Tanah Abang" in body
    assert "Sentra UMKM Tebet" not in body
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
