"""Write the synthetic samples and their NAME.expected.json golden files.

Usage: python -m docproc.samples.generate [OUTDIR]   (default: samples/)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from docproc.samples import dgfip_layout, layout, page_canvas
from docproc.samples.avis import AvisData
from docproc.samples.cases import Case
from docproc.samples.catalog import cases
from docproc.samples.dgfip_style import DgfipAvis
from docproc.samples.other_layouts import Sheet


def _code_image(d: AvisData) -> Any:
    """The signed 2D-Doc of page 1, built from the true values (tampering edits print only)."""
    if not d.twoddoc or d.kind not in ("avis_impot_revenu", "asdir"):
        return None
    from docproc.samples.signing import code_for

    return code_for(d)


def _drawer(doc: Any, n: int) -> Any:
    if isinstance(doc, Sheet):
        return doc.page_drawer(n)
    if isinstance(doc, str):
        return lambda p: layout.draw_facture(p, n)
    if isinstance(doc, DgfipAvis):
        return dgfip_layout.page_drawer(doc, n, _code_image(doc) if n == 1 else None)
    return layout.page_drawer(doc, n, _code_image(doc) if n == 1 else None)


def pdf_bytes(
    case: Case, pages: list[tuple[Any, int]], drawn: list[page_canvas.Drawn] | None = None
) -> bytes:
    """The PDF of some pages of a case; ``drawn`` receives what each page drew where."""
    return page_canvas.render([(_drawer(doc, n), case.font, case.sep) for doc, n in pages], drawn)


def expected_documents(case: Case) -> list[dict[str, Any]]:
    """Group the case's pages by document, in order of first appearance, as a perfect reader would."""
    seen: dict[int, tuple[Any, set[int]]] = {}
    for _, pages in case.files:
        for doc, n in pages:
            seen.setdefault(id(doc), (doc, set()))[1].add(n)
    out: list[dict[str, Any]] = []
    for doc, present in seen.values():
        if isinstance(doc, Sheet):  # documents that describe themselves (one page, no counter)
            out.append(doc.expected_document())
            continue
        if isinstance(doc, str):
            out.append({"kind": "inconnu", "status": "rejected", "fields": {}})
            continue
        if doc.kind == "declaration_revenus":
            out.append({"kind": "declaration_revenus", "status": "rejected", "fields": {}})
            continue
        where = layout.field_pages(doc)  # the same pages in both layouts
        fields = {k: v for k, v in doc.expected_fields().items() if where.get(k) in present}
        if 1 not in present:
            for k in ("annee_revenus", "annee_avis"):
                fields[k] = doc.expected_fields()[k]
        known_total = any(n >= 2 for n in present)
        missing = sorted(set(range(1, doc.pages + 1)) - present) if known_total else []
        complete = known_total and not missing
        out.append(
            {"kind": doc.kind, "complete": complete, "missing_pages": missing, "fields": fields}
        )
    return out


def _render_pages(pdf: bytes, dpi: int = 300, grayscale: bool = True) -> list[Any]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [
            doc[i].render(scale=dpi / 72, grayscale=grayscale).to_pil() for i in range(len(doc))
        ]
    finally:
        doc.close()


def _jpeg_under(img: Any, limit: int) -> bytes:
    """JPEG bytes under the upload limit, as a phone's upload page would compress them."""
    import io

    for quality in (85, 78, 70, 62, 55):
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=quality, optimize=True)
        if buf.tell() <= limit:
            return buf.getvalue()
    img = img.resize((img.width * 3 // 4, img.height * 3 // 4))
    return _jpeg_under(img, limit)


def _degraded(
    case: Case, fname: str, pages: list[tuple[Any, int]], seed: int
) -> list[tuple[str, bytes]]:
    """Scans: one image-only PDF per file. Photos: one JPEG per page. Screenshots: one PNG per page."""

    from docproc.samples import degrade

    images = _render_pages(pdf_bytes(case, pages), grayscale=not case.color)
    stem = fname.rsplit(".", 1)[0]
    if case.variant == "scan":
        scans = [
            degrade.scan(img, seed + i, max_angle=case.max_skew) for i, img in enumerate(images)
        ]
        return [(f"{stem}.pdf", _image_pdf(scans))]
    if case.variant == "screenshot":
        return [
            (f"{stem}_page{i + 1}.png", degrade.screenshot_png(img, seed + i))
            for i, img in enumerate(images)
        ]
    return [
        (f"{stem}_page{i + 1}.jpg", _jpeg_under(degrade.photo(img, seed + i), UPLOAD_LIMIT))
        for i, img in enumerate(images)
    ]


UPLOAD_LIMIT = 1_900_000


def _image_pdf(scans: list[Any]) -> bytes:
    """An image-only PDF (no text layer), each page one JPEG as a scanner writes it."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    for quality in (72, 60, 50, 42, 35):
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=A4, invariant=1)
        for img in scans:
            jpeg = io.BytesIO()
            img.save(jpeg, format="JPEG", quality=quality)
            jpeg.seek(0)
            c.drawImage(ImageReader(jpeg), 0, 0, A4[0], A4[1])
            c.showPage()
        c.save()
        if buf.tell() <= UPLOAD_LIMIT:
            break
    return buf.getvalue()


def write_case(case: Case, outdir: Path) -> list[Path]:
    written: list[Path] = []
    if case.variant != "text":
        folder = outdir / case.name
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        seed = sum(map(ord, case.name))
        for k, (fname, pages) in enumerate(case.files):
            for name, data in _degraded(case, fname, pages, seed + 100 * k):
                (folder / name).write_bytes(data)
                written.append(folder / name)
                names.append(name)
        if case.shuffle:
            names = names[1::2] + names[0::2]  # pages in any order, as phones upload them
    elif len(case.files) == 1:
        _, pages = case.files[0]
        target = outdir / f"{case.name}.pdf"
        target.write_bytes(pdf_bytes(case, pages))
        written.append(target)
        names = [target.name]
    else:
        folder = outdir / case.name
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for fname, pages in case.files:
            (folder / fname).write_bytes(pdf_bytes(case, pages))
            written.append(folder / fname)
            names.append(fname)
    expected: dict[str, Any] = {
        "request_date": case.request_date,
        "variant": case.variant,
        "files": names,
        "signed_with_test_authority": True,
        "documents": expected_documents(case),
    }
    if case.family is not None:
        expected["family"] = case.family
    for doc, extra in zip(expected["documents"], case.expect.get("documents", []), strict=False):
        doc.update(extra)
    if case.household is not None:
        hh = outdir / f"{case.name}.household.json"
        hh.write_text(
            json.dumps(case.household, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        written.append(hh)
    path = outdir / f"{case.name}.expected.json"
    path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text_only = "--text-only" in args
    paths = [a for a in args if not a.startswith("--")]
    outdir = Path(paths[0] if paths else "samples")
    outdir.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in cases():
        if text_only and case.variant != "text":
            continue
        count += len(write_case(case, outdir))
    print(f"{count} fichiers écrits dans {outdir}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
