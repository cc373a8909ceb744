"""Big text across the page (watermarks such as a grey "SPECIMEN"): found from its shapes, for
the OCR to read, then erased so that the text printed over it is read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from docproc.text.orientation import rotate_matrix
from docproc.text.pixels import cv2, ink_mask, percentile, rescale

#: A watermark ("SPECIMEN" across the page) is looked for at this character height
#: (pixels), after a grey closing that erases every stroke of text; what is left at least
#: WATERMARK_DELTA below the paper, in letters WATERMARK_HEIGHT character heights high…
WATERMARK_CHAR = 6.0

WATERMARK_DELTA = 18

WATERMARK_HEIGHT = (3.0, 40.0)

#: …at least this many of them, of like size, along one line, is a word worth reading.
WATERMARK_MIN_GLYPHS = 4

#: Height (pixels) of the watermark's letters in the copy given to Tesseract.
WATERMARK_READ_HEIGHT = 48


@dataclass
class BigText:
    """A line of letters far taller than the text (a watermark), ready to be read."""

    image: np.ndarray  # uint8, black letters on white, turned so that the line is level
    box: tuple[int, int, int, int]  # where the letters lie in the cleaned page (pixels)
    angle: float  # degrees counter-clockwise the line rises
    glyphs: int
    #: The letters' shapes (1) in a copy of the page ``factor`` times its size.
    mask: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.uint8))
    factor: float = 1.0


def big_text(page: np.ndarray, char_px: float) -> BigText | None:
    """A line of letters many times taller than the text, such as a "SPECIMEN" printed
    across the page in light grey: found from its shapes alone, for OCR to read.

    At a size where the text is WATERMARK_CHAR pixels high, a grey closing wider than any
    stroke of text erases the text (and 2D-Doc modules, table rules) but not the thick
    strokes of big letters, nor the grey under text printed over them. What is left is
    kept when at least WATERMARK_MIN_GLYPHS shapes of like height line up.
    """
    if char_px <= 0:
        return None
    factor = min(1.0, WATERMARK_CHAR / char_px)
    small = rescale(page, factor)
    c = char_px * factor
    k = max(3, int(round(0.6 * c)) | 1)
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    paper = percentile(small, 90)
    mask = (closed < paper - WATERMARK_DELTA).astype(np.uint8)
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= WATERMARK_MIN_GLYPHS:
        return None
    bw, bh, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    size = np.maximum(bw, bh)
    glyph = (
        (size >= WATERMARK_HEIGHT[0] * c)
        & (size <= WATERMARK_HEIGHT[1] * c)
        & (bw <= 3 * bh)
        & (bh <= 4 * bw)
        & (area >= 0.12 * bw * bh)
        & (area <= 0.85 * bw * bh)
    )
    idx = np.nonzero(glyph)[0]
    if len(idx) < WATERMARK_MIN_GLYPHS:
        return None
    # The largest group of shapes of like size (within a factor 1.6 of each other)…
    sizes = size[idx].astype(np.float64)
    best = idx
    for ref in sizes:
        group = idx[(sizes >= ref / 1.6) & (sizes <= ref)]
        if len(group) > len(best) or best is idx:
            best = group
    # …lying along one line (a logo or a 2D-Doc of like size elsewhere is left out).
    vx = vy = x0 = y0 = 0.0
    for _ in range(2):
        if len(best) < WATERMARK_MIN_GLYPHS:
            return None
        pts = centroids[best + 1].astype(np.float32)
        vx, vy, x0, y0 = (float(v) for v in cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
        across = np.abs((pts[:, 0] - x0) * vy - (pts[:, 1] - y0) * vx)
        height = float(np.median(size[best]))
        best = best[across <= 0.4 * height]
    if len(best) < WATERMARK_MIN_GLYPHS:
        return None
    height = float(np.median(size[best]))
    if vx < 0:
        vx, vy = -vx, -vy
    angle = math.degrees(math.atan2(-vy, vx))  # image y points down
    keep = np.zeros(n, dtype=bool)
    keep[best + 1] = True
    letters = np.where(keep[labels], 0, 255).astype(np.uint8)
    xs = stats[best + 1, 0]
    ys = stats[best + 1, 1]
    gx0, gy0 = int(xs.min()), int(ys.min())
    gx1 = int((stats[best + 1, 0] + stats[best + 1, 2]).max())
    gy1 = int((stats[best + 1, 1] + stats[best + 1, 3]).max())
    pad = int(height * 0.3)
    crop = letters[max(0, gy0 - pad) : gy1 + pad, max(0, gx0 - pad) : gx1 + pad]
    # Level the line, then bring its letters to the height Tesseract reads best. The
    # letters' height along the line is about their bounding box's at this angle.
    rad = math.radians(angle)
    upright = height / (abs(math.cos(rad)) + abs(math.sin(rad)) * 0.7)
    zoom = min(1.0, WATERMARK_READ_HEIGHT / max(1.0, upright))
    ch, cw = crop.shape
    m, rw, rh = rotate_matrix(cw, ch, -angle)
    m[:, :2] *= zoom
    m[:, 2] *= zoom
    level = cv2.warpAffine(
        crop,
        m,
        (max(1, int(rw * zoom)), max(1, int(rh * zoom))),
        flags=cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR,
        borderValue=255,
    )
    ys_, xs_ = np.nonzero(level < 128)
    if len(xs_):
        margin = max(4, WATERMARK_READ_HEIGHT // 3)
        level = level[
            max(0, int(ys_.min()) - margin) : int(ys_.max()) + margin + 1,
            max(0, int(xs_.min()) - margin) : int(xs_.max()) + margin + 1,
        ]
    inv = 1.0 / factor
    box = (int(gx0 * inv), int(gy0 * inv), int(gx1 * inv), int(gy1 * inv))
    return BigText(
        image=np.ascontiguousarray(level),
        box=box,
        angle=angle,
        glyphs=len(best),
        mask=keep[labels].astype(np.uint8),
        factor=factor,
    )


def erase_big_text(page: np.ndarray, big: BigText) -> np.ndarray:
    """The page with the light pixels of a watermark's letters painted with the paper's
    grey; the text printed over them, darker, is kept (Tesseract loses whole boxes of text
    under a grey "SPECIMEN")."""
    h, w = page.shape
    mask = cv2.resize(big.mask, (w, h), interpolation=cv2.INTER_NEAREST)
    grow = max(3, int(round(2 / max(big.factor, 1e-3))) | 1)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (grow, grow)))
    ink = ink_mask(page)
    paper = int(percentile(page, 60, 1 - ink))
    out = page.copy()
    out[(mask > 0) & (ink == 0)] = paper
    return out
