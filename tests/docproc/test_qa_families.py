"""QA by family: per-family and per-kind tables, targets, exit statuses (contract §2 and §6)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from docproc import qa, qa_tally
from tests.conftest import SAMPLES

CLI = [sys.executable, "-m", "cli"]
#: Two text samples (one with a signed 2D-Doc) and one given the family "variation".
PICKED = ("avis_2025_couple_4p", "taxe_habitation_2025_secondaire", "attestation_rsa_caf_2025")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DOCPROC_TRUST_TEST_2DDOC": "1"},
    )


def _expected(folder: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (folder / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return data


def _write(folder: Path, name: str, data: dict[str, Any]) -> None:
    (folder / f"{name}.expected.json").write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    for name in PICKED:
        shutil.copy(SAMPLES / f"{name}.pdf", tmp_path)
        shutil.copy(SAMPLES / f"{name}.expected.json", tmp_path)
    data = _expected(tmp_path, "attestation_rsa_caf_2025")
    data["family"] = "variation"
    _write(tmp_path, "attestation_rsa_caf_2025", data)
    return tmp_path


def test_family_comes_from_family_then_variant() -> None:
    assert qa.family_of({"variant": "scan"}) == "scan"
    assert qa.family_of({"variant": "text", "family": "variation"}) == "variation"
    assert qa.family_of({}) == "text"


def test_targets_are_data_with_their_source() -> None:
    fams = qa.TARGETS["families"]
    assert fams["text"]["fields"] == 1.0 and fams["variation"]["fields"] == 1.0
    assert fams["scan"]["fields"] == 0.98
    assert fams["photo"]["fields"] == fams["screenshot"]["fields"] == 0.95
    assert all(t["completeness"] == 1.0 for t in fams.values())
    assert fams["scan"]["twoddoc"] == fams["photo"]["twoddoc"] == 0.98
    assert "issue" in qa.TARGETS["source"]


def test_per_family_and_per_kind_numbers(samples: Path) -> None:
    report = qa.run(samples)
    fams = report.families()
    text, variation = fams["text"], fams["variation"]
    assert (text["samples"], variation["samples"]) == (2, 1)
    assert text["fields"]["ok"] == text["fields"]["total"] > 0
    assert text["completeness"] == {
        "ok": 2,
        "total": 2,
        "rate": 1.0,
    }  # complete: one decision per document
    assert text["twoddoc"] == {
        "decoded": 1,
        "printed": 1,
        "rate": 1.0,
    }  # the avis; a TH carries none
    assert variation["fields"]["ok"] == variation["fields"]["total"] > 0
    assert variation["twoddoc"]["printed"] == 0
    assert text["status"] == variation["status"] == "pass"
    kinds = report.kinds()
    assert set(kinds) == {"avis_impot_revenu", "taxe_habitation", "attestation_rsa"}
    assert kinds["avis_impot_revenu"]["twoddoc"]["printed"] == 1
    assert report.exit_code() == qa.EXIT_OK
    js = report.to_json()
    assert js["passed"] is True and js["exit_code"] == 0
    assert js["families"]["text"]["targets"]["fields"] == 1.0


def test_a_family_without_samples_is_absent_not_passing(samples: Path) -> None:
    fams = qa.run(samples).families()
    for name in ("scan", "photo", "screenshot"):
        assert fams[name]["status"] == "absent"
        assert fams[name]["samples"] == 0 and fams[name]["fields"]["rate"] is None
    summary = qa.text_summary(qa.run(samples))
    assert "absente" in summary and "Par famille" in summary and "Par type de document" in summary


def test_a_wrong_optional_value_fails_the_family_and_exits_3(samples: Path) -> None:
    data = _expected(samples, "avis_2025_couple_4p")
    data["documents"][0]["fields"]["adresse"] = (
        "1 RUE FAUSSE 00000 NULLE PART"  # not a required field
    )
    _write(samples, "avis_2025_couple_4p", data)
    report = qa.run(samples)
    text = report.families()["text"]
    assert text["status"] == "fail" and text["fields"]["ok"] == text["fields"]["total"] - 1
    assert text["failures"] and "sous la cible" in text["failures"][0]
    assert report.families()["variation"]["status"] == "pass"
    assert report.required_mismatches() == []
    assert report.exit_code() == qa.EXIT_BELOW_TARGET
    proc = run_cli("qa", str(samples))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "ÉCHEC" in proc.stdout and "adresse" in proc.stdout


def test_a_wrong_required_value_exits_1_which_wins_over_3(samples: Path) -> None:
    data = _expected(samples, "attestation_rsa_caf_2025")
    data["documents"][0]["fields"]["numero_allocataire"] = "0000000"
    _write(samples, "attestation_rsa_caf_2025", data)
    report = qa.run(samples)
    assert report.families()["variation"]["status"] == "fail"  # below target too
    assert [m["field"] for m in report.required_mismatches()] == ["numero_allocataire"]
    assert report.exit_code() == qa.EXIT_REQUIRED_WRONG


def test_a_required_value_left_missing_is_not_wrong_but_counts_against_the_target() -> None:
    # A value not read for sure is missing with its reason: honest, never a "wrong" value;
    # with the "à vérifier" status and the check it brings, it lowers the family's rate.
    report = qa.QAReport()
    report.per_family["scan"].samples += 1
    report.score(
        "s", "scan", 0, "revenu_fiscal_reference", 25123, None, "scan", "avis_impot_revenu"
    )
    report.score(
        "s", "scan", 0, "document.status", "accepted", "needs_review", "scan", "avis_impot_revenu"
    )
    report.score(
        "s",
        "scan",
        0,
        "document.failed_checks",
        [],
        ["champs.illisibles"],
        "scan",
        "avis_impot_revenu",
    )
    assert report.required_mismatches() == []
    assert report.families()["scan"]["status"] == "fail"
    assert report.exit_code() == qa.EXIT_BELOW_TARGET
    report.score("s", "scan", 0, "nombre_parts", 2.0, 20.0, "scan", "avis_impot_revenu")
    assert report.exit_code() == qa.EXIT_REQUIRED_WRONG


def test_an_unknown_family_fails(samples: Path) -> None:
    data = _expected(samples, "taxe_habitation_2025_secondaire")
    data["family"] = "fax"
    _write(samples, "taxe_habitation_2025_secondaire", data)
    fams = qa.run(samples).families()
    assert fams["fax"]["status"] == "fail" and "inconnue" in fams["fax"]["failures"][0]


def test_code_printed_rules() -> None:
    signed = {"signed_with_test_authority": True}
    avis = {
        "kind": "avis_impot_revenu",
        "missing_pages": [],
        "fields": {"reference_avis": "2575A12345678"},
    }
    assert qa_tally.code_printed(signed, avis)
    assert not qa_tally.code_printed({}, avis)  # unsigned sample: no code
    assert not qa_tally.code_printed(signed, {**avis, "missing_pages": [1]})
    assert not qa_tally.code_printed(
        signed, {**avis, "fields": {}}
    )  # page 1 absent: none of its fields
    assert not qa_tally.code_printed(signed, {**avis, "kind": "taxe_fonciere"})
    assert qa_tally.code_printed(
        {}, {"kind": "taxe_fonciere", "twoddoc": {"present": True}}
    )  # said explicitly


def test_twoddoc_below_target_fails_a_scan_family() -> None:
    report = qa.QAReport()
    report.per_family["scan"].samples = 1
    report.per_family["scan"].fields = [10, 10]
    report.per_family["scan"].completeness = [1, 1]
    for decoded in (True, False):
        report.count_twoddoc("scan", "avis_impot_revenu", decoded)
    scan = report.families()["scan"]
    assert scan["status"] == "fail" and "2D-Doc" in scan["failures"][0]
    assert report.exit_code() == qa.EXIT_BELOW_TARGET


def test_html_report_has_the_family_and_kind_tables(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.html"
    proc = run_cli("qa", str(samples), "--json", "--html", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "Par famille" in page and "Par type de document" in page and "absente" in page
    js = json.loads(proc.stdout)
    assert (
        js["families"]["variation"]["samples"] == 1
        and js["families"]["screenshot"]["status"] == "absent"
    )


def test_html_into_a_missing_folder_fails_fast(samples: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    proc = run_cli("qa", str(samples), "--html", str(tmp_path / "nulle" / "part" / "qa.html"))
    assert proc.returncode == 2
    assert "n'existe pas" in proc.stderr and proc.stdout == ""  # nothing ran
    assert time.monotonic() - started < 30


def test_help_documents_exit_codes() -> None:
    proc = run_cli("qa", "--help")
    assert proc.returncode == 0
    assert "codes de sortie" in proc.stdout and "prime sur 3" in proc.stdout


def test_thumbnail_of_a_photo_frames_the_value_on_the_photo() -> None:
    """A report rebuilt from its JSON shows the file itself: a photo's mismatch is framed at
    ``file_bbox`` (on the photo), not at ``bbox`` (on the flattened page OCR read)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from docproc import qa_images
    from tests.paths import SAMPLES

    photo = sorted((SAMPLES / "photo_avis_2025_couple_4p").glob("*.jpg"))[0]
    file_box, page_box = [0.5, 0.3, 0.7, 0.35], [0.8, 0.6, 0.9, 0.62]
    ref = {"path": str(photo), "page": 1, "bbox": page_box, "file_bbox": file_box}
    uri = qa_images.page_images([{"page_image": ref}])[0]
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")
    px = np.asarray(image).astype(int)
    red = (px[:, :, 0] > 180) & (px[:, :, 1] < 60) & (px[:, :, 2] < 60)
    ys, xs = np.nonzero(red)
    h, w = red.shape
    framed = [xs.min() / w, ys.min() / h, xs.max() / w, ys.max() / h]
    assert max(abs(a - b) for a, b in zip(framed, file_box, strict=True)) < 0.02, framed


def test_thumbnail_of_a_photo_turned_by_its_exif_is_upright(tmp_path: Path) -> None:
    """Regression: the QA thumbnail showed a phone photo as its sensor stored it (sideways),
    while the reader, its boxes and the agents' pages use it turned by its EXIF tag."""
    import base64
    import io

    from PIL import Image

    from docproc import qa_images

    upright = Image.new("RGB", (600, 850), "white")  # portrait, like a page
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to display"
    path = tmp_path / "photo.jpg"
    upright.rotate(90, expand=True).save(path, "JPEG", exif=exif)
    uri = qa_images.page_thumbnail(path, 1)
    assert uri is not None
    shown = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert shown.width < shown.height
