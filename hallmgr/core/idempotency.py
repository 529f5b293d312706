"""Requests that take effect once: a retried submission (a double tap, a network retry)
with the same key gets the first response again, exactly as it was sent."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, current_app

from hallmgr.core.models import IdempotencyRecord
from hallmgr.extensions import db


def find(user_id: int, key: str) -> IdempotencyRecord | None:
    """The user's earlier request with this key, if any."""
    return db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )


def remember(record: IdempotencyRecord | None, response: Response) -> Response:
    """Keep the response first given to the record's request (in the same transaction);
    a request made without a key has no record."""
    if record is None:
        return response
    record.status = response.status_code
    record.mimetype = response.mimetype
    record.location = response.headers.get("Location")
    record.body = response.get_data()
    return response


def replay(record: IdempotencyRecord, fallback: Callable[[], Response]) -> Response:
    """The first response again, byte for byte, marked as a replay. A record kept before
    responses were (migration c0a1e5d2b7f3) has none: `fallback` answers for it."""
    if record.status is None:
        response = fallback()
        response.headers["Idempotent-Replayed"] = "true"
        return response
    response = current_app.response_class(
        record.body or b"", status=record.status, mimetype=record.mimetype
    )
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response
