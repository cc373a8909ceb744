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

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from docproc.page_geometry import quarter_turn
from docproc.text.ink import erase_rules, measure_sharpness
from docproc.text.orientation import (
    MIN_SKEW,
    UPDOWN_MARGIN,
    OsdFunc,
    blobs_and_marks,
    neighbour_axis,
    residual_skew,
    rotate_matrix,
    text_blobs,
    updown_score,
)
from docproc.text.pixels import cv2, flatten, ink_mask, paper_background, percentile, rescale
from docproc.text.shading import normalise_shaded
from docproc.text.sheet import BORDER, find_sheet, sheet_size, warp_sheet
from docproc.text.watermark import BigText, big_text, erase_big_text

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


#: A page with text has at least this many word-like groups of blobs…
MIN_WORDS = 3


#: …whose characters have their nearest neighbour along the line this much more often
#: than across it (about 1 for a photo of a landscape or noise; 3 to 30 for text).
MIN_AXIS_RATIO = 1.5


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
    #: The 3x3 map from the input's pixels to ``image``'s (sheet, turns, skew, scale), and the
    #: input's size (width, height): word boxes are taken back to the file with them.
    file_to_page: np.ndarray | None = None
    file_size: tuple[int, int] = (0, 0)

    @property
    def blank(self) -> bool:
        """No text to read: nothing on the page, or shapes that do not line up like text
        (a photo of something else, noise). OCR is skipped for such pages."""
        return self.blobs < MIN_BLOBS or self.words < MIN_WORDS or self.axis_ratio < MIN_AXIS_RATIO


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
    reduced = rescale(arr, a0)

    # 2. The sheet. Everything below maps original pixels through ``base`` (3x3) into
    #    "sheet" pixels of size sheet_w × sheet_h; ``analysis`` is the sheet at scale a.
    small_quad = find_sheet(reduced)
    if small_quad is not None:
        quad = small_quad / a0
        sheet_w, sheet_h = sheet_size(quad)
        dst = np.array([(0, 0), (sheet_w, 0), (sheet_w, sheet_h), (0, sheet_h)], np.float32)
        base = cv2.getPerspectiveTransform(quad, dst).astype(np.float64)
        a = min(1.0, ANALYSIS_SIDE / max(sheet_w, sheet_h))
        aw, ah = max(1, round(sheet_w * a)), max(1, round(sheet_h * a))
        # From the original pixels: the sheet is smaller than the frame, so the reduced
        # copy is too coarse for it (blurred letters would measure taller than they are).
        analysis = warp_sheet(
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
    ink = ink_mask(flatten(analysis, paper_background(analysis, 12.0)))
    mh, mw = max(2, int(ah * BORDER)), max(2, int(aw * BORDER))
    ink[:mh] = 0
    ink[-mh:] = 0
    ink[:, :mw] = 0
    ink[:, -mw:] = 0
    timings["analysis"] = time.perf_counter() - t0

    # 3. Direction (0/90) and skew; then the character size on the straightened copy.
    blobs, marks = blobs_and_marks(ink)
    quarter, axis_ratio = neighbour_axis(blobs if len(blobs) >= MIN_BLOBS else marks)
    skew = residual_skew(ink, quarter) if len(marks) >= MIN_BLOBS else 0.0
    if abs(skew) < MIN_SKEW:
        skew = 0.0
    turn = quarter + skew
    if turn:
        m, rw, rh = rotate_matrix(aw, ah, turn)
        ink_r = cv2.warpAffine(ink, m, (rw, rh), flags=cv2.INTER_NEAREST, borderValue=0)
        blobs = text_blobs(ink_r)
    else:
        ink_r = ink
    # Letters of blurred small print merge into words: fall back on all marks' heights.
    sizes = blobs if len(blobs) >= MIN_BLOBS else marks
    char_h = float(np.median(sizes[:, 3])) if len(sizes) else 0.0
    rotation = quarter
    osd_used = False
    words = 0
    if len(marks) >= MIN_BLOBS:
        score, words = updown_score(ink_r, char_h)
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
    m, ow, oh = rotate_matrix(sw, sh, first_turn)
    full = np.vstack([m, [0, 0, 1]]) @ np.diag([scale, scale, 1.0]) @ base
    page = warp_sheet(arr, full, ow, oh, zoom=scale, fill=_paper_level(analysis))
    timings["warp"] = time.perf_counter() - t0

    if rotation < 0 and osd is not None:
        found = osd(page)
        extra = found[0] if found else 0
        if extra:
            full = quarter_turn(extra // 90, page.shape[1], page.shape[0]) @ full
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
    bg_full = paper_background(lifted, out_char)
    spread = percentile(bg_full, 95) - percentile(bg_full, 5)
    if spread > 18:
        flat = flatten(page, bg_full)
        lifted = flatten(lifted, bg_full) if shaded else flat
        page = flat
    timings["light"] = time.perf_counter() - t0

    # 7. Table rules and graphics, erased for Tesseract only (the 2D-Doc reader needs the
    #    full image).
    big = big_text(page, out_char)
    if big is not None:
        lifted = erase_big_text(lifted, big)
    timings["big_text"] = time.perf_counter() - t0
    page_ink = ink_mask(lifted)
    ocr_page = erase_rules(lifted, page_ink, out_char)
    timings["rules"] = time.perf_counter() - t0

    # 8. Sharpness on the text, at half size (where MIN_BLUR was calibrated: characters
    #    about 8 pixels high). A small source (at most ANALYSIS_SIDE pixels: a screen
    #    capture, a low-resolution scan) that was upscaled is measured on its own pixels
    #    instead (the sheet's copy at scale 1): upscaling smooths, and a crisp 72-dpi
    #    capture scored 1400 on its 2.3x page at half size, 4000 on its own pixels.
    source_blur = scale > 1.0 and a >= 1.0 and char_h > 0
    small = analysis if source_blur else rescale(page, 0.5)
    blur, contrast = measure_sharpness(small, ink_mask(small))
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
        file_to_page=full,
        file_size=(w, h),
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
    return int(percentile(analysis, 90)) if analysis.size else 255
