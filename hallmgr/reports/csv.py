"""CSV exports that open correctly in a spreadsheet set to Indonesian.

UTF-8 with a byte-order mark (so names with accents survive), `;` between cells (the
comma is the Indonesian decimal mark), CRLF line ends. A text cell that begins with
`=`, `+`, `-`, `@` (or a tab or carriage return) is prefixed with `'` so a spreadsheet
never runs it as a formula. Numbers stay numbers; dates are written as YYYY-MM-DD.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """One cell as written: ints as they are, dates ISO, text defused of formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def iter_csv(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text line by line, the BOM first: stream it, or join it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")

    def line(cells) -> str:
        writer.writerow([safe_cell(c) for c in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header)
    for row in rows:
        yield line(row)
