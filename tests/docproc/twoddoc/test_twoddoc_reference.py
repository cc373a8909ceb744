"""The ANTS reference codes (spec §16) and the anonymised FR04 production-format code."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.twoddoc import TwoDDoc, contract_fields, parse_and_verify
from tests.docproc.twoddoc.twoddoc_samples import FR04_ANONYMISED, REFERENCE_CODES, as_decoded

_TAX_COMMON = {
    "43": "2,75",
    "44": "2278012345678",
    "45": "2021",
    "46": "RETI PATRICK",
    "41": "63198",
    "47": "3001123456789",
    "48": "RETI SOPHIE",
    "49": "0701987765432",
}
_ADDRESS_4Y = {"4Y": "145 RUE JULLIARD/ZA SPECIMEN/78320/LEVIS ST NOM"}

#: Expected header values and fields of each reference code (shared/reference/twoddoc.md §2.3).
EXPECTED: dict[str, tuple[str, str, date | None, date, dict[str, str]]] = {
    "04": ("04", "04", None, date(2022, 3, 24), {**_TAX_COMMON, "4A": "31072022"}),
    "28": (
        "04",
        "28",
        None,
        date(2026, 2, 16),
        {**_TAX_COMMON, **_ADDRESS_4Y, "4A": "31072022", "4V": "3542", "4X": "3724", "4Z": "-182"},
    ),
    "28-4W": (
        "04",
        "28",
        None,
        date(2025, 2, 18),
        {**_TAX_COMMON, **_ADDRESS_4Y, "4A": "31072022", "4V": "3542", "4W": "-182", "4X": "3724"},
    ),
    "18": ("04", "18", None, date(2022, 11, 4), {**_TAX_COMMON, "4B": "30042022"}),
    "24": (
        "04",
        "24",
        None,
        date(2024, 2, 16),
        {**_TAX_COMMON, "4B": "30042022", "4V": "3542", "4W": "-182", "4X": "3724"},
    ),
    "27-4Y": (
        "04",
        "27",
        None,
        date(2026, 2, 16),
        {**_TAX_COMMON, **_ADDRESS_4Y, "4B": "30042022", "4V": "3542", "4X": "3724", "4Z": "-182"},
    ),
    "27-6U": (
        "04",
        "27",
        None,
        date(2026, 2, 16),
        {
            **_TAX_COMMON,
            "4B": "30042022",
            "4V": "3542",
            "4X": "3724",
            "4Z": "-182",
            "6U": "145 RUE JULLIARD",
            "6V": "ZA SPECIMEN",
            "6W": "78320",
            "6X": "LEVIS ST NOM",
            "6Y": "FR",
        },
    ),
    "02": (
        "03",
        "02",
        date(2012, 10, 15),
        date(2015, 7, 27),
        {
            "10": "M/ECHANTILLON/ARTHUR",
            "22": "42 SQUARE DES ECHANTILLONS",
            "24": "44000",
            "25": "NANTES",
            "26": "FR",
        },
    ),
}
# the reference codes are dated up to 2026-02-16: verify them "as of" a fixed day
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("name", sorted(REFERENCE_CODES))
def test_reference_code_parses_to_the_documented_values(name: str) -> None:
    version, doc_type, issued, signed, fields = EXPECTED[name]
    doc = parse_and_verify(REFERENCE_CODES[name], today=TODAY)
    assert (doc.version, doc.authority, doc.certificate) == (version, "FR00", "0001")
    assert (doc.doc_type, doc.perimeter) == (doc_type, "01")
    assert doc.country == ("FR" if version == "04" else None)
    assert (doc.issue_date, doc.signature_date) == (issued, signed)
    assert doc.fields == fields
    assert doc.truncated == frozenset()
    assert doc.unknown_identifiers == frozenset()


@pytest.mark.parametrize("name", sorted(REFERENCE_CODES))
def test_reference_code_verifies_with_the_test_switch(name: str, trust_fr00: None) -> None:
    doc = parse_and_verify(REFERENCE_CODES[name], today=TODAY)
    assert doc.valid_signature is True, doc.reason
    assert doc.reason is None
    out = doc.to_contract([])
    assert out["valid_signature"] is True and "reason" not in out


@pytest.mark.parametrize("name", sorted(REFERENCE_CODES))
def test_reference_code_is_not_trusted_without_the_switch(name: str) -> None:
    doc = parse_and_verify(REFERENCE_CODES[name], today=TODAY)
    assert doc.valid_signature is False
    assert doc.reason_code == "twoddoc.autorite_de_test"
    assert doc.reason and "FR00" in doc.reason and "authentique" in doc.reason
    out = doc.to_contract([])
    assert out["valid_signature"] is False
    assert out["reason"] == doc.reason


@pytest.mark.parametrize("switch", ["0", "true", "yes", ""])
def test_only_the_value_1_turns_the_switch_on(switch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_TRUST_TEST_2DDOC", switch)
    assert parse_and_verify(REFERENCE_CODES["28"], today=TODAY).valid_signature is False


def test_separator_markers_and_control_characters_are_equivalent(trust_fr00: None) -> None:
    typed = parse_and_verify(REFERENCE_CODES["28"], today=TODAY)
    decoded = parse_and_verify(as_decoded(REFERENCE_CODES["28"]), today=TODAY)
    symbols = parse_and_verify(
        REFERENCE_CODES["28"].replace("<GS>", "\u241d").replace("<US>", "\u241f"), today=TODAY
    )
    assert typed == decoded == symbols
    assert decoded.valid_signature is True


def test_type_28_contract_fields(trust_fr00: None) -> None:
    doc = parse_and_verify(REFERENCE_CODES["28"], today=TODAY)
    assert contract_fields(doc) == {
        "reference_avis": "2278012345678",
        "annee_revenus": 2021,
        "revenu_fiscal_reference": 63198,
        "nombre_parts": 2.75,
        "date_mise_en_recouvrement": "2022-07-31",
        "impot_revenu_net": 3542,
        "declarants": [
            {
                "nom": "RETI",
                "prenoms": "PATRICK",
                "identite": "RETI PATRICK",
                "numero_fiscal": "3001123456789",
            },
            {
                "nom": "RETI",
                "prenoms": "SOPHIE",
                "identite": "RETI SOPHIE",
                "numero_fiscal": "0701987765432",
            },
        ],
    }


def test_type_02_has_no_income_fields(trust_fr00: None) -> None:
    assert contract_fields(parse_and_verify(REFERENCE_CODES["02"], today=TODAY)) == {}


def test_fr04_anonymised_code_parses_fixed_fields_chained_without_separator() -> None:
    doc = parse_and_verify(FR04_ANONYMISED)
    assert (doc.authority, doc.certificate, doc.doc_type) == ("FR04", "FPE3", "04")
    assert doc.signature_date == date(2022, 7, 18)
    assert doc.fields == {
        "43": "1,5",
        "44": "4237A18611332",
        "45": "2021",
        "46": "DOE JOHN",
        "4A": "31042022",
        "47": "1267027554499",
        "41": "42000",
    }
    fields = contract_fields(doc)
    assert fields["revenu_fiscal_reference"] == 42000
    assert fields["nombre_parts"] == 1.5
    assert "date_mise_en_recouvrement" not in fields  # 31/04 does not exist (anonymised)


def test_fr04_anonymised_code_is_not_verifiable_offline() -> None:
    doc = parse_and_verify(FR04_ANONYMISED)
    assert doc.valid_signature is None
    assert doc.reason_code == "twoddoc.non_verifiable_hors_ligne"
    assert doc.reason and "non vérifiable hors ligne" in doc.reason.lower()
    out = doc.to_contract(["revenu_fiscal_reference"])
    assert out == {
        "present": True,
        "valid_signature": False,
        "authority": "FR04",
        "certificate": "FPE3",
        "doc_type": "04",
        "fields": doc.fields,
        "mismatches": ["revenu_fiscal_reference"],
        "reason": doc.reason,
    }


def test_twoddoc_is_a_frozen_value() -> None:
    doc = parse_and_verify(REFERENCE_CODES["04"], today=TODAY)
    assert isinstance(doc, TwoDDoc)
    with pytest.raises(AttributeError):
        doc.valid_signature = True  # type: ignore[misc]
