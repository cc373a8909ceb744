"""The sample generator's degradations: deterministic, within the advertised bounds."""

from __future__ import annotations

import numpy as np
from PIL import Image

from docproc.samples import degrade


def test_scan_is_deterministic_grey_and_200_to_300_dpi(avis_300: Image.Image) -> None:
    a, b = degrade.scan(avis_300, 3), degrade.scan(avis_300, 3)
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert a.mode == "L"
    dpi = a.info["dpi"][0]
    assert 200 <= dpi <= 300
    assert abs(a.width - round(avis_300.width * dpi / 300)) <= 1
    assert not np.array_equal(np.asarray(a), np.asarray(degrade.scan(avis_300, 4).resize(a.size)))


def test_photo_is_deterministic_rgb_and_at_most_12_mpx(avis_300: Image.Image) -> None:
    a, b = degrade.photo(avis_300, 8), degrade.photo(avis_300, 8)
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert a.mode == "RGB"
    assert a.width * a.height <= degrade.PHOTO_MAX_PIXELS
    assert a.height > a.width  # portrait
    assert "dpi" not in a.info
    arr = np.asarray(a.convert("L"), dtype=np.float32)
    # The sheet is lighter than the surface around it.
    h, w = arr.shape
    assert arr[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].mean() > arr[:20, :].mean() + 40
