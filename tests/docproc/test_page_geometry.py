"""Boxes taken from the page as OCR read it back to the file as uploaded (docproc.page_geometry)."""

from __future__ import annotations

import numpy as np
import pytest

from docproc.page_geometry import map_box, page_to_file, quarter_turn


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_quarter_turn_follows_numpy_rot90(k: int) -> None:
    h, w = 30, 50
    image = np.zeros((h, w), np.uint8)
    image[4, 7] = 255  # the pixel whose centre is (7.5, 4.5)
    turned = np.rot90(image, k=k)
    y, x = (int(v) for v in np.argwhere(turned == 255)[0])
    moved = quarter_turn(k, w, h) @ np.array([7.5, 4.5, 1.0])
    assert (moved[0], moved[1]) == pytest.approx((x + 0.5, y + 0.5))


def test_a_straight_scan_only_resampled_needs_no_second_box() -> None:
    half = np.diag([0.5, 0.5, 1.0])  # the page is the file at half size
    assert page_to_file(half, (2000, 2800), (1000, 1400)) is None


def test_a_page_turned_a_quarter_maps_back_to_the_file() -> None:
    w, h = 2000, 2800  # the file, landscape text on a portrait image read turned
    to_page = quarter_turn(1, w, h)
    to_file = page_to_file(to_page, (w, h), (h, w))
    assert to_file is not None
    # a box near the top-left of the upright page is near the file's top-right
    box = map_box((0.1, 0.2, 0.3, 0.25), to_file)
    assert box == pytest.approx((0.75, 0.1, 0.8, 0.3))  # (x, y) of the page is (1 - y, x)


def test_boxes_outside_the_image_or_without_a_map_are_not_given() -> None:
    shift = np.array([[1.0, 0.0, -5000.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    to_file = page_to_file(shift, (1000, 1000), (1000, 1000))
    assert map_box((0.1, 0.1, 0.2, 0.2), to_file) is None  # lands beyond the right edge
    assert map_box((0.1, 0.1, 0.2, 0.2), None) is None
    assert map_box(None, to_file) is None
    assert page_to_file(np.zeros((3, 3)), (10, 10), (10, 10)) is None  # not invertible
