"""Find and read the 2D-Doc DataMatrix of a PDF page or a photo (zxing-cpp).

On avis d'impôt and ASDIR the code sits in the top-left quarter of page 1 (about
x = 0.05-0.35·W, y = 0.02-0.2·H), so a PDF is read in this order: a 300 dpi grayscale crop
of that region, then the whole page at 200 dpi, then the same for the other pages asked
for. Photos and scans get a bounded series of attempts (as is, crops, scales, contrast,
rotations). zxing-cpp is called with ``TextMode.Plain`` so that GS/RS/US come back as
control characters, not as "<GS>" text.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium
import pypdfium2.raw  # noqa: F401  (binds pdfium.raw)

if TYPE_CHECKING:  # imported where used: a text PDF is searched without numpy, PIL or OpenCV
    import numpy as np
    import zxingcpp


log = logging.getLogger(__name__)


def cv2_module() -> Any:
    """OpenCV, imported on first use: text-PDF decoding needs none of it (CLI start-up time)."""
    import cv2

    return cv2


@functools.cache
def datamatrix_formats() -> zxingcpp.BarcodeFormats:
    import zxingcpp

    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix)


#: Region of the page searched first, as fractions (x0, y0, x1, y1), origin top-left.
TOP_LEFT = (0.0, 0.0, 0.45, 0.28)


CROP_DPI = 300


PAGE_DPI = 200


def first_read(
    variants: Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]], deadline: float
) -> tuple[str | None, bool]:
    """The first payload read from a series of image variants, and whether the time ran out."""
    for variant, binarizer in variants:
        payload = read_array(variant, binarizer=binarizer)
        if payload is not None:
            return payload, False
        if time.monotonic() > deadline:
            return None, True
    return None, False


def is_2ddoc(text: str) -> bool:
    return len(text) > 26 and text.startswith("DC")


def read_array(
    gray: np.ndarray, *, binarizer: zxingcpp.Binarizer | None = None, try_harder: bool = True
) -> str | None:
    """The first 2D-Doc payload zxing-cpp finds in a grayscale image, or None."""
    found = read_array_at(gray, binarizer=binarizer, try_harder=try_harder)
    return found[0] if found else None


#: A box in an image's pixels: left, top, right, bottom.
PixelBox = tuple[float, float, float, float]


#: A box on a page as fractions of its width and height, origin top-left: x0, y0, x1, y1.
PageBox = tuple[float, float, float, float]


def pixel_box(result: Any) -> PixelBox:
    pos = result.position
    corners = (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)
    xs, ys = [float(p.x) for p in corners], [float(p.y) for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def read_array_at(
    gray: np.ndarray, *, binarizer: zxingcpp.Binarizer | None = None, try_harder: bool = True
) -> tuple[str, PixelBox] | None:
    """The first 2D-Doc payload zxing-cpp finds in a grayscale image and where the symbol is
    (pixels of ``gray``), or None."""
    import numpy as np

    return read_image_at(np.ascontiguousarray(gray), binarizer=binarizer, try_harder=try_harder)


def read_bitmap(bitmap: pdfium.PdfBitmap, *, try_harder: bool) -> str | None:
    """:func:`read_array` on a PDFium bitmap, read in place (no numpy, no copy)."""
    found = read_bitmap_at(bitmap, try_harder=try_harder)
    return found[0] if found else None


def read_bitmap_at(bitmap: pdfium.PdfBitmap, *, try_harder: bool) -> tuple[str, PixelBox] | None:
    """:func:`read_array_at` on a PDFium bitmap, read in place (no numpy, no copy)."""
    import zxingcpp

    formats = {
        pdfium.raw.FPDFBitmap_Gray: zxingcpp.ImageFormat.Lum,
        pdfium.raw.FPDFBitmap_BGR: zxingcpp.ImageFormat.BGR,
        pdfium.raw.FPDFBitmap_BGRx: zxingcpp.ImageFormat.BGRA,
        pdfium.raw.FPDFBitmap_BGRA: zxingcpp.ImageFormat.BGRA,
    }
    fmt = formats.get(bitmap.format)
    if fmt is None:
        return None
    try:
        # any buffer will do (nanobind), though the stub names numpy's ndarray
        buffer: Any = memoryview(bitmap.buffer).cast("B")
        view = zxingcpp.ImageView(
            buffer, bitmap.width, bitmap.height, fmt, bitmap.stride, bitmap.n_channels
        )
    except (ValueError, TypeError, RuntimeError) as exc:
        log.debug("zxing-cpp a refusé le bitmap : %s", exc)
        return None
    return read_image_at(view, binarizer=None, try_harder=try_harder)


def read_image_at(
    image: Any, *, binarizer: zxingcpp.Binarizer | None, try_harder: bool
) -> tuple[str, PixelBox] | None:
    import zxingcpp

    try:
        results = zxingcpp.read_barcodes(
            image,
            formats=datamatrix_formats(),
            text_mode=zxingcpp.TextMode.Plain,
            try_rotate=try_harder,
            try_downscale=try_harder,
            try_invert=False,
            binarizer=binarizer if binarizer is not None else zxingcpp.Binarizer.LocalAverage,
        )
    except (ValueError, RuntimeError) as exc:  # e.g. degenerate image sizes
        log.debug("zxing-cpp a refusé l'image : %s", exc)
        return None
    for result in results:
        text = result.text
        if is_2ddoc(text):
            return text, pixel_box(result)
    return None


def page_fractions(
    box: PixelBox, shape: tuple[int, ...], region: tuple[float, float, float, float] | None = None
) -> PageBox:
    """A pixel box of an image that shows ``region`` of a page (the whole page by default) as
    fractions of the page."""
    h, w = shape[0], shape[1]
    rx0, ry0, rx1, ry1 = region or (0.0, 0.0, 1.0, 1.0)
    return (
        rx0 + box[0] / w * (rx1 - rx0),
        ry0 + box[1] / h * (ry1 - ry0),
        rx0 + box[2] / w * (rx1 - rx0),
        ry0 + box[3] / h * (ry1 - ry0),
    )
