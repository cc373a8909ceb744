"""Length-preserving folding of text for matching: no accents, upper case, plain quotes."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_SPECIAL = {
    "’": "'",
    "‘": "'",
    "`": "'",
    "´": "'",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "œ": "O",
    "Œ": "O",
    "æ": "A",
    "Æ": "A",
    "ß": "S",
    "–": "-",
    "—": "-",
}


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in _SPECIAL:
        return _SPECIAL[c]
    base = unicodedata.normalize("NFD", c)[:1] or c
    up = base.upper()
    return up if len(up) == 1 else base


def fold(s: str) -> str:
    """Fold ``s`` so that ``len(fold(s)) == len(s)`` and offsets map back to ``s``."""
    return "".join(_fold_char(c) for c in s)
