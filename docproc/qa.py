"""QA: run extraction on every sample that has NAME.expected.json and score it field by field."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from docproc.models import PageText, Upload
from docproc.pipeline import extract
from docproc.qa_summary import html_report, text_summary
from docproc.qa_tally import (
    EXIT_BELOW_TARGET,
    EXIT_OK,
    EXIT_REQUIRED_WRONG,
    FAMILIES,
    OUTCOMES,
    TARGETS,
    QAReport,
    code_printed,
    family_of,
    required_fields,
    same_value,
)

TEST_SWITCH = "DOCPROC_TRUST_TEST_2DDOC"


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
    required = required_fields()
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
                family, kind, all(same_value(want[k], got.get(k)) for k in decision)
            )
        if "twoddoc_mismatches" in want:
            score(
                "twoddoc.mismatches",
                want["twoddoc_mismatches"],
                sorted(got.get("twoddoc", {}).get("mismatches", [])),
            )
        if code_printed(expected, want):
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
WHERE_KEYS = ("source", "page", "confidence", "bbox", "label_bbox", "file_bbox", "file_label_bbox")


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
        # on the file as uploaded (a photo): what a thumbnail of the file itself is framed with
        "file_bbox": where.get("file_bbox") if located else None,
        "located": located,
    }
    if pages is None or len(report.images) >= MAX_IMAGES:
        return
    read = next(
        (p for p in pages if p.file == ref["file"] and p.page == (ref.get("page") or 1)), None
    )
    if read is None:
        return
    from docproc import qa_images

    image = (
        read.image
        if read.image is not None
        else (
            qa_images.render_pdf_page(by_name[ref["file"]].read_bytes(), read.page)
            if by_name[ref["file"]].suffix.lower() == ".pdf"
            else None
        )
    )
    if image is not None:
        report.images[index] = qa_images.field_images(
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


#: The QA API other modules and the tests use, wherever it lives.
__all__ = [
    "EXIT_BELOW_TARGET",
    "EXIT_OK",
    "EXIT_REQUIRED_WRONG",
    "FAMILIES",
    "TARGETS",
    "QAReport",
    "expected_files",
    "family_of",
    "html_report",
    "run",
    "run_one",
    "sample_inputs",
    "text_summary",
]
