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


def mask_nik(nik: str) -> str:
    """3171********0003: region kept, birth date and serial hidden but the last four."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def normalise_nik(text: str) -> str:
    """A NIK as typed (with spaces, dots or dashes) reduced to its digits' string."""
    return "".join(ch for ch in (text or "") if ch not in " .-\t")


def normalise_phone(text: str) -> str:
    """08xx… kept as digits; +62 and 62 become 0."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit() or ch == "+")
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits.replace("+", "")


def phone_problem(phone: str) -> str | None:
    """Indonesian numbers: 0 and 8 to 14 more digits; empty is allowed."""
    if not phone:
        return None
    if not phone.isdigit() or not phone.startswith("0") or not 9 <= len(phone) <= 15:
        return "format"
    return None


def queue_order(applications: list[tuple[object, int]]) -> list[int]:
    """Application ids in queue order: by application time, then by id (entry order)."""
    return [app_id for _applied_at, app_id in sorted(applications, key=lambda a: (a[0], a[1]))]


def after_decline(declines: int, max_declines: int) -> tuple[int, str]:
    """(declines, status) after one more declined offer: out of the queue at the limit."""
    declines += 1
    return declines, ("declined" if declines >= max_declines else "waiting")
