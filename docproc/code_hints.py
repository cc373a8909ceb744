"""What a page's 2D-Doc says, for the classifier: :func:`code_hint`, cheap, cached and never
raising; :func:`parse_code` for the 2D-Doc step (same cache). Kept apart from
:mod:`docproc.twoddoc_step` so that the classifier does not import the 2D-Doc step."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from docproc import twoddoc
from docproc.twoddoc.trust import default_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeHint:
    """What a 2D-Doc says about its document, for classification.

    ``numero_fiscal`` is declarant 1's; ``annee_avis`` is the year of the date de mise en
    recouvrement (the code has no field for it; None without that date); ``fields`` are the
    contract fields the code carries (:func:`docproc.twoddoc.contract_fields`; shared by the
    cache: do not modify); ``valid_signature`` as in the contract's ``twoddoc`` (None: not
    verifiable offline). The code may be signed but not trusted: check ``valid_signature``
    before taking a hint for proof.
    """

    doc_type: str
    annee_revenus: int | None
    annee_avis: int | None
    numero_fiscal: str | None
    fields: dict[str, Any]
    valid_signature: bool | None


def code_hint(payload: str) -> CodeHint | None:
    """The hint of a page's 2D-Doc payload, or None when it is not a readable 2D-Doc.

    Pure and cached by payload (the signature is verified once); never raises. What the
    verdict depends on besides the payload (trust cache, test-authority switch, the day) is
    part of the cache key.
    """
    if not isinstance(payload, str) or not payload:
        return None
    try:
        return _hint(payload, _context())
    except Exception as exc:  # a hint must never break classification
        log.info("2D-Doc hint failed: %s", type(exc).__name__)
        return None


def _context() -> tuple[str, bool, date]:
    """What a verdict depends on besides the payload: trust cache, test switch, the day."""
    store = default_store()
    return str(store.cache_dir), store.test_authority_trusted, date.today()


@lru_cache(maxsize=256)
def _hint(payload: str, context: tuple[str, bool, date]) -> CodeHint | None:
    code = _verified(payload, context)
    if code is None:
        return None
    try:
        fields = twoddoc.contract_fields(code)
    except Exception as exc:  # a hint must never break classification
        log.info("2D-Doc fields not read: %s", type(exc).__name__)
        fields = {}
    people = fields.get("declarants") or []
    numero = people[0].get("numero_fiscal") if people else None
    year = fields.get("annee_revenus")
    recovery = fields.get("date_mise_en_recouvrement")
    return CodeHint(
        doc_type=code.doc_type,
        annee_revenus=year if isinstance(year, int) else None,
        annee_avis=int(recovery[:4]) if isinstance(recovery, str) else None,
        numero_fiscal=numero,
        fields=fields,
        valid_signature=code.valid_signature,
    )


def parse_code(payload: str) -> twoddoc.TwoDDoc | None:
    """The parsed and verified code (cached with :func:`code_hint`), None when malformed."""
    try:
        return _verified(payload, _context())
    except Exception as exc:  # trust store unreadable…: verify without the cache
        log.info("2D-Doc cache bypassed: %s", type(exc).__name__)
    return _parse_now(payload)


@lru_cache(maxsize=256)
def _verified(payload: str, context: tuple[str, bool, date]) -> twoddoc.TwoDDoc | None:
    del context  # part of the cache key only
    return _parse_now(payload)


def _parse_now(payload: str) -> twoddoc.TwoDDoc | None:
    try:
        return twoddoc.parse_and_verify(payload)
    except twoddoc.TwoDDocError as err:
        log.info("2D-Doc not parsed: %s", err.code.value)
    except Exception as exc:  # defensive: a malformed payload is never an error of the dossier
        log.info("2D-Doc not parsed: %s", type(exc).__name__)
    return None
