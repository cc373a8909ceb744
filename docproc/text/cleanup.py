"""Clean a scanned or photographed page before OCR.

Steps, all on greyscale numpy arrays with OpenCV (never decoding bytes with it):

1. find the sheet in a phone photo and undo the perspective;
2. find the text direction (0/90/180/270) and the residual skew;
3. measure the text size and pick the scale that suits Tesseract;
4. apply 1–3 in a single resampling of the original pixels;
5. flatten uneven light (shadows, vignette) without binarising: Tesseract's own Otsu
   on a flat grey page does better than an adaptive threshold (performance.md §3b);
6. for Tesseract's copy only, erase table rules and graphics (2D-Doc, logos);
7. measure sharpness on the text (variance of the Laplacian) and contrast.

It also tells a page without text (blank, a photo of something else, noise) from a page
of text, from how its blobs line up, so that OCR can be skipped.

The orientation test is a cheap geometric one (text lines and the ascender/descender
balance of words); only when it is unsure does it call ``osd`` (Tesseract's orientation
detector, supplied by the caller), so upright pages never pay for it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from docproc.settings import get_settings

# OpenCV reads this once, at import: cap it before the first ``import cv2`` (engineering.md B.4).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(get_settings().max_image_pixels))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

#: Long side of the page copy used to analyse layout (≈ 150 dpi for an A4 sheet).
ANALYSIS_SIDE = 1700
#: Median height, in pixels, of the character blobs in the image given to Tesseract.
#: Body text of an avis (9–10 pt) then sits at about 200 dpi: measured best for both speed
#: and accuracy on degraded scans and photos (14: photos lose digits; 20+: slower, no better).
TARGET_CHAR_HEIGHT = 16.0
#: Scans whose median blob is already this high (pixels) are not resampled.
KEEP_CHAR_HEIGHT = (12.5, 17.0)
#: Never upscale a page by more than this, nor downscale it by more. A screen capture of
#: a page at 72 dpi has 7-pixel characters: it needs 2.3x to reach TARGET_CHAR_HEIGHT
#: (at 2x, "Avis d'impôt établi en 2025" was read "oli en 2025").
MAX_UPSCALE = 4.0
MIN_SCALE = 0.2
#: Below this many marks of ink the size of letters (or of words, when blur merges the
#: letters of small print) a page is considered to carry no text.
MIN_BLOBS = 20
#: Gradient of log-brightness per pixel (at 800 px) that counts as the sheet's edge.
EDGE_LOG_GRADIENT = 0.12
#: A page with text has at least this many word-like groups of blobs…
MIN_WORDS = 3
#: …whose characters have their nearest neighbour along the line this much more often
#: than across it (about 1 for a photo of a landscape or noise; 3 to 30 for text).
MIN_AXIS_RATIO = 1.5
#: Ascender/descender balance beyond which the text is surely upright (or upside down);
#: in between, Tesseract's orientation detector decides.
UPDOWN_MARGIN = 0.12
#: At most this many words are weighed for it.
UPDOWN_SAMPLE = 120
#: Share of each side of the analysed sheet ignored as "not text".
BORDER = 0.02
#: Share of the sheet trimmed on each side after finding its edges.
SHEET_INSET = 0.006
#: Ink cover (after closing small gaps) of a block that is a graphic, not text: a 2D-Doc
#: is 0.7–0.85 covered; a solid box (maybe with white text in it) is left alone…
GRAPHIC_FILL = (0.4, 0.95)
#: …and at least this dense in ink before closing (a 2D-Doc: 0.55–0.65; text: < 0.3).
GRAPHIC_DENSITY = 0.4
#: Share of each side of the page blanked for Tesseract (no text is printed that close).
EDGE_BAND = 0.008
#: A region at least this much darker than the paper (0..255 grey), thick (not strokes of
#: text), wide and rectangular is a banner or a shaded box. In grey, the blue banners of an
#: avis are 120 below the paper (with white or black text), its light-blue boxes 60 below.
SHADE_DELTA = 40
#: Text in a shaded region differs from its background by at least this much (0..255)…
SHADE_CONTRAST = 40
#: …and covers at least this share of it (light text: at most the second value).
SHADE_TEXT_SHARE = (0.01, 0.6)
#: A shaded region is this much wider than high, at least…
SHADE_ASPECT = 2.0
#: …and this share of its pixels lie within 25 grey levels of its median (its background).
SHADE_UNIFORM = 0.5
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
#: Skew below this is left alone (degrees).
MIN_SKEW = 0.15

#: ``osd(page) -> (degrees counter-clockwise to rotate, confidence)`` or None.
OsdFunc = Callable[[np.ndarray], "tuple[int, float] | None"]


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


@dataclass
class Cleaned:
    """A page ready for OCR and what was done to get it."""

    image: np.ndarray  # uint8 greyscale, upright and flat (word boxes refer to it)
    ocr_image: np.ndarray  # the same with table rules erased: what Tesseract reads
    dpi: float  # resolution hint for Tesseract
    rotation: int  # degrees counter-clockwise applied to the input (0, 90, 180, 270)
    skew: float  # degrees of skew corrected
    sheet: bool  # a sheet was found in a photo and its perspective undone
    scale: float  # output pixels per input pixel (on the sheet)
    char_height: float  # median character blob height in the output, pixels (0: none)
    blobs: int  # marks of ink the size of text found (0 for a blank page)
    blur: float  # variance of the Laplacian on text, per squared unit of contrast (x1000)
    contrast: float  # paper minus ink grey level, 0..255
    osd_used: bool = False
    words: int = 0  # word-like groups of blobs (text lines seen from afar)
    axis_ratio: float = 1.0  # how much more the text lines align one way than the other
    timings: dict[str, float] = field(default_factory=dict)
    #: Banners and shaded boxes turned into dark text on paper in ``ocr_image`` (pixels).
    shaded: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: ``blur`` was measured on the source's own pixels (a small source, upscaled).
    source_blur: bool = False
    #: Letters far taller than the text, lined up (a watermark), or None.
    big_text: BigText | None = None

    @property
    def blank(self) -> bool:
        """No text to read: nothing on the page, or shapes that do not line up like text
        (a photo of something else, noise). OCR is skipped for such pages."""
        return self.blobs < MIN_BLOBS or self.words < MIN_WORDS or self.axis_ratio < MIN_AXIS_RATIO


# --------------------------------------------------------------------------- helpers


def _resize(arr: np.ndarray, factor: float) -> np.ndarray:
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


def _level(arr: np.ndarray, q: float, mask: np.ndarray | None = None) -> float:
    """The q-th percentile (0..100) of a uint8 image, optionally under a 0/1 mask (fast)."""
    hist = cv2.calcHist(
        [arr], [0], None if mask is None else mask.astype(np.uint8), [256], [0, 256]
    ).ravel()
    total = float(hist.sum())
    if total <= 0:
        return 255.0
    return float(np.searchsorted(np.cumsum(hist), total * q / 100.0))


def _background(arr: np.ndarray, char_px: float) -> np.ndarray:
    """The paper's brightness under the text: a max filter wider than strokes, then smoothed."""
    h, w = arr.shape
    # Work at a reduced size: lighting varies slowly.
    factor = min(1.0, 400.0 / max(h, w))
    small = _resize(arr, factor)
    k = max(3, int(round(char_px * factor * 2.5)) | 1)
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.medianBlur(bg, 5 if k < 9 else 7)
    bg = cv2.GaussianBlur(bg, (0, 0), k)
    if factor < 1.0:
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return bg


def _flatten(arr: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Divide out the background so that the paper is uniformly light."""
    out = cv2.divide(arr, np.maximum(bg, 1), scale=235.0)
    return out


def _ink_mask(arr: np.ndarray) -> np.ndarray:
    """Otsu on a flattened page: 1 where ink."""
    _, mask = cv2.threshold(arr, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


# --------------------------------------------------------------------------- the sheet


def find_sheet(grey: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl; float32, in ``grey``'s pixels) of a sheet lying on a darker
    surface, or None when the sheet fills the frame (a scan) or cannot be found.

    Two candidates: the bright region (a global threshold set near the surface's level),
    and the outline of the strongest edges of log-brightness (which a shadow across the
    sheet does not move). Each is fitted with four lines; the quadrilateral whose sides
    lie on the strongest edges wins, if they are strong enough all along.
    """
    h, w = grey.shape
    factor = min(1.0, 800.0 / max(h, w))
    small = _resize(grey, factor)
    blurred = cv2.GaussianBlur(small, (0, 0), 2.5)
    otsu, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    inside = blurred[mask > 0]
    outside = blurred[mask == 0]
    if inside.size == 0 or outside.size == 0:
        return None
    paper, desk = float(np.median(inside)), float(np.median(outside))
    if paper - desk < 40:  # no darker surface around: a scan, or paper on a white table
        return None
    level = desk + 0.4 * (paper - desk)
    # A photo shows the surface along most of the frame's edge; a scan shows paper (the
    # dark class there is just its text).
    sh, sw = small.shape
    bh, bw = max(1, sh // 50), max(1, sw // 50)
    rim = np.concatenate(
        [
            blurred[:bh].ravel(),
            blurred[-bh:].ravel(),
            blurred[:, :bw].ravel(),
            blurred[:, -bw:].ravel(),
        ]
    )
    if float((rim < level).mean()) < 0.2:
        return None
    frame = float(small.shape[0] * small.shape[1])
    logimg = np.log1p(blurred.astype(np.float32))
    gx = cv2.Sobel(logimg, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(logimg, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    support_map = cv2.dilate(magnitude, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))

    candidates: list[np.ndarray] = []
    # (a) The bright region; shadows and vignetting darken the sheet's corners, so cut
    #     nearer the surface's level than Otsu does.
    bright = np.where(blurred > level, 255, 0).astype(np.uint8)
    # (b) Strong edges, closed into outlines.
    edges = np.where(magnitude > EDGE_LOG_GRADIENT, 255, 0).astype(np.uint8)
    k = max(5, int(max(small.shape) * 0.01) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    for region in (bright, edges):
        closed = cv2.morphologyEx(region, cv2.MORPH_CLOSE, kernel)
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            hull_area = cv2.contourArea(cv2.convexHull(contour))
            if not 0.2 * frame <= hull_area <= 0.97 * frame:
                continue
            quad = _fit_quad(contour.reshape(-1, 2).astype(np.float32))
            if quad is not None and 0.2 * frame <= cv2.contourArea(quad) <= 0.97 * frame:
                candidates.append(quad)
    best: tuple[float, np.ndarray] | None = None
    for quad in candidates:
        support = _edge_support(support_map, quad)
        if best is None or support > best[0]:
            best = (support, quad)
    if best is None or best[0] < EDGE_LOG_GRADIENT:
        return None
    quad = _refine_quad(magnitude, best[1])
    # The edge found is the middle of a blurred step: pull each corner in a little so that
    # no strip of the surface is left along the sheet's sides (its margins are blank).
    centre = quad.mean(axis=0)
    quad = (centre + (quad - centre) * (1.0 - SHEET_INSET)) / factor
    # A sheet touching the frame on three or more sides is a scan or a close-up: leave it.
    margin = 0.01 * max(h, w)
    touching = sum(
        (
            bool(quad[:, 0].min() < margin),
            bool(quad[:, 1].min() < margin),
            bool(quad[:, 0].max() > w - margin),
            bool(quad[:, 1].max() > h - margin),
        )
    )
    if touching >= 3:
        return None
    return quad


def _refine_quad(magnitude: np.ndarray, quad: np.ndarray, reach: int = 8) -> np.ndarray:
    """Move each side, parallel to itself, onto the strongest edge within ``reach`` pixels."""
    h, w = magnitude.shape
    centre = quad.mean(axis=0)
    sides = []
    t = np.linspace(0.1, 0.9, 60, dtype=np.float32)[:, None]
    for i in range(4):
        p, q = quad[i].astype(np.float32), quad[(i + 1) % 4].astype(np.float32)
        d = q - p
        n = np.array([-d[1], d[0]], dtype=np.float32) / max(1e-6, float(np.linalg.norm(d)))
        if float(np.dot((p + q) / 2 - centre, n)) < 0:
            n = -n  # outward
        best_off, best_val = 0.0, -1.0
        for off in range(-reach, reach + 1):
            pts = p[None, :] * (1 - t) + q[None, :] * t + off * n[None, :]
            xs = np.clip(np.rint(pts[:, 0]).astype(int), 0, w - 1)
            ys = np.clip(np.rint(pts[:, 1]).astype(int), 0, h - 1)
            val = float(magnitude[ys, xs].mean())
            if val > best_val:
                best_off, best_val = float(off), val
        sides.append((p + best_off * n, q + best_off * n))
    corners = []
    for i in range(4):
        (a1, a2), (b1, b2) = sides[i - 1], sides[i]
        da, db = a2 - a1, b2 - b1
        det = float(da[0] * (-db[1]) - da[1] * (-db[0]))
        if abs(det) < 1e-6:
            return quad
        diff = b1 - a1
        tt = float(diff[0] * (-db[1]) - diff[1] * (-db[0])) / det
        corners.append(a1 + tt * da)
    return _order_corners(np.array(corners, dtype=np.float32))


def _edge_support(support_map: np.ndarray, quad: np.ndarray) -> float:
    """How strong the weakest side's edge is: the lower quartile of edge strength sampled
    along each side (ends excluded), minimum over the four sides."""
    h, w = support_map.shape
    weakest = float("inf")
    edge = 0.015 * max(h, w)
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        # A side along the frame's border (a close-up cuts the sheet): nothing to check.
        if (
            max(p[0], q[0]) < edge
            or min(p[0], q[0]) > w - 1 - edge
            or max(p[1], q[1]) < edge
            or min(p[1], q[1]) > h - 1 - edge
        ):
            continue
        t = np.linspace(0.1, 0.9, 40, dtype=np.float32)[:, None]
        pts = p[None, :] * (1 - t) + q[None, :] * t
        xs = np.clip(np.rint(pts[:, 0]).astype(int), 0, w - 1)
        ys = np.clip(np.rint(pts[:, 1]).astype(int), 0, h - 1)
        weakest = min(weakest, float(np.percentile(support_map[ys, xs], 25)))
    return weakest


def _fit_quad(points: np.ndarray) -> np.ndarray | None:
    """Four corners from a sheet's outline: a line fitted to each side, then intersected.

    Fitting the sides (on their middle part) rather than finding corners tolerates a
    corner lost in shadow or hidden under a thumb.
    """
    box = _order_corners(cv2.boxPoints(cv2.minAreaRect(points)).astype(np.float32))
    short = min(float(np.linalg.norm(box[1] - box[0])), float(np.linalg.norm(box[3] - box[0])))
    tol = 0.08 * short
    lines = []
    for i in range(4):
        p, q = box[i], box[(i + 1) % 4]
        d = q - p
        length = float(np.linalg.norm(d))
        if length < 1:
            return None
        u = d / length
        rel = points - p
        along = rel @ u
        across = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        sel = points[(across < tol) & (along > 0.12 * length) & (along < 0.88 * length)]
        if len(sel) < 10:
            return None
        vx, vy, x0, y0 = cv2.fitLine(sel, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((float(vx), float(vy), float(x0), float(y0)))
    corners = []
    for i in range(4):
        a, b = lines[i - 1], lines[i]
        det = a[0] * (-b[1]) - a[1] * (-b[0])
        if abs(det) < 1e-6:
            return None
        # a.p + t a.v = b.p + s b.v
        dx, dy = b[2] - a[2], b[3] - a[3]
        t = (dx * (-b[1]) - dy * (-b[0])) / det
        corners.append((a[2] + t * a[0], a[3] + t * a[1]))
    return _order_corners(np.array(corners, dtype=np.float32))


def _order_corners(pts: np.ndarray) -> np.ndarray:
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def _sheet_size(quad: np.ndarray) -> tuple[float, float]:
    """Width and height of the flattened sheet, in the photo's pixels."""
    tl, tr, br, bl = quad
    width = max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl)))
    height = max(float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr)))
    ratio = height / max(width, 1.0)
    # Snap to A4 when close: foreshortening makes the measured ratio unreliable by a few %.
    for target in (math.sqrt(2), 1 / math.sqrt(2)):
        if abs(ratio / target - 1.0) < 0.1:
            if target > 1:
                height = width * target
            else:
                width = height / target
            break
    return width, height


# ------------------------------------------------------------------ direction and skew


def _profile_score(density: np.ndarray, angle: float) -> float:
    h, w = density.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(density, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    rows = rotated.sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def _density(ink: np.ndarray, side: int) -> np.ndarray:
    h, w = ink.shape
    return _resize(ink.astype(np.float32), min(1.0, side / max(h, w)))


def _search(density: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    score, angle = max((_profile_score(density, float(a)), float(a)) for a in angles)
    return angle, score


def _neighbour_axis(blobs: np.ndarray, rng_seed: int = 0) -> tuple[int, float]:
    """(0 or 90, ratio): which way text runs, from where each character's nearest
    neighbour lies (the next letter of its word, not the line above).

    ``ratio`` is how many more neighbours lie along the text than across it: about 1 for
    shapes that are not text (a photo of something else, noise), 3 to 30 for text, even
    on a page with three lines.
    """
    n = len(blobs)
    if n < 8:
        return 0, 0.0
    cx = (blobs[:, 0] + blobs[:, 2] / 2.0).astype(np.float32)
    cy = (blobs[:, 1] + blobs[:, 3] / 2.0).astype(np.float32)
    size = float(np.median(blobs[:, 3]))
    reach = 3.0 * size
    rng = np.random.default_rng(rng_seed)
    query = np.sort(rng.choice(n, size=min(n, 300), replace=False)) if n > 300 else np.arange(n)
    # Candidates sorted by x: each query only looks at blobs within ``reach`` in x.
    order = np.argsort(cx, kind="stable")
    xs, ys = cx[order], cy[order]
    lo = np.searchsorted(xs, cx[query] - reach, side="left")
    hi = np.searchsorted(xs, cx[query] + reach, side="right")
    along_x = along_y = 0
    for q, a, b in zip(query, lo, hi, strict=True):
        dx = xs[a:b] - cx[q]
        dy = ys[a:b] - cy[q]
        dist = dx * dx + dy * dy
        dist[dist == 0] = np.inf  # itself (or a blob at the very same place)
        k = int(np.argmin(dist)) if len(dist) else -1
        if k < 0 or dist[k] >= reach * reach:
            continue
        angle = np.degrees(np.arctan2(abs(dy[k]), abs(dx[k])))
        if angle < 30:
            along_x += 1
        elif angle > 60:
            along_y += 1
    if along_x + along_y < 8:
        return 0, 0.0
    if along_y > along_x:
        return 90, along_y / max(along_x, 1)
    return 0, along_x / max(along_y, 1)


def _skew(ink: np.ndarray, quarter: int) -> float:
    """Skew in degrees (±6) of text running along ``quarter``, from projection profiles:
    a coarse search on a small copy, then a finer one."""
    coarse = _density(ink, 320)
    fine = _density(ink, 640)
    if quarter:
        coarse = np.ascontiguousarray(coarse.T)
        fine = np.ascontiguousarray(fine.T)
    rough, _ = _search(coarse, np.arange(-6.0, 6.0 + 1e-6, 1.0))
    mid, _ = _search(fine, np.arange(rough - 1.0, rough + 1.0 + 1e-6, 0.25))
    angle, _ = _search(fine, np.arange(mid - 0.2, mid + 0.2 + 1e-6, 0.05))
    # Transposing mirrors the page: the skew of the turned page has the opposite sign.
    return -angle if quarter else angle


def _rotate_matrix(w: float, h: float, degrees: float) -> tuple[np.ndarray, int, int]:
    """2x3 matrix rotating a w×h image counter-clockwise about its centre, expanded."""
    rad = math.radians(degrees)
    c, s = abs(math.cos(rad)), abs(math.sin(rad))
    nw, nh = w * c + h * s, w * s + h * c
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, max(1, round(nw)), max(1, round(nh))


def _blobs_and_marks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stats (x, y, w, h, area) of character-like connected components, and of every
    component the height of text whatever its width (letters, and words whose letters
    blur merged)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        empty = np.zeros((0, 5), dtype=np.int32)
        return empty, empty
    st = stats[1:]
    bw, bh, area = st[:, 2], st[:, 3], st[:, 4]
    mark = (bh >= 4) & (bh <= 120) & (area >= 6) & (area >= 0.08 * bw * bh)
    return st[mark & (bw <= bh * 3)], st[mark]


def _blobs(ink: np.ndarray) -> np.ndarray:
    return _blobs_and_marks(ink)[0]


def _updown_score(ink: np.ndarray, char_h: float) -> tuple[float, int]:
    """> 0 when the text is upright, < 0 when upside down; with the number of words used.

    Latin words have more ink above their x-height band (capitals, digits, ascenders,
    accents) than below their baseline (descenders, commas).
    """
    kw = max(3, int(round(char_h * 0.8)))
    merged = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    st = stats[1:]
    bh, bw = st[:, 3], st[:, 2]
    words = st[(bh >= 0.8 * char_h) & (bh <= 2.2 * char_h) & (bw >= 2.5 * bh)]
    total_words = len(words)
    if total_words > UPDOWN_SAMPLE:  # enough to decide; spread over the page
        words = words[np.linspace(0, total_words - 1, UPDOWN_SAMPLE).astype(int)]
    above = below = 0.0
    used = 0
    for x, y, w, h, _area in words:
        rows = ink[y : y + h, x : x + w].sum(axis=1).astype(np.float32)
        peak = rows.max()
        if peak <= 0:
            continue
        core = np.nonzero(rows >= 0.5 * peak)[0]
        top, bottom = int(core[0]), int(core[-1])
        above += float(rows[:top].sum())
        below += float(rows[bottom + 1 :].sum())
        used += 1
    total = above + below
    if used == 0 or total <= 0:
        return 0.0, 0
    return (above - below) / total, total_words if used == len(words) else used


# --------------------------------------------------------------------------- rules


def _erase_rules(page: np.ndarray, ink: np.ndarray, char_px: float) -> np.ndarray:
    """Paint long horizontal and vertical rules, and graphics, with the paper's grey.

    Rules glued to digits make Tesseract read "0" as "(0)" or merge cells; erasing them
    also keeps table rows from being taken for one block. Letters are far shorter than
    the kernels (3 character heights vertically, 6 horizontally). (Found at full size:
    at half size the erased band grows and clips digits near the rules.)
    """
    h, w = ink.shape
    hk = max(25, int(char_px * 6))
    vk = max(15, int(char_px * 3))
    horiz = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1))
    )
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    rules = cv2.bitwise_or(horiz, vert)
    erase = cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    # Graphics (the 2D-Doc, the Marianne logo, a stamp): solid blocks of ink taller and
    # wider than three lines of text. Tesseract reads them as "je à “Avis" and may
    # swallow the word beside them. Looked for at half size (any ink in a 2×2 cell).
    rest = cv2.bitwise_and(ink, 1 - rules)
    half = cv2.resize(rest * 255, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    half = (half >= 64).astype(np.uint8)
    closed = cv2.morphologyEx(
        half, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2))
    )
    _, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    big = 1.5 * char_px
    for x, y, bw, bh, area in stats[1:]:
        if bw < big or bh < big or not GRAPHIC_FILL[0] <= area / float(bw * bh) <= GRAPHIC_FILL[1]:
            continue
        if float(half[y : y + bh, x : x + bw].mean()) < GRAPHIC_DENSITY:
            continue  # text, or a table's cells
        erase[max(0, 2 * y - 3) : 2 * (y + bh) + 3, max(0, 2 * x - 3) : 2 * (x + bw) + 3] = 1
    # The page's outer edge (a scanner lid's shadow, a trace of the surface around a sheet)
    # holds no text.
    my, mx = max(1, int(h * EDGE_BAND)), max(1, int(w * EDGE_BAND))
    erase[:my] = 1
    erase[-my:] = 1
    erase[:, :mx] = 1
    erase[:, -mx:] = 1
    paper = int(_level(page, 60, 1 - ink))
    out = page.copy()
    out[erase > 0] = paper
    return out


def shaded_regions(page: np.ndarray, char_px: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of banners and shaded boxes: wide, rectangular regions darker
    than the paper whose dark part is thick (strokes of text are not).

    Looked for at half size: pixels SHADE_DELTA below the paper, opened with a square
    wider than any stroke of text (bold titles included), rid of what is left of text,
    then closed to fill the holes left by the letters.
    """
    if char_px <= 0:
        return []
    h, w = page.shape
    half = _resize(page, 0.5)
    c = char_px * 0.5
    paper = _level(half, 90)
    dark = (half < paper - SHADE_DELTA).astype(np.uint8)
    k_open = max(3, int(round(0.6 * c)))
    thick = cv2.morphologyEx(
        dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k_open, k_open))
    )
    # What is left of text (the junctions of bold letters, a bold digit) is small: dropped
    # before closing, so that a banner does not grow into the text beside it.
    _, labels, stats, _ = cv2.connectedComponentsWithStats(thick, connectivity=8)
    big = (stats[:, 2] >= 3 * c) & (stats[:, 3] >= c)
    big[0] = False
    if not big.any():
        return []
    thick = big[labels].astype(np.uint8)
    k_close = max(3, int(round(1.2 * c)) | 1)
    solid = cv2.morphologyEx(
        thick, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k_close, k_close))
    )
    _, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    # Closing may also join a banner to bold digits just under it (the amount's row), and
    # the union is no rectangle: the banner as it was before closing is looked at too.
    _, _, before = cv2.connectedComponentsWithStats(thick, connectivity=8)[:3]
    hh, hw = half.shape
    edge = max(2, int(EDGE_BAND * max(hh, hw)))
    out: list[tuple[int, int, int, int]] = []
    for x, y, bw, bh, area in [*stats[1:], *before[1:]]:
        if bh < 1.2 * c or bw < 4 * c or bw < SHADE_ASPECT * bh or area < 0.85 * bw * bh:
            continue
        if x <= edge or y <= edge or x + bw >= hw - edge or y + bh >= hh - edge:
            continue  # a shadow along the page's edge, not a box
        box = (int(2 * x), int(2 * y), min(w, int(2 * (x + bw))), min(h, int(2 * (y + bh))))
        if not any(o[0] <= box[0] and o[1] <= box[1] and box[2] <= o[2] and box[3] <= o[3] for o in out):
            out.append(box)
    return out


def normalise_shaded(
    page: np.ndarray, char_px: float
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The page with its banners and shaded boxes turned into dark text on the paper's
    grey (what Tesseract reads best: its own threshold loses light text on a mid-grey
    banner, and takes a tinted box for one block of ink), and the boxes so changed.

    Light text on a dark background is inverted; dark text on a tint is divided by the
    tint, which becomes paper.
    """
    boxes = shaded_regions(page, char_px)
    if not boxes:
        return page, []
    h, w = page.shape
    ink = _level(page, 1)
    reach = max(3, int(char_px))
    out = page
    done = []
    for x0, y0, x1, y1 in boxes:
        # The paper around the box (the light may be uneven: a photo is flattened later).
        ring = page[
            max(0, y0 - reach) : min(h, y1 + reach), max(0, x0 - reach) : min(w, x1 + reach)
        ]
        paper = _level(ring, 90)
        for top, bottom in _shade_bands(page[y0:y1, x0:x1], char_px):
            mapped = _normalise_band(page[y0 + top : y0 + bottom, x0:x1], paper, ink)
            if mapped is None:
                continue
            if out is page:
                out = page.copy()
            out[y0 + top : y0 + bottom, x0:x1] = mapped
            done.append((x0, y0 + top, x1, y0 + bottom))
    return out, done


def _shade_bands(crop: np.ndarray, char_px: float) -> list[tuple[int, int]]:
    """Rows (top, bottom) of a shaded box cut where its background changes (a banner over
    a lighter row, as in "Somme qu'il vous reste à payer" above "0 €")."""
    # Each row's most frequent grey (in steps of 16): its background, whatever the text.
    bins = crop >> 4
    rows = np.array(
        [np.bincount(r, minlength=16).argmax() * 16 + 8 for r in bins], dtype=np.float32
    )
    bands: list[tuple[int, int]] = []
    start = 0
    for y in range(1, len(rows) + 1):
        if y == len(rows) or abs(float(rows[y]) - float(rows[start])) > SHADE_DELTA:
            if y - start >= 0.6 * char_px:
                bands.append((start, y))
            start = y
    return bands


def _normalise_band(crop: np.ndarray, paper: float, ink: float) -> np.ndarray | None:
    """One background's worth of a shaded box as dark text on ``paper``, or None when it is
    not a plain background with text on it."""
    bg = _level(crop, 50)
    if bg > paper - SHADE_DELTA / 2:
        return None
    values = crop.astype(np.float32)
    if float((np.abs(values - bg) <= 25).mean()) < SHADE_UNIFORM:
        return None  # not one background (a picture, a 2D-Doc)
    light = float((values > bg + SHADE_CONTRAST).mean())
    dark = float((values < bg - SHADE_CONTRAST).mean())
    ink = min(ink, paper - 100.0)
    if light >= dark and SHADE_TEXT_SHARE[0] <= light <= SHADE_TEXT_SHARE[1]:
        fg = _level(crop, 98)
        gain = (paper - ink) / max(float(SHADE_CONTRAST), fg - bg)
        mapped = paper - np.clip(values - bg, 0, None) * gain
        # The banner's blurred edge, inverted, would show as a rule.
        mapped[:2] = paper
        mapped[-2:] = paper
        mapped[:, :2] = paper
        mapped[:, -2:] = paper
    elif dark > light and dark >= SHADE_TEXT_SHARE[0]:
        # Divided by its background, as the light is flattened: the text keeps its shape.
        mapped = values * (paper / max(1.0, bg))
    else:
        return None
    return np.clip(mapped, 0, 255).astype(np.uint8)


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
    small = _resize(page, factor)
    c = char_px * factor
    k = max(3, int(round(0.6 * c)) | 1)
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    paper = _level(small, 90)
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
    m, rw, rh = _rotate_matrix(cw, ch, -angle)
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
    ink = _ink_mask(page)
    paper = int(_level(page, 60, 1 - ink))
    out = page.copy()
    out[(mask > 0) & (ink == 0)] = paper
    return out


def ink_rows(page: np.ndarray) -> np.ndarray:
    """Ink pixels per row of a page (Otsu), as float."""
    mask = _ink_mask(page)
    return cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


def unread_ink(
    page: np.ndarray, boxes: list[tuple[int, int, int, int]], char_px: float
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of character-like ink outside the given word boxes, grouped
    into words: what an OCR pass left unread. Largest first."""
    if char_px <= 0:
        return []
    h, w = page.shape
    ink = _ink_mask(page)
    for x0, y0, x1, y1 in boxes:
        ink[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return []
    st = stats[1:]
    x, y, bw, bh, area = st[:, 0], st[:, 1], st[:, 2], st[:, 3], st[:, 4]
    margin = max(2, int(0.01 * max(h, w)))
    keep = (
        (bh >= 0.6 * char_px)
        & (bh <= 2.5 * char_px)
        & (bw <= 25 * bh)
        & (bw >= 2)
        & (area >= 0.12 * bw * bh)
        & (x > margin)
        & (y > margin)
        & (x + bw < w - margin)
        & (y + bh < h - margin)
    )
    found = sorted(
        (int(a), int(b), int(a + c), int(b + d))
        for a, b, c, d in zip(x[keep], y[keep], bw[keep], bh[keep], strict=True)
    )
    groups: list[list[int]] = []
    for x0, y0, x1, y1 in found:
        for g in groups:
            overlap = min(g[3], y1) - max(g[1], y0)
            if overlap > 0.5 * min(g[3] - g[1], y1 - y0) and x0 - g[2] < char_px:
                g[0], g[1], g[2], g[3] = min(g[0], x0), min(g[1], y0), max(g[2], x1), max(g[3], y1)
                break
        else:
            groups.append([x0, y0, x1, y1])
    groups.sort(key=lambda g: (g[2] - g[0]) * (g[3] - g[1]), reverse=True)
    return [(g[0], g[1], g[2], g[3]) for g in groups]


# --------------------------------------------------------------------------- sharpness


def _sharpness(arr: np.ndarray, ink: np.ndarray) -> tuple[float, float]:
    """(blur score, contrast) measured on the text band only.

    The blur score is the variance of the Laplacian near ink divided by the squared
    contrast, so that it compares pages of different exposure; multiplied by 1000.
    """
    if ink.sum() < 50:
        return 0.0, 0.0
    near_mask = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    near = near_mask > 0
    paper = _level(arr, 50, 1 - near_mask)
    inkv = _level(arr, 10, ink)
    contrast = max(1.0, paper - inkv)
    lap = cv2.Laplacian(arr, cv2.CV_32F, ksize=3)
    values = lap[near]
    return float(values.var() / (contrast * contrast) * 1000.0), contrast


# --------------------------------------------------------------------------- the pipeline


def clean(
    img: Image.Image | np.ndarray, dpi: float | None = None, *, osd: OsdFunc | None = None
) -> Cleaned:
    """Clean one page for OCR. ``dpi`` is the resolution the file claims, if trustworthy."""
    import time

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    arr = np.asarray(img.convert("L") if isinstance(img, Image.Image) else img, dtype=np.uint8)
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape

    # 1. One reduced copy (≈150 dpi for a page) serves every analysis below.
    a0 = min(1.0, ANALYSIS_SIDE / max(h, w))
    reduced = _resize(arr, a0)

    # 2. The sheet. Everything below maps original pixels through ``base`` (3x3) into
    #    "sheet" pixels of size sheet_w × sheet_h; ``analysis`` is the sheet at scale a.
    small_quad = find_sheet(reduced)
    if small_quad is not None:
        quad = small_quad / a0
        sheet_w, sheet_h = _sheet_size(quad)
        dst = np.array([(0, 0), (sheet_w, 0), (sheet_w, sheet_h), (0, sheet_h)], np.float32)
        base = cv2.getPerspectiveTransform(quad, dst).astype(np.float64)
        a = min(1.0, ANALYSIS_SIDE / max(sheet_w, sheet_h))
        aw, ah = max(1, round(sheet_w * a)), max(1, round(sheet_h * a))
        # From the original pixels: the sheet is smaller than the frame, so the reduced
        # copy is too coarse for it (blurred letters would measure taller than they are).
        analysis = _warp(
            arr, np.diag([a, a, 1.0]) @ base, aw, ah, zoom=a, border=cv2.BORDER_REPLICATE
        )
    else:
        quad = None
        sheet_w, sheet_h = float(w), float(h)
        base = np.eye(3)
        a = a0
        analysis = reduced
        ah, aw = analysis.shape
    timings["sheet"] = time.perf_counter() - t0

    # A thresholded copy, after flattening the light; the borders (scanner lid, the
    # surface around a sheet) are not text.
    ink = _ink_mask(_flatten(analysis, _background(analysis, 12.0)))
    mh, mw = max(2, int(ah * BORDER)), max(2, int(aw * BORDER))
    ink[:mh] = 0
    ink[-mh:] = 0
    ink[:, :mw] = 0
    ink[:, -mw:] = 0
    timings["analysis"] = time.perf_counter() - t0

    # 3. Direction (0/90) and skew; then the character size on the straightened copy.
    blobs, marks = _blobs_and_marks(ink)
    quarter, axis_ratio = _neighbour_axis(blobs if len(blobs) >= MIN_BLOBS else marks)
    skew = _skew(ink, quarter) if len(marks) >= MIN_BLOBS else 0.0
    if abs(skew) < MIN_SKEW:
        skew = 0.0
    turn = quarter + skew
    if turn:
        m, rw, rh = _rotate_matrix(aw, ah, turn)
        ink_r = cv2.warpAffine(ink, m, (rw, rh), flags=cv2.INTER_NEAREST, borderValue=0)
        blobs = _blobs(ink_r)
    else:
        ink_r = ink
    # Letters of blurred small print merge into words: fall back on all marks' heights.
    sizes = blobs if len(blobs) >= MIN_BLOBS else marks
    char_h = float(np.median(sizes[:, 3])) if len(sizes) else 0.0
    rotation = quarter
    osd_used = False
    words = 0
    if len(marks) >= MIN_BLOBS:
        score, words = _updown_score(ink_r, char_h)
        textual = words >= MIN_WORDS and axis_ratio >= MIN_AXIS_RATIO
        if score < -UPDOWN_MARGIN and words >= 8:
            rotation = (rotation + 180) % 360
        elif textual and not (score > UPDOWN_MARGIN and words >= 8) and osd is not None:
            osd_used = True
            rotation = -1  # decided below, on the final image
    timings["direction"] = time.perf_counter() - t0

    # 4. Scale so that the median character blob is TARGET_CHAR_HEIGHT pixels high.
    if char_h > 0:
        scale = TARGET_CHAR_HEIGHT / (char_h / a)
    elif dpi:
        scale = 250.0 / dpi
    else:
        scale = 1.0
    if quad is None and char_h > 0 and KEEP_CHAR_HEIGHT[0] <= char_h / a <= KEEP_CHAR_HEIGHT[1]:
        scale = 1.0  # a ~200-dpi scan is read as it is: resampling costs time, gains nothing
    scale = float(min(MAX_UPSCALE, max(MIN_SCALE, scale)))
    out_dpi = (dpi * scale) if (dpi and quad is None) else _nominal_dpi(char_h / a * scale, dpi)

    # 5. One resampling: sheet perspective + rotation + skew + scale.
    sw, sh = sheet_w * scale, sheet_h * scale
    first_turn = (rotation if rotation >= 0 else quarter) + skew
    m, ow, oh = _rotate_matrix(sw, sh, first_turn)
    full = np.vstack([m, [0, 0, 1]]) @ np.diag([scale, scale, 1.0]) @ base
    page = _warp(arr, full, ow, oh, zoom=scale, fill=_paper_level(analysis))
    timings["warp"] = time.perf_counter() - t0

    if rotation < 0 and osd is not None:
        found = osd(page)
        extra = found[0] if found else 0
        if extra:
            page = np.ascontiguousarray(np.rot90(page, k=extra // 90))
        rotation = (quarter + extra) % 360
        timings["osd"] = time.perf_counter() - t0

    # 6. Light: divide out the background when the paper is unevenly lit.
    #    Banners and shaded boxes are first turned into dark text on paper, for Tesseract
    #    only (the 2D-Doc reader reads the page as it is); they would make the light look
    #    uneven.
    out_char = char_h / a * scale if char_h else TARGET_CHAR_HEIGHT
    lifted, shaded = normalise_shaded(page, out_char)
    timings["shaded"] = time.perf_counter() - t0
    bg_full = _background(lifted, out_char)
    spread = _level(bg_full, 95) - _level(bg_full, 5)
    if spread > 18:
        flat = _flatten(page, bg_full)
        lifted = _flatten(lifted, bg_full) if shaded else flat
        page = flat
    timings["light"] = time.perf_counter() - t0

    # 7. Table rules and graphics, erased for Tesseract only (the 2D-Doc reader needs the
    #    full image).
    big = big_text(page, out_char)
    if big is not None:
        lifted = erase_big_text(lifted, big)
    timings["big_text"] = time.perf_counter() - t0
    page_ink = _ink_mask(lifted)
    ocr_page = _erase_rules(lifted, page_ink, out_char)
    timings["rules"] = time.perf_counter() - t0

    # 8. Sharpness on the text, at half size (where MIN_BLUR was calibrated: characters
    #    about 8 pixels high). A small source (at most ANALYSIS_SIDE pixels: a screen
    #    capture, a low-resolution scan) that was upscaled is measured on its own pixels
    #    instead (the sheet's copy at scale 1): upscaling smooths, and a crisp 72-dpi
    #    capture scored 1400 on its 2.3x page at half size, 4000 on its own pixels.
    source_blur = scale > 1.0 and a >= 1.0 and char_h > 0
    small = analysis if source_blur else _resize(page, 0.5)
    blur, contrast = _sharpness(small, _ink_mask(small))
    timings["sharpness"] = time.perf_counter() - t0
    return Cleaned(
        image=page,
        ocr_image=ocr_page,
        dpi=out_dpi,
        rotation=rotation % 360,
        skew=skew,
        sheet=quad is not None,
        scale=scale,
        char_height=out_char if char_h else 0.0,
        blobs=len(marks),
        blur=blur,
        contrast=contrast,
        osd_used=osd_used,
        words=words,
        axis_ratio=axis_ratio,
        timings=timings,
        shaded=shaded,
        big_text=big,
        source_blur=source_blur,
    )


def _nominal_dpi(char_px: float, claimed: float | None) -> float:
    """The resolution hint for Tesseract when the true one is unknown (photos).

    Tesseract's layout thresholds are in points; a phone's 72-dpi tag would mislead them.
    Body text of an avis is about 9.5 pt, whose median blob is about 0.6 em high.
    """
    if char_px <= 0:
        return float(claimed or 200.0)
    dpi = char_px / (9.5 * 0.6) * 72.0
    return float(min(400.0, max(100.0, dpi)))


def _paper_level(analysis: np.ndarray) -> int:
    return int(_level(analysis, 90)) if analysis.size else 255


def _warp(
    src: np.ndarray,
    matrix: np.ndarray,
    out_w: int,
    out_h: int,
    *,
    zoom: float,
    fill: int = 255,
    border: int = cv2.BORDER_CONSTANT,
) -> np.ndarray:
    """Resample ``src`` through a 3x3 matrix into out_w × out_h, avoiding aliasing.

    ``zoom`` is the mapping's average scale (output pixels per input pixel).
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if zoom < 0.8:
        # Pre-shrink with INTER_AREA: the warps below only interpolate, they do not average.
        pre = min(1.0, zoom * 1.05)
        src = _resize(src, pre)
        matrix = matrix @ np.diag([1 / pre, 1 / pre, 1.0])
    affine = bool(np.allclose(matrix[2], [0, 0, 1]))
    if (
        affine
        and np.allclose(matrix[:2, :2], np.eye(2))
        and np.allclose(matrix[:2, 2], 0)
        and src.shape == (out_h, out_w)
    ):
        return np.ascontiguousarray(src)
    if (
        affine
        and abs(matrix[0, 1]) < 1e-12
        and abs(matrix[1, 0]) < 1e-12
        and abs(matrix[0, 2]) < 1e-6
        and abs(matrix[1, 2]) < 1e-6
    ):
        # A pure scale: a plain resize is faster and as good.
        if src.shape == (out_h, out_w):
            return np.ascontiguousarray(src)
        interp = cv2.INTER_AREA if matrix[0, 0] < 1 else cv2.INTER_CUBIC
        return cv2.resize(src, (out_w, out_h), interpolation=interp)
    if affine:
        return cv2.warpAffine(
            src,
            matrix[:2],
            (out_w, out_h),
            flags=cv2.INTER_LINEAR,
            borderMode=border,
            borderValue=fill,
        )
    return cv2.warpPerspective(
        src, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=fill
    )
