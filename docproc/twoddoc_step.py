"""The 2D-Doc step: take the code found on the group's pages, verify it offline, cross-check.

Codes are searched on every page as the pages are read (``PageText.twoddoc``, see
``docproc.text.acquire``); this step only verifies. Every document that carries a code reports
it, whatever its kind. On an avis d'impôt or an ASDIR, a valid code is the strongest evidence
against an edited PDF: any printed value that differs from the signed one rejects the
document, and a value the print does not give (unreadable scan) is taken from the code with
provenance ``2ddoc``. Other kinds get the verdict and the decoded fields, without cross-check.

:func:`code_hint` (in :mod:`docproc.code_hints`) gives the classifier what a page's code says.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from docproc import twoddoc
from docproc.checks import failed, passed
from docproc.code_hints import parse_code
from docproc.errors import Reason
from docproc.extractors.declarants import split_name
from docproc.extractors.extraction import Extraction, Provenance, provenance_entry
from docproc.extractors.spec import all_specs, derived, spec_for
from docproc.extractors.view import PageView
from docproc.models import Box, Check, Group, Level, contract_box
from docproc.text.fold import fold

log = logging.getLogger(__name__)
FIRST_PAGE = frozenset(
    {
        "declarants",
        "reference_avis",
        "revenu_fiscal_reference",
        "nombre_parts",
        "date_mise_en_recouvrement",
        "montant_impot",
    }
)


@dataclass(frozen=True)
class Correction:
    """A value the signed code gives a field (a misreading replaced, a value the print does not
    give, a numéro fiscal completed), with its provenance; the field is no longer missing."""

    name: str
    value: Any
    provenance: Provenance


@dataclass
class Signed:
    """The 2D-Doc step's findings: the document's ``twoddoc`` part, its checks and the
    corrections to apply to the fields, in order (:func:`docproc.document_assembly.apply_signed`)."""

    contract: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)


@dataclass(frozen=True)
class Place:
    """Where the code is: its page's number in the document and its box on that page."""

    page: int
    box: Box | None
    to_file: tuple[float, ...] | None = None  # the page's map to its file (an OCR'd photo)

    def mark(self, signed: Signed) -> Signed:
        """The document's ``twoddoc`` gains where the code is: ``page`` and ``bbox`` (when known)."""
        if signed.contract is not None:
            signed.contract["page"] = self.page
            box = contract_box(self.box)
            if box is not None:
                signed.contract["bbox"] = box
        return signed

    def provenance(self) -> Provenance:
        """Provenance of a value taken from the code: the code's own box on its page."""
        return provenance_entry("2ddoc", self.page, 1.0, self.box, to_file=self.to_file)


def _payload(group: Group, views: list[PageView]) -> tuple[str, Place] | None:
    """The code found on the group's pages as they were read (page 1 first, then the others)
    and where it is."""
    first = group.first
    ordered = ([first] if first is not None else []) + [k for k in group.pages if k is not first]
    for key in ordered:
        page = views[key.order].page
        if page.twoddoc:
            number = 1 if key.role == "first" else (key.n or 1)
            return str(page.twoddoc), Place(number, page.twoddoc_box, page.to_file)
    return None


#: Largest edit distance between an OCR reading and the signed value still taken for a misreading.
_NEAR = {
    "revenu_fiscal_reference": 1,
    "impot_revenu_net": 1,
    "nombre_parts": 1,
    "annee_revenus": 1,
    "date_mise_en_recouvrement": 1,
    "reference_avis": 2,
}


def _key(value: Any) -> str:
    return "".join(ch for ch in fold(str(value)) if ch.isalnum())


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (rapidfuzz imported on first use: only OCR text is compared)."""
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(a, b))


def _ratio(a: str, b: str) -> float:
    """rapidfuzz's similarity ratio, 0 to 100 (imported on first use, as above)."""
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def _ocr_misreads(
    code: Any, ex: Extraction, mismatches: list[str], place: Place | None = None
) -> list[Correction]:
    """Mismatches that are OCR misreadings of the signed value: their corrections to the signed
    value (``ex`` is only read).

    Only for values read by OCR with a valid signature, and only when the reading is one or two
    characters away from the signed value: a text layer that differs is never excused, and a
    value far from the signed one stays a mismatch (an edited document).
    """
    signed = twoddoc.contract_fields(code)
    corrected = []
    for name in mismatches:
        printed = ex.provenance.get(name) or Provenance()
        if printed.source != "ocr" or name not in signed:
            continue
        value: Any
        if name == "declarants":
            value = _near_declarants(ex.fields[name], signed[name])
            if value is None:
                continue
        elif _distance(_key(ex.fields[name]), _key(signed[name])) <= _NEAR.get(name, 0):
            value = signed[name]
        else:
            continue
        prov = dataclasses.replace((place or Place(1, None)).provenance(), ocr_corrected=True)
        if printed.bbox is not None:  # where the misread print is, for whoever checks it
            prov = dataclasses.replace(prov, printed_page=printed.page, printed_bbox=printed.bbox)
        corrected.append(Correction(name, value, prov))
    return corrected


def _near_declarants(
    printed: list[dict[str, Any]], signed: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    if len(printed) != len(signed):
        return None
    out = []
    for shown, true in zip(printed, signed, strict=True):
        if _ratio(_key(shown.get("identite", "")), _key(true.get("identite", ""))) < 85:
            return None
        nf_shown, nf_true = shown.get("numero_fiscal"), true.get("numero_fiscal")
        if nf_shown and nf_true and _distance(nf_shown, nf_true) > 1:
            return None
        person = dict(shown)
        if nf_true:
            person["numero_fiscal"] = nf_true
        if _key(shown.get("identite", "")) != _key(true.get("identite", "")):
            person["identite"] = true["identite"]
            person["nom"], person["prenoms"] = split_name(true["identite"], _particles())
        out.append(person)
    return out


def verify(group: Group, views: list[PageView], ex: Extraction) -> Signed | None:
    """Verify the code carried by the group's pages and, on an avis d'impôt or an ASDIR,
    reconcile it with ``ex``: the findings say which values the code corrects or fills in
    (``ex`` is only read; the pages already hold the code found on them).

    None only for a group without a code that is not expected to carry one.
    """
    found = _payload(group, views)
    signed_kinds = _signed_kinds()
    signed_kind = group.kind in signed_kinds and group.first is not None
    if found is None:
        if not signed_kind:
            return None
        return Signed(
            None,
            [
                failed(
                    "twoddoc.present",
                    "info",
                    "Aucun code 2D-Doc lisible n'a été trouvé : les montants imprimés n'ont pas pu être authentifiés.",
                )
            ],
        )
    payload, place = found
    code = parse_code(payload)
    if code is None:
        reason = "Le code 2D-Doc est illisible ou mal formé."
        contract = {
            "present": True,
            "valid_signature": False,
            "fields": {},
            "mismatches": [],
            "reason": reason,
        }
        level: Level = "warning" if group.kind in signed_kinds else "info"
        return place.mark(Signed(contract, [failed("twoddoc.signature", level, reason)]))
    if group.kind not in signed_kinds:
        return place.mark(_report_only(code))
    return place.mark(_reconcile(group, code, ex, place))


@derived
def _particles() -> frozenset[str]:
    """The name particles of the avis spec (``[declarants] particles``): "DE", "LE"..."""
    avis = spec_for("avis_impot_revenu")
    return frozenset(avis.declarants.get("particles", []) if avis else ())


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
        level: Level = (
            "warning" if code.reason_code == Reason.twoddoc_signature_invalide else "info"
        )
        check = failed(
            "twoddoc.signature",
            level,
            code.reason or "Le code 2D-Doc n'a pas pu être vérifié hors ligne.",
            reason=code.reason_code,
        )
    return Signed(code.to_contract([]), [check])


def _signed_numeros(
    code: twoddoc.TwoDDoc, ex: Extraction, place: Place | None = None
) -> Correction | None:
    """Numéros fiscaux the print did not give (unreadable) taken from a valid code, for the
    printed déclarants whose name is the signed one at the same rank: the déclarants so
    completed, or None when the code adds no number (``ex`` is only read)."""
    printed, signed = ex.fields.get("declarants"), twoddoc.contract_fields(code).get("declarants")
    if not isinstance(printed, list) or not isinstance(signed, list) or len(printed) != len(signed):
        return None
    people = [dict(shown) for shown in printed]
    filled = []
    for rank, (shown, true) in enumerate(zip(people, signed, strict=True), start=1):
        if shown.get("numero_fiscal") or not true.get("numero_fiscal"):
            continue
        if _ratio(_key(shown.get("identite", "")), _key(true.get("identite", ""))) < 85:
            continue
        shown["numero_fiscal"] = true["numero_fiscal"]
        filled.append(rank)
    if not filled:
        return None
    before = ex.provenance.get("declarants") or Provenance()
    prov = dataclasses.replace(before, numero_fiscal_from_2ddoc=filled)
    box = contract_box(place.box) if place is not None else None
    if box is not None:  # those numbers were read in the code: its box
        boxes = list(before.numero_fiscal_bbox or [None] * len(printed))
        for rank in filled:
            boxes[rank - 1] = box
        prov = dataclasses.replace(
            prov, numero_fiscal_bbox=boxes, from_2ddoc_first=before.numero_fiscal_bbox is None
        )
    return Correction("declarants", people, prov)


def _reconcile(group: Group, code: twoddoc.TwoDDoc, ex: Extraction, place: Place) -> Signed:
    """The code against the printed values. Corrections found are applied to a copy of ``ex``
    as they are found (each step sees the previous ones) and returned, never applied to ``ex``."""
    mismatches = sorted(twoddoc.cross_check(code, ex.fields))
    checks: list[Check] = []
    fixes: list[Correction] = []
    work = Extraction(dict(ex.fields), dict(ex.provenance), dict(ex.missing))

    def fix(correction: Correction) -> None:
        fixes.append(correction)
        work.fields[correction.name] = correction.value
        work.missing.pop(correction.name, None)
        work.provenance[correction.name] = correction.provenance

    if code.valid_signature is True:
        misreads = _ocr_misreads(code, work, mismatches, place)
        for correction in misreads:
            fix(correction)
        corrected = [c.name for c in misreads]
        if corrected:
            mismatches = [m for m in mismatches if m not in corrected]
            checks.append(
                failed(
                    "twoddoc.correction",
                    "info",
                    "Des valeurs mal lues sur l'image ont été reprises du code 2D-Doc signé.",
                    fields=corrected,
                )
            )
    if code.valid_signature is True:
        checks.append(passed("twoddoc.signature", "critical", "Le code 2D-Doc est authentique."))
        for name, value in twoddoc.contract_fields(code).items():
            # only what the pages received should have shown: a missing page stays missing
            # (a code read on a continuation page fills nothing of a page 1 that is missing)
            if (
                name not in work.fields
                and name in work.missing
                and (group.complete or (name in FIRST_PAGE and group.first is not None))
            ):
                fix(Correction(name, value, place.provenance()))
        if (numeros := _signed_numeros(code, work, place)) is not None:
            fix(numeros)
    elif code.valid_signature is None:
        checks.append(
            failed(
                "twoddoc.signature",
                "warning",
                code.reason or "Le code 2D-Doc n'a pas pu être vérifié hors ligne.",
                reason=code.reason_code,
            )
        )
    else:
        checks.append(
            failed(
                "twoddoc.signature",
                "critical",
                code.reason or "La signature du code 2D-Doc n'est pas valide.",
                reason=code.reason_code,
            )
        )
    if mismatches:
        level: Level = "critical" if code.valid_signature is True else "warning"
        checks.append(
            failed(
                "twoddoc.concordance",
                level,
                "Les informations imprimées ne correspondent pas au code 2D-Doc.",
                fields=mismatches,
            )
        )
    else:
        checks.append(
            passed(
                "twoddoc.concordance",
                "critical",
                "Les informations imprimées correspondent au code 2D-Doc.",
            )
        )
    return Signed(code.to_contract(mismatches), checks, fixes)
