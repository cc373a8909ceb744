"""The sheet in a phone photo: its four corners, refined on the edges, and the perspective undone."""

from __future__ import annotations

import math

import numpy as np

from docproc.text.pixels import cv2, rescale

#: Gradient of log-brightness per pixel (at 800 px) that counts as the sheet's edge.
EDGE_LOG_GRADIENT = 0.12


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
    small = rescale(grey, factor)
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
    found: np.ndarray = quad
    return found


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


def sheet_size(quad: np.ndarray) -> tuple[float, float]:
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


def warp_sheet(
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
        src = rescale(src, pre)
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
