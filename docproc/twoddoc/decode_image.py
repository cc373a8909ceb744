"""The 2D-Doc of a photo or a scan: a bounded series of attempts (crops, scales, contrast, rotations), and where the code is."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import zxingcpp
    from PIL import Image

from docproc.twoddoc.decode import (
    PageBox,
    cv2_module,
    datamatrix_formats,
    first_read,
    is_2ddoc,
    page_fractions,
    pixel_box,
)

log = logging.getLogger(__name__)

#: Time allowed to find_in_image before it gives up.
IMAGE_BUDGET_S = 4.0


_MAX_IMAGE_SIDE = 4000


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
            np.ascontiguousarray(gray),
            formats=datamatrix_formats(),
            text_mode=zxingcpp.TextMode.Plain,
            try_rotate=True,
            try_downscale=True,
            try_invert=False,
            return_errors=True,
            binarizer=zxingcpp.Binarizer.LocalAverage,
        )
    except (ValueError, RuntimeError):
        results = []
    same = [r for r in results if r.valid and r.text == payload]
    seen = same or ([r for r in results if not r.valid] if len(results) == 1 else [])
    if seen:
        return page_fractions(pixel_box(seen[0]), gray.shape)
    squares = _dense_squares(gray)
    if len(squares) == 1:
        return page_fractions(tuple(float(v) for v in squares[0]), gray.shape)  # type: ignore[arg-type]
    return None


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
        gray = cv2_module().resize(
            gray, None, fx=factor, fy=factor, interpolation=cv2_module().INTER_AREA
        )
    return gray


def _scale(gray: np.ndarray, factor: float) -> np.ndarray:
    interpolation = cv2_module().INTER_CUBIC if factor > 1 else cv2_module().INTER_AREA
    out: np.ndarray = cv2_module().resize(
        gray, None, fx=factor, fy=factor, interpolation=interpolation
    )
    return out


def _crop(gray: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray:
    h, w = gray.shape
    x0, y0, x1, y1 = region
    return gray[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2_module().getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out: np.ndarray = cv2_module().warpAffine(
        gray,
        matrix,
        (nw, nh),
        flags=cv2_module().INTER_LINEAR,
        borderMode=cv2_module().BORDER_CONSTANT,
        borderValue=255,
    )
    return out


def _otsu(gray: np.ndarray) -> np.ndarray:
    _, binary = cv2_module().threshold(
        cv2_module().GaussianBlur(gray, (3, 3), 0),
        0,
        255,
        cv2_module().THRESH_BINARY + cv2_module().THRESH_OTSU,
    )
    out: np.ndarray = binary
    return out


def _clahe(gray: np.ndarray) -> np.ndarray:
    out: np.ndarray = cv2_module().createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)
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
    return first_read(_image_variants(gray), deadline)[0]


#: Harder passes on a scanned page or photo, once something on it looks like a code.
SCAN_BUDGET_S = 1.5


#: Long side (px) of the thumbnail searched for dense squares.
_THUMB_SIDE = 1200


def _spots(gray: np.ndarray) -> tuple[str | None, list[tuple[int, int, int, int]]]:
    """One fast zxing pass at native resolution: (payload, boxes of symbols seen but not read)."""
    import numpy as np
    import zxingcpp

    try:
        results = zxingcpp.read_barcodes(
            np.ascontiguousarray(gray),
            formats=datamatrix_formats(),
            text_mode=zxingcpp.TextMode.Plain,
            try_rotate=False,
            try_downscale=False,
            try_invert=False,
            return_errors=True,
            binarizer=zxingcpp.Binarizer.LocalAverage,
        )
    except (ValueError, RuntimeError) as exc:
        log.debug("zxing-cpp a refusé l'image : %s", exc)
        return None, []
    boxes = []
    for result in results:
        if result.valid and is_2ddoc(result.text):
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
    cv2 = cv2_module()
    h, w = gray.shape
    factor = min(1.0, _THUMB_SIDE / max(h, w))
    small = (
        cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        if factor < 1
        else gray
    )
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    k = max(3, round(min(small.shape) / 250))
    closed = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    lo, hi = min(small.shape) * 0.03, min(small.shape) * 0.45
    out = []
    for x, y, bw, bh, area in stats[1:count]:
        if not (lo <= bw <= hi and lo <= bh <= hi and 0.75 <= bw / bh <= 1.33):
            continue
        if area / (bw * bh) < 0.6:
            continue
        inked = float(ink[y : y + bh, x : x + bw].mean()) / 255
        if 0.25 <= inked <= 0.8:
            out.append(
                (int(x / factor), int(y / factor), int((x + bw) / factor), int((y + bh) / factor))
            )
    return out


def _around(gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    h, w = gray.shape
    x0, y0, x1, y1 = box
    pad = max(x1 - x0, y1 - y0) // 2 + 10
    return gray[max(0, y0 - pad) : min(h, y1 + pad), max(0, x0 - pad) : min(w, x1 + pad)]


def _harder_variants(gray: np.ndarray) -> Iterator[tuple[np.ndarray, zxingcpp.Binarizer | None]]:
    """The passes every search ends with: other binarisations, contrast, denoising, tilts."""
    import zxingcpp

    yield gray, zxingcpp.Binarizer.GlobalHistogram
    yield _otsu(gray), None
    yield _clahe(gray), None
    yield cv2_module().medianBlur(gray, 3), None
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
        payload, late = first_read(_crop_variants(crop), deadline)
        if payload is not None or late:
            return payload
    if not squares:
        return None
    return first_read(_image_variants(gray), deadline)[0]
