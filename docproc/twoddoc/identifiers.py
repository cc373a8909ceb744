"""Data identifiers (DI) and document types of the 2D-Doc specification, as data.

Lengths come from the ANTS specification (v3.2.6 §7 for 01-4B, the v3.3.4 catalogue for
4V-4X, v3.3.7.2 p.119-120 for 4Y/4Z and 6S-6Y); see shared/reference/twoddoc.md §2.2.
Only the DIs that French tax notices and the justificatif-de-domicile family use are listed;
any other DI is kept raw by the parser and read as variable-length.

The table is checked when the module is imported, so a typo fails at start-up, not on an
upload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "alnum",  # [A-Z0-9]
    "text",  # [A-Z0-9 ] and the few symbols the spec allows in names and addresses
    "digits",  # [0-9]
    "amount",  # optional leading '-', then digits
    "decimal",  # digits with at most one comma and two decimals (nombre de parts)
    "date8",  # JJMMAAAA
    "date_hex",  # 4 hex digits, days since 2000-01-01
    "country",  # ISO 3166-1 alpha-2
    "any",  # printable ASCII
]

_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "alnum": re.compile(r"[A-Z0-9]*"),
    "text": re.compile(r"[A-Z0-9 /'\-.,]*"),
    "digits": re.compile(r"[0-9 ]*"),
    "amount": re.compile(r"-?[0-9]*"),
    "decimal": re.compile(r"[0-9]+(,[0-9]{1,2})?"),
    "date8": re.compile(r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{4}"),
    "date_hex": re.compile(r"[0-9A-F]{4}"),
    "country": re.compile(r"[A-Z]{2}"),
    "any": re.compile(r"[ -~]*"),
}

#: One row per DI: code, French label, min length, max length (None: unbounded), kind.
_TABLE: tuple[tuple[str, str, int, int | None, Kind], ...] = (
    # §7.0 données complémentaires (any type may carry them)
    ("01", "Identifiant unique du document", 0, None, "alnum"),
    ("02", "Catégorie de document", 0, None, "text"),
    ("03", "Sous-catégorie de document", 0, None, "text"),
    ("04", "Application de composition", 0, None, "text"),
    ("05", "Version de l'application de composition", 0, None, "text"),
    ("06", "Date de l'association entre le document et le code", 4, 4, "date_hex"),
    ("07", "Heure de l'association entre le document et le code", 6, 6, "digits"),
    ("08", "Date d'expiration du document", 4, 4, "date_hex"),
    ("09", "Nombre de pages du document", 4, 4, "digits"),
    ("0A", "Éditeur du 2D-Doc (SIREN)", 9, 9, "digits"),
    ("0B", "Intégrateur du 2D-Doc (SIREN)", 9, 9, "digits"),
    ("0C", "URL du document (Base32)", 0, None, "alnum"),
    ("0D", "UUID du document", 36, 36, "text"),
    # §7.1 bénéficiaire et adresse (justificatif de domicile, avis de taxe d'habitation)
    ("10", "Ligne 1 de l'adresse : qualité, nom, prénom du bénéficiaire", 0, 38, "text"),
    ("11", "Qualité du bénéficiaire", 0, 38, "text"),
    ("12", "Prénom du bénéficiaire", 0, 38, "text"),
    ("13", "Nom du bénéficiaire", 0, 38, "text"),
    ("1G", "Présence d'un co-bénéficiaire non mentionné", 1, 1, "digits"),
    ("1I", "Ligne 1 de l'adresse du co-bénéficiaire", 0, 38, "text"),
    ("1J", "Qualité du co-bénéficiaire", 0, 38, "text"),
    ("1K", "Prénom du co-bénéficiaire", 0, 38, "text"),
    ("1L", "Nom du co-bénéficiaire", 0, 38, "text"),
    ("20", "Ligne 2 de l'adresse du point de service", 0, 38, "text"),
    ("21", "Ligne 3 de l'adresse du point de service", 0, 38, "text"),
    ("22", "Ligne 4 de l'adresse du point de service (numéro et voie)", 0, 38, "text"),
    ("23", "Ligne 5 de l'adresse du point de service", 0, 38, "text"),
    ("24", "Code postal du point de service", 5, 5, "digits"),
    ("25", "Localité du point de service", 0, 32, "text"),
    ("26", "Pays du point de service", 2, 2, "country"),
    # §7.3 documents fiscaux
    ("40", "Numéro fiscal", 13, 13, "digits"),
    ("41", "Revenu fiscal de référence", 0, 12, "digits"),
    ("42", "Situation du foyer", 0, None, "text"),
    ("43", "Nombre de parts", 1, 5, "decimal"),
    ("44", "Référence de l'avis d'impôt", 13, 13, "alnum"),
    ("45", "Année des revenus", 4, 4, "digits"),
    ("46", "Déclarant 1", 0, 38, "text"),
    ("47", "Numéro fiscal du déclarant 1", 13, 13, "digits"),
    ("48", "Déclarant 2", 0, 38, "text"),
    ("49", "Numéro fiscal du déclarant 2", 13, 13, "digits"),
    ("4A", "Date de mise en recouvrement", 8, 8, "date8"),
    ("4B", "Date de la déclaration", 8, 8, "date8"),
    ("4V", "Impôt sur le revenu net", 0, 10, "amount"),
    ("4W", "Reste à payer", 0, 10, "amount"),
    ("4X", "Retenue à la source", 0, 10, "amount"),
    ("4Y", "Adresse complète du domicile", 0, None, "text"),
    ("4Z", "Prélèvements sociaux nets", 0, None, "amount"),
    ("6S", "Adresse du domicile, ligne 2", 0, 38, "text"),
    ("6T", "Adresse du domicile, ligne 3", 0, 38, "text"),
    ("6U", "Adresse du domicile, ligne 4 (numéro et voie)", 0, 38, "text"),
    ("6V", "Adresse du domicile, ligne 5", 0, 38, "text"),
    ("6W", "Code postal du domicile", 5, 5, "digits"),
    ("6X", "Commune du domicile", 0, 32, "text"),
    ("6Y", "Code pays du domicile", 2, 2, "country"),
)


@dataclass(frozen=True)
class DataIdentifier:
    code: str
    label: str
    min_len: int
    max_len: int | None
    kind: Kind

    @property
    def fixed(self) -> bool:
        """Fixed-length DIs are never followed by a separator (spec §3.4.1)."""
        return self.max_len is not None and self.min_len == self.max_len

    def conforms(self, value: str) -> bool:
        """True when ``value`` has an allowed length and alphabet for this DI."""
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            return False
        return _KIND_PATTERNS[self.kind].fullmatch(value) is not None


#: Document types of perimeter 01 (spec §6.1) that concern docproc.
DOC_TYPES: dict[str, str] = {
    "00": "Justificatif de domicile",
    "01": "Facture",
    "02": "Avis de taxe d'habitation",
    "04": "Avis d'impôt sur les revenus",
    "18": "Avis de situation déclarative à l'impôt sur les revenus",
    "21": "Attestation 2041-ASK",
    "24": "Avis de situation déclarative à l'impôt sur les revenus (V2)",
    "27": "Avis de situation déclarative à l'impôt sur les revenus (V3)",
    "28": "Avis d'impôt sur les revenus (V2)",
}
#: The tax document types docproc accepts; any other type is parsed but not relied on.
SUPPORTED_TYPES: frozenset[str] = frozenset({"02", "04", "18", "24", "27", "28"})
#: Perimeter and country accepted in v03/v04 headers.
ANTS_PERIMETER = "01"
FRANCE = "FR"

DI_PATTERN = re.compile(r"[0-9A-Z]{2}")
_KINDS = frozenset(_KIND_PATTERNS)


def _build(table: tuple[tuple[str, str, int, int | None, Kind], ...]) -> dict[str, DataIdentifier]:
    out: dict[str, DataIdentifier] = {}
    for code, label, lo, hi, kind in table:
        if not DI_PATTERN.fullmatch(code):
            raise ValueError(f"DI invalide dans la table : {code!r}")
        if code in out:
            raise ValueError(f"DI en double dans la table : {code}")
        if lo < 0 or (hi is not None and hi < max(lo, 1)):
            raise ValueError(f"longueurs incohérentes pour le DI {code}")
        if kind not in _KINDS:
            raise ValueError(f"type de donnée inconnu pour le DI {code} : {kind}")
        if kind in ("date8", "date_hex", "country") and not (hi is not None and lo == hi):
            raise ValueError(f"le DI {code} ({kind}) doit être de longueur fixe")
        if not label.strip():
            raise ValueError(f"libellé manquant pour le DI {code}")
        out[code] = DataIdentifier(code, label, lo, hi, kind)
    for doc_type in (*DOC_TYPES, *SUPPORTED_TYPES):
        if not DI_PATTERN.fullmatch(doc_type):
            raise ValueError(f"type de document invalide : {doc_type!r}")
    if not DOC_TYPES.keys() >= SUPPORTED_TYPES:
        raise ValueError("type pris en charge sans libellé")
    return out


#: DI code -> its definition.
IDENTIFIERS: dict[str, DataIdentifier] = _build(_TABLE)


def lookup(code: str) -> DataIdentifier | None:
    return IDENTIFIERS.get(code)
