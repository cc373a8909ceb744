"""One uploaded file → its report (size, type, pages, checks) and the text of its pages.

Every page is also searched for a 2D-Doc as it is read (``PageText.twoddoc``): a text page
by :func:`docproc.twoddoc.find_on_pdf_page` (embedded images, rendering only where a code is
plausible), a page that needs OCR by :func:`docproc.twoddoc.find_on_scan` on the image given
to OCR, on a thread of its own while OCR runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docproc.checks import files as file_checks
from docproc.errors import DocprocError, Reason
from docproc.intake import IMAGE_TYPES, PDF, is_polyglot, sniff
from docproc.models import Check, PageText, Upload
from docproc.settings import Settings
from docproc.text.pdf_text import open_pdf, read_text_page
from docproc.twoddoc import find_on_pdf_page_at, find_on_scan, locate_in_image

if TYPE_CHECKING:  # PIL only for scans and photos (CLI start-up time)
    from PIL import Image

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


def _code(search: Callable[..., Any], *args: Any) -> Any:
    """A 2D-Doc search that never fails the read: a code not found is only a code not found."""
    try:
        return search(*args)
    except Exception as exc:  # third-party decoders on untrusted content must not fail the read
        log.warning("2D-Doc search failed: %s", type(exc).__name__)
        return None


def _ocr_with_codes(images: Sequence[Image.Image], file: str) -> list[PageText]:
    """OCR the images and, on one more thread meanwhile, search each for a 2D-Doc.

    zxing-cpp keeps the GIL while it decodes but Tesseract and OpenCV release it, so the
    search mostly fills the time OCR spends in C; its result goes on each page.
    """
    from docproc.text.ocr import ocr_images
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="twoddoc") as pool:
        codes: list[Future[str | None]] = [pool.submit(_code, find_on_scan, img)
                                           for img in images]
        try:
            pages = ocr_images(images, file)
        except BaseException:
            for f in codes:
                f.cancel()
            raise
        for page, found in zip(pages, codes, strict=True):
            page.twoddoc = found.result()
            if page.twoddoc and page.image is not None:
                # where the code is in the geometry of the words: the page as OCR read it
                # (upright, deskewed), not the image as given
                page.twoddoc_box = _code(locate_in_image, page.image, page.twoddoc)
    return pages


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
                found = _code(find_on_pdf_page_at, pdf, i)
                if found is not None:
                    page.twoddoc, page.twoddoc_box = found
                pages.append(page)
        if scans:
            from docproc.text.images import render_pdf_page
            images = [render_pdf_page(pdf, i, SCAN_DPI) for i in scans]
            for i, page in zip(scans, _ocr_with_codes(images, upload.name), strict=True):
                page.page = i + 1
                pages.append(page)
        return len(pdf), sorted(pages, key=lambda p: p.page)
    finally:
        pdf.close()


def _read_image(upload: Upload, media_type: str) -> tuple[int, list[PageText]]:
    from docproc.text.images import load_images
    images = load_images(upload.data, media_type)
    return len(images), _ocr_with_codes(images, upload.name)


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
