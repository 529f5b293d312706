"""Pure rules about halls, tariffs and the calendar."""

from datetime import date


def tariff_editable(effective_from: date, today: date) -> bool:
    """A rate is fixed once it has been in force for a day: past days keep their rate."""
    return effective_from > today


def rate_on(tariffs: list[tuple[date, int]], day: date) -> int | None:
    """The daily rate in force on `day`: the latest tariff whose date is not after it."""
    rate = None
    for effective_from, daily_rate in sorted(tariffs):
        if effective_from <= day:
            rate = daily_rate
        else:
            break
    return rate


STALL_CODE_MAX = 20
# What the hall map shows for a stall.
MAP_STATES = ("vacant", "occupied", "arrears", "maintenance", "retired")


def parse_area_m2(text: str) -> int | None:
    """'9', '9,5' or '9.25' square metres as whole square decimetres; '' is no area.

    Raises ValueError for anything else (negative, zero, more than two decimals).
    """
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    whole, _, part = text.partition(".")
    if not whole.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
        raise ValueError(text)
    dm2 = int(whole) * 100 + int(part.ljust(2, "0") or 0)
    if dm2 <= 0 or dm2 > 100_000_00:
        raise ValueError(text)
    return dm2


def stall_code_problem(code: str) -> str | None:
    """Stall codes are short: letters, digits, dash, dot and slash (A-07, B.12, K/3)."""
    code = (code or "").strip()
    if not code:
        return "empty"
    if len(code) > STALL_CODE_MAX:
        return "too_long"
    if not all(ch.isascii() and (ch.isalnum() or ch in "-./") for ch in code):
        return "characters"
    return None


def map_state(status: str, occupied: bool, unpaid_days: int) -> str:
    """The colour of a stall on the hall map."""
    if status in ("retired", "maintenance"):
        return status
    if not occupied:
        return "vacant"
    return "arrears" if unpaid_days > 0 else "occupied"


def read_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (lower-cased) and every non-empty row with its line number in the file.

    Accepts comma or semicolon separators (spreadsheets in Indonesian locales write ';').
    """
    import csv
    import io

    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not header:
            header = [v.strip().lower() for v in values]
            continue
        if not any(v.strip() for v in values):
            continue
        row = {
            name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)
        }
        if len(values) > len(header):
            row["__extra__"] = "1"
        rows.append((reader.line_num, row))
    return header, rows
