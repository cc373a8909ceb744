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
import logging
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw  # noqa: F401  (binds pdfium.raw)
import zxingcpp
from PIL import Image, ImageOps

log = logging.getLogger(__name__)


def _cv2() -> Any:
    """OpenCV, imported on first use: text-PDF decoding needs none of it (CLI start-up time)."""
    import cv2
    return cv2

_DATAMATRIX = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix)
#: Region of the page searched first, as fractions (x0, y0, x1, y1), origin top-left.
TOP_LEFT = (0.0, 0.0, 0.45, 0.28)
CROP_DPI = 300
PAGE_DPI = 200
#: Time allowed to find_in_image before it gives up.
IMAGE_BUDGET_S = 4.0
_MAX_IMAGE_SIDE = 4000


def _is_2ddoc(text: str) -> bool:
    return len(text) > 26 and text.startswith("DC")


def read_array(gray: np.ndarray, *, binarizer: zxingcpp.Binarizer | None = None,
               try_harder: bool = True) -> str | None:
    """The first 2D-Doc payload zxing-cpp finds in a grayscale image, or None."""
    try:
        results = zxingcpp.read_barcodes(
            np.ascontiguousarray(gray), formats=_DATAMATRIX, text_mode=zxingcpp.TextMode.Plain,
            try_rotate=try_harder, try_downscale=try_harder, try_invert=False,
            binarizer=binarizer if binarizer is not None else zxingcpp.Binarizer.LocalAverage)
    except (ValueError, RuntimeError) as exc:  # e.g. degenerate image sizes
        log.debug("zxing-cpp a refusé l'image : %s", exc)
        return None
    for result in results:
        text = result.text
        if _is_2ddoc(text):
            return text
    return None


# -- PDF ------------------------------------------------------------------------------------

def _render(page: pdfium.PdfPage, dpi: int,
            region: tuple[float, float, float, float] | None = None) -> np.ndarray:
    width, height = page.get_size()
    if page.get_rotation() in (90, 270):
        width, height = height, width
    crop = (0.0, 0.0, 0.0, 0.0)
    if region is not None:
        x0, y0, x1, y1 = region
        crop = (x0 * width, (1 - y1) * height, (1 - x1) * width, y0 * height)
    bitmap = page.render(scale=dpi / 72, crop=crop, grayscale=True, no_smoothimage=True)
    try:
        arr = bitmap.to_numpy()
        return arr.reshape(arr.shape[0], arr.shape[1]) if arr.ndim == 3 else arr.copy()
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


def _embedded_images(page: pdfium.PdfPage) -> Iterator[np.ndarray]:
    """The page's image objects as grey arrays: a born-digital avis embeds its code as one."""
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=1):
        try:
            width, height = obj.get_px_size()
            if width * height > _MAX_EMBEDDED_PIXELS or min(width, height) < 20:
                continue
            bitmap = obj.get_bitmap(render=False)
            arr = bitmap.to_numpy()
        except (pdfium.PdfiumError, ValueError, TypeError):
            continue
        if arr.ndim == 3:
            arr = arr[..., :3].mean(axis=2).astype(np.uint8) if arr.shape[2] >= 3 else arr[..., 0]
        yield np.ascontiguousarray(arr)


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
                        payload = read_array(image, try_harder=False)
                        if payload is not None:
                            return payload, index
                try:
                    gray = _render(page, dpi, region)
                except pdfium.PdfiumError as exc:
                    log.debug("page %d non rendue : %s", index, exc)
                    continue
                payload = read_array(gray, try_harder=harder)
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
    return _cv2().resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)


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
    return _cv2().warpAffine(gray, matrix, (nw, nh), flags=_cv2().INTER_LINEAR,
                          borderMode=_cv2().BORDER_CONSTANT, borderValue=255)


def _otsu(gray: np.ndarray) -> np.ndarray:
    _, binary = _cv2().threshold(_cv2().GaussianBlur(gray, (3, 3), 0), 0, 255,
                              _cv2().THRESH_BINARY + _cv2().THRESH_OTSU)
    return binary


def _clahe(gray: np.ndarray) -> np.ndarray:
    return _cv2().createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)


def _image_variants(gray: np.ndarray) -> Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]]:
    """Images to try, cheapest and likeliest first; built lazily, one at a time."""
    side = max(gray.shape)
    yield gray, None
    yield _scale(_crop(gray, (0.0, 0.0, 0.55, 0.4)), 2.0 if side < 2500 else 1.0), None
    if side < 1600:
        yield _scale(gray, 2.0), None
    if side > 1200:
        yield _scale(gray, 0.5), None
    yield gray, zxingcpp.Binarizer.GlobalHistogram
    yield _otsu(gray), None
    yield _clahe(gray), None
    yield _cv2().medianBlur(gray, 3), None
    for angle in (10.0, -10.0, 25.0, -25.0, 45.0):
        yield _rotate(gray, angle), None
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
    for variant, binarizer in _image_variants(gray):
        payload = read_array(variant, binarizer=binarizer)
        if payload is not None:
            return payload
        if time.monotonic() > deadline:
            break
    return None
