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
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import tesserocr  # noqa: E402
from PIL import Image  # noqa: E402

from docproc.errors import DocprocError, Reason  # noqa: E402
from docproc.models import Check, PageText, Segment  # noqa: E402
from docproc.observe import observe  # noqa: E402
from docproc.text import cleanup  # noqa: E402
from docproc.text.images import DPI_KEY  # noqa: E402

log = logging.getLogger(__name__)

# Leptonica prints harmless "Error in boxClipToRectangle…" lines on stderr otherwise.
tesserocr.set_leptonica_log_level(tesserocr.LeptLogLevel.NONE)

LANG = "fra"
#: Where Debian's ``tesseract-ocr-fra`` puts its data; DOCPROC_TESSDATA overrides.
TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata/",
    "/usr/share/tesseract-ocr/4.00/tessdata/",
    "/usr/share/tessdata/",
    "/usr/local/share/tessdata/",
)
#: Seconds of Tesseract time allowed per page before it is abandoned (DOCPROC_OCR_PAGE_TIMEOUT).
PAGE_TIMEOUT_S = 20.0
#: The second look (re-reading unsure words) gets this share of the page's time on top.
SECOND_LOOK_SHARE = 0.25
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
#: Words below this confidence (0..100) are read again, alone on their line.
SECOND_LOOK_CONFIDENCE = 80.0
#: A number of one or two characters (a count of persons, a "0" in a table) is read again
#: below this confidence: Tesseract misreads them alone more than anything else.
SHORT_NUMBER_CONFIDENCE = 93.0
#: Unread ink re-read as a line is kept when Tesseract is at least this sure (0..100).
ORPHAN_MIN_CONFIDENCE = 60.0
#: Words without digits read with less confidence (0..100) are noise (logos, stamps).
NOISE_CONFIDENCE = 40.0
#: Lone symbols kept even when Tesseract is unsure of them.
KEEP_SYMBOLS = frozenset({"€", "%", ":", "/", "-", "+", "(", ")", ","})
#: (margin in character heights, zoom) of the readings of a word read again; they vote.
SECOND_LOOK_VARIANTS = ((0.35, 1.0), (1.0, 1.0), (0.35, 2.0), (1.0, 2.0))
#: At most this many unread ink regions are looked at again per page.
MAX_ORPHANS = 40
#: Least distance, centre to centre in word heights, of two digits around a point put back.
POINT_PITCH = 0.85
#: Words printed in big letters across a page (a watermark) that are reported as a segment
#: of their own; a reading this similar (0..1) to one of them counts.
WATERMARK_WORDS = ("SPECIMEN",)
WATERMARK_SIMILARITY = 0.75
TESSERACT_VARIABLES = {
    # Inverted (white on black) text does not occur on an avis; trying it costs time.
    "tessedit_do_invert": "0",
}


def _tessdata() -> str:
    env = os.environ.get("DOCPROC_TESSDATA")
    if env:
        return env if env.endswith("/") else env + "/"
    for cand in TESSDATA_CANDIDATES:
        if Path(cand, f"{LANG}.traineddata").is_file():
            return cand
    return TESSDATA_CANDIDATES[0]


def _page_timeout() -> float:
    raw = os.environ.get("DOCPROC_OCR_PAGE_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return PAGE_TIMEOUT_S
    return value if value > 0 else PAGE_TIMEOUT_S


def _workers() -> int:
    raw = os.environ.get("DOCPROC_OCR_THREADS", "")
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


# --------------------------------------------------------------------------- API pool


class _ApiPool:
    """Idle Tesseract instances, reused across calls (loading ``fra`` costs 50–130 ms).

    One instance serves one thread at a time. After a fork (an RQ work-horse), idle
    instances made in the parent are shared copy-on-write and stay usable.
    """

    def __init__(self, lang: str, psm: int) -> None:
        self.lang = lang
        self.psm = psm
        self._idle: list[tesserocr.PyTessBaseAPI] = []
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        self._lock = threading.Lock()

    def _create(self) -> tesserocr.PyTessBaseAPI:
        variables = TESSERACT_VARIABLES if self.lang != "osd" else {}
        try:
            return tesserocr.PyTessBaseAPI(
                path=_tessdata(),
                lang=self.lang,
                psm=self.psm,
                oem=tesserocr.OEM.LSTM_ONLY if self.lang != "osd" else tesserocr.OEM.DEFAULT,
                variables=dict(variables),
            )
        except RuntimeError as exc:
            raise DocprocError(Reason.ocr_failed, detail="tesseract_init") from exc

    @contextmanager
    def get(self) -> Iterator[tesserocr.PyTessBaseAPI]:
        with self._lock:
            api = self._idle.pop() if self._idle else None
        if api is None:
            api = self._create()
        try:
            yield api
        finally:
            with self._lock:
                self._idle.append(api)


_TEXT = _ApiPool(LANG, tesserocr.PSM.AUTO)
_OSD = _ApiPool("osd", tesserocr.PSM.OSD_ONLY)
os.register_at_fork(after_in_child=_TEXT.after_fork)
os.register_at_fork(after_in_child=_OSD.after_fork)


def warm_up() -> None:
    """Load the French model in as many instances as threads will use (e.g. in a worker
    before it forks, so that work-horses share them copy-on-write)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        for _ in range(_workers()):
            stack.enter_context(_TEXT.get())


def _osd_available() -> bool:
    return Path(_tessdata(), "osd.traineddata").is_file()


def _osd(page: np.ndarray) -> tuple[int, float] | None:
    """Tesseract's orientation detector: (degrees counter-clockwise to turn, confidence)."""
    if not _osd_available():
        return None
    h, w = page.shape
    with _OSD.get() as api:
        api.SetImageBytes(page.tobytes(), w, h, 1, w)
        api.SetSourceResolution(200)
        try:
            res = api.DetectOrientationScript()
        except RuntimeError:
            return None
    if not res or res.get("orient_conf", 0.0) < 1.5:
        return None
    return int(res["orient_deg"]) % 360, float(res["orient_conf"])


# --------------------------------------------------------------------------- OCR


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


# A word as read: text, box in page pixels (x0, y0, x1, y1), confidence 0..100.
_Word = tuple[str, int, int, int, int, float]


def _read_words(api: tesserocr.PyTessBaseAPI, dx: int = 0, dy: int = 0) -> list[_Word]:
    out: list[_Word] = []
    it = api.GetIterator()
    if it is None:
        return out
    level = tesserocr.RIL.WORD
    for word in tesserocr.iterate_level(it, level):
        try:
            text = word.GetUTF8Text(level)
        except RuntimeError:  # "No text returned": an empty word
            continue
        if not text or not text.strip():
            continue
        box = word.BoundingBox(level)
        if not box:
            continue
        x0, y0, x1, y1 = box
        out.append(
            (text.strip(), x0 + dx, y0 + dy, x1 + dx, y1 + dy, float(word.Confidence(level)))
        )
    return out


def _recognize(
    arr: np.ndarray, top: int, bottom: int, dpi: float, timeout: float
) -> tuple[list[_Word], bool]:
    """Tesseract (psm 3) on rows top..bottom of the page; (words, finished in time)."""
    band = np.ascontiguousarray(arr[top:bottom])
    h, w = band.shape
    remaining_ms = max(1, int(timeout * 1000))
    if h < 4:
        return [], True
    with _TEXT.get() as api:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        api.SetImageBytes(band.tobytes(), w, h, 1, w)
        api.SetSourceResolution(max(70, round(dpi)))
        ok = api.Recognize(timeout=remaining_ms)
        words = _read_words(api, 0, top) if ok else []
        api.Clear()
    return words, bool(ok)


def _read_band(
    c: cleanup.Cleaned, top: int, bottom: int, timeout: float, budget: float
) -> tuple[list[_Word], bool]:
    """Read rows top..bottom of a cleaned page, then give its unsure words and unread ink
    a second look; words in page pixels, and whether it finished in time."""
    words, ok = _recognize(c.ocr_image, top, bottom, c.dpi, timeout)
    if not ok or not words:
        return words, ok
    band = c.ocr_image[top:bottom]
    shifted = [(t, x0, y0 - top, x1, y1 - top, cf) for t, x0, y0, x1, y1, cf in words]
    looked = _second_look(band, shifted, c.dpi, c.char_height, budget)
    looked = _restore_points(band, looked)
    return [(t, x0, y0 + top, x1, y1 + top, cf) for t, x0, y0, x1, y1, cf in looked], True


def _bands(arr: np.ndarray, char_px: float, parts: int) -> list[tuple[int, int]]:
    """Split the page into ``parts`` horizontal bands at blank rows, balanced by ink.

    Only cuts through a run of blank rows (no text line is ever cut); returns the whole
    page when no such gap exists near the middle.
    """
    h = arr.shape[0]
    if parts <= 1 or char_px <= 0 or h < 200:
        return [(0, h)]
    ink = cleanup.ink_rows(arr)
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


def _restore_points(arr: np.ndarray, words: list[_Word]) -> list[_Word]:
    """Put back the decimal point or comma Tesseract drops between the digits of a short
    number printed small ("2.0" parts read "20" at 97 % on a 72-dpi capture).

    A word of 2–4 digits whose ink splits into exactly one tall mark per digit plus one
    dot-sized mark at the baseline, in a gap wider than digits leave between them, gets a
    "." there (a "," when the mark reaches below the baseline).
    """
    out: list[_Word] = []
    for word in words:
        text, x0, y0, x1, y1, conf = word
        height = y1 - y0
        if not (text.isdigit() and 2 <= len(text) <= 4) or height < 8:
            out.append(word)
            continue
        pad = max(2, height // 4)
        crop = arr[y0 : min(arr.shape[0], y1 + pad), max(0, x0 - 1) : x1 + 1]
        if crop.size == 0:
            out.append(word)
            continue
        _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        tall = [s for s in stats[1:] if s[3] >= 0.6 * height]
        dots = [
            s
            for s in stats[1:]
            if 0.08 * height <= s[3] <= 0.35 * height
            and 0.08 * height <= s[2] <= 0.35 * height
            and s[4] >= 0.4 * s[2] * s[3]
            and s[1] + s[3] >= 0.8 * height
        ]
        if len(tall) != len(text) or len(dots) != 1 or n - 1 != len(tall) + 1:
            out.append(word)
            continue
        dot = dots[0]
        centre = dot[0] + dot[2] / 2
        left = sum(1 for s in tall if s[0] + s[2] <= centre)
        if not 0 < left < len(text):
            out.append(word)
            continue
        # A point takes room: the digits on either side of it stand further apart, centre
        # to centre, than digits do (digits advance by about 0.7 of their height; the point
        # of "2.0" put 0.95 between them); a speck between digits set as usual is not one.
        by_x = sorted(tall, key=lambda st: int(st[0]))
        pitch = (by_x[left][0] + by_x[left][2] / 2) - (by_x[left - 1][0] + by_x[left - 1][2] / 2)
        if pitch < POINT_PITCH * height:
            out.append(word)
            continue
        baseline = max(s[1] + s[3] for s in tall)
        mark = "," if dot[1] + dot[3] > baseline + 0.1 * height else "."
        out.append((text[:left] + mark + text[left:], x0, y0, x1, y1, conf))
    return out


def _second_look(
    arr: np.ndarray, words: list[_Word], dpi: float, char_px: float, timeout: float
) -> list[_Word]:
    """Re-read, alone, the short words Tesseract was unsure of, and the ink it left unread
    (a lone "0" in a table cell is easily taken for noise).

    Lines of digits alone are Tesseract's weak spot ("2 127" read "PTT" with confidence
    0, "75" read "19"): read alone, with some margin, they come out right and sure.
    """
    deadline = time.monotonic() + timeout
    regions: list[tuple[int, int, int, int, int | None]] = []
    for i, (text, x0, y0, x1, y1, conf) in enumerate(words):
        # A lone letter where a count stands ("2" read "À" at 85 %) is as suspect.
        short_number = (len(text) <= 2 and any(ch.isdigit() for ch in text)) or (
            len(text) == 1 and text.isalpha()
        )
        if (x1 - x0) > 25 * char_px or (y1 - y0) > 3 * char_px:
            continue  # no word is that big: a shadow or a picture read as letters
        if (conf < SECOND_LOOK_CONFIDENCE and len(text) <= 16) or (
            short_number and conf < SHORT_NUMBER_CONFIDENCE
        ):
            regions.append((x0, y0, x1, y1, i))
    for x0, y0, x1, y1 in cleanup.unread_ink(
        arr, [(wd[1], wd[2], wd[3], wd[4]) for wd in words], char_px
    )[:MAX_ORPHANS]:
        regions.append((x0, y0, x1, y1, None))
    if not regions:
        return words
    replaced: dict[int, list[_Word]] = {}
    added: list[_Word] = []
    with _TEXT.get() as api:
        api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        for x0, y0, x1, y1, index in regions:
            if time.monotonic() > deadline:
                break
            found = _read_alone(api, arr, (x0, y0, x1, y1), dpi, char_px, deadline)
            if not found:
                continue
            mean = sum(wd[5] for wd in found) / len(found)
            if index is None:
                text = "".join(wd[0] for wd in found)
                alnum = sum(ch.isalnum() for ch in text)
                if (
                    mean >= ORPHAN_MIN_CONFIDENCE
                    and alnum >= 1
                    and (alnum >= 2 or text.rstrip("€").isdigit())
                ):
                    added.extend(found)
            elif mean >= words[index][5] + 10 or (
                mean >= words[index][5] and len(words[index][0]) <= 2
            ):
                replaced[index] = found
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        api.Clear()
    # A reading with a margin may take in a neighbour already read ("01/01/2024" read again
    # in place of "d'imposition"): such a reading is not of the word, which stays as it was.
    kept = [wd for i, wd in enumerate(words) if i not in replaced]
    out = list(kept)
    for i in sorted(replaced):
        good = not any(_same_place(w, k) for w in replaced[i] for k in kept)
        out.extend(replaced[i] if good else [words[i]])
    out.extend(wd for wd in added if not any(_same_place(wd, k) for k in out))
    return out


def _same_place(a: _Word, b: _Word) -> bool:
    """Two words over the same ink: they overlap on half the narrower one's width, and on
    half the lower one's height."""
    wide = min(a[3], b[3]) - max(a[1], b[1])
    high = min(a[4], b[4]) - max(a[2], b[2])
    return (wide > 0.5 * min(a[3] - a[1], b[3] - b[1])
            and high > 0.5 * min(a[4] - a[2], b[4] - b[2]))


def _read_alone(
    api: tesserocr.PyTessBaseAPI,
    arr: np.ndarray,
    box: tuple[int, int, int, int],
    dpi: float,
    char_px: float,
    deadline: float,
) -> list[_Word]:
    """Read one box as a line several ways (tight and wide margin, as is and enlarged 2x)
    and keep the reading most of them agree on, weighed by confidence.

    A lone "1" is read "4" at 91 % one way and "1" at 97 % the three others: a single
    reading, however sure, is not to be trusted for a short number.
    """
    h, w = arr.shape
    x0, y0, x1, y1 = box
    slack = max(2.0, char_px * 0.25)
    votes: dict[str, float] = {}
    readings: dict[str, list[_Word]] = {}
    for margin, zoom in SECOND_LOOK_VARIANTS:
        pad = max(3, int(round(char_px * margin)))
        cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
        cx1, cy1 = min(w, x1 + pad), min(h, y1 + pad)
        if cy1 - cy0 < 4 or cx1 - cx0 < 4:
            continue
        found = _read_line(api, arr[cy0:cy1, cx0:cx1], cx0, cy0, dpi, zoom, deadline)
        # Only what lies in the box: the margin may show a neighbour's edge (read ":").
        found = [
            wd
            for wd in found
            if x0 - slack <= (wd[1] + wd[3]) / 2 <= x1 + slack
            and y0 - slack <= (wd[2] + wd[4]) / 2 <= y1 + slack
            and wd[1] >= x0 - slack
            and wd[3] <= x1 + slack
        ]
        if not found:
            continue
        text = " ".join(wd[0] for wd in found)
        conf = sum(wd[5] for wd in found) / len(found)
        # A reading that leaves part of the box unread ("1" for "1 874") counts for less.
        covered = sum(wd[3] - wd[1] for wd in found) / max(1.0, float(x1 - x0))
        votes[text] = votes.get(text, 0.0) + conf * min(1.0, covered / 0.8)
        if text not in readings or conf > sum(wd[5] for wd in readings[text]) / len(readings[text]):
            readings[text] = found
        if votes[text] >= 2 * 90.0:
            break  # two sure readings agree: the others could not outvote them
    if not votes:
        return []
    return readings[max(votes, key=lambda t: votes[t])]


def _read_line(
    api: tesserocr.PyTessBaseAPI,
    crop: np.ndarray,
    dx: int,
    dy: int,
    dpi: float,
    zoom: float,
    deadline: float,
) -> list[_Word]:
    img = (
        crop
        if zoom == 1
        else cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    )
    img = np.ascontiguousarray(img)
    ch, cw = img.shape
    remaining = int((deadline - time.monotonic()) * 1000)
    if remaining <= 0:
        return []
    api.SetImageBytes(img.tobytes(), cw, ch, 1, cw)
    api.SetSourceResolution(max(70, round(dpi * zoom)))
    if not api.Recognize(timeout=remaining):
        return []
    return [
        (
            t,
            dx + round(x0 / zoom),
            dy + round(y0 / zoom),
            dx + round(x1 / zoom),
            dy + round(y1 / zoom),
            c,
        )
        for t, x0, y0, x1, y1, c in _read_words(api)
    ]


def _read_big_text(c: cleanup.Cleaned, deadline: float) -> tuple[str, float] | None:
    """The watermark word (WATERMARK_WORDS) written in big letters across the page, if the
    clean-up found such a line and Tesseract reads it so; with its confidence (0..100)."""
    big = c.big_text
    if big is None:
        return None
    from difflib import SequenceMatcher

    from docproc.text.fold import fold

    with _TEXT.get() as api:
        api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        try:
            # Read as levelled, then upside down (the line's direction is known, its sense
            # is not: a watermark may run down from the left).
            for img in (big.image, np.ascontiguousarray(big.image[::-1, ::-1])):
                found = _read_line(api, img, 0, 0, 300.0, 1.0, deadline)
                text = "".join(ch for ch in fold(" ".join(wd[0] for wd in found)) if ch.isalpha())
                for word in WATERMARK_WORDS:
                    if word in text or (
                        len(text) <= 2 * len(word)
                        and SequenceMatcher(None, word, text).ratio() >= WATERMARK_SIMILARITY
                    ):
                        conf = sum(wd[5] for wd in found) / len(found)
                        return word, conf
        finally:
            api.SetPageSegMode(tesserocr.PSM.AUTO)
            api.Clear()
    return None


def _watermark_segment(
    word: str, conf: float, box: tuple[int, int, int, int], segments: list[Segment], w: int, h: int
) -> Segment:
    """A segment for a watermark word: across the watermark's width, on a thin band within
    its height where no word lies, so that it makes a line of its own (a segment as tall as
    the watermark would pull the words it covers into its line)."""
    x0, y0, x1, y1 = box
    top, bottom = y0 / h, y1 / h
    taken = sorted((s.y0, s.y1) for s in segments if s.y1 > top and s.y0 < bottom)
    mid = (top + bottom) / 2
    best: tuple[float, float] | None = None  # (distance to the middle, y)
    cursor = top
    for a, b in [*taken, (bottom, bottom)]:
        if a > cursor:
            y = (cursor + a) / 2
            if best is None or abs(y - mid) < best[0]:
                best = (abs(y - mid), y)
        cursor = max(cursor, b)
    y = best[1] if best is not None else mid
    thin = 0.2 / max(1, h)
    return Segment(
        text=word,
        x0=x0 / w,
        y0=y - thin,
        x1=x1 / w,
        y1=y + thin,
        conf=max(0.0, min(1.0, conf / 100.0)),
    )


def _is_noise(text: str, conf: float) -> bool:
    """Tesseract's reading of a logo, a stamp or a speck, not a word.

    Digits alone are kept whatever their confidence (amounts are never dropped); short
    mixes of digits and other signs below 30; letters below NOISE_CONFIDENCE;
    punctuation alone below 60.
    """
    if set(text) <= {"|", "¦"}:
        return True  # a rule's remnant, never a word on an avis
    if any(ch.isdigit() for ch in text):
        if text.isdigit():
            return False
        # "2." or "a1" at 12 %: a speck in a logo, not an amount.
        return conf < 30.0 and len(text) <= 3
    if any(ch.isalpha() for ch in text):
        return conf < NOISE_CONFIDENCE
    return conf < 60.0 and text not in KEEP_SYMBOLS


def _diacritic(word: _Word, words: list[_Word]) -> bool:
    """A small unsure "word" lying on top of (or under) a bigger one: its accents or a
    speck read separately ("GÉNÉRALE" gives "sde" above it). Two words of one line never
    overlap horizontally, and words of two lines never touch vertically."""
    t, x0, y0, x1, y1, c = word
    if c >= 80 or len(t) > 4:
        return False
    width, height = x1 - x0, y1 - y0
    for other in words:
        if other is word or other[5] < c:
            continue
        _, ox0, oy0, ox1, oy1, _ = other
        oh = oy1 - oy0
        inside = min(x1, ox1) - max(x0, ox0)
        gap = max(oy0 - y1, y0 - oy1)
        if inside >= 0.8 * width and gap < 0.5 * oh and height < 0.75 * oh:
            return True
    return False


def _segments(words: list[_Word], w: int, h: int) -> list[Segment]:
    sure = sorted(wd[4] - wd[2] for wd in words if wd[5] >= 80)
    typical = float(sure[len(sure) // 2]) if sure else 0.0
    out = []
    for word in sorted(words, key=lambda wd: (wd[2], wd[1])):
        t, x0, y0, x1, y1, c = word
        if _is_noise(t, c):
            continue
        if c < 50 and typical and (y1 - y0) < 0.45 * typical and len(t) <= 3:
            continue  # a speck in a logo read as "2." or "a."
        if _diacritic(word, words):
            continue
        out.append(
            Segment(
                text=t,
                x0=x0 / w,
                y0=y0 / h,
                x1=x1 / w,
                y1=y1 / h,
                conf=max(0.0, min(1.0, c / 100.0)),
            )
        )
    return out


def _page_text(
    file: str,
    page: int,
    cleaned: cleanup.Cleaned,
    words: list[_Word],
    timed_out: bool,
    started: float,
    watermark: tuple[str, float] | None = None,
) -> PageText:
    h, w = cleaned.ocr_image.shape
    segments = _segments(words, w, h)
    if watermark is not None and cleaned.big_text is not None and not timed_out:
        segments.append(_watermark_segment(*watermark, cleaned.big_text.box, segments, w, h))
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
    )


def _clean(img: Image.Image) -> cleanup.Cleaned:
    try:
        return cleanup.clean(img, _claimed_dpi(img), osd=_osd)
    except cv2.error as exc:  # an image OpenCV cannot handle (degenerate sizes…)
        raise DocprocError(Reason.image_unreadable) from exc


def ocr_images(
    images: Sequence[Image.Image],
    file: str,
    first_page: int = 1,
    *,
    timeout_s: float | None = None,
    workers: int | None = None,
) -> list[PageText]:
    """One PageText per image (pages ``first_page``, ``first_page + 1``, …), in order.

    Work runs on ``workers`` threads (default: one per core, at most 2;
    DOCPROC_OCR_THREADS overrides): pages are cleaned in parallel, then read in bands cut
    at blank rows, so that even a lone page keeps both cores busy. ``timeout_s`` (default 20 s,
    DOCPROC_OCR_PAGE_TIMEOUT) bounds each page's OCR; a page that runs out of time comes
    back with the words read so far dropped and an ``ocr.delai`` check.
    A blank page or a photo of something else gives a PageText with no (or few, low
    confidence) words and an ``ocr.texte_absent`` check; this function does not raise
    for page content.
    """
    if not images:
        return []
    n_workers = max(1, workers or _workers())
    timeout = timeout_s if timeout_s is not None else _page_timeout()
    started = time.perf_counter()
    pool = (
        ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="ocr")
        if n_workers > 1
        else None
    )
    try:

        def run(fn: Any, *args: Any) -> Any:
            return pool.submit(fn, *args) if pool else _Done(fn(*args))

        cleaned = [f.result() for f in [run(_clean, img) for img in images]]
        # Every page is cut in as many bands as there are threads: one page keeps both
        # cores busy, and so does the last page of an odd count. Each band is read, then
        # looked at again, on its own thread.
        budget = max(1.0, timeout * SECOND_LOOK_SHARE)
        jobs: list[list[Any]] = [
            []
            if c.blank
            else [
                run(_read_band, c, top, bottom, timeout, budget)
                for top, bottom in _bands(c.ocr_image, c.char_height, n_workers)
            ]
            for c in cleaned
        ]
        deadline = time.monotonic() + timeout
        marks = [
            run(_read_big_text, c, deadline)
            if c.big_text is not None and not c.blank
            else _Done(None)
            for c in cleaned
        ]
        pages = []
        for i, (c, futures) in enumerate(zip(cleaned, jobs, strict=True)):
            words: list[_Word] = []
            ok = True
            for f in futures:
                band_words, band_ok = f.result()
                words.extend(band_words)
                ok = ok and band_ok
            pages.append(
                _page_text(
                    file, first_page + i, c, words if ok else [], not ok, started, marks[i].result()
                )
            )
        observe("ocr.page", (time.perf_counter() - started) / len(pages), len(pages))
        return pages
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


class _Done:
    """A finished 'future' for the single-threaded path."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value


# --------------------------------------------------------------------------- benchmark


def _scan_pages(directory: Path, limit: int, out: Path) -> list[Path]:
    """Up to ``limit`` 300-dpi greyscale PNGs of scanned pages found under ``directory``:
    the pages of its image-only PDFs (``scan_*`` samples) rendered the way a scanner's PNG
    would be, else its PNG files (the samples also hold PNG screen captures, which are not
    scans: the target is set for scans)."""
    if not any(directory.glob("scan_*/*.pdf")):
        return sorted(directory.rglob("*.png"))[:limit]
    import pypdfium2

    from docproc.text.images import render_pdf_page

    made: list[Path] = []
    for pdf_path in sorted(directory.glob("scan_*/*.pdf")):
        pdf = pypdfium2.PdfDocument(pdf_path.read_bytes())
        try:
            for i in range(len(pdf)):
                if len(made) >= limit:
                    break
                target = out / f"{pdf_path.parent.name}_p{i + 1}.png"
                render_pdf_page(pdf, i, 300).save(target, dpi=(300, 300))
                made.append(target)
        finally:
            pdf.close()
        if len(made) >= limit:
            break
    return made


def bench_ocr(png_path: str | os.PathLike[str], runs: int = 5, pages: int = 2) -> dict[str, Any]:
    """Plain ``tesseract PNG - -l fra --psm 3`` (OMP_THREAD_LIMIT=1) against this pipeline
    on the same page: medians over ``runs`` interleaved runs, and their ratios.

    ``png_path`` is a PNG of a scanned page, or a directory: its PNGs, else the pages of
    its ``scan_*/*.pdf`` samples rendered at 300 dpi (at most ``pages`` of them; the
    totals then add up the pages' medians).

    ``pipeline_s`` is ``ocr_images`` on the decoded page (clean-up + OCR, wall clock);
    ``pipeline_with_decode_s`` adds ``load_images`` on the file's bytes. ``*_cpu_s`` are
    CPU seconds (the CLI's from its rusage); ``cpu_ratio`` tells what a fully loaded
    machine would see, ``ratio`` what one upload waits. The machine is shared and noisy:
    compare ratios from one call, not absolute times across calls.
    """
    import tempfile

    path = Path(png_path)
    if not path.is_dir():
        return _bench_page(path, runs)
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as tmp:
        files = _scan_pages(path, pages, Path(tmp))
        if not files:
            raise FileNotFoundError(f"no scanned page under {path}")
        per_page = [_bench_page(f, runs) for f in files]
    total: dict[str, Any] = {"pages": per_page, "runs": runs, "threads": _workers()}
    for key in (
        "tesseract_cli_s",
        "pipeline_s",
        "pipeline_with_decode_s",
        "tesseract_cli_cpu_s",
        "pipeline_cpu_s",
        "words",
    ):
        total[key] = round(sum(p[key] for p in per_page), 3)
    total["ratio"] = round(total["pipeline_s"] / total["tesseract_cli_s"], 3)
    total["cpu_ratio"] = round(total["pipeline_cpu_s"] / total["tesseract_cli_cpu_s"], 3)
    total["target_ratio"] = 0.7
    return total


def _bench_page(path: Path, runs: int) -> dict[str, Any]:
    import resource

    from docproc.text.images import load_images

    data = path.read_bytes()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    warm_up()
    images = load_images(data, "image/png")
    ocr_images(images, path.name)  # warm caches, load both thread instances
    cli: list[float] = []
    cli_cpu: list[float] = []
    ours: list[float] = []
    ours_cpu: list[float] = []
    with_decode: list[float] = []
    words = 0
    for _ in range(max(1, runs)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(
            ["tesseract", str(path), "-", "-l", LANG, "--psm", "3"],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        cli.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))

        t = time.perf_counter()
        imgs = load_images(data, "image/png")
        t1 = time.perf_counter()
        c1 = time.process_time()
        pages = ocr_images(imgs, path.name)
        t2 = time.perf_counter()
        ours.append(t2 - t1)
        ours_cpu.append(time.process_time() - c1)
        with_decode.append(t2 - t)
        words = sum(len(p.segments) for p in pages)
    cli_s = statistics.median(cli)
    ours_s = statistics.median(ours)
    cli_c = statistics.median(cli_cpu)
    ours_c = statistics.median(ours_cpu)
    return {
        "file": path.name,
        "pixels": images[0].width * images[0].height if images else 0,
        "runs": runs,
        "threads": _workers(),
        "tesseract_cli_s": round(cli_s, 3),
        "pipeline_s": round(ours_s, 3),
        "pipeline_with_decode_s": round(statistics.median(with_decode), 3),
        "ratio": round(ours_s / cli_s, 3) if cli_s else None,
        "tesseract_cli_cpu_s": round(cli_c, 3),
        "pipeline_cpu_s": round(ours_c, 3),
        "cpu_ratio": round(ours_c / cli_c, 3) if cli_c else None,
        "words": words,
    }
