"""Which way the text runs (0/90/180/270) and its residual skew, from how ink blobs line up."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from docproc.text.pixels import cv2, rescale

#: Ascender/descender balance beyond which the text is surely upright (or upside down);
#: in between, Tesseract's orientation detector decides.
UPDOWN_MARGIN = 0.12


#: At most this many words are weighed for it.
UPDOWN_SAMPLE = 120


#: Skew below this is left alone (degrees).
MIN_SKEW = 0.15


#: ``osd(page) -> (degrees counter-clockwise to rotate, confidence)`` or None.
OsdFunc = Callable[[np.ndarray], "tuple[int, float] | None"]


def _profile_score(density: np.ndarray, angle: float) -> float:
    h, w = density.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(density, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    rows = rotated.sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def _density(ink: np.ndarray, side: int) -> np.ndarray:
    h, w = ink.shape
    return rescale(ink.astype(np.float32), min(1.0, side / max(h, w)))


def _search(density: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    score, angle = max((_profile_score(density, float(a)), float(a)) for a in angles)
    return angle, score


def neighbour_axis(blobs: np.ndarray, rng_seed: int = 0) -> tuple[int, float]:
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


def residual_skew(ink: np.ndarray, quarter: int) -> float:
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


def rotate_matrix(w: float, h: float, degrees: float) -> tuple[np.ndarray, int, int]:
    """2x3 matrix rotating a w×h image counter-clockwise about its centre, expanded."""
    rad = math.radians(degrees)
    c, s = abs(math.cos(rad)), abs(math.sin(rad))
    nw, nh = w * c + h * s, w * s + h * c
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, max(1, round(nw)), max(1, round(nh))


def blobs_and_marks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def text_blobs(ink: np.ndarray) -> np.ndarray:
    return blobs_and_marks(ink)[0]


def updown_score(ink: np.ndarray, char_h: float) -> tuple[float, int]:
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
