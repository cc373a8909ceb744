"""Pixel helpers shared by the page cleaning steps: resampling, percentiles, paper background, ink mask."""

from __future__ import annotations

import os

from docproc.settings import get_settings

# OpenCV reads this once, at import: cap it before the first ``import cv2`` (engineering.md B.4).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(get_settings().max_image_pixels))

import cv2 as cv2  # noqa: E402  (re-exported: every page-cleaning module imports OpenCV from here)
import numpy as np  # noqa: E402


def rescale(arr: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 1e-3:
        return arr
    h, w = arr.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    if factor > 1:
        return cv2.resize(arr, size, interpolation=cv2.INTER_CUBIC)
    inverse = 1.0 / factor
    if abs(inverse - round(inverse)) < 1e-6:
        return cv2.resize(arr, size, interpolation=cv2.INTER_AREA)  # whole ratio: fast
    # Halve with a Gaussian pyramid while we can (several times faster than INTER_AREA at
    # a fractional ratio on a full page), then finish with INTER_AREA on the smaller image.
    src = arr
    while src.shape[1] / 2 >= size[0] and src.shape[0] / 2 >= size[1] and min(src.shape[:2]) > 16:
        src = cv2.pyrDown(src)
    if src.shape[1] == size[0] and src.shape[0] == size[1]:
        return src
    return cv2.resize(src, size, interpolation=cv2.INTER_AREA)


def percentile(arr: np.ndarray, q: float, mask: np.ndarray | None = None) -> float:
    """The q-th percentile (0..100) of a uint8 image, optionally under a 0/1 mask (fast)."""
    hist = cv2.calcHist(
        [arr], [0], None if mask is None else mask.astype(np.uint8), [256], [0, 256]
    ).ravel()
    total = float(hist.sum())
    if total <= 0:
        return 255.0
    return float(np.searchsorted(np.cumsum(hist), total * q / 100.0))


def paper_background(arr: np.ndarray, char_px: float) -> np.ndarray:
    """The paper's brightness under the text: a max filter wider than strokes, then smoothed."""
    h, w = arr.shape
    # Work at a reduced size: lighting varies slowly.
    factor = min(1.0, 400.0 / max(h, w))
    small = rescale(arr, factor)
    k = max(3, int(round(char_px * factor * 2.5)) | 1)
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.medianBlur(bg, 5 if k < 9 else 7)
    bg = cv2.GaussianBlur(bg, (0, 0), k)
    if factor < 1.0:
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return bg


def flatten(arr: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Divide out the background so that the paper is uniformly light."""
    out = cv2.divide(arr, np.maximum(bg, 1), scale=235.0)
    return out


def ink_mask(arr: np.ndarray) -> np.ndarray:
    """Otsu on a flattened page: 1 where ink."""
    _, mask = cv2.threshold(arr, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask
