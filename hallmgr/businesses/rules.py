"""Rules about businesses and their owners, pure."""

from datetime import date

NIK_LENGTH = 16


def nik_problem(nik: str) -> str | None:
    """Why a NIK is not well-formed, or None.

    16 digits: province (2), regency (2), kecamatan (2) of first registration, birth date
    DDMMYY with 40 added to the day for women, and a serial that is not 0000. The region
    part is informative only; people move, their NIK does not.
    """
    if len(nik) != NIK_LENGTH or not nik.isascii() or not nik.isdigit():
        return "format"
    if nik[:2] == "00" or nik[2:4] == "00" or nik[4:6] == "00":
        return "region"
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    # The year has two digits; any century gives the same validity except for 29 February,
    # so check it in a leap-year-compatible century when the two digits allow it.
    year = 2000 + year2
    try:
        date(year, month, day)
    except ValueError:
        return "birth_date"
    if nik[12:] == "0000":
        return "serial"
    return None


def nik_birth_date(nik: str, today: date) -> date:
    """The birth date a valid NIK carries (the century chosen so it is not in the future)."""
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    year = 2000 + year2
    if date(year, month, day) > today:
        year -= 100
    return date(year, month, day)


def nik_is_female(nik: str) -> bool:
    return int(nik[6:8]) > 40


def mask_nik(nik: str) -> str:
    """3171********0003: region kept, birth date and serial hidden but the last four."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]
