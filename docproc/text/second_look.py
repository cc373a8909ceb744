"""A second look at what the first OCR pass left unsure: lone numbers, lost decimal points, unread ink, a watermark."""

from __future__ import annotations

import time

import numpy as np
import tesserocr

from docproc.models import Segment
from docproc.text import cleanup
from docproc.text.ink import unread_ink
from docproc.text.pixels import cv2
from docproc.text.tesseract import TEXT_ENGINES, Word, read_words

#: The second look (re-reading unsure words) gets this share of the page's time on top.
SECOND_LOOK_SHARE = 0.25


#: Words below this confidence (0..100) are read again, alone on their line.
SECOND_LOOK_CONFIDENCE = 80.0


#: A number of one or two characters (a count of persons, a "0" in a table) is read again
#: below this confidence: Tesseract misreads them alone more than anything else.
SHORT_NUMBER_CONFIDENCE = 93.0


#: Unread ink re-read as a line is kept when Tesseract is at least this sure (0..100).
ORPHAN_MIN_CONFIDENCE = 60.0


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


def restore_points(arr: np.ndarray, words: list[Word]) -> list[Word]:
    """Put back the decimal point or comma Tesseract drops between the digits of a short
    number printed small ("2.0" parts read "20" at 97 % on a 72-dpi capture).

    A word of 2–4 digits whose ink splits into exactly one tall mark per digit plus one
    dot-sized mark at the baseline, in a gap wider than digits leave between them, gets a
    "." there (a "," when the mark reaches below the baseline).
    """
    out: list[Word] = []
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


def second_look(
    arr: np.ndarray, words: list[Word], dpi: float, char_px: float, timeout: float
) -> list[Word]:
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
    for x0, y0, x1, y1 in unread_ink(arr, [(wd[1], wd[2], wd[3], wd[4]) for wd in words], char_px)[
        :MAX_ORPHANS
    ]:
        regions.append((x0, y0, x1, y1, None))
    if not regions:
        return words
    replaced: dict[int, list[Word]] = {}
    added: list[Word] = []
    with TEXT_ENGINES.get() as api:
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


def _same_place(a: Word, b: Word) -> bool:
    """Two words over the same ink: they overlap on half the narrower one's width, and on
    half the lower one's height."""
    wide = min(a[3], b[3]) - max(a[1], b[1])
    high = min(a[4], b[4]) - max(a[2], b[2])
    return wide > 0.5 * min(a[3] - a[1], b[3] - b[1]) and high > 0.5 * min(a[4] - a[2], b[4] - b[2])


def _read_alone(
    api: tesserocr.PyTessBaseAPI,
    arr: np.ndarray,
    box: tuple[int, int, int, int],
    dpi: float,
    char_px: float,
    deadline: float,
) -> list[Word]:
    """Read one box as a line several ways (tight and wide margin, as is and enlarged 2x)
    and keep the reading most of them agree on, weighed by confidence.

    A lone "1" is read "4" at 91 % one way and "1" at 97 % the three others: a single
    reading, however sure, is not to be trusted for a short number.
    """
    h, w = arr.shape
    x0, y0, x1, y1 = box
    slack = max(2.0, char_px * 0.25)
    votes: dict[str, float] = {}
    readings: dict[str, list[Word]] = {}
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
) -> list[Word]:
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
        for t, x0, y0, x1, y1, c in read_words(api)
    ]


def read_big_text(c: cleanup.Cleaned, deadline: float) -> tuple[str, float] | None:
    """The watermark word (WATERMARK_WORDS) written in big letters across the page, if the
    clean-up found such a line and Tesseract reads it so; with its confidence (0..100)."""
    big = c.big_text
    if big is None:
        return None
    from difflib import SequenceMatcher

    from docproc.text.fold import fold

    with TEXT_ENGINES.get() as api:
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


def watermark_segment(
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
