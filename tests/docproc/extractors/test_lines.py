"""Regressions found on phone photos: line grouping and amounts whose digits OCR dropped."""

from __future__ import annotations

from docproc.extractors.fields import _gap_before_unit
from docproc.models import PageText, Segment


def _page(segments: list[Segment]) -> PageText:
    return PageText(file="p.jpg", page=1, source="ocr", segments=segments)


def test_word_with_descenders_on_a_tilted_row_stays_on_its_line() -> None:
    # "Sur place …" (left column) and "Somme … à payer 694 €" (right column), photo tilted:
    # "payer" sits lower than the row's left end but overlaps its neighbour "à".
    segs = [
        Segment("Sur", 0.068, 0.423, 0.085, 0.430),
        Segment("publiques", 0.32, 0.423, 0.36, 0.434),
        Segment("Somme", 0.522, 0.426, 0.57, 0.434),
        Segment("à", 0.694, 0.427, 0.70, 0.435),
        Segment("payer", 0.707, 0.429, 0.74, 0.438),
        Segment("694", 0.876, 0.426, 0.90, 0.437),
        Segment("Cette", 0.522, 0.454, 0.55, 0.462),
    ]
    lines = _page(segs).lines()
    assert [ln.text for ln in lines] == ["Sur publiques Somme à payer 694", "Cette"]


def test_two_lines_close_together_stay_apart() -> None:
    segs = [Segment("Numéro", 0.07, 0.300, 0.12, 0.307), Segment("Date", 0.07, 0.312, 0.10, 0.319)]
    assert len(_page(segs).lines()) == 2


def test_currency_sign_far_from_the_digits_means_digits_were_lost() -> None:
    lost = [Segment("13", 0.861, 0.563, 0.875, 0.572), Segment("€", 0.916, 0.562, 0.925, 0.572)]
    whole = [
        Segment("13", 0.861, 0.563, 0.875, 0.572),
        Segment("613", 0.879, 0.563, 0.90, 0.572),
        Segment("€", 0.905, 0.562, 0.914, 0.572),
    ]
    assert _gap_before_unit(lost)
    assert not _gap_before_unit(whole)
