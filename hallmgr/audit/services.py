"""The audit log: append-only records of every change and every sign-in."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from hallmgr.audit.models import AuditEvent
from hallmgr.extensions import db

AUDIT_INSERT = sa.insert(AuditEvent.__table__)


def snapshot(obj, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The column values of a model instance, JSON-ready, for before/after."""
    mapper = sa.inspect(obj).mapper
    names = fields or tuple(c.key for c in mapper.column_attrs)
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if name == "password_hash":
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


def record(
    actor,
    action: str,
    obj=None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    hall_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    actor_name: str | None = None,
    at: datetime | None = None,
    ip: str = "",
) -> int:
    """Append one audit event in the caller's transaction; its id."""
    if obj is not None:
        db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if hall_id is None:
            hall_id = getattr(obj, "hall_id", None)
    values = {
        "actor_id": getattr(actor, "id", None),
        "actor_name": actor_name or getattr(actor, "username", "") or "",
        "action": action,
        "object_type": object_type or "",
        "object_id": "" if object_id is None else str(object_id),
        "hall_id": hall_id,
        "before": before,
        "after": after,
        "ip": ip,
    }
    if at is not None:
        values["at"] = at
    # Written at once with one INSERT: an event is never read back or changed in the
    # request that makes it, so it needs no place in the session's unit of work.
    return db.session.execute(AUDIT_INSERT, values).inserted_primary_key[0]
