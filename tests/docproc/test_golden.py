"""Golden files: every text-PDF sample extracts exactly as its NAME.expected.json says."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from docproc import qa
from docproc.samples.generate import main as generate
from tests.conftest import SAMPLES

TEXT_SAMPLES = qa.expected_files(SAMPLES, {"text"})


def test_there_are_text_samples() -> None:
    assert len(TEXT_SAMPLES) >= 15


@pytest.mark.parametrize(
    "expected", TEXT_SAMPLES, ids=lambda p: p.name.removesuffix(".expected.json")
)
def test_text_sample(expected: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    report = qa.QAReport()
    result = qa.run_one(expected, report)
    assert report.mismatches == []
    # Privacy: nothing read from the document reaches the logs or the check messages.
    want = json.loads(expected.read_text(encoding="utf-8"))
    secrets = {
        str(d["fields"][k])
        for d in want["documents"]
        for k in ("revenu_fiscal_reference", "reference_avis")
        if k in d["fields"]
    }
    secrets |= {p["nom"] for d in want["documents"] for p in d["fields"].get("declarants", [])}
    messages = (
        " ".join(c["message"] for d in result["documents"] for c in d["checks"]) + caplog.text
    )
    assert not any(s in messages for s in secrets)


def test_generator_reproduces_golden_files(tmp_path: Path) -> None:
    generate([str(tmp_path), "--text-only"])
    for path in sorted(tmp_path.glob("*.expected.json")):
        committed = SAMPLES / path.name
        assert committed.exists(), f"{path.name} n'est pas dans samples/"
        assert json.loads(path.read_text()) == json.loads(committed.read_text()), path.name
    # Deterministic: the same PDFs byte for byte (reportlab invariant mode, RFC 6979 signatures).
    for pdf in sorted(tmp_path.rglob("*.pdf")):
        assert pdf.read_bytes() == (SAMPLES / pdf.relative_to(tmp_path)).read_bytes(), pdf.name
