"""The real DGFiP layout of the sample generator: deterministic, varied, coloured like the real pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from docproc.samples import dgfip_layout
from docproc.samples.cases import Case
from docproc.samples.catalog import cases
from docproc.samples.dgfip_style import WORDINGS, DgfipAvis, Style
from docproc.samples.generate import _render_pages, expected_documents, pdf_bytes, write_case

FAMILIES = {"text", "scan", "photo", "screenshot", "variation"}


def _real() -> list[Case]:
    return [c for c in cases() if c.name.startswith("reel_")]


def _doc(case: Case) -> DgfipAvis:
    doc = case.files[0][1][0][0]
    assert isinstance(doc, DgfipAvis)
    return doc


def test_every_new_case_has_a_family() -> None:
    real = _real()
    assert len(real) >= 20
    assert {c.family for c in real} == FAMILIES
    for c in real:
        assert c.family in FAMILIES, c.name
        assert c.variant == ("text" if c.family in ("text", "variation") else c.family), c.name
    assert all(c.family is None for c in cases() if not c.name.startswith("reel_"))


def test_ocr_pages_stay_few() -> None:
    pages = sum(len(p) for c in _real() if c.variant != "text" for _, p in c.files)
    assert pages <= 30


def test_text_generation_is_deterministic() -> None:
    for case in _real():
        if case.variant != "text":
            continue
        pages = case.files[0][1]
        assert pdf_bytes(case, pages) == pdf_bytes(case, pages), case.name


def test_screenshot_generation_is_deterministic(tmp_path: Path) -> None:
    case = next(c for c in _real() if c.variant == "screenshot")
    first = [p.read_bytes() for p in write_case(case, tmp_path / "a") if p.suffix == ".png"]
    second = [p.read_bytes() for p in write_case(case, tmp_path / "b") if p.suffix == ".png"]
    assert first and first == second


def test_variation_really_varies() -> None:
    one, two = Style.variation(1), Style.variation(2)
    assert one.labels != two.labels
    assert (one.left_dx, one.right_dy, one.addr_dx) != (two.left_dx, two.right_dy, two.addr_dx)
    assert Style.variation(3) == Style.variation(3)  # seeded
    docs = [_doc(c) for c in _real() if c.family == "variation"]
    assert len({frozenset(dgfip_layout.labels_used(d)) for d in docs}) == len(docs)


def test_variations_cover_every_wording() -> None:
    docs = [_doc(c) for c in _real() if c.family == "variation"]
    for key, options in WORDINGS.items():
        if key in ("payment", "refund"):
            shown = {
                d.style.labels[key] for d in docs if (d.montant_impot < 0) == (key == "refund")
            }
        else:
            shown = {d.style.labels[key] for d in docs}
        assert shown == set(options), key
    assert {d.style.sep for d in docs} == {" ", "\u00a0", "\u202f"}
    assert {d.style.font for d in docs} == {"helvetica", "times", "dejavu"}
    assert all(d.style.font == "dejavu" for d in docs if d.style.sep == "\u202f")


def test_wording_stays_in_the_closed_lists() -> None:
    for seed in range(40):
        st = Style.variation(seed)
        for key, value in st.labels.items():
            assert value in WORDINGS[key]
        assert -1.5 <= st.size <= 1.5


def _page1(case: Case) -> Any:
    return np.asarray(
        _render_pages(pdf_bytes(case, case.files[0][1][:1]), dpi=100, grayscale=False)[0].convert(
            "RGB"
        ),
        dtype=np.int16,
    )


@pytest.mark.parametrize(
    "name",
    [
        "reel_avis_2025_couple_4p",
        "reel_asdir_2025_valant_avis",
        "reel_variation2_avis_2024_famille_3p",
    ],
)
def test_page1_has_white_text_on_blue_banners(name: str) -> None:
    case = next(c for c in _real() if c.name == name)
    rgb = _page1(case)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    blue = (b > 110) & (b - r > 50) & (b - g > 25)
    assert blue.sum() > 2000
    white = (r > 230) & (g > 230) & (b > 230)
    text_rows = 0
    for y in np.nonzero(blue.sum(axis=1) > 80)[0]:  # rows crossing a banner
        xs = np.nonzero(blue[y])[0]
        span = slice(xs.min(), xs.max() + 1)
        if blue[y, span].mean() > 0.6 and white[y, span].sum() >= 3:
            text_rows += 1  # white glyph strokes between blue pixels
    assert text_rows >= 10


def test_expected_fields_follow_the_pages_given() -> None:
    shot = next(c for c in _real() if c.name == "reel_screenshot_avis_2025_page1_seule")
    (doc,) = expected_documents(shot)
    assert doc["complete"] is False and "revenus" not in doc["fields"]
    assert "montant_impot" in doc["fields"]
    family = next(c for c in _real() if c.name == "reel_avis_2023_famille_3p")
    (doc,) = expected_documents(family)
    assert {"categorie": "salaires", "declarant": None, "montant": 2150} in doc["fields"][
        "revenus"
    ]  # PAC column
    assert doc["complete"] is True
