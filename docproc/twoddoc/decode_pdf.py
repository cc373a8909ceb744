"""The 2D-Doc of a PDF page: embedded images first, then renders of the places a code can be, with where it is on the page."""

from __future__ import annotations

import contextlib
import ctypes
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw  # noqa: F401  (binds pdfium.raw)

from docproc.twoddoc.decode import (
    CROP_DPI,
    PAGE_DPI,
    TOP_LEFT,
    PageBox,
    page_fractions,
    read_bitmap,
    read_bitmap_at,
)

log = logging.getLogger(__name__)

#: Resolution of the page rendered only to find where a code already read is.
LOCATE_DPI = 100


def _render(
    page: pdfium.PdfPage, dpi: int, region: tuple[float, float, float, float] | None = None
) -> pdfium.PdfBitmap:
    """The page (or ``region`` of it, fractions from the top-left) as a grey bitmap."""
    width, height = page.get_size()
    if page.get_rotation() in (90, 270):
        width, height = height, width
    crop = (0.0, 0.0, 0.0, 0.0)
    if region is not None:
        x0, y0, x1, y1 = region
        crop = (x0 * width, (1 - y1) * height, (1 - x1) * width, y0 * height)
    return page.render(scale=dpi / 72, crop=crop, grayscale=True, no_smoothimage=True)


def _read_rendered(bitmap: pdfium.PdfBitmap, *, try_harder: bool) -> str | None:
    try:
        return read_bitmap(bitmap, try_harder=try_harder)
    finally:
        bitmap.close()


#: Cheapest first: the crop at a modest resolution without zxing's slower passes, then harder.
FAST_CROP_DPI = 200


#: Embedded images larger than this (pixels) are not tried as a 2D-Doc.
_MAX_EMBEDDED_PIXELS = 4_000_000


def _pdf_attempts(
    page_indexes: Sequence[int],
) -> Iterator[tuple[int, int, tuple[float, float, float, float] | None, bool]]:
    for index in page_indexes:
        yield index, FAST_CROP_DPI, TOP_LEFT, False
        yield index, CROP_DPI, TOP_LEFT, True
        yield index, PAGE_DPI, None, True


def _embedded_images(page: pdfium.PdfPage, max_depth: int = 1) -> Iterator[pdfium.PdfBitmap]:
    """The page's image objects as bitmaps (owned by PDFium: never closed here), a born-digital
    avis embeds its code as one."""
    for bitmap, _ in _embedded_images_at(page, max_depth):
        yield bitmap


def _embedded_images_at(
    page: pdfium.PdfPage, max_depth: int = 1
) -> Iterator[tuple[pdfium.PdfBitmap, Box | None]]:
    """The page's image objects as bitmaps, with their bounds (user space) for those drawn on
    the page itself (None inside a form XObject)."""
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=max_depth):
        try:
            width, height = obj.get_px_size()
            if width * height > _MAX_EMBEDDED_PIXELS or min(width, height) < 20:
                continue
            bitmap = obj.get_bitmap(render=False)
        except (pdfium.PdfiumError, ValueError, TypeError):
            continue
        bounds: Box | None = None
        if getattr(obj, "level", 1) == 0:
            with contextlib.suppress(pdfium.PdfiumError, RuntimeError):
                bounds = tuple(float(v) for v in obj.get_bounds())  # type: ignore[assignment]
        yield bitmap, bounds


def find_in_pdf(pdf_bytes: bytes, page_indexes: Sequence[int] = (0,)) -> tuple[str, int] | None:
    """(payload, 0-based page index) of the first 2D-Doc found, or None.

    Pages are searched in the order given; an unreadable PDF or page yields None.
    """
    try:
        pdf = pdfium.PdfDocument(pdf_bytes)
    except (pdfium.PdfiumError, ValueError, TypeError) as exc:
        log.debug("PDF illisible pour la recherche de 2D-Doc : %s", exc)
        return None
    try:
        count = len(pdf)
        wanted = [i for i in dict.fromkeys(page_indexes) if 0 <= i < count]
        pages: dict[int, pdfium.PdfPage] = {}
        try:
            for index, dpi, region, harder in _pdf_attempts(wanted):
                page = pages.get(index)
                if page is None:
                    try:
                        page = pages[index] = pdf[index]
                    except pdfium.PdfiumError:
                        continue
                    for image in _embedded_images(page):
                        payload = read_bitmap(image, try_harder=False)
                        if payload is not None:
                            return payload, index
                try:
                    bitmap = _render(page, dpi, region)
                except pdfium.PdfiumError as exc:
                    log.debug("page %d non rendue : %s", index, exc)
                    continue
                payload = _read_rendered(bitmap, try_harder=harder)
                if payload is not None:
                    return payload, index
        finally:
            for page in pages.values():
                page.close()
    finally:
        pdf.close()
    return None


_PT_PER_MM = 72 / 25.4


#: Vector modules: a path object at most this size (mm) counts as a possible module.
_MODULE_MAX_MM = 4.0


#: A cluster of at least this many small paths within one cell is plausibly a drawn code.
_CLUSTER_MIN_PATHS = 20


_CLUSTER_CELL_MM = 20.0


#: One path drawing many squares: at least this many segments, square-ish, 8-100 mm wide.
_PATH_MIN_SEGMENTS = 80


#: A region covering more than this share of the page is rendered as the whole page.
_LARGE_REGION = 0.4


_MARGIN_MM = 4.0


Box = tuple[float, float, float, float]  # PDF user space: left, bottom, right, top (pt)


def _bounds(obj: Any) -> Box | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium.raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    return float(left.value), float(bottom.value), float(right.value), float(top.value)


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _plausible_regions(page: pdfium.PdfPage) -> tuple[int, list[Box]]:
    """(image objects counted, regions of the page that could hold a code).

    Raw PDFium calls, no Python object per page object: a text page costs a fraction of a
    millisecond. Regions are image objects, form XObjects holding images or many paths,
    clusters of small vector squares and single paths made of many segments.
    """
    raw = page.raw
    regions: list[Box] = []
    images = 0
    small: list[Box] = []
    module_max = _MODULE_MAX_MM * _PT_PER_MM
    for j in range(pdfium.raw.FPDFPage_CountObjects(raw)):
        obj = pdfium.raw.FPDFPage_GetObject(raw, j)
        kind = pdfium.raw.FPDFPageObj_GetType(obj)
        if kind == pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            images += 1
            if (box := _bounds(obj)) is not None:
                regions.append(box)
        elif kind == pdfium.raw.FPDF_PAGEOBJ_PATH:
            box = _bounds(obj)
            if box is None:
                continue
            w, h = box[2] - box[0], box[3] - box[1]
            if 0.1 < w <= module_max and 0.1 < h <= module_max:
                small.append(box)
            elif (
                min(w, h) >= 8 * _PT_PER_MM
                and max(w, h) <= 100 * _PT_PER_MM
                and max(w, h) <= 1.4 * min(w, h)
                and pdfium.raw.FPDFPath_CountSegments(obj) >= _PATH_MIN_SEGMENTS
            ):
                regions.append(box)
        elif kind == pdfium.raw.FPDF_PAGEOBJ_FORM:
            inner = pdfium.raw.FPDFFormObj_CountObjects(obj)
            nested = [
                pdfium.raw.FPDFPageObj_GetType(pdfium.raw.FPDFFormObj_GetObject(obj, k))
                for k in range(max(0, inner))
            ]
            has_image = pdfium.raw.FPDF_PAGEOBJ_IMAGE in nested
            images += nested.count(pdfium.raw.FPDF_PAGEOBJ_IMAGE)
            if (
                has_image
                or nested.count(pdfium.raw.FPDF_PAGEOBJ_PATH) >= _CLUSTER_MIN_PATHS
                or pdfium.raw.FPDF_PAGEOBJ_FORM in nested
            ) and (box := _bounds(obj)) is not None:
                regions.append(box)
    if len(small) >= _CLUSTER_MIN_PATHS:
        cell = _CLUSTER_CELL_MM * _PT_PER_MM
        cells: dict[tuple[int, int], list[Box]] = {}
        for box in small:
            key = (int((box[0] + box[2]) / 2 // cell), int((box[1] + box[3]) / 2 // cell))
            cells.setdefault(key, []).append(box)
        dense = [b for boxes in cells.values() if len(boxes) >= _CLUSTER_MIN_PATHS for b in boxes]
        if dense:
            regions.append(_union(dense))
    return images, regions


def _fraction(page: pdfium.PdfPage, box: Box) -> tuple[float, float, float, float] | None:
    """``box`` (user space) as fractions of the rendered page, origin top-left, with a margin;
    None when the page is rotated or the box too large (render the whole page then)."""
    if page.get_rotation() not in (0, None):
        return None
    x0, y0, x1, y1 = page.get_cropbox()
    width, height = x1 - x0, y1 - y0
    if width <= 0 or height <= 0:
        return None
    margin = _MARGIN_MM * _PT_PER_MM
    left = max(0.0, (box[0] - margin - x0) / width)
    right = min(1.0, (box[2] + margin - x0) / width)
    top = max(0.0, (y1 - box[3] - margin) / height)
    bottom = min(1.0, (y1 - box[1] + margin) / height)
    if right - left <= 0 or bottom - top <= 0:
        return None  # outside the visible page
    if (right - left) * (bottom - top) > _LARGE_REGION:
        return None
    return left, top, right, bottom


def find_on_pdf_page(pdf: pdfium.PdfDocument, index: int) -> str | None:
    """The 2D-Doc payload on page ``index`` of an open PDF with a text layer, or None
    (:func:`find_on_pdf_page_at` without the place)."""
    found = find_on_pdf_page_at(pdf, index)
    return found[0] if found else None


def _user_to_page(page: pdfium.PdfPage, box: Box) -> PageBox | None:
    """A user-space box as fractions of the page, origin top-left, in the geometry of the text
    layer (``docproc.text.pdf_text``); None on a rotated page."""
    if page.get_rotation() not in (0, None):
        return None
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return None
    return box[0] / width, 1 - box[3] / height, box[2] / width, 1 - box[1] / height


def _locate_render(page: pdfium.PdfPage, payload: str) -> PageBox | None:
    """Where a code already read is, from a modest render of the whole page."""
    try:
        bitmap = _render(page, LOCATE_DPI, None)
    except pdfium.PdfiumError:
        return None
    try:
        found = read_bitmap_at(bitmap, try_harder=True)
        shape = (bitmap.height, bitmap.width)
    finally:
        bitmap.close()
    return page_fractions(found[1], shape) if found and found[0] == payload else None


def find_on_pdf_page_at(pdf: pdfium.PdfDocument, index: int) -> tuple[str, PageBox | None] | None:
    """The 2D-Doc payload on page ``index`` of an open PDF with a text layer and where the code
    is on the page (fractions, origin top-left; None when that is not known), or None.

    Embedded image objects are decoded first (a born-digital avis embeds its code as one);
    the page is rendered only where something could be a code (an image that did not decode,
    vector squares): each such region at 300 dpi, then, for a large region or a rotated
    page, the whole page at 200 dpi. A page of text and rules alone is never rendered.
    """
    try:
        page = pdf[index]
    except (pdfium.PdfiumError, IndexError) as exc:
        log.debug("page %d non ouverte pour la recherche de 2D-Doc : %s", index, exc)
        return None
    try:
        images, regions = _plausible_regions(page)
        if images:
            for image, bounds in _embedded_images_at(page, max_depth=2):
                payload = read_bitmap(image, try_harder=False)
                if payload is not None:
                    at = _user_to_page(page, bounds) if bounds is not None else None
                    return payload, at if at is not None else _locate_render(page, payload)
        whole_page = False
        for box in regions:
            region = _fraction(page, box)
            if region is None:
                whole_page = True
                continue
            found = _read_render(page, CROP_DPI, region)
            if found is not None:
                return found
        if whole_page:
            return _read_render(page, PAGE_DPI, None)
        return None
    finally:
        page.close()


def _read_render(
    page: pdfium.PdfPage, dpi: int, region: tuple[float, float, float, float] | None
) -> tuple[str, PageBox | None] | None:
    try:
        bitmap = _render(page, dpi, region)
    except pdfium.PdfiumError as exc:
        log.debug("rendu impossible pour la recherche de 2D-Doc : %s", exc)
        return None
    try:
        found = read_bitmap_at(bitmap, try_harder=True)
        shape = (bitmap.height, bitmap.width)
    finally:
        bitmap.close()
    if found is None:
        return None
    rotated = page.get_rotation() not in (0, None)
    return found[0], None if rotated else page_fractions(found[1], shape, region)
