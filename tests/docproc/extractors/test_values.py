"""Value parsers of the specs, including OCR digit confusions."""

from __future__ import annotations

import pytest

from docproc.extractors import values as v


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (": 54 439 €", 54439),
        ("54\u00a0439 €", 54439),
        ("-3 125", -3125),
        ("1 234,00 €", 1234),
        ("694 €", 694),
        ("0 €", 0),
        ("5O 1OO", 50100),
        ("12345", 12345),
        ("312 € 2025", 312),
        (": 48 250 Nombre de parts", 48250),
    ],
)
def test_euros(text: str, expected: int) -> None:
    got = v.euros(text)
    assert got is not None and got[0] == expected


@pytest.mark.parametrize("text", ["", "€", "abc", ": néant"])
def test_euros_absent(text: str) -> None:
    assert v.euros(text) is None


@pytest.mark.parametrize("text", ["1 0 8 7 €", "1 0 8 7", "12 34", "4 8 2 5 0", "31 200 22 400"])
def test_digits_past_an_amount_make_it_no_amount(text: str) -> None:
    # Regression: a browser-printed total "1 087 €" came as the runs "1" "0" "8" "7", read 1 €.
    assert v.euros(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [(": Non imposable", 0), ("NON IMPOSABLE", 0), ("non imposable.", 0), ("1 234 €", 1234)],
)
def test_impot_reads_non_imposable_as_zero(text: str, expected: int) -> None:
    got = v.impot(text)
    assert got is not None and got[0] == expected


def test_non_imposable_is_no_plain_amount() -> None:
    # Only a tax takes the words: an RFR or a total never reads "Non imposable" as 0.
    assert v.euros("Non imposable") is None


def test_parts_are_quarters() -> None:
    assert v.parts("2,50")[0] == 2.5  # type: ignore[index]
    assert v.parts("1,25")[0] == 1.25  # type: ignore[index]
    assert v.parts("2,33") is None
    assert v.parts("0") is None


def test_parts_without_decimal_mark_are_not_read() -> None:
    # Regression: the real ASDIR prints "2.0"; OCR read "20", which was taken for 20 parts.
    assert v.parts("20") is None
    assert v.parts("2.0")[0] == 2.0  # type: ignore[index]
    assert v.parts("2,00")[0] == 2.0  # type: ignore[index]


def test_numero_fiscal_and_key() -> None:
    got = v.numero_fiscal("30 23 217 600 053 OU MME X")
    assert got is not None and got[0] == "3023217600053"
    assert v.nif_key_ok("3023217600053")
    assert not v.nif_key_ok("3001123456789")  # the DGFiP specimen number fails the key
    ocr = v.numero_fiscal("3O 23 2l7 6OO O53")
    assert ocr is not None and ocr[0] == "3023217600053"


def test_reference_avis() -> None:
    assert v.reference_avis("25 69 K150008 11") == ("2569K15000811", "25 69 K150008 11")
    assert v.reference_avis("25 2A 1234567 89")[0] == "252A123456789"  # type: ignore[index]
    assert v.reference_avis("25 69 K15OO08 1l")[0] == "2569K15000811"  # type: ignore[index]
    assert v.reference_avis("pas une référence") is None


def test_dates_and_situation() -> None:
    assert v.iso_date("31/07/2025")[0] == "2025-07-31"  # type: ignore[index]
    assert v.iso_date("31/02/2025") is None
    assert v.situation("Marié(e)s")[0] == "M"  # type: ignore[index]
    assert v.situation("Pacsé(e)s")[0] == "O"  # type: ignore[index]
    assert v.situation("Divorcé(e)/séparé(e)")[0] == "D"  # type: ignore[index]
    assert v.situation("Célibataire")[0] == "C"  # type: ignore[index]
    assert v.situation("Veuf(ve)")[0] == "V"  # type: ignore[index]


def test_nif_key_agrees_with_python_stdnum() -> None:
    """The rule is written out (stdnum's import cost more than reading an avis): same answers."""
    import random

    from stdnum.fr import nif

    rng = random.Random(511)
    numbers = ["3023217600053", "3001123456789", "4023217600053", "302321760005", "30232176000530"]
    for _ in range(3000):
        head = "".join(rng.choice("0123456789") for _ in range(10))
        key = int(head) % 511 if rng.random() < 0.5 else rng.randrange(1000)
        numbers.append(f"{head}{key:03d}")
    for number in numbers:
        assert v.nif_key_ok(number) == bool(nif.is_valid(number)), number
