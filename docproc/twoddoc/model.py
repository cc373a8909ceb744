"""The parsed and verified 2D-Doc, and its contract §3 rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class TwoDDoc:
    """A parsed 2D-Doc and the verdict on its signature.

    ``valid_signature`` is True when verified against a trusted certificate, False when the
    signature is bad or not trusted (test authority, unknown authority, unsupported type…),
    and None when it could not be checked offline (signing certificate not in the cache).
    ``reason`` (French) and ``reason_code`` explain any verdict other than True.
    ``fields`` maps each DI to its raw value, unknown DIs included; ``truncated`` names the
    DIs whose value ended with RS (the code holds only the start of the printed value).
    The annex, never covered by the signature, is not kept.
    """

    version: str
    authority: str
    certificate: str
    doc_type: str
    perimeter: str | None
    country: str | None
    issue_date: date | None
    signature_date: date | None
    fields: dict[str, str]
    truncated: frozenset[str]
    valid_signature: bool | None
    reason: str | None
    reason_code: str | None = None
    unknown_identifiers: frozenset[str] = field(default_factory=frozenset)

    @property
    def trusted(self) -> bool:
        return self.valid_signature is True

    def to_contract(self, mismatches: list[str]) -> dict[str, Any]:
        """The ``twoddoc`` object of contract §3."""
        out: dict[str, Any] = {
            "present": True,
            "valid_signature": self.valid_signature is True,
            "authority": self.authority,
            "certificate": self.certificate,
            "doc_type": self.doc_type,
            "fields": dict(self.fields),
            "mismatches": list(mismatches),
        }
        if self.valid_signature is not True:
            out["reason"] = self.reason or "La signature du code 2D-Doc n'a pas pu être vérifiée."
        return out
