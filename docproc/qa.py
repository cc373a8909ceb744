"""QA: run extraction on every sample that has NAME.expected.json and score it field by field."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from docproc.models import PageText, Upload
from docproc.pipeline import extract

TEST_SWITCH = "DOCPROC_TRUST_TEST_2DDOC"
#: Document-level outcomes scored like fields (a wrong one fails QA like a wrong RFR).
OUTCOMES = ("kind", "status", "complete", "missing_pages", "failed_checks")
#: The outcomes that make a document's completeness decision (complete or not, which pages
#: are missing): one decision per expected document, right when both are.
COMPLETENESS = ("document.complete", "document.missing_pages")


def twoddoc_kinds() -> frozenset[str]:
    """Kinds whose page 1 carries a signed 2D-Doc: their spec names its types (``classify.twoddoc_types``)."""
    from docproc.extractors.spec import all_specs

    return frozenset(s.kind for s in all_specs() if s.classify.twoddoc_types)


#: Targets per sample family, as data. Rates are fractions; None: reported, no target.
#: ``fields`` covers every scored value but the completeness decision (contract fields, kind,
#: status, failed checks, 2D-Doc concordance); ``twoddoc`` is decoded / printed.
TARGETS: dict[str, Any] = {
    "source": "issue « QA par famille » : texte 100 % des champs ; scan ≥ 98 % ; photo et capture "
    "d'écran ≥ 95 % ; variation 100 % (c'est du texte) ; décisions de complétude 100 % "
    "partout ; 2D-Doc décodé sur ≥ 98 % des scans et des photos qui en portent un",
    "families": {
        "text": {"fields": 1.0, "completeness": 1.0, "twoddoc": None},
        "scan": {"fields": 0.98, "completeness": 1.0, "twoddoc": 0.98},
        "photo": {"fields": 0.95, "completeness": 1.0, "twoddoc": 0.98},
        "screenshot": {"fields": 0.95, "completeness": 1.0, "twoddoc": None},
        "variation": {"fields": 1.0, "completeness": 1.0, "twoddoc": None},
    },
}
FAMILIES: tuple[str, ...] = tuple(TARGETS["families"])
METRICS = ("fields", "completeness", "twoddoc")

#: Exit statuses of ``docproc qa`` (contract §2 and §6).
EXIT_OK, EXIT_REQUIRED_WRONG, EXIT_BELOW_TARGET = 0, 1, 3


def family_of(expected: dict[str, Any]) -> str:
    """A sample's family: its ``family`` if given, else its ``variant`` (text, scan, photo…)."""
    return str(expected.get("family") or expected.get("variant", "text"))


def _required_fields() -> dict[str, set[str]]:
    from docproc.extractors.spec import all_specs

    return {s.kind: {f.name for f in s.fields if f.required} for s in all_specs()}


def _code_printed(expected: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether the expected document has a 2D-Doc printed on it.

    An explicit ``"twoddoc"`` in the expected document decides (``{"present": true}`` or a
    boolean). Otherwise: a kind that carries one, signed samples only, and page 1 present
    (its page-1 fields expected and page 1 not listed missing).
    """
    explicit = want.get("twoddoc")
    if isinstance(explicit, dict):
        return bool(explicit.get("present", True))
    if isinstance(explicit, bool):
        return explicit
    return (
        want.get("kind") in twoddoc_kinds()
        and bool(expected.get("signed_with_test_authority"))
        and 1 not in want.get("missing_pages", [])
        and "reference_avis" in want.get("fields", {})
    )


@dataclass
class Tally:
    """Counts of one family or one kind: [ok, total] per metric, samples and documents."""

    samples: int = 0
    documents: int = 0
    fields: list[int] = field(default_factory=lambda: [0, 0])
    completeness: list[int] = field(default_factory=lambda: [0, 0])
    twoddoc: list[int] = field(default_factory=lambda: [0, 0])  # decoded, printed
    #: Wall-clock seconds spent extracting this tally's samples (families only).
    seconds: float = 0.0

    def metric(self, name: str) -> list[int]:
        value: list[int] = getattr(self, name)
        return value


def _rate(pair: list[int]) -> float | None:
    return round(pair[0] / pair[1], 4) if pair[1] else None


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f} %"


@dataclass
class QAReport:
    samples: int = 0
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    per_variant: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    per_family: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: Names of the samples run, so a later ``--baseline`` comparison knows which ones are new.
    sample_names: list[str] = field(default_factory=list)
    #: (confidence, right) of every expected field the extraction gave with a confidence.
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    #: [ok, total] per (field, family): the accuracy map of the HTML report.
    per_field_family: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    #: Draw each mismatch's page (field box included) as it is found (for the HTML report).
    keep_images: bool = False
    #: Mismatch index → inline images (``page`` and, with a box, ``crop``): see
    #: :func:`docproc.qa_report.field_images`.
    images: dict[int, dict[str, str]] = field(default_factory=dict)

    def score(
        self,
        sample: str,
        variant: str,
        doc: int,
        name: str,
        want: Any,
        got: Any,
        family: str | None = None,
        kind: str | None = None,
        required: bool = True,
    ) -> None:
        """One scored value. ``family``/``kind`` (when given) also count it in their tables."""
        ok = _same(want, got)
        self.per_field[name][0] += ok
        self.per_field[name][1] += 1
        self.per_variant[variant][0] += ok
        self.per_variant[variant][1] += 1
        self.per_field_family[(name, family or variant)][0] += ok
        self.per_field_family[(name, family or variant)][1] += 1
        if name not in COMPLETENESS:  # the completeness decision is counted once per document
            for table, key in ((self.per_family, family), (self.per_kind, kind)):
                if key is not None:
                    table[key].fields[0] += ok
                    table[key].fields[1] += 1
        if not ok:
            self.mismatches.append(
                {
                    "sample": sample,
                    "document": doc,
                    "field": name,
                    "expected": want,
                    "got": got,
                    "family": family or variant,
                    "required": required,
                }
            )

    def count_completeness(self, family: str, kind: str, right: bool) -> None:
        """One completeness decision (complete or not, and which pages are missing)."""
        for tally in (self.per_family[family], self.per_kind[kind]):
            tally.completeness[0] += right
            tally.completeness[1] += 1

    def count_twoddoc(self, family: str, kind: str, decoded: bool) -> None:
        for tally in (self.per_family[family], self.per_kind[kind]):
            tally.twoddoc[0] += decoded
            tally.twoddoc[1] += 1

    def families(self) -> dict[str, dict[str, Any]]:
        """Every known family (absent ones too) and any other met in the samples, with targets."""
        out: dict[str, dict[str, Any]] = {}
        for name in [*FAMILIES, *sorted(set(self.per_family) - set(FAMILIES))]:
            tally = self.per_family.get(name, Tally())
            targets = TARGETS["families"].get(name)
            entry: dict[str, Any] = {
                "samples": tally.samples,
                "documents": tally.documents,
                **_metrics_json(tally),
                "targets": targets,
            }
            failures: list[str] = []
            if not tally.samples:
                entry["status"] = "absent"
            elif targets is None:
                entry["status"] = "fail"
                failures.append(f"famille « {name} » inconnue : aucune cible définie")
            else:
                for metric in METRICS:
                    target, pair = targets.get(metric), tally.metric(metric)
                    if target is None or not pair[1]:
                        continue
                    if pair[0] / pair[1] < target:
                        failures.append(
                            f"{_METRIC_FR[metric]} {pair[0]}/{pair[1]} ({_pct(pair[0] / pair[1])}) "
                            f"sous la cible de {_pct(target)}"
                        )
                entry["status"] = "fail" if failures else "pass"
            entry["failures"] = failures
            out[name] = entry
        return out

    def kinds(self) -> dict[str, dict[str, Any]]:
        return {
            k: {"documents": t.documents, **_metrics_json(t)}
            for k, t in sorted(self.per_kind.items())
        }

    def required_mismatches(self) -> list[dict[str, Any]]:
        """Required values that are wrong. A value left missing (with its reason), and the
        "à vérifier" status it brings, are honest: they count against the family's target,
        they are not wrong values."""
        return [m for m in self.mismatches if m.get("required", True) and not _honestly_missing(m)]

    def exit_code(self) -> int:
        """1 if a required field is wrong (contract §2, checked first: it always was the rule),
        else 3 if a family is below one of its targets (contract §6), else 0."""
        if self.required_mismatches():
            return EXIT_REQUIRED_WRONG
        if any(f["status"] == "fail" for f in self.families().values()):
            return EXIT_BELOW_TARGET
        return EXIT_OK

    def timing(self) -> dict[str, dict[str, Any]]:
        """Seconds of extraction per family (total and per sample), families that ran only."""
        return {
            name: {
                "samples": t.samples,
                "seconds": round(t.seconds, 3),
                "per_sample": round(t.seconds / t.samples, 3),
            }
            for name, t in sorted(self.per_family.items())
            if t.samples
        }

    def accuracy_by_family(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Field → family → ok, total and rate: which field fails on which kind of input."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for (name, family), (ok, total) in sorted(self.per_field_family.items()):
            out.setdefault(name, {})[family] = {
                "ok": ok,
                "total": total,
                "rate": _rate([ok, total]),
            }
        return out

    def confidence_histogram(self, bins: int = 10) -> list[dict[str, Any]]:
        """Counts of right and wrong values per confidence bin ([0, 0.1), … [0.9, 1])."""
        out = [
            {"from": round(i / bins, 2), "to": round((i + 1) / bins, 2), "right": 0, "wrong": 0}
            for i in range(bins)
        ]
        for conf, right in self.confidences:
            slot = out[min(bins - 1, max(0, int(conf * bins)))]
            slot["right" if right else "wrong"] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        families = self.families()
        return {
            "samples": self.samples,
            "accuracy": {k: round(v[0] / v[1], 4) for k, v in sorted(self.per_field.items())},
            "accuracy_by_variant": {
                k: round(v[0] / v[1], 4) for k, v in sorted(self.per_variant.items())
            },
            "accuracy_by_family": self.accuracy_by_family(),
            "counts": {k: {"ok": v[0], "total": v[1]} for k, v in sorted(self.per_field.items())},
            "confusion": [
                {"expected": e, "got": g, "count": n}
                for (e, g), n in sorted(self.confusion.items())
            ],
            "families": families,
            "kinds": self.kinds(),
            "targets_source": TARGETS["source"],
            "passed": not any(f["status"] == "fail" for f in families.values()),
            "exit_code": self.exit_code(),
            "mismatches": self.mismatches,
            "sample_names": sorted(self.sample_names),
            "timing": self.timing(),
            "confidence_histogram": self.confidence_histogram(),
        }


_METRIC_FR = {"fields": "champs", "completeness": "complétude", "twoddoc": "2D-Doc décodés"}


def _metrics_json(t: Tally) -> dict[str, Any]:
    return {
        "fields": {"ok": t.fields[0], "total": t.fields[1], "rate": _rate(t.fields)},
        "completeness": {
            "ok": t.completeness[0],
            "total": t.completeness[1],
            "rate": _rate(t.completeness),
        },
        "twoddoc": {"decoded": t.twoddoc[0], "printed": t.twoddoc[1], "rate": _rate(t.twoddoc)},
    }


def _honestly_missing(m: dict[str, Any]) -> bool:
    if m["got"] is None:
        return True
    if m["field"] == "document.status":
        return bool(m["expected"] == "accepted" and m["got"] == "needs_review")
    if m["field"] == "document.failed_checks" and isinstance(m["got"], list):
        return set(m["got"]) - set(m["expected"] or []) == {"champs.illisibles"}
    return False


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        return (
            isinstance(got, int | float)
            and isinstance(want, int | float)
            and abs(want - got) < 1e-6
        )
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
    return [
        p for p in sorted(expected_path.parent.glob(f"{stem}.*")) if not p.name.endswith(".json")
    ]


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


def expected_files(
    directory: Path, variants: set[str] | None = None, families: set[str] | None = None
) -> list[Path]:
    """The samples' expected files, optionally only those of some variants and/or families."""
    out = []
    for path in sorted(directory.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        if variants is not None and expected.get("variant", "text") not in variants:
            continue
        if families is not None and family_of(expected) not in families:
            continue
        out.append(path)
    return out


def run_one(exp_path: Path, report: QAReport) -> dict[str, Any]:
    """Extract one sample and score it into ``report``; returns the extraction result."""
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    name, variant = exp_path.name.removesuffix(".expected.json"), expected.get("variant", "text")
    family = family_of(expected)
    inputs = sample_inputs(exp_path, expected)
    uploads = [Upload(p.name, p.read_bytes()) for p in inputs]
    by_name = {p.name: p for p in inputs}
    first_mismatch = len(report.mismatches)
    started = time.perf_counter()
    with _test_authority(bool(expected.get("signed_with_test_authority"))):
        extracted = extract(uploads, date.fromisoformat(expected["request_date"]))
    result = extracted.to_contract()
    # the pages as they were read: an OCR'd page keeps the image its word boxes refer to
    pages = (
        [page for read in extracted.files for page in read.pages] if report.keep_images else None
    )
    report.per_family[family].seconds += time.perf_counter() - started
    report.samples += 1
    report.sample_names.append(name)
    report.per_family[family].samples += 1
    required = _required_fields()
    got_docs = result["documents"]
    for i, want in enumerate(expected["documents"]):
        got = got_docs[i] if i < len(got_docs) else {}
        kind = want["kind"]
        report.per_family[family].documents += 1
        report.per_kind[kind].documents += 1

        def score(
            fname: str, w: Any, g: Any, req: bool = True, kind: str = kind, i: int = i
        ) -> None:
            report.score(name, variant, i, fname, w, g, family, kind, req)

        report.confusion[(kind, got.get("kind", "absent"))] += 1
        for key in OUTCOMES:
            if key not in want:
                continue
            if key == "failed_checks":
                value: Any = sorted(
                    c["code"] for c in got.get("checks", []) if not c["ok"] and c["level"] != "info"
                )
                score("document.failed_checks", sorted(want[key]), value)
            else:
                score(f"document.{key}", want[key], got.get(key))
        decision = [k for k in ("complete", "missing_pages") if k in want]
        if decision:
            report.count_completeness(
                family, kind, all(_same(want[k], got.get(k)) for k in decision)
            )
        if "twoddoc_mismatches" in want:
            score(
                "twoddoc.mismatches",
                want["twoddoc_mismatches"],
                sorted(got.get("twoddoc", {}).get("mismatches", [])),
            )
        if _code_printed(expected, want):
            report.count_twoddoc(family, kind, bool(got.get("twoddoc", {}).get("present")))
        needed = required.get(kind, set()) | required.get(got.get("kind", kind), set())
        got_fields = got.get("fields", {})
        provenance = got.get("provenance", {})
        for fname, fvalue in want.get("fields", {}).items():
            before = len(report.mismatches)
            score(fname, fvalue, got_fields.get(fname), fname in needed)
            where = provenance.get(fname) if isinstance(provenance.get(fname), dict) else None
            if where is not None:
                if isinstance(where.get("confidence"), int | float) and fname in got_fields:
                    report.confidences.append(
                        (float(where["confidence"]), len(report.mismatches) == before)
                    )
                if len(report.mismatches) > before:  # where the wrong value was read
                    report.mismatches[-1]["where"] = {k: where[k] for k in WHERE_KEYS if k in where}
        for extra in sorted(set(got_fields) - set(want.get("fields", {}))):
            score(extra, None, got_fields[extra], extra in needed)  # an invented value
    for index in range(first_mismatch, len(report.mismatches)):
        _link_page(report, index, got_docs, by_name, pages)
    for j in range(len(expected["documents"]), len(got_docs)):
        report.confusion[("absent", got_docs[j]["kind"])] += 1
        report.score(name, variant, j, "document.kind", None, got_docs[j]["kind"], family, "absent")
    return result


#: Provenance keys copied to a mismatch's ``where``.
WHERE_KEYS = ("source", "page", "confidence", "bbox", "label_bbox")


def _link_page(
    report: QAReport,
    index: int,
    got_docs: list[dict[str, Any]],
    by_name: dict[str, Path],
    pages: list[PageText] | None,
) -> None:
    """Link a mismatch to its page: the page the wrong value was read on, with its box; for a
    value left missing (or a document-level outcome), the document's first page, no box
    (``located`` false). With ``report.keep_images``, draw it now, while the page as it was
    read (an OCR'd page's upright image) is at hand."""
    m = report.mismatches[index]
    where = m.get("where") or {}
    doc_pages = got_docs[m["document"]].get("pages", []) if m["document"] < len(got_docs) else []
    page = where.get("page")
    located = False
    ref = doc_pages[0] if doc_pages else None
    if isinstance(page, int) and 1 <= page <= len(doc_pages):
        located, ref = True, doc_pages[page - 1]
    if ref is None or ref.get("file") not in by_name:
        return
    m["page_image"] = {
        "path": str(by_name[ref["file"]]),
        "page": ref.get("page") or 1,
        "bbox": where.get("bbox") if located else None,
        "label_bbox": where.get("label_bbox") if located else None,
        "located": located,
    }
    if pages is None or len(report.images) >= MAX_IMAGES:
        return
    read = next(
        (p for p in pages if p.file == ref["file"] and p.page == (ref.get("page") or 1)), None
    )
    if read is None:
        return
    from docproc import qa_report

    image = (
        read.image
        if read.image is not None
        else (
            qa_report.render_pdf_page(by_name[ref["file"]].read_bytes(), read.page)
            if by_name[ref["file"]].suffix.lower() == ".pdf"
            else None
        )
    )
    if image is not None:
        report.images[index] = qa_report.field_images(
            image,
            m["page_image"]["bbox"],
            m["page_image"]["label_bbox"],
            scanned=read.source == "ocr",
        )


#: At most this many mismatches get their page drawn in the HTML report.
MAX_IMAGES = 120

#: Called before each sample: (index from 1, total, sample name).
Progress = Callable[[int, int, str], None]


def run(
    directory: Path,
    variants: set[str] | None = None,
    families: set[str] | None = None,
    progress: Progress | None = None,
    images: bool = False,
) -> QAReport:
    """Score every sample of ``directory``; ``images``: draw each mismatch's page for the HTML."""
    report = QAReport(keep_images=images)
    paths = expected_files(directory, variants, families)
    for i, exp_path in enumerate(paths, 1):
        if progress is not None:
            progress(i, len(paths), exp_path.name.removesuffix(".expected.json"))
        run_one(exp_path, report)
    return report


_STATUS_FR = {"pass": "réussi", "fail": "ÉCHEC", "absent": "absente (aucun échantillon)"}


def _targets_fr(targets: dict[str, Any] | None) -> str:
    if targets is None:
        return "aucune"
    parts = [f"{_METRIC_FR[m]} ≥ {_pct(targets[m])}" for m in METRICS if targets.get(m) is not None]
    return ", ".join(parts)


def _ratio(ok: int, total: int) -> str:
    return f"{ok}/{total} {_pct(ok / total)}" if total else "—"


def family_table(r: QAReport) -> list[str]:
    lines = [
        "Par famille :",
        f"  {'famille':11s} {'éch.':>4s}  {'champs':>17s}  {'complétude':>15s}  {'2D-Doc lus/imprimés':>19s}  "
        f"{'résultat':9s} cible",
    ]
    for name, f in r.families().items():
        fl, co, tw = f["fields"], f["completeness"], f["twoddoc"]
        lines.append(
            f"  {name:11s} {f['samples']:4d}  {_ratio(fl['ok'], fl['total']):>17s}  "
            f"{_ratio(co['ok'], co['total']):>15s}  {_ratio(tw['decoded'], tw['printed']):>19s}  "
            f"{_STATUS_FR[f['status']]:9s} {_targets_fr(f['targets'])}"
        )
        lines.extend(f"      ✗ {why}" for why in f["failures"])
    return lines


def kind_table(r: QAReport) -> list[str]:
    lines = [
        "Par type de document (type attendu) :",
        f"  {'type':24s} {'docs':>4s}  {'champs':>17s}  {'complétude':>15s}  {'2D-Doc lus/imprimés':>19s}",
    ]
    for name, k in r.kinds().items():
        fl, co, tw = k["fields"], k["completeness"], k["twoddoc"]
        lines.append(
            f"  {name:24s} {k['documents']:4d}  {_ratio(fl['ok'], fl['total']):>17s}  "
            f"{_ratio(co['ok'], co['total']):>15s}  {_ratio(tw['decoded'], tw['printed']):>19s}"
        )
    return lines


def text_summary(r: QAReport, comparison: dict[str, Any] | None = None) -> str:
    js = r.to_json()
    lines = [f"Échantillons : {r.samples}", "", "Exactitude par champ :"]
    for k, v in js["counts"].items():
        lines.append(f"  {k:32s} {v['ok']:4d}/{v['total']:<4d} {100 * v['ok'] / v['total']:6.1f} %")
    lines.append("")
    lines.append(
        "Exactitude par variante : "
        + ", ".join(f"{k} {100 * v:.1f} %" for k, v in js["accuracy_by_variant"].items())
    )
    lines.append("")
    lines.extend(family_table(r))
    lines.append("")
    lines.extend(kind_table(r))
    lines.append("")
    lines.append("Confusion des types (attendu → obtenu) :")
    for c in js["confusion"]:
        lines.append(f"  {c['expected']:24s} → {c['got']:24s} {c['count']}")
    timing = r.timing()
    if timing:
        lines.append("")
        lines.append(
            "Temps d'extraction par famille : "
            + ", ".join(
                f"{k} {v['seconds']:.1f} s ({v['per_sample']:.2f} s/éch.)"
                for k, v in timing.items()
            )
        )
    lines.append("")
    lines.append(
        f"Écarts : {len(r.mismatches)} (dont {len(r.required_mismatches())} valeur(s) requise(s) fausse(s) ;"
        " une valeur laissée absente n'est pas fausse, elle compte dans la cible)"
    )
    from docproc.qa_report import comparison_lines, diff_text

    for m in r.mismatches:
        where = m.get("where") or {}
        at = f" (lu en {where.get('source')}, page {where.get('page')})" if where else ""
        lines.append(
            f"  {m['sample']} doc {m['document'] + 1} {m['field']} : attendu "
            f"{json.dumps(m['expected'], ensure_ascii=False)} obtenu {json.dumps(m['got'], ensure_ascii=False)}{at}"
        )
        if m["expected"] is not None and m["got"] is not None:
            lines.append(f"      différence : {diff_text(m['expected'], m['got'])}")
    code = r.exit_code()
    if comparison is not None:
        lines.append("")
        lines.extend(comparison_lines(comparison))
        if code == EXIT_OK and comparison["regressed"]:
            code = EXIT_BELOW_TARGET
    lines.append("")
    lines.append(
        {
            EXIT_OK: "Résultat : toutes les familles atteignent leurs cibles"
            + (", sans régression." if comparison is not None else "."),
            EXIT_REQUIRED_WRONG: "Résultat : échec, un champ requis au moins est faux (code de sortie 1).",
            EXIT_BELOW_TARGET: "Résultat : échec, une famille au moins est sous sa cible"
            + (" ou une régression depuis la référence" if comparison is not None else "")
            + " (code de sortie 3).",
        }[code]
    )
    return "\n".join(lines)


def _by_field(mismatches: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Field → numbers (from 1) of its mismatches, for the links of the HTML report."""
    out: dict[str, list[int]] = defaultdict(list)
    for n, m in enumerate(mismatches, 1):
        out[str(m["field"])].append(n)
    return dict(out)


def html_report(
    r: QAReport, details: dict[str, Any] | None = None, comparison: dict[str, Any] | None = None
) -> str:
    """The HTML report (template ``docproc/qa_report.html``), with the regression view if given."""
    from docproc import qa_report

    js = r.to_json()
    if comparison is not None and comparison["regressed"] and js["exit_code"] == EXIT_OK:
        js["exit_code"] = EXIT_BELOW_TARGET
    names = set(js["families"])
    return qa_report.render_html(
        js,
        {
            "images": r.images
            or {i: {"page": uri} for i, uri in qa_report.page_images(js["mismatches"]).items()},
            "run": details or qa_report.run_details(),
            "comparison": comparison,
            "families_run": [name for name, f in js["families"].items() if f["samples"]],
            "by_field": _by_field(js["mismatches"]),
            "status_fr": _STATUS_FR,
            "metrics_fr": _METRIC_FR,
            "targets_fr": {n: _targets_fr(js["families"][n]["targets"]) for n in names},
            "changes": {
                "worse": "en baisse",
                "better": "en hausse",
                "new": "nouveau",
                "gone": "disparu",
            },
        },
    )
