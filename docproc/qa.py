"""QA: run extraction on every sample that has NAME.expected.json and score it field by field."""

from __future__ import annotations

import html
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from docproc.models import Upload
from docproc.pipeline import extract

TEST_SWITCH = "DOCPROC_TRUST_TEST_2DDOC"
#: Document-level outcomes scored like fields (a wrong one fails QA like a wrong RFR).
OUTCOMES = ("kind", "status", "complete", "missing_pages", "failed_checks")


@dataclass
class QAReport:
    samples: int = 0
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    per_variant: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def score(self, sample: str, variant: str, doc: int, name: str, want: Any, got: Any) -> None:
        ok = _same(want, got)
        self.per_field[name][0] += ok
        self.per_field[name][1] += 1
        self.per_variant[variant][0] += ok
        self.per_variant[variant][1] += 1
        if not ok:
            self.mismatches.append({"sample": sample, "document": doc, "field": name,
                                    "expected": want, "got": got})

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "accuracy": {k: round(v[0] / v[1], 4) for k, v in sorted(self.per_field.items())},
            "accuracy_by_variant": {k: round(v[0] / v[1], 4) for k, v in sorted(self.per_variant.items())},
            "counts": {k: {"ok": v[0], "total": v[1]} for k, v in sorted(self.per_field.items())},
            "confusion": [{"expected": e, "got": g, "count": n} for (e, g), n in sorted(self.confusion.items())],
            "mismatches": self.mismatches,
        }


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, int | float) and isinstance(want, int | float) and abs(want - got) < 1e-6
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(_same(a, b) for a, b in zip(want, got, strict=True))
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(_same(want[k], got[k]) for k in want)
    return bool(want == got)


def sample_inputs(expected_path: Path, expected: dict[str, Any]) -> list[Path]:
    stem = expected_path.name.removesuffix(".expected.json")
    folder = expected_path.parent / stem
    if folder.is_dir():
        return [folder / name for name in expected["files"]]
    return [p for p in sorted(expected_path.parent.glob(f"{stem}.*")) if not p.name.endswith(".json")]


@contextmanager
def _test_authority(on: bool) -> Iterator[None]:
    """Synthetic samples are signed with the public test key FR00: trust it for them only."""
    if not on:
        yield
        return
    before = os.environ.get(TEST_SWITCH)
    os.environ[TEST_SWITCH] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TEST_SWITCH, None)
        else:
            os.environ[TEST_SWITCH] = before


def expected_files(directory: Path, variants: set[str] | None = None) -> list[Path]:
    out = []
    for path in sorted(directory.glob("*.expected.json")):
        variant = json.loads(path.read_text(encoding="utf-8")).get("variant", "text")
        if variants is None or variant in variants:
            out.append(path)
    return out


def run_one(exp_path: Path, report: QAReport) -> dict[str, Any]:
    """Extract one sample and score it into ``report``; returns the extraction result."""
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    name, variant = exp_path.name.removesuffix(".expected.json"), expected.get("variant", "text")
    uploads = [Upload(p.name, p.read_bytes()) for p in sample_inputs(exp_path, expected)]
    with _test_authority(bool(expected.get("signed_with_test_authority"))):
        result = extract(uploads, date.fromisoformat(expected["request_date"]))
    report.samples += 1
    got_docs = result["documents"]
    for i, want in enumerate(expected["documents"]):
        got = got_docs[i] if i < len(got_docs) else {}
        report.confusion[(want["kind"], got.get("kind", "absent"))] += 1
        for key in OUTCOMES:
            if key not in want:
                continue
            if key == "failed_checks":
                value: Any = sorted(c["code"] for c in got.get("checks", []) if not c["ok"] and c["level"] != "info")
                report.score(name, variant, i, "document.failed_checks", sorted(want[key]), value)
            else:
                report.score(name, variant, i, f"document.{key}", want[key], got.get(key))
        if "twoddoc_mismatches" in want:
            report.score(name, variant, i, "twoddoc.mismatches", want["twoddoc_mismatches"],
                         sorted(got.get("twoddoc", {}).get("mismatches", [])))
        got_fields = got.get("fields", {})
        for fname, fvalue in want.get("fields", {}).items():
            report.score(name, variant, i, fname, fvalue, got_fields.get(fname))
        for extra in sorted(set(got_fields) - set(want.get("fields", {}))):
            report.score(name, variant, i, extra, None, got_fields[extra])  # an invented value
    for j in range(len(expected["documents"]), len(got_docs)):
        report.confusion[("absent", got_docs[j]["kind"])] += 1
        report.score(name, variant, j, "document.kind", None, got_docs[j]["kind"])
    return result


def run(directory: Path, variants: set[str] | None = None) -> QAReport:
    report = QAReport()
    for exp_path in expected_files(directory, variants):
        run_one(exp_path, report)
    return report


def text_summary(r: QAReport) -> str:
    js = r.to_json()
    lines = [f"Échantillons : {r.samples}", "", "Exactitude par champ :"]
    for k, v in js["counts"].items():
        lines.append(f"  {k:32s} {v['ok']:4d}/{v['total']:<4d} {100 * v['ok'] / v['total']:6.1f} %")
    lines.append("")
    lines.append("Exactitude par variante : " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in js["accuracy_by_variant"].items()))
    lines.append("")
    lines.append("Confusion des types (attendu → obtenu) :")
    for c in js["confusion"]:
        lines.append(f"  {c['expected']:24s} → {c['got']:24s} {c['count']}")
    lines.append("")
    lines.append(f"Écarts : {len(r.mismatches)}")
    for m in r.mismatches:
        lines.append(f"  {m['sample']} doc {m['document']} {m['field']}: attendu {json.dumps(m['expected'], ensure_ascii=False)} "
                     f"obtenu {json.dumps(m['got'], ensure_ascii=False)}")
    return "\n".join(lines)


def html_report(r: QAReport) -> str:
    js = r.to_json()
    rows = []
    for k, v in js["counts"].items():
        pct = 100 * v["ok"] / v["total"]
        colour = "#2e7d32" if pct == 100 else ("#f9a825" if pct >= 95 else "#c62828")
        rows.append(f"<tr><td>{html.escape(k)}</td><td>{v['ok']}/{v['total']}</td><td><div class=bar>"
                    f"<div style='width:{pct:.1f}%;background:{colour}'></div></div> {pct:.1f} %</td></tr>")
    mism = "".join(f"<tr><td>{html.escape(m['sample'])}</td><td>{m['document']}</td><td>{html.escape(m['field'])}</td>"
                   f"<td><code>{html.escape(json.dumps(m['expected'], ensure_ascii=False))}</code></td>"
                   f"<td><code>{html.escape(json.dumps(m['got'], ensure_ascii=False))}</code></td></tr>" for m in r.mismatches)
    conf = "".join(f"<tr><td>{html.escape(c['expected'])}</td><td>{html.escape(c['got'])}</td><td>{c['count']}</td></tr>"
                   for c in js["confusion"])
    return f"""<!doctype html><html lang=fr><meta charset=utf-8><title>docproc — rapport QA</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px}}.bar{{display:inline-block;width:200px;height:12px;background:#eee}}
.bar div{{height:12px}}</style>
<h1>Rapport QA docproc</h1><p>{r.samples} échantillons, {len(r.mismatches)} écart(s).</p>
<h2>Exactitude par champ</h2><table><tr><th>champ</th><th>justes</th><th>exactitude</th></tr>{''.join(rows)}</table>
<h2>Confusion des types</h2><table><tr><th>attendu</th><th>obtenu</th><th>nombre</th></tr>{conf}</table>
<h2>Écarts</h2><table><tr><th>échantillon</th><th>document</th><th>champ</th><th>attendu</th><th>obtenu</th></tr>{mism}</table>
</html>"""
