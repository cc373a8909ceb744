"""Words rebuilt from PDFium's characters, for text layers whose runs are no words.

PDFium's runs (``FPDFText_CountRects``) follow how the producer placed its glyphs. A browser
printing to PDF (Chromium's Skia) places glyphs one by one or in short kerned chunks, and a
kerned pair's boxes overlap, so a run's bounded text repeats a letter of its neighbour:
"M BERNARD PA" + "PAUL", "Numér" + "o", "1" "0" "8" "7" for 1 087 €. PDFium's own reading of
the characters is right ("M BERNARD PAUL"); here the words are cut from it, at PDFium's
spaces and line ends and at a visible gap, each with the union of its characters' boxes.

About 0.5 ms a page: used only when the runs are seen to break words (:func:`runs_break_words`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pypdfium2.raw as pdfium_c

from docproc.models import Segment

#: Characters that end a word (PDFium writes its own spaces and line ends between runs).
_BREAKS = frozenset({0, 2, 9, 10, 13, 32, 0xA0, 0x202F, 0xFFFE})
#: A gap wider than this fraction of the line height between two characters ends a word.
_GAP = 0.25
#: The runs break words when more of their tokens than this are not PDFium's own.
_BROKEN_SHARE = 0.05


def runs_break_words(runs: list[Segment], text: str) -> bool:
    """Whether the runs' words are not the page's words: more than a few of the runs'
    tokens ("PA", "Numér", "R", "É") are not among those of PDFium's text of the page."""
    tokens = [t for run in runs for t in run.text.split()]
    known = Counter(text.split())
    broken = 0
    for token in tokens:
        if known[token] > 0:
            known[token] -= 1
        else:
            broken += 1
    return broken > max(3, _BROKEN_SHARE * len(tokens))


def page_words(textpage: Any, width: float, height: float) -> list[Segment]:
    """The words of a text page (``pypdfium2.PdfTextPage``), boxes as fractions of the page,
    origin top-left."""
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    words: list[Segment] = []
    chars: list[str] = []
    box: list[float] = []  # left, bottom, right, top in PDF points

    def flush() -> None:
        if chars:
            left, bottom, right, top = box
            words.append(
                Segment(
                    "".join(chars),
                    left / width,
                    1 - top / height,
                    right / width,
                    1 - bottom / height,
                )
            )
            chars.clear()

    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in _BREAKS or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
            flush()
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        left, right = min(rect.left, rect.right), max(rect.left, rect.right)
        bottom, top = min(rect.bottom, rect.top), max(rect.bottom, rect.top)
        if chars:
            line = max(box[3] - box[1], top - bottom, 1e-6)
            apart = left - box[2] > _GAP * line or right < box[0] - _GAP * line
            other_line = abs((bottom + top) - (box[1] + box[3])) / 2 > 0.5 * line
            if apart or other_line:
                flush()
        if chars:
            box = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        else:
            box = [left, bottom, right, top]
        chars.append(chr(code))
    flush()
    return words
