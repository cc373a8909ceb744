"""The "Détail des revenus" table: amounts by category and by déclarant.

Columns are located from the header row (Déclarant 1 / Déclarant 2 / Foyer); each amount
goes to the column whose right edge is nearest its own (amounts are right-aligned). Row
labels come from the spec and are matched exactly on text layers, fuzzily on OCR.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from docproc.extractors.values import euros
from docproc.extractors.view import PageView
from docproc.models import Box, Segment, union_box

if TYPE_CHECKING:
    from docproc.extractors.extraction import Extraction
    from docproc.extractors.spec_model import DocSpec

_NUMERIC = re.compile(
    r"^[-−–]?[0-9OolIS|B]{1,3}(?:[ \u00a0\u202f][0-9OolIS|B]{3})*(?:,\d\d)?$|^[-−–]?\d+$"
)
#: Gap (fraction of page width) under which two numeric words form one amount ("31" "250").
_JOIN_GAP = 0.014
#: Farthest an amount's right edge may be from its column's.
_COLUMN_TOLERANCE = 0.06


def amounts(segments: list[Segment]) -> list[tuple[int, float, float]]:
    """(value, right edge, confidence) of each amount, joining thousands groups split by OCR."""
    groups: list[list[Segment]] = []
    for seg in segments:
        text = seg.text.strip("€ ")
        if not text or not _NUMERIC.match(text):
            continue
        if groups and seg.x0 - groups[-1][-1].x1 < _JOIN_GAP and len(text) == 3 and text.isdigit():
            groups[-1].append(seg)
        else:
            groups.append([seg])
    out = []
    for g in groups:
        got = euros(" ".join(s.text.strip("€ ") for s in g))
        if got:
            out.append((got[0], g[-1].x1, min(s.conf for s in g)))
    return out


def _columns(
    view: PageView, line: int, names: dict[str, int], ordinal: str | None = None
) -> list[tuple[int, float]]:
    """(déclarant number, right edge) of each column header found on the line; several
    headers may share a number (0: the foyer and the persons in charge).

    A header whose number OCR lost ("Déclarant" alone) takes it from its neighbours: left of
    "Déclarant 2" it is déclarant 1, right of "Déclarant 1" déclarant 2; with neither, it
    is not a column (an amount under it then fits none, and the table is not given).
    """
    text = view.folded[line]
    cols: list[tuple[int, float]] = []
    for name, number in names.items():
        pos = text.find(name)
        if pos >= 0:
            cols.append((number, view.x_at(line, pos + len(name))))
    if ordinal:
        numbered = [(n, x) for n, x in cols if n > 0]
        for m in re.finditer(rf"{re.escape(ordinal)}(?!\s*\d)", text):
            x = view.x_at(line, m.end())
            left = [n for n, nx in numbered if nx < x]
            right = [n for n, nx in numbered if nx > x]
            guess = (
                (min(right) - 1)
                if right and not left
                else (max(left) + 1)
                if left and not right
                else 0
            )
            if guess in (1, 2) and guess not in {n for n, _ in numbered}:
                cols.append((guess, x))
    return cols


#: What may follow a row's label: nothing, a colon, dot leaders or the amounts — not more
#: words ("SALAIRES, PENSIONS, RENTES NETS" is no "SALAIRES" row: left out, never misfiled).
_AFTER_LABEL = re.compile(r"\s*(?:$|:|\.{2,}|[-−–\d€(])")


def _row_category(folded: str, rows: dict[str, str], fuzzy: bool) -> tuple[str, int] | None:
    for label, cat in rows.items():
        if folded.startswith(label) and _AFTER_LABEL.match(folded, len(label)):
            return cat, len(label)
    if fuzzy:
        from rapidfuzz import fuzz  # OCR text only

        for label, cat in rows.items():
            if fuzz.ratio(label, folded[: len(label)]) >= 88 and _AFTER_LABEL.match(
                folded, len(label)
            ):
                return cat, len(label)
    return None


def _starts(folded: str, labels: list[str], fuzzy: bool) -> bool:
    """The line starts with one of the labels (fuzzily on OCR: "DEDUETION 10 %")."""
    if not fuzzy:
        return any(folded.startswith(lab) for lab in labels)
    from rapidfuzz import fuzz

    return any(
        folded.startswith(lab) or fuzz.ratio(lab, folded[: len(lab)]) >= 88 for lab in labels
    )


def extract(spec: DocSpec, pages: list[tuple[PageView, int]], out: Extraction) -> None:
    """Every amount of the table goes to a row and a column, or the table is not given: a
    list that silently lacks a line would be a wrong value, not a missing one."""
    cfg = spec.revenus
    rows: dict[str, str] = dict(cfg["rows"])
    names: dict[str, int] = dict(cfg["columns"])
    stops = [str(s) for s in cfg.get("stop", [])]
    ignore = [str(s) for s in cfg.get("ignore", [])]
    found: list[dict[str, Any]] = []
    confidence, where, unplaced = 1.0, None, False
    rows_box: list[Box | None] = []
    heading: Box | None = None
    for view, number in pages:
        fuzzy = view.page.source == "ocr"
        # The table starts under its heading, or — when OCR lost the heading (a banner) —
        # at its row of column headers.
        titled = [i for i, t in enumerate(view.folded) if cfg["start"] in t]
        starts = titled or [
            i - 1 for i, t in enumerate(view.folded) if sum(n in t for n in names) >= 3
        ]
        if not starts:
            continue
        cols: list[tuple[int, float]] = []
        for i in range(starts[0] + 1, len(view.lines)):
            text = view.folded[i].strip()
            if not cols:
                cols = (
                    _columns(view, i, names, cfg.get("ordinal"))
                    if sum(n in text for n in names) >= 2
                    else []
                )
                continue
            if _starts(text, stops, fuzzy):
                break
            if _starts(text, ignore, fuzzy):
                continue
            row = _row_category(text, rows, fuzzy)
            if row is None:
                unplaced = unplaced or bool(amounts(list(view.lines[i].segments)))
                continue
            cat, label_len = row
            label_x = view.x_at(i, label_len)
            segs = [s for s in view.lines[i].segments if s.x0 >= label_x - 0.001]
            for value, right, conf in amounts(segs):
                column, edge = min(cols, key=lambda c: abs(c[1] - right))
                if abs(edge - right) > _COLUMN_TOLERANCE:
                    unplaced = True
                    continue
                found.append({"categorie": cat, "declarant": column or None, "montant": value})
                confidence = min(confidence, conf)
            rows_box.append(view.line_box(i))
            if titled and heading is None:
                t = titled[0]
                at = view.folded[t].find(cfg["start"])
                heading = view.line_box(t, at, at + len(cfg["start"]))
            where = (view, number)
        if where or unplaced:
            break
    if unplaced:
        out.missing["revenus"] = "une ligne du détail des revenus n'a pas pu être lue en entier"
        return
    if where is None:
        out.missing["revenus"] = "tableau « Détail des revenus » introuvable"
        return
    out.put("revenus", found, where[0], confidence, where[1], union_box(rows_box), heading)
