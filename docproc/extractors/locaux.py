"""Lists of an avis d'impôts locaux (taxe foncière): the owners and the properties.

Both follow the spec's ``[proprietaires]`` and ``[biens]`` tables (documents.md §2.3, much of
it [I]): owners are the lines right after a heading such as "Débiteurs légaux" while they
look like "PROP/INDIVIS M NOM PRENOMS"; properties are read under "Propriétés bâties" /
"Propriétés non bâties" headings, one per "Adresse du bien", in the commune last named, with
the "Revenu cadastral" that follows. A property missing any part leaves the whole list
missing: an incomplete list would be a wrong one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docproc.extractors.values import euros, line_text
from docproc.extractors.view import PageView

if TYPE_CHECKING:
    from docproc.extractors.fields import Extraction
    from docproc.extractors.spec import DocSpec, FieldSpec

BIEN_KEYS = ("commune", "adresse", "nature", "revenu_cadastral")


def proprietaires(spec: DocSpec, fs: FieldSpec, views: list[tuple[PageView, int]], out: Extraction) -> None:
    cfg = spec.proprietaires
    assert cfg is not None  # the loader requires the table for this parser
    for view, number in views:
        for i, folded in enumerate(view.folded):
            if not cfg.start.search(folded):
                continue
            names: list[str] = []
            conf = 1.0
            for j in range(i + 1, len(view.lines)):
                m = cfg.item.search(view.folded[j])
                if not m:
                    break
                name = " ".join(view.texts[j][m.start("value"):m.end("value")].upper().split())
                if name not in names:
                    names.append(name)
                conf = min(conf, view.lines[j].conf)
            if names:
                out.put(fs.name, names, view, conf, number)
                return
    out.missing[fs.name] = "liste des propriétaires introuvable"


def biens(spec: DocSpec, fs: FieldSpec, views: list[tuple[PageView, int]], out: Extraction) -> None:
    cfg = spec.biens
    assert cfg is not None  # the loader requires the table for this parser
    items: list[dict[str, Any]] = []
    first: tuple[PageView, int] | None = None
    conf = 1.0
    for view, number in views:
        nature: str | None = None
        commune: str | None = None
        current: dict[str, Any] | None = None
        for i, folded in enumerate(view.folded):
            if any(p.search(folded) for p in cfg.stop):
                nature = commune = current = None
                continue
            heading = next((n for p, n in cfg.sections if p.search(folded)), None)
            if heading is not None:
                nature, commune, current = heading, None, None
                continue
            if nature is None:
                continue
            for key, pattern in (("commune", cfg.commune), ("adresse", cfg.adresse),
                                 ("revenu_cadastral", cfg.revenu_cadastral)):
                m = pattern.search(folded)
                if not m:
                    continue
                rest = view.texts[i][m.end():]
                got: tuple[Any, str] | None = euros(rest) if key == "revenu_cadastral" else line_text(rest)
                value = got[0] if got else None
                if key == "commune":
                    commune, current = value, None
                elif key == "adresse":
                    current = {"commune": commune, "adresse": value, "nature": nature}
                    items.append(current)
                elif current is not None and "revenu_cadastral" not in current:
                    current["revenu_cadastral"] = value
                conf = min(conf, view.lines[i].conf)
                first = first or (view, number)
                break
    if not items:
        out.missing[fs.name] = "détail des biens introuvable"
        return
    if any(item.get(k) is None for item in items for k in BIEN_KEYS):
        out.missing[fs.name] = "détail des biens incomplet"
        return
    assert first is not None
    out.put(fs.name, [{k: item[k] for k in BIEN_KEYS} for item in items], first[0], conf, first[1])
