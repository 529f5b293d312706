"""Sign-in and password rules, pure."""

from datetime import datetime, timedelta

MIN_PASSWORD_LENGTH = 10
# A short list of the passwords people pick most; a real attacker tries these first.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "qwertyuiop",
        "password12",
        "password123",
        "passw0rd123",
        "iloveyou12",
        "abcdefghij",
        "abc1234567",
        "qwerty1234",
        "1q2w3e4r5t",
        "admin12345",
        "administrator",
        "indonesia1",
        "indonesia123",
        "jakarta123",
        "jakarta2026",
        "bismillah1",
        "bismillah123",
        "rahasia123",
        "katasandi1",
        "katasandi123",
        "hallmgr123",
        "changeme123",
        "welcome123",
        "sayang1234",
        "superman12",
    }
)


def password_problems(password: str, username: str) -> list[str]:
    """Codes of what is wrong with a new password: 'short', 'username', 'common'."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("short")
    if username and username.lower() in password.lower():
        problems.append("username")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("common")
    return problems


def lock_state(
    failed_logins: int, locked_until: datetime | None, now: datetime
) -> timedelta | None:
    """How long the account still has to wait, or None when it may try."""
    if locked_until is not None and locked_until > now:
        return locked_until - now
    return None


def after_failure(
    failed_logins: int, now: datetime, max_failures: int, lock_minutes: int
) -> tuple[int, datetime | None]:
    """New (failed count, locked_until) after one more failed attempt."""
    failed = failed_logins + 1
    if failed >= max_failures:
        return 0, now + timedelta(minutes=lock_minutes)
    return failed, None
