"""The command line as users call it: extract (JSON contract shape), qa with its HTML report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

CLI = [sys.executable, "-m", "cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DOCPROC_TRUST_TEST_2DDOC": "1"},
    )


def test_extract_json_follows_the_contract() -> None:
    files = sorted((SAMPLES / "avis_2025_pages_separees").glob("*.pdf"))
    proc = run("extract", *map(str, files), "--json", "--date", "2025-10-01")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["request_date"] == "2025-10-01"
    assert {f["name"] for f in out["files"]} == {p.name for p in files}
    for f in out["files"]:
        assert set(f) >= {"name", "sha256", "bytes", "media_type", "pages", "accepted", "checks"}
    [doc] = out["documents"]
    assert set(doc) >= {
        "kind",
        "status",
        "pages",
        "complete",
        "missing_pages",
        "fields",
        "provenance",
        "checks",
        "twoddoc",
    }
    assert [p["number"] for p in doc["pages"]] == [1, 2, 3, 4] and all(
        p["of"] == 4 for p in doc["pages"]
    )
    assert doc["twoddoc"]["valid_signature"] is True and doc["twoddoc"]["mismatches"] == []
    for c in doc["checks"]:
        assert set(c) == {"code", "level", "ok", "message", "data"} and c["level"] in {
            "critical",
            "warning",
            "info",
        }


def test_extract_text_summary_is_french() -> None:
    proc = run("extract", str(SAMPLES / "avis_2025_page1_seule.pdf"), "--date", "2025-10-01")
    assert proc.returncode == 0
    assert "Seule la première page" in proc.stdout


def test_bad_date_is_a_usage_error() -> None:
    proc = run("extract", str(SAMPLES / "avis_2025_couple_4p.pdf"), "--date", "01/10/2025")
    assert proc.returncode == 2 and "AAAA-MM-JJ" in proc.stderr


def test_qa_reports_and_writes_html(tmp_path: Path) -> None:
    for name in ("avis_2025_couple_4p", "facture_inconnue"):
        shutil.copy(SAMPLES / f"{name}.pdf", tmp_path)
        shutil.copy(SAMPLES / f"{name}.expected.json", tmp_path)
    html = tmp_path / "qa.html"
    proc = run("qa", str(tmp_path), "--json", "--html", str(html))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["samples"] == 2 and report["mismatches"] == []
    assert report["accuracy"]["revenu_fiscal_reference"] == 1.0
    assert "Exactitude par champ" in html.read_text(encoding="utf-8")


def test_qa_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "avis_2025_couple_4p.pdf", tmp_path)
    expected = json.loads((SAMPLES / "avis_2025_couple_4p.expected.json").read_text())
    expected["documents"][0]["fields"]["revenu_fiscal_reference"] += 1
    (tmp_path / "avis_2025_couple_4p.expected.json").write_text(json.dumps(expected))
    proc = run("qa", str(tmp_path))
    assert proc.returncode == 1 and "revenu_fiscal_reference" in proc.stdout
