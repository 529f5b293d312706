"""Terbilang: the amount in words as a receipt or a warning letter prints it.

Written by hand as an Indonesian reader writes them on a kwitansi: "se-" for one of a
ten, a hundred or a thousand in any group ("seribu", also after "juta" or "miliar"), and
"satu" before juta and miliar.
"""

import pytest

from hallmgr.core.money import terbilang

WORDS = [
    (0, "nol"),
    (1, "satu"),
    (2, "dua"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (500, "lima ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (1111, "seribu seratus sebelas"),
    (2000, "dua ribu"),
    (2500, "dua ribu lima ratus"),
    (3000, "tiga ribu"),
    (5000, "lima ribu"),
    (10000, "sepuluh ribu"),
    (11000, "sebelas ribu"),
    (15500, "lima belas ribu lima ratus"),
    (21000, "dua puluh satu ribu"),
    (90000, "sembilan puluh ribu"),
    (100000, "seratus ribu"),
    (101000, "seratus satu ribu"),
    (110000, "seratus sepuluh ribu"),
    (111000, "seratus sebelas ribu"),
    (301000, "tiga ratus satu ribu"),
    (991000, "sembilan ratus sembilan puluh satu ribu"),
    (999000, "sembilan ratus sembilan puluh sembilan ribu"),
    (1000000, "satu juta"),
    (1001000, "satu juta seribu"),
    (1001001, "satu juta seribu satu"),
    (1010000, "satu juta sepuluh ribu"),
    (1011000, "satu juta sebelas ribu"),
    (1021000, "satu juta dua puluh satu ribu"),
    (1100100, "satu juta seratus ribu seratus"),
    (1101000, "satu juta seratus satu ribu"),
    (1250000, "satu juta dua ratus lima puluh ribu"),
    (2001000, "dua juta seribu"),
    (10001000, "sepuluh juta seribu"),
    (11001000, "sebelas juta seribu"),
    (21001000, "dua puluh satu juta seribu"),
    (100001000, "seratus juta seribu"),
    (
        999999999,
        "sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan "
        "ribu sembilan ratus sembilan puluh sembilan",
    ),
    (1000000000, "satu miliar"),
    (1000001000, "satu miliar seribu"),
    (1001001001, "satu miliar satu juta seribu satu"),
    (1100000000, "satu miliar seratus juta"),
    (2000000000, "dua miliar"),
    (2001001000, "dua miliar satu juta seribu"),
    (11011011011, "sebelas miliar sebelas juta sebelas ribu sebelas"),
    (
        111111111111,
        "seratus sebelas miliar seratus sebelas juta seratus sebelas ribu seratus sebelas",
    ),
]


@pytest.mark.parametrize(("amount", "words"), WORDS)
def test_terbilang(amount, words):
    assert terbilang(amount) == f"{words} rupiah"


@pytest.mark.parametrize("amount", [5000.0, True, "5000"])
def test_terbilang_takes_whole_rupiah_only(amount):
    with pytest.raises(TypeError):
        terbilang(amount)
