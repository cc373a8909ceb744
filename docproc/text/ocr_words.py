"""From Tesseract's words to the page's segments: what is a word and what is noise.

Boxes become fractions of the cleaned page; logos, stamps, specks and accents read apart are
dropped; digits alone are always kept (an amount is never dropped).
"""

from __future__ import annotations

from docproc.models import Segment
from docproc.text.tesseract import Word

#: Words without digits read with less confidence (0..100) are noise (logos, stamps).
NOISE_CONFIDENCE = 40.0


#: Lone symbols kept even when Tesseract is unsure of them.
KEEP_SYMBOLS = frozenset({"€", "%", ":", "/", "-", "+", "(", ")", ","})


def is_noise(text: str, conf: float) -> bool:
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


def diacritic(word: Word, words: list[Word]) -> bool:
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


def segments(words: list[Word], w: int, h: int) -> list[Segment]:
    """Tesseract's words (page pixels) as ``Segment``s (fractions of the page), without the
    noise of logos and stamps, nor accents read as words of their own."""
    sure = sorted(wd[4] - wd[2] for wd in words if wd[5] >= 80)
    typical = float(sure[len(sure) // 2]) if sure else 0.0
    out = []
    for word in sorted(words, key=lambda wd: (wd[2], wd[1])):
        t, x0, y0, x1, y1, c = word
        if is_noise(t, c):
            continue
        if c < 50 and typical and (y1 - y0) < 0.45 * typical and len(t) <= 3:
            continue  # a speck in a logo read as "2." or "a."
        if diacritic(word, words):
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
