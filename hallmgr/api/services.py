"""API tokens: created by their owner, shown once, stored hashed, revocable."""

import functools
import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from hallmgr.api.models import ApiToken
from hallmgr.audit.services import record
from hallmgr.auth.models import User
from hallmgr.core.errors import DomainError, NotFoundError
from hallmgr.extensions import db

TOKEN_PREFIX = "hm_"


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for the user; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, e.g. the device that uses it."), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:80], prefix=plain[:10], token_hash=hash_token(plain)
    )
    db.session.add(token)
    db.session.flush()
    record(
        user, "api_token_created", token, after={"name": token.name, "prefix": token.prefix}, at=now
    )
    return token, plain


def revoke_token(user: User, token_id: int, now: datetime) -> ApiToken:
    """A user revokes one of their own tokens; it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now
        record(user, "api_token_revoked", token, after={"name": token.name}, at=now)
    return token


def user_for_token(plain: str) -> User | None:
    """The active user a valid, unrevoked token belongs to."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    user = db.session.scalar(_user_of_token(), {"token_hash": hash_token(plain)})
    if user is None or not user.active:
        return None
    return user


@functools.cache
def _user_of_token():
    # Built once. The user alone: their halls are read only if the view asks for them.
    return (
        sa.select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
        .options(lazyload(User.halls))
    )
