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


#: Characters looked at to tell whether a page's text is drawn at all.
_SAMPLED = 16


def hidden_text(textpage: pdfium.PdfTextPage) -> bool:
    """Most of the page's characters are invisible (text render mode 3): the hidden OCR layer
    of a scanner app or of OCRmyPDF, under a picture of the page."""
    raw = textpage.raw
    count = pdfium.raw.FPDFText_CountChars(raw)
    if count == 0:
        return False
    step = max(1, count // _SAMPLED)
    seen = hidden = 0
    for i in range(0, count, step):
        obj = pdfium.raw.FPDFText_GetTextObject(raw, i)
        if not obj:
            continue  # a character PDFium generated (space, line end)
        seen += 1
        mode = pdfium.raw.FPDFTextObj_GetTextRenderMode(obj)
        hidden += mode == pdfium.raw.FPDF_TEXTRENDERMODE_INVISIBLE
    return seen > 0 and hidden > 0.8 * seen


def _invisible_text_drawn(objects: Any, count: int, get: Any, depth: int = 0) -> bool:
    """Whether any text object (forms included, 4 levels deep) is drawn invisible."""
    raw = pdfium.raw
    for i in range(count):
        obj = get(objects, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            if raw.FPDFTextObj_GetTextRenderMode(obj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
                return True
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
            inner = raw.FPDFFormObj_CountObjects(obj)
            if _invisible_text_drawn(obj, inner, raw.FPDFFormObj_GetObject, depth + 1):
                return True
    return False


def page_segments(pdf: pdfium.PdfDocument, index: int) -> list[Segment]:
    """The page's text as segments: PDFium's runs, or — when the runs break the words (a PDF
    printed from a browser) — the words rebuilt from its characters (:mod:`pdf_words`). None
    at all when the text is invisible: a scanner app's OCR laid under the picture of the page (a
    "sandwich" PDF) is not read as text, with its misreadings at full confidence; the page
    is then OCR'd like a scan. Some invisible text among visible text (a figure laid over a
    printed one) is left out: only what is drawn is read."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            if hidden_text(textpage):
                return []  # someone else's OCR under a picture of the page: read it ourselves
            raw = pdfium.raw
            if _invisible_text_drawn(
                page.raw, raw.FPDFPage_CountObjects(page.raw), raw.FPDFPage_GetObject
            ):
                # Some text nobody sees (under an image, or laid over the printed values):
                # only what is drawn is read.
                return pdf_words.page_words(textpage, width, height, visible_only=True)
            segments = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                text = textpage.get_text_bounded(left, bottom, right, top).strip()
                if text:
                    segments.append(
                        Segment(
                            text, left / width, 1 - top / height, right / width, 1 - bottom / height
                        )
                    )
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
