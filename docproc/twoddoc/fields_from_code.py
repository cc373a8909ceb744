"""From 2D-Doc data identifiers to docproc contract fields (contract §3).

| DI | contract field | conversion |
| -- | -- | -- |
| 44 | reference_avis | as is (13 chars, no spaces) |
| 45 | annee_revenus | int |
| 41 | revenu_fiscal_reference | int (41 is optional: absent means unknown, never 0) |
| 43 | nombre_parts | float, "2,75" -> 2.75 |
| 4A | date_mise_en_recouvrement | JJMMAAAA -> ISO |
| 4V | impot_revenu_net | int, may be negative |
| 46/47, 48/49 | declarants | [{"nom", "prenoms", "identite", "numero_fiscal"}] |

``annee_avis`` is not in the code and is never derived from it. Truncated values (RS) and
values that do not match their DI's format are left out rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .identifiers import lookup
from .model import TwoDDoc

_INT = re.compile(r"-?[0-9]{1,12}")
_PARTS = re.compile(r"([0-9]{1,2})(?:,([0-9]{1,2}))?")


def _value(doc: TwoDDoc, di: str) -> str | None:
    """The value of ``di`` if present, not truncated and well formed."""
    raw = doc.fields.get(di)
    if raw is None or di in doc.truncated:
        return None
    spec = lookup(di)
    value = raw.strip()
    if spec is not None and not spec.conforms(value):
        return None
    return value or None


def parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    compact = value.replace(" ", "")
    return int(compact) if _INT.fullmatch(compact) else None


def parse_parts(value: str | None) -> float | None:
    if value is None:
        return None
    m = _PARTS.fullmatch(value.strip())
    if not m:
        return None
    return float(f"{m.group(1)}.{m.group(2) or '0'}")


def parse_date8(value: str | None) -> date | None:
    """JJMMAAAA -> date, None when invalid."""
    if value is None or not re.fullmatch(r"[0-9]{8}", value):
        return None
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def split_identity(identity: str) -> tuple[str, str]:
    """ "NOM PRENOMS" -> (nom, prénoms): the family name is the first word.

    The code carries no separator between the two, so a compound family name written
    with spaces ("LE GALL MARIE") is split after its first word; cross-checks therefore
    compare whole identities, not this split.
    """
    words = identity.split()
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


def declarants(doc: TwoDDoc) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name_di, nf_di in (("46", "47"), ("48", "49")):
        raw_name = doc.fields.get(name_di, "").strip()
        numero = _value(doc, nf_di)
        if not raw_name and numero is None:
            continue
        person: dict[str, Any] = {}
        if raw_name and name_di not in doc.truncated:
            identite = " ".join(raw_name.split())
            nom, prenoms = split_identity(identite)
            person.update(nom=nom, prenoms=prenoms, identite=identite)
        if numero is not None:
            person["numero_fiscal"] = numero
        if person:
            out.append(person)
    return out


def contract_fields(doc: TwoDDoc) -> dict[str, Any]:
    """Contract fields carried by the code (avis d'impôt and ASDIR types)."""
    out: dict[str, Any] = {}
    if (ref := _value(doc, "44")) is not None:
        out["reference_avis"] = ref
    if (year := parse_int(_value(doc, "45"))) is not None:
        out["annee_revenus"] = year
    if (rfr := parse_int(_value(doc, "41"))) is not None:
        out["revenu_fiscal_reference"] = rfr
    if (parts := parse_parts(_value(doc, "43"))) is not None:
        out["nombre_parts"] = parts
    if (day := parse_date8(_value(doc, "4A"))) is not None:
        out["date_mise_en_recouvrement"] = day.isoformat()
    if (net := parse_int(_value(doc, "4V"))) is not None:
        out["impot_revenu_net"] = net
    people = declarants(doc)
    if people:
        out["declarants"] = people
    return out
