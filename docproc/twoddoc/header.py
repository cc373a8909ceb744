"""The C40 header of a 2D-Doc, versions 02 to 04 (spec §3.3.1-3.3.3).

    pos len field
      0   2 marker "DC"
      2   2 version 02 | 03 | 04
      4   4 certification authority id (e.g. FR04)
      8   4 certificate id
     12   4 emission date (hex days since 2000-01-01, FFFF = none)
     16   4 signature date (same encoding)
     20   2 document type
     22   2 perimeter (v03+)
     24   2 issuing country, ISO alpha-2 (v04)

Version 01 (Base256 signature) and the binary v04 header are not used on tax notices and
are refused with a reason code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from docproc.errors import Reason

from .c40 import decode_date
from .payload_errors import TwoDDocError

HEADER_LENGTHS: dict[str, int] = {"02": 22, "03": 24, "04": 26}

_ID = re.compile(r"[A-Z0-9]{4}")
_HEX = re.compile(r"[0-9A-Fa-f]{4}")
_TYPE = re.compile(r"[A-Z0-9]{2}")
_PERIMETER = re.compile(r"[0-9A-Z]{2}")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Header:
    version: str
    authority: str
    certificate: str
    issue_date: date | None
    signature_date: date | None
    doc_type: str
    perimeter: str | None
    country: str | None
    raw: str

    @property
    def length(self) -> int:
        return len(self.raw)


def parse_header(text: str) -> Header:
    """Parse the header at the start of ``text`` (the normalised payload)."""
    if text.startswith("\xdc"):
        raise TwoDDocError(Reason.twoddoc_format_binaire)
    if not text.startswith("DC"):
        raise TwoDDocError(Reason.twoddoc_pas_un_2ddoc)
    version = text[2:4]
    if version not in HEADER_LENGTHS:
        raise TwoDDocError(Reason.twoddoc_version_non_supportee, f"version {version!r}")
    size = HEADER_LENGTHS[version]
    raw = text[:size]
    if len(raw) < size:
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "en-tête incomplet")
    authority, certificate = raw[4:8], raw[8:12]
    issue_hex, sign_hex, doc_type = raw[12:16], raw[16:20], raw[20:22]
    if not (_ID.fullmatch(authority) and _ID.fullmatch(certificate)):
        raise TwoDDocError(
            Reason.twoddoc_entete_invalide, "identifiant d'autorité ou de certificat"
        )
    if not (_HEX.fullmatch(issue_hex) and _HEX.fullmatch(sign_hex)):
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "date")
    if not _TYPE.fullmatch(doc_type):
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "type de document")
    perimeter = raw[22:24] if size >= 24 else None
    country = raw[24:26] if size >= 26 else None
    if perimeter is not None and not _PERIMETER.fullmatch(perimeter):
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "périmètre")
    if country is not None and not _COUNTRY.fullmatch(country):
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "pays")
    try:
        issue_date, signature_date = decode_date(issue_hex), decode_date(sign_hex)
    except (ValueError, OverflowError) as exc:
        raise TwoDDocError(Reason.twoddoc_entete_invalide, "date") from exc
    return Header(
        version,
        authority,
        certificate,
        issue_date,
        signature_date,
        doc_type,
        perimeter,
        country,
        raw,
    )
