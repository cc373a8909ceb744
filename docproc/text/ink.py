"""What is on the page besides plain text: table rules, unread ink; and how sharp the text is
(banners: :mod:`docproc.text.shading`; watermarks: :mod:`docproc.text.watermark`)."""

from __future__ import annotations

import numpy as np

from docproc.text.pixels import cv2, ink_mask, percentile
from docproc.text.sheet import EDGE_BAND, GRAPHIC_DENSITY, GRAPHIC_FILL


def erase_rules(page: np.ndarray, ink: np.ndarray, char_px: float) -> np.ndarray:
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
    paper = int(percentile(page, 60, 1 - ink))
    out = page.copy()
    out[erase > 0] = paper
    return out


def ink_rows(page: np.ndarray) -> np.ndarray:
    """Ink pixels per row of a page (Otsu), as float."""
    mask = ink_mask(page)
    return cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


def unread_ink(
    page: np.ndarray, boxes: list[tuple[int, int, int, int]], char_px: float
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of character-like ink outside the given word boxes, grouped
    into words: what an OCR pass left unread. Largest first."""
    if char_px <= 0:
        return []
    h, w = page.shape
    ink = ink_mask(page)
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


def measure_sharpness(arr: np.ndarray, ink: np.ndarray) -> tuple[float, float]:
    """(blur score, contrast) measured on the text band only.

    The blur score is the variance of the Laplacian near ink divided by the squared
    contrast, so that it compares pages of different exposure; multiplied by 1000.
    """
    if ink.sum() < 50:
        return 0.0, 0.0
    near_mask = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    near = near_mask > 0
    paper = percentile(arr, 50, 1 - near_mask)
    inkv = percentile(arr, 10, ink)
    contrast = max(1.0, paper - inkv)
    lap = cv2.Laplacian(arr, cv2.CV_32F, ksize=3)
    values = lap[near]
    return float(values.var() / (contrast * contrast) * 1000.0), contrast
