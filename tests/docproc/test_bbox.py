"""Provenance boxes on text-layer samples: each value's ``bbox`` lies where the generator drew
it, its ``label_bbox`` left of it on its line, and a value filled from the 2D-Doc has the code's
own box."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproc import document_assembly, qa, twoddoc_step
from docproc.extractors.classify import classify
from docproc.extractors.view import PageView
from docproc.grouping import group_pages
from docproc.models import Upload, contract_box, union_box
from docproc.settings import get_settings
from docproc.text.acquire import read_file
from tests import drawn
from tests.conftest import SAMPLES

#: Text layers give exact boxes: the generator's and the reader's agree to a fraction of a point.
TOLERANCE = 0.006
#: Both page layouts (the simple one and the DGFiP-like one), each with a 2D-Doc.
CASES = ("avis_2025_couple_4p", "reel_avis_2025_couple_4p")


@pytest.mark.parametrize("name", CASES)
def test_rfr_box_is_where_it_was_drawn(name: str) -> None:
    doc = drawn.sample_avis(name)
    prov = doc["provenance"]["revenu_fiscal_reference"]
    assert prov["source"] == "text" and prov["page"] == 1
    page1 = drawn.drawn_pages(name)[("avis_impot_revenu", 1)]
    where = drawn.boxes_of(page1, doc["fields"]["revenu_fiscal_reference"])
    assert where, "le générateur n'a pas imprimé le RFR ?"
    assert drawn.nearest(where, prov["bbox"]) < TOLERANCE, (prov["bbox"], where)
    label = prov["label_bbox"]
    assert label[2] <= prov["bbox"][0] + 1e-4  # the label stands left of its value
    assert label[1] < prov["bbox"][3] and prov["bbox"][1] < label[3]  # on the same line


@pytest.mark.parametrize("name", CASES)
def test_numero_fiscal_boxes_are_where_they_were_drawn(name: str) -> None:
    doc = drawn.sample_avis(name)
    people = doc["fields"]["declarants"]
    boxes = doc["provenance"]["declarants"]["numero_fiscal_bbox"]
    assert len(boxes) == len(people)
    page1 = drawn.drawn_pages(name)[("avis_impot_revenu", 1)]
    for person, box in zip(people, boxes, strict=True):
        where = drawn.boxes_of(page1, person["numero_fiscal"])
        assert drawn.nearest(where, box) < TOLERANCE, (box, where)
    # the déclarants' own box holds their names, as drawn in the addressee block
    names = [b for text, b in page1 for p in people if text.endswith(p["identite"])]
    assert (
        names
        and drawn.distance(union_box(names), doc["provenance"]["declarants"]["bbox"]) < TOLERANCE
    )


@pytest.mark.parametrize("name", CASES)
def test_every_present_field_has_a_box(name: str) -> None:
    for doc in drawn.sample_result(name)["documents"]:
        drawn.assert_every_field_boxed(doc)


def test_every_text_sample_boxes_every_field() -> None:
    for exp in qa.expected_files(SAMPLES, {"text"}):
        report = qa.QAReport()
        for doc in qa.run_one(exp, report)["documents"]:
            drawn.assert_every_field_boxed(doc)


def test_multi_line_values_get_the_union_box() -> None:
    """The income table spans several rows: its box holds every amount drawn in it."""
    name = "avis_2025_couple_4p"
    doc = drawn.sample_avis(name)
    prov = doc["provenance"]["revenus"]
    page = drawn.drawn_pages(name)[("avis_impot_revenu", prov["page"])]
    for item in doc["fields"]["revenus"]:
        where = [
            b
            for b in drawn.boxes_of(page, item["montant"])
            if prov["bbox"][1] - TOLERANCE <= b[1] and b[3] <= prov["bbox"][3] + TOLERANCE
        ]
        assert where, item
        assert any(
            prov["bbox"][0] - TOLERANCE <= b[0] and b[2] <= prov["bbox"][2] + TOLERANCE
            for b in where
        )
    assert prov["bbox"][3] - prov["bbox"][1] > 2 * (prov["label_bbox"][3] - prov["label_bbox"][1])


def test_code_box_is_where_the_generator_drew_it() -> None:
    name = "avis_2025_couple_4p"
    read = read_file(Upload("avis.pdf", (SAMPLES / f"{name}.pdf").read_bytes()), get_settings())
    page = read.pages[0]
    assert page.twoddoc and page.twoddoc_box is not None
    want = drawn.code_box(drawn.drawn_pages(name)[("avis_impot_revenu", 1)])
    assert drawn.distance(page.twoddoc_box, want) < TOLERANCE


def test_value_filled_from_the_code_has_the_codes_box() -> None:
    """A value the print did not give, taken from the signed code: its box is the code's."""
    name = "avis_2025_couple_4p"
    read = read_file(Upload("avis.pdf", (SAMPLES / f"{name}.pdf").read_bytes()), get_settings())
    views = [PageView(p) for p in read.pages]
    group = next(iter(group_pages([classify(v, i) for i, v in enumerate(views)])))
    ex = document_assembly.read_fields(group, views)
    ex.fields.pop("revenu_fiscal_reference")  # as if the print were unreadable
    ex.provenance.pop("revenu_fiscal_reference")
    ex.missing["revenu_fiscal_reference"] = "lu avec une confiance insuffisante"
    result = twoddoc_step.verify(group, views, ex)
    assert result is not None and result.contract and result.contract["valid_signature"] is True
    assert "revenu_fiscal_reference" not in ex.fields  # findings, applied by the pipeline
    prov = (
        document_assembly.apply_signed(ex, result)
        .provenance["revenu_fiscal_reference"]
        .to_contract()
    )
    assert prov["source"] == "2ddoc" and prov["page"] == 1
    assert prov["bbox"] == contract_box(read.pages[0].twoddoc_box)
    want = drawn.code_box(drawn.drawn_pages(name)[("avis_impot_revenu", 1)])
    assert drawn.distance(prov["bbox"], want) < TOLERANCE
    assert "label_bbox" not in prov


def test_boxes_in_the_json_output_of_extract(tmp_path: Path) -> None:
    """The contract keys as a client sees them (the CLI's JSON)."""
    from cli.main import main

    out = tmp_path / "out.json"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["extract", str(SAMPLES / "taxe_habitation_2025_secondaire.pdf"), "--json"])
    assert code == 0
    out.write_text(buf.getvalue(), encoding="utf-8")
    doc = json.loads(out.read_text(encoding="utf-8"))["documents"][0]
    prov = doc["provenance"]["numero_fiscal"]
    assert {"source", "page", "confidence", "bbox", "label_bbox"} <= set(prov)
    page1 = drawn.drawn_pages("taxe_habitation_2025_secondaire")
    found = [
        b
        for (_, n), page in page1.items()
        if n == prov["page"]
        for b in drawn.boxes_of(page, doc["fields"]["numero_fiscal"])
    ]
    assert drawn.nearest(found, prov["bbox"]) < TOLERANCE


def test_address_block_box_holds_each_of_its_lines() -> None:
    """An address printed on several lines under its label: the union of those lines."""
    name = "reel_avis_2025_couple_4p"
    doc = drawn.sample_avis(name)
    box = doc["provenance"]["adresse"]["bbox"]
    label = doc["provenance"]["adresse"]["label_bbox"]
    page1 = drawn.drawn_pages(name)[("avis_impot_revenu", 1)]
    lines = [
        b
        for text, b in page1
        if text.strip()
        and text in doc["fields"]["adresse"]
        and abs(b[0] - label[0]) < TOLERANCE
        and label[1] < b[1] < label[3] + 0.06
    ]
    assert len(lines) >= 2
    assert drawn.distance(union_box(lines), box) < TOLERANCE


@pytest.mark.parametrize("name", CASES)
def test_document_twoddoc_says_where_the_code_is(name: str) -> None:
    code = drawn.sample_avis(name)["twoddoc"]
    assert code["present"] and code["page"] == 1
    want = drawn.code_box(drawn.drawn_pages(name)[("avis_impot_revenu", 1)])
    assert drawn.distance(code["bbox"], want) < TOLERANCE
