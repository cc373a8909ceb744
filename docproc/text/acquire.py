"""One uploaded file → its report (size, type, pages, checks) and the text of its pages."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from docproc.checks import files as file_checks
from docproc.errors import DocprocError, Reason
from docproc.intake import IMAGE_TYPES, PDF, is_polyglot, sniff
from docproc.models import Check, PageText, Upload
from docproc.settings import Settings
from docproc.text.pdf_text import open_pdf, read_text_page

log = logging.getLogger(__name__)

#: Resolution at which pages without a text layer are rendered for OCR.
SCAN_DPI = 300


@dataclass
class FileRead:
    upload: Upload
    media_type: str | None
    pages: list[PageText] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    page_count: int = 0

    @property
    def accepted(self) -> bool:
        return all(c.ok or c.level != "critical" for c in self.checks)

    def report(self) -> dict[str, Any]:
        return {"name": self.upload.name, "sha256": hashlib.sha256(self.upload.data).hexdigest(),
                "bytes": len(self.upload.data), "media_type": self.media_type,
                "pages": self.page_count, "accepted": self.accepted,
                "checks": [c.to_json() for c in self.checks]}


def _read_pdf(upload: Upload, settings: Settings) -> tuple[int, list[PageText]]:
    pdf = open_pdf(upload.data, settings.max_pages)
    try:
        pages: list[PageText] = []
        scans: list[int] = []
        for i in range(len(pdf)):
            page = read_text_page(upload.data, pdf, i, upload.name)
            if page is None:
                scans.append(i)
            else:
                pages.append(page)
        if scans:
            from docproc.text.images import render_pdf_page
            from docproc.text.ocr import ocr_images
            images = [render_pdf_page(pdf, i, SCAN_DPI) for i in scans]
            for i, page in zip(scans, ocr_images(images, upload.name), strict=True):
                page.page = i + 1
                pages.append(page)
        return len(pdf), sorted(pages, key=lambda p: p.page)
    finally:
        pdf.close()


def _read_image(upload: Upload, media_type: str) -> tuple[int, list[PageText]]:
    from docproc.text.images import load_images
    from docproc.text.ocr import ocr_images
    images = load_images(upload.data, media_type)
    return len(images), ocr_images(images, upload.name)


def read_file(upload: Upload, settings: Settings) -> FileRead:
    media_type = sniff(upload.data)
    result = FileRead(upload, media_type)
    result.checks.append(file_checks.size(len(upload.data), settings.max_bytes))
    if not result.accepted:
        return result
    result.checks.append(file_checks.media_type(media_type, upload.data))
    if not result.accepted or media_type is None:
        return result
    if is_polyglot(upload.data):
        result.checks.append(file_checks.unreadable(DocprocError(Reason.polyglot)))
        return result
    try:
        if media_type == PDF:
            result.page_count, result.pages = _read_pdf(upload, settings)
        elif media_type in IMAGE_TYPES:
            result.page_count, result.pages = _read_image(upload, media_type)
    except DocprocError as err:
        result.checks.append(file_checks.unreadable(err))
        return result
    except (RecursionError, MemoryError, ValueError, OSError, RuntimeError) as exc:
        log.warning("file unreadable: %s", type(exc).__name__)
        result.checks.append(file_checks.unreadable(DocprocError(Reason.malformed)))
        return result
    result.checks.append(file_checks.readable(result.page_count))
    for page in result.pages:
        result.checks.extend(page.checks)
    return result
