"""Agents' review (issue 13): document ids, field validation, and the overlay of corrections
and decisions on the worker's stored result.

The worker's result is never changed: corrections and decisions live in their own tables and
are applied here, at read time. So a re-extraction replaces the machine's values only; the
agent's value stays, with the new machine value beside it and a disagreement flagged.

``needs_review`` — a document needs an agent when no agent has decided on it yet and any of:
its status is ``needs_review``; a required field of its kind is missing; a check of level
``critical`` failed; or, after a re-extraction, the machine's value differs from an agent's
correction. A dossier needs review when one of its documents does.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from docproc.extractors.values import INTEGER_TYPES
from service.api_errors import ApiError

#: Fields read from the page counters ("n/N", year markers), not from the spec's fields.
_PAGE_KEY_TYPES = {"annee_revenus": "year", "annee_avis": "year"}
_INT_TYPES = INTEGER_TYPES
_TEXT_MAX = 500
_SITUATIONS = ("M", "O", "D", "C", "V")
_REF_OK = re.compile(r"^\d{2}(?:\d{2}|2A|2B)[0-9A-Z]\d{8}$")
_CODE = re.compile(r"^[0-9A-Z]{4,20}$")
_CATEGORIES = (
    "salaires",
    "pensions_retraites",
    "chomage",
    "revenus_fonciers",
    "revenus_capitaux_mobiliers",
    "plus_values",
    "bic",
    "bnc",
    "ba",
    "micro_entreprise",
    "pensions_alimentaires_recues",
    "pensions_alimentaires_versees",
    "autres",
)

DECISIONS = ("accepted", "rejected")


def document_id(doc: dict[str, Any]) -> str:
    """A stable id: the same kind on the same pages of the same files gets the same id."""
    pages = sorted(
        f"{p.get('file_id') or p.get('file')}:{p.get('page')}"
        for p in doc.get("pages") or []
        if isinstance(p, dict)
    )
    raw = "|".join([str(doc.get("kind")), *pages])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# -- field types ----------------------------------------------------------------------------


def _invalid(name: str, what: str) -> ApiError:
    return ApiError(422, "field.invalid", f"Valeur invalide pour « {name} » : {what}.")


def field_type(kind: str, name: str) -> str | None:
    """The field's type for validation: a spec type, 'flag', 'choice:…', 'convert', 'list'; None
    when the kind has no such field an agent may correct."""
    if name.startswith("_"):
        return None
    if name in _PAGE_KEY_TYPES and kind in ("avis_impot_revenu", "asdir"):
        return _PAGE_KEY_TYPES[name]
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    if spec is None:
        return None
    for fs in spec.fields:
        if fs.name != name:
            continue
        if fs.type:
            return fs.type
        if fs.flag:
            return "flag"
        if fs.choices:
            return "choice"
        if fs.convert:
            return "convert"
        if fs.parser:
            return "list:" + fs.parser
    return None


def _choices(kind: str, name: str) -> list[Any]:
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    return [c.value for fs in (spec.fields if spec else ()) if fs.name == name for c in fs.choices]


def required_fields(kind: str) -> list[str]:
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    return list(
        dict.fromkeys(
            fs.name
            for fs in (spec.fields if spec else ())
            if fs.required and not fs.name.startswith("_")
        )
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_value(kind: str, name: str, value: Any) -> Any:
    """The value, normalised, when it fits the field's type in the spec; 422 otherwise."""
    ftype = field_type(kind, name)
    if ftype is None:
        raise ApiError(
            422,
            "field.unknown",
            f"Le champ « {name} » ne peut pas être corrigé pour ce type de document.",
        )
    if value is None:
        raise _invalid(name, "une valeur est attendue")
    if ftype in _INT_TYPES or ftype == "convert":
        if not _is_int(value):
            raise _invalid(name, "un nombre entier est attendu")
        if ftype == "year" and not 1900 <= value <= 2100:
            raise _invalid(name, "une année entre 1900 et 2100 est attendue")
        if ftype == "int" and value < 0:
            raise _invalid(name, "un entier positif est attendu")
        return value
    if ftype == "parts":
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not 0 < value <= 30
            or value * 4 != int(value * 4)
        ):
            raise _invalid(name, "un nombre de parts (par quarts, entre 0,25 et 30) est attendu")
        return float(value)
    if ftype == "flag":
        if not isinstance(value, bool):
            raise _invalid(name, "vrai ou faux est attendu")
        return value
    if ftype == "choice":
        choices = _choices(kind, name)
        if value not in choices or type(value) is not type(choices[0] if choices else value):
            raise _invalid(
                name, "l'une des valeurs " + ", ".join(map(str, choices)) + " est attendue"
            )
        return value
    if ftype.startswith("list:"):
        return _validate_list(name, ftype[5:], value)
    if not isinstance(value, str) or not value.strip() or len(value) > _TEXT_MAX:
        raise _invalid(name, "un texte non vide est attendu")
    text = " ".join(value.split())
    if ftype in ("date", "date_fr"):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise _invalid(name, "une date AAAA-MM-JJ est attendue") from None
    if ftype == "numero_fiscal":
        digits = text.replace(" ", "")
        if not (len(digits) == 13 and digits.isdigit() and digits[0] in "0123"):
            raise _invalid(name, "13 chiffres sont attendus, le premier de 0 à 3")
        return digits
    if ftype == "reference_avis":
        ref = text.replace(" ", "").upper()
        if not _REF_OK.match(ref):
            raise _invalid(name, "13 caractères sans espace sont attendus (AA DD XNNNNNN KK)")
        return ref
    if ftype == "situation":
        code = text.upper()
        if code not in _SITUATIONS:
            raise _invalid(name, "l'un des codes M, O, D, C, V est attendu")
        return code
    if ftype == "code":
        code = text.upper()
        if not _CODE.match(code):
            raise _invalid(name, "4 à 20 lettres ou chiffres sont attendus")
        return code
    if ftype == "nom":
        return text.upper()
    return text


def _validate_list(name: str, parser: str, value: Any) -> list[Any]:
    if not isinstance(value, list) or len(value) > 50:
        raise _invalid(name, "une liste est attendue")
    out: list[Any] = []
    for item in value:
        if parser == "proprietaires":
            if not isinstance(item, str) or not item.strip() or len(item) > _TEXT_MAX:
                raise _invalid(name, "une liste de noms est attendue")
            out.append(" ".join(item.split()))
            continue
        if not isinstance(item, dict) or any(not isinstance(k, str) for k in item):
            raise _invalid(name, "une liste d'objets est attendue")
        for v in item.values():
            if not (v is None or isinstance(v, str | int | float | bool)) or (
                isinstance(v, str) and len(v) > _TEXT_MAX
            ):
                raise _invalid(name, "des valeurs simples sont attendues dans chaque objet")
        if parser == "revenus" and (
            item.get("categorie") not in _CATEGORIES
            or not _is_int(item.get("montant"))
            or item.get("declarant") not in (1, 2, None)
        ):
            raise _invalid(
                name,
                "chaque revenu a une « categorie » connue, un « montant » entier "
                "et un « declarant » 1, 2 ou null",
            )
        if parser == "declarants" and not isinstance(item.get("identite") or item.get("nom"), str):
            raise _invalid(name, "chaque déclarant a au moins « nom » ou « identite »")
        out.append(dict(item))
    return out


# -- the overlay -------------------------------------------------------------------------------


@dataclass
class ReviewState:
    """The dossier's corrections and decisions, values already unsealed."""

    #: (document id, field) -> {value, machine_value, reason, author, at}
    corrections: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: document id -> {status, reason, author, at}
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _disagreement_check(name: str, label: str) -> dict[str, Any]:
    return {
        "code": "agent.desaccord",
        "level": "warning",
        "ok": False,
        "message": f"La dernière lecture automatique diffère de la valeur corrigée par un agent pour {label}.",
        "data": {"field": name},
    }


def _field_label(kind: str, name: str) -> str:
    from docproc.extractors.spec import spec_for

    spec = spec_for(kind)
    label = spec.field_label(name) if spec else name
    return label if label != name else f"« {name} »"


def overlay(
    documents: list[dict[str, Any]], state: ReviewState | None, *, reveal: bool = True
) -> list[dict[str, Any]]:
    """The documents with their ``id`` and, when ``reveal``, the agents' corrections and
    decisions applied; the stored result is left as it is."""
    out: list[dict[str, Any]] = []
    for stored in documents:
        if not isinstance(stored, dict):
            continue
        doc = copy.deepcopy(stored)
        doc_id = document_id(doc)
        doc["id"] = doc_id
        if not reveal or state is None:
            out.append(doc)
            continue
        fields = doc.setdefault("fields", {})
        provenance = doc.setdefault("provenance", {})
        missing = doc.get("missing_fields") if isinstance(doc.get("missing_fields"), dict) else {}
        disagreements = []
        for (d_id, name), corr in state.corrections.items():
            if d_id != doc_id:
                continue
            machine_value = fields.get(name)
            machine_prov = provenance.get(name)
            disagree = name in fields and machine_value != corr["value"]
            fields[name] = corr["value"]
            prov: dict[str, Any] = {
                "source": "agent",
                "confidence": 1.0,
                "author": corr["author"],
                "at": corr["at"],
                "reason": corr["reason"],
                "machine_value": machine_value,
                "machine_value_when_corrected": corr["machine_value"],
                "machine": machine_prov,
                "disagreement": disagree,
                "machine_changed": machine_value != corr["machine_value"],
            }
            if isinstance(machine_prov, dict):
                for key in ("page", "bbox", "label_bbox", "file_bbox", "file_label_bbox"):
                    if key in machine_prov:
                        prov[key] = machine_prov[key]
            provenance[name] = prov
            if missing:
                missing.pop(name, None)
            if disagree and machine_value != corr["machine_value"]:
                disagreements.append(name)
        if disagreements:
            doc.setdefault("checks", []).extend(
                _disagreement_check(n, _field_label(str(doc.get("kind")), n)) for n in disagreements
            )
        decision = state.decisions.get(doc_id)
        if decision is not None:
            doc["machine_status"] = doc.get("status")
            doc["status"] = decision["status"]
            doc["decision"] = dict(decision)
        out.append(doc)
    return out


def review_reasons(doc: dict[str, Any]) -> list[str]:
    """Why an (overlaid) document needs an agent; empty when it does not (see the module doc)."""
    if doc.get("decision"):
        return []
    reasons = []
    if doc.get("status") == "needs_review":
        reasons.append("statut")
    fields = doc.get("fields") or {}
    if any(name not in fields for name in required_fields(str(doc.get("kind")))):
        reasons.append("champ_obligatoire_manquant")
    if any(
        isinstance(c, dict)
        and c.get("level") in ("critical", "error")
        and c.get("ok") is False
        and c.get("code") != "agent.desaccord"
        for c in doc.get("checks") or []
    ):
        reasons.append("controle_bloquant")
    if any(
        isinstance(p, dict)
        and p.get("source") == "agent"
        and p.get("disagreement")
        and p.get("machine_value") != p.get("machine_value_when_corrected")
        for p in (doc.get("provenance") or {}).values()
    ):
        reasons.append("desaccord_agent_machine")
    return reasons


def annotate(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds ``review`` = {needs_review, reasons} to each overlaid document."""
    for doc in documents:
        reasons = review_reasons(doc)
        doc["review"] = {"needs_review": bool(reasons), "reasons": reasons}
    return documents


def find_document(documents: list[dict[str, Any]], doc_id: str) -> dict[str, Any]:
    for doc in documents:
        if isinstance(doc, dict) and document_id(doc) == doc_id:
            return doc
    raise ApiError(404, "document.not_found", "Document introuvable dans ce dossier.")


def field_page(doc: dict[str, Any], page_number: Any) -> dict[str, Any] | None:
    """The ``pages`` entry (file_id, page of the file) a provenance ``page`` number points to."""
    pages = [p for p in doc.get("pages") or [] if isinstance(p, dict)]
    if not isinstance(page_number, int):
        return None
    for p in pages:
        if p.get("number") == page_number:
            return p
    return pages[page_number - 1] if 0 < page_number <= len(pages) else None
