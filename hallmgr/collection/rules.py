"""Pure rules of collection: receipt numbers and which days a payment may cover."""

import hashlib
import hmac
import json
from datetime import date

from flask_babel import lazy_gettext as _l

from hallmgr.core.enums import LabelledEnum


def receipt_number(hall_code: str, year: int, seq: int) -> str:
    """JP01-2026-000123: hall code, year, gapless sequence within hall and year."""
    if seq <= 0:
        raise ValueError("receipt sequence starts at 1")
    return f"{hall_code}-{year:04d}-{seq:06d}"


def request_fingerprint(
    stall_id: int,
    days: list[date],
    method: str,
    all_arrears: bool = False,
    count: int | None = None,
) -> str:
    """What a retried request must repeat to be a replay of the first one.

    It is the request as sent (days ticked, "all arrears", a number of days), not the days
    it resolved to: after the first request those days are paid, and a replay must still match.
    """
    payload = {"stall": stall_id, "days": sorted(d.isoformat() for d in days), "method": method}
    if all_arrears:
        payload["all_arrears"] = True
    if count is not None:
        payload["count"] = count
    body = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class PaymentMethod(LabelledEnum):
    """How a receipt was paid, in the order forms, totals and reports list the methods."""

    CASH = "cash", _l("Cash")
    QRIS = "qris", _l("QRIS")
    TRANSFER = "transfer", _l("Transfer")


class RoundState(LabelledEnum):
    """What a stall looks like on today's round, in the order the round counts them."""

    UNPAID = "unpaid", _l("Not yet paid")
    PAID_TODAY = "paid_today", _l("Paid today, more owed")
    CLOSED = "closed", _l("Closed (marked)")
    LUNAS = "lunas", _l("Fully paid")
    WAIVED = "waived", _l("Waived")
    NOT_DUE = "not_due", _l("Not due today")

    @property
    def owes(self) -> bool:
        return self in (RoundState.UNPAID, RoundState.PAID_TODAY, RoundState.CLOSED)


class CreditReason(LabelledEnum):
    """Why paid days stopped being due to the business that paid them."""

    ASSIGNMENT_ENDED = "assignment_ended", _l("Assignment ended before days paid ahead")
    CLOSURE = "closure", _l("Hall closed on paid days")
    SCHEDULE_CHANGED = "schedule_changed", _l("Hall no longer open on paid days")


class Settlement(LabelledEnum):
    """How a credit was settled with its business."""

    REFUNDED = "refunded", _l("Refunded to the business")
    CARRIED = "carried", _l("Carried to the business's next assignment")


def round_state(
    *, owed_days: int, due_today: bool, waived_today: bool, paid_today: bool, marked_closed: bool
) -> RoundState:
    """ "Lunas" only when nothing is owed up to today; a payment today that leaves days
    unpaid is "paid today"; a closed mark is an observation and does not stop the due."""
    if owed_days == 0:
        if due_today:
            return RoundState.LUNAS
        return RoundState.WAIVED if waived_today else RoundState.NOT_DUE
    if paid_today:
        return RoundState.PAID_TODAY
    return RoundState.CLOSED if marked_closed else RoundState.UNPAID


def day_runs(days: list[tuple[date, int, str]]) -> list[tuple[date, date, int, int, str]]:
    """(first, last, number of days, rate, receipt) of each run of consecutive days paid
    at one rate by one receipt, in order: 8–13 Dec at Rp3.000 by JP01-2026-000575."""
    runs: list[list] = []
    for day, rate, receipt in sorted(days):
        last = runs[-1] if runs else None
        if last and (last[3], last[4]) == (rate, receipt) and (day - last[1]).days == 1:
            last[1] = day
            last[2] += 1
        else:
            runs.append([day, day, 1, rate, receipt])
    return [tuple(run) for run in runs]


def rate_groups(days: list[tuple[date, int]]) -> list[tuple[int, int]]:
    """(daily rate, number of days) per rate, in the order the rates first occur."""
    groups: dict[int, int] = {}
    for _day, rate in sorted(days):
        groups[rate] = groups.get(rate, 0) + 1
    return list(groups.items())


def method_totals(rows: list[tuple[str, int, bool]]) -> dict[PaymentMethod, int]:
    """Totals of (method, amount, void) rows for each method, in its order (0 for a method
    nobody used); void receipts count for nothing."""
    totals = dict.fromkeys(PaymentMethod, 0)
    for method, amount, void in rows:
        if not void:
            totals[PaymentMethod(method)] += amount
    return totals


def receipt_signature(secret: str, number: str) -> str:
    """The HMAC that proves a verification link was made by this app for this receipt
    (32 hex digits, as the /collection/verify/ links carry it)."""
    mac = hmac.new(secret.encode(), f"receipt:{number}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


VERIFY_CODE_LENGTH = 16


def verify_code(secret: str, number: str) -> str:
    """The short form of the signature that a receipt's QR code carries: its first 16 hex
    digits (64 bits) in capitals, so that the whole link is QR alphanumeric characters."""
    return receipt_signature(secret, number)[:VERIFY_CODE_LENGTH].upper()


def signature_valid(secret: str, number: str, signature: str) -> bool:
    """Whether `signature` is this receipt's: the full signature (links printed before the
    short code, which go on working) or the short code in either case."""
    expected, given = receipt_signature(secret, number), signature or ""
    if len(given) == VERIFY_CODE_LENGTH:
        expected, given = expected[:VERIFY_CODE_LENGTH], given.lower()
    return hmac.compare_digest(expected.encode(), given.encode())
