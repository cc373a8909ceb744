"""Banners and shaded boxes: where they are on a page, and their text turned dark on the paper's
grey for the OCR."""

from __future__ import annotations

import numpy as np

from docproc.text.pixels import cv2, percentile, rescale
from docproc.text.sheet import EDGE_BAND

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
    half = rescale(page, 0.5)
    c = char_px * 0.5
    paper = percentile(half, 90)
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
        if not any(
            o[0] <= box[0] and o[1] <= box[1] and box[2] <= o[2] and box[3] <= o[3] for o in out
        ):
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
    ink = percentile(page, 1)
    reach = max(3, int(char_px))
    out = page
    done = []
    for x0, y0, x1, y1 in boxes:
        # The paper around the box (the light may be uneven: a photo is flattened later).
        ring = page[
            max(0, y0 - reach) : min(h, y1 + reach), max(0, x0 - reach) : min(w, x1 + reach)
        ]
        paper = percentile(ring, 90)
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
    bg = percentile(crop, 50)
    if bg > paper - SHADE_DELTA / 2:
        return None
    values = crop.astype(np.float32)
    if float((np.abs(values - bg) <= 25).mean()) < SHADE_UNIFORM:
        return None  # not one background (a picture, a 2D-Doc)
    light = float((values > bg + SHADE_CONTRAST).mean())
    dark = float((values < bg - SHADE_CONTRAST).mean())
    ink = min(ink, paper - 100.0)
    if light >= dark and SHADE_TEXT_SHARE[0] <= light <= SHADE_TEXT_SHARE[1]:
        fg = percentile(crop, 98)
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
    out: np.ndarray = np.clip(mapped, 0, 255).astype(np.uint8)
    return out
