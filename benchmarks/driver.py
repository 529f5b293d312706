"""A small HTTP client for the harness: standard library only, independent of hallmgr.

One connection per request (gunicorn's sync workers close the connection after each
answer anyway). A connection that fails (refused, reset, cut by a killed worker, timed out)
raises `Unreachable`, which the callers treat as "no answer": retry with the same key.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass


class Unreachable(Exception):
    """No HTTP answer: the connection was refused, reset or timed out."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: dict | bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    sent_headers = dict(headers or {})
    data = None
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        sent_headers.setdefault("Content-Type", "application/json")
    elif body is not None:
        data = body
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=sent_headers)
        response = conn.getresponse()
        payload = response.read()
        headers_out = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, headers_out, payload, time.perf_counter() - start)
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise Unreachable(f"{type(error).__name__}: {error}") from error
    finally:
        conn.close()


def pay(port: int, token: str, key: str, body: dict, *, timeout: float = 30.0) -> Reply:
    return request(
        port,
        "POST",
        "/api/v1/payments",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=timeout,
    )
