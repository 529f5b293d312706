"""Money is whole rupiah in ints; these helpers only format it."""

from num2words import num2words


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
    words = num2words(amount, lang="id")
    return f"{words} rupiah"
