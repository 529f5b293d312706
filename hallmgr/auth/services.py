"""Users: sign-in with lock-out, passwords, sessions, administration."""

from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_babel import ngettext

from hallmgr.audit.services import record, snapshot
from hallmgr.auth import rules
from hallmgr.auth.models import User
from hallmgr.auth.roles import Permission, Role
from hallmgr.core.errors import DomainError
from hallmgr.extensions import db
from hallmgr.halls.models import Hall

# argon2id with argon2-cffi's RFC 9106 "low memory" profile.
_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not tell who exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginError(DomainError):
    pass


class PasswordRuleError(DomainError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str, username: str) -> None:
    messages = {
        "short": _(
            "The password must have at least %(n)d characters.", n=rules.MIN_PASSWORD_LENGTH
        ),
        "username": _("The password must not contain the username."),
        "common": _("This password is too common; choose another."),
    }
    problems = rules.password_problems(password, username)
    if problems:
        raise PasswordRuleError(" ".join(messages[p] for p in problems), field="password")


def authenticate(
    username: str,
    password: str,
    now: datetime,
    *,
    max_failures: int,
    lock_minutes: int,
    ip: str = "",
) -> User:
    """Check a sign-in; count failures in the database and lock the account after too many."""
    user = db.session.scalar(
        sa.select(User).where(User.username == username.strip()).with_for_update()
    )
    if user is None:
        verify_password(_DUMMY_HASH, password)
        record(None, "login_failed", actor_name=username[:64], object_type="users", at=now, ip=ip)
        raise LoginError(_("Wrong username or password."))
    wait = rules.lock_state(user.failed_logins, user.locked_until, now)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        record(user, "login_locked", user, at=now, ip=ip)
        raise LoginError(
            ngettext(
                "Too many failed sign-ins. This account is locked; try again in %(num)d minute.",
                "Too many failed sign-ins. This account is locked; try again in %(num)d minutes.",
                minutes,
            )
        )
    if not verify_password(user.password_hash, password) or not user.active:
        user.failed_logins, user.locked_until = rules.after_failure(
            user.failed_logins, now, max_failures, lock_minutes
        )
        record(user, "login_failed", user, at=now, ip=ip)
        if user.locked_until is not None:
            raise LoginError(
                _(
                    "Too many failed sign-ins. This account is locked for %(num)d minutes.",
                    num=lock_minutes,
                )
            )
        raise LoginError(_("Wrong username or password."))
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(user, "login", user, at=now, ip=ip)
    return user


def sign_out(user: User, now: datetime) -> None:
    """Sign-out ends every session of the user, on every device."""
    user.session_version += 1
    record(user, "logout", user, at=now)


def change_password(user: User, current: str, new: str, now: datetime) -> None:
    """A user changes their own password; their other sessions end."""
    if not verify_password(user.password_hash, current):
        raise PasswordRuleError(_("The current password is wrong."), field="current_password")
    check_password_rules(new, user.username)
    user.password_hash = hash_password(new)
    user.session_version += 1
    record(user, "password_changed", user, at=now)


def _halls_by_ids(hall_ids: list[int]) -> list[Hall]:
    if not hall_ids:
        return []
    return list(db.session.scalars(sa.select(Hall).where(Hall.id.in_(hall_ids))))


def _check_role(role: str, hall_ids: list[int]) -> Role:
    if role not in tuple(Role):
        raise DomainError(_("Unknown role."), field="role")
    role = Role(role)
    if _bound_to_halls(role) and not hall_ids:
        raise DomainError(_("Managers and collectors need at least one hall."), field="halls")
    return role


def _bound_to_halls(role: Role) -> bool:
    return not Permission.SEE_ALL_HALLS.allows(role)


def create_user(
    actor,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    hall_ids: list[int],
    now: datetime,
) -> User:
    """Create a user with a role and hall scope; the username is unique."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError(_("This username is taken."), field="username")
    role = _check_role(role, hall_ids)
    check_password_rules(password, username)
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
        session_version=1,
        halls=_halls_by_ids(hall_ids) if _bound_to_halls(role) else [],
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "user_created", user, after=_user_view(user), at=now)
    return user


def _user_view(user: User) -> dict:
    data = snapshot(user, ("username", "full_name", "role", "active"))
    data["halls"] = sorted(h.code for h in user.halls)
    return data


def update_user(
    actor, user: User, *, full_name: str, role: str, hall_ids: list[int], now: datetime
) -> User:
    """Change a user's name, role and halls."""
    role = _check_role(role, hall_ids)
    before = _user_view(user)
    user.full_name = full_name.strip()
    scope_changed = user.role != role or set(hall_ids) != user.hall_ids
    user.role = role
    user.halls = _halls_by_ids(hall_ids) if _bound_to_halls(role) else []
    if scope_changed:
        user.session_version += 1
    record(actor, "user_updated", user, before=before, after=_user_view(user), at=now)
    return user


def set_active(actor, user: User, active: bool, now: datetime) -> User:
    """Deactivating a user ends all of their sessions at once."""
    if actor.id == user.id and not active:
        raise DomainError(_("You cannot deactivate yourself."))
    before = _user_view(user)
    user.active = active
    user.session_version += 1
    record(
        actor,
        "user_activated" if active else "user_deactivated",
        user,
        before=before,
        after=_user_view(user),
        at=now,
    )
    return user


def reset_password(actor, user: User, new_password: str, now: datetime) -> User:
    """An admin sets a new password; the user's sessions end and any lock is lifted."""
    check_password_rules(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    record(actor, "password_reset", user, at=now)
    return user
