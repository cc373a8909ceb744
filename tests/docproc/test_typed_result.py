"""``extract`` hands over typed values; their ``to_contract()`` is the contract's JSON."""

from __future__ import annotations

import json
from datetime import date

from docproc.document_assembly import apply_signed
from docproc.extractors.extraction import Extraction, Provenance, provenance_entry
from docproc.models import Check, Upload
from docproc.pipeline import extract
from docproc.results import DocumentResult, ExtractionResult
from docproc.twoddoc_step import Correction, Signed
from tests.conftest import SAMPLES


def test_extract_returns_typed_documents_and_the_contract_json() -> None:
    name = "avis_2025_couple_4p"
    want = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    result = extract(
        [Upload(f"{name}.pdf", (SAMPLES / f"{name}.pdf").read_bytes())],
        date.fromisoformat(want["request_date"]),
    )
    assert isinstance(result, ExtractionResult)
    [doc] = result.documents
    assert isinstance(doc, DocumentResult)
    assert all(isinstance(p, Provenance) for p in doc.provenance.values())
    assert all(isinstance(c, Check) for c in doc.checks)
    contract = result.to_contract()
    assert json.loads(json.dumps(contract)) == contract  # plain JSON values only
    assert [d["fields"] for d in contract["documents"]] == [d["fields"] for d in want["documents"]]


def test_provenance_keys_in_contract_order() -> None:
    prov = provenance_entry("ocr", 2, 0.91234, (0.1, 0.2, 0.3, 0.4))
    assert list(prov.to_contract()) == ["source", "page", "confidence", "bbox"]
    assert prov.to_contract()["confidence"] == 0.912
    fixed = Provenance(
        "2ddoc", 1, 1.0, ocr_corrected=True, printed_page=2, printed_bbox=[0, 0, 1, 1]
    )
    assert list(fixed.to_contract()) == [
        "source",
        "page",
        "confidence",
        "ocr_corrected",
        "printed_page",
        "printed_bbox",
    ]
    converted = Provenance("text", 1, 1.0, rate=1.2, rate_date=None, rate_source="BCE")
    assert converted.to_contract()["rate_date"] is None  # a conversion always states its date
    printed_first = Provenance(numero_fiscal_bbox=[[0, 0, 1, 1]], numero_fiscal_from_2ddoc=[2])
    code_first = Provenance(
        numero_fiscal_bbox=[[0, 0, 1, 1]], numero_fiscal_from_2ddoc=[1], from_2ddoc_first=True
    )
    assert list(printed_first.to_contract()) == ["numero_fiscal_bbox", "numero_fiscal_from_2ddoc"]
    assert list(code_first.to_contract()) == ["numero_fiscal_from_2ddoc", "numero_fiscal_bbox"]


def test_the_2ddoc_findings_are_applied_to_a_copy() -> None:
    ex = Extraction(
        {"a": 1}, {"a": Provenance("ocr", 1, 0.5)}, {"b": "introuvable dans le document"}
    )
    fix = Correction("b", 2, Provenance("2ddoc", 1, 1.0))
    out = apply_signed(ex, Signed(None, [], [fix]))
    assert (
        out.fields == {"a": 1, "b": 2}
        and out.missing == {}
        and out.provenance["b"] is fix.provenance
    )
    assert ex.fields == {"a": 1} and "b" in ex.missing and "b" not in ex.provenance
    assert apply_signed(ex, None) is ex
