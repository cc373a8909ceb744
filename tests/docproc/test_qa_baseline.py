"""QA workbench (issue 14, point 1): regression view against a baseline, character diffs, run
details, timing per family, confidence histogram, the Jinja2 HTML report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from docproc import qa, qa_images, qa_report
from tests.conftest import SAMPLES

CLI = [sys.executable, "-m", "cli"]
PICKED = ("avis_2025_couple_4p", "taxe_habitation_2025_secondaire")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DOCPROC_TRUST_TEST_2DDOC": "1"},
    )


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    folder.mkdir()
    for name in PICKED:
        shutil.copy(SAMPLES / f"{name}.pdf", folder)
        shutil.copy(SAMPLES / f"{name}.expected.json", folder)
    return folder


def _break_address(folder: Path) -> None:
    """An expectation one character away from what is printed: the run now has a wrong value."""
    path = folder / "taxe_habitation_2025_secondaire.expected.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["documents"][0]["fields"]["adresse"] = data["documents"][0]["fields"]["adresse"].replace(
        "PINS", "PINES"
    )
    data["documents"][0]["fields"]["montant_total"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_char_diff_marks_only_the_differing_characters() -> None:
    assert qa_report.char_diff("25123", "25128") == [("=", "2512"), ("-", "3"), ("+", "8")]
    assert (
        qa_report.diff_text("5 CHEMIN DES PINES", "5 CHEMIN DES PINS") == "5 CHEMIN DES PIN[-E-]S"
    )
    assert qa_report.diff_text(1025, 1026) == "102[-5-]{+6+}"
    # lists are compared item by item, not as two JSON blobs
    assert qa_report.char_diff(["a", "b", "c"], ["a", "c", "d"]) == [
        ("=", "a"),
        ("-", "b"),
        ("=", "c"),
        ("+", "d"),
    ]
    assert qa_report.char_diff(None, "x") == [("+", "x")]


def test_compare_finds_regressions_and_improvements() -> None:
    before = {
        "counts": {"a": {"ok": 2, "total": 2}, "b": {"ok": 1, "total": 2}},
        "families": {"text": {"fields": {"rate": 0.75}}},
        "mismatches": [{"sample": "s1", "document": 0, "field": "b", "expected": 1, "got": 2}],
        "sample_names": ["s1"],
        "run": {"date": "2026-01-01", "git_commit": "abc"},
    }
    after = {
        "counts": {"a": {"ok": 1, "total": 2}, "b": {"ok": 2, "total": 2}},
        "families": {"text": {"fields": {"rate": 0.75}}},
        "mismatches": [
            {"sample": "s1", "document": 0, "field": "a", "expected": "x", "got": "y"},
            {"sample": "s2", "document": 0, "field": "a", "expected": "x", "got": "y"},
        ],
        "sample_names": ["s1", "s2"],
    }
    cmp = qa_report.compare(after, before)
    changes = {f["field"]: f["change"] for f in cmp["fields"]}
    assert changes == {"a": "worse", "b": "better"}
    # s2 is new since the baseline: its mismatch is not a regression
    assert [(m["sample"], m["field"]) for m in cmp["new_mismatches"]] == [("s1", "a")]
    assert [(m["sample"], m["field"]) for m in cmp["fixed_mismatches"]] == [("s1", "b")]
    assert cmp["regressed"] and cmp["regressions"] == 2 and cmp["improvements"] == 2
    same = qa_report.compare(before, before)
    assert not same["regressed"] and same["regressions"] == 0


def test_baseline_that_is_not_a_report_is_a_usage_error(samples: Path, tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    proc = run_cli("qa", str(samples), "--baseline", str(bad))
    assert proc.returncode == 2 and "docproc qa --json" in proc.stderr and proc.stdout == ""
    proc = run_cli("qa", str(samples), "--baseline", str(tmp_path / "absent.json"))
    assert proc.returncode == 2 and "Impossible de lire" in proc.stderr


def test_baseline_regression_view_and_exit_3(samples: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    first = run_cli("qa", str(samples), "--json", "-q")
    assert first.returncode == 0, first.stdout + first.stderr
    baseline.write_text(first.stdout, encoding="utf-8")
    js = json.loads(first.stdout)
    run = js["run"]
    assert (
        run["version"]
        and run["date"][:4].isdigit()
        and "settings" in run
        and "max_bytes" in run["settings"]
    )
    assert run["environment"]["DOCPROC_TRUST_TEST_2DDOC"] == "1"
    assert set(js["timing"]) == {"text"} and js["timing"]["text"]["samples"] == 2
    assert sum(b["right"] + b["wrong"] for b in js["confidence_histogram"]) > 0
    assert js["sample_names"] == sorted(PICKED)

    # unchanged: no regression, exit 0
    again = run_cli("qa", str(samples), "--baseline", str(baseline), "-q")
    assert again.returncode == 0, again.stdout
    assert "0 régression(s)" in again.stdout

    # an optional value now wrong (montant_total is not required on a taxe d'habitation? then 1 wins):
    _break_address(samples)
    html = tmp_path / "r.html"
    worse = run_cli(
        "qa", str(samples), "--baseline", str(baseline), "--html", str(html), "--json", "-q"
    )
    out = json.loads(worse.stdout)
    assert worse.returncode in (1, 3) and out["exit_code"] == worse.returncode
    assert out["comparison"]["regressed"] is True
    fields = {f["field"]: f["change"] for f in out["comparison"]["fields"]}
    assert fields["adresse"] == "worse" and fields["montant_total"] == "worse"
    assert {m["field"] for m in out["comparison"]["new_mismatches"]} == {"adresse", "montant_total"}
    page = html.read_text(encoding="utf-8")
    assert "Depuis la référence" in page and "Nouveaux écarts" in page
    assert "<del>E</del>" in page  # PIN<del>E</del>S: the differing character only
    assert page.count("data:image/png;base64,") >= 1  # the page the wrong value was read on, inline
    assert all(m["page_image"]["page"] == 1 for m in out["mismatches"])
    text = run_cli("qa", str(samples), "--baseline", str(baseline), "-q")
    assert "PIN[-E-]S" in text.stdout and "▼ champ adresse" in text.stdout


def test_regression_alone_exits_3() -> None:
    report = qa.QAReport()
    report.score("s1", "text", 0, "f", 1, 1, "text", "k", required=False)
    current = report.to_json()
    baseline = json.loads(json.dumps(current))
    baseline["counts"]["f"] = {"ok": 1, "total": 1}
    current["counts"]["f"] = {"ok": 0, "total": 1}
    cmp = qa_report.compare(current, baseline)
    assert cmp["regressed"]
    assert "(code de sortie 3)" in qa.text_summary(report, cmp) and "régression" in qa.text_summary(
        report, cmp
    )


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        for key, value in attrs:
            if key in ("src", "href") and value and not value.startswith(("#", "data:")):
                self.external.append(value)


def test_html_is_self_contained_autoescaped_and_numbers_documents_from_1() -> None:
    report = qa.QAReport()
    report.samples = 1
    report.sample_names.append("s<1>")
    report.per_family["text"].samples = 1
    report.score(
        "s<1>", "text", 0, "adresse", "<b>RUE</b>", "<b>RUF</b>", "text", "k", required=False
    )
    report.mismatches[-1]["where"] = {"source": "ocr", "page": 1, "confidence": 0.62}
    report.confidences.extend([(0.62, False), (0.97, True)])
    page = qa.html_report(report, qa_report.run_details(Path("x")))
    assert "<b>RUE</b>" not in page and "&lt;b&gt;RU" in page  # autoescaped
    assert "s&lt;1&gt;</td><td>1</td>" in page  # document 1, not 0
    assert "confiance 0.62" in page and "<svg" in page
    checker = _Checker()
    checker.feed(page)
    assert checker.external == [] and checker.scripts == 0  # no CDN, nothing fetched
    assert "commit git" in page and "Exécution" in page


def test_timing_is_per_family() -> None:
    report = qa.QAReport()
    report.per_family["scan"].samples = 2
    report.per_family["scan"].seconds = 3.0
    assert report.timing() == {"scan": {"samples": 2, "seconds": 3.0, "per_sample": 1.5}}


def test_page_thumbnail_draws_the_field_box() -> None:
    import base64
    import io

    from PIL import Image

    uri = qa_images.page_thumbnail(SAMPLES / "avis_2025_couple_4p.pdf", 1, [0.25, 0.25, 0.5, 0.5])
    assert uri is not None and uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")
    w, h = image.size
    assert image.getpixel((int(0.25 * w) - 2, int(0.375 * h))) == (220, 0, 0)
    assert qa_images.page_thumbnail(SAMPLES / "absent.pdf", 1) is None


def test_cli_exits_3_on_a_regression_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scan family at 99 % passes its 98 % target, but was at 100 % in the baseline: exit 3."""
    from cli.main import main

    def report(wrong: int) -> qa.QAReport:
        r = qa.QAReport()
        r.samples = 1
        r.sample_names.append("scan_1")
        r.per_family["scan"].samples = 1
        for i in range(100):
            r.score(
                "scan_1",
                "scan",
                0,
                f"f{i % 5}",
                i,
                i + 1 if i < wrong else i,
                "scan",
                "k",
                required=False,
            )
        return r

    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps(report(0).to_json()), encoding="utf-8")
    monkeypatch.setattr(qa, "run", lambda *_a, **_k: report(1))
    assert report(1).exit_code() == qa.EXIT_OK  # on its own, the run meets its targets
    code = main(["qa", str(tmp_path), "--baseline", str(baseline), "-q"])
    out = capsys.readouterr().out
    assert code == 3 and "3 régression(s)" in out  # field f0, family scan, one new mismatch
    assert "▼ champ f0" in out and "nouvel écart : scan_1 doc 1 f0" in out
    assert main(["qa", str(tmp_path), "-q"]) == 0  # without the baseline: targets met
