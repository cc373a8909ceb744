"""Value types of the specs: each turns the text right of a label into a typed value.

A parser returns ``(value, consumed_text)`` or None when the text does not hold a value of
its type. OCR digit confusions (O→0, l/I/|→1, S→5, B→8) are undone only inside what already
has the shape of a number, and identifiers are then checked by their own rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from docproc.text.fold import fold

_DIGITISH = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
    }
)
_SP = r"[ \u00a0\u202f]"
_LEAD = re.compile(r"^[\s:.;,]*")


def _after_lead(text: str) -> str:
    return _LEAD.sub("", text, count=1)


def digits_only(s: str) -> str:
    return re.sub(r"[^0-9]", "", s.translate(_DIGITISH))


_D = "[0-9OolIS|B]"
_AMOUNT = re.compile(
    rf"^(?P<sign>[-−–])?{_SP}?(?P<num>{_D}{{1,3}}(?:{_SP}{_D}{{3}})+|{_D}+)(?![0-9])(?:,(?P<cents>\d{{2}}))?{_SP}*(?:€|EUR|E\b)?"
)


#: Digits right after an amount that has no currency sign: "1 0 8 7 €" is no amount of 1 €.
_MORE_DIGITS = re.compile(rf"{_SP}*\d")


def euros(text: str) -> tuple[int, str] | None:
    """An amount in whole euros: '54 439 €', '54 439', '-3 125', '1 234,00'. Digits that go
    on past the amount's groups ("1 0 8 7", "12 34") make it no amount: which digits belong
    to it cannot be told, and a wrong amount is worse than none."""
    text = _after_lead(text)
    m = _AMOUNT.match(text)
    if not m or not re.search(r"\d", m.group("num")):
        return None
    if not m.group(0).rstrip().endswith(("€", "EUR", "E")) and _MORE_DIGITS.match(text, m.end()):
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


_PARTS = re.compile(r"^(?P<i>\d{1,2})[,.](?P<d>\d{1,2})(?![0-9])")


def parts(text: str) -> tuple[float, str] | None:
    """A number of parts, always printed with its decimals ("2,00", "2,5", "1.00"): "20" is
    "2.0" whose mark OCR dropped, never twenty parts."""
    m = _PARTS.match(_after_lead(text))
    if not m:
        return None
    value = float(f"{m.group('i')}.{m.group('d')}")
    if value <= 0 or value > 30 or (value * 4) != int(value * 4):
        return None  # parts come in quarters
    return value, m.group(0)


_DATE = re.compile(
    r"^(?P<d>[0-3OolI]?[0-9OolI])\s?[/.-]\s?(?P<m>[01OlI]?[0-9OolI])\s?[/.-]\s?(?P<y>(?:19|20)[0-9OolI]{2})"
)


def iso_date(text: str) -> tuple[str, str] | None:
    m = _DATE.match(_after_lead(text))
    if not m:
        return None
    try:
        d = date(
            int(digits_only(m.group("y"))),
            int(digits_only(m.group("m"))),
            int(digits_only(m.group("d"))),
        )
    except ValueError:
        return None
    return d.isoformat(), m.group(0)


_NF = re.compile(
    rf"^(?P<v>[0-3OolI|][0-9OolIS|B]{_SP}?[0-9OolIS|B]{{2}}{_SP}?[0-9OolIS|B]{{3}}{_SP}?[0-9OolIS|B]{{3}}{_SP}?[0-9OolIS|B]{{3}})(?![0-9])"
)


def numero_fiscal(text: str) -> tuple[str, str] | None:
    """13 digits, spaced as printed (NN NN NNN NNN NNN); the key is checked by a check."""
    m = _NF.match(_after_lead(text))
    return (digits_only(m.group("v")), m.group(0)) if m else None


def nif_key_ok(number: str) -> bool:
    """The numéro fiscal's own rule (as python-stdnum's fr.nif, whose import alone costs more than
    reading an avis): 13 digits, the first 0–3, the last three the first ten modulo 511."""
    return (
        len(number) == 13
        and number.isascii()
        and number.isdigit()
        and number[0] in "0123"
        and int(number[:10]) % 511 == int(number[10:])
    )


_REF = re.compile(
    rf"^(?P<a>[0-9A-Z|]{{2}}){_SP}?(?P<b>[0-9A-Z|]{{2}}){_SP}?(?P<c>[0-9A-Z|]{{7}}){_SP}?(?P<d>[0-9A-Z|]{{2}})(?![0-9A-Z])"
)
_REF_OK = re.compile(r"^\d{2}(?:\d{2}|2A|2B)[0-9A-Z]\d{8}$")


def reference_avis(text: str) -> tuple[str, str] | None:
    """13 characters printed 'YY DD XNNNNNN KK'; digits expected everywhere but the 5th."""
    m = _REF.match(fold(_after_lead(text)))
    if not m:
        return None
    a, b, c, d = (g.replace("L", "1") for g in m.group("a", "b", "c", "d"))
    b = b if b in ("2A", "2B") else b.translate(_DIGITISH)
    value = (
        a.translate(_DIGITISH)
        + b
        + m.group("c")[0]
        + c[1:].translate(_DIGITISH)
        + d.translate(_DIGITISH)
    )
    return (value, m.group(0)) if _REF_OK.match(value) else None


_SITUATIONS = (
    ("MARIE", "M"),
    ("PACSE", "O"),
    ("DIVORCE", "D"),
    ("SEPARE", "D"),
    ("CELIBATAIRE", "C"),
    ("VEUF", "V"),
    ("VEUVE", "V"),
)


def situation(text: str) -> tuple[str, str] | None:
    folded = fold(_after_lead(text))
    for word, code in _SITUATIONS:
        if folded.startswith(word):
            return code, text
    return None


def line_text(text: str) -> tuple[str, str] | None:
    value = " ".join(_after_lead(text).split())
    return (value, text) if value else None


_CURRENCY = r"(?:€|£|\$|EUR(?:OS?)?|GBP|USD|CHF|MAD|DHS?|DIRHAMS?)"
_MONTANT = re.compile(
    rf"^(?:{_CURRENCY}{_SP}?)?(?P<sign>[-−–])?{_SP}?(?:{_CURRENCY}{_SP}?)?"
    rf"(?P<num>\d{{1,3}}(?:[ .,'\u00a0\u202f]\d{{3}})+|\d+)(?:[.,](?P<dec>\d{{1,2}}))?(?![0-9])"
    rf"(?:{_SP}?{_CURRENCY})?",
    re.IGNORECASE,
)


def montant(text: str) -> tuple[int, str] | None:
    """An amount in any usual national format, rounded half up to whole units.

    '28.456,00 EUR' (BE, ES), '96 500,00 DH' (FR, MA), '£31,250.00' (UK), '2 345 €'. A
    separator followed by exactly three digits groups thousands; by one or two, it is the
    decimal mark. The currency itself is read elsewhere (the document's markers).
    """
    m = _MONTANT.match(_after_lead(text))
    if not m:
        return None
    units = re.sub(r"[^0-9]", "", m.group("num"))
    value = int(
        Decimal(f"{units}.{m.group('dec') or '0'}").quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    return (-value if m.group("sign") else value), m.group(0)


_MOIS = {
    "JANVIER": 1,
    "FEVRIER": 2,
    "MARS": 3,
    "AVRIL": 4,
    "MAI": 5,
    "JUIN": 6,
    "JUILLET": 7,
    "AOUT": 8,
    "SEPTEMBRE": 9,
    "OCTOBRE": 10,
    "NOVEMBRE": 11,
    "DECEMBRE": 12,
}
_DATE_LONGUE = re.compile(r"^(?P<d>[0-3]?\d)(?:ER)?\s+(?P<m>[A-Z]+)\s+(?P<y>(?:19|20)\d\d)(?!\d)")


def date_fr(text: str) -> tuple[str, str] | None:
    """A date printed '12/06/2025' or in words, '12 juin 2025', '1er février 2025'."""
    got = iso_date(text)
    if got:
        return got
    plain = _after_lead(text)
    m = _DATE_LONGUE.match(fold(plain))
    if not m or m.group("m") not in _MOIS:
        return None
    try:
        d = date(int(m.group("y")), _MOIS[m.group("m")], int(m.group("d")))
    except ValueError:
        return None
    return d.isoformat(), plain[: m.end()]


_CIVILITE = re.compile(r"^(?:MONSIEUR|MADAME|MADEMOISELLE|MME|MLLE|MR|MRS|MS|M)\.?\s+")
_NOM = re.compile(r"^(?P<v>[^\W\d_](?:[^\W\d_]|[' -])*[^\W\d_])")


def nom(text: str) -> tuple[str, str] | None:
    """A person's name as printed, upper case, without the civility ('MME LEROY NADIA')."""
    plain = " ".join(_after_lead(text).split()).upper()
    plain = _CIVILITE.sub("", plain, count=1)
    m = _NOM.match(plain)
    return (m.group("v"), text) if m else None


_CODE = re.compile(r"^(?P<v>[0-9A-Z]{4,20})(?![0-9A-Z])")


def code(text: str) -> tuple[str, str] | None:
    """An identifier of letters and digits printed as one token (numéro allocataire)."""
    m = _CODE.match(_after_lead(text).upper())
    return (m.group("v"), m.group(0)) if m else None


_NON_IMPOSABLE = re.compile(r"^NON[ \u00a0]?IMPOSABLES?\b", re.I)


def impot(text: str) -> tuple[int, str] | None:
    """A tax amount: euros, or "Non imposable" (secavis and the avis print it for no tax),
    which is 0 € (contract: ``montant_impot`` is 0 when "Non imposable")."""
    m = _NON_IMPOSABLE.match(fold(_after_lead(text)))
    if m:
        return 0, _after_lead(text)[: m.end()]
    return euros(text)


#: The types whose values are whole numbers (the agents' corrections are checked against it).
INTEGER_TYPES = frozenset({"euros", "impot", "int", "year", "montant"})

TYPES: dict[str, Callable[[str], tuple[Any, str] | None]] = {
    "euros": euros,
    "impot": impot,
    "int": integer,
    "year": year,
    "parts": parts,
    "date": iso_date,
    "numero_fiscal": numero_fiscal,
    "reference_avis": reference_avis,
    "situation": situation,
    "text": line_text,
    "montant": montant,
    "date_fr": date_fr,
    "nom": nom,
    "code": code,
}
