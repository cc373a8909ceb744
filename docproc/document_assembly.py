"""One group of pages → its fields (spec-driven), then → the contract document with checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from docproc.checks import documents as doc_checks
from docproc.checks import status
from docproc.extractors import fields as field_extraction
from docproc.extractors.extraction import Extraction, Provenance, provenance_entry
from docproc.extractors.spec import all_specs, derived, paged_kinds, spec_for
from docproc.extractors.spec_model import DocSpec
from docproc.extractors.view import PageView
from docproc.models import Group, PageKey, union_box
from docproc.results import DocumentPage, DocumentResult
from docproc.twoddoc_step import Signed

#: Grouping keys of paged kinds that are also fields, first in the output.
PAGE_KEY_FIELDS = ("annee_revenus", "annee_avis")


def read_fields(g: Group, views: list[PageView]) -> Extraction:
    """The fields printed on the group's pages, with provenance and missing reasons."""
    spec = spec_for(g.kind)
    if g.kind not in paged_kinds() or spec is None:
        return _unpaged_fields(g, views)
    first = views[g.first.order] if g.first else None
    rest = [(views[k.order], k.n or 0) for k in g.pages if k.role == "continuation"]
    ex = field_extraction.extract(spec, first, rest)
    for name in PAGE_KEY_FIELDS:
        source = next((k for k in g.pages if getattr(k, name)), None)
        if source is not None:
            ex.fields[name] = getattr(source, name)
            ex.provenance[name] = _key_provenance(
                spec,
                name,
                getattr(source, name),
                views[source.order],
                1 if source.role == "first" else source.n or 0,
            )
    return ex


def _key_provenance(spec: DocSpec, name: str, value: Any, view: PageView, page: int) -> Provenance:
    """Where a grouping key (a year) was read: its words on the page, else the page's 2D-Doc
    when the classifier took it from the code."""
    rx = spec.keys.get(name)
    for m in rx.finditer(view.folded_text) if rx else ():
        if m.group("value").isdigit() and int(m.group("value")) == value:
            start, end = m.span("value")
            label = union_box(
                [
                    view.box_in(m.start(), start) if start > m.start() else None,
                    view.box_in(end, m.end()) if m.end() > end else None,
                ]
            )
            box = view.box_in(start, end)
            return provenance_entry(view.page.source, page, 1.0, box, label, view.page.to_file)
    if view.page.twoddoc_box is not None:
        return provenance_entry(
            "2ddoc", page, 1.0, view.page.twoddoc_box, to_file=view.page.to_file
        )
    return provenance_entry(view.page.source, page, 1.0)


def _unpaged_fields(g: Group, views: list[PageView]) -> Extraction:
    """A document of one file without page counters: its pages in order, the first as page 1."""
    spec = spec_for(g.kind)
    if spec is None or not spec.fields or not g.pages:
        return Extraction()
    ordered = [(views[k.order], i + 1) for i, k in enumerate(g.pages)]
    return field_extraction.extract(spec, ordered[0][0], ordered[1:])


def _page_entry(k: PageKey, g: Group) -> DocumentPage:
    return DocumentPage(k.file, k.page, 1 if k.role == "first" else k.n, g.total)


def apply_signed(ex: Extraction, signed: Signed | None) -> Extraction:
    """The fields once the 2D-Doc's corrections are applied (a value misread by OCR replaced
    by the signed one, a value the print does not give taken from the code), in the order
    the code's step found them. ``ex`` is left as it was."""
    if signed is None or not signed.corrections:
        return ex
    out = Extraction(dict(ex.fields), dict(ex.provenance), dict(ex.missing))
    for fix in signed.corrections:
        out.fields[fix.name] = fix.value
        out.missing.pop(fix.name, None)
        out.provenance[fix.name] = fix.provenance
    return out


def assemble(
    g: Group, views: list[PageView], ex: Extraction, signed: Signed | None, request_date: date
) -> DocumentResult:
    """The contract §3 document: fields, provenance, checks and the status they imply."""
    specimen = any("SPECIMEN" in views[k.order].folded_text for k in g.pages)
    facts = doc_checks.DocFacts(
        g.kind, g, ex.fields, ex.missing, request_date, specimen, spec_for(g.kind)
    )
    checks = doc_checks.run(facts) + (signed.checks if signed else [])
    return DocumentResult(
        kind=g.kind,
        status=status(checks),
        pages=[_page_entry(k, g) for k in g.pages],
        complete=g.complete if g.kind in paged_kinds() else True,
        missing_pages=g.missing,
        fields=_ordered(g.kind, ex.fields),
        provenance=ex.provenance,
        missing_fields=ex.missing,
        checks=checks,
        classified=g.pages + g.duplicates,
        twoddoc=signed.contract if signed else None,
    )


@derived
def _field_orders() -> dict[str, dict[str, int]]:
    """Rank of each field in the output: the grouping keys, then the kind's spec field order;
    fields of other specs after (first spec first), as a fallback."""
    everywhere = list(PAGE_KEY_FIELDS)
    for spec in all_specs():
        everywhere += [
            f.name for f in spec.fields if f.name not in everywhere and not f.name.startswith("_")
        ]
    orders = {}
    for spec in all_specs():
        names = list(PAGE_KEY_FIELDS)
        names += [f.name for f in spec.fields if f.name not in names and not f.name.startswith("_")]
        names += [n for n in everywhere if n not in names]
        orders[spec.kind] = {name: i for i, name in enumerate(names)}
    orders[""] = {name: i for i, name in enumerate(everywhere)}
    return orders


def _ordered(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    orders = _field_orders()
    rank = orders.get(kind, orders[""])
    return dict(sorted(fields.items(), key=lambda kv: rank.get(kv[0], len(rank))))
