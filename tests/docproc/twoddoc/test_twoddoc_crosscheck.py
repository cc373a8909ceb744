"""Printed values against signed ones."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from docproc.twoddoc import TwoDDoc, contract_fields, cross_check, parse_and_verify
from tests.docproc.twoddoc.twoddoc_samples import REFERENCE_CODES


@pytest.fixture
def doc(trust_fr00: None) -> TwoDDoc:
    return parse_and_verify(REFERENCE_CODES["28"], today=date(2026, 6, 1))


def printed_like_the_avis() -> dict[str, Any]:
    return {
        "reference_avis": "22 78 012 345 678",
        "annee_revenus": 2021,
        "annee_avis": 2022,
        "revenu_fiscal_reference": 63198,
        "nombre_parts": 2.75,
        "date_mise_en_recouvrement": "2022-07-31",
        "impot_revenu_net": 3542,
        "declarants": [
            {
                "nom": "Réti",
                "prenoms": "Patrick",
                "identite": "Réti Patrick",
                "numero_fiscal": "30 01 123 456 789",
            },
            {
                "nom": "RETI",
                "prenoms": "SOPHIE",
                "identite": "RETISOPHIE",
                "numero_fiscal": "0701987765432",
            },
        ],
    }


def test_identical_values_modulo_accents_case_spaces(doc: TwoDDoc) -> None:
    assert cross_check(doc, printed_like_the_avis()) == []


def test_the_code_fields_themselves_match(doc: TwoDDoc) -> None:
    assert cross_check(doc, contract_fields(doc)) == []


def test_string_forms_of_numbers_and_dates_are_understood(doc: TwoDDoc) -> None:
    printed = {
        "revenu_fiscal_reference": "63 198 €",
        "nombre_parts": "2,75",
        "date_mise_en_recouvrement": "31/07/2022",
        "annee_revenus": "2021",
        "impot_revenu_net": "3\u202f542",
    }
    assert cross_check(doc, printed) == []


def test_edited_rfr_is_caught(doc: TwoDDoc) -> None:
    printed = printed_like_the_avis() | {"revenu_fiscal_reference": 23198}
    assert cross_check(doc, printed) == ["revenu_fiscal_reference"]


def test_edited_name_is_caught(doc: TwoDDoc) -> None:
    printed = printed_like_the_avis()
    printed["declarants"][1] = {
        **printed["declarants"][1],
        "identite": "RETI SOPHIA",
        "prenoms": "SOPHIA",
    }
    assert cross_check(doc, printed) == ["declarants"]


def test_edited_numero_fiscal_is_caught(doc: TwoDDoc) -> None:
    printed = printed_like_the_avis()
    printed["declarants"][0] = {**printed["declarants"][0], "numero_fiscal": "3001123456780"}
    assert cross_check(doc, printed) == ["declarants"]


def test_removed_declarant_is_caught(doc: TwoDDoc) -> None:
    printed = printed_like_the_avis()
    printed["declarants"] = printed["declarants"][:1]
    assert cross_check(doc, printed) == ["declarants"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("reference_avis", "2278012345679"),
        ("annee_revenus", 2022),
        ("nombre_parts", 2.5),
        ("date_mise_en_recouvrement", "2022-07-30"),
        ("impot_revenu_net", 3543),
    ],
)
def test_each_edited_field_is_named(doc: TwoDDoc, name: str, value: Any) -> None:
    assert cross_check(doc, printed_like_the_avis() | {name: value}) == [name]


def test_several_edits_are_reported_in_a_stable_order(doc: TwoDDoc) -> None:
    printed = printed_like_the_avis() | {"revenu_fiscal_reference": 1, "annee_revenus": 1999}
    assert cross_check(doc, printed) == ["annee_revenus", "revenu_fiscal_reference"]


def test_absent_printed_fields_are_not_mismatches(doc: TwoDDoc) -> None:
    assert cross_check(doc, {}) == []
    assert cross_check(doc, {"revenu_fiscal_reference": None, "declarants": None}) == []
    partial = {"declarants": [{"nom": "RETI"}, {"identite": "RETI SOPHIE"}]}
    assert cross_check(doc, partial) == []


def test_fields_absent_from_the_code_are_not_compared(trust_fr00: None) -> None:
    doc = parse_and_verify(REFERENCE_CODES["18"], today=date(2026, 6, 1))  # no 4A, no 4V
    printed = {"date_mise_en_recouvrement": "2023-01-01", "impot_revenu_net": 1}
    assert cross_check(doc, printed) == []


def test_annee_avis_is_not_in_the_code(doc: TwoDDoc) -> None:
    assert "annee_avis" not in contract_fields(doc)


def test_no_submodule_shadows_a_lazy_name_of_the_package() -> None:
    """Regression: the module ``twoddoc/contract_fields.py`` shared its name with the function
    ``twoddoc.contract_fields``; once that module was imported, the package attribute became the
    module and every 2D-Doc reconciliation failed with "'module' object is not callable"."""
    import importlib
    import pkgutil

    import docproc.twoddoc as package

    homes = package._HOMES
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not submodules & set(homes), submodules & set(homes)
    for name in submodules:
        importlib.import_module(f"docproc.twoddoc.{name}")
    assert callable(package.contract_fields) and callable(package.cross_check)
