"""Money is whole rupiah in ints; these helpers only format it."""

import re

from num2words import num2words

# num2words writes a thousands group of one as "satu ribu" when a larger group stands before
# it (1.001.000: "satu juta satu ribu"); Indonesian says "seribu" wherever it stands. A "satu"
# that is the whole group follows no word of its own group ("puluh", "ratus", "seratus"):
# 21.000 stays "dua puluh satu ribu", 101.000 "seratus satu ribu".
_LONE_SATU_RIBU = re.compile(r"(?<!puluh )(?<!ratus )\bsatu ribu\b")


def format_rupiah(amount: int) -> str:
    """Indonesian style: Rp5.000, Rp1.250.000, -Rp3.000; no decimals."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah amounts are ints")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def terbilang(amount: int) -> str:
    """The amount in Indonesian words, as on a receipt: 'lima ribu rupiah'."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah amounts are ints")
    words = _LONE_SATU_RIBU.sub("seribu", num2words(amount, lang="id"))
    return f"{words} rupiah"
