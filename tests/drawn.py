"""What the sample generator drew where, to check the boxes of extracted values against it.

The generator records each string and the 2D-Doc it draws (``docproc.samples.page_canvas.Drawn``:
boxes as fractions of the page, origin top-left): these helpers redraw a case's pages and find
where a value was printed. Nothing here hard-codes a coordinate.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from docproc.samples.cases import Case
from docproc.samples.catalog import cases
from docproc.samples.generate import pdf_bytes
from docproc.samples.page_canvas import Drawn

Box = tuple[float, float, float, float]


def case(name: str) -> Case:
    return next(c for c in cases() if c.name == name)


@cache
def drawn_pages(name: str) -> dict[tuple[str, int], Drawn]:
    """(document kind, page number in its document) → what that page drew, for every page of
    the case (the first document of a kind wins)."""
    c = case(name)
    out: dict[tuple[str, int], Drawn] = {}
    for _, pages in c.files:
        drawn: list[Drawn] = []
        pdf_bytes(c, pages, drawn)
        for (doc, n), page in zip(pages, drawn, strict=True):
            out.setdefault((str(getattr(doc, "kind", "")), n), page)
    return out


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def boxes_of(page: Drawn, value: Any) -> list[Box]:
    """Boxes of the strings drawn on a page that print ``value`` (an amount or an identifier:
    the same digits, no letters besides a currency sign)."""
    want = digits(str(value))
    return [
        box
        for text, box in page
        if digits(text) == want and not any(ch.isalpha() for ch in text.replace("EUR", ""))
    ]


def code_box(page: Drawn) -> Box:
    return next(box for text, box in page if text == "<2D-Doc>")


def distance(a: Any, b: Any) -> float:
    """Largest difference between the coordinates of two boxes."""
    return max(abs(float(x) - float(y)) for x, y in zip(a, b, strict=True))


def nearest(candidates: list[Box], box: Any) -> float:
    """Distance from ``box`` to the nearest of ``candidates`` (inf when there is none)."""
    return min((distance(c, box) for c in candidates), default=float("inf"))


def assert_sane(box: Any) -> None:
    """A contract box: four numbers within [0, 1], x0 < x1, y0 < y1, 4 decimals at most."""
    assert isinstance(box, list) and len(box) == 4, box
    assert all(isinstance(v, float | int) and 0.0 <= v <= 1.0 for v in box), box
    assert box[0] < box[2] and box[1] < box[3], box
    assert all(round(v, 4) == v for v in box), box


def assert_every_field_boxed(doc: dict[str, Any]) -> None:
    """Every present field has a sane ``bbox`` (and ``label_bbox`` when given), except a flag
    that is false: its wording is nowhere on the page."""
    for name, value in doc["fields"].items():
        prov = doc["provenance"][name]
        if value is False:
            assert "bbox" not in prov, name
            continue
        assert "bbox" in prov, (name, prov)
        assert_sane(prov["bbox"])
        if "label_bbox" in prov:
            assert_sane(prov["label_bbox"])
        for box in prov.get("numero_fiscal_bbox") or []:
            if box is not None:
                assert_sane(box)


@cache
def sample_result(name: str) -> dict[str, Any]:
    """The contract JSON docproc gives for the sample ``name`` (read once per test run)."""
    import json
    from datetime import date

    from docproc import qa
    from docproc.models import Upload
    from docproc.pipeline import extract
    from tests.paths import SAMPLES

    exp = SAMPLES / f"{name}.expected.json"
    want = json.loads(exp.read_text(encoding="utf-8"))
    uploads = [Upload(p.name, p.read_bytes()) for p in qa.sample_inputs(exp, want)]
    return extract(uploads, date.fromisoformat(want["request_date"])).to_contract()


def sample_avis(name: str) -> dict[str, Any]:
    """The avis d'impôt of the sample ``name``, as docproc reads it."""
    return next(d for d in sample_result(name)["documents"] if d["kind"] == "avis_impot_revenu")
