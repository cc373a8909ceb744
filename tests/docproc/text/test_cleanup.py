"""Page clean-up without Tesseract: sheet, direction, skew, scale, blank pages, blur."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from docproc.text import cleanup, sheet


def test_sheet_found_in_a_photo_and_flattened_to_a4(photos: dict[int, Image.Image]) -> None:
    for photo in photos.values():
        grey = photo.convert("L")
        quad = sheet.find_sheet(np.asarray(grey))
        assert quad is not None
        page = cleanup.clean(grey)
        assert page.sheet
        h, w = page.image.shape
        assert h / w == pytest.approx(2**0.5, rel=0.03)
        # Nothing of the dark surface is left along the edges.
        border = np.concatenate(
            [
                page.image[:5].ravel(),
                page.image[-5:].ravel(),
                page.image[:, :5].ravel(),
                page.image[:, -5:].ravel(),
            ]
        )
        assert np.median(border) > 150


def test_scans_have_no_sheet_to_find(scans: dict[int, Image.Image]) -> None:
    for scan in scans.values():
        assert sheet.find_sheet(np.asarray(scan)) is None


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_direction_is_found_without_tesseract(scans: dict[int, Image.Image], turn: int) -> None:
    scan = scans[4]
    img = scan.rotate(turn, expand=True, fillcolor=240) if turn else scan
    page = cleanup.clean(img, 300, osd=None)
    assert (turn + page.rotation) % 360 == 0
    assert not page.osd_used
    h, w = page.image.shape
    assert h > w


@pytest.mark.parametrize("angle", [-4.0, -1.2, 0.7, 3.5])
def test_skew_is_corrected(avis_300: Image.Image, angle: float) -> None:
    img = avis_300.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    page = cleanup.clean(img, 300)
    assert page.skew == pytest.approx(-angle, abs=0.25)
    again = cleanup.clean(Image.fromarray(page.image), page.dpi)
    assert abs(again.skew) <= 0.2


def test_scale_brings_text_to_the_target_height(scans: dict[int, Image.Image]) -> None:
    low, high = cleanup.KEEP_CHAR_HEIGHT
    for seed, scan in scans.items():  # 240, 300 and 200 dpi
        page = cleanup.clean(scan, scan.info["dpi"][0])
        assert low <= page.char_height <= high
        assert 150 <= page.dpi <= 260
        if scan.info["dpi"][0] >= 240:  # reduced to the target…
            assert page.char_height == pytest.approx(cleanup.TARGET_CHAR_HEIGHT, rel=0.01)
        else:  # …while a 200-dpi scan is read as it is
            assert page.scale == 1.0, seed


def test_blank_and_noise_pages_are_blank() -> None:
    assert cleanup.clean(Image.new("L", (2480, 3508), 250)).blank
    rng = np.random.default_rng(0)
    noise = rng.normal(200, 12, (2000, 1500)).clip(0, 255).astype(np.uint8)
    assert cleanup.clean(Image.fromarray(noise)).blank
    yy, xx = np.mgrid[0:1500, 0:2000]
    landscape = (120 + 60 * np.sin(xx / 150) * np.cos(yy / 90)).astype(np.uint8)
    assert cleanup.clean(Image.fromarray(landscape)).blank


def test_blur_score_falls_with_blur(avis_300: Image.Image) -> None:
    scores = [
        cleanup.clean(avis_300.filter(ImageFilter.GaussianBlur(r)) if r else avis_300, 300).blur
        for r in (0, 1.5, 3)
    ]
    assert scores[0] > scores[1] > scores[2]


def test_rules_are_erased_for_ocr_only(avis_300: Image.Image) -> None:
    page = cleanup.clean(avis_300, 300)
    ink = (page.image < 128).sum()
    ocr_ink = (page.ocr_image < 128).sum()
    assert ocr_ink < ink * 0.97  # the table's rules are gone…
    assert ocr_ink > ink * 0.6  # …not the text
