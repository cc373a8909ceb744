"""One group of pages → its fields (spec-driven), then → the contract document with checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from docproc.checks import documents as doc_checks
from docproc.checks import status
from docproc.extractors import fields as field_extraction
from docproc.extractors.classify import PageKey
from docproc.extractors.fields import Extraction
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.grouping import PAGED_KINDS, Group
from docproc.signed import Signed


def _spec(kind: str) -> Any:
    return next(s for s in all_specs() if s.kind == kind)


def read_fields(g: Group, views: list[PageView]) -> Extraction:
    """The fields printed on the group's pages, with provenance and missing reasons."""
    if g.kind not in PAGED_KINDS:
        return _unpaged_fields(g, views)
    first = views[g.first.order] if g.first else None
    rest = [(views[k.order], k.n or 0) for k in g.pages if k.role == "continuation"]
    ex = field_extraction.extract(_spec(g.kind), first, rest)
    for name in ("annee_revenus", "annee_avis"):
        source = next((k for k in g.pages if getattr(k, name)), None)
        if source is not None:
            ex.fields[name] = getattr(source, name)
            ex.provenance[name] = {"source": views[source.order].page.source,
                                   "page": 1 if source.role == "first" else source.n, "confidence": 1.0}
    return ex


def _unpaged_fields(g: Group, views: list[PageView]) -> Extraction:
    """A document of one file without page counters: its pages in order, the first as page 1."""
    spec = next((s for s in all_specs() if s.kind == g.kind), None)
    if spec is None or not spec.fields or not g.pages:
        return Extraction()
    ordered = [(views[k.order], i + 1) for i, k in enumerate(g.pages)]
    return field_extraction.extract(spec, ordered[0][0], ordered[1:])


def _page_entry(k: PageKey, g: Group) -> dict[str, Any]:
    return {"file": k.file, "page": k.page, "number": 1 if k.role == "first" else k.n, "of": g.total}


def assemble(g: Group, views: list[PageView], ex: Extraction, signed: Signed | None,
             request_date: date) -> dict[str, Any]:
    """The contract §3 document: fields, provenance, checks and the status they imply."""
    specimen = any("SPECIMEN" in views[k.order].folded_text for k in g.pages)
    facts = doc_checks.DocFacts(g.kind, g, ex.fields, ex.missing, request_date, specimen)
    checks = doc_checks.run(facts) + (signed.checks if signed else [])
    doc: dict[str, Any] = {
        "kind": g.kind,
        "status": status(checks),
        "pages": [_page_entry(k, g) for k in g.pages],
        "complete": g.complete if g.kind in PAGED_KINDS else True,
        "missing_pages": g.missing,
        "fields": _ordered(ex.fields),
        "provenance": ex.provenance,
        "missing_fields": ex.missing,
        "checks": [c.to_json() for c in checks],
        "classification": {"kind": g.kind, "pages": [k.evidence() for k in g.pages + g.duplicates]},
    }
    if signed and signed.contract:
        doc["twoddoc"] = signed.contract
    return doc


_ORDER = ("annee_revenus", "annee_avis", "valant_avis_impot", "declarants", "reference_avis",
          "revenu_fiscal_reference", "revenu_brut_global", "revenu_imposable", "impot_revenu_net",
          "montant_impot", "nombre_parts", "situation_famille", "personnes_a_charge",
          "date_mise_en_recouvrement", "adresse", "revenus",
          # taxe foncière / d'habitation, attestation RSA, justificatif étranger (contract §3)
          "annee_imposition", "numero_fiscal", "proprietaires", "biens", "valeur_locative_brute",
          "montant_total", "organisme", "date_attestation", "beneficiaire", "numero_allocataire",
          "ressources_inferieures_rsa", "pays", "langue", "annee", "revenu_annuel", "devise",
          "revenu_annuel_eur")


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    rank = {name: i for i, name in enumerate(_ORDER)}
    return dict(sorted(fields.items(), key=lambda kv: rank.get(kv[0], 99)))
