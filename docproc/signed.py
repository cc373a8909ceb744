"""The 2D-Doc step: take the code found on the group's pages, verify it offline, cross-check.

Codes are searched on every page as the pages are read (``PageText.twoddoc``, see
``docproc.text.acquire``); this step only verifies. Every document that carries a code reports
it, whatever its kind. On an avis d'impôt or an ASDIR, a valid code is the strongest evidence
against an edited PDF: any printed value that differs from the signed one rejects the
document, and a value the print does not give (unreadable scan) is taken from the code with
provenance ``2ddoc``. Other kinds get the verdict and the decoded fields, without cross-check.

:func:`code_hint` gives the classifier what a page's code says, cheaply and without raising.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from docproc import twoddoc
from docproc.checks import failed, passed
from docproc.extractors.declarants import split_name
from docproc.extractors.fields import Extraction, provenance_entry
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.grouping import Group
from docproc.models import Box, Check, Level, contract_box
from docproc.text.acquire import FileRead
from docproc.text.fold import fold
from docproc.twoddoc.trust import default_store

log = logging.getLogger(__name__)
PARTICLES = frozenset(next(s for s in all_specs() if s.kind == "avis_impot_revenu").declarants.get("particles", []))
FIRST_PAGE = frozenset({"declarants", "reference_avis", "revenu_fiscal_reference", "nombre_parts",
                        "date_mise_en_recouvrement", "montant_impot"})


@dataclass
class Signed:
    contract: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)


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
    return CodeHint(doc_type=code.doc_type, annee_revenus=year if isinstance(year, int) else None,
                    annee_avis=int(recovery[:4]) if isinstance(recovery, str) else None,
                    numero_fiscal=numero, fields=fields,
                    valid_signature=code.valid_signature)


def _parse(payload: str) -> twoddoc.TwoDDoc | None:
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
        log.info("2D-Doc not parsed: %s", getattr(err, "reason_code", type(err).__name__))
    except Exception as exc:  # defensive: a malformed payload is never an error of the dossier
        log.info("2D-Doc not parsed: %s", type(exc).__name__)
    return None


@dataclass(frozen=True)
class Place:
    """Where the code is: its page's number in the document and its box on that page."""

    page: int
    box: Box | None

    def mark(self, signed: Signed) -> Signed:
        """The document's ``twoddoc`` gains where the code is: ``page`` and ``bbox`` (when known)."""
        if signed.contract is not None:
            signed.contract["page"] = self.page
            box = contract_box(self.box)
            if box is not None:
                signed.contract["bbox"] = box
        return signed

    def provenance(self, **extra: Any) -> dict[str, Any]:
        """Provenance of a value taken from the code: the code's own box on its page."""
        return {**provenance_entry("2ddoc", self.page, 1.0, self.box), **extra}


def _payload(group: Group, views: list[PageView]) -> tuple[str, Place] | None:
    """The code found on the group's pages as they were read (page 1 first, then the others)
    and where it is."""
    first = group.first
    ordered = ([first] if first is not None else []) + [k for k in group.pages if k is not first]
    for key in ordered:
        page = views[key.order].page
        if page.twoddoc:
            number = 1 if key.role == "first" else (key.n or 1)
            return str(page.twoddoc), Place(number, page.twoddoc_box)
    return None


#: Largest edit distance between an OCR reading and the signed value still taken for a misreading.
_NEAR = {"revenu_fiscal_reference": 1, "impot_revenu_net": 1, "nombre_parts": 1, "annee_revenus": 1,
         "date_mise_en_recouvrement": 1, "reference_avis": 2}


def _key(value: Any) -> str:
    return "".join(ch for ch in fold(str(value)) if ch.isalnum())


def _ocr_misreads(code: Any, ex: Extraction, mismatches: list[str], place: Place | None = None) -> list[str]:
    """Mismatches that are OCR misreadings of the signed value, replaced by it in ``ex``.

    Only for values read by OCR with a valid signature, and only when the reading is one or two
    characters away from the signed value: a text layer that differs is never excused, and a
    value far from the signed one stays a mismatch (an edited document).
    """
    signed = twoddoc.contract_fields(code)
    corrected = []
    for name in mismatches:
        if ex.provenance.get(name, {}).get("source") != "ocr" or name not in signed:
            continue
        if name == "declarants":
            near = _near_declarants(ex.fields[name], signed[name])
            if near is None:
                continue
            ex.fields[name] = near
        elif Levenshtein.distance(_key(ex.fields[name]), _key(signed[name])) <= _NEAR.get(name, 0):
            ex.fields[name] = signed[name]
        else:
            continue
        printed = ex.provenance.get(name, {})
        ex.provenance[name] = (place or Place(1, None)).provenance(ocr_corrected=True)
        if "bbox" in printed:  # where the misread print is, for whoever checks it
            ex.provenance[name]["printed_page"] = printed.get("page")
            ex.provenance[name]["printed_bbox"] = printed["bbox"]
        corrected.append(name)
    return corrected


def _near_declarants(printed: list[dict[str, Any]], signed: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    if len(printed) != len(signed):
        return None
    out = []
    for shown, true in zip(printed, signed, strict=True):
        if fuzz.ratio(_key(shown.get("identite", "")), _key(true.get("identite", ""))) < 85:
            return None
        nf_shown, nf_true = shown.get("numero_fiscal"), true.get("numero_fiscal")
        if nf_shown and nf_true and Levenshtein.distance(nf_shown, nf_true) > 1:
            return None
        person = dict(shown)
        if nf_true:
            person["numero_fiscal"] = nf_true
        if _key(shown.get("identite", "")) != _key(true.get("identite", "")):
            person["identite"] = true["identite"]
            person["nom"], person["prenoms"] = split_name(true["identite"], PARTICLES)
        out.append(person)
    return out


def verify(group: Group, views: list[PageView], reads: list[FileRead], ex: Extraction) -> Signed | None:
    """Verify the code carried by the group's pages and, on an avis d'impôt or an ASDIR,
    reconcile it with ``ex`` (filled in place where unreadable).

    None only for a group without a code that is not expected to carry one. ``reads`` is kept
    for the pipeline's call; the pages already hold what was found.
    """
    del reads
    found = _payload(group, views)
    signed_kinds = _signed_kinds()
    signed_kind = group.kind in signed_kinds and group.first is not None
    if found is None:
        if not signed_kind:
            return None
        return Signed(None, [failed("twoddoc.present", "info",
                                    "Aucun code 2D-Doc lisible n'a été trouvé : les montants imprimés n'ont pas pu être authentifiés.")])
    payload, place = found
    code = _parse(payload)
    if code is None:
        reason = "Le code 2D-Doc est illisible ou mal formé."
        contract = {"present": True, "valid_signature": False, "fields": {}, "mismatches": [], "reason": reason}
        level: Level = "warning" if group.kind in signed_kinds else "info"
        return place.mark(Signed(contract, [failed("twoddoc.signature", level, reason)]))
    if group.kind not in signed_kinds:
        return place.mark(_report_only(code))
    return place.mark(_reconcile(group, code, ex, place))


def _signed_kinds() -> frozenset[str]:
    """The kinds whose spec says which 2D-Doc types they carry (``[classify] twoddoc_types``):
    their printed values are reconciled with the code and a missing code is reported."""
    return frozenset(s.kind for s in all_specs() if s.classify.twoddoc_types)


def _report_only(code: twoddoc.TwoDDoc) -> Signed:
    """A code on a document that has no printed values to compare: its verdict, for information.

    Only a signature that fails the cryptographic check is worth a review; a code of a type or
    authority we do not verify is not a fault of the document.
    """
    if code.valid_signature is True:
        check = passed("twoddoc.signature", "info", "Le code 2D-Doc est authentique.")
    else:
        level: Level = "warning" if code.reason_code == "signature_invalide" else "info"
        check = failed("twoddoc.signature", level,
                       code.reason or "Le code 2D-Doc n'a pas pu être vérifié hors ligne.",
                       reason=code.reason_code)
    return Signed(code.to_contract([]), [check])


def _signed_numeros(code: twoddoc.TwoDDoc, ex: Extraction, place: Place | None = None) -> None:
    """Numéros fiscaux the print did not give (unreadable) taken from a valid code, for the
    printed déclarants whose name is the signed one at the same rank."""
    printed, signed = ex.fields.get("declarants"), twoddoc.contract_fields(code).get("declarants")
    if not isinstance(printed, list) or not isinstance(signed, list) or len(printed) != len(signed):
        return
    filled = []
    for rank, (shown, true) in enumerate(zip(printed, signed, strict=True), start=1):
        if shown.get("numero_fiscal") or not true.get("numero_fiscal"):
            continue
        if fuzz.ratio(_key(shown.get("identite", "")), _key(true.get("identite", ""))) < 85:
            continue
        shown["numero_fiscal"] = true["numero_fiscal"]
        filled.append(rank)
    if filled:
        prov = ex.provenance.setdefault("declarants", {})
        prov["numero_fiscal_from_2ddoc"] = filled
        box = contract_box(place.box) if place is not None else None
        if box is not None:  # those numbers were read in the code: its box
            boxes = list(prov.get("numero_fiscal_bbox") or [None] * len(printed))
            for rank in filled:
                boxes[rank - 1] = box
            prov["numero_fiscal_bbox"] = boxes


def _reconcile(group: Group, code: twoddoc.TwoDDoc, ex: Extraction, place: Place) -> Signed:
    mismatches = sorted(twoddoc.cross_check(code, ex.fields))
    checks: list[Check] = []
    if code.valid_signature is True:
        corrected = _ocr_misreads(code, ex, mismatches, place)
        if corrected:
            mismatches = [m for m in mismatches if m not in corrected]
            checks.append(failed("twoddoc.correction", "info",
                                 "Des valeurs mal lues sur l'image ont été reprises du code 2D-Doc signé.",
                                 fields=corrected))
    if code.valid_signature is True:
        checks.append(passed("twoddoc.signature", "critical", "Le code 2D-Doc est authentique."))
        for name, value in twoddoc.contract_fields(code).items():
            # only what the pages received should have shown: a missing page stays missing
            # (a code read on a continuation page fills nothing of a page 1 that is missing)
            if name not in ex.fields and name in ex.missing and (
                    group.complete or (name in FIRST_PAGE and group.first is not None)):
                ex.fields[name] = value
                ex.missing.pop(name, None)
                ex.provenance[name] = place.provenance()
        _signed_numeros(code, ex, place)
    elif code.valid_signature is None:
        checks.append(failed("twoddoc.signature", "warning", code.reason or "Le code 2D-Doc n'a pas pu être vérifié hors ligne.",
                             reason=code.reason_code))
    else:
        checks.append(failed("twoddoc.signature", "critical", code.reason or "La signature du code 2D-Doc n'est pas valide.",
                             reason=code.reason_code))
    if mismatches:
        level: Level = "critical" if code.valid_signature is True else "warning"
        checks.append(failed("twoddoc.concordance", level,
                             "Les informations imprimées ne correspondent pas au code 2D-Doc.", fields=mismatches))
    else:
        checks.append(passed("twoddoc.concordance", "critical",
                             "Les informations imprimées correspondent au code 2D-Doc."))
    return Signed(code.to_contract(mismatches), checks)
