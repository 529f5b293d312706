"""Configuration classes. Settings come from the environment; tests subclass."""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HALLMGR_INSTANCE", BASE_DIR / "instance"))


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _dev_secret_key() -> str:
    """A secret generated once into instance/ so sessions survive restarts in development."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hallmgr.sqlite3'}"
    )
    # A pooled connection the server dropped (a PostgreSQL restart) is replaced at checkout.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY") or None

    # Sessions: cookie not readable from scripts, not sent on cross-site posts.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    # Domain settings.
    ISSUER_NAME = os.environ.get(
        "HALLMGR_ISSUER",
        "Dinas Perindustrian, Perdagangan, Koperasi, Usaha Kecil dan Menengah Provinsi DKI Jakarta",
    )
    PUBLIC_BASE_URL = os.environ.get("HALLMGR_PUBLIC_URL", "")
    MAX_STALLS_PER_OWNER = _int("MAX_STALLS_PER_OWNER", 1)
    # CSV imports (stalls, businesses): larger or longer files are refused whole.
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 10_000)
    # No request body above this is read at all: 413 with the error page.
    MAX_CONTENT_LENGTH = IMPORT_MAX_BYTES + 1024 * 1024
    ADVANCE_PAYMENT_DAYS = _int("ADVANCE_PAYMENT_DAYS", 31)
    MAX_DECLINES = _int("MAX_DECLINES", 3)
    APPLICATION_EXPIRY_DAYS = _int("APPLICATION_EXPIRY_DAYS", 365)
    BACKDATE_ASSIGNMENT_DAYS = _int("BACKDATE_ASSIGNMENT_DAYS", 7)
    # Warning levels by days since the oldest unpaid due day.
    WARNING_TEGURAN_DAYS = _int("WARNING_TEGURAN_DAYS", 7)
    WARNING_SP1_DAYS = _int("WARNING_SP1_DAYS", 30)
    WARNING_SP2_DAYS = _int("WARNING_SP2_DAYS", 60)
    WARNING_SP3_DAYS = _int("WARNING_SP3_DAYS", 90)
    # Days a warning letter gives the business to pay.
    WARNING_LETTER_DEADLINE_DAYS = _int("WARNING_LETTER_DEADLINE_DAYS", 7)
    # A stall marked closed on at least this many of the last 30 days is listed as idle.
    IDLE_STALL_MIN_DAYS = _int("IDLE_STALL_MIN_DAYS", 10)

    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)

    LOAD_DEMO_DATA = True

    # Security (hallmgr/core/security.py). Failed sign-ins per client address, on top of
    # the per-account lock-out; the counters live in RATELIMIT_STORAGE_URI, which must be
    # shared (redis://...) when several workers serve the app.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "20 per 5 minutes")
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto; 0 trusts none.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    # HSTS is sent only when the site is served over HTTPS (PREFERRED_URL_SCHEME).
    PREFERRED_URL_SCHEME = "http"
    HSTS_SECONDS = _int("HSTS_SECONDS", 31_536_000)


class DevelopmentConfig(Config):
    SECRET_KEY = Config.SECRET_KEY or _dev_secret_key()


class ProductionConfig(Config):
    PREFERRED_URL_SCHEME = "https"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOAD_DEMO_DATA = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Tests exercise CSRF explicitly; other tests post with a token from the page helper.
    WTF_CSRF_ENABLED = True
    SERVER_NAME = None
    # The throttling tests switch the limiter on in an app of their own.
    RATELIMIT_ENABLED = False
