"""End-to-end journeys: Chromium (Debian's package) driven by Playwright against the app
served by gunicorn on 127.0.0.1, on a fresh SQLite database with the demo data.

Without Chromium these tests are skipped with a note on how to install it; with
REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "hallmgr-demo"


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # By location under tests/e2e/, not by a path substring: a checkout may itself live in a
    # directory named "e2e", and then every test would count as a browser journey.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _browser_available() -> str | None:
    """None when the browser can run; otherwise why not."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: `pip install -e '.[dev]'`"
    return None


@pytest.fixture(scope="session")
def browser_ready():
    problem = _browser_available()
    if problem:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(browser_ready, tmp_path_factory):
    """The app under gunicorn with a fresh database and the demo data; yields its base URL."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {
        **os.environ,
        "HALLMGR_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.sqlite3'}",
        "SECRET_KEY": "e2e-secret-key-" + "x" * 32,
        "FLASK_APP": "hallmgr",
    }
    env.pop("TEST_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(bin_dir / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    port = _free_port()
    log = (instance / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "hallmgr:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError((instance / "gunicorn.log").read_text()) from None
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError("gunicorn did not start")
    yield base
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def playwright(browser_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


# Chromium shows a PDF in its own viewer; a user who saves it gets what the server sent. The
# journeys read the file itself, so the browser is told to save PDFs, as a user can set it to.
PREFERENCES = {"plugins": {"always_open_pdf_externally": True}}


class Guard:
    """Fails the test on a request to any host but 127.0.0.1 and on a console error."""

    def __init__(self):
        self.foreign_requests: list[str] = []
        self.console_errors: list[str] = []

    def attach(self, context):
        def route(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                self.foreign_requests.append(route.request.url)
                route.abort()

        context.route("**/*", route)

    def watch(self, page):
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))


@pytest.fixture
def guard():
    g = Guard()
    yield g
    assert g.foreign_requests == [], "requests left 127.0.0.1"
    assert g.console_errors == [], "the browser console shows errors"


@pytest.fixture
def new_page(playwright, guard, live_server, tmp_path):
    """Opens a browser of its own (its own profile and cookies) for each user of a journey."""
    contexts = []

    def open_page(viewport=None):
        profile = tmp_path / f"profile-{len(contexts)}"
        (profile / "Default").mkdir(parents=True)
        (profile / "Default" / "Preferences").write_text(json.dumps(PREFERENCES))
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=live_server,
            viewport=viewport or {"width": 1280, "height": 900},
            accept_downloads=True,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
        )
        contexts.append(context)
        # Each step waits for what the user would see, up to 30 seconds: the machine may be busy.
        context.set_default_timeout(30_000)
        guard.attach(context)
        context.on("page", guard.watch)
        for page in context.pages:
            guard.watch(page)
        return context.pages[0] if context.pages else context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def desktop(new_page):
    return new_page()


@pytest.fixture
def phone(new_page):
    return new_page(PHONE)


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


SCREENSHOTS = ROOT / "docs" / "screenshots"


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    """Saved only when asked (make screenshots), so test runs leave the tree clean.

    What the screen shows (the viewport), in at most 256 colours: small enough for the README.
    """
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    from PIL import Image  # Pillow comes with reportlab

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)
