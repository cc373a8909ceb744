"""OCR of the two real, anonymised DGFiP pages (tests/fixtures/real, see its LICENCE.md), and
of a watermark printed across a scanned or photographed page.

The real pages are 600×851 screen captures (about 72 dpi) with section headings on blue
banners, in white ("Somme qu'il vous reste à payer") or black ("Vos références" on the avis),
and amounts in light-blue boxes.
"""

from __future__ import annotations

import io
import time
from functools import cache
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from docproc.extractors.view import PageView
from docproc.models import PageText
from docproc.samples import degrade
from docproc.text import cleanup, ocr
from docproc.text.fold import fold
from docproc.text.images import load_images, render_pdf_page
from docproc.text.second_look import read_big_text
from tests import paths

pytestmark = pytest.mark.ocr

ROOT = paths.ROOT
REAL = ROOT / "tests" / "fixtures" / "real"
SAMPLES = ROOT / "samples"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@cache
def _real(name: str) -> PageText:
    images = load_images((REAL / name).read_bytes(), "image/png")
    pages = ocr.ocr_images(images, name)
    assert len(pages) == 1
    return pages[0]


def _lines(page: PageText) -> list[str]:
    return PageView(page).folded


def _line_with(page: PageText, label: str) -> str:
    found = [line for line in _lines(page) if label in line]
    assert found, (label, _lines(page))
    return found[0]


def test_licence_notice_is_next_to_the_copies() -> None:
    notice = (REAL / "LICENCE.md").read_text(encoding="utf-8")
    for needed in (
        "MIT",
        "beta.gouv.fr",
        "Dossier-Facile-Frontend",
        "8cfcd9ff",
        "avis_ok.png",
        "avis_ko.png",
    ):
        assert needed in notice


def test_avis_banners_title_and_amounts() -> None:
    page = _real("dffront_avis_ok.png")
    text = fold(page.text)
    assert "VOS REFERENCES" in text  # black on a blue banner
    assert "VOS CONTACTS" in text
    assert "SOMME QU'IL VOUS RESTE A PAYER" in text  # white on a blue banner
    assert "AVIS D'IMPOT ETABLI EN 2025" in text  # small print, read once upscaled enough
    assert "CENTRE DES FINANCES PUBLIQUES" in text
    assert "DATE DE MISE EN RECOUVREMENT : 31/07/2025" in text
    rfr = _line_with(page, "REVENU FISCAL DE REFERENCE")
    assert rfr.split()[-1] == "0"
    assert "2,00" in _line_with(page, "NOMBRE DE PARTS")
    # The "0 €" alone in the light-blue box under the banner.
    assert any(
        seg.text.replace(" ", "") in ("0€", "0") and seg.x0 > 0.8 and 0.33 < seg.y0 < 0.40
        for seg in page.segments
    )


def test_asdir_banners_title_and_amounts() -> None:
    page = _real("dffront_avis_ko.png")
    text = fold(page.text)
    assert "AVIS DE SITUATION DECLARATIVE" in text
    assert "VOS REFERENCES" in text  # white on blue banners
    assert "VOS CONTACTS" in text
    assert "SOMME QU'IL VOUS RESTE A PAYER" in text
    assert _line_with(page, "REVENU FISCAL DE REFERENCE").split()[-1] == "0"
    # "2.0": Tesseract drops the point of a short number printed this small; it is put back.
    assert "2.0" in _line_with(page, "NOMBRE DE PARTS")
    assert any(seg.text.replace(" ", "") == "0€" for seg in page.segments)


@pytest.mark.parametrize("name", ["dffront_avis_ok.png", "dffront_avis_ko.png"])
def test_sharp_capture_is_not_reported_blurry(name: str) -> None:
    page = _real(name)
    assert [c.code for c in page.checks] == []
    assert page.quality["char_height"] >= 15  # upscaled past 2x: 7-pixel letters at source
    assert "SPECIMEN" not in PageView(page).folded_text


def test_banners_are_found_and_normalised() -> None:
    images = load_images((REAL / "dffront_avis_ok.png").read_bytes(), "image/png")
    cleaned = cleanup.clean(images[0])
    assert len(cleaned.shaded) >= 3  # two headings, the "Somme" banner (and its 0 € row)
    for x0, y0, x1, y1 in cleaned.shaded:
        region = cleaned.ocr_image[y0:y1, x0:x1]
        # Dark text on the paper's grey in Tesseract's copy: mostly light, some ink.
        assert np.median(region) > 200
        assert (region < 100).mean() > 0.002


# --------------------------------------------------------------------------- watermark


def _with_watermark(page: Image.Image, grey: int = 200, angle: float = 35.0) -> Image.Image:
    """``page`` with a big light-grey "SPECIMEN" printed across it (under the text)."""
    w, h = page.size
    font = ImageFont.truetype(str(FONT), int(w * 0.16))
    layer = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), "SPECIMEN", font=font)
    draw.text(
        ((w - (right - left)) / 2 - left, (h - (bottom - top)) / 2 - top),
        "SPECIMEN",
        font=font,
        fill=grey,
    )
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    out = ImageChops.darker(page.convert("L"), layer)
    out.info = dict(page.info)
    return out


@cache
def _sample_page() -> Image.Image:
    pdf = pypdfium2.PdfDocument((SAMPLES / "avis_2025_couple_4p.pdf").read_bytes())
    try:
        img = render_pdf_page(pdf, 0, 300)
    finally:
        pdf.close()
    img.info["dpi"] = (300, 300)
    return img


def _upload(img: Image.Image, photo: bool) -> Image.Image:
    buf = io.BytesIO()
    if photo:
        img.convert("RGB").save(buf, "JPEG", quality=85)
        return load_images(buf.getvalue(), "image/jpeg")[0]
    img.save(buf, "PNG", dpi=img.info.get("dpi", (300, 300)))
    return load_images(buf.getvalue(), "image/png")[0]


@pytest.mark.skipif(not FONT.is_file(), reason="DejaVu fonts not installed")
@pytest.mark.parametrize(
    ("kind", "seed", "angle"),
    [("scan", 1, 35.0), ("scan", 4, -40.0), ("photo", 2, 35.0), ("photo", 5, 30.0)],
)
def test_watermark_on_scans_and_photos_is_found(kind: str, seed: int, angle: float) -> None:
    marked = _with_watermark(_sample_page(), angle=angle)
    degraded = degrade.scan(marked, seed) if kind == "scan" else degrade.photo(marked, seed)
    page = ocr.ocr_images([_upload(degraded, kind == "photo")], "page")[0]
    view = PageView(page)
    assert "SPECIMEN" in view.folded_text
    # On a line of its own: it neither joins nor splits the lines of the text.
    assert [line for line in view.folded if "SPECIMEN" in line] == ["SPECIMEN"]
    seg = next(s for s in page.segments if s.text == "SPECIMEN")
    assert seg.x1 - seg.x0 > 0.5  # across the page
    # The page itself still reads.
    assert "REVENU FISCAL DE REFERENCE" in view.folded_text


def _sample_images() -> list[tuple[str, Image.Image]]:
    """The first file of every folder of samples/ — a scanned, photographed or captured page of
    every kind and device (none carries a watermark). Every page of every degraded sample goes
    through the whole OCR path, watermark reading included, in the golden OCR test
    (``test_no_degraded_sample_is_taken_for_a_specimen``)."""
    out: list[tuple[str, Image.Image]] = []
    for folder in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        f = min(p for p in folder.iterdir() if p.suffix in (".jpg", ".png", ".pdf"))
        if f.suffix == ".pdf":
            pdf = pypdfium2.PdfDocument(f.read_bytes())
            try:
                out.append((f"{folder.name}#1", render_pdf_page(pdf, 0, 300)))
            finally:
                pdf.close()
        else:
            media = "image/jpeg" if f.suffix == ".jpg" else "image/png"
            out.append((f.name, load_images(f.read_bytes(), media)[0]))
    return out


def test_no_watermark_is_found_on_pages_without_one() -> None:
    pages = _sample_images()
    assert len(pages) >= 20  # a page of every folder
    found = []
    spent = []
    for name, img in pages:
        cleaned = cleanup.clean(img, img.info.get("docproc_dpi"))
        spent.append(cleaned.timings["big_text"] - cleaned.timings["light"])
        if cleaned.big_text is not None and read_big_text(cleaned, time.monotonic() + 5):
            found.append(name)
    assert found == []
    # Cheap: it runs on every OCR page (about 25 ms at 300 dpi when measured alone).
    assert float(np.median(spent)) < 0.15


def test_watermark_absent_from_the_same_page_degraded_without_it() -> None:
    for seed in (1, 4):
        page = ocr.ocr_images([_upload(degrade.scan(_sample_page(), seed), False)], "p")[0]
        assert "SPECIMEN" not in PageView(page).folded_text
