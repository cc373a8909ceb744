"""From the page as OCR read it back to the file as it was uploaded.

An OCR'd page is read upright, deskewed and, for a photo, with its perspective undone: the
boxes of its words (``bbox``) are fractions of *that* page. Someone looking at the uploaded
photo or turned scan needs the same box on the file's own pixels (``file_bbox``). The
clean-up knows the projective map from the file's pixels to the page it made; this module
turns it into a map between fractions and applies it to boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from docproc.models import Box

if TYPE_CHECKING:
    import numpy as np

#: A map whose every coefficient is this close to the identity's changes no box (a straight
#: scan, only resampled): the page's fractions are the file's.
IDENTITY_TOLERANCE = 1e-3


def quarter_turn(k: int, width: float, height: float) -> np.ndarray:
    """The 3×3 map of pixel coordinates through ``numpy.rot90(image, k)`` (counter-clockwise
    quarter turns) of an image ``width`` × ``height`` (edges, not pixel centres)."""
    import numpy as np

    m = np.eye(3)
    w, h = float(width), float(height)
    for _ in range(k % 4):
        m = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]]) @ m
        w, h = h, w
    return m


def page_to_file(
    file_to_page: np.ndarray,
    file_size: tuple[float, float],
    page_size: tuple[float, float],
) -> tuple[float, ...] | None:
    """The map from fractions of the page (width, height ``page_size``) to fractions of the
    file's image (``file_size``), given the pixel map ``file_to_page``; ``None`` when it is the
    identity (nothing to redraw) or cannot be inverted."""
    import numpy as np

    fw, fh = file_size
    pw, ph = page_size
    if min(fw, fh, pw, ph) <= 0:
        return None
    try:
        back = np.linalg.inv(np.asarray(file_to_page, dtype=np.float64))
    except np.linalg.LinAlgError:
        return None
    m = np.diag([1.0 / fw, 1.0 / fh, 1.0]) @ back @ np.diag([pw, ph, 1.0])
    if not np.all(np.isfinite(m)) or abs(m[2, 2]) < 1e-12:
        return None
    m = m / m[2, 2]
    if np.max(np.abs(m - np.eye(3))) < IDENTITY_TOLERANCE:
        return None
    return tuple(float(v) for v in m.ravel())


def map_box(box: Sequence[float] | None, to_file: Sequence[float] | None) -> Box | None:
    """``box`` (fractions of the page, ``[x0, y0, x1, y1]``) on the file: the rectangle around
    its four mapped corners, clipped to the image; ``None`` without a box, a map, or when the
    box falls outside the image. Plain Python: the extraction runs it without numpy."""
    if box is None or to_file is None or len(box) != 4 or len(to_file) != 9:
        return None
    m = [float(v) for v in to_file]
    x0, y0, x1, y1 = (float(v) for v in box)
    xs, ys = [], []
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        z = m[6] * x + m[7] * y + m[8]
        if z <= 1e-9:
            return None  # behind the camera: not a place on the file
        xs.append((m[0] * x + m[1] * y + m[2]) / z)
        ys.append((m[3] * x + m[4] * y + m[5]) / z)
    out = (max(0.0, min(xs)), max(0.0, min(ys)), min(1.0, max(xs)), min(1.0, max(ys)))
    if out[0] >= out[2] or out[1] >= out[3]:
        return None
    return out
