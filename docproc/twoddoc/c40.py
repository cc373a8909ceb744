"""The text alphabet of C40-mode 2D-Docs: separators, allowed characters, header dates.

A DataMatrix reader hands back the decoded text; the C40 packing itself is the reader's
business. What remains here is the text-level layer the specification defines on top of it.
"""

from __future__ import annotations

from datetime import date, timedelta

#: End of a variable-length value.
GS = "\x1d"
#: End of a truncated variable-length value.
RS = "\x1e"
#: End of the signed zone; the Base32 signature follows.
US = "\x1f"

#: Renderings of the separators seen in human-typed input or HRI reader output.
_MARKERS = {
    "<GS>": GS,
    "<RS>": RS,
    "<US>": US,
    "\u241d": GS,
    "\u241e": RS,
    "\u241f": US,  # ␝ ␞ ␟
}

#: Day zero of header dates (spec §3.3): hex count of days since 2000-01-01.
EPOCH = date(2000, 1, 1)
NO_DATE = "FFFF"


def normalise(payload: str) -> str:
    """Turn textual separator markers back into control characters; trim line ends."""
    text = payload.strip(" \r\n\t")
    if "<" in text or any(m in text for m in ("\u241d", "\u241e", "\u241f")):
        for marker, char in _MARKERS.items():
            text = text.replace(marker, char)
    return text


def is_payload_char(char: str) -> bool:
    """True for a character a C40/Text 2D-Doc may carry: printable ASCII or a separator."""
    return (" " <= char <= "~") or char in (GS, RS, US)


def decode_date(hex4: str) -> date | None:
    """Header date: 4 hex digits, days since 2000-01-01; ``FFFF`` means not dated."""
    if len(hex4) != 4:
        raise ValueError(hex4)
    value = hex4.upper()
    if value == NO_DATE:
        return None
    return EPOCH + timedelta(days=int(value, 16))


def encode_date(day: date | None) -> str:
    """Inverse of :func:`decode_date`."""
    if day is None:
        return NO_DATE
    days = (day - EPOCH).days
    if not 0 <= days < 0xFFFF:
        raise ValueError(f"date hors de la plage 2D-Doc : {day.isoformat()}")
    return f"{days:04X}"
