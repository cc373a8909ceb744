"""Compare the values printed on the document with the signed ones of its 2D-Doc.

A valid signature proves only what is inside the code; a genuine code pasted on an edited
document still verifies. The cross-check names the contract fields whose printed value
differs from the signed one. A field missing on either side is not a mismatch (the caller
fills missing printed fields from the code).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from .fields_from_code import contract_fields
from .model import TwoDDoc

#: Order in which mismatches are reported.
CHECKED_FIELDS = (
    "reference_avis",
    "annee_revenus",
    "declarants",
    "nombre_parts",
    "revenu_fiscal_reference",
    "date_mise_en_recouvrement",
    "impot_revenu_net",
)


def fold(text: str) -> str:
    """Upper case, accents removed, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("ß", "SS").replace("Œ", "OE").replace("œ", "OE")
    bare = bare.replace("Æ", "AE").replace("æ", "AE")
    return " ".join(re.sub(r"[^0-9A-Z]+", " ", bare.upper()).split())


def _squash(text: str) -> str:
    return fold(text).replace(" ", "")


def _digits(value: Any) -> str:
    return re.sub(r"[^0-9]", "", str(value))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        compact = re.sub(r"[\s\u00a0\u202f€]", "", value)
        if re.fullmatch(r"-?[0-9]+", compact):
            return int(compact)
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def _as_iso(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", value)
        if m:
            return value.strip()
        m = re.fullmatch(r"\s*(\d{2})/(\d{2})/(\d{4})\s*", value)
        if m:
            return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    return None


def _text(person: dict[str, Any], key: str) -> str:
    value = person.get(key)
    return _squash(value) if isinstance(value, str) else ""


def _name_differs(person: dict[str, Any], signed: str, *, cut: bool) -> bool:
    """Compare a printed person with the signed "NOM PRENOMS", spaces ignored.

    ``identite`` (or ``nom`` + ``prenoms``) is compared whole; a lone ``nom`` or
    ``prenoms`` only against the matching end of the signed name. ``cut`` means the signed
    value may be the start of the printed one (RS or maximum length reached).
    """
    code = _squash(signed)
    if not code:
        return False
    identite, nom, prenoms = (
        _text(person, "identite"),
        _text(person, "nom"),
        _text(person, "prenoms"),
    )
    whole = identite or (nom + prenoms if nom and prenoms else "")
    if whole:
        return not (whole.startswith(code) if cut else whole == code)
    if nom:
        return not code.startswith(nom) and not (cut and nom.startswith(code))
    if prenoms and not cut:
        return not code.endswith(prenoms)
    return False


def _declarants_differ(doc: TwoDDoc, printed: Any) -> bool:
    if not isinstance(printed, list):
        return False
    signed_names = [doc.fields.get("46"), doc.fields.get("48")]
    signed_numbers = [doc.fields.get("47"), doc.fields.get("49")]
    truncated = ["46" in doc.truncated, "48" in doc.truncated]
    signed_count = sum(
        1
        for n, f in zip(signed_names, signed_numbers, strict=True)
        if (n or "").strip() or (f or "").strip()
    )
    people = [p for p in printed if isinstance(p, dict)]
    if signed_count and people and len(people) != signed_count:
        return True
    for i, person in enumerate(people[:2]):
        name = signed_names[i]
        # 38 characters is the DI maximum: a name that long may have been cut.
        if name and _name_differs(person, name, cut=truncated[i] or len(name) >= 38):
            return True
        number, shown_nf = signed_numbers[i], person.get("numero_fiscal")
        if number and shown_nf not in (None, "") and _digits(shown_nf) != _digits(number):
            return True
    return False


def cross_check(doc: TwoDDoc, printed: dict[str, Any]) -> list[str]:
    """Names of contract fields whose printed value differs from the signed one."""
    signed = contract_fields(doc)
    mismatches: list[str] = []
    for name in CHECKED_FIELDS:
        shown = printed.get(name)
        if shown is None:
            continue
        if name == "declarants":
            if _declarants_differ(doc, shown):
                mismatches.append(name)
            continue
        expected = signed.get(name)
        if expected is None:
            continue
        differ: bool
        if name == "reference_avis":
            differ = _squash(str(shown)) != _squash(str(expected))
        elif name == "nombre_parts":
            value = _as_float(shown)
            differ = value is None or abs(value - float(expected)) > 1e-6
        elif name == "date_mise_en_recouvrement":
            differ = _as_iso(shown) != expected
        else:
            differ = _as_int(shown) != expected
        if differ:
            mismatches.append(name)
    return mismatches
