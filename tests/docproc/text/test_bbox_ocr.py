"""Provenance boxes on scans: OCR word boxes are in the page as OCR read it (upright,
deskewed); on a scan skewed by a degree or two that is the page the generator drew, so each
value's box lies where it was drawn, within a scanner's tolerance. Also the real DGFiP page."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.models import Upload, contract_box
from docproc.pipeline import extract
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
