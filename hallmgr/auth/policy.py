"""Who may call which route, decided in one place.

Every view declares its access with @allow(...) or @public; a view without a
declaration is refused (deny by default), and a test walks app.url_map to keep it so.
Hall scope: admin and office see every hall; managers and collectors only their own,
and anything of another hall answers 404, as if it did not exist.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hallmgr.extensions import db, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALL_ROLES = ("admin", "office", "manager", "collector")


@dataclass(frozen=True)
class Access:
    roles: tuple[str, ...] = ()
    public: bool = False
    # Own-account actions (sign-out, password, language) that read-only roles may post.
    self_service: bool = False
    # Machine interface: a bearer token, never the session cookie (so no CSRF either).
    token: bool = False


def allow(*roles: str, self_service: bool = False, token: bool = False):
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        view.access = Access(roles=tuple(roles), self_service=self_service, token=token)
        return view

    return decorate


def allow_token(*roles: str):
    """An API view: signed in by `Authorization: Bearer <token>` only."""
    return allow(*roles, token=True)


def _bearer_user():
    from hallmgr.api.services import user_for_token

    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return user_for_token(value.strip())


def _api_error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status


def public(view):
    view.access = Access(public=True)
    return view


def access_of(app: Flask, endpoint: str) -> Access | None:
    if endpoint == "static":
        return Access(public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def init_policy(app: Flask) -> None:
    from hallmgr.auth.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_key: str):
        user_id, _, version = user_key.partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A bumped session_version ends every session issued before it.
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user

    @app.before_request
    def enforce_access():
        if request.endpoint is None:
            return None  # routing will answer 404/405
        access = access_of(app, request.endpoint)
        if access is None:
            abort(403)
        if access.public:
            return None
        if access.token:
            user = _bearer_user()
            if user is None:
                return _api_error(
                    401, "unauthorized", _("A valid API token is needed (Authorization: Bearer).")
                )
            login_manager._update_request_context_with_user(user)
            if user.role not in access.roles:
                return _api_error(403, "forbidden", _("Your role may not do this."))
            if user.role == "office" and request.method not in SAFE_METHODS:
                return _api_error(403, "forbidden", _("Your role may not do this."))
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in access.roles:
            abort(403)
        if (
            current_user.role == "office"
            and request.method not in SAFE_METHODS
            and not access.self_service
        ):
            abort(403)
        return None


def visible_hall_ids(user) -> set[int] | None:
    """The halls a user may see; None means every hall."""
    if user.sees_all_halls:
        return None
    return user.hall_ids


def scope_filter(user, hall_id_column):
    """A WHERE clause limiting a query to the user's halls."""
    ids = visible_hall_ids(user)
    if ids is None:
        return sa.true()
    return hall_id_column.in_(ids) if ids else sa.false()


def hall_is_users(user_id, hall_id_column):
    """The SQL form of the scope, for statements built once: the hall is one of the user
    `user_id`'s halls (a value or a bind parameter), read without loading their halls.
    Only for users who do not see every hall (`visible_hall_ids` is None for those)."""
    from hallmgr.auth.models import user_halls

    return sa.exists().where(
        user_halls.c.user_id == user_id, user_halls.c.hall_id == hall_id_column
    )


def hall_in_scope(user, code: str):
    """The hall with this code, or 404 when it does not exist or is not the user's."""
    from hallmgr.halls.models import Hall

    query = sa.select(Hall).where(Hall.code == code)
    if not user.sees_all_halls:
        # In the same statement, so that the user's halls need not be loaded.
        query = query.where(hall_is_users(user.id, Hall.id))
    hall = db.session.scalar(query)
    if hall is None:
        abort(404)
    return hall


def require_hall_scope(user, hall_id: int) -> None:
    ids = visible_hall_ids(user)
    if ids is not None and hall_id not in ids:
        abort(404)
