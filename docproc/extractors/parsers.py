"""The ``parser`` fields' readers (a spec names one with ``parser = "…"``): a registry the spec
loader checks names against, kept apart from :mod:`docproc.extractors.fields` so that the
loader, the readers and the fields module import each other in one direction only."""

from __future__ import annotations

from collections.abc import Callable

from docproc.extractors import declarants, locaux, revenus
from docproc.extractors.extraction import Extraction
from docproc.extractors.spec_model import DocSpec, FieldSpec
from docproc.extractors.view import PageView

Pages = list[tuple[PageView, int]]
#: A ``parser`` field's reader: (spec, field, page 1 or None, continuation pages, the pages of
#: the field's ``pages`` key, the extraction to fill).
Parser = Callable[[DocSpec, FieldSpec, PageView | None, Pages, Pages, Extraction], None]


def _declarants(
    spec: DocSpec,
    _fs: FieldSpec,
    first: PageView | None,
    _rest: Pages,
    _views: Pages,
    out: Extraction,
) -> None:
    if first is not None:
        declarants.extract(spec, first, out)


def _revenus(
    spec: DocSpec,
    _fs: FieldSpec,
    _first: PageView | None,
    rest: Pages,
    _views: Pages,
    out: Extraction,
) -> None:
    revenus.extract(spec, rest, out)


def _proprietaires(
    spec: DocSpec,
    fs: FieldSpec,
    _first: PageView | None,
    _rest: Pages,
    views: Pages,
    out: Extraction,
) -> None:
    locaux.proprietaires(spec, fs, views, out)


def _biens(
    spec: DocSpec,
    fs: FieldSpec,
    _first: PageView | None,
    _rest: Pages,
    views: Pages,
    out: Extraction,
) -> None:
    locaux.biens(spec, fs, views, out)


#: The ``parser`` names a spec may use (checked when specs load).
PARSERS: dict[str, Parser] = {
    "declarants": _declarants,
    "revenus": _revenus,
    "proprietaires": _proprietaires,
    "biens": _biens,
}
