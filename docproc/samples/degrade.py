"""Deterministic degradations that turn a clean page into a "scan" or a "phone photo".

The input is a page rendered at 300 dpi (pypdfium2, greyscale or RGB). The same
``(image, seed)`` always gives the same pixels, so generated samples are reproducible.
Only Pillow, numpy and OpenCV's geometric warp are used; OpenCV never decodes bytes here.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageFilter

#: Resolution the input page is assumed to have when it carries no dpi tag.
SOURCE_DPI = 300.0
#: Resolutions a flatbed scanner or a multifunction printer typically uses.
SCAN_DPIS = (200, 240, 300)
#: Upper bound of a generated phone photo, in pixels (a 12 Mpx sensor).
PHOTO_MAX_PIXELS = 12_000_000


def _source_dpi(img: Image.Image) -> float:
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else SOURCE_DPI
    except (TypeError, ValueError, IndexError):
        value = SOURCE_DPI
    return value if 50.0 <= value <= 1200.0 else SOURCE_DPI


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    return out


def scan(img: Image.Image, seed: int, max_angle: float = 2.0) -> Image.Image:
    """A flatbed scan of the page: 200–300 dpi grey, skewed ≤ ``max_angle``° (≤ 3), slight
    blur and noise; the JPEG artefacts come from the image-only PDF that stores it.

    The result is mode ``L`` with its dpi tag set to the scan resolution. The default
    ``max_angle`` draws exactly the same numbers as before it existed (same pixels).
    """
    if not 0.0 <= max_angle <= 3.0:
        raise ValueError("max_angle must be within 0–3°")
    rng = np.random.default_rng(seed)
    dpi = int(rng.choice(SCAN_DPIS))
    angle = float(rng.uniform(-max_angle, max_angle))
    paper = float(rng.uniform(232, 250))
    ink = float(rng.uniform(15, 55))
    blur = float(rng.uniform(0.35, 0.8))
    noise = float(rng.uniform(3.0, 7.0))

    grey = img.convert("L")
    scale = dpi / _source_dpi(img)
    if abs(scale - 1.0) > 1e-3:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    # Paper is never pure white nor ink pure black: map 0..255 onto ink..paper.
    arr = np.asarray(grey, dtype=np.float32)
    arr = ink + arr * ((paper - ink) / 255.0)
    grey = Image.fromarray(_to_uint8(arr), "L")
    grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=int(paper))
    grey = grey.filter(ImageFilter.GaussianBlur(blur))

    arr = np.asarray(grey, dtype=np.float32)
    arr = arr + rng.normal(0.0, noise, arr.shape).astype(np.float32)
    # A little dust: isolated dark specks, as on a glass that was not quite clean.
    specks = rng.random(arr.shape, dtype=np.float32) < 2e-5
    arr[specks] = ink + 40.0
    # The lid's shadow along one edge of the glass.
    edge = int(rng.integers(4, 14))
    side = int(rng.integers(0, 4))
    shade = np.linspace(0.55, 1.0, edge, dtype=np.float32)
    if side == 0:
        arr[:edge, :] *= shade[:, None]
    elif side == 1:
        arr[-edge:, :] *= shade[::-1, None]
    elif side == 2:
        arr[:, :edge] *= shade[None, :]
    else:
        arr[:, -edge:] *= shade[None, ::-1]
    out = Image.fromarray(_to_uint8(arr), "L")
    out.info["dpi"] = (dpi, dpi)
    return out


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a coarse random grid, upscaled smoothly."""
    h, w = shape
    grid = rng.uniform(-1.0, 1.0, (cells, max(2, round(cells * w / h)))).astype(np.float32)
    small = Image.fromarray(((grid + 1.0) * 127.5).astype(np.uint8), "L")
    big = small.resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.float32) / 127.5 - 1.0


def photo(img: Image.Image, seed: int) -> Image.Image:
    """A phone photo of the page lying on a darker surface (:func:`photo_mapped`)."""
    return photo_mapped(img, seed)[0]


def photo_mapped(img: Image.Image, seed: int) -> tuple[Image.Image, np.ndarray]:
    """A phone photo of the page lying on a darker surface, and the 3x3 map from fractions
    of the page to fractions of the photo (where the generator put each point of the page).

    Perspective (the phone is not parallel to the sheet), a small rotation, light that
    falls off across the sheet, the soft shadow of the phone or a hand, a vignette, a
    slight defocus, sensor noise and JPEG artefacts. The result is an RGB image of at
    most 12 Mpx, portrait, without a dpi tag (phones do not know the page's size).
    """
    import cv2  # local: the sample generator is the only caller

    rng = np.random.default_rng(seed)
    long_side = int(rng.integers(3000, 4001))
    out_h = long_side
    out_w = int(long_side * 3 / 4)
    while out_w * out_h > PHOTO_MAX_PIXELS:
        out_h -= 8
        out_w = int(out_h * 3 / 4)

    # The sheet fills 72–88 % of the frame height, somewhere near the centre.
    page = img.convert("RGB")
    fill = float(rng.uniform(0.72, 0.88))
    ph = fill * out_h
    pw = ph * page.width / page.height
    if pw > 0.95 * out_w:
        pw = 0.95 * out_w
        ph = pw * page.height / page.width
    # Bring the sheet near its final size first, so that the warp does little resampling.
    pre = ph / page.height
    if pre < 0.98:
        page = page.resize(
            (max(1, round(page.width * pre)), max(1, round(page.height * pre))),
            Image.Resampling.LANCZOS,
        )
    src_w, src_h = page.width, page.height
    cx = out_w / 2 + rng.uniform(-0.04, 0.04) * out_w
    cy = out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    angle = math.radians(rng.uniform(-4.0, 4.0))
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    corners = []
    # Perspective: the far edge (top or bottom) is narrower than the near one.
    tilt = float(rng.uniform(-0.06, 0.06))
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        half_w = pw / 2 * (1.0 + tilt * sy)
        x = sx * half_w + rng.uniform(-0.012, 0.012) * pw
        y = sy * ph / 2 + rng.uniform(-0.012, 0.012) * ph
        corners.append((cx + x * cos_a - y * sin_a, cy + x * sin_a + y * cos_a))
    src = np.array([(0, 0), (src_w, 0), (src_w, src_h), (0, src_h)], dtype=np.float32)
    dst = np.array(corners, dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    fractions = np.diag([1.0 / out_w, 1.0 / out_h, 1.0]) @ matrix @ np.diag([src_w, src_h, 1.0])

    # Paper: slightly warm, never pure white.
    tint = np.array(
        [rng.uniform(238, 250), rng.uniform(234, 246), rng.uniform(222, 238)], dtype=np.float32
    )
    page_arr = np.asarray(page, dtype=np.float32) * (tint / 255.0)
    warped = cv2.warpPerspective(
        page_arr,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    mask = cv2.warpPerspective(
        np.ones((src_h, src_w), np.float32),
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )

    # A darker surface (a desk) with a soft texture.
    base = np.array(
        [rng.uniform(70, 130), rng.uniform(55, 105), rng.uniform(40, 85)], dtype=np.float32
    )
    texture = _smooth_noise(rng, (out_h, out_w), 12) * 14.0
    desk = base[None, None, :] + texture[:, :, None]
    arr = warped + desk * (1.0 - mask[:, :, None])

    # Light: a gradient across the frame, a soft shadow and a vignette.
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    xn = xx / out_w - 0.5
    yn = yy / out_h - 0.5
    theta = rng.uniform(0, 2 * math.pi)
    gradient = 1.0 - float(rng.uniform(0.10, 0.25)) * (
        (xn * math.cos(theta) + yn * math.sin(theta)) + 0.5
    )
    # Shadow: a blurred half-plane cutting one corner of the sheet.
    phi = rng.uniform(0, 2 * math.pi)
    offset = float(rng.uniform(0.25, 0.45))
    dist = xn * math.cos(phi) + yn * math.sin(phi) - offset
    softness = float(rng.uniform(0.02, 0.06))
    shadow = 1.0 - float(rng.uniform(0.20, 0.40)) / (1.0 + np.exp(-dist / softness))
    radius = np.sqrt(xn * xn + yn * yn) / math.sqrt(0.5)
    vignette = 1.0 - float(rng.uniform(0.15, 0.30)) * radius**2
    light = (gradient * shadow * vignette).astype(np.float32)
    arr *= light[:, :, None]
    del xx, yy, xn, yn, dist, radius, light, gradient, shadow, vignette, texture, desk

    # Defocus, then sensor noise (a little stronger in the dark).
    sigma = float(rng.uniform(0.6, 1.1))
    arr = cv2.GaussianBlur(arr, (0, 0), sigma)
    noise = float(rng.uniform(3.0, 6.0))
    arr += rng.normal(0.0, noise, arr.shape).astype(np.float32)
    out = Image.fromarray(_to_uint8(arr), "RGB")
    del arr

    # The phone's JPEG encoder.
    quality = int(rng.integers(60, 81))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=quality, subsampling=2)
    buf.seek(0)
    result = Image.open(buf, formats=["JPEG"])
    result.load()
    result.info.pop("dpi", None)
    result.info.pop("jfif_density", None)
    return result, fractions / fractions[2, 2]


#: Resolutions of a browser capture of a PDF page (zoom 75–150 % on a 96-dpi screen, roughly).
SCREENSHOT_DPIS = (72, 96, 110, 125, 150)
#: The grey around the page in a browser's PDF viewer.
_VIEWER_GREY = (82, 86, 89)


def screenshot(img: Image.Image, seed: int) -> Image.Image:
    """A browser capture of the page: 72–150 dpi, RGB (colours kept), on the viewer's grey.

    The page is downsampled smoothly (as a viewer renders it), framed by a few pixels of the
    viewer's background with a faint shadow. No noise, no rotation: a screen capture is exact.
    The result has no dpi tag (a screenshot does not know the page's size).
    """
    rng = np.random.default_rng(seed)
    dpi = int(rng.choice(SCREENSHOT_DPIS))
    page = img.convert("RGB")
    scale = dpi / _source_dpi(img)
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    page = page.resize(size, Image.Resampling.LANCZOS)
    margin_x = int(rng.integers(6, 40))
    margin_top = int(rng.integers(4, 24))
    margin_bottom = int(rng.integers(4, 24))
    out = Image.new(
        "RGB", (page.width + 2 * margin_x, page.height + margin_top + margin_bottom), _VIEWER_GREY
    )
    shadow = Image.new("RGB", page.size, (40, 42, 44))
    out.paste(shadow, (margin_x + 2, margin_top + 2))
    out.paste(page, (margin_x, margin_top))
    out.info.pop("dpi", None)
    return out


def screenshot_png(img: Image.Image, seed: int) -> bytes:
    """:func:`screenshot` as PNG bytes, as the browser's capture tool saves it."""
    buf = io.BytesIO()
    screenshot(img, seed).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
