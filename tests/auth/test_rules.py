from datetime import UTC, datetime, timedelta

from hallmgr.auth.rules import after_failure, lock_state, password_problems

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_password_rules():
    assert password_problems("pendek", "budi") == ["short"]
    assert password_problems("budi-pasar-pagi", "budi") == ["username"]
    assert password_problems("Jakarta123", "x") == ["common"]
    assert password_problems("kue-lapis-legit-9", "budi") == []


def test_fifth_failure_locks_for_the_configured_minutes():
    failed, locked = 0, None
    for _ in range(4):
        failed, locked = after_failure(failed, NOW, 5, 15)
        assert locked is None
    failed, locked = after_failure(failed, NOW, 5, 15)
    assert locked == NOW + timedelta(minutes=15)
    assert lock_state(failed, locked, NOW + timedelta(minutes=10)) == timedelta(minutes=5)
    assert lock_state(failed, locked, NOW + timedelta(minutes=15)) is None
