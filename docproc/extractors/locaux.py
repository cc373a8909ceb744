"""Lists of an avis d'impôts locaux (taxe foncière): the owners and the properties.

Both follow the spec's ``[proprietaires]`` and ``[biens]`` tables (documents.md §2.3, much of
it [I]) and read by geometry, not by coordinates, so that every edition (2023, 2024, 2025…)
is read by the same rules:

- a line is cut into *cells* where a wide horizontal gap separates two columns (the
  addressee or the amount box printed at the same height as a list is another cell);
- owners are the lines right after a heading such as "Débiteurs légaux" or
  "Propriétaire(s)", in the heading's column, while they look like "PROP/INDIVIS M NOM
  PRENOMS";
- properties are read under "Propriétés bâties" / "Propriétés non bâties" headings, either
  as labelled values ("Commune", "Adresse du bien", "Revenu cadastral", with or without
  their colon, the value in the rest of the cell, in the next cell to the right or in the
  cell under the label) or as a table whose header row holds those labels and whose rows
  below hold one property each (a value belongs to the column it sits under).

A property missing any part leaves the whole list missing: an incomplete list would be a
wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docproc.extractors.values import euros, line_text
from docproc.extractors.view import PageView
from docproc.models import Box, union_box

if TYPE_CHECKING:
    from docproc.extractors.extraction import Extraction
    from docproc.extractors.spec_model import BiensSpec, DocSpec, FieldSpec

BIEN_KEYS = ("commune", "adresse", "nature", "revenu_cadastral")
LABEL_KEYS = ("commune", "adresse", "revenu_cadastral")
#: A horizontal gap wider than this (fraction of the page width) separates two columns.
CELL_GAP = 0.025
#: A list's column reaches this far right of its heading (fraction of the page width).
COLUMN_SPAN = 0.42
#: Lines further apart than this many line heights end a list, a block or a table.
LIST_REACH = 2.6
#: Horizontal tolerance when a value sits under its label or column heading.
COLUMN_SLACK = 0.03


@dataclass(frozen=True)
class Cell:
    """Segments of one line that belong together (no wide gap between them)."""

    line: int
    x0: float
    x1: float
    text: str
    folded: str
    conf: float


def cells(view: PageView, i: int) -> list[Cell]:
    segs = view.lines[i].segments
    groups: list[list[Any]] = []
    for seg in segs:
        if groups and seg.x0 - groups[-1][-1].x1 <= CELL_GAP:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    out = []
    for g in groups:
        text = " ".join(s.text for s in g)
        out.append(
            Cell(i, g[0].x0, max(s.x1 for s in g), text, _fold(text), min(s.conf for s in g))
        )
    return out


def cell_box(view: PageView, c: Cell) -> Box | None:
    """Where a cell is on its page: its segments' box."""
    return union_box(
        s for s in view.lines[c.line].segments if s.x0 >= c.x0 - 1e-9 and s.x1 <= c.x1 + 1e-9
    )


def _fold(text: str) -> str:
    from docproc.text.fold import fold

    return fold(text)


def _height(view: PageView, i: int) -> float:
    return max((s.y1 - s.y0 for s in view.lines[i].segments), default=0.012) or 0.012


def _too_far(view: PageView, last: int, j: int) -> bool:
    return view.lines[j].y - view.lines[last].y > LIST_REACH * _height(view, last) + 0.004


def _overlaps(c: Cell, x0: float, x1: float, slack: float = COLUMN_SLACK) -> bool:
    return c.x1 > x0 - slack and c.x0 < x1 + slack


def proprietaires(
    spec: DocSpec, fs: FieldSpec, views: list[tuple[PageView, int]], out: Extraction
) -> None:
    cfg = spec.proprietaires
    assert cfg is not None  # the loader requires the table for this parser
    for view, number in views:
        for i in range(len(view.lines)):
            for head in cells(view, i):
                if not cfg.start.search(head.folded):
                    continue
                names, conf, boxes = _owners_under(view, i, head, cfg.item)
                if names:
                    out.put(
                        fs.name, names, view, conf, number, union_box(boxes), cell_box(view, head)
                    )
                    return
    out.missing[fs.name] = "liste des propriétaires introuvable"


def _owners_under(
    view: PageView, i: int, head: Cell, item: re.Pattern[str]
) -> tuple[list[str], float, list[Box | None]]:
    """Owner lines under a heading, in its column; lines of other columns only are skipped."""
    names: list[str] = []
    boxes: list[Box | None] = []
    conf, last = 1.0, i
    for j in range(i + 1, len(view.lines)):
        if _too_far(view, last, j):
            break
        row = [c for c in cells(view, j) if head.x0 - COLUMN_SLACK <= c.x0 < head.x0 + COLUMN_SPAN]
        if not row:
            continue
        found = None
        for k in range(len(row), 0, -1):  # the widest run of cells that reads as one owner line
            text = " ".join(c.text for c in row[:k])
            m = item.search(_fold(text))
            if m:
                found = (" ".join(text[m.start("value") : m.end("value")].upper().split()), row[:k])
                break
        if found is None:
            break
        if found[0] not in names:
            names.append(found[0])
        conf = min(conf, *(c.conf for c in found[1]))
        boxes += [cell_box(view, c) for c in found[1]]
        last = j
    return names, conf, boxes


def _relaxed(rx: re.Pattern[str]) -> re.Pattern[str]:
    """A label with or without its trailing colon ("Commune :" or "Commune")."""
    return re.compile(re.sub(r"(?:\\s\*)?:$", "", rx.pattern))


def _label_at_start(rx: re.Pattern[str], c: Cell) -> re.Match[str] | None:
    m = rx.match(c.folded.lstrip())
    return m


def _parse(key: str, text: str) -> Any:
    got: tuple[Any, str] | None = euros(text) if key == "revenu_cadastral" else line_text(text)
    return got[0] if got else None


def _value_of(
    view: PageView, key: str, row: list[Cell], k: int, end: int
) -> tuple[Any, float, Cell] | None:
    """The value of a label ending at ``end`` in cell ``row[k]``: the rest of that cell, else
    the next cell right of it, else the cell under the label."""
    c = row[k]
    rest = c.text[end:]
    value = _parse(key, rest)
    if value is not None:
        return value, c.conf, c
    if k + 1 < len(row):
        value = _parse(key, row[k + 1].text)
        return (value, row[k + 1].conf, row[k + 1]) if value is not None else None
    i = c.line
    for j in range(i + 1, min(i + 3, len(view.lines))):
        if _too_far(view, i, j):
            break
        under = [d for d in cells(view, j) if _overlaps(d, c.x0, c.x1)]
        if under:
            value = _parse(key, under[0].text)
            return (value, under[0].conf, under[0]) if value is not None else None
    return None


def _labels_in(
    row: list[Cell], labels: dict[str, re.Pattern[str]]
) -> list[tuple[int, str, re.Match[str]]]:
    found = []
    for k, c in enumerate(row):
        for key, rx in labels.items():
            m = _label_at_start(rx, c)
            if m:
                found.append((k, key, m))
                break
    return found


def _table_rows(
    view: PageView,
    i: int,
    header: dict[str, Cell],
    cfg: BiensSpec,
    labels: dict[str, re.Pattern[str]],
) -> tuple[list[dict[str, Any]], float, int, list[Box | None]]:
    """Rows under a table header: each cell goes to the column it overlaps most."""
    rows: list[dict[str, Any]] = []
    boxes: list[Box | None] = []
    conf, last = 1.0, i
    for j in range(i + 1, len(view.lines)):
        if _too_far(view, last, j):
            break
        folded = view.folded[j]
        if any(p.search(folded) for p in cfg.stop) or any(
            p.search(c.folded) for c in cells(view, j) for p, _ in cfg.sections
        ):
            break
        row = cells(view, j)
        if _labels_in(row, labels):
            break
        values: dict[str, Any] = {}
        for c in row:
            best = max(header.items(), key=lambda kv: min(c.x1, kv[1].x1) - max(c.x0, kv[1].x0))
            key, col = best
            if not _overlaps(c, col.x0, col.x1) or key in values:
                continue
            value = _parse(key, c.text)
            if value is not None:
                values[key] = value
                conf = min(conf, c.conf)
                boxes.append(cell_box(view, c))
        if not values:
            continue
        rows.append(values)
        last = j
    return rows, conf, last, boxes


def biens(spec: DocSpec, fs: FieldSpec, views: list[tuple[PageView, int]], out: Extraction) -> None:
    cfg = spec.biens
    assert cfg is not None  # the loader requires the table for this parser
    labels = {key: _relaxed(getattr(cfg, key)) for key in LABEL_KEYS}
    items: list[dict[str, Any]] = []
    first: tuple[PageView, int] | None = None
    conf = 1.0
    boxes: list[Box | None] = []  # on the first page that holds items
    heads: list[Box | None] = []
    for view, number in views:
        nature: str | None = None
        commune: str | None = None
        current: dict[str, Any] | None = None
        skip_to = -1
        for i, folded in enumerate(view.folded):
            if i <= skip_to:
                continue
            if any(p.search(folded) for p in cfg.stop):
                nature = commune = current = None
                continue
            row = cells(view, i)
            heading = next((n for c in row for p, n in cfg.sections if p.search(c.folded)), None)
            if heading is not None:
                nature, commune, current = heading, None, None
                continue
            if nature is None:
                continue
            found = _labels_in(row, labels)
            header = {key: row[k] for k, key, m in found if not row[k].text[m.end() :].strip(" :")}
            if len(header) >= 2 and len(header) == len(found) and "adresse" in header:
                table, tconf, skip_to, tboxes = _table_rows(view, i, header, cfg, labels)
                for values in table:
                    commune = values.get("commune", commune)
                    current = {
                        "commune": commune,
                        "adresse": values.get("adresse"),
                        "nature": nature,
                        "revenu_cadastral": values.get("revenu_cadastral"),
                    }
                    items.append(current)
                if table:
                    conf = min(conf, tconf)
                    first = first or (view, number)
                    if first[0] is view:
                        boxes += tboxes
                        heads += [cell_box(view, c) for c in header.values()]
                continue
            for k, key, m in found:
                got = _value_of(view, key, row, k, m.end())
                value = got[0] if got else None
                if key == "commune":
                    commune, current = value, None
                elif key == "adresse":
                    current = {"commune": commune, "adresse": value, "nature": nature}
                    items.append(current)
                elif current is not None and "revenu_cadastral" not in current:
                    current["revenu_cadastral"] = value
                conf = min(conf, got[1] if got else view.lines[i].conf)
                first = first or (view, number)
                if first[0] is view:
                    heads.append(cell_box(view, row[k]))
                    if got:
                        boxes.append(cell_box(view, got[2]))
    if not items:
        out.missing[fs.name] = "détail des biens introuvable"
        return
    if any(item.get(k) is None for item in items for k in BIEN_KEYS):
        out.missing[fs.name] = "détail des biens incomplet"
        return
    assert first is not None
    out.put(
        fs.name,
        [{k: item[k] for k in BIEN_KEYS} for item in items],
        first[0],
        conf,
        first[1],
        union_box(boxes),
        union_box(heads),
    )
