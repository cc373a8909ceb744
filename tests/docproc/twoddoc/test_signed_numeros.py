"""A valid code completes the numéros fiscaux the print did not give (regression)."""

from __future__ import annotations

from datetime import date

import pytest

from docproc import twoddoc
from docproc.document_assembly import apply_signed
from docproc.extractors.extraction import Extraction, Provenance
from docproc.twoddoc_step import Signed, _signed_numeros
from tests.docproc.twoddoc.twoddoc_samples import SPECIMEN_FIELDS, as_decoded


@pytest.fixture
def code(trust_fr00: None, fr00_key: bytes) -> twoddoc.TwoDDoc:
    payload = twoddoc.build_payload(
        SPECIMEN_FIELDS, issue_date=None, signature_date=date(2025, 9, 1), key_pem=fr00_key
    )
    doc = twoddoc.parse_and_verify(as_decoded(payload))
    assert doc.valid_signature is True
    return doc


def _signed(code: twoddoc.TwoDDoc, ex: Extraction) -> Extraction:
    """The numéros the code adds, applied as the pipeline applies the 2D-Doc's findings."""
    found = _signed_numeros(code, ex)
    return apply_signed(ex, Signed(corrections=[found] if found else []))


def _printed(*names: str) -> Extraction:
    ex = Extraction()
    ex.fields["declarants"] = [
        {"nom": n.split()[0], "prenoms": n.split()[1], "identite": n} for n in names
    ]
    ex.provenance["declarants"] = Provenance(source="ocr", page=1, confidence=0.9)
    return ex


def test_unread_numeros_come_from_the_signed_code(code: twoddoc.TwoDDoc) -> None:
    # Regression: a scan whose numéro fiscal OCR misread ("1.31") lost it although the
    # valid code on the same page carries it.
    ex = _printed("RETI PATRICK", "RETI SOPHIE")
    ex = _signed(code, ex)
    assert [d["numero_fiscal"] for d in ex.fields["declarants"]] == [
        "3001123456789",
        "0701987765432",
    ]
    assert ex.provenance["declarants"].numero_fiscal_from_2ddoc == [1, 2]


def test_another_name_gets_no_number(code: twoddoc.TwoDDoc) -> None:
    ex = _printed("DUPONT MARIE", "RETI SOPHIE")
    ex = _signed(code, ex)
    assert "numero_fiscal" not in ex.fields["declarants"][0]
    assert ex.fields["declarants"][1]["numero_fiscal"] == "0701987765432"


def test_a_missing_second_name_fills_nothing(code: twoddoc.TwoDDoc) -> None:
    ex = _printed("RETI PATRICK")
    ex = _signed(code, ex)
    assert "numero_fiscal" not in ex.fields["declarants"][0]
