"""The 2D-Doc step: find the code near page 1, verify it offline, cross-check the print.

A valid code is the strongest evidence against an edited PDF: any printed value that differs
from the signed one rejects the document, and a value the print does not give (unreadable
scan) is taken from the code with provenance ``2ddoc``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from docproc import twoddoc
from docproc.checks import failed, passed
from docproc.extractors.declarants import split_name
from docproc.extractors.fields import Extraction
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.grouping import Group
from docproc.intake import PDF
from docproc.models import Check, Level
from docproc.text.acquire import FileRead
from docproc.text.fold import fold

log = logging.getLogger(__name__)
PARTICLES = frozenset(next(s for s in all_specs() if s.kind == "avis_impot_revenu").declarants.get("particles", []))
SIGNED_KINDS = frozenset({"avis_impot_revenu", "asdir"})
FIRST_PAGE = frozenset({"declarants", "reference_avis", "revenu_fiscal_reference", "nombre_parts",
                        "date_mise_en_recouvrement", "montant_impot"})


@dataclass
class Signed:
    contract: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)


def _payload(group: Group, views: list[PageView], reads: list[FileRead]) -> str | None:
    first = group.first
    if first is None:
        return None
    view = views[first.order]
    read = next((r for r in reads if r.upload.name == first.file), None)
    if read is None:
        return None
    if view.page.source == "text" and read.media_type == PDF:
        same_file = [k.page - 1 for k in group.pages if k.file == first.file and k is not first]
        found = twoddoc.find_in_pdf(read.upload.data, [first.page - 1, *same_file])
        return found[0] if found else None
    if view.page.image is not None:
        return twoddoc.find_in_image(view.page.image)
    return None


#: Largest edit distance between an OCR reading and the signed value still taken for a misreading.
_NEAR = {"revenu_fiscal_reference": 1, "impot_revenu_net": 1, "nombre_parts": 1, "annee_revenus": 1,
         "date_mise_en_recouvrement": 1, "reference_avis": 2}


def _key(value: Any) -> str:
    return "".join(ch for ch in fold(str(value)) if ch.isalnum())


def _ocr_misreads(code: Any, ex: Extraction, mismatches: list[str]) -> list[str]:
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
        ex.provenance[name] = {"source": "2ddoc", "page": 1, "confidence": 1.0, "ocr_corrected": True}
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
    """Verify the group's code and reconcile it with ``ex`` (filled in place where unreadable)."""
    if group.kind not in SIGNED_KINDS or group.first is None:
        return None
    payload = _payload(group, views, reads)
    if payload is None:
        return Signed(None, [failed("twoddoc.present", "info",
                                    "Aucun code 2D-Doc lisible n'a été trouvé : les montants imprimés n'ont pas pu être authentifiés.")])
    try:
        code = twoddoc.parse_and_verify(payload)
    except twoddoc.TwoDDocError as err:
        log.info("2D-Doc not parsed: %s", getattr(err, "reason_code", type(err).__name__))
        reason = "Le code 2D-Doc est illisible ou mal formé."
        contract = {"present": True, "valid_signature": False, "fields": {}, "mismatches": [], "reason": reason}
        return Signed(contract, [failed("twoddoc.signature", "warning", reason)])
    mismatches = sorted(twoddoc.cross_check(code, ex.fields))
    checks: list[Check] = []
    if code.valid_signature is True:
        corrected = _ocr_misreads(code, ex, mismatches)
        if corrected:
            mismatches = [m for m in mismatches if m not in corrected]
            checks.append(failed("twoddoc.correction", "info",
                                 "Des valeurs mal lues sur l'image ont été reprises du code 2D-Doc signé.",
                                 fields=corrected))
    if code.valid_signature is True:
        checks.append(passed("twoddoc.signature", "critical", "Le code 2D-Doc est authentique."))
        for name, value in twoddoc.contract_fields(code).items():
            # only what the pages received should have shown: a missing page stays missing
            if name not in ex.fields and name in ex.missing and (group.complete or name in FIRST_PAGE):
                ex.fields[name] = value
                ex.missing.pop(name, None)
                ex.provenance[name] = {"source": "2ddoc", "page": 1, "confidence": 1.0}
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
