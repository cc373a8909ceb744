"""Structure: header dates, message zone rules, identifier table, garbage handling."""

from __future__ import annotations

import random
import string
from datetime import date

import pytest

from docproc.twoddoc import TwoDDocError, parse_and_verify
from docproc.twoddoc.c40 import decode_date, encode_date
from docproc.twoddoc.identifiers import IDENTIFIERS, SUPPORTED_TYPES, _build
from docproc.twoddoc.message import parse_message
from tests.docproc.twoddoc.twoddoc_samples import REFERENCE_CODES, as_decoded


@pytest.mark.parametrize(
    ("hex4", "day"),
    [
        ("1FB6", date(2022, 3, 24)),
        ("226C", date(2024, 2, 16)),
        ("2547", date(2026, 2, 16)),
        ("0000", date(2000, 1, 1)),
        ("FFFF", None),
    ],
)
def test_header_dates(hex4: str, day: date | None) -> None:
    assert decode_date(hex4) == day
    assert encode_date(day) == hex4


def test_fixed_fields_chain_without_separator() -> None:
    message = parse_message("4A310420224712670275544994142000\x1d")
    assert message.fields == {"4A": "31042022", "47": "1267027554499", "41": "42000"}


def test_rs_marks_a_truncated_value_even_last() -> None:
    message = parse_message("46DUPONT MARIE\x1e47300112345678948DURAND PAUL\x1e")
    assert message.fields == {"46": "DUPONT MARIE", "47": "3001123456789", "48": "DURAND PAUL"}
    assert message.truncated == frozenset({"46", "48"})


def test_variable_value_ends_at_its_maximum_length() -> None:
    name = "A" * 38
    message = parse_message(f"46{name}4163198")
    assert message.fields == {"46": name, "41": "63198"}


def test_stray_separator_after_fixed_field_is_tolerated() -> None:
    message = parse_message("452021\x1d4163198\x1d")
    assert message.fields == {"45": "2021", "41": "63198"}


def test_overlong_variable_value_falls_back_to_separator_reading() -> None:
    """A non-conforming encoder overrunning a maximum: read up to the separator."""
    name = "B" * 40
    doc = parse_and_verify(f"DC04FR000001FFFF23F02801FR46{name}\x1d4163198\x1fAAAA")
    assert doc.fields == {"46": name, "41": "63198"}


def test_identifier_table_is_consistent() -> None:
    assert {"02", "04", "18", "24", "27", "28"} == SUPPORTED_TYPES
    for code, spec in IDENTIFIERS.items():
        assert spec.code == code
        if spec.fixed:
            assert spec.max_len is not None and spec.conforms("0" * spec.max_len) in (True, False)
    assert IDENTIFIERS["44"].fixed and IDENTIFIERS["4A"].fixed and IDENTIFIERS["47"].fixed
    assert not IDENTIFIERS["41"].fixed and not IDENTIFIERS["4Y"].fixed
    assert IDENTIFIERS["43"].conforms("2,75") and not IDENTIFIERS["43"].conforms("2.75")


@pytest.mark.parametrize(
    "row",
    [
        ("4a", "minuscule", 0, 1, "text"),
        ("41", "longueurs", 5, 2, "digits"),
        ("4A", "date variable", 0, 8, "date8"),
        ("41", "", 0, 12, "digits"),
        ("41", "type inconnu", 0, 12, "nope"),
    ],
)
def test_identifier_table_validation_rejects_bad_rows(row: tuple) -> None:
    with pytest.raises(ValueError):
        _build((row,))


def test_duplicate_identifier_rows_are_rejected() -> None:
    with pytest.raises(ValueError):
        _build((("41", "a", 0, 12, "digits"), ("41", "b", 0, 12, "digits")))


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "twoddoc.vide"),
        ("   \n", "twoddoc.vide"),
        ("hello world", "twoddoc.pas_un_2ddoc"),
        ("https://example.org/?q=1", "twoddoc.pas_un_2ddoc"),
        ("\xdc\x04\x00\x01", "twoddoc.format_binaire"),
        ("DC01FR000001FFFF1FB604", "twoddoc.version_non_supportee"),
        ("DC0", "twoddoc.version_non_supportee"),
        ("DC04FR00", "twoddoc.entete_invalide"),
        ("DC04fr000001FFFF1FB60401FR", "twoddoc.entete_invalide"),
        ("DC04FR000001GGGG1FB60401FR", "twoddoc.entete_invalide"),
        ("DC04FR000001FFFF1FB60401F1", "twoddoc.entete_invalide"),
        ("DC04FR000001FFFF1FB60401FR4", "twoddoc.message_invalide"),
        ("DC04FR000001FFFF1FB60401FR%%VALUE", "twoddoc.message_invalide"),
        ("DC04FR000001FFFF1FB60401FR46NOM\x00\x1f", "twoddoc.caracteres_invalides"),
        ("DC04FR000001FFFF1FB60401FR46NOMÉ\x1f", "twoddoc.caracteres_invalides"),
        ("DC04FR000001FFFF1FB60401FR" + "41" + "9" * 5000, "twoddoc.message_invalide"),
    ],
)
def test_garbage_raises_twoddoc_error(payload: str, code: str) -> None:
    with pytest.raises(TwoDDocError) as info:
        parse_and_verify(payload)
    assert info.value.code == code
    assert info.value.message and info.value.message.endswith(".")


def test_non_text_payload_raises_twoddoc_error() -> None:
    with pytest.raises(TwoDDocError):
        parse_and_verify(b"DC04FR000001FFFF1FB60401FR")  # type: ignore[arg-type]


def test_random_mutations_never_raise_anything_else() -> None:
    rng = random.Random(2024)
    alphabet = string.printable + "\x1d\x1e\x1f\xdcé€"
    seeds = [as_decoded(code) for code in REFERENCE_CODES.values()]
    for _ in range(3000):
        base = rng.choice(seeds)
        chars = list(base)
        for _ in range(rng.randint(1, 6)):
            op = rng.random()
            pos = rng.randrange(len(chars) + 1)
            if op < 0.4 and chars:
                chars[min(pos, len(chars) - 1)] = rng.choice(alphabet)
            elif op < 0.7:
                chars.insert(pos, rng.choice(alphabet))
            elif chars:
                del chars[min(pos, len(chars) - 1)]
        mutated = "".join(chars)
        if rng.random() < 0.2:
            mutated = mutated[: rng.randrange(len(mutated) + 1)]
        try:
            doc = parse_and_verify(mutated)
        except TwoDDocError:
            continue
        assert doc.valid_signature is not True  # FR00 off, so nothing verifies
