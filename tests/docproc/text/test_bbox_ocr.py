"""Provenance boxes on scans: OCR word boxes are in the page as OCR read it (upright,
deskewed); on a scan skewed by a degree or two that is the page the generator drew, so each
value's box lies where it was drawn, within a scanner's tolerance. Also the real DGFiP page."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from PIL import Image

from docproc.models import Upload, contract_box
from docproc.page_geometry import map_box
from docproc.pipeline import extract
from docproc.samples import degrade
from docproc.settings import get_settings
from docproc.text.acquire import read_file
from tests import drawn, paths
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.ocr, pytest.mark.slow]

#: A scan is skewed (≤ 2°), blurred and resampled; OCR boxes are word boxes of its pixels.
TOLERANCE = 0.02
#: The simple layout and the DGFiP-like one, scanned.
CASES = ("scan_avis_2025_couple_4p", "reel_scan_avis_2025_couple_4p")
REAL = paths.REAL


@pytest.mark.parametrize("name", CASES)
def test_rfr_box_on_a_scan_is_where_it_was_drawn(name: str) -> None:
    doc = drawn.sample_avis(name)
    prov = doc["provenance"]["revenu_fiscal_reference"]
    assert prov["page"] == 1
    page1 = drawn.drawn_pages(name)[("avis_impot_revenu", 1)]
    if prov["source"] == "2ddoc":  # unreadable on this scan: the code's box
        assert drawn.distance(prov["bbox"], drawn.code_box(page1)) < TOLERANCE
        return
    assert prov["source"] == "ocr"
    where = drawn.boxes_of(page1, doc["fields"]["revenu_fiscal_reference"])
    assert drawn.nearest(where, prov["bbox"]) < TOLERANCE, (prov["bbox"], where)
    label = prov["label_bbox"]
    assert label[2] <= prov["bbox"][0] and label[1] < prov["bbox"][3] and prov["bbox"][1] < label[3]


@pytest.mark.parametrize("name", CASES)
def test_numero_fiscal_boxes_on_a_scan(name: str) -> None:
    doc = drawn.sample_avis(name)
    prov = doc["provenance"]["declarants"]
    page1 = drawn.drawn_pages(name)[("avis_impot_revenu", 1)]
    from_code = set(prov.get("numero_fiscal_from_2ddoc", []))
    for rank, (person, box) in enumerate(
        zip(doc["fields"]["declarants"], prov["numero_fiscal_bbox"], strict=True), start=1
    ):
        want = (
            [drawn.code_box(page1)]
            if rank in from_code
            else drawn.boxes_of(page1, person["numero_fiscal"])
        )
        assert drawn.nearest(want, box) < TOLERANCE, (rank, box, want)


@pytest.mark.parametrize("name", CASES)
def test_every_present_field_on_a_scan_has_a_box(name: str) -> None:
    for doc in drawn.sample_result(name)["documents"]:
        drawn.assert_every_field_boxed(doc)


def test_code_box_on_a_scan_is_where_the_generator_drew_it() -> None:
    name = "scan_avis_2025_couple_4p"
    path = next((SAMPLES / name).glob("*.pdf"))
    page = read_file(Upload(path.name, path.read_bytes()), get_settings()).pages[0]
    assert page.twoddoc and page.twoddoc_box is not None
    want = drawn.code_box(drawn.drawn_pages(name)[("avis_impot_revenu", 1)])
    # zxing gives the symbol's corners, the generator the image with its quiet zone
    assert drawn.distance(page.twoddoc_box, want) < TOLERANCE
    assert contract_box(page.twoddoc_box) is not None


def test_real_page_rfr_box_is_a_small_box_right_of_its_label() -> None:
    result = extract(
        [Upload("dffront_avis_ok.png", (REAL / "dffront_avis_ok.png").read_bytes())],
        date(2026, 3, 1),
    ).to_contract()
    doc = result["documents"][0]
    prov = doc["provenance"]["revenu_fiscal_reference"]
    box, label = prov["bbox"], prov["label_bbox"]
    drawn.assert_sane(box)
    drawn.assert_sane(label)
    assert box[2] - box[0] < 0.15 and box[3] - box[1] < 0.03  # a number, not a block
    assert label[2] < box[0]  # right of "Revenu fiscal de référence :"
    assert label[1] < box[3] and box[1] < label[3]  # on its line
    assert box[0] > 0.5 and 0.5 < box[1] < 0.9  # in the right column, low on the page
    drawn.assert_every_field_boxed(doc)


def _rfr_on(image: Image.Image, name: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=90)
    result = extract([Upload(name, buffer.getvalue())], date(2025, 10, 1)).to_contract()
    doc = next(d for d in result["documents"] if d["kind"] == "avis_impot_revenu")
    prov: dict[str, Any] = doc["provenance"]["revenu_fiscal_reference"]
    assert prov["source"] == "ocr", prov
    return prov


def _text_layer_rfr_box() -> list[float]:
    path = SAMPLES / "avis_2025_couple_4p.pdf"
    doc = extract([Upload(path.name, path.read_bytes())], date(2025, 10, 1)).to_contract()
    box: list[float] = doc["documents"][0]["provenance"]["revenu_fiscal_reference"]["bbox"]
    return box


def _page_one() -> Image.Image:
    from docproc.qa_images import render_pdf_page

    page = render_pdf_page((SAMPLES / "avis_2025_couple_4p.pdf").read_bytes(), 1, 200)
    assert page is not None
    return page


def test_box_on_a_phone_photo_is_given_on_the_photo_as_uploaded_too() -> None:
    """``bbox`` is on the page as OCR read it (flattened: where the generator drew the value);
    ``file_bbox`` on the photo's own pixels, where the generator's perspective put it."""
    drawn_box = _text_layer_rfr_box()
    photo, to_photo = degrade.photo_mapped(_page_one(), 3)
    prov = _rfr_on(photo, "photo.jpg")
    assert drawn.distance(prov["bbox"], drawn_box) < TOLERANCE
    want = map_box(drawn_box, tuple(to_photo.ravel()))
    assert want is not None
    assert drawn.distance(prov["file_bbox"], want) < TOLERANCE, (prov["file_bbox"], want)
    assert drawn.distance(prov["file_bbox"], prov["bbox"]) > TOLERANCE  # not the same place


def test_box_on_a_scan_turned_a_quarter_is_given_on_the_file_too() -> None:
    x0, y0, x1, y1 = _text_layer_rfr_box()
    turned = _page_one().transpose(Image.Transpose.ROTATE_90)  # counter-clockwise
    prov = _rfr_on(turned, "turned.jpg")
    assert drawn.distance(prov["bbox"], [x0, y0, x1, y1]) < TOLERANCE
    # a point (x, y) of the page is at (y, 1 - x) on the turned image
    want = [y0, 1 - x1, y1, 1 - x0]
    assert drawn.distance(prov["file_bbox"], want) < TOLERANCE, (prov["file_bbox"], want)
