"""What each page is: which kind, page 1 or continuation, and its grouping keys."""

from __future__ import annotations

from dataclasses import dataclass

from docproc.extractors.spec import DocSpec, all_specs
from docproc.extractors.values import digits_only, nif_key_ok, numero_fiscal
from docproc.extractors.view import PageView

#: Continuation pages carry their running header above this fraction of the page height.
HEADER_BAND = 0.14


@dataclass(frozen=True)
class PageKey:
    """What grouping needs to know of one page (pure data, unit-testable)."""

    order: int  # position among all pages given together
    file: str
    page: int  # 1-based in its file
    kind: str  # spec kind, or "inconnu"
    role: str  # "first" | "continuation" | "other"
    annee_revenus: int | None = None
    annee_avis: int | None = None
    numero_fiscal: str | None = None
    n: int | None = None
    of: int | None = None


def header_text(view: PageView) -> str:
    return "\n".join(t for t, line in zip(view.folded, view.lines, strict=True) if line.y < HEADER_BAND)


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
                got = numero_fiscal(view.texts[i][m.end():]) if m else None
                if got:
                    return got[0]
    return None


def classify(view: PageView, order: int) -> PageKey:
    page = view.page
    for spec in all_specs():
        text = view.folded_text
        if spec.page1.match(text):
            return PageKey(order, page.file, page.page, spec.kind, "first",
                           _year(spec, "annee_revenus", text), _year(spec, "annee_avis", text),
                           _first_numero(view, spec), 1, None)
        head = header_text(view)
        if spec.continuation.match(head):
            numero = n = of = None
            rx_nf, rx_counter = spec.keys.get("numero_fiscal"), spec.keys.get("counter")
            for line in head.splitlines():
                m = rx_nf.search(line) if rx_nf else None
                if m and numero is None:
                    digits = digits_only(m.group("value"))
                    numero = digits if (page.source == "text" or nif_key_ok(digits)) else None
                c = rx_counter.search(line) if rx_counter else None
                if c and n is None:
                    n, of = int(c.group("n")), int(c.group("of"))
            return PageKey(order, page.file, page.page, spec.kind, "continuation",
                           _year(spec, "annee_revenus", head), _year(spec, "annee_avis", head),
                           numero, n, of)
    return PageKey(order, page.file, page.page, "inconnu", "other")
