"""The OCR reports its seconds per page to an observer (the workers' docproc_ocr_page_seconds)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from docproc import observe
from docproc.text.ocr import ocr_images

pytestmark = pytest.mark.ocr


def test_ocr_reports_seconds_per_page_and_a_failing_observer_is_ignored() -> None:
    seen: list[tuple[str, float, int]] = []

    def broken(_event: str, _seconds: float, _count: int) -> None:
        raise RuntimeError("observer down")

    observe.add_observer(broken)
    observe.add_observer(lambda event, seconds, count: seen.append((event, seconds, count)))
    try:
        pages = []
        for text in ("Revenu fiscal de reference", "Impot sur le revenu"):
            img = Image.new("L", (1240, 1754), 255)
            ImageDraw.Draw(img).text((100, 100), text, fill=0)
            img.info["dpi"] = (150, 150)
            pages.append(img)
        assert len(ocr_images(pages, "page.png")) == 2
    finally:
        observe._observers.clear()
    [(event, seconds, count)] = seen
    assert event == "ocr.page" and count == 2 and 0 < seconds < 60
