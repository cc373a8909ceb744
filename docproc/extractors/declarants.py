"""The déclarants of an avis: names from the addressee block, numbers from "Vos références".

The addressee block prints déclarant 1 on a line that starts with a civility, then
déclarant 2 on a line that starts with "OU " (documents.md §1.2). ``identite`` is the name as
printed without the civility; ``nom`` is the family name (first word, or first words when
they start with a particle such as LE or DE), ``prenoms`` the rest.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from docproc.extractors.view import PageView
from docproc.models import Box, union_box
from docproc.text.fold import fold

if TYPE_CHECKING:
    from docproc.extractors.extraction import Extraction
    from docproc.extractors.spec_model import DocSpec


def split_name(identite: str, particles: Collection[str]) -> tuple[str, str]:
    words = identite.split()
    i = 0
    while i < len(words) - 1 and words[i] in particles:
        i += 1
    nom = " ".join(words[: i + 1])
    return nom, " ".join(words[i + 1 :])


def find_names(
    view: PageView, civilities: list[str], second: str, min_x: float
) -> list[tuple[str, int, Box | None]]:
    """Déclarant 1 on a line starting with a civility, then "OU" + déclarant 2 on the next
    such line. A name line may share its row with something on its left (the "2D-DOC"
    caption, a heading of the left column): it is read from its civility on, wherever
    that stands right of ``min_x``. Each name comes with its line and the box of what was
    read on that line from the civility on."""
    civ = "|".join(re.escape(c) for c in sorted(civilities, key=len, reverse=True))
    rx = re.compile(
        rf"^(?P<ou>{re.escape(second)}\s+)?(?:{civ})\s+(?P<name>[A-Z][A-Z' -]+[A-Z])\s*$"
    )
    names: list[tuple[str, int, Box | None]] = []
    for i, line in enumerate(view.lines):
        m, text, k = None, "", 0
        for k, seg in enumerate(line.segments):
            if seg.x0 < min_x:
                continue
            text = " ".join(fold(" ".join(s.text for s in line.segments[k:])).split())
            m = rx.match(text)
            if m:
                break
        if not m:
            continue
        if not names and m.group("ou"):
            continue
        if names and not m.group("ou"):
            break
        start = m.start("name")
        names.append((text[start : m.end("name")], i, union_box(line.segments[k:])))
        if len(names) == 2:
            break
    return names


def extract(spec: DocSpec, view: PageView, out: Extraction) -> None:
    cfg = spec.declarants
    names = find_names(
        view,
        list(cfg.get("civilities", [])),
        str(cfg.get("second_prefix", "OU")),
        float(cfg.get("min_x", 0.45)),
    )
    if not names:
        out.missing["declarants"] = "noms des déclarants introuvables"
        return
    particles = set(cfg.get("particles", []))
    numbers = [out.fields.get("_nf1"), out.fields.get("_nf2")]
    if numbers[1] and len(names) < 2:
        # A second déclarant's number is printed but only one name was read: which name
        # goes with which number is unknown, so neither is given.
        out.missing["declarants"] = "nom du second déclarant illisible"
        return
    if numbers[1] == numbers[0]:
        numbers[1] = None
    people: list[dict[str, Any]] = []
    conf = 1.0
    for k, (identite, line, _) in enumerate(names):
        nom, prenoms = split_name(identite, particles)
        person: dict[str, Any] = {"nom": nom, "prenoms": prenoms, "identite": identite}
        if numbers[k]:
            person["numero_fiscal"] = numbers[k]
        people.append(person)
        conf = min(conf, view.lines[line].conf)
    out.put("declarants", people, view, conf, 1, union_box(box for _, _, box in names))
    numero_boxes = [_bbox(out, f"_nf{k + 1}") if numbers[k] else None for k in range(len(people))]
    if any(numero_boxes):
        out.provenance["declarants"].numero_fiscal_bbox = numero_boxes
    postal = postal_address(view, names[-1][1], float(cfg.get("min_x", 0.45)))
    if postal:
        out.fields["_adresse_postale"] = postal


def _bbox(out: Extraction, name: str) -> list[float] | None:
    where = out.provenance.get(name)
    return where.bbox if where is not None else None


#: The addressee's address has at most this many lines under the names.
POSTAL_LINES = 3


def postal_address(view: PageView, last_name_line: int, min_x: float) -> str | None:
    """The address lines printed under the addressee's names, in their column."""
    x0 = min((s.x0 for s in view.lines[last_name_line].segments if s.x0 >= min_x), default=None)
    if x0 is None:
        return None
    taken: list[str] = []
    last_y = view.lines[last_name_line].y
    height = max(s.y1 - s.y0 for s in view.lines[last_name_line].segments)
    for line in view.lines[last_name_line + 1 :]:
        if len(taken) >= POSTAL_LINES or line.y - last_y > 2.2 * height:
            break
        segs = [s for s in line.segments if s.x0 >= x0 - 0.03]
        if not segs or abs(segs[0].x0 - x0) > 0.03:
            continue
        taken.append(" ".join(" ".join(s.text for s in segs).split()))
        last_y = line.y
    return " ".join(taken) or None
