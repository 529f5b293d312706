"""Pure rules about halls, tariffs and the calendar."""

import re
from datetime import date
from typing import Any


def tariff_editable(effective_from: date, today: date) -> bool:
    """A rate is fixed once it has been in force for a day: past days keep their rate."""
    return effective_from > today


def in_force(periods: list[tuple[date, Any]], day: date) -> Any:
    """The value of the effective-dated periods in force on `day`: the latest whose date is
    not after it (None before the first)."""
    value = None
    for effective_from, period_value in sorted(periods):
        if effective_from <= day:
            value = period_value
        else:
            break
    return value


def rate_on(tariffs: list[tuple[date, int]], day: date) -> int | None:
    """The daily rate in force on `day`: the latest tariff whose date is not after it."""
    return in_force(tariffs, day)


def open_days_on(schedule: list[tuple[date, int]], day: date) -> int:
    """A hall's weekly open days in force on `day` (none before its first schedule)."""
    return in_force(schedule, day) or 0


STALL_CODE_MAX = 20


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


# A text cell a spreadsheet would run: `=`, `@`, or a sign that does not start a number
# (a phone number like +62 812-3456 is data; `+A1`, `-2+3` are formulas).
_NUMBER_LIKE = re.compile(r"[+-][\d\s().-]*")


class CsvError(ValueError):
    """The file cannot be read as CSV; `line` is where the reader stopped."""

    def __init__(self, line: int, detail: str):
        super().__init__(detail)
        self.line = line


def decode_csv(data: bytes) -> str | None:
    """The text of an uploaded CSV file (UTF-8, a byte-order mark allowed), or None when
    it is not UTF-8 text: latin-1 or UTF-16 files, binary junk (a NUL byte is never text)."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def is_formula(value: str) -> bool:
    if not value:
        return False
    if value[0] in "=@":
        return True
    return value[0] in "+-" and not _NUMBER_LIKE.fullmatch(value)


def read_csv(
    text: str, max_rows: int | None = None
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (lower-cased) and every non-empty row with its line number in the file.

    Accepts comma or semicolon separators (spreadsheets in Indonesian locales write ';')
    and any line ends. A row is marked `__extra__` with more values than the header,
    `__missing__` with fewer, `__formula__` (the column names) with cells that start like a
    formula. At most `max_rows + 1` rows are read, so the caller can tell a file too long.
    Raises CsvError for what the csv reader cannot read (an unclosed quote, a huge cell).
    """
    import csv
    import io

    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not header:
                header = [v.strip().lower() for v in values]
                continue
            if not any(v.strip() for v in values):
                continue
            row = {
                name: (values[i].strip() if i < len(values) else "")
                for i, name in enumerate(header)
            }
            if len(values) > len(header):
                row["__extra__"] = "1"
            elif len(values) < len(header):
                row["__missing__"] = "1"
            formulas = [name for name in header if is_formula(row.get(name, ""))]
            if formulas:
                row["__formula__"] = ", ".join(formulas)
            rows.append((reader.line_num, row))
            if max_rows is not None and len(rows) > max_rows:
                break
    except csv.Error as error:
        raise CsvError(reader.line_num or 1, str(error)) from error
    return header, rows
