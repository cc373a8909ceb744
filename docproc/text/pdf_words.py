"""Words rebuilt from PDFium's characters, for text layers whose runs are no words.

PDFium's runs (``FPDFText_CountRects``) follow how the producer placed its glyphs. A browser
printing to PDF (Chromium's Skia) places glyphs one by one or in short kerned chunks, and a
kerned pair's boxes overlap, so a run's bounded text repeats a letter of its neighbour:
"M BERNARD PA" + "PAUL", "Numér" + "o", "1" "0" "8" "7" for 1 087 €. PDFium's own reading of
the characters is mostly right ("M BERNARD PAUL"); here the words are cut from it at spaces,
visible gaps and changes of line, each with the union of its characters' boxes. A table
drawn glyph by glyph even gets a PDFium line end between two letters of a word: such a line
end is not taken when the next glyph stands right after the last one.

About 0.5 ms a page, spent only when many runs are a glyph or two (:func:`runs_suspect`) and
they break words (:func:`runs_break_words`) or PDFium's own text has a line per glyph
(:func:`own_text_broken`).
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
#: Runs of one or two characters: fewer than this share on any page the samples hold (at most
#: 20 %: page numbers, "à", "€"), more on every browser-printed page seen (35 % to all).
_SHORT_SHARE = 0.25


def runs_suspect(runs: list[Segment]) -> bool:
    """Cheap first look: many runs of one or two characters (then the runs are compared with
    PDFium's own text, which costs more)."""
    return bool(runs) and sum(1 for r in runs if len(r.text) <= 2) > _SHORT_SHARE * len(runs)


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


def _invisible(raw: Any, index: int) -> bool:
    obj = pdfium_c.FPDFText_GetTextObject(raw, index)
    return bool(obj) and (
        pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
    )


def own_text_broken(text: str) -> bool:
    """PDFium's own reading is cut too: a line per glyph ("T" "o" "t" "a" "l"), as when a
    browser draws a table's cells glyph by glyph."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    single = sum(1 for line in lines if len(line) == 1)
    return single > max(5, _BROKEN_SHARE * 4 * len(lines))


def page_words(
    textpage: Any, width: float, height: float, visible_only: bool = False
) -> list[Segment]:
    """The words of a text page (``pypdfium2.PdfTextPage``), boxes as fractions of the page,
    origin top-left. Characters come in the file's order; a word ends at a space, a visible
    gap or a change of line. A line end that PDFium put between two glyphs standing side by
    side on one line (a table drawn glyph by glyph) does not end the word."""
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    words: list[Segment] = []
    chars: list[str] = []
    box: list[float] = []  # left, bottom, right, top in PDF points
    line_end = False  # PDFium wrote a line end since the last glyph

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
        generated = pdfium_c.FPDFText_IsGenerated(raw, i) == 1
        if generated and code in (10, 13):
            line_end = True
            continue
        if code in _BREAKS:
            flush()
            continue
        if visible_only and _invisible(raw, i):
            flush()
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        left, right = min(rect.left, rect.right), max(rect.left, rect.right)
        bottom, top = min(rect.bottom, rect.top), max(rect.bottom, rect.top)
        if chars:
            tall = max(box[3] - box[1], top - bottom, 1e-6)
            gap = left - box[2]
            other_line = abs((bottom + top) - (box[1] + box[3])) / 2 > 0.5 * tall
            if other_line or gap > _GAP * tall or right < box[0] - _GAP * tall:
                flush()
            elif line_end and gap < -_GAP * tall:
                flush()  # a line end, and the glyph is not to the right: a new run
        line_end = False
        if chars:
            box = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        else:
            box = [left, bottom, right, top]
        chars.append(chr(code))
    flush()
    return words
