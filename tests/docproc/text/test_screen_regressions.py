"""Regressions found on the 72-dpi browser captures of the real-layout samples."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docproc.text import shading
from docproc.text.fold import fold
from docproc.text.images import load_images
from docproc.text.ocr import ocr_images
from docproc.text.second_look import _same_place
from tests.conftest import SAMPLES

pytestmark = pytest.mark.ocr

SCREEN = SAMPLES / "reel_screenshot_avis_2024_seul_2p_rembourse" / "avis_page1.png"


def test_same_place_is_overlap_on_both_axes() -> None:
    assert _same_place(("a", 10, 10, 50, 30, 90.0), ("a", 12, 11, 52, 29, 80.0))
    assert not _same_place(("a", 10, 10, 50, 30, 90.0), ("b", 55, 10, 90, 30, 80.0))
    assert not _same_place(("a", 10, 10, 50, 30, 90.0), ("b", 10, 40, 50, 60, 80.0))


def test_banner_just_above_bold_digits_is_still_a_banner() -> None:
    # The refund banner and the bold "606 €" of the row under it were joined by the closing
    # step into one shape that is no rectangle, and the banner was not read.
    page = Image.new("L", (1600, 1200), 250)
    draw = ImageDraw.Draw(page)
    draw.rectangle((600, 400, 1500, 452), fill=110)
    font = ImageFont.load_default(size=30)
    draw.text((900, 408), "Somme qui vous sera remboursée", fill=255, font=font)
    draw.text((1380, 466), "606 €", fill=20, font=ImageFont.load_default(size=34))
    boxes = shading.shaded_regions(np.asarray(page), 16.0)
    assert any(x0 <= 610 and y0 <= 410 and x1 >= 1490 and y1 >= 445 for x0, y0, x1, y1 in boxes)


@pytest.fixture(scope="module")
def screen_text() -> str:
    page = ocr_images(load_images(SCREEN.read_bytes(), "image/png"), SCREEN.name)[0]
    return fold(page.text)


def test_white_banner_of_a_capture_is_read(screen_text: str) -> None:
    assert "SOMME QUI VOUS SERA REMBOURSEE" in screen_text


def test_second_look_never_reads_a_word_twice(screen_text: str) -> None:
    # Re-reading an unsure word with a margin took in its neighbour: "01/01/2024 01/01/2024 : :".
    assert "01/01/2024 01/01/2024" not in screen_text
    assert "19H 19H" not in screen_text
