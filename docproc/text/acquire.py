"""One uploaded file → its report (size, type, pages, checks) and the text of its pages.

Size, type and the byte-level polyglot checks run here; everything that parses, decodes,
renders or reads the content (:func:`read_content`) runs in the sandbox process
(:mod:`docproc.sandbox`, issue 12) unless ``DOCPROC_SANDBOX=0``.

Every page is also searched for a 2D-Doc as it is read (``PageText.twoddoc``): a text page
by :func:`docproc.twoddoc.find_on_pdf_page` (embedded images, rendering only where a code is
plausible), a page that needs OCR by :func:`docproc.twoddoc.find_on_scan` on the image given
to OCR, on a thread of its own while OCR runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docproc.checks import files as file_checks
from docproc.errors import DocprocError, Reason, out_of_memory
from docproc.intake import IMAGE_TYPES, PDF, is_polyglot, pdf_polyglot, sniff
from docproc.models import Check, PageText, Upload
from docproc.settings import Settings

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
        return {
            "name": self.upload.name,
            "sha256": hashlib.sha256(self.upload.data).hexdigest(),
            "bytes": len(self.upload.data),
            "media_type": self.media_type,
            "pages": self.page_count,
            "accepted": self.accepted,
            "checks": [c.to_json() for c in self.checks],
        }


def _code(search: Callable[..., Any], *args: Any) -> Any:
    """A 2D-Doc search that never fails the read: a code not found is only a code not found."""
    try:
        return search(*args)
    except Exception as exc:  # third-party decoders on untrusted content must not fail the read
        log.warning("2D-Doc search failed: %s", type(exc).__name__)
        return None


def _ocr_with_codes(images: Iterable[Image.Image], file: str) -> list[PageText]:
    """OCR the images and, on one more thread meanwhile, search each for a 2D-Doc.

    zxing-cpp keeps the GIL while it decodes but Tesseract and OpenCV release it, so the
    search mostly fills the time OCR spends in C; its result goes on each page. ``images``
    may be lazy (pages rendered one by one): each is handed to both as soon as it exists.
    """
    from docproc.text.ocr import ocr_images
    from docproc.twoddoc import find_on_scan, locate_in_image

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="twoddoc") as pool:
        codes: list[Future[str | None]] = []

        def searched() -> Iterator[Image.Image]:
            for img in images:
                codes.append(pool.submit(_code, find_on_scan, img))
                yield img

        try:
            pages = ocr_images(searched(), file)
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
    from docproc.text.pdf_text import open_pdf, read_text_page
    from docproc.twoddoc import find_on_pdf_page_at

    pdf = open_pdf(upload.data, settings.max_pages, settings)
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

            # Rendered one by one as OCR takes them: a page is cleaned while the next renders.
            images = (render_pdf_page(pdf, i, SCAN_DPI) for i in scans)
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


def read_content(
    data: bytes, name: str, media_type: str, settings: Settings
) -> tuple[int, list[PageText]]:
    """Bytes in, pages out: decoding, parsing, rendering, text and OCR of one file.

    This is what runs in the sandbox (:mod:`docproc.sandbox`); DocprocError for a rejection.
    """
    upload = Upload(name, data)
    if media_type == PDF:
        return _read_pdf(upload, settings)
    if media_type in IMAGE_TYPES:
        return _read_image(upload, media_type)
    raise DocprocError(Reason.unsupported_type)


def read_content_outcome(
    data: bytes, name: str, media_type: str, settings: Settings
) -> tuple[Any, ...]:
    """:func:`read_content` as a picklable outcome: ``("ok", pages_count, pages)`` or
    ``("err", reason, message, data)``; never raises (the sandbox's answer to its caller)."""

    def read() -> tuple[Any, ...]:
        count, pages = read_content(data, name, media_type, settings)
        return ("ok", count, pages)

    return guarded_outcome(read)


def guarded_outcome(work: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
    """``work()``'s outcome, or ``("err", reason, message, data)`` for any failure on
    untrusted content (a rejection, memory exhausted, a parser's error); never raises."""
    try:
        return work()
    except DocprocError as err:
        return (
            "err",
            err.reason.value,
            err.message,
            {k: v for k, v in err.data.items() if isinstance(v, int | str | float)},
        )
    except MemoryError:
        log.warning("file over the memory cap")
        return ("err", Reason.resources.value, Reason.resources.message, {"limite": "memoire"})
    except (
        RecursionError,
        ValueError,
        OSError,
        RuntimeError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        ZeroDivisionError,
        EOFError,
        SyntaxError,
        NotImplementedError,
        AssertionError,
        LookupError,
        ArithmeticError,
        UnicodeError,
    ) as exc:
        if out_of_memory(exc):
            log.warning("file over the memory cap: %s", type(exc).__name__)
            return (
                "err",
                Reason.resources.value,
                Reason.resources.message,
                {"limite": "memoire"},
            )
        log.warning("file unreadable: %s", type(exc).__name__)
        return ("err", Reason.malformed.value, Reason.malformed.message, {})
    except Exception as exc:  # a third-party error type on untrusted content: this file only
        log.warning("file read failed: %s", type(exc).__name__)
        if out_of_memory(exc):
            return (
                "err",
                Reason.resources.value,
                Reason.resources.message,
                {"limite": "memoire"},
            )
        return ("err", Reason.internal.value, Reason.internal.message, {})


def load_pdf_stack() -> None:
    """Import what reading a PDF needs (pikepdf, PDFium, the 2D-Doc search on PDF pages): the
    sandbox does it before it caps its memory. The process that only hands files to the sandbox
    never imports them (a one-shot ``docproc extract`` starts faster without PDFium)."""
    import pikepdf  # noqa: F401

    from docproc.text import pdf_text  # noqa: F401
    from docproc.twoddoc import decode_pdf  # noqa: F401


def warm_up() -> None:
    """Import and initialise the whole reading stack, OCR models included (a long-lived
    sandbox does it once, before its first file; a one-shot CLI run does not)."""
    load_pdf_stack()
    from docproc.text import images, ocr, tesseract  # noqa: F401

    try:
        tesseract.warm_up()
    except Exception as exc:  # OCR unavailable: a scan will fail later with its own reason
        log.warning("OCR warm-up failed: %s", type(exc).__name__)


def _polyglot(data: bytes, media_type: str) -> DocprocError | None:
    """Byte-level checks on the whole file, before any parser sees it."""
    if is_polyglot(data):
        return DocprocError(Reason.polyglot, kind="zip")
    if media_type == PDF and (found := pdf_polyglot(data)) is not None:
        reason, kind = found
        return DocprocError(reason, kind=kind)
    return None


def read_file(upload: Upload, settings: Settings) -> FileRead:
    media_type = sniff(upload.data)
    result = FileRead(upload, media_type)
    result.checks.append(file_checks.size(len(upload.data), settings.max_bytes))
    if not result.accepted:
        return result
    result.checks.append(file_checks.media_type(media_type, upload.data))
    if not result.accepted or media_type is None:
        return result
    if (refusal := _polyglot(upload.data, media_type)) is not None:
        result.checks.append(file_checks.unreadable(refusal))
        return result
    try:
        if settings.sandbox:
            from docproc.sandbox import get_sandbox

            result.page_count, result.pages = get_sandbox().read(
                upload.data, upload.name, media_type, settings
            )
        else:
            outcome = read_content_outcome(upload.data, upload.name, media_type, settings)
            if outcome[0] != "ok":
                raise DocprocError(Reason(outcome[1]), outcome[2], **outcome[3])
            result.page_count, result.pages = outcome[1], outcome[2]
    except DocprocError as err:
        result.checks.append(file_checks.unreadable(err))
        return result
    result.checks.append(file_checks.readable(result.page_count))
    for page in result.pages:
        result.checks.extend(page.checks)
    return result
