"""What every response promises the browser, and how sign-in is throttled per address.

- Security headers on every response: a Content-Security-Policy that allows nothing
  inline and nothing from elsewhere (templates carry no inline script or style; a test
  scans them), no MIME sniffing, no framing, no referrer to other sites, and HSTS when
  the site is served over HTTPS.
- Failed sign-in attempts are limited per client address (Flask-Limiter), on top of
  the per-account lock-out in hallmgr.auth.services.authenticate.
- X-Forwarded-For is trusted only when PROXY_COUNT says a proxy sits in front.
- A NUL character in a form or query value is refused with 400: no user types one, and
  PostgreSQL cannot store it (it would fail half-way through a request as a 500).
"""

from flask import Flask, abort, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap's CSS draws its icons (checkboxes, selects, toggler) as data: SVGs.
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

SIGN_IN_ENDPOINT = "auth.login"


def init_security(app: Flask) -> None:
    """Headers, proxy trust and sign-in throttling; runs after the blueprints are registered."""
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    hsts = None
    if app.config.get("PREFERRED_URL_SCHEME") == "https" and app.config.get("HSTS_SECONDS"):
        hsts = f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"

    @app.before_request
    def refuse_nul_characters():
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    _throttle_sign_in(app)


def _throttle_sign_in(app: Flask) -> None:
    # One limiter per app: Flask-Limiter keeps its storage and on/off switch on the
    # instance, and tests build several apps with different settings in one process.
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
        enabled=app.config.get("RATELIMIT_ENABLED", True),
        # When Redis is down each worker counts alone instead of failing every sign-in.
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    app.extensions["hallmgr_limiter"] = limiter
    view = app.view_functions[SIGN_IN_ENDPOINT]
    # Wrapping keeps the view's access declaration (functools.wraps copies it).
    app.view_functions[SIGN_IN_ENDPOINT] = limiter.limit(
        lambda: app.config["SIGN_IN_RATE_LIMIT"],
        methods=["POST"],
        scope="sign-in",
        # Only failures count: a hall's collectors often share one address (the hall's
        # wifi, a carrier's NAT) and all sign in at the start of the round.
        deduct_when=lambda response: response.status_code not in (302, 429),
    )(view)
