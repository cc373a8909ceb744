"""Value types of the specs: each turns the text right of a label into a typed value.

A parser returns ``(value, consumed_text)`` or None when the text does not hold a value of
its type. OCR digit confusions (O→0, l/I/|→1, S→5, B→8) are undone only inside what already
has the shape of a number, and identifiers are then checked by their own rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from docproc.text.fold import fold

_DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                           "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"})
_SP = r"[ \u00a0\u202f]"
_LEAD = re.compile(r"^[\s:.;,]*")


def _after_lead(text: str) -> str:
    return _LEAD.sub("", text, count=1)


def digits_only(s: str) -> str:
    return re.sub(r"[^0-9]", "", s.translate(_DIGITISH))


_D = "[0-9OolIS|B]"
_AMOUNT = re.compile(rf"^(?P<sign>[-−–])?{_SP}?(?P<num>{_D}{{1,3}}(?:{_SP}{_D}{{3}})+|{_D}+)(?![0-9])(?:,(?P<cents>\d{{2}}))?{_SP}*(?:€|EUR|E\b)?")


def euros(text: str) -> tuple[int, str] | None:
    """An amount in whole euros: '54 439 €', '54 439', '-3 125', '1 234,00'."""
    m = _AMOUNT.match(_after_lead(text))
    if not m or not re.search(r"\d", m.group("num")):
        return None
    value = int(digits_only(m.group("num")))
    if m.group("sign"):
        value = -value
    return value, m.group(0)


_INT = re.compile(r"^(?P<v>[0-9OolI|]{1,3})(?![0-9])")


def integer(text: str) -> tuple[int, str] | None:
    m = _INT.match(_after_lead(text))
    if not m:
        return None
    return int(digits_only(m.group("v"))), m.group(0)


_YEAR = re.compile(r"^(?P<v>(19|20)\d\d)\b")


def year(text: str) -> tuple[int, str] | None:
    m = _YEAR.match(_after_lead(text))
    return (int(m.group("v")), m.group(0)) if m else None


_PARTS = re.compile(r"^(?P<i>\d{1,2})(?:[,.](?P<d>\d{1,2}))?")


def parts(text: str) -> tuple[float, str] | None:
    m = _PARTS.match(_after_lead(text))
    if not m:
        return None
    value = float(f"{m.group('i')}.{m.group('d') or '0'}")
    if value <= 0 or value > 30 or (value * 4) != int(value * 4):
        return None  # parts come in quarters
    return value, m.group(0)


_DATE = re.compile(r"^(?P<d>[0-3OolI]?[0-9OolI])\s?[/.-]\s?(?P<m>[01OlI]?[0-9OolI])\s?[/.-]\s?(?P<y>(?:19|20)[0-9OolI]{2})")


def iso_date(text: str) -> tuple[str, str] | None:
    m = _DATE.match(_after_lead(text))
    if not m:
        return None
    try:
        d = date(int(digits_only(m.group("y"))), int(digits_only(m.group("m"))), int(digits_only(m.group("d"))))
    except ValueError:
        return None
    return d.isoformat(), m.group(0)


_NF = re.compile(rf"^(?P<v>[0-3OolI|][0-9OolIS|B]{_SP}?[0-9OolIS|B]{{2}}{_SP}?[0-9OolIS|B]{{3}}{_SP}?[0-9OolIS|B]{{3}}{_SP}?[0-9OolIS|B]{{3}})(?![0-9])")


def numero_fiscal(text: str) -> tuple[str, str] | None:
    """13 digits, spaced as printed (NN NN NNN NNN NNN); the key is checked by a check."""
    m = _NF.match(_after_lead(text))
    return (digits_only(m.group("v")), m.group(0)) if m else None


def nif_key_ok(number: str) -> bool:
    """python-stdnum fr.nif rule: first digit 0–3, last three = first ten mod 511."""
    return (len(number) == 13 and number.isdigit() and number[0] in "0123"
            and int(number[:10]) % 511 == int(number[10:]))


_REF = re.compile(rf"^(?P<a>[0-9A-Z|]{{2}}){_SP}?(?P<b>[0-9A-Z|]{{2}}){_SP}?(?P<c>[0-9A-Z|]{{7}}){_SP}?(?P<d>[0-9A-Z|]{{2}})(?![0-9A-Z])")
_REF_OK = re.compile(r"^\d{2}(?:\d{2}|2A|2B)[0-9A-Z]\d{8}$")


def reference_avis(text: str) -> tuple[str, str] | None:
    """13 characters printed 'YY DD XNNNNNN KK'; digits expected everywhere but the 5th."""
    m = _REF.match(fold(_after_lead(text)))
    if not m:
        return None
    a, b, c, d = (g.replace("L", "1") for g in m.group("a", "b", "c", "d"))
    b = b if b in ("2A", "2B") else b.translate(_DIGITISH)
    value = a.translate(_DIGITISH) + b + m.group("c")[0] + c[1:].translate(_DIGITISH) + d.translate(_DIGITISH)
    return (value, m.group(0)) if _REF_OK.match(value) else None


_SITUATIONS = (("MARIE", "M"), ("PACSE", "O"), ("DIVORCE", "D"), ("SEPARE", "D"),
               ("CELIBATAIRE", "C"), ("VEUF", "V"), ("VEUVE", "V"))


def situation(text: str) -> tuple[str, str] | None:
    folded = fold(_after_lead(text))
    for word, code in _SITUATIONS:
        if folded.startswith(word):
            return code, text
    return None


def line_text(text: str) -> tuple[str, str] | None:
    value = " ".join(_after_lead(text).split())
    return (value, text) if value else None


TYPES: dict[str, Callable[[str], tuple[Any, str] | None]] = {
    "euros": euros, "int": integer, "year": year, "parts": parts, "date": iso_date,
    "numero_fiscal": numero_fiscal, "reference_avis": reference_avis, "situation": situation,
    "text": line_text,
}
