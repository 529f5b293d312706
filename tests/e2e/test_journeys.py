"""Journeys in a real browser against a real server."""

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in


def test_sign_in_page_and_language_switch_stay_on_the_page(desktop):
    desktop.goto("/auth/login")
    expect(desktop.locator("h1")).to_have_text("Masuk")
    screenshot(desktop, "sign-in")
    sign_in(desktop, "admin")
    desktop.goto("/admin/halls")
    expect(desktop.locator("h1")).to_have_text("Sentra")
    desktop.click("button:has-text('EN')")
    expect(desktop.locator("h1")).to_have_text("Halls")
    assert desktop.url.endswith("/admin/halls")
    expect(desktop.locator("#halls tbody tr")).to_have_count(6)
    desktop.click("button:has-text('ID')")
    expect(desktop.locator("h1")).to_have_text("Sentra")
    assert desktop.url.endswith("/admin/halls")


def test_a_wrong_password_shows_a_message_in_indonesian(desktop):
    desktop.goto("/auth/login")
    desktop.fill("input[name=username]", "collector")
    desktop.fill("input[name=password]", "salah-sekali-123")
    desktop.click("main button[type=submit]")
    expect(desktop.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()


def test_collector_home_on_a_phone_shows_only_their_hall(phone):
    sign_in(phone, "collector")
    main = phone.locator("main")
    expect(main).to_contain_text("Sentra UMKM Tanah Abang")
    expect(main).not_to_contain_text("Sentra UMKM Tebet")
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_guard_sees_a_console_error_and_a_foreign_request(desktop, guard, live_server):
    # The journeys rely on this guard; here it must catch both, then the test clears them.
    desktop.goto("/auth/login")
    desktop.evaluate("console.error('seen by the guard')")
    assert guard.console_errors == ["seen by the guard"]
    port = live_server.rsplit(":", 1)[1]
    try:
        desktop.goto(f"http://localhost:{port}/auth/login")
    except Exception:  # noqa: BLE001 - the guard aborts the request; the browser reports it
        pass
    assert guard.foreign_requests == [f"http://localhost:{port}/auth/login"]
    guard.foreign_requests.clear()
    guard.console_errors.clear()
