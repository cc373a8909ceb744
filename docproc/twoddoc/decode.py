"""Find and read the 2D-Doc DataMatrix of a PDF page or a photo (zxing-cpp).

On avis d'impôt and ASDIR the code sits in the top-left quarter of page 1 (about
x = 0.05-0.35·W, y = 0.02-0.2·H), so a PDF is read in this order: a 300 dpi grayscale crop
of that region, then the whole page at 200 dpi, then the same for the other pages asked
for. Photos and scans get a bounded series of attempts (as is, crops, scales, contrast,
rotations). zxing-cpp is called with ``TextMode.Plain`` so that GS/RS/US come back as
control characters, not as "<GS>" text.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium
import pypdfium2.raw  # noqa: F401  (binds pdfium.raw)

if TYPE_CHECKING:  # imported where used: a text PDF is searched without numpy, PIL or OpenCV
    import numpy as np
    import zxingcpp
    from PIL import Image

log = logging.getLogger(__name__)


def _cv2() -> Any:
    """OpenCV, imported on first use: text-PDF decoding needs none of it (CLI start-up time)."""
    import cv2
    return cv2


@functools.cache
def _datamatrix() -> zxingcpp.BarcodeFormats:
    import zxingcpp
    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix)

#: Region of the page searched first, as fractions (x0, y0, x1, y1), origin top-left.
TOP_LEFT = (0.0, 0.0, 0.45, 0.28)
CROP_DPI = 300
PAGE_DPI = 200
#: Time allowed to find_in_image before it gives up.
IMAGE_BUDGET_S = 4.0
_MAX_IMAGE_SIDE = 4000


def _first_read(variants: Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]],
                deadline: float) -> tuple[str | None, bool]:
    """The first payload read from a series of image variants, and whether the time ran out."""
    for variant, binarizer in variants:
        payload = read_array(variant, binarizer=binarizer)
        if payload is not None:
            return payload, False
        if time.monotonic() > deadline:
            return None, True
    return None, False


def _is_2ddoc(text: str) -> bool:
    return len(text) > 26 and text.startswith("DC")


def read_array(gray: np.ndarray, *, binarizer: zxingcpp.Binarizer | None = None,
               try_harder: bool = True) -> str | None:
    """The first 2D-Doc payload zxing-cpp finds in a grayscale image, or None."""
    found = read_array_at(gray, binarizer=binarizer, try_harder=try_harder)
    return found[0] if found else None


#: A box in an image's pixels: left, top, right, bottom.
PixelBox = tuple[float, float, float, float]
#: A box on a page as fractions of its width and height, origin top-left: x0, y0, x1, y1.
PageBox = tuple[float, float, float, float]


def _pixel_box(result: Any) -> PixelBox:
    pos = result.position
    corners = (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)
    xs, ys = [float(p.x) for p in corners], [float(p.y) for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def read_array_at(gray: np.ndarray, *, binarizer: zxingcpp.Binarizer | None = None,
                  try_harder: bool = True) -> tuple[str, PixelBox] | None:
    """The first 2D-Doc payload zxing-cpp finds in a grayscale image and where the symbol is
    (pixels of ``gray``), or None."""
    import numpy as np
    return _read_image_at(np.ascontiguousarray(gray), binarizer=binarizer, try_harder=try_harder)


def _read_bitmap(bitmap: pdfium.PdfBitmap, *, try_harder: bool) -> str | None:
    """:func:`read_array` on a PDFium bitmap, read in place (no numpy, no copy)."""
    found = _read_bitmap_at(bitmap, try_harder=try_harder)
    return found[0] if found else None


def _read_bitmap_at(bitmap: pdfium.PdfBitmap, *, try_harder: bool) -> tuple[str, PixelBox] | None:
    """:func:`read_array_at` on a PDFium bitmap, read in place (no numpy, no copy)."""
    import zxingcpp
    formats = {pdfium.raw.FPDFBitmap_Gray: zxingcpp.ImageFormat.Lum,
               pdfium.raw.FPDFBitmap_BGR: zxingcpp.ImageFormat.BGR,
               pdfium.raw.FPDFBitmap_BGRx: zxingcpp.ImageFormat.BGRA,
               pdfium.raw.FPDFBitmap_BGRA: zxingcpp.ImageFormat.BGRA}
    fmt = formats.get(bitmap.format)
    if fmt is None:
        return None
    try:
        # any buffer will do (nanobind), though the stub names numpy's ndarray
        buffer: Any = memoryview(bitmap.buffer).cast("B")
        view = zxingcpp.ImageView(buffer, bitmap.width, bitmap.height, fmt, bitmap.stride, bitmap.n_channels)
    except (ValueError, TypeError, RuntimeError) as exc:
        log.debug("zxing-cpp a refusé le bitmap : %s", exc)
        return None
    return _read_image_at(view, binarizer=None, try_harder=try_harder)


def _read_image_at(image: Any, *, binarizer: zxingcpp.Binarizer | None,
                   try_harder: bool) -> tuple[str, PixelBox] | None:
    import zxingcpp
    try:
        results = zxingcpp.read_barcodes(
            image, formats=_datamatrix(), text_mode=zxingcpp.TextMode.Plain,
            try_rotate=try_harder, try_downscale=try_harder, try_invert=False,
            binarizer=binarizer if binarizer is not None else zxingcpp.Binarizer.LocalAverage)
    except (ValueError, RuntimeError) as exc:  # e.g. degenerate image sizes
        log.debug("zxing-cpp a refusé l'image : %s", exc)
        return None
    for result in results:
        text = result.text
        if _is_2ddoc(text):
            return text, _pixel_box(result)
    return None


def _fractions(box: PixelBox, shape: tuple[int, ...],
               region: tuple[float, float, float, float] | None = None) -> PageBox:
    """A pixel box of an image that shows ``region`` of a page (the whole page by default) as
    fractions of the page."""
    h, w = shape[0], shape[1]
    rx0, ry0, rx1, ry1 = region or (0.0, 0.0, 1.0, 1.0)
    return (rx0 + box[0] / w * (rx1 - rx0), ry0 + box[1] / h * (ry1 - ry0),
            rx0 + box[2] / w * (rx1 - rx0), ry0 + box[3] / h * (ry1 - ry0))


#: Resolution of the page rendered only to find where a code already read is.
LOCATE_DPI = 100


def locate_in_image(img: Image.Image, payload: str) -> PageBox | None:
    """Where the 2D-Doc ``payload`` is on a page image, as fractions of the image: zxing's own
    position of the symbol (read or only seen), else the one square of dense texture that
    looks like a DataMatrix; None when neither says for sure."""
    import numpy as np
    import zxingcpp
    try:
        gray = _to_gray(img)
    except (OSError, ValueError):
        return None
    if gray.size == 0 or min(gray.shape) < 10:
        return None
    try:
        results = zxingcpp.read_barcodes(
            np.ascontiguousarray(gray), formats=_datamatrix(), text_mode=zxingcpp.TextMode.Plain,
            try_rotate=True, try_downscale=True, try_invert=False, return_errors=True,
            binarizer=zxingcpp.Binarizer.LocalAverage)
    except (ValueError, RuntimeError):
        results = []
    same = [r for r in results if r.valid and r.text == payload]
    seen = same or ([r for r in results if not r.valid] if len(results) == 1 else [])
    if seen:
        return _fractions(_pixel_box(seen[0]), gray.shape)
    squares = _dense_squares(gray)
    if len(squares) == 1:
        return _fractions(tuple(float(v) for v in squares[0]), gray.shape)  # type: ignore[arg-type]
    return None


# -- PDF ------------------------------------------------------------------------------------

def _render(page: pdfium.PdfPage, dpi: int,
            region: tuple[float, float, float, float] | None = None) -> pdfium.PdfBitmap:
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
        return _read_bitmap(bitmap, try_harder=try_harder)
    finally:
        bitmap.close()


#: Cheapest first: the crop at a modest resolution without zxing's slower passes, then harder.
FAST_CROP_DPI = 200
#: Embedded images larger than this (pixels) are not tried as a 2D-Doc.
_MAX_EMBEDDED_PIXELS = 4_000_000


def _pdf_attempts(page_indexes: Sequence[int]) -> Iterator[tuple[int, int, tuple[float, float, float, float] | None, bool]]:
    for index in page_indexes:
        yield index, FAST_CROP_DPI, TOP_LEFT, False
        yield index, CROP_DPI, TOP_LEFT, True
        yield index, PAGE_DPI, None, True


def _embedded_images(page: pdfium.PdfPage, max_depth: int = 1) -> Iterator[pdfium.PdfBitmap]:
    """The page's image objects as bitmaps (owned by PDFium: never closed here), a born-digital
    avis embeds its code as one."""
    for bitmap, _ in _embedded_images_at(page, max_depth):
        yield bitmap


def _embedded_images_at(page: pdfium.PdfPage,
                        max_depth: int = 1) -> Iterator[tuple[pdfium.PdfBitmap, Box | None]]:
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
                        payload = _read_bitmap(image, try_harder=False)
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


def bench_decode(pdf_bytes: bytes, repeat: int = 20) -> float:
    """Median wall time of :func:`find_in_pdf` on page 1, in milliseconds."""
    timings = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        find_in_pdf(pdf_bytes)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


# -- photos and scans -----------------------------------------------------------------------

def _to_gray(img: Image.Image) -> np.ndarray:
    import numpy as np
    from PIL import ImageOps
    with contextlib.suppress(ValueError, TypeError, OSError):
        img = ImageOps.exif_transpose(img) or img
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGBA").convert("RGB") if "A" in img.mode else img.convert("RGB")
    gray: np.ndarray = np.asarray(img.convert("L"), dtype=np.uint8)
    side = max(gray.shape)
    if side > _MAX_IMAGE_SIDE:
        factor = _MAX_IMAGE_SIDE / side
        gray = _cv2().resize(gray, None, fx=factor, fy=factor, interpolation=_cv2().INTER_AREA)
    return gray


def _scale(gray: np.ndarray, factor: float) -> np.ndarray:
    interpolation = _cv2().INTER_CUBIC if factor > 1 else _cv2().INTER_AREA
    out: np.ndarray = _cv2().resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)
    return out


def _crop(gray: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray:
    h, w = gray.shape
    x0, y0, x1, y1 = region
    return gray[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    matrix = _cv2().getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out: np.ndarray = _cv2().warpAffine(gray, matrix, (nw, nh), flags=_cv2().INTER_LINEAR,
                                        borderMode=_cv2().BORDER_CONSTANT, borderValue=255)
    return out


def _otsu(gray: np.ndarray) -> np.ndarray:
    _, binary = _cv2().threshold(_cv2().GaussianBlur(gray, (3, 3), 0), 0, 255,
                              _cv2().THRESH_BINARY + _cv2().THRESH_OTSU)
    out: np.ndarray = binary
    return out


def _clahe(gray: np.ndarray) -> np.ndarray:
    out: np.ndarray = _cv2().createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)
    return out


def _image_variants(gray: np.ndarray) -> Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]]:
    """Images to try, cheapest and likeliest first; built lazily, one at a time."""
    side = max(gray.shape)
    yield gray, None
    yield _scale(_crop(gray, (0.0, 0.0, 0.55, 0.4)), 2.0 if side < 2500 else 1.0), None
    if side < 1600:
        yield _scale(gray, 2.0), None
    if side > 1200:
        yield _scale(gray, 0.5), None
    yield from _harder_variants(gray)
    for region in ((0, 0, 0.55, 0.55), (0.45, 0, 1, 0.55), (0, 0.45, 0.55, 1), (0.45, 0.45, 1, 1)):
        yield _scale(_crop(gray, region), 1.5), None


def find_in_image(img: Image.Image, *, time_budget_s: float = IMAGE_BUDGET_S) -> str | None:
    """The 2D-Doc payload of a photo or scan, or None; stops after ``time_budget_s``."""
    deadline = time.monotonic() + time_budget_s
    try:
        gray = _to_gray(img)
    except (OSError, ValueError) as exc:
        log.debug("image illisible pour la recherche de 2D-Doc : %s", exc)
        return None
    if gray.size == 0 or min(gray.shape) < 10:
        return None
    return _first_read(_image_variants(gray), deadline)[0]


# -- every page at read time ----------------------------------------------------------------
#
# ``docproc.text.acquire`` searches each page once, as it reads it, so that a code is found on
# any page of any document. The searches below are cheap where codes are rare: a text page is
# rendered only when something on it could be a code, a scanned page gets the harder passes
# only when something on it looks like a DataMatrix.

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
#: Harder passes on a scanned page or photo, once something on it looks like a code.
SCAN_BUDGET_S = 1.5
#: Long side (px) of the thumbnail searched for dense squares.
_THUMB_SIDE = 1200

Box = tuple[float, float, float, float]  # PDF user space: left, bottom, right, top (pt)


def _bounds(obj: Any) -> Box | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium.raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    return float(left.value), float(bottom.value), float(right.value), float(top.value)


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


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
            elif (min(w, h) >= 8 * _PT_PER_MM and max(w, h) <= 100 * _PT_PER_MM
                  and max(w, h) <= 1.4 * min(w, h)
                  and pdfium.raw.FPDFPath_CountSegments(obj) >= _PATH_MIN_SEGMENTS):
                regions.append(box)
        elif kind == pdfium.raw.FPDF_PAGEOBJ_FORM:
            inner = pdfium.raw.FPDFFormObj_CountObjects(obj)
            nested = [pdfium.raw.FPDFPageObj_GetType(pdfium.raw.FPDFFormObj_GetObject(obj, k))
                      for k in range(max(0, inner))]
            has_image = pdfium.raw.FPDF_PAGEOBJ_IMAGE in nested
            images += nested.count(pdfium.raw.FPDF_PAGEOBJ_IMAGE)
            if (has_image or nested.count(pdfium.raw.FPDF_PAGEOBJ_PATH) >= _CLUSTER_MIN_PATHS
                    or pdfium.raw.FPDF_PAGEOBJ_FORM in nested) and (box := _bounds(obj)) is not None:
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
        found = _read_bitmap_at(bitmap, try_harder=True)
        shape = (bitmap.height, bitmap.width)
    finally:
        bitmap.close()
    return _fractions(found[1], shape) if found and found[0] == payload else None


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
                payload = _read_bitmap(image, try_harder=False)
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


def _read_render(page: pdfium.PdfPage, dpi: int,
                 region: tuple[float, float, float, float] | None) -> tuple[str, PageBox | None] | None:
    try:
        bitmap = _render(page, dpi, region)
    except pdfium.PdfiumError as exc:
        log.debug("rendu impossible pour la recherche de 2D-Doc : %s", exc)
        return None
    try:
        found = _read_bitmap_at(bitmap, try_harder=True)
        shape = (bitmap.height, bitmap.width)
    finally:
        bitmap.close()
    if found is None:
        return None
    rotated = page.get_rotation() not in (0, None)
    return found[0], None if rotated else _fractions(found[1], shape, region)


def _spots(gray: np.ndarray) -> tuple[str | None, list[tuple[int, int, int, int]]]:
    """One fast zxing pass at native resolution: (payload, boxes of symbols seen but not read)."""
    import numpy as np
    import zxingcpp
    try:
        results = zxingcpp.read_barcodes(
            np.ascontiguousarray(gray), formats=_datamatrix(), text_mode=zxingcpp.TextMode.Plain,
            try_rotate=False, try_downscale=False, try_invert=False, return_errors=True,
            binarizer=zxingcpp.Binarizer.LocalAverage)
    except (ValueError, RuntimeError) as exc:
        log.debug("zxing-cpp a refusé l'image : %s", exc)
        return None, []
    boxes = []
    for result in results:
        if result.valid and _is_2ddoc(result.text):
            return result.text, []
        pos = result.position
        xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
        ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return None, boxes


def _dense_squares(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (px) of square blobs of dense black and white texture, the look of a DataMatrix.

    On a thumbnail: Otsu threshold, a closing that merges modules (not text lines), then
    connected components that are square, solid once closed and half inked.
    """
    cv2 = _cv2()
    h, w = gray.shape
    factor = min(1.0, _THUMB_SIDE / max(h, w))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else gray
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    k = max(3, round(min(small.shape) / 250))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    lo, hi = min(small.shape) * 0.03, min(small.shape) * 0.45
    out = []
    for x, y, bw, bh, area in stats[1:count]:
        if not (lo <= bw <= hi and lo <= bh <= hi and 0.75 <= bw / bh <= 1.33):
            continue
        if area / (bw * bh) < 0.6:
            continue
        inked = float(ink[y:y + bh, x:x + bw].mean()) / 255
        if 0.25 <= inked <= 0.8:
            out.append((int(x / factor), int(y / factor), int((x + bw) / factor), int((y + bh) / factor)))
    return out


def _around(gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    h, w = gray.shape
    x0, y0, x1, y1 = box
    pad = max(x1 - x0, y1 - y0) // 2 + 10
    return gray[max(0, y0 - pad):min(h, y1 + pad), max(0, x0 - pad):min(w, x1 + pad)]


def _harder_variants(gray: np.ndarray) -> Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]]:
    """The passes every search ends with: other binarisations, contrast, denoising, tilts."""
    import zxingcpp
    yield gray, zxingcpp.Binarizer.GlobalHistogram
    yield _otsu(gray), None
    yield _clahe(gray), None
    yield _cv2().medianBlur(gray, 3), None
    for angle in (10.0, -10.0, 25.0, -25.0, 45.0):
        yield _rotate(gray, angle), None


def _crop_variants(crop: np.ndarray) -> Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]]:
    side = max(crop.shape)
    yield crop, None
    if side < 1200:
        yield _scale(crop, 2.0), None
    yield from _harder_variants(crop)


def find_on_scan(img: Image.Image, *, time_budget_s: float = SCAN_BUDGET_S) -> str | None:
    """The 2D-Doc payload of a scanned page or photo, searched as the page is read, or None.

    One fast zxing pass over the whole page at native resolution finds a clean code (tens of
    ms). Only when something on the page looks like a DataMatrix (a symbol zxing saw but could
    not read, or a square of dense texture) come the harder passes, around it first, then
    over the page (:func:`find_in_image`'s series), until ``time_budget_s`` is spent. A page
    of text alone costs the fast pass and the look for squares.
    """
    started = time.monotonic()
    try:
        gray = _to_gray(img)
    except (OSError, ValueError) as exc:
        log.debug("image illisible pour la recherche de 2D-Doc : %s", exc)
        return None
    if gray.size == 0 or min(gray.shape) < 10:
        return None
    payload, seen = _spots(gray)
    if payload is not None:
        return payload
    squares = _dense_squares(gray)
    if not seen and not squares:
        return None
    deadline = started + time_budget_s
    for box in squares + seen:
        crop = _around(gray, box)
        if min(crop.shape) < 10:
            continue
        payload, late = _first_read(_crop_variants(crop), deadline)
        if payload is not None or late:
            return payload
    if not squares:
        return None
    return _first_read(_image_variants(gray), deadline)[0]
