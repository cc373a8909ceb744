"""Golden tests on the two real, anonymised DGFiP pages (tests/fixtures/real, see its LICENCE.md).

They are the only documents of the suite that the project did not draw itself: what docproc
makes of them is what it makes of the world. Every identifier on them is zeroed by their
publisher, so no numéro fiscal or référence may come out as read.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pytest

from docproc.models import Upload
from docproc.pipeline import extract
from tests import paths

REAL = paths.REAL

pytestmark = pytest.mark.ocr


@cache
def _read(name: str) -> dict[str, Any]:
    result = extract([Upload(name, (REAL / name).read_bytes())], date(2026, 3, 1)).to_contract()
    assert len(result["documents"]) == 1
    return result


def _doc(name: str) -> dict[str, Any]:
    return dict(_read(name)["documents"][0])


def _failed(doc: dict[str, Any]) -> dict[str, str]:
    return {c["code"]: c["message"] for c in doc["checks"] if not c["ok"]}


def test_licence_notice_travels_with_the_copies() -> None:
    notice = (REAL / "LICENCE.md").read_text(encoding="utf-8")
    assert "MIT" in notice and "beta.gouv.fr" in notice


def test_real_avis_is_page_1_of_an_avis_with_its_values() -> None:
    doc = _doc("dffront_avis_ok.png")
    assert doc["kind"] == "avis_impot_revenu"
    assert [p["number"] for p in doc["pages"]] == [1]
    fields = doc["fields"]
    assert fields["revenu_fiscal_reference"] == 0
    assert fields["nombre_parts"] == 2.0
    assert fields["annee_revenus"] == 2024
    assert fields["annee_avis"] == 2025
    assert fields["date_mise_en_recouvrement"] == "2025-07-31"
    # page 1 alone: the other pages are asked for
    assert doc["complete"] is False
    assert "pages.completes" in _failed(doc)


def test_real_avis_zeroed_identifiers_are_never_read() -> None:
    doc = _doc("dffront_avis_ok.png")
    assert "reference_avis" not in doc["fields"]
    for person in doc["fields"].get("declarants", []):
        assert "numero_fiscal" not in person
    assert "masquée" in doc["missing_fields"]["reference_avis"]


def test_real_avis_classification_says_why() -> None:
    pages = _doc("dffront_avis_ok.png")["classification"]["pages"]
    assert pages[0]["role"] == "first"
    assert len(pages[0]["signals"]) >= 5  # many signals, none required alone


def test_real_asdir_is_refused_as_an_asdir_not_as_unknown() -> None:
    doc = _doc("dffront_avis_ko.png")
    assert doc["kind"] == "asdir"
    assert doc["status"] == "rejected"
    assert doc["fields"]["valant_avis_impot"] is False
    assert doc["fields"]["annee_revenus"] == 2024
    assert doc["fields"]["annee_avis"] == 2025
    assert doc["fields"]["revenu_fiscal_reference"] == 0
    message = _failed(doc)["document.type"]
    assert "avis de situation déclarative" in message and "non reconnu" not in message


def test_real_pages_are_not_called_blurry() -> None:
    for name in ("dffront_avis_ok.png", "dffront_avis_ko.png"):
        codes = [c["code"] for c in _read(name)["files"][0]["checks"] if not c["ok"]]
        assert "image.floue" not in codes, name
