"""What each page is: which kind, page 1 or continuation, and its grouping keys.

Each spec lists weighted signals (titles, labels only page 1 carries, the running header of
continuation pages, wordings against the kind); the legacy ``page1`` / ``continuation``
markers count as strong signals, a "n/N" counter in the header band as evidence of a
continuation page, and a 2D-Doc of one of the kind's document types as evidence of its
page 1. No single signal is required: OCR may lose any heading without changing the
decision. Every decision keeps the names of the signals that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docproc.code_hints import code_hint
from docproc.extractors.spec import all_specs
from docproc.extractors.spec_model import DocSpec
from docproc.extractors.values import digits_only, nif_key_ok, numero_fiscal
from docproc.extractors.view import PageView
from docproc.models import PageKey

#: Continuation pages carry their running header above this fraction of the page height.
HEADER_BAND = 0.14
#: Weight of the legacy markers and of the page's own evidence sources.
MARKERS_WEIGHT = 5.0
COUNTER_WEIGHT = 3.0
TWODDOC_WEIGHT = 6.0
#: Page-1 evidence a page needs to be taken for page 1 rather than a continuation.
MIN_FIRST = 2.0


@dataclass
class _Score:
    kind: float = 0.0
    first: float = 0.0
    continuation: float = 0.0
    names: list[str] = field(default_factory=list)

    def add(self, name: str, weight: float, role: str = "kind") -> None:
        self.kind += weight
        if role == "first":
            self.first += weight
        elif role == "continuation":
            self.continuation += weight
        self.names.append(name if weight >= 0 else f"contre:{name}")


def header_text(view: PageView) -> str:
    return "\n".join(
        t for t, line in zip(view.folded, view.lines, strict=True) if line.y < HEADER_BAND
    )


def _year(spec: DocSpec, name: str, text: str) -> int | None:
    rx = spec.keys.get(name)
    m = rx.search(text) if rx else None
    return int(m.group("value")) if m else None


def _first_numero(view: PageView, spec: DocSpec) -> str | None:
    for fs in spec.fields:
        if fs.name != "_nf1":
            continue
        for pattern in fs.labels:
            for i, text in enumerate(view.folded):
                m = pattern.search(text)
                got = numero_fiscal(view.texts[i][m.end() :]) if m else None
                if got and _plausible_numero(got[0], view):
                    return got[0]
    return None


def _plausible_numero(digits: str, view: PageView) -> bool:
    """A numéro fiscal good enough to group pages by: never a zeroed (anonymised) one, and on
    OCR only when its key is right."""
    if len(set(digits)) <= 1:
        return False
    return view.page.source == "text" or nif_key_ok(digits)


def _counter(spec: DocSpec, head: str) -> tuple[int, int] | None:
    rx = spec.keys.get("counter")
    if rx is None:
        return None
    for line in head.splitlines():
        c = rx.search(line)
        if c and 1 <= int(c.group("n")) <= int(c.group("of")) <= 12:
            return int(c.group("n")), int(c.group("of"))
    return None


def _code_hint(view: PageView) -> Any:
    payload = getattr(view.page, "twoddoc", None)
    if not payload:
        return None
    return code_hint(payload)


def _score(spec: DocSpec, view: PageView, head: str, hint: Any) -> _Score:
    text = view.folded_text
    sc = _Score()
    for sig in spec.classify.signals:
        where = head if sig.zone == "header" else text
        if sig.pattern.search(where):
            sc.add(sig.name, sig.weight, sig.role)
    if spec.page1.match(text):
        sc.add("marqueurs_page1", MARKERS_WEIGHT, "first")
    if spec.continuation.match(head):
        sc.add("marqueurs_entete", MARKERS_WEIGHT - 1, "continuation")
    if _counter(spec, head) is not None and sc.kind > 0:
        sc.add("compteur_n_sur_N", COUNTER_WEIGHT, "continuation")
    if hint is not None and hint.doc_type in spec.classify.twoddoc_types:
        sc.add(f"2ddoc_type_{hint.doc_type}", TWODDOC_WEIGHT, "first")
    return sc


def classify(view: PageView, order: int) -> PageKey:
    page = view.page
    head = header_text(view)
    hint = _code_hint(view)
    best: tuple[tuple[float, int], DocSpec, _Score] | None = None
    for spec in all_specs():
        sc = _score(spec, view, head, hint)
        if sc.kind < spec.classify.min_score:
            continue
        rank = (sc.kind, -spec.classify.priority)
        if best is None or rank > best[0]:
            best = (rank, spec, sc)
    if best is None:
        return PageKey(
            order,
            page.file,
            page.page,
            "inconnu",
            "other",
            signals=("aucun_type_reconnu",),
            score=0.0,
        )
    _, spec, sc = best
    paged = "counter" in spec.keys
    text = view.folded_text
    counter = _counter(spec, head)
    is_first = not paged or (sc.first >= MIN_FIRST and sc.first >= sc.continuation)
    names = tuple(sc.names)
    if is_first:
        revenus = _year(spec, "annee_revenus", text)
        avis = _year(spec, "annee_avis", text)
        numero = _first_numero(view, spec)
        if hint is not None and hint.doc_type in spec.classify.twoddoc_types:
            revenus = revenus or hint.annee_revenus
            avis = avis or hint.annee_avis
            numero = numero or hint.numero_fiscal
        return PageKey(
            order,
            page.file,
            page.page,
            spec.kind,
            "first",
            revenus,
            avis,
            numero,
            1,
            None,
            names,
            sc.kind,
        )
    numero = None
    rx_nf = spec.keys.get("numero_fiscal")
    for line in head.splitlines():
        m = rx_nf.search(line) if rx_nf else None
        if m:
            digits = digits_only(m.group("value"))
            numero = digits if _plausible_numero(digits, view) else None
            break
    n, of = counter if counter else (None, None)
    return PageKey(
        order,
        page.file,
        page.page,
        spec.kind,
        "continuation",
        _year(spec, "annee_revenus", head) or _year(spec, "annee_revenus", text),
        _year(spec, "annee_avis", head) or _year(spec, "annee_avis", text),
        numero,
        n,
        of,
        names,
        sc.kind,
    )
