"""What is on the page besides plain text: table rules, shaded banners, watermarks, unread ink; and how sharp the text is."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from docproc.text.orientation import rotate_matrix
from docproc.text.pixels import cv2, ink_mask, percentile, rescale
from docproc.text.sheet import EDGE_BAND, GRAPHIC_DENSITY, GRAPHIC_FILL

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
