"""An avis, an ASDIR, a taxe foncière, a CAF letter and a UK SA302 printed to PDF, or
screenshotted, by a web browser (Debian's Chromium, through Playwright). The pages
(tests/fixtures/browser) were written by hand from the layout notes and the real pages'
wording, not drawn by the sample generator: a parser tuned to the generator's geometry fails
here.

A browser-printed PDF is a common upload (an avis viewed in the espace particulier, then
"Enregistrer au format PDF"). Chromium's Skia places glyphs one by one or in short kerned
chunks, and a kerned pair's boxes overlap: PDFium's runs were single glyphs or broken words
("R" "É" "P"…, "M BERNARD PA" + "PAUL", "1" "0" "8" "7"), read as nothing or as wrong values
until the words were rebuilt from PDFium's characters (docproc.text.pdf_words).
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from functools import cache
from typing import Any

import pypdfium2
import pytest

from docproc.models import Segment, Upload
from docproc.pipeline import extract
from docproc.text import pdf_text, pdf_words
from tests import paths

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
PAGES = paths.ROOT / "tests" / "fixtures" / "browser"

#: What a reader sees on the page.
PAGE_1 = {
    "annee_revenus": 2024,
    "annee_avis": 2025,
    "reference_avis": "2569A12345678",
    "revenu_fiscal_reference": 48250,
    "nombre_parts": 2.5,
    "date_mise_en_recouvrement": "2025-07-31",
    "adresse": "12 RUE DES LILAS 69003 LYON",
    "montant_impot": 1234,
}
PAGE_2 = {
    "situation_famille": "M",
    "personnes_a_charge": 1,
    "revenu_brut_global": 48240,
    "revenu_imposable": 48240,
    "impot_revenu_net": 2020,
    "revenus": [
        {"categorie": "salaires", "declarant": 1, "montant": 31200},
        {"categorie": "salaires", "declarant": 2, "montant": 22400},
    ],
}
NUMEROS = ["1234567890066", "2098765432029"]
TAXE_FONCIERE = {
    "annee_imposition": 2025,
    "numero_fiscal": "3023217600053",
    "reference_avis": "2574C24681055",
    "proprietaires": ["BERNARD PAUL", "BERNARD JULIE"],
    "biens": [
        {
            "commune": "ANNECY",
            "adresse": "7 CHEMIN DU LAC",
            "nature": "bati",
            "revenu_cadastral": 2415,
        }
    ],
    "montant_total": 1087,
}
ASDIR = {
    "annee_revenus": 2024,
    "annee_avis": 2025,
    "valant_avis_impot": True,
    "reference_avis": "2533B65432112",
    "revenu_fiscal_reference": 9870,
    "nombre_parts": 1.5,
    "date_mise_en_recouvrement": "2025-07-31",
    "montant_impot": 0,
}

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium absent : installez le paquet Debian « chromium » (make system)",
)


@cache
def _printed(name: str = "avis_2025.html") -> tuple[bytes, bytes]:
    """(PDF of every page, PNG screenshot of page 1) as Chromium makes them."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            tab = browser.new_page(viewport={"width": 794, "height": 1123}, device_scale_factor=1.5)
            tab.goto((PAGES / name).as_uri())
            pdf = tab.pdf(format="A4", print_background=True)
            png = tab.screenshot(clip={"x": 0, "y": 0, "width": 794, "height": 1123})
        finally:
            browser.close()
    return pdf, png


def _document(name: str, data: bytes) -> dict[str, Any]:
    result = extract([Upload(name, data)], date(2025, 10, 1)).to_contract()
    [doc] = result["documents"]
    return dict(doc)


def _runs(pdf: bytes, index: int) -> tuple[list[Segment], str]:
    """PDFium's runs of a page (what the reader takes as its segments unless they break words)
    and its text."""
    doc = pypdfium2.PdfDocument(pdf)
    page = doc[index]
    width, height = page.get_size()
    textpage = page.get_textpage()
    runs = pdf_text.runs(textpage, width, height)
    text = textpage.get_text_range()
    textpage.close()
    page.close()
    doc.close()
    return runs, text


@needs_chromium
@pytest.mark.parametrize("name", ["avis_2025.html", "asdir_2025.html", "taxe_fonciere_2025.html"])
def test_chromium_runs_break_words_and_the_reader_rebuilds_them(name: str) -> None:
    pdf, _ = _printed(name)
    runs, text = _runs(pdf, 0)
    assert pdf_words.runs_suspect(runs) and pdf_words.runs_break_words(runs, text)  # really there
    doc = pypdfium2.PdfDocument(pdf)
    try:
        words = [s.text for s in pdf_text.page_segments(doc, 0)]
    finally:
        doc.close()
    assert words == text.split()  # PDFium's own reading, word for word
    assert "Av" not in words  # no kerned pair read twice


@needs_chromium
def test_browser_printed_avis_is_read_whole() -> None:
    pdf, _ = _printed()
    doc = _document("avis.pdf", pdf)
    assert doc["kind"] == "avis_impot_revenu"
    assert doc["complete"] is True and [p["number"] for p in doc["pages"]] == [1, 2]
    assert {k: doc["fields"].get(k) for k in PAGE_1 | PAGE_2} == PAGE_1 | PAGE_2
    assert [d["numero_fiscal"] for d in doc["fields"]["declarants"]] == NUMEROS
    assert doc["missing_fields"] == {}
    assert doc["status"] == "accepted"


@needs_chromium
@pytest.mark.ocr
def test_browser_screenshot_of_page_1_is_read_by_ocr() -> None:
    _, png = _printed()
    doc = _document("capture.png", png)
    assert doc["kind"] == "avis_impot_revenu"
    assert {k: doc["fields"].get(k) for k in PAGE_1} == PAGE_1
    assert [d["numero_fiscal"] for d in doc["fields"]["declarants"]] == NUMEROS
    assert doc["complete"] is False  # page 1 alone: the others are asked for


@needs_chromium
def test_browser_printed_asdir_valant_avis() -> None:
    # Its amount is right-aligned to the banner, well past the end of the banner's words.
    pdf, _ = _printed("asdir_2025.html")
    doc = _document("asdir.pdf", pdf)
    assert doc["kind"] == "asdir"
    assert {k: doc["fields"].get(k) for k in ASDIR} == ASDIR
    assert doc["missing_fields"] == {}


@needs_chromium
def test_browser_printed_taxe_fonciere() -> None:
    # Regression: its runs split "1 087 €" into "1" "0" "8" "7" and the total came out as 1 € —
    # a wrong value — and "M BERNARD PA" + "PAUL" gave an owner "BERNARD PA PAUL".
    pdf, _ = _printed("taxe_fonciere_2025.html")
    doc = _document("tf.pdf", pdf)
    assert doc["kind"] == "taxe_fonciere"
    assert doc["fields"] == TAXE_FONCIERE
    assert doc["missing_fields"] == {} and doc["status"] == "accepted"


@needs_chromium
def test_browser_printed_caf_letter() -> None:
    # The beneficiary is named in the letter's sentence, under no label.
    pdf, _ = _printed("attestation_rsa_caf.html")
    result = extract([Upload("caf.pdf", pdf)], date(2025, 11, 20)).to_contract()
    [doc] = result["documents"]
    assert doc["kind"] == "attestation_rsa"
    assert doc["fields"] == {
        "organisme": "CAF",
        "date_attestation": "2025-11-03",
        "beneficiaire": "SANCHEZ INÈS",
        "numero_allocataire": "1234567",
        "ressources_inferieures_rsa": True,
    }
    assert doc["status"] == "accepted"


@needs_chromium
def test_browser_printed_sa302_whose_own_text_is_a_glyph_a_line() -> None:
    pdf, _ = _printed("sa302_2024.html")
    runs, text = _runs(pdf, 0)
    assert pdf_words.own_text_broken(text)  # the case is really there: PDFium's text is cut
    doc = _document("sa302.pdf", pdf)
    assert doc["kind"] == "justificatif_etranger"
    fields = doc["fields"]
    assert (fields["pays"], fields["langue"], fields["annee"]) == ("GB", "en", 2023)
    assert (fields["revenu_annuel"], fields["devise"]) == (31250, "GBP")
