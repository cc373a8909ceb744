"""Degraded samples (scans, phone photos, screen captures) through the whole pipeline: the
targets of ``docproc qa`` per family, and never a wrong value in an accepted document."""

from __future__ import annotations

from typing import Any

import pytest

from docproc import qa
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.ocr, pytest.mark.slow]
#: The families read through OCR (text and variation are the text golden tests).
FAMILIES = ("scan", "photo", "screenshot")
TARGETS = {name: qa.TARGETS["families"][name] for name in FAMILIES}


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    report = qa.QAReport()
    results = {
        p.name: qa.run_one(p, report) for p in qa.expected_files(SAMPLES, families=set(FAMILIES))
    }
    return {"report": report, "results": results, "json": report.to_json()}


def test_there_are_samples_of_every_degraded_family(runs: dict[str, Any]) -> None:
    present = {name for name, fam in runs["json"]["families"].items() if fam["samples"]}
    assert present == set(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_meets_its_targets(runs: dict[str, Any], family: str) -> None:
    fam = runs["json"]["families"][family]
    assert fam["status"] == "pass", (
        fam["failures"],
        [m for m in runs["report"].mismatches if m.get("family") == family],
    )


def test_page_completeness_decisions_are_all_right(runs: dict[str, Any]) -> None:
    for key in ("document.complete", "document.missing_pages", "document.kind"):
        ok, total = runs["report"].per_field[key]
        assert ok == total, key


def test_no_wrong_value_in_an_accepted_document(runs: dict[str, Any]) -> None:
    """A value not read for sure is missing; a value given in an accepted document is right."""
    wrong = []
    for m in runs["report"].mismatches:
        doc = runs["results"][f"{m['sample']}.expected.json"]["documents"]
        got_doc = doc[m["document"]] if m["document"] < len(doc) else {}
        if (
            got_doc.get("status") == "accepted"
            and m["got"] is not None
            and not m["field"].startswith("document.")
        ):
            wrong.append(m)
    assert wrong == []


def test_two_d_doc_read_on_degraded_pages(runs: dict[str, Any]) -> None:
    for family in ("scan", "photo"):
        fam = runs["json"]["families"][family]
        assert fam["twoddoc"]["rate"] >= TARGETS[family]["twoddoc"], family
    for r in runs["results"].values():  # untampered: no false mismatch
        for doc in r["documents"]:
            assert doc.get("twoddoc", {}).get("mismatches", []) == []


def test_no_degraded_sample_is_taken_for_a_specimen(runs: dict[str, Any]) -> None:
    """No sample carries a watermark: the big-text reader (run on every OCR page) must not
    find one in a banner, a title or the paper's texture."""
    checks = [
        (name, n, check["ok"])
        for name, r in runs["results"].items()
        for n, doc in enumerate(r["documents"])
        for check in doc.get("checks", [])
        if check["code"] == "document.specimen"
    ]
    assert [c for c in checks if not c[2]] == []
    assert len(checks) >= 20  # asked of (nearly) every document
