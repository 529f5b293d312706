"""`flask check-deploy` names every unsafe setting and fails; a safe configuration passes."""

import pytest

from config import ProductionConfig, TestConfig
from hallmgr import create_app


class SafeConfig(ProductionConfig):
    SECRET_KEY = "kR3v9-8dXq2LmZ7pWb5nT1yHc6uJf4sA0eGo"
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://hallmgr@db.internal/hallmgr"
    RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
    PUBLIC_BASE_URL = "https://sentra.jakarta.go.id"


def check(config_class):
    app = create_app(config_class)
    return app.test_cli_runner().invoke(args=["check-deploy"])


def test_a_safe_production_configuration_passes():
    result = check(SafeConfig)
    assert result.exit_code == 0, result.output
    assert "UNSAFE" not in result.output
    assert "No unsafe setting found." in result.output


def test_an_unsafe_configuration_lists_each_problem_and_fails(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")

    class Unsafe(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_ENABLED = True
        RATELIMIT_STORAGE_URI = "memory://"
        LOAD_DEMO_DATA = True
        PUBLIC_BASE_URL = "http://sentra.jakarta.go.id"

    result = check(Unsafe)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("UNSAFE: ")]
    expected = [
        "DEBUG is on",
        "TESTING is on",
        "SECRET_KEY is a published default",
        "the database is SQLite",
        "SESSION_COOKIE_SECURE is off",
        "REMEMBER_COOKIE_SECURE is off",
        "RATELIMIT_STORAGE_URI is in memory",
        "LOAD_DEMO_DATA is on",
        "PUBLIC_BASE_URL (HALLMGR_PUBLIC_URL) is not an https:// address",
    ]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(f"UNSAFE: {start}"), line


@pytest.mark.parametrize(
    "setting, value, problem",
    [
        ("SECRET_KEY", "short-but-random-1234", "SECRET_KEY is shorter than 32 characters"),
        ("SESSION_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE is off"),
        ("RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI is in memory"),
        ("RATELIMIT_ENABLED", False, "sign-in throttling is off"),
        ("LOAD_DEMO_DATA", True, "LOAD_DEMO_DATA is on"),
        ("PUBLIC_BASE_URL", "", "PUBLIC_BASE_URL (HALLMGR_PUBLIC_URL) is not an https://"),
        ("SQLALCHEMY_DATABASE_URI", "sqlite:////srv/hallmgr.sqlite3", "the database is SQLite"),
    ],
)
def test_one_unsafe_setting_is_enough_to_fail(setting, value, problem):
    config = type("OneUnsafe", (SafeConfig,), {setting: value})
    result = check(config)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"UNSAFE: {line}" for line in _problems(result)]
    assert any(problem in line for line in result.output.splitlines()), result.output
    assert len(result.output.splitlines()) == 1, result.output


def _problems(result):
    return [line.removeprefix("UNSAFE: ") for line in result.output.splitlines()]
