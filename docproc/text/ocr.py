"""OCR of scanned pages and phone photos with Tesseract (French), in process.

``ocr_images`` cleans each page (``docproc.text.cleanup``) and reads it with tesserocr:
one long-lived ``PyTessBaseAPI`` per thread, raw bytes plus an explicit resolution (no
hidden re-encode, no phone-metadata dpi), page segmentation mode 3 (psm 6 drops the rows
of ruled tables). Pages run in parallel on threads: tesserocr releases the GIL while
Tesseract works, and the PyPI wheel's Tesseract has no OpenMP, so one thread per core.

Words come back as ``Segment``s, boxes as fractions of the cleaned page, which is kept
in ``PageText.image`` (for the 2D-Doc reader). Nothing here interprets the words: amounts
such as "25 123" come out as the two words Tesseract saw (or one), never dropped.
"""

from __future__ import annotations

# Before tesserocr (or any OpenMP runtime) is loaded: one thread per OCR job. And OpenCV's
# own decoder cap, read once at its import (docproc never decodes bytes with OpenCV).
import os

from docproc.settings import get_settings

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(get_settings().max_image_pixels))

import logging  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from typing import Any  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from docproc.errors import DocprocError, Reason, out_of_memory  # noqa: E402
from docproc.models import Check, PageText  # noqa: E402
from docproc.observe import observe  # noqa: E402
from docproc.page_geometry import page_to_file  # noqa: E402
from docproc.text import cleanup, ocr_words  # noqa: E402
from docproc.text.images import DPI_KEY  # noqa: E402
from docproc.text.ink import ink_rows  # noqa: E402
from docproc.text.second_look import (
    SECOND_LOOK_SHARE,
    read_big_text,
    restore_points,
    second_look,
    watermark_segment,
)
from docproc.text.tesseract import Word, ocr_workers, osd, recognize

log = logging.getLogger(__name__)


#: Seconds of Tesseract time allowed per page before it is abandoned (DOCPROC_OCR_PAGE_TIMEOUT).
PAGE_TIMEOUT_S = 20.0


#: A page below either is reported as blurry (``image.floue``). Calibrated on degraded
#: samples blurred further: sharp pages score 4000–6000 and 0.95; from about 2800 / 0.90
#: down, Tesseract starts misreading amounts while still fairly sure of itself.
MIN_MEAN_CONFIDENCE = 0.90


MIN_BLUR = 2800.0


#: The floors for a page upscaled from a small source (a screen capture at 72–150 dpi),
#: whose sharpness is measured on its own 6–9-pixel letters. Crisp captures (the two real
#: ones of tests/fixtures/real, the reel_screenshot samples) score 2750–4200 and a mean
#: confidence of 0.85–0.94 with their fields read right; blurred by a Gaussian of 0.5 px
#: they score 1700–2450 and still read; by 0.8 px, 800–1000, and labels are lost.
MIN_BLUR_SMALL = 1500.0


MIN_MEAN_CONFIDENCE_SMALL = 0.80


#: A page judged blank whose blobs still line up this much is a very blurry page.
BLURRY_AXIS_RATIO = 1.3


#: Fewer words than this read with confidence ≥ 0.6: "no text on this page".
MIN_READABLE_WORDS = 5


def page_timeout() -> float:
    raw = os.environ.get("DOCPROC_OCR_PAGE_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return PAGE_TIMEOUT_S
    return value if value > 0 else PAGE_TIMEOUT_S


def _claimed_dpi(img: Image.Image) -> float | None:
    value = img.info.get(DPI_KEY)
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _checks(
    quality: dict[str, float], readable: int, cleaned: cleanup.Cleaned, timed_out: bool
) -> list[Check]:
    checks: list[Check] = []
    data = {"blur": round(quality["blur"], 1), "confidence": round(quality["confidence"], 3)}
    if timed_out:
        checks.append(
            Check(
                "ocr.delai",
                "warning",
                False,
                "La lecture de cette page a pris trop de temps et a été interrompue : "
                "envoyez une photo plus nette ou un scan de la page.",
                {"seconds": round(quality.get("seconds", 0.0), 1)},
            )
        )
        return checks
    small_source = cleaned.scale > 1.0 and cleaned.source_blur
    blurry = quality["blur"] < (MIN_BLUR_SMALL if small_source else MIN_BLUR)
    floor = MIN_MEAN_CONFIDENCE_SMALL if small_source and not blurry else MIN_MEAN_CONFIDENCE
    unsure = quality["confidence"] < floor
    if (
        cleaned.blank
        and cleaned.blobs >= cleanup.MIN_BLOBS
        and blurry
        and cleaned.axis_ratio >= BLURRY_AXIS_RATIO
    ):
        # Shapes lined up like words, but too blurred to separate into letters.
        checks.append(
            Check(
                "image.floue",
                "warning",
                False,
                "Cette page est trop floue pour être lue : reprenez la photo bien à plat, avec "
                "plus de lumière et sans bouger, ou envoyez un scan.",
                data,
            )
        )
        return checks
    if cleaned.blank or (readable < MIN_READABLE_WORDS and not blurry):
        checks.append(
            Check(
                "ocr.texte_absent",
                "warning",
                False,
                "Aucun texte n'a pu être lu sur cette page : vérifiez qu'il s'agit bien du "
                "document demandé, photographié en entier, à plat et bien éclairé.",
                {"words": readable},
            )
        )
        return checks
    if blurry or unsure or readable < MIN_READABLE_WORDS:
        checks.append(
            Check(
                "image.floue",
                "warning",
                False,
                "Cette page est floue ou peu lisible : reprenez la photo bien à plat, avec "
                "plus de lumière et sans bouger, ou envoyez un scan.",
                data,
            )
        )
    return checks


def _read_band(
    c: cleanup.Cleaned, top: int, bottom: int, timeout: float, budget: float
) -> tuple[list[Word], bool]:
    """Read rows top..bottom of a cleaned page, then give its unsure words and unread ink
    a second look; words in page pixels, and whether it finished in time."""
    words, ok = recognize(c.ocr_image, top, bottom, c.dpi, timeout)
    if not ok or not words:
        return words, ok
    band = c.ocr_image[top:bottom]
    shifted = [(t, x0, y0 - top, x1, y1 - top, cf) for t, x0, y0, x1, y1, cf in words]
    looked = second_look(band, shifted, c.dpi, c.char_height, budget)
    looked = restore_points(band, looked)
    return [(t, x0, y0 + top, x1, y1 + top, cf) for t, x0, y0, x1, y1, cf in looked], True


def _bands(arr: np.ndarray, char_px: float, parts: int) -> list[tuple[int, int]]:
    """Split the page into ``parts`` horizontal bands at blank rows, balanced by ink.

    Only cuts through a run of blank rows (no text line is ever cut); returns the whole
    page when no such gap exists near the middle.
    """
    h = arr.shape[0]
    if parts <= 1 or char_px <= 0 or h < 200:
        return [(0, h)]
    ink = ink_rows(arr)
    total = float(ink.sum())
    if total <= 0:
        return [(0, h)]
    blank = ink <= max(1.0, 0.002 * arr.shape[1])
    cum = np.cumsum(ink) / total
    min_gap = max(3, int(char_px * 0.4))
    cuts: list[int] = []
    for k in range(1, parts):
        target = k / parts
        best: tuple[float, int] | None = None
        y = 0
        while y < h:
            if not blank[y]:
                y += 1
                continue
            start = y
            while y < h and blank[y]:
                y += 1
            if y - start < min_gap or start == 0 or y == h:
                continue
            mid = (start + y) // 2
            share = float(cum[mid])
            if max(0.1, target - 0.25) <= share <= min(0.9, target + 0.25):
                cost = abs(share - target)
                if best is None or cost < best[0]:
                    best = (cost, mid)
        if best is not None and (not cuts or best[1] > cuts[-1]):
            cuts.append(best[1])
    edges = [0, *cuts, h]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _page_text(
    file: str,
    page: int,
    cleaned: cleanup.Cleaned,
    words: list[Word],
    timed_out: bool,
    started: float,
    watermark: tuple[str, float] | None = None,
) -> PageText:
    h, w = cleaned.ocr_image.shape
    segments = ocr_words.segments(words, w, h)
    if watermark is not None and cleaned.big_text is not None and not timed_out:
        segments.append(watermark_segment(*watermark, cleaned.big_text.box, segments, w, h))
    weights = [max(1, len(s.text)) for s in segments]
    mean_conf = (
        sum(s.conf * k for s, k in zip(segments, weights, strict=True)) / sum(weights)
        if segments
        else 0.0
    )
    readable = sum(1 for s in segments if s.conf >= 0.6 and sum(ch.isalnum() for ch in s.text) >= 2)
    quality = {
        "blur": round(cleaned.blur, 1),
        "contrast": round(cleaned.contrast, 1),
        "confidence": round(mean_conf, 4),
        "words": float(len(segments)),
        "rotation": float(cleaned.rotation),
        "skew": round(cleaned.skew, 2),
        "sheet": 1.0 if cleaned.sheet else 0.0,
        "osd": 1.0 if cleaned.osd_used else 0.0,
        "dpi": round(cleaned.dpi, 1),
        "char_height": round(cleaned.char_height, 1),
        "seconds": round(time.perf_counter() - started, 3),
    }
    checks = _checks(quality, readable, cleaned, timed_out)
    return PageText(
        file=file,
        page=page,
        source="ocr",
        segments=segments,
        quality=quality,
        checks=checks,
        image=Image.fromarray(cleaned.image, "L"),
        to_file=None
        if cleaned.file_to_page is None
        else page_to_file(cleaned.file_to_page, cleaned.file_size, (w, h)),
    )


def _clean(img: Image.Image) -> cleanup.Cleaned:
    try:
        return cleanup.clean(img, _claimed_dpi(img), osd=osd)
    except cv2.error as exc:  # an image OpenCV cannot handle (degenerate sizes…)
        if out_of_memory(exc):  # OpenCV could not allocate: fichier.ressources, not the image
            raise
        raise DocprocError(Reason.image_unreadable) from exc


def ocr_images(
    images: Iterable[Image.Image],
    file: str,
    first_page: int = 1,
    *,
    timeout_s: float | None = None,
    workers: int | None = None,
) -> list[PageText]:
    """One PageText per image (pages ``first_page``, ``first_page + 1``, …), in order.

    Work runs on ``workers`` threads (default: one per core, at most 2;
    DOCPROC_OCR_THREADS overrides): pages are cleaned in parallel, then read in bands cut
    at blank rows, so that even a lone page keeps both cores busy. ``images`` may be lazy (a
    PDF's pages rendered one by one): a page is cleaned while the next is rendered, and read
    as soon as it is clean, without waiting for the others. ``timeout_s`` (default 20 s,
    DOCPROC_OCR_PAGE_TIMEOUT) bounds each page's OCR; a page that runs out of time comes
    back with the words read so far dropped and an ``ocr.delai`` check.
    A blank page or a photo of something else gives a PageText with no (or few, low
    confidence) words and an ``ocr.texte_absent`` check; this function does not raise
    for page content.
    """
    n_workers = max(1, workers or ocr_workers())
    timeout = timeout_s if timeout_s is not None else page_timeout()
    started = time.perf_counter()
    pool = (
        ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="ocr")
        if n_workers > 1
        else None
    )
    try:

        def run(fn: Any, *args: Any) -> Any:
            return pool.submit(fn, *args) if pool else _Done(fn(*args))

        budget = max(1.0, timeout * SECOND_LOOK_SHARE)

        def page(img: Image.Image) -> tuple[cleanup.Cleaned, list[Any], Any]:
            # Cleaned, then every page is cut in as many bands as there are threads: one page
            # keeps both cores busy, and so does the last page of an odd count. Each band is
            # read, then looked at again, on its own thread.
            c = _clean(img)
            if c.blank:
                return c, [], _Done(None)
            bands = [
                run(_read_band, c, top, bottom, timeout, budget)
                for top, bottom in _bands(c.ocr_image, c.char_height, n_workers)
            ]
            mark = (
                run(read_big_text, c, time.monotonic() + timeout)
                if c.big_text is not None
                else _Done(None)
            )
            return c, bands, mark

        queued = [run(page, img) for img in images]
        pages = []
        for i, queued_page in enumerate(queued):
            c, futures, mark = queued_page.result()
            words: list[Word] = []
            ok = True
            for f in futures:
                band_words, band_ok = f.result()
                words.extend(band_words)
                ok = ok and band_ok
            pages.append(
                _page_text(
                    file, first_page + i, c, words if ok else [], not ok, started, mark.result()
                )
            )
        if pages:
            observe("ocr.page", (time.perf_counter() - started) / len(pages), len(pages))
        return pages
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


class _Done:
    """A finished 'future' for the single-threaded path."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value
