"""Fixtures for the OCR tests: the synthetic page, clean and degraded (session-cached)."""

from __future__ import annotations

import pytest
from PIL import Image

from docproc.samples import degrade
from tests.docproc.text.pages import make_avis_pdf, render_300


@pytest.fixture(scope="session")
def avis_pdf() -> bytes:
    return make_avis_pdf()


@pytest.fixture(scope="session")
def avis_300(avis_pdf: bytes) -> Image.Image:
    return render_300(avis_pdf)


@pytest.fixture(scope="session")
def scans(avis_300: Image.Image) -> dict[int, Image.Image]:
    """Scans of the page with a few seeds (200, 240 and 300 dpi among them)."""
    return {seed: degrade.scan(avis_300, seed) for seed in (1, 4, 11)}


@pytest.fixture(scope="session")
def photos(avis_300: Image.Image) -> dict[int, Image.Image]:
    return {seed: degrade.photo(avis_300, seed) for seed in (2, 5, 14)}
