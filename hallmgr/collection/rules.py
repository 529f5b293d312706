"""Pure rules of collection: receipt numbers and which days a payment may cover."""

import hashlib
import json
import re
from datetime import date

RECEIPT_RE = re.compile(r"^(?P<hall>[A-Z0-9]{2,8})-(?P<year>\d{4})-(?P<seq>\d{6,})$")


def receipt_number(hall_code: str, year: int, seq: int) -> str:
    """JP01-2026-000123: hall code, year, gapless sequence within hall and year."""
    if seq <= 0:
        raise ValueError("receipt sequence starts at 1")
    return f"{hall_code}-{year:04d}-{seq:06d}"


def parse_receipt_number(number: str) -> tuple[str, int, int] | None:
    match = RECEIPT_RE.match(number or "")
    if not match:
        return None
    return match["hall"], int(match["year"]), int(match["seq"])


def request_fingerprint(stall_id: int, days: list[date], method: str) -> str:
    """What a retried request must repeat to be a replay of the first one."""
    body = json.dumps(
        {"stall": stall_id, "days": sorted(d.isoformat() for d in days), "method": method},
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()
