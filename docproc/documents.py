"""Build one contract document object from a group of pages: fields, checks, status."""

from __future__ import annotations

from datetime import date
from typing import Any

from docproc.checks import documents as doc_checks
from docproc.checks import status
from docproc.extractors import fields as field_extraction
from docproc.extractors.classify import PageKey
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.grouping import PAGED_KINDS, Group
from docproc.models import Check


def _spec(kind: str) -> Any:
    return next(s for s in all_specs() if s.kind == kind)


def _page_entry(k: PageKey, g: Group) -> dict[str, Any]:
    number = 1 if k.role == "first" else k.n
    return {"file": k.file, "page": k.page, "number": number, "of": g.total}


def build(g: Group, views: dict[int, PageView], request_date: date) -> tuple[dict[str, Any], list[Check]]:
    """The document (contract §3) and its checks, before any 2D-Doc step."""
    fields: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    missing: dict[str, str] = {}
    pages = [views[k.order] for k in g.pages]
    if g.kind in PAGED_KINDS:
        spec = _spec(g.kind)
        first = views[g.first.order] if g.first else None
        rest = [(views[k.order], k.n or 0) for k in g.pages if k.role == "continuation"]
        ex = field_extraction.extract(spec, first, rest)
        fields, provenance, missing = ex.fields, ex.provenance, ex.missing
        for name in ("annee_revenus", "annee_avis"):
            source = next((k for k in g.pages if getattr(k, name)), None)
            if source is not None:
                fields[name] = getattr(source, name)
                provenance[name] = {"source": views[source.order].page.source,
                                    "page": 1 if source.role == "first" else source.n, "confidence": 1.0}
    specimen = any("SPECIMEN" in v.folded_text for v in pages)
    facts = doc_checks.DocFacts(g.kind, g, fields, missing, request_date, specimen)
    checks = doc_checks.run(facts)
    doc = {
        "kind": g.kind,
        "status": status(checks),
        "pages": [_page_entry(k, g) for k in g.pages],
        "complete": g.complete if g.kind in PAGED_KINDS else True,
        "missing_pages": g.missing,
        "fields": _ordered(fields),
        "provenance": provenance,
        "missing_fields": missing,
        "checks": [c.to_json() for c in checks],
    }
    return doc, checks


_ORDER = ("annee_revenus", "annee_avis", "valant_avis_impot", "declarants", "reference_avis",
          "revenu_fiscal_reference", "revenu_brut_global", "revenu_imposable", "impot_revenu_net",
          "montant_impot", "nombre_parts", "situation_famille", "personnes_a_charge",
          "date_mise_en_recouvrement", "adresse", "revenus")


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    rank = {name: i for i, name in enumerate(_ORDER)}
    return dict(sorted(fields.items(), key=lambda kv: rank.get(kv[0], 99)))
