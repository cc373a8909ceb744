"""The HTML QA report opened in a real Chromium (Debian's package, driven by Playwright: nothing
is downloaded at run time): its sections render, its inline page images load and show the
field's box, nothing is fetched from outside, no console error. A screenshot is written to a
temporary folder for a person to look at (its path is printed)."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from docproc import qa, qa_images, qa_report
from tests.conftest import SAMPLES

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
#: The report's sections, by anchor, with their French headings.
SECTIONS = {
    "run": "Exécution",
    "familles": "Par famille",
    "types": "Par type de document",
    "champs": "Exactitude par champ",
    "carte": "Champs × familles",
    "confiance": "Confiance et justesse",
    "confusion": "Confusion des types",
    "ecarts": "Écarts",
}


def _samples(tmp: Path) -> Path:
    """Two text samples, one with a wrong expected RFR (a mismatch read on page 1, with its box)
    and one expecting a value the document does not print (a value left missing)."""
    folder = tmp / "echantillons"
    folder.mkdir()
    for name, edit in (("avis_2025_couple_4p", "rfr"), ("avis_2025_page1_seule", "absent")):
        shutil.copy(SAMPLES / f"{name}.pdf", folder / f"{name}.pdf")
        want = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
        fields = want["documents"][0]["fields"]
        if edit == "rfr":
            fields["revenu_fiscal_reference"] += 1
        else:
            fields["revenu_brut_global"] = 12345
        (folder / f"{name}.expected.json").write_text(
            json.dumps(want, ensure_ascii=False), encoding="utf-8"
        )
    return folder


def _report(tmp: Path) -> tuple[Path, qa.QAReport]:
    folder = _samples(tmp)
    report = qa.run(folder, images=True)
    page = tmp / "rapport.html"
    page.write_text(qa.html_report(report, qa_report.run_details(folder)), encoding="utf-8")
    return page, report


def _png(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")


def test_mismatch_images_draw_the_fields_box(tmp_path: Path) -> None:
    _, report = _report(tmp_path)
    rfr = next(
        i for i, m in enumerate(report.mismatches) if m["field"] == "revenu_fiscal_reference"
    )
    missing = next(i for i, m in enumerate(report.mismatches) if m["field"] == "revenu_brut_global")
    link = report.mismatches[rfr]["page_image"]
    assert link["located"] and link["page"] == 1 and link["bbox"] and link["label_bbox"]
    crop = _png(report.images[rfr]["crop"])
    colours = {colour for _, colour in crop.getcolors(1 << 16) or []}
    assert qa_images.VALUE_COLOUR in colours and qa_images.LABEL_COLOUR in colours
    assert crop.width < 600 and crop.height < 200  # the field and its label, not the page
    whole = _png(report.images[rfr]["page"])
    x0, y0, x1, y1 = link["bbox"]
    w, h = whole.size
    frame = [whole.getpixel((x, round(y0 * h) - 2)) for x in range(round(x0 * w), round(x1 * w))]
    assert frame.count(qa_images.VALUE_COLOUR) > len(frame) // 2  # the box's top edge, in red
    # a value left missing: its document's first page, no box
    assert report.mismatches[missing]["page_image"]["located"] is False
    assert "crop" not in report.images[missing] and "page" in report.images[missing]


def _launch_args() -> list[str]:
    # Chromium refuses to start as root with its sandbox (CI runs as root).
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium absent : installez le paquet Debian « chromium » (make system)",
)
def test_report_renders_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_path, report = _report(tmp_path)
    shots = Path(tempfile.mkdtemp(prefix="docproc-qa-"))
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=_launch_args())
        try:
            tab = browser.new_page(viewport={"width": 1300, "height": 900})
            tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            tab.on("pageerror", lambda exc: errors.append(str(exc)))

            def guard(route: Any) -> None:
                url = route.request.url
                if url.startswith(("data:", "file:")):
                    route.continue_()
                else:
                    outside.append(url)
                    route.abort()

            tab.route("**/*", guard)
            tab.goto(page_path.as_uri())
            assert tab.title() == "docproc — rapport QA"
            assert tab.locator("html").get_attribute("lang") == "fr"
            for anchor, heading in SECTIONS.items():
                assert heading in tab.locator(f"#{anchor}").inner_text(), anchor
                assert tab.locator(f"nav a[href='#{anchor}']").count() == 1, anchor
            # every mismatch has its row, its number links to it, its images are decoded
            rows = tab.locator("tr[id^='ecart-']")
            assert rows.count() == len(report.mismatches) == 2
            images = tab.locator("#ecarts ~ table img")
            assert (
                images.count() >= 3
            )  # a crop and a page for the RFR, a page for the missing value
            tab.eval_on_selector_all("details", "els => els.forEach(e => e.open = true)")
            sizes = tab.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth])"
            )
            assert sizes and all(done and width > 0 for done, width in sizes), sizes
            assert "revenu_fiscal_reference" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
            # the plots are drawn (inline SVG with their French labels)
            assert (
                tab.locator(
                    "svg[aria-label='carte d\\'exactitude des champs par famille'] rect"
                ).count()
                > 0
            )
            assert (
                tab.locator(
                    "svg[aria-label='part des valeurs justes selon la confiance'] circle"
                ).count()
                > 0
            )
            # the link of a field to its mismatch scrolls to that row
            tab.locator("#champs + table a[href^='#ecart-']").first.click()
            assert tab.evaluate("location.hash").startswith("#ecart-")
            shot = shots / "rapport-qa.png"
            tab.screenshot(path=str(shot), full_page=True)
            rows.nth(0).screenshot(path=str(shots / "premier-ecart.png"))
        finally:
            browser.close()
    print(f"\nCapture du rapport QA : {shot}")
    assert shot.stat().st_size > 10_000
    assert errors == [] and outside == []
