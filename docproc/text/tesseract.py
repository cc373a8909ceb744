"""The Tesseract engines: where the trained data lives, a pool of reusable engines per thread, orientation detection."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Tesseract's OpenMP threads fight the page threads: one each (read at its import).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import tesserocr  # noqa: E402

from docproc.errors import DocprocError, Reason

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


TESSERACT_VARIABLES = {
    # Inverted (white on black) text does not occur on an avis; trying it costs time.
    "tessedit_do_invert": "0",
}


def tessdata() -> str:
    env = os.environ.get("DOCPROC_TESSDATA")
    if env:
        return env if env.endswith("/") else env + "/"
    for cand in TESSDATA_CANDIDATES:
        if Path(cand, f"{LANG}.traineddata").is_file():
            return cand
    return TESSDATA_CANDIDATES[0]


def ocr_workers() -> int:
    raw = os.environ.get("DOCPROC_OCR_THREADS", "")
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


class ApiPool:
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
                path=tessdata(),
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


TEXT_ENGINES = ApiPool(LANG, tesserocr.PSM.AUTO)


OSD_ENGINES = ApiPool("osd", tesserocr.PSM.OSD_ONLY)
os.register_at_fork(after_in_child=TEXT_ENGINES.after_fork)
os.register_at_fork(after_in_child=OSD_ENGINES.after_fork)


def warm_up() -> None:
    """Load the French model in as many instances as threads will use (e.g. in a worker
    before it forks, so that work-horses share them copy-on-write)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        for _ in range(ocr_workers()):
            stack.enter_context(TEXT_ENGINES.get())


def osd_available() -> bool:
    return Path(tessdata(), "osd.traineddata").is_file()


def osd(page: np.ndarray) -> tuple[int, float] | None:
    """Tesseract's orientation detector: (degrees counter-clockwise to turn, confidence)."""
    if not osd_available():
        return None
    h, w = page.shape
    with OSD_ENGINES.get() as api:
        api.SetImageBytes(page.tobytes(), w, h, 1, w)
        api.SetSourceResolution(200)
        try:
            res = api.DetectOrientationScript()
        except RuntimeError:
            return None
    if not res or res.get("orient_conf", 0.0) < 1.5:
        return None
    return int(res["orient_deg"]) % 360, float(res["orient_conf"])


Word = tuple[str, int, int, int, int, float]


def read_words(api: tesserocr.PyTessBaseAPI, dx: int = 0, dy: int = 0) -> list[Word]:
    out: list[Word] = []
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


def recognize(
    arr: np.ndarray, top: int, bottom: int, dpi: float, timeout: float
) -> tuple[list[Word], bool]:
    """Tesseract (psm 3) on rows top..bottom of the page; (words, finished in time)."""
    band = np.ascontiguousarray(arr[top:bottom])
    h, w = band.shape
    remaining_ms = max(1, int(timeout * 1000))
    if h < 4:
        return [], True
    with TEXT_ENGINES.get() as api:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        api.SetImageBytes(band.tobytes(), w, h, 1, w)
        api.SetSourceResolution(max(70, round(dpi)))
        ok = api.Recognize(timeout=remaining_ms)
        words = read_words(api, 0, top) if ok else []
        api.Clear()
    return words, bool(ok)
