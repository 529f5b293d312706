"""Every response carries the security headers; no template needs an inline script or style."""

import re

import pytest

from config import TestConfig
from hallmgr import ROOT, create_app
from hallmgr.core.security import CONTENT_SECURITY_POLICY

TEMPLATES = ROOT / "templates"

# What a strict Content-Security-Policy would refuse to run or apply.
INLINE_PATTERNS = {
    "inline <script> with content": re.compile(
        r"<script\b[^>]*>(?!\s*</script>)", re.IGNORECASE | re.DOTALL
    ),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on*= event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE),
}


def inline_code(source: str) -> list[str]:
    return [name for name, pattern in INLINE_PATTERNS.items() if pattern.search(source)]


@pytest.mark.parametrize(
    "source, found",
    [
        ('<script src="/static/app.js"></script>', []),
        ("<script>alert(1)</script>", ["inline <script> with content"]),
        ('<div style="color: red">', ["style= attribute"]),
        ("<style>p {}</style>", ["<style> element"]),
        ('<button type="button" onclick="go()">', ["on*= event handler attribute"]),
        ('<a href="javascript:void(0)">', ["javascript: URL"]),
        ('<a class="btn" href="{{ url }}">{{ _("Based on=it") }}</a>', []),
    ],
)
def test_the_template_scan_finds_inline_code(source, found):
    assert inline_code(source) == found


def test_no_template_has_inline_script_or_style():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        found = inline_code(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}
    assert (TEMPLATES / "base.html").exists()


def test_a_page_carries_the_security_headers(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # Served over plain HTTP in tests: no HSTS, or a browser would refuse http:// for a year.
    assert "Strict-Transport-Security" not in response.headers


def test_error_pages_and_static_files_carry_them_too(client):
    assert client.get("/no-such-page").headers["X-Frame-Options"] == "DENY"
    static = client.get("/static/vendor/bootstrap.min.css")
    assert static.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    static.close()


def test_pages_load_only_local_scripts_and_stylesheets(client):
    page = client.get("/auth/login").get_data(as_text=True)
    sources = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/static/") for s in sources)


def test_hsts_is_sent_when_the_site_is_served_over_https():
    class Https(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        PREFERRED_URL_SCHEME = "https"
        HSTS_SECONDS = 3600

    response = create_app(Https).test_client().get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
