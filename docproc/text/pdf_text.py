"""The text layer of a PDF, as positioned segments, read with PDFium (pypdfium2).

PDFium gives text runs with their boxes in about 1 ms a page; pdfplumber (pdfminer) costs
50–90 times more (shared/reference/performance.md §1), so it is kept for the one case where
its word clustering earns its cost: letter-spaced text layers ("N u m é r o"). Runs that
break words (a PDF printed from a browser) are replaced by words rebuilt from PDFium's own
characters (:mod:`docproc.text.pdf_words`).
"""

from __future__ import annotations

import re
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw  # noqa: F401  (binds pdfium.raw)

from docproc.errors import DocprocError, Reason, active_content_error
from docproc.models import PageText, Segment
from docproc.settings import Settings
from docproc.text import pdf_words

#: Fewer printable characters than this on a page means there is no usable text layer.
MIN_TEXT_CHARS = 40
_LETTER_SPACED = re.compile(r"(?:\b\w ){6,}\w\b")


def _active_content(pdf: pdfium.PdfDocument) -> str | None:
    """What PDFium itself sees of JavaScript and attachments (the parse in pdf_guard sees more)."""
    if pdfium.raw.FPDFDoc_GetJavaScriptActionCount(pdf.raw) > 0:
        return "javascript"
    if pdfium.raw.FPDFDoc_GetAttachmentCount(pdf.raw) > 0:
        return "fichier_joint"
    return None


def open_pdf(data: bytes, max_pages: int, settings: Settings | None = None) -> pdfium.PdfDocument:
    """Open a PDF from bytes, mapping PDFium failures to reasons.

    Before any page is read, the file is parsed and bounded by :mod:`docproc.text.pdf_guard`
    (active content, object and stream sizes, operators and nesting of forms).
    """
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise DocprocError(Reason.encrypted) from None
        raise DocprocError(Reason.malformed) from None
    kind = _active_content(pdf)
    if kind is not None:
        pdf.close()
        raise active_content_error(kind, "document")
    n = len(pdf)
    if n == 0:
        pdf.close()
        raise DocprocError(Reason.malformed)
    if n > max_pages:
        pdf.close()
        raise DocprocError(
            Reason.too_many_pages,
            f"Le document comporte {n} pages ; au plus {max_pages} sont acceptées.",
            pages=n,
            max_pages=max_pages,
        )
    from docproc.text import pdf_guard  # pikepdf: imported by the reader only (CLI start-up)

    try:
        pdf_guard.inspect(data, settings or Settings(max_pages=max_pages))
    except BaseException:
        pdf.close()
        raise
    return pdf


def _text_objects(objects: Any, count: int, get: Any, depth: int = 0) -> tuple[int, int]:
    """(invisible, all) text objects among ``count`` objects, forms included (4 levels)."""
    raw = pdfium.raw
    invisible = total = 0
    for i in range(count):
        obj = get(objects, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            total += 1
            invisible += raw.FPDFTextObj_GetTextRenderMode(obj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
            inner = raw.FPDFFormObj_CountObjects(obj)
            n, m = _text_objects(obj, inner, raw.FPDFFormObj_GetObject, depth + 1)
            invisible, total = invisible + n, total + m
    return invisible, total


def text_visibility(page: pdfium.PdfPage) -> tuple[int, int]:
    """(invisible, all) text objects of a page (text render mode 3 is invisible)."""
    return _text_objects(
        page.raw, pdfium.raw.FPDFPage_CountObjects(page.raw), pdfium.raw.FPDFPage_GetObject
    )


def _mostly(invisible: int, total: int) -> bool:
    return total > 0 and invisible > 0.8 * total


def hidden_text(page: pdfium.PdfPage) -> bool:
    """Most of the page's text is invisible: the hidden OCR layer of a scanner app or of
    OCRmyPDF, under a picture of the page."""
    return _mostly(*text_visibility(page))


def runs(textpage: pdfium.PdfTextPage, width: float, height: float) -> list[Segment]:
    """PDFium's runs of a text page (``FPDFText_CountRects``), boxes as fractions of the page."""
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            out.append(
                Segment(text, left / width, 1 - top / height, right / width, 1 - bottom / height)
            )
    return out


def page_segments(pdf: pdfium.PdfDocument, index: int) -> list[Segment]:
    """The page's text as segments: PDFium's runs, or — when the runs break the words (a PDF
    printed from a browser) — the words rebuilt from its characters (:mod:`pdf_words`). No
    segments at all when most of the text is invisible: a scanner app's OCR laid under the
    picture of the page (a "sandwich" PDF) is not read as text, with its misreadings at full
    confidence; the page is then OCR'd like a scan. Some invisible text among visible text (a
    figure laid over a printed one) is left out: only what is drawn is read."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        invisible, total = text_visibility(page)
        if _mostly(invisible, total):
            return []  # someone else's OCR under a picture of the page: read it ourselves
        textpage = page.get_textpage()
        try:
            if invisible:
                return pdf_words.page_words(textpage, width, height, visible_only=True)
            segments = runs(textpage, width, height)
            if pdf_words.runs_suspect(segments):
                text = textpage.get_text_range()
                if pdf_words.runs_break_words(segments, text) or pdf_words.own_text_broken(text):
                    segments = pdf_words.page_words(textpage, width, height)
        finally:
            textpage.close()
    finally:
        page.close()
    return segments


def _pdfplumber_segments(data: bytes, index: int) -> list[Segment]:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data), pages=[index + 1]) as doc:
        page = doc.pages[0]
        words = page.extract_words(x_tolerance=3, keep_blank_chars=False, use_text_flow=False)
        w, h = float(page.width), float(page.height)
        return [
            Segment(
                str(wd["text"]),
                float(wd["x0"]) / w,
                float(wd["top"]) / h,
                float(wd["x1"]) / w,
                float(wd["bottom"]) / h,
            )
            for wd in words
        ]


def read_text_page(data: bytes, pdf: pdfium.PdfDocument, index: int, file: str) -> PageText | None:
    """The page's text layer, or None when it has none worth reading (a scan)."""
    segments = page_segments(pdf, index)
    if sum(len(s.text) for s in segments) < MIN_TEXT_CHARS:
        return None
    if sum(1 for s in segments if _LETTER_SPACED.search(s.text)) > len(segments) // 4:
        segments = _pdfplumber_segments(data, index)
    return PageText(file=file, page=index + 1, source="text", segments=segments)
